/*
 * alloc.c - pagealloc-compat-alloc: the lab's alloc.h over the page policy.
 *
 * The lab wants the whole 4096 bytes usable and metadata kept out of the
 * page: the page policy does both, and its strict 8-byte granule gives the
 * NULL for a size that is not a multiple of 8.  A second init_alloc starts
 * afresh on the page already mapped.
 */
#include "common.h"
#include "alloc.h"

static pagealloc *heap;

CX_EXPORT int init_alloc(void)
{
	return cx_page_init(&heap);
}

CX_EXPORT int cleanup(void)
{
	return cx_page_cleanup(&heap);
}

CX_EXPORT char *alloc(int size)
{
	return cx_alloc(heap, size);
}

CX_EXPORT void dealloc(char *p)
{
	cx_dealloc(heap, p);
}

/* The names of a C++ program built against the lab's own header. */
CX_CXX_NAME(init_alloc, "_Z10init_allocv");
CX_CXX_NAME(cleanup, "_Z7cleanupv");
CX_CXX_NAME(alloc, "_Z5alloci");
CX_CXX_NAME(dealloc, "_Z7deallocPc");
