/*
 * ealloc.c - pagealloc-compat-ealloc: the lab's ealloc.h over the elastic
 * policy.
 *
 * The lab measures VSZ: no page mapped by init, +4096 per page after it.
 * The heap is created in init_alloc, where the elastic policy with
 * max_pages set takes all its metadata at once, so every later change of
 * VSZ is a page.  cleanup keeps the pages, as the lab allows, and a later
 * init_alloc reuses them.
 */
#include "common.h"
#include "ealloc.h"

static pagealloc *heap;

CX_EXPORT void init_alloc(void)
{
	cx_elastic_init(&heap);
}

CX_EXPORT char *alloc(int size)
{
	return cx_alloc(heap, size);
}

CX_EXPORT void dealloc(char *p)
{
	cx_dealloc(heap, p);
}

CX_EXPORT void cleanup(void)
{
	cx_elastic_cleanup(heap);
}

/* The names of a C++ program built against the lab's own header. */
CX_CXX_NAME(init_alloc, "_Z10init_allocv");
CX_CXX_NAME(cleanup, "_Z7cleanupv");
CX_CXX_NAME(alloc, "_Z5alloci");
CX_CXX_NAME(dealloc, "_Z7deallocPc");
