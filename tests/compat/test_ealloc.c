/*
 * test_ealloc.c - the elastic memory manager lab (ealloc.h), as its test
 * program checks it: pages mapped only on demand, one at a time, each
 * growing the process VSZ (read from /proc/self/stat) by exactly one page;
 * at most 4 pages, never unmapped; freed chunks split and merged so that
 * 64 x alloc(256) and then 4 x alloc(4096) map nothing new.  Built with
 * pkg-config --cflags --libs pagealloc-compat-ealloc.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "ealloc.h"
#include "seedtest.h"

#define MAXPAGES 4
#define NSLOT 32

static size_t vsz0;	/* VSZ right after init_alloc */

#define CHECK_PAGES(n) CHECK(st_vsz() == vsz0 + (size_t)(n) * PAGESIZE)

static uintptr_t page_of(const char *p)
{
	return (uintptr_t)p & ~(uintptr_t)(PAGESIZE - 1);
}

/* In a child, so that its pages leave this process's VSZ alone: init maps
 * no page, the first alloc maps one, and it serves until it is full. */
static void test_on_demand(void)
{
	pid_t pid;
	int status, i;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *p[5];

		init_alloc();
		vsz0 = st_vsz();
		for (i = 0; i < 4; i++) {
			p[i] = alloc(1024);
			CHECK(p[i] != NULL);
			CHECK_PAGES(1);
			CHECK(page_of(p[i]) == page_of(p[0]));
		}
		p[4] = alloc(MINALLOC);		/* the first page is full */
		CHECK(p[4] != NULL);
		CHECK_PAGES(2);
		CHECK(page_of(p[4]) != page_of(p[0]));
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("on demand: init maps no page, the first alloc maps one\n");
}

/* Four alloc(4096) map four pages, +4096 of VSZ each; a fifth page is
 * never mapped. */
static void test_four_pages(char **first)
{
	char *a[MAXPAGES];
	int i;

	for (i = 0; i < MAXPAGES; i++) {
		a[i] = alloc(PAGESIZE);
		CHECK(a[i] != NULL && page_of(a[i]) == (uintptr_t)a[i]);
		CHECK_PAGES(i + 1);
		st_fill(a[i], PAGESIZE, i + 1);
		first[i] = a[i];
	}
	CHECK(alloc(MINALLOC) == NULL);
	CHECK(alloc(PAGESIZE) == NULL);
	CHECK_PAGES(MAXPAGES);
	for (i = 0; i < MAXPAGES; i++) {
		CHECK(st_intact(a[i], PAGESIZE, i + 1));
		dealloc(a[i]);
	}
	CHECK_PAGES(MAXPAGES);			/* pages stay mapped */
	printf("4 x alloc(%d): VSZ +%d each, then capped\n", PAGESIZE, PAGESIZE);
}

/* 64 x alloc(256) fit in the four pages; then, freed, they merge back
 * into four whole pages: nothing new is mapped. */
static void test_reuse(char **first)
{
	char *b[MAXPAGES * PAGESIZE / MINALLOC], *a[MAXPAGES];
	int i, j, n = MAXPAGES * PAGESIZE / MINALLOC;

	for (i = 0; i < n; i++) {
		b[i] = alloc(MINALLOC);
		CHECK(b[i] != NULL);
		st_fill(b[i], MINALLOC, 100 + i);
	}
	CHECK_PAGES(MAXPAGES);
	CHECK(alloc(MINALLOC) == NULL);
	for (i = 0; i < n; i++) {
		CHECK(st_intact(b[i], MINALLOC, 100 + i));
		dealloc(b[i]);
	}
	for (i = 0; i < MAXPAGES; i++) {
		a[i] = alloc(PAGESIZE);
		CHECK(a[i] != NULL);
		for (j = 0; j < MAXPAGES && first[j] != a[i]; j++)
			;
		CHECK(j < MAXPAGES);		/* one of the four pages */
	}
	CHECK_PAGES(MAXPAGES);
	for (i = 0; i < MAXPAGES; i++)
		dealloc(a[i]);
	printf("%d x alloc(%d), then 4 x alloc(%d): nothing new mapped\n",
	       n, MINALLOC, PAGESIZE);
}

