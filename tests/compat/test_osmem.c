/*
 * test_osmem.c - the brk allocator lab (osmem.h, libosmem.so), checked
 * the way its tests check it: the system calls each os_* call makes, the
 * block_meta header in front of each payload, 128 KiB preallocation, the
 * mmap thresholds of os_malloc and os_calloc, best fit, split, coalesce
 * and the in-place cases of os_realloc.  Built with pkg-config --cflags
 * --libs pagealloc-compat-osmem.
 *
 * Each call runs between two markers, write(2)s to fd -1 that fail at once
 * and say which brk, mmap and munmap calls the call must make, and, where
 * the probe gives them, each call with its arguments (osmem_probe.h):
 *
 *     write(-1, "BEGIN os_malloc(100)|brk=1 mmap=0 munmap=0|0x55..|brk +131072", ...)
 *     ... the call's own system calls ...
 *     write(-1, "END", 3)
 *
 * This program checks what it can see itself (the break from sbrk(0), the
 * VSZ from /proc/self/stat); run under strace, test_osmem_syscalls.sh
 * counts the calls between the markers exactly.
 */
#include <stdint.h>
#include <string.h>

#include "osmem.h"
#include "osmem_probe.h"

static char *heap_start;

/* Zero sizes: NULL, and no system call at all. */
static void test_zero(void)
{
	void *p;

	SYSCALLS("os_malloc(0)", 0, 0, 0, p = os_malloc(0));
	CHECK(p == NULL);
	SYSCALLS("os_calloc(0, 16)", 0, 0, 0, p = os_calloc(0, 16));
	CHECK(p == NULL);
	SYSCALLS("os_calloc(16, 0)", 0, 0, 0, p = os_calloc(16, 0));
	CHECK(p == NULL);
	SYSCALLS("os_free(NULL)", 0, 0, 0, os_free(NULL));
	printf("zero sizes: NULL without a system call\n");
}

/* The first small block preallocates 128 KiB with one brk and splits it;
 * the header precedes the payload; later blocks follow it. */
static void test_prealloc(void)
{
	char *brk0 = sbrk(0), *a, *b;

	SYSCALLS_ARGS("os_malloc(100)", fmt("brk +%d", PREALLOC), 1, 0, 0, a = os_malloc(100));
	CHECK(a != NULL && (uintptr_t)a % 8 == 0);
	CHECK((char *)sbrk(0) - brk0 == PREALLOC);
	CHECK(meta(a)->status == STATUS_ALLOC && meta(a)->size == 104);
	CHECK((char *)meta(a) == a - 32 && (char *)meta(a) >= brk0);
	heap_start = (char *)meta(a);
	SYSCALLS_ARGS("os_malloc(200)", "none", 0, 0, 0, b = os_malloc(200));
	CHECK(b == a + 104 + META);		/* split off the preallocation */
	CHECK(meta(b)->status == STATUS_ALLOC && meta(b)->size == 200);
	memset(a, 'a', 100);
	memset(b, 'b', 200);
	SYSCALLS("os_free(small)", 0, 0, 0, os_free(b));
	CHECK(meta(b)->status == STATUS_FREE);
	SYSCALLS("os_malloc(200) again", 0, 0, 0, b = os_malloc(200));
	CHECK(b == a + 104 + META);		/* reused */
	os_free(a);
	os_free(b);
	printf("prealloc: one brk of 128 KiB, header + 32 = payload, reuse\n");
}

/* Best fit: of free blocks of 1000, 304 and 600 bytes, 296 takes the 304. */
static void test_best_fit(void)
{
	char *x[3], *g[3], *p;
	static const size_t n[3] = { 1000, 304, 600 };
	int i;

	for (i = 0; i < 3; i++) {
		x[i] = os_malloc(n[i]);
		g[i] = os_malloc(8);		/* keeps the free blocks apart */
		CHECK(x[i] && g[i]);
	}
	for (i = 0; i < 3; i++)
		os_free(x[i]);
	SYSCALLS("os_malloc(296) best fit", 0, 0, 0, p = os_malloc(296));
	CHECK(p == x[1]);
	SYSCALLS("os_malloc(500) split", 0, 0, 0, p = os_malloc(500));
	CHECK(p == x[2]);			/* 600: best fit, split */
	CHECK(meta(p)->size == 504);
	/* the 64 left over, after a header, is a free block of its own */
	CHECK(meta(p)->next == (struct block_meta *)(p + 504));
	CHECK(meta(p)->next->status == STATUS_FREE && meta(p)->next->size == 64);
	for (i = 0; i < 3; i++)
		os_free(g[i]);
	os_free(x[1]);
	os_free(p);
	printf("best fit and split\n");
}

