/*
 * allocmem.c - pagealloc-compat-allocmem: both headers of the lab variant
 * whose calls are named alloc_mem/dealloc_mem and ealloc_mem/edealloc_mem,
 * the first over the page policy, the second over the elastic policy.  The
 * two heaps are independent, as the lab's two allocators are.
 */
#include "common.h"
#include "alloc.h"
#include "ealloc.h"

static pagealloc *page_heap, *elastic_heap;

CX_EXPORT int init_alloc(void)
{
	return cx_page_init(&page_heap);
}

CX_EXPORT int cleanup_alloc(void)
{
	return cx_page_cleanup(&page_heap);
}

CX_EXPORT char *alloc_mem(int size)
{
	return cx_alloc(page_heap, size);
}

CX_EXPORT void dealloc_mem(char *ptr)
{
	cx_dealloc(page_heap, ptr);
}

CX_EXPORT int einit_alloc(void)
{
	return cx_elastic_init(&elastic_heap);
}

CX_EXPORT int ecleanup_alloc(void)
{
	return cx_elastic_cleanup(elastic_heap);
}

CX_EXPORT char *ealloc_mem(int size)
{
	return cx_alloc(elastic_heap, size);
}

CX_EXPORT void edealloc_mem(char *ptr)
{
	cx_dealloc(elastic_heap, ptr);
}