/* Two free neighbours merge; a free chunk splits. */
static void test_split_merge(void)
{
	char *c[16], *m, *s[8];
	int i, j;

	for (i = 0; i < 16; i++) {
		c[i] = alloc(1024);
		CHECK(c[i] != NULL);
		st_fill(c[i], 1024, 200 + i);
	}
	for (i = 0; i < 16; i++) {
		for (j = 0; j < 16 && c[j] != c[i] + 1024; j++)
			;
		if (j < 16 && page_of(c[i]) == page_of(c[j]))
			break;
	}
	CHECK(i < 16);
	dealloc(c[i]);
	dealloc(c[j]);
	m = alloc(2048);			/* only the merged hole fits */
	CHECK(m == c[i]);
	dealloc(m);
	for (int k = 0; k < 8; k++) {		/* the hole splits eight ways */
		s[k] = alloc(MINALLOC);
		CHECK(s[k] != NULL && s[k] >= m && s[k] + MINALLOC <= m + 2048);
	}
	CHECK(alloc(MINALLOC) == NULL);
	for (int k = 0; k < 16; k++)
		if (k != i && k != j)
			CHECK(st_intact(c[k], 1024, 200 + k));
	CHECK_PAGES(MAXPAGES);
	for (int k = 0; k < 8; k++)
		dealloc(s[k]);
	for (int k = 0; k < 16; k++)
		if (k != i && k != j)
			dealloc(c[k]);
	printf("split and merge within a page\n");
}

/* Sizes that are not positive multiples of 256, or above a page: NULL. */
static void test_sizes(void)
{
	static const int bad[] = { 0, -256, 1, 100, 255, 257, 1000, PAGESIZE + MINALLOC };
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(alloc(bad[i]) == NULL);
	CHECK_PAGES(MAXPAGES);
	printf("sizes: only multiples of %d up to %d are served\n", MINALLOC, PAGESIZE);
}

/* Random allocs and deallocs: every chunk within one page, off every live
 * chunk, contents kept; never more than four pages. */
static void test_random(void)
{
	char *p[NSLOT] = { 0 };
	int n[NSLOT] = { 0 }, i, j;
	unsigned seed = 1, op;

	for (op = 0; op < 20000; op++) {
		i = st_rand(&seed) % NSLOT;
		if (p[i]) {
			CHECK(st_intact(p[i], n[i], i));
			dealloc(p[i]);
			p[i] = NULL;
			continue;
		}
		n[i] = MINALLOC * (1 + st_rand(&seed) % 8);
		p[i] = alloc(n[i]);
		if (!p[i])
			continue;
		CHECK(page_of(p[i]) == page_of(p[i] + n[i] - 1));
		for (j = 0; j < NSLOT; j++)
			CHECK(j == i || !p[j] || p[i] + n[i] <= p[j] || p[j] + n[j] <= p[i]);
		st_fill(p[i], n[i], i);
	}
	CHECK_PAGES(MAXPAGES);
	for (i = 0; i < NSLOT; i++)
		if (p[i]) {
			CHECK(st_intact(p[i], n[i], i));
			dealloc(p[i]);
		}
	printf("random: 20000 operations, no chunk lost, crossing a page or double-booked\n");
}

/* cleanup keeps the pages; a new init_alloc serves from them. */
static void test_cleanup(void)
{
	int i;

	CHECK(alloc(PAGESIZE) != NULL);
	cleanup();
	CHECK_PAGES(MAXPAGES);
	init_alloc();
	for (i = 0; i < MAXPAGES; i++)
		CHECK(alloc(PAGESIZE) != NULL);
	CHECK_PAGES(MAXPAGES);
	dealloc(NULL);
	cleanup();
	printf("cleanup: pages kept and reused by the next init_alloc\n");
}

int main(void)
{
	char *first[MAXPAGES];

	printf("ealloc: VSZ from /proc/self/stat\n");	/* stdio's buffer first */
	test_on_demand();
	init_alloc();
	vsz0 = st_vsz();
	test_four_pages(first);
	test_reuse(first);
	test_split_merge();
	test_sizes();
	test_random();
	test_cleanup();
	printf("ealloc: all checks passed\n");
	return 0;
}
