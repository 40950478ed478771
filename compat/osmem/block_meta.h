/*
 * block_meta.h - the header in front of every block of the classic brk
 * allocator, as libpagealloc's brk policy lays it out: 32 bytes on a
 * 64-bit system, the payload right after it: the header of payload p is
 * (struct block_meta *)p - 1.
 * Installed by pagealloc-compat-osmem; see pagealloc-compat-osmem(3).
 */
#ifndef PAGEALLOC_COMPAT_BLOCK_META_H
#define PAGEALLOC_COMPAT_BLOCK_META_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Report a failed call with perror and exit with its errno. */
#define DIE(assertion, call_description)				\
	do {								\
		if (assertion) {					\
			fprintf(stderr, "(%s, %d): ", __FILE__, __LINE__); \
			perror(call_description);			\
			exit(errno);					\
		}							\
	} while (0)

struct block_meta {
	size_t size;			/* payload bytes, a multiple of 8 */
	int status;			/* STATUS_FREE, STATUS_ALLOC or STATUS_MAPPED */
	struct block_meta *prev;
	struct block_meta *next;
};

/* Block metadata status values */
#define STATUS_FREE   0		/* on the heap, free */
#define STATUS_ALLOC  1		/* on the heap, in use */
#define STATUS_MAPPED 2		/* in a mapping of its own, in use */

#endif