/* Two free neighbours coalesce into one block that serves their sum. */
static void test_coalesce(void)
{
	char *a, *b, *g, *p;

	a = os_malloc(400);
	b = os_malloc(400);
	g = os_malloc(8);
	CHECK(a && b && g && b == a + 400 + META);
	os_free(a);
	os_free(b);
	SYSCALLS("os_malloc(832) coalesced", 0, 0, 0, p = os_malloc(400 + META + 400));
	CHECK(p == a);
	os_free(p);
	os_free(g);
	printf("coalesce: two free 400s serve 832\n");
}

/* os_malloc maps a block whose size and header reach 128 KiB: exactly
 * header and payload (aligned to 8), never rounded to pages. */
static void test_malloc_threshold(void)
{
	char *p, *s;

	SYSCALLS_ARGS("os_malloc(128K)", fmt("mmap %d", THRESHOLD + 32), 0, 1, 0,
		      p = os_malloc(THRESHOLD));
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED);
	CHECK(meta(p)->size == THRESHOLD);
	memset(p, 1, THRESHOLD);
	SYSCALLS_ARGS("os_free(mapped 128K)", fmt("munmap %p %d", (void *)meta(p), THRESHOLD + 32),
		      0, 0, 1, os_free(p));
	SYSCALLS_ARGS("os_malloc(128K - 32)", fmt("mmap %d", THRESHOLD), 0, 1, 0,
		      p = os_malloc(THRESHOLD - META));
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED);
	SYSCALLS_ARGS("os_free(mapped 128K - 32)", fmt("munmap %p %d", (void *)meta(p), THRESHOLD),
		      0, 0, 1, os_free(p));
	SYSCALLS_ARGS("os_malloc(128K + 1)", fmt("mmap %d", THRESHOLD + 8 + 32), 0, 1, 0,
		      p = os_malloc(THRESHOLD + 1));
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED && meta(p)->size == THRESHOLD + 8);
	memset(p, 1, THRESHOLD + 1);
	SYSCALLS_ARGS("os_free(mapped 128K + 1)", fmt("munmap %p %d", (void *)meta(p), THRESHOLD + 40),
		      0, 0, 1, os_free(p));
	/* below the threshold: the heap, whose last block is free but, once
	 * s is taken, 32 bytes short: brk extends it */
	s = os_malloc(8);
	SYSCALLS("os_malloc(128K - 40)", 1, 0, 0, p = os_malloc(THRESHOLD - META - 8));
	CHECK(p != NULL && meta(p)->status == STATUS_ALLOC);
	memset(p, 2, THRESHOLD - META - 8);
	SYSCALLS("os_free(heap)", 0, 0, 0, os_free(p));
	os_free(s);
	printf("os_malloc threshold: 128 KiB with the header\n");
}

/* os_calloc maps from the page size on, and zeroes. */
static void test_calloc_threshold(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	SYSCALLS("os_calloc(1, page - 40)", 0, 0, 0, p = os_calloc(1, page - META - 8));
	CHECK(p != NULL && meta(p)->status == STATUS_ALLOC);
	CHECK(zeroed(p, page - META - 8));
	os_free(p);
	SYSCALLS_ARGS("os_calloc(1, page - 32)", fmt("mmap %ld", page), 0, 1, 0,
		      p = os_calloc(1, page - META));
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED);
	CHECK(zeroed(p, page - META));
	SYSCALLS_ARGS("os_free(mapped page)", fmt("munmap %p %ld", (void *)meta(p), page),
		      0, 0, 1, os_free(p));
	SYSCALLS_ARGS("os_calloc(page - 16, 1)", fmt("mmap %ld", page + 16), 0, 1, 0,
		      p = os_calloc(page - 16, 1));	/* 4080 on 4 KiB pages: 4112 */
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED && zeroed(p, page - 16));
	SYSCALLS_ARGS("os_free(mapped page + 16)", fmt("munmap %p %ld", (void *)meta(p), page + 16),
		      0, 0, 1, os_free(p));
	SYSCALLS_ARGS("os_calloc(2, 3000)", fmt("mmap %d", 6000 + 32), 0, 1, 0,
		      p = os_calloc(2, 3000));
	CHECK(p != NULL && meta(p)->status == STATUS_MAPPED && zeroed(p, 6000));
	SYSCALLS_ARGS("os_free(mapped 6000)", fmt("munmap %p %d", (void *)meta(p), 6000 + 32),
		      0, 0, 1, os_free(p));
	/* a reused heap block is zeroed too */
	p = os_malloc(2000);
	memset(p, 0xff, 2000);
	os_free(p);
	SYSCALLS("os_calloc(250, 8) reused", 0, 0, 0, p = os_calloc(250, 8));
	CHECK(p != NULL && zeroed(p, 2000));
	os_free(p);
	CHECK(os_calloc(SIZE_MAX / 2, 4) == NULL);	/* the product overflows */
	printf("os_calloc threshold: the page size, memory zeroed\n");
}

