/*
 * mymalloc.c - pagealloc-compat-mymalloc: the three versions of the lab's
 * my_malloc, each over the policy that is its design:
 *
 *   v1  mmap policy: one mapping per call, unmapped by free
 *   v2  bump policy: a pointer bumped through a pool; free reclaims nothing
 *   v3  cell policy: 32-byte cells on a free list, popped and pushed
 *
 * my_memory_allocator.h maps my_malloc, my_free and init_mem_pool onto the
 * version that LAB_VERSION selects.  Each version has a heap of its own,
 * made by its init_mem_pool, or by its first my_malloc when the program
 * skips the init (the lab's v1 has nothing to initialise).
 */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "my_memory_allocator.h"

struct version {
	enum pagealloc_policy policy;
	pagealloc *heap;
};

static struct version v1 = { PAGEALLOC_MMAP, NULL };
static struct version v2 = { PAGEALLOC_BUMP, NULL };
static struct version v3 = { PAGEALLOC_CELL, NULL };

static pagealloc *pool(struct version *v)
{
	struct pagealloc_config cfg;

	if (!v->heap) {
		pagealloc_config_init(&cfg, v->policy);	/* v3: cell_size 32 */
		v->heap = pagealloc_create(&cfg);
	}
	return v->heap;
}

static void *v_malloc(struct version *v, size_t num_bytes)
{
	pagealloc *h = pool(v);

	return h ? pagealloc_alloc(h, num_bytes) : NULL;
}

static void v_free(struct version *v, void *ptr)
{
	if (ptr && v->heap)
		pagealloc_free(v->heap, ptr);
}

CX_EXPORT void init_mem_pool_v1(void)
{
	pool(&v1);
}

CX_EXPORT void *my_malloc_v1(size_t num_bytes)
{
	return v_malloc(&v1, num_bytes);
}

CX_EXPORT void my_free_v1(void *ptr)
{
	v_free(&v1, ptr);
}

CX_EXPORT void init_mem_pool_v2(void)
{
	pool(&v2);
}

CX_EXPORT void *my_malloc_v2(size_t num_bytes)
{
	return v_malloc(&v2, num_bytes);
}

CX_EXPORT void my_free_v2(void *ptr)
{
	v_free(&v2, ptr);
}

CX_EXPORT void init_mem_pool_v3(void)
{
	pool(&v3);
}

CX_EXPORT void *my_malloc_v3(size_t num_bytes)
{
	return v_malloc(&v3, num_bytes);
}

CX_EXPORT void my_free_v3(void *ptr)
{
	v_free(&v3, ptr);
}

CX_EXPORT void out_of_mem(void)
{
	fputs("out of memory!\n", stderr);
	exit(-1);
}
