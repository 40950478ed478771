/*
 * arena.h - one region of memory carved into chunks, with every byte of
 * bookkeeping out of band.
 *
 * The region (page_size bytes) is a row of units of one granule each.  A
 * chunk is a run of units; what the arena knows of it lives in bitmaps kept
 * apart from the region:
 *
 *   start  bit i: a chunk begins at unit i (its size runs to the next start)
 *   free   bit i: the chunk beginning at unit i is free
 *   class  for each size class c (free chunks of 2^c .. 2^(c+1)-1 units), one
 *          bit per 2^c units: bit j marks the free chunk of class c that
 *          contains unit j*2^c.  Any 2^c consecutive units hold exactly one
 *          multiple of 2^c, so every free chunk of class c contains one (or
 *          two; the first is marked) and no two share a bit.
 *
 * For a 4096-byte page of 8-byte granules that is 64 + 64 + 168 bytes of
 * bitmaps and 40 of class counts: 360 bytes with the header, no byte of it in
 * the page.  Alloc takes a find-first-set over the class mask; only a
 * request that nothing in a larger class can serve scans its own class.
 */
#ifndef PAGEALLOC_ARENA_H
#define PAGEALLOC_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "pagealloc.h"

#define PA_MAX_CLASSES 25		/* up to 2^24 units per region */
#define PA_MAX_UNITS (1u << (PA_MAX_CLASSES - 1))

/* What every arena of one heap shares: sizes and where each bitmap sits. */
struct pa_layout {
	size_t bytes;			/* region size */
	uint32_t units;			/* bytes >> shift */
	uint8_t shift;			/* log2 of the granule */
	uint8_t nclasses;		/* floor(log2(units)) + 1 */
	uint32_t unit_words;		/* words of the start and free bitmaps */
	uint32_t class_off[PA_MAX_CLASSES];	/* word offset of class c's bitmap */
	uint32_t count_off;		/* word offset of the per-class counts */
	uint32_t total_words;
	size_t arena_bytes;		/* sizeof(struct pa_arena) + the words */
};

struct pa_arena {
	unsigned char *base;		/* the region */
	uint32_t free_units;
	uint32_t free_chunks;
	uint32_t used_chunks;
	uint32_t class_mask;		/* bit c: some free chunk is of class c */
	pa_word bits[];			/* start, free, class bitmaps, counts */
};

/* Lay out the bitmaps for regions of bytes in granules; -1/EINVAL when the
 * granule is not a power of two or the region has 0 or over PA_MAX_UNITS. */
int pa_layout_init(struct pa_layout *L, size_t bytes, size_t granule);

/* Make the arena describe region base as one free chunk. */
void pa_arena_init(struct pa_arena *a, const struct pa_layout *L, void *base);

/* Allocate units; returns the chunk or NULL when no free chunk is big enough. */
void *pa_arena_alloc(struct pa_arena *a, const struct pa_layout *L, uint32_t units);

/* Units of the live chunk starting at p, or 0 if p is not one. */
uint32_t pa_arena_live_units(const struct pa_arena *a, const struct pa_layout *L, const void *p);

/* Free the live chunk at p (checked with pa_arena_live_units first). */
void pa_arena_free(struct pa_arena *a, const struct pa_layout *L, void *p);

/* Resize the live chunk at p in place; 0, or -1 when the next chunk is not
 * free or not large enough. */
int pa_arena_resize(struct pa_arena *a, const struct pa_layout *L, void *p, uint32_t units);

/* Largest free chunk, in units. */
uint32_t pa_arena_largest_free(const struct pa_arena *a, const struct pa_layout *L);

static inline int pa_is_pow2_u32(uint32_t n)
{
	return n && !(n & (n - 1));
}

/* The class mask of a request of units: the classes whose every chunk fits. */
static inline uint32_t pa_fit_mask(uint32_t units)
{
	unsigned c = pa_log2(units) + !pa_is_pow2_u32(units);

	return c >= 32 ? 0 : ~(uint32_t)0 << c;
}

/* Granules needed for size bytes. */
static inline uint32_t pa_units_of(const struct pa_layout *L, size_t size)
{
	return (uint32_t)((size + ((size_t)1 << L->shift) - 1) >> L->shift);
}

int pa_arena_check(const struct pa_arena *a, const struct pa_layout *L);
int pa_arena_walk(const struct pa_arena *a, const struct pa_layout *L,
		  pagealloc_walk_fn fn, void *arg);

#endif