static void test_realloc(void)
{
	char *a, *b, *g, *p;

	a = os_malloc(64);
	b = os_malloc(64);
	g = os_malloc(8);
	st_fill(a, 64, 1);
	os_free(b);
	SYSCALLS("os_realloc grow in place", 0, 0, 0, p = os_realloc(a, 128));
	CHECK(p == a && meta(a)->size >= 128 && st_intact(a, 64, 1));
	SYSCALLS("os_realloc shrink in place", 0, 0, 0, p = os_realloc(a, 16));
	CHECK(p == a && st_intact(a, 16, 1));
	st_fill(a, 16, 2);
	SYSCALLS("os_realloc move", 0, 0, 0, p = os_realloc(a, 1000));
	CHECK(p != a && p != NULL && st_intact(p, 16, 2));
	CHECK(meta(a)->status == STATUS_FREE);
	SYSCALLS("os_realloc of a free block", 0, 0, 0, a = os_realloc(a, 32));
	CHECK(a == NULL);
	st_fill(p, 1000, 3);
	SYSCALLS_ARGS("os_realloc heap -> mapped", fmt("mmap %d", THRESHOLD + 32), 0, 1, 0,
		      a = os_realloc(p, THRESHOLD));
	CHECK(a != NULL && meta(a)->status == STATUS_MAPPED && st_intact(a, 1000, 3));
	SYSCALLS_ARGS("os_realloc mapped -> heap", fmt("munmap %p %d", (void *)meta(a), THRESHOLD + 32),
		      0, 0, 1, p = os_realloc(a, 500));
	CHECK(p != NULL && meta(p)->status == STATUS_ALLOC && st_intact(p, 500, 3));
	SYSCALLS("os_realloc(p, 0)", 0, 0, 0, a = os_realloc(p, 0));
	CHECK(a == NULL && meta(p)->status == STATUS_FREE);
	SYSCALLS("os_realloc(NULL, 50)", 0, 0, 0, p = os_realloc(NULL, 50));
	CHECK(p != NULL && meta(p)->status == STATUS_ALLOC);
	os_free(p);
	os_free(g);
	printf("os_realloc: in place, moved, across the threshold, NULL cases\n");
}

/* Random calls, every block's contents verified; the heap never shrinks. */
static void test_random(void)
{
	enum { NSLOT = 64 };
	char *p[NSLOT] = { 0 }, *top = sbrk(0);
	size_t n[NSLOT] = { 0 };
	unsigned seed = 3, op, i;

	for (op = 0; op < 20000; op++) {
		i = st_rand(&seed) % NSLOT;
		if (p[i] && st_rand(&seed) % 2) {
			CHECK(st_intact(p[i], n[i], i));
			os_free(p[i]);
			p[i] = NULL;
		} else {
			size_t size = 1 + st_rand(&seed) % (st_rand(&seed) % 16 ? 3000 : 200000);
			char *q = p[i] ? os_realloc(p[i], size) : st_rand(&seed) % 4 ?
				  os_malloc(size) : os_calloc(1, size);

			CHECK(q != NULL);
			if (p[i])
				CHECK(st_intact(q, n[i] < size ? n[i] : size, i));
			p[i] = q;
			n[i] = size;
			st_fill(q, size, i);
		}
		CHECK((char *)sbrk(0) >= top);
		top = sbrk(0);
	}
	for (i = 0; i < NSLOT; i++)
		if (p[i]) {
			CHECK(st_intact(p[i], n[i], i));
			os_free(p[i]);
		}
	printf("random: 20000 calls, contents kept, the heap never shrinks\n");
}

int main(void)
{
	printf("osmem: libosmem.so over the brk policy\n");	/* stdio first */
	test_zero();
	test_prealloc();
	test_best_fit();
	test_coalesce();
	test_malloc_threshold();
	test_calloc_threshold();
	test_realloc();
	test_random();
	printf("osmem: all checks passed\n");
	return 0;
}
