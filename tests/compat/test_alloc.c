/*
 * test_alloc.c - the simple memory manager lab (alloc.h: init_alloc,
 * alloc, dealloc, cleanup), as its test program checks it: the whole page
 * usable, sizes in multiples of 8, no double booking, split and merge,
 * contents kept.  Built with pkg-config --cflags --libs pagealloc-compat-alloc.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "alloc.h"
#include "seedtest.h"

#define NSLOT 24		/* live chunks at most in the random run */

/* Is [p, p+n) mapped?  msync answers ENOMEM for an unmapped range. */
static int mapped(void *p, size_t n)
{
	return msync(p, n, MS_ASYNC) == 0;
}

static char *page_of(char *p)
{
	return (char *)((uintptr_t)p & ~(uintptr_t)(PAGESIZE - 1));
}

/* Four alloc(1024) fill the page; a fifth request of any size fails. */
static void test_fill(void)
{
	char *p[4], *lo, *hi;
	int i;

	CHECK(init_alloc() == 0);
	for (i = 0; i < 4; i++) {
		p[i] = alloc(1024);
		CHECK(p[i] != NULL);
		st_fill(p[i], 1024, i + 1);
	}
	lo = hi = p[0];
	for (i = 1; i < 4; i++) {
		lo = p[i] < lo ? p[i] : lo;
		hi = p[i] > hi ? p[i] : hi;
	}
	CHECK(hi - lo == 3 * 1024);		/* one page, nothing in between */
	CHECK(page_of(lo) == lo && mapped(lo, PAGESIZE));
	CHECK(alloc(1024) == NULL);
	CHECK(alloc(MINALLOC) == NULL);
	for (i = 0; i < 4; i++)
		CHECK(st_intact(p[i], 1024, i + 1));
	for (i = 0; i < 4; i++)
		dealloc(p[i]);
	p[0] = alloc(PAGESIZE);			/* everything merged back */
	CHECK(p[0] == lo);
	st_fill(p[0], PAGESIZE, 9);
	CHECK(st_intact(p[0], PAGESIZE, 9));
	dealloc(p[0]);
	CHECK(cleanup() == 0);
	CHECK(!mapped(lo, PAGESIZE));		/* cleanup gave the page back */
	printf("fill: 4 x alloc(1024) fill the page, a 5th fails\n");
}

