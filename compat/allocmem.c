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

/* The names of a C++ program built against the lab's own header. */
CX_CXX_NAME(init_alloc, "_Z10init_allocv");
CX_CXX_NAME(cleanup_alloc, "_Z13cleanup_allocv");
CX_CXX_NAME(alloc_mem, "_Z9alloc_memi");
CX_CXX_NAME(dealloc_mem, "_Z11dealloc_memPc");
CX_CXX_NAME(einit_alloc, "_Z11einit_allocv");
CX_CXX_NAME(ecleanup_alloc, "_Z14ecleanup_allocv");
CX_CXX_NAME(ealloc_mem, "_Z10ealloc_memi");
CX_CXX_NAME(edealloc_mem, "_Z12edealloc_memPc");
