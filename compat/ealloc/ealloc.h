/*
 * ealloc.h - the elastic memory manager of the classic lab (4 KiB pages
 * mapped one at a time on demand, at most 4, sizes in multiples of 256
 * bytes), provided by libpagealloc's elastic policy.  Installed by
 * pagealloc-compat-ealloc; see pagealloc-compat-ealloc(3).
 *
 * Like the lab's header it brings in the headers its test programs use and
 * defines PAGESIZE and MINALLOC.
 */
#ifndef PAGEALLOC_COMPAT_EALLOC_H
#define PAGEALLOC_COMPAT_EALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef PAGESIZE
#define PAGESIZE 4096	/* granularity of the pages mapped from the OS */
#endif
#ifndef MINALLOC
#define MINALLOC 256	/* sizes must be multiples of this */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Set up the manager; no page is mapped yet. */
void init_alloc(void);
/* size bytes within one page, mapping a page only when no mapped page has
 * room; NULL when size is not a positive multiple of 256, is above 4096,
 * or 4 pages are mapped and none has room. */
char *alloc(int size);
/* Free the chunk at p (merging with free neighbours); pages stay mapped.
 * NULL and pointers alloc never returned are ignored. */
void dealloc(char *p);
/* Free every chunk; the pages stay mapped and serve the next init_alloc. */
void cleanup(void);

#ifdef __cplusplus
}
#endif

#endif
