/*
 * test_mymalloc.c - the my_malloc lab (my_memory_allocator.h), checked for
 * the design each LAB_VERSION stands for:
 *
 *   1  a mapping per call: page-aligned, +1 page of VSZ per call, my_free
 *      gives it back
 *   2  a bump pointer: each block right after the previous one, my_free
 *      reclaims nothing
 *   3  32-byte cells: fresh cells in address order, my_free pushes the cell
 *      that the next my_malloc pops, more than 32 bytes refused
 *
 * and, for every version, nodes that keep their contents.  Build it with
 * -DLAB_VERSION=N and pkg-config --cflags --libs pagealloc-compat-mymalloc.
 */
#include <stdint.h>

#include "my_memory_allocator.h"
#include "seedtest.h"

#define NODE 24			/* the binary-trees node */
#define NSLOT 256

static size_t page;

#if LAB_VERSION == 1
static void test_version(void)
{
	size_t vsz = st_vsz();
	char *p, *q;

	p = my_malloc(NODE);
	CHECK(p != NULL && (uintptr_t)p % page == 0);
	CHECK(st_vsz() == vsz + page);
	q = my_malloc(NODE);
	CHECK(q != NULL && q != p && (uintptr_t)q % page == 0);
	CHECK(st_vsz() == vsz + 2 * page);
	my_free(p);
	CHECK(st_vsz() == vsz + page);
	my_free(q);
	CHECK(st_vsz() == vsz);
	p = my_malloc(2 * page + 1);		/* whole pages */
	CHECK(p != NULL && st_vsz() == vsz + 3 * page);
	st_fill(p, 2 * page + 1, 7);
	CHECK(st_intact(p, 2 * page + 1, 7));
	my_free(p);
	CHECK(st_vsz() == vsz);
	CHECK(my_malloc(0) == NULL);
	printf("v1: one mapping per my_malloc, unmapped by my_free\n");
}
#elif LAB_VERSION == 2
static void test_version(void)
{
	char *p, *q, *r;

	p = my_malloc(NODE);
	q = my_malloc(NODE);
	CHECK(p != NULL && q == p + NODE);	/* bumped */
	r = my_malloc(5);
	CHECK(r == q + NODE);
	my_free(q);				/* reclaims nothing */
	CHECK(my_malloc(NODE) == r + 8);	/* 5 rounded to the granule */
	CHECK(my_malloc(0) == NULL);
	printf("v2: a bump pointer, my_free reclaims nothing\n");
}
#elif LAB_VERSION == 3
static void test_version(void)
{
	char *p, *q, *r;

	p = my_malloc(NODE);
	q = my_malloc(32);
	CHECK(p != NULL && q == p + 32);	/* fresh cells in address order */
	CHECK(my_malloc(33) == NULL);		/* bigger than a cell */
	CHECK(my_malloc(0) == NULL);
	my_free(p);
	r = my_malloc(8);
	CHECK(r == p);				/* popped where it was pushed */
	my_free(q);
	my_free(r);
	CHECK(my_malloc(NODE) == r && my_malloc(NODE) == q);
	printf("v3: 32-byte cells on a free list\n");
}
#else
static void test_version(void)
{
	void *p = my_malloc(NODE);

	CHECK(p != NULL);
	my_free(p);
	printf("v0: the C library's malloc and free\n");
}
#endif

/* Random nodes of the binary-trees size: no node lost or double-booked. */
static void test_nodes(void)
{
	char *p[NSLOT] = { 0 };
	unsigned seed = LAB_VERSION + 1, op, i, j;

	for (op = 0; op < 20000; op++) {
		i = st_rand(&seed) % NSLOT;
		if (p[i]) {
			CHECK(st_intact(p[i], NODE, i));
			my_free(p[i]);
			p[i] = NULL;
			continue;
		}
		p[i] = my_malloc(NODE);
		CHECK(p[i] != NULL);
		for (j = 0; j < NSLOT; j++)
			CHECK(j == i || !p[j] || p[i] + NODE <= p[j] || p[j] + NODE <= p[i]);
		st_fill(p[i], NODE, i);
	}
	for (i = 0; i < NSLOT; i++)
		if (p[i]) {
			CHECK(st_intact(p[i], NODE, i));
			my_free(p[i]);
		}
	printf("nodes: 20000 my_malloc/my_free, contents kept\n");
}

/* A second init_mem_pool keeps the pool and what was allocated from it. */
static void test_init_twice(void)
{
	char *p = my_malloc(NODE), *q;

	CHECK(p != NULL);
	st_fill(p, NODE, 77);
	init_mem_pool();
	q = my_malloc(NODE);
	CHECK(q != NULL && q != p && st_intact(p, NODE, 77));
	my_free(p);
	my_free(q);
	printf("init_mem_pool twice: the pool is kept\n");
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	printf("my_malloc, LAB_VERSION %d\n", LAB_VERSION);	/* stdio first */
	init_mem_pool();
	test_version();
	test_nodes();
	test_init_twice();
	printf("mymalloc: all checks passed\n");
	return 0;
}
