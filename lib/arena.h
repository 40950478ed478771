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
 * bitmaps and 40 of class counts: 368 bytes with the header, no byte of it in
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
	uintptr_t gmask;		/* granule - 1 */
	uint32_t units;			/* bytes >> shift */
	uint8_t shift;			/* log2 of the granule */
	uint8_t nclasses;		/* floor(log2(units)) + 1 */
	uint8_t tlsf;			/* indexed by two-level lists (below), not classes */
	uint8_t nfl;			/* tlsf: first-level lists */
	uint32_t unit_words;		/* words of the start and free bitmaps */
	uint32_t class_off[PA_MAX_CLASSES];	/* word offset of class c's bitmap */
	uint32_t count_off;		/* word offset of the per-class counts */
	uint32_t edge_off, sl_off, head_off;	/* tlsf: the edge bitmap, sl masks, heads */
	uint32_t total_words;
	size_t arena_bytes;		/* sizeof(struct pa_arena) + the words */
};

struct pa_arena {
	unsigned char *base;		/* the region */
	uint32_t free_units;		/* in free chunks, cached ones apart */
	uint32_t free_chunks;
	uint32_t used_chunks;		/* live chunks */
	uint32_t class_mask;		/* bit c: some free chunk is of class c (tlsf:
					 * some first-level list c is not empty) */
	uint32_t last_start;		/* the highest start bit: the last chunk */
	uint32_t pad_;
	pa_word bits[];			/* start, free, class bitmaps, counts */
};

/* The pieces of the bit area. */
static inline pa_word *pa_start_bits(const struct pa_arena *a)
{
	return (pa_word *)a->bits;
}

static inline pa_word *pa_free_bits(const struct pa_arena *a, const struct pa_layout *L)
{
	return (pa_word *)a->bits + L->unit_words;
}

/* Lay out the bitmaps for regions of bytes in granules; -1/EINVAL when the
 * granule is not a power of two or the region has 0 or over PA_MAX_UNITS. */
int pa_layout_init(struct pa_layout *L, size_t bytes, size_t granule);

/*
 * The same for an arena indexed as TLSF indexes its blocks, which
 * pa_layout_init_for (below) picks for a region of PA_TLSF_MIN_UNITS units
 * or more, for the page and elastic policies: every free chunk is on a
 * doubly linked list for its size, one of PA_TLSF_SL per power of two
 * (exact below PA_TLSF_SL units), with a bitmap of the lists that hold
 * any.  An allocation takes the head of the first non-empty list whose
 * every chunk fits (two find-first-sets), or, when none has any, the first
 * chunk that fits among the first PA_TLSF_WALK of the request's own list
 * (its chunks differ by under 1/PA_TLSF_SL of their size; a fitting one
 * further down is not found, which keeps the call bounded), and hands out
 * its tail: the rest keeps the chunk's start and list node.  A free merges
 * with both neighbours in O(1).
 * The lists and sizes live in the free chunks (granule >= 8):
 *
 *   unit 0: previous and next chunk on the list (unit index + 1, 4 bytes each)
 *   unit 1: the size in units (4 bytes), when the chunk has 2 units or more
 *   last unit, its last 4 bytes: the size again (for the chunk after it)
 *
 * and out of band an edge bitmap marks the first and the last unit of every
 * listed free chunk, so that a neighbour is known free (and a cached chunk,
 * which has no edge bits, known not to be) without reading the region.
 */
#define PA_TLSF_SL_LOG2 5
#define PA_TLSF_SL (1u << PA_TLSF_SL_LOG2)
#define PA_TLSF_WALK 8

int pa_layout_init_tlsf(struct pa_layout *L, size_t bytes, size_t granule);

/* The index a policy's region gets: the two-level lists for one of
 * PA_TLSF_MIN_UNITS granules or more, the size classes for a smaller one
 * (the labs' 4 KiB page), which serve in address order within a class. */
#define PA_TLSF_MIN_UNITS 1024u

int pa_layout_init_for(struct pa_layout *L, size_t bytes, size_t granule);

/* Make the arena describe region base as one free chunk. */
void pa_arena_init(struct pa_arena *a, const struct pa_layout *L, void *base);

/* Allocate units; returns the chunk or NULL when no free chunk is big enough. */
void *pa_arena_alloc(struct pa_arena *a, const struct pa_layout *L, uint32_t units);

/* The first chunk start after unit i, or units: a search, out of line
 * (none for the last chunk, which runs to the end). */
uint32_t pa_arena_next_start(const struct pa_arena *a, const struct pa_layout *L, uint32_t i);

/* Units of the chunk starting at unit i: up to the next start, or the end;
 * inline when the next start lies in the same word. */
static inline uint32_t pa_arena_chunk_units(const struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	size_t j = (size_t)i + 1;
	pa_word rest = j < L->units ? pa_start_bits(a)[j / PA_WORD_BITS] >> (j % PA_WORD_BITS) : 0;

	if (rest)
		return 1 + (uint32_t)__builtin_ctzll(rest);
	return pa_arena_next_start(a, L, i) - i;
}

/*
 * Units of the live chunk starting at offset off of the region (which must
 * be below L->bytes), its first unit in *ip, when that is quick to tell:
 * inline, when the next chunk starts in its bitmap word or the next one (so
 * always for a chunk of up to 64 units).  0 when off is not a live chunk's
 * (inside a unit or a chunk, free, cached), and also for a longer chunk:
 * then pa_arena_live_units knows.
 */
