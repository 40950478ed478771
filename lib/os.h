/*
 * os.h - the one place that talks to the kernel for memory.
 *
 * Every mapping a heap makes goes through these calls, so the heap's figures
 * (OS calls, bytes mapped for data, bytes of metadata) are counted here.
 */
#ifndef PAGEALLOC_OS_H
#define PAGEALLOC_OS_H

#include <stddef.h>

struct pa_os {
	size_t map_calls;
	size_t unmap_calls;
	size_t brk_calls;
	size_t data_bytes;	/* mapped for user data now */
	size_t peak_data_bytes;
	size_t meta_bytes;	/* requested for metadata now */
};

/* Anonymous private read-write mapping of bytes (a multiple of the system
 * page size) for user data; NULL with ENOMEM on failure. */
void *pa_os_map(struct pa_os *os, size_t bytes);
int pa_os_unmap(struct pa_os *os, void *p, size_t bytes);
/* Grow or shrink a data mapping, moving it if needed; NULL/ENOMEM. */
void *pa_os_remap(struct pa_os *os, void *p, size_t old_bytes, size_t new_bytes);

/* The same for metadata: bytes need not be page-aligned; meta_bytes counts
 * what was asked for, the mapping is rounded up to whole pages. */
void *pa_os_map_meta(struct pa_os *os, size_t bytes);
int pa_os_unmap_meta(struct pa_os *os, void *p, size_t bytes);

/* sbrk(increment), counted (calls and data bytes); (void *)-1 with errno
 * on failure. */
void *pa_os_sbrk(struct pa_os *os, long increment);

#endif
