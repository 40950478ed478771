/*
 * ealloc.h - the elastic allocator of the lab variant with ealloc_mem and
 * edealloc_mem (4 KiB pages mapped on demand, at most 4, sizes in multiples
 * of 256 bytes), provided by libpagealloc's elastic policy.  Installed by
 * pagealloc-compat-allocmem with alloc.h; see pagealloc-compat-allocmem(3).
 */
#ifndef EALLOC_H
#define EALLOC_H

#ifdef __cplusplus
extern "C" {
#endif

/* Set up the allocator; no page is mapped yet.  0, or an errno value. */
int einit_alloc(void);
/* Free every chunk; the pages stay mapped (as the lab says) and serve the
 * next einit_alloc.  0, or an errno value (EINVAL: not initialised). */
int ecleanup_alloc(void);
/* size bytes within one page, mapping a page only when none has room;
 * NULL when size is not a positive multiple of 256, is above 4096, or 4
 * pages are mapped and none has room. */
char *ealloc_mem(int size);
/* Free the chunk at ptr, merging it with free neighbours.  NULL and
 * pointers ealloc_mem never returned are ignored. */
void edealloc_mem(char *ptr);

#ifdef __cplusplus
}
#endif

#endif /* EALLOC_H */
