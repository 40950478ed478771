/*
 * osmem.c - libosmem.so (pagealloc-compat-osmem): the lab's os_malloc
 * family over the brk policy, which lays blocks out as the lab does
 * (struct block_meta in front, best fit, 128 KiB preallocation, mmap above
 * the threshold).
 *
 * The lab's tests count every brk and mmap made inside each os_* call, so
 * the heap and its metadata are made when the library is loaded, never in
 * a call (and never unmade: the lab's heap lives as long as the process);
 * os_malloc(0) and os_calloc with a zero argument return before
 * reaching the heap, so they make no system call at all.
 */
#include "common.h"
#include "osmem.h"

static pagealloc *heap;

__attribute__((constructor)) static void osmem_load(void)
{
	struct pagealloc_config cfg;

	pagealloc_config_init(&cfg, PAGEALLOC_BRK);
	heap = pagealloc_create(&cfg);
}

CX_EXPORT void *os_malloc(size_t size)
{
	if (!size)
		return NULL;
	return pagealloc_alloc(heap, size);
}

CX_EXPORT void *os_calloc(size_t nmemb, size_t size)
{
	if (!nmemb || !size)
		return NULL;
	return pagealloc_calloc(heap, nmemb, size);
}

CX_EXPORT void *os_realloc(void *ptr, size_t size)
{
	if (!ptr)
		return os_malloc(size);
	if (!size) {
		os_free(ptr);
		return NULL;
	}
	return pagealloc_realloc(heap, ptr, size);
}

CX_EXPORT void os_free(void *ptr)
{
	if (ptr && heap)
		pagealloc_free(heap, ptr);
}

/* The names of a C++ program built against the lab's own osmem.h. */
CX_CXX_NAME(os_malloc, "_Z9os_malloc" CX_SIZE_T);
CX_CXX_NAME(os_calloc, "_Z9os_calloc" CX_SIZE_T CX_SIZE_T);
CX_CXX_NAME(os_realloc, "_Z10os_reallocPv" CX_SIZE_T);
CX_CXX_NAME(os_free, "_Z7os_freePv");
