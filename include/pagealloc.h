/*
 * pagealloc.h - page-based memory allocators with a policy chosen per heap.
 *
 * A heap is created with a policy (page, elastic, bump, cell, mmap, brk) and
 * hands out chunks from memory it maps itself; it never calls malloc.
 *
 * Error convention, for every call: a call returning a pointer returns NULL
 * and sets errno; a call returning int returns 0 on success, or -1 and sets
 * errno.  A NULL heap, a NULL pointer, a pointer the heap never handed out
 * (another heap's, an interior pointer, a stack address) and a double free
 * fail with EINVAL and leave the heap unchanged.
 *
 * Thread safety: a heap is for one thread at a time unless it was created
 * with PAGEALLOC_THREADSAFE, which serialises every call on that heap with a
 * lock of its own.  Different heaps never share state (but the process has
 * only one program break, so at most one brk heap exists at a time).
 */
#ifndef PAGEALLOC_H
#define PAGEALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAGEALLOC_VERSION_MAJOR 0
#define PAGEALLOC_VERSION_MINOR 1

/* The opaque heap. */
typedef struct pagealloc pagealloc;

enum pagealloc_policy {
	PAGEALLOC_PAGE,		/* one region, size classes, metadata out of band */
	PAGEALLOC_ELASTIC,	/* pages mapped on demand, one at a time */
	PAGEALLOC_BUMP,		/* bump pointer over chunks mapped on demand */
	PAGEALLOC_CELL,		/* fixed-size cells on a free list */
	PAGEALLOC_MMAP,		/* one mapping per allocation */
	PAGEALLOC_BRK		/* brk heap with in-band headers, mmap above a threshold */
};
#define PAGEALLOC_POLICY_COUNT 6

/* Flags of struct pagealloc_config. */
#define PAGEALLOC_STRICT     0x1u /* sizes must be multiples of the granule */
#define PAGEALLOC_THREADSAFE 0x2u /* one lock per heap; every call may be used from any thread */

/* Value of spare_pages meaning "keep every empty page mapped" (the default). */
#define PAGEALLOC_KEEP_ALL ((size_t)-1)

struct pagealloc_config {
	enum pagealloc_policy policy;
	size_t granule;		/* allocation unit, a power of two (default 8) */
	size_t page_size;	/* region/page size, a multiple of the system page size (default: that size) */
	size_t max_pages;	/* elastic: cap on pages mapped, 0 = no cap */
	unsigned flags;		/* PAGEALLOC_STRICT | PAGEALLOC_THREADSAFE */
	size_t spare_pages;	/* elastic: empty pages kept mapped (default PAGEALLOC_KEEP_ALL) */
	size_t pool_chunk;	/* bump: bytes mapped at a time (default 1 MiB) */
	size_t cell_size;	/* cell: bytes per cell (default 32) */
	size_t mmap_threshold;	/* brk: requests at or above this get their own mapping (default 128 KiB) */
	size_t reserved[4];	/* zero; room for settings to come */
};

struct pagealloc_stats {
	size_t in_use_bytes;		/* bytes held by live chunks (rounded sizes) */
	size_t free_bytes;		/* bytes mapped for data and not in use */
	size_t largest_free_bytes;	/* largest single request that fits without mapping more */
	size_t mapped_bytes;		/* bytes mapped for data now */
	size_t metadata_bytes;		/* bytes of the heap's own out-of-band bookkeeping */
	size_t peak_in_use_bytes;
	size_t peak_mapped_bytes;
	size_t chunks_in_use;
	size_t free_chunks;
	size_t os_map_calls;		/* mmap (and mremap) calls made by this heap */
	size_t os_unmap_calls;		/* munmap calls */
	size_t os_brk_calls;		/* brk/sbrk calls */
	size_t failed_allocs;		/* alloc/calloc/realloc calls that returned NULL */
};

/* Callback of pagealloc_walk: a nonzero return stops the walk. */
typedef int (*pagealloc_walk_fn)(void *ptr, size_t size, int in_use, void *arg);

/* Fill *cfg with the defaults of policy p.  Constant time; cannot fail. */
void pagealloc_config_init(struct pagealloc_config *cfg, enum pagealloc_policy p);

/*
 * Parse "POLICY[:KEY=VALUE[,KEY=VALUE...]]" into *cfg, for example "page",
 * "elastic:max_pages=4,granule=256" or "cell:cell_size=32".  Keys: granule,
 * page_size, max_pages, spare_pages, strict, threadsafe, pool_chunk,
 * cell_size, mmap_threshold; numbers take an optional K, M or G suffix
 * (powers of 1024).  EINVAL for an unknown policy or key, a key that does not
 * apply to the policy, or a bad value; *cfg is left unchanged on failure.
 */
int pagealloc_config_parse(struct pagealloc_config *cfg, const char *spec);

/*
 * Create a heap.  Maps the heap's metadata (and, for the page policy, its
 * region) at once.  EINVAL for a bad configuration, ENOMEM when the OS
 * refuses memory, EBUSY for a second brk heap.
 */
pagealloc *pagealloc_create(const struct pagealloc_config *cfg);

/* Destroy the heap, returning every page to the OS.  EINVAL for NULL. */
int pagealloc_destroy(pagealloc *heap);

/*
 * Allocate size bytes, rounded up to the granule.  EINVAL for size 0, or
 * for a size that is not a multiple of the granule with PAGEALLOC_STRICT;
 * ENOMEM when no memory can serve it.  Page and elastic: bounded time (a
 * find-first-set over size classes), plus one mmap when elastic grows.
 */
void *pagealloc_alloc(pagealloc *heap, size_t size);

/* Allocate nmemb*size zeroed bytes; ENOMEM when the product overflows. */
void *pagealloc_calloc(pagealloc *heap, size_t nmemb, size_t size);

/*
 * Resize the chunk at ptr, keeping its contents up to the smaller size.
 * realloc(heap, NULL, n) allocates; realloc(heap, p, 0) frees p and returns
 * NULL.  On failure ptr is untouched and still owned by the caller.
 */
void *pagealloc_realloc(pagealloc *heap, void *ptr, size_t size);

/* Free a chunk.  EINVAL for NULL, a pointer not handed out, or a double free. */
int pagealloc_free(pagealloc *heap, void *ptr);

/* Usable bytes of the live chunk at ptr; 0 with EINVAL if ptr is not one. */
size_t pagealloc_usable_size(const pagealloc *heap, const void *ptr);

/* Fill *st with the heap's figures.  Time linear in the pages held. */
int pagealloc_get_stats(const pagealloc *heap, struct pagealloc_stats *st);

/* Verify every invariant of the heap: 0 if all hold, else -1 with EFAULT. */
int pagealloc_check(const pagealloc *heap);

/*
 * Call fn for every chunk, free and in use, in address order within each
 * page.  Returns 0, or the first nonzero value fn returned.
 */
int pagealloc_walk(const pagealloc *heap, pagealloc_walk_fn fn, void *arg);

/* Release every allocation at once; the heap keeps its memory for reuse. */
int pagealloc_reset(pagealloc *heap);

/* "page", "elastic", ...; NULL with EINVAL for an unknown policy. */
const char *pagealloc_policy_name(enum pagealloc_policy p);

#ifdef __cplusplus
}
#endif

#endif /* PAGEALLOC_H */
