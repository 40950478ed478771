/*
 * osmem.h - the classic brk allocator (os_malloc, os_calloc, os_realloc,
 * os_free), provided by libpagealloc's brk policy as libosmem.so.
 * Installed by pagealloc-compat-osmem; see pagealloc-compat-osmem(3).
 */
#ifndef PAGEALLOC_COMPAT_OSMEM_H
#define PAGEALLOC_COMPAT_OSMEM_H

#include <stddef.h>

#include "block_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* size bytes, uninitialised: from the program break below 128 KiB
 * (header included), else from a mapping of their own.  NULL for 0. */
void *os_malloc(size_t size);
/* nmemb*size zeroed bytes: from the break below the page size, else from a
 * mapping.  NULL when either is 0 or the product overflows. */
void *os_calloc(size_t nmemb, size_t size);
/* Resize, in place when the heap allows, else by moving.  NULL ptr: like
 * os_malloc; size 0: like os_free, returns NULL; NULL for a freed block. */
void *os_realloc(void *ptr, size_t size);
/* Free: heap blocks are kept for reuse, mapped blocks are unmapped. */
void os_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