/* Sizes that are not positive multiples of 8, or too large, get NULL. */
static void test_sizes(void)
{
	static const int bad[] = { 0, -8, 1, 7, 9, 100, 1023, PAGESIZE + 8, PAGESIZE - 1 };
	unsigned i;
	char *p;

	CHECK(init_alloc() == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(alloc(bad[i]) == NULL);
	p = alloc(8);
	CHECK(p != NULL);
	dealloc(p);
	CHECK(cleanup() == 0);
	printf("sizes: only multiples of 8 from 8 to %d are served\n", PAGESIZE);
}

/* A freed chunk of N1 serves N2 <= N1, and the rest N1 - N2 stays free. */
static void test_split(void)
{
	char *a, *b, *c, *x, *y;

	CHECK(init_alloc() == 0);
	a = alloc(1024);
	b = alloc(2048);
	c = alloc(1024);
	CHECK(a && b && c);
	st_fill(a, 1024, 1);
	st_fill(c, 1024, 3);
	dealloc(b);
	x = alloc(512);
	CHECK(x != NULL && x >= b && x + 512 <= b + 2048);
	y = alloc(1536);			/* the leftover of the split */
	CHECK(y != NULL && y >= b && y + 1536 <= b + 2048);
	CHECK(y + 1536 <= x || x + 512 <= y);
	CHECK(alloc(8) == NULL);
	CHECK(st_intact(a, 1024, 1) && st_intact(c, 1024, 3));
	CHECK(cleanup() == 0);
	printf("split: a freed 2048 serves 512 and the 1536 left over\n");
}

/* Two adjacent free chunks N1 and N2 serve N1 + N2. */
static void test_merge(void)
{
	char *p[8], *m;
	int i;

	CHECK(init_alloc() == 0);
	for (i = 0; i < 8; i++) {
		p[i] = alloc(512);
		CHECK(p[i] != NULL);
		st_fill(p[i], 512, 10 + i);
	}
	CHECK(alloc(8) == NULL);
	/* free two neighbours (by address), in either order */
	for (i = 0; i < 8; i++)
		if (p[i] + 512 == p[(i + 1) % 8])
			break;
	CHECK(i < 8);
	dealloc(p[(i + 1) % 8]);
	dealloc(p[i]);
	m = alloc(1024);
	CHECK(m == p[i]);
	st_fill(m, 1024, 99);
	for (int j = 0; j < 8; j++)
		if (j != i && j != (i + 1) % 8)
			CHECK(st_intact(p[j], 512, 10 + j));
	CHECK(st_intact(m, 1024, 99));
	CHECK(cleanup() == 0);
	printf("merge: two free neighbours of 512 serve 1024\n");
}

/* The largest run of bytes of the page that no live chunk covers. */
static int largest_gap(char *base, char **p, const int *n, int count)
{
	static unsigned char used[PAGESIZE];
	int i, off, run = 0, best = 0;

	memset(used, 0, sizeof(used));
	for (i = 0; i < count; i++)
		if (p[i])
			memset(used + (p[i] - base), 1, n[i]);
	for (off = 0; off < PAGESIZE; off++) {
		run = used[off] ? 0 : run + 1;
		best = run > best ? run : best;
	}
	return best;
}

/* Does [q, q+len) stay inside the page and off every live chunk? */
static int fits(char *base, char *q, int len, char **p, const int *n, int count)
{
	int i;

	if (q < base || q + len > base + PAGESIZE)
		return 0;
	for (i = 0; i < count; i++)
		if (p[i] && q < p[i] + n[i] && p[i] < q + len)
			return 0;
	return 1;
}

/*
 * Random allocs and deallocs.  Every chunk lies in the page, off every
 * live chunk, and keeps its contents; alloc fails only when no free run of
 * the page is that large (any heuristic is fine, but it must find a chunk
 * if one exists).
 */
static void test_random(void)
{
	char *p[NSLOT] = { 0 }, *base, *q;
	int n[NSLOT] = { 0 }, i, fails = 0;
	unsigned seed = 6, op;

	CHECK(init_alloc() == 0);
	base = alloc(PAGESIZE);
	CHECK(base != NULL);
	dealloc(base);
	for (op = 0; op < 20000; op++) {
		i = st_rand(&seed) % NSLOT;
		if (p[i]) {
			CHECK(st_intact(p[i], n[i], i));
			dealloc(p[i]);
			p[i] = NULL;
			continue;
		}
		n[i] = MINALLOC * (1 + st_rand(&seed) % 48);
		q = alloc(n[i]);
		if (!q) {
			CHECK(largest_gap(base, p, n, NSLOT) < n[i]);
			fails++;
			continue;
		}
		CHECK(fits(base, q, n[i], p, n, NSLOT));
		p[i] = q;
		st_fill(p[i], n[i], i);
	}
	for (i = 0; i < NSLOT; i++)
		if (p[i]) {
			CHECK(st_intact(p[i], n[i], i));
			dealloc(p[i]);
		}
	CHECK(alloc(PAGESIZE) == base);		/* all merged again */
	CHECK(cleanup() == 0);
	printf("random: 20000 operations (%d refused for want of room), "
	       "no chunk lost or double-booked\n", fails);
}

/* init and cleanup return 0; cleanup without init is an error. */
static void test_init_cleanup(void)
{
	char *p;

	CHECK(init_alloc() == 0);
	p = alloc(PAGESIZE);
	CHECK(p != NULL);
	CHECK(init_alloc() == 0);		/* starts afresh */
	CHECK(alloc(PAGESIZE) != NULL);
	dealloc(NULL);				/* ignored */
	dealloc(p + 8);				/* not a chunk: ignored */
	CHECK(cleanup() == 0);
	CHECK(cleanup() != 0);
	CHECK(alloc(8) == NULL);		/* nothing to allocate from */
	printf("init/cleanup: 0 on success, an error code otherwise\n");
}

int main(void)
{
	test_fill();
	test_sizes();
	test_split();
	test_merge();
	test_random();
	test_init_cleanup();
	printf("alloc: all checks passed\n");
	return 0;
}