static inline uint32_t pa_arena_live_at(const struct pa_arena *a, const struct pa_layout *L,
					uintptr_t off, uint32_t *ip)
{
	const pa_word *start = pa_start_bits(a);
	uint32_t i, b, w;
	pa_word rest;

	if (off & L->gmask)
		return 0;
	i = (uint32_t)(off >> L->shift);
	b = i % PA_WORD_BITS;
	w = i / PA_WORD_BITS;
	if (!((start[w] & ~pa_free_bits(a, L)[w]) >> b & 1))
		return 0;
	*ip = i;
	rest = start[w] >> b >> 1;
	if (rest)
		return 1 + (uint32_t)__builtin_ctzll(rest);
	if (w + 1 == L->unit_words)
		return L->units - i;
	rest = start[w + 1];
	return rest ? PA_WORD_BITS - b + (uint32_t)__builtin_ctzll(rest) : 0;
}

/* The same for a pointer p, which may lie outside the region: 0 then. */
static inline uint32_t pa_arena_live_quick(const struct pa_arena *a, const struct pa_layout *L,
					   const void *p, uint32_t *ip)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)a->base;

	/* one compare for both ends: below base, off wraps to a huge value */
	return off < L->bytes ? pa_arena_live_at(a, L, off, ip) : 0;
}

/* Units of the live chunk starting at p, or 0 if p is not one. */
uint32_t pa_arena_live_units(const struct pa_arena *a, const struct pa_layout *L, const void *p);

/* Free the live chunk at p (checked with pa_arena_live_units first). */
void pa_arena_free(struct pa_arena *a, const struct pa_layout *L, void *p);

/*
 * Cached chunks: a policy may keep a live chunk it is asked to free on a
 * quick list of its own, to hand out again for a request of the same size,
 * instead of freeing it.  pa_arena_cache marks the chunk free, so that it is
 * no longer live (a second free of it, usable_size and realloc see a free
 * chunk; walk reports it free), but leaves it out of the size classes and
 * unmerged: no search finds it, its neighbours do not absorb it; nor do
 * free_units and free_chunks count it (the policy's lists do).
 * pa_arena_uncache makes it live again; pa_arena_release frees it for good
 * (merged as usual).  A free chunk without its class marker is a cached
 * one: pa_arena_check counts them for the policy to compare with its lists.
 */
static inline void pa_arena_cache(struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	pa_bit_set(pa_free_bits(a, L), i);
	a->used_chunks--;
}

static inline void pa_arena_uncache(struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	pa_bit_clear(pa_free_bits(a, L), i);
	a->used_chunks++;
}

void pa_arena_release(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n);

/* The chunk at unit i, live or cached, of more than n units, ends after
 * n; the rest, from unit i + n, becomes a cached chunk of its own.  A
 * policy carves a run of chunks of one size this way (one allocation,
 * then this cut), and hands them out one at a time from the front of the
 * cached rest (this cut, then pa_arena_uncache of the front): the run
 * stays one cached chunk, whatever its length, and no unit of it is
 * written until it is handed out. */
static inline void pa_arena_cut(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	pa_bit_set(pa_start_bits(a), (size_t)i + n);
	pa_bit_set(pa_free_bits(a, L), (size_t)i + n);
	if (a->last_start == i)
		a->last_start = i + n;
}

/* Call fn(arg, i, n) for every cached chunk (i, n): a walk over the free
 * bitmap, so O(free chunks + units / 64).  fn must not change the arena. */
void pa_arena_each_cached(const struct pa_arena *a, const struct pa_layout *L,
			  void (*fn)(void *arg, uint32_t i, uint32_t n), void *arg);

/* Units of the cached chunk starting at p, or 0 if p is not one. */
uint32_t pa_arena_cached_units(const struct pa_arena *a, const struct pa_layout *L, const void *p);

/* Sizes a quick list may hold: 1 .. PA_QUICK_MAX units, and no more than a
 * sixteenth of the region. */
#define PA_QUICK_MAX 32u

static inline uint32_t pa_quick_max(const struct pa_layout *L)
{
	return L->units / 16 < PA_QUICK_MAX ? L->units / 16 : PA_QUICK_MAX;
}

/* Resize the live chunk at p in place; 0, or -1 when the next chunk is not
 * free or not large enough. */
int pa_arena_resize(struct pa_arena *a, const struct pa_layout *L, void *p, uint32_t units);

/* The class of the largest free chunk that is not cached (floor(log2) of
 * its units), or -1 when there is none: O(1) in either index. */
int pa_arena_top_class_tlsf(const struct pa_arena *a, const struct pa_layout *L);

static inline int pa_arena_top_class(const struct pa_arena *a, const struct pa_layout *L)
{
	if (!a->class_mask)
		return -1;
	return L->tlsf ? pa_arena_top_class_tlsf(a, L) : (int)pa_log2(a->class_mask);
}

/* Largest free chunk, in units; with cached chunks (cached: the arena may
 * hold some), counting them as the free ones they and their free
 * neighbours would merge into when released. */
uint32_t pa_arena_largest_free(const struct pa_arena *a, const struct pa_layout *L, int cached);

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
	return (uint32_t)((size + L->gmask) >> L->shift);
}

/* A mix of a unit index, summed over a set of chunks by the checks: two
 * sets that must be the same give the same sum, which a chunk counted
 * twice in place of another would change. */
static inline uint64_t pa_index_mix(uint32_t i)
{
	uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;

	return x ^ x >> 31;
}

/* Check every invariant; count the cached chunks and their units into
 * cached[0] and cached[1] for the caller to compare with its lists. */
int pa_arena_check(const struct pa_arena *a, const struct pa_layout *L, uint32_t cached[2]);
int pa_arena_walk(const struct pa_arena *a, const struct pa_layout *L,
		  pagealloc_walk_fn fn, void *arg);

#endif
