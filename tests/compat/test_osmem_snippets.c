/*
 * test_osmem_snippets.c - libosmem.so driven as the lab's checker drives it:
 * short sequences of os_* calls on a fresh heap, each call's result
 * compared with the lab's at its offset from the start of the heap, and
 * each of its system calls with its arguments (under strace, by
 * test_osmem_syscalls.sh; the markers are osmem_probe.h's).
 *
 * No stdio until the end: the C library's malloc would move the break
 * between the calls, which the lab's programs (printing with a printf of
 * their own) never do.
 */
#include <stdint.h>
#include <string.h>

#include "osmem.h"
#include "osmem_probe.h"

#define NSIZES 8
#define MOCK_PREALLOC (PREALLOC - META - 8)	/* all of the preallocation */

static char *heap;				/* the first header */

static long off(const void *p)
{
	return (const char *)p - heap;
}

/*
 * The preallocation, taken whole and freed, split into blocks of 64, 32,
 * ... 0.5 KiB; the first is freed.  Each of the others, but the first
 * (it keeps them apart from the free one), grows to a little more than
 * twice its size.  None is the last block, and none is followed by a free
 * block large enough, so each moves (os_malloc, copy, os_free) into the
 * free space at the front, and the break never moves:
 *
 *   [ 64 free ][ 32 ][ 16 ][ 8 ] ... [ 0.5 ][ 224 free ]    (KiB, bytes)
 *
 * The last, the 0.5 KiB block, is followed by the 224 free bytes that the
 * split left at the end of the heap: it absorbs them (the seed: following
 * free blocks are coalesced one at a time and stay so), is still too small,
 * and, not having been the last block, moves too instead of growing the
 * heap with brk.
 */
static void test_split_one_block(void)
{
	static const long at_new[NSIZES] = {
		0x20, 0x10040, 0x18060, 0x1c080, 0x1e0a0, 0x1f0c0, 0x1f8e0, 0x1fd00
	};
	static const long at_moved[NSIZES] = {
		0, 0, 0x20, 0x8060, 0xc0a0, 0xe0e0, 0xf120, 0xf960
	};
	char *pre, *p[NSIZES], *q;
	size_t size[NSIZES];
	int i;

	for (i = 0; i < NSIZES; i++)
		size[i] = THRESHOLD >> (i + 1);
	SYSCALLS_ARGS("os_malloc(MOCK_PREALLOC)", fmt("brk +%d", PREALLOC), 1, 0, 0,
		      pre = os_malloc(MOCK_PREALLOC));
	CHECK(pre != NULL);
	heap = (char *)meta(pre);
	st_fill(pre, MOCK_PREALLOC, 1);
	os_free(pre);
	for (i = 0; i < NSIZES; i++) {
		SYSCALLS_ARGS(fmt("os_realloc(NULL, %zu)", size[i]), "none", 0, 0, 0,
			      p[i] = os_realloc(NULL, size[i]));
		CHECK(p[i] != NULL && off(p[i]) == at_new[i]);
		st_fill(p[i], size[i], 10 + i);
	}
	SYSCALLS_ARGS("os_realloc(p0, 0)", "none", 0, 0, 0, q = os_realloc(p[0], 0));
	CHECK(q == NULL);
	for (i = 2; i < NSIZES; i++) {
		SYSCALLS_ARGS(fmt("os_realloc(p%d, %zu)", i, size[i - 1] + 30), "none", 0, 0, 0,
			      q = os_realloc(p[i], size[i - 1] + 30));
		CHECK(q != NULL && off(q) == at_moved[i]);
		CHECK(st_intact(q, size[i], 10 + i));
		CHECK(meta(p[i])->status == STATUS_FREE);
		p[i] = q;
	}
	/* the 0.5 KiB block kept the 224 bytes (and their header) it absorbed */
	CHECK(meta(heap + at_new[7])->size == 512 + META + 224);
	CHECK(meta(heap + at_new[7])->next == NULL);
	/* the blocks stay in use: the next tests start from this heap */
}

/*
 * The last block, in use, grows in place by brk: by exactly the bytes it
 * lacks.  The free blocks at the end of the heap above (the old places of
 * the blocks that moved, 0x18040 to the end) merge into one, taken whole.
 */
static void test_grow_last(void)
{
	size_t last = PREALLOC - 0x18060;
	char *p, *q;

	SYSCALLS_ARGS(fmt("os_malloc(%zu)", last), "none", 0, 0, 0, p = os_malloc(last));
	CHECK(p != NULL && off(p) == 0x18060 && meta(p)->next == NULL && meta(p)->size == last);
	st_fill(p, last, 3);
	SYSCALLS_ARGS("os_realloc(last, 40000)", fmt("brk +%zu", 40000 - last), 1, 0, 0,
		      q = os_realloc(p, 40000));
	CHECK(q == p && meta(p)->size == 40000 && st_intact(p, last, 3));
}

/*
 * A block followed by free blocks grows over them in place when they make
 * room enough, coalescing one at a time, and the rest is split off:
 *
 *   [ a 200 ][ b 64 free ][ c 64 free ][ g ]  =>  [ a 320 ][ 40 free ][ g ]
 *
 * (the four come from the 640 free bytes left at 0xfda0 above).
 */
static void test_grow_over_free(void)
{
	char *a, *b, *c, *g, *q;

	a = os_malloc(200);
	b = os_malloc(64);
	c = os_malloc(64);
	g = os_malloc(8);
	CHECK(a && off(a) == 0xfda0);
	CHECK(b == a + 200 + META && c == b + 64 + META && g == c + 64 + META);
	st_fill(a, 200, 4);
	os_free(b);
	os_free(c);
	SYSCALLS_ARGS("os_realloc(a, 320)", "none", 0, 0, 0, q = os_realloc(a, 320));
	CHECK(q == a && st_intact(a, 200, 4));
	CHECK(meta(a)->size == 320);
	CHECK(meta(a)->next == (struct block_meta *)(a + 320));
	CHECK(meta(a)->next->status == STATUS_FREE && meta(a)->next->size == 40);
	CHECK(meta(a)->next->next == meta(g));
}

int main(void)
{
	test_split_one_block();
	test_grow_last();
	test_grow_over_free();
	printf("osmem snippets: split-one-block moves, the last block grows by brk, "
	       "free followers are absorbed\n");
	return 0;
}
