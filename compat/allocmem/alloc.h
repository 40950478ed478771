/*
 * alloc.h - the simple allocator of the lab variant with alloc_mem and
 * dealloc_mem (one 4 KiB page from mmap, sizes in multiples of 8 bytes),
 * provided by libpagealloc's page policy.  Installed by
 * pagealloc-compat-allocmem with ealloc.h; see pagealloc-compat-allocmem(3).
 */
#ifndef ALLOC_H
#define ALLOC_H

#ifndef PAGESIZE
#define PAGESIZE 4096
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Map the page.  0, or an errno value. */
int init_alloc(void);
/* Unmap the page.  0, or an errno value (EINVAL: not initialised). */
int cleanup_alloc(void);
/* size bytes of the page; NULL when size is not a positive multiple of 8
 * or no free chunk is that large. */
char *alloc_mem(int size);
/* Free the chunk at ptr, merging it with free neighbours.  NULL and
 * pointers alloc_mem never returned are ignored. */
void dealloc_mem(char *ptr);

#ifdef __cplusplus
}
#endif

#endif /* ALLOC_H */
