/*
 * alloc.h - the simple memory manager of the classic lab (one 4 KiB page
 * from mmap, sizes in multiples of 8 bytes), provided by libpagealloc's
 * page policy.  Installed by pagealloc-compat-alloc; see
 * pagealloc-compat-alloc(3).
 *
 * Like the lab's header it brings in the headers its test programs use and
 * defines PAGESIZE and MINALLOC.
 */
#ifndef PAGEALLOC_COMPAT_ALLOC_H
#define PAGEALLOC_COMPAT_ALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef PAGESIZE
#define PAGESIZE 4096	/* bytes the manager maps and hands out, all of them */
#endif
#ifndef MINALLOC
#define MINALLOC 8	/* sizes must be multiples of this */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Map the page.  0, or an errno value. */
int init_alloc(void);
/* Unmap the page.  0, or an errno value (EINVAL: not initialised). */
int cleanup(void);
/* size bytes of the page; NULL when size is not a positive multiple of 8
 * or no free chunk is that large. */
char *alloc(int size);
/* Free the chunk at p; the whole chunk becomes free and merges with free
 * neighbours.  NULL and pointers alloc never returned are ignored. */
void dealloc(char *p);

#ifdef __cplusplus
}
#endif

#endif
