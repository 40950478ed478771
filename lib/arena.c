/* arena.c - split, merge and size classes over one region, metadata out of band. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

static_assert(sizeof(pa_word) == 8, "bitmaps are arrays of 64-bit words");
static_assert(sizeof(struct pa_arena) % sizeof(pa_word) == 0, "bits[] is word aligned");

int pa_layout_init(struct pa_layout *L, size_t bytes, size_t granule)
{
	size_t units, off;
	unsigned c;

	if (!pa_is_pow2(granule) || bytes % granule)
		return pa_einval();
	units = bytes / granule;
	if (units == 0 || units > PA_MAX_UNITS)
		return pa_einval();
	memset(L, 0, sizeof(*L));
	L->bytes = bytes;
	L->units = (uint32_t)units;
	L->gmask = granule - 1;
	L->shift = (uint8_t)pa_log2(granule);
	L->nclasses = (uint8_t)(pa_log2(units) + 1);
	L->unit_words = (uint32_t)pa_bitmap_words(units);
	off = 2 * (size_t)L->unit_words;
	for (c = 0; c < L->nclasses; c++) {
		L->class_off[c] = (uint32_t)off;
		off += pa_bitmap_words(((units - 1) >> c) + 1);
	}
	L->count_off = (uint32_t)off;
	off += (L->nclasses + 1) / 2;	/* two 32-bit counts per word */
	L->total_words = (uint32_t)off;
	L->arena_bytes = sizeof(struct pa_arena) + off * sizeof(pa_word);
	return 0;
}

static inline pa_word *class_bits(const struct pa_arena *a, const struct pa_layout *L, unsigned c)
{
	return (pa_word *)a->bits + L->class_off[c];
}

static inline uint32_t *class_count(const struct pa_arena *a, const struct pa_layout *L)
{
	return (uint32_t *)((pa_word *)a->bits + L->count_off);
}

static inline size_t class_nbits(const struct pa_layout *L, unsigned c)
{
	return ((L->units - 1) >> c) + 1;
}

uint32_t pa_arena_next_start(const struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	if (i >= a->last_start)
		return L->units;	/* the last chunk: no search to the end */
	return (uint32_t)pa_bit_next(pa_start_bits(a), L->units, (size_t)i + 1);
}

static inline uint32_t chunk_units(const struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	return pa_arena_chunk_units(a, L, i);
}

/* The class bit of free chunk (i, n): its first unit that is a multiple of 2^c. */
static inline size_t marker(uint32_t i, unsigned c)
{
	return (((size_t)i + ((size_t)1 << c) - 1) >> c);
}

/* Chunk (i, n) is free and not cached: its class marker is set. */
static inline __attribute__((always_inline)) int merges(const struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	return pa_bit_test(pa_free_bits(a, L), i) && pa_bit_test(class_bits(a, L, c), marker(i, c));
}

static inline __attribute__((always_inline)) void free_insert(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	pa_bit_set(pa_free_bits(a, L), i);
	pa_bit_set(class_bits(a, L, c), marker(i, c));
	class_count(a, L)[c]++;
	a->class_mask |= (uint32_t)1 << c;
	a->free_units += n;
	a->free_chunks++;
}

static inline __attribute__((always_inline)) void free_remove(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	pa_bit_clear(pa_free_bits(a, L), i);
	pa_bit_clear(class_bits(a, L, c), marker(i, c));
	if (--class_count(a, L)[c] == 0)
		a->class_mask &= ~((uint32_t)1 << c);
	a->free_units -= n;
	a->free_chunks--;
}

/* A chunk now starts at unit j, inside the chunk starting at i. */
static inline void set_start(struct pa_arena *a, uint32_t i, uint32_t j)
{
	pa_bit_set(pa_start_bits(a), j);
	if (a->last_start == i)
		a->last_start = j;
}

/* The chunk starting at unit j joins the one before it, starting at i. */
static inline void clear_start(struct pa_arena *a, uint32_t i, uint32_t j)
{
	pa_bit_clear(pa_start_bits(a), j);
	if (a->last_start == j)
		a->last_start = i;
}

void pa_arena_init(struct pa_arena *a, const struct pa_layout *L, void *base)
{
	memset(a, 0, L->arena_bytes);
	a->base = base;
	pa_bit_set(pa_start_bits(a), 0);
	free_insert(a, L, 0, L->units);
}

/*
 * Take units from the front of free chunk (i, n):
 *
 *   [ ------------ free n ------------ ]  =>  [ used units ][ free n-units ]
 */
static inline __attribute__((always_inline)) void *take(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n, uint32_t units)
{
	unsigned c = pa_log2(n);

	if (n > units && pa_log2(n - units) == c && marker(i, c) == marker(i + units, c)) {
		/* the rest keeps the class and its marker: only the free bit
		 * and the start move (carving a large free chunk, mostly) */
		pa_bit_clear(pa_free_bits(a, L), i);
		pa_bit_set(pa_free_bits(a, L), i + units);
		set_start(a, i, i + units);
		a->free_units -= units;
		a->used_chunks++;
		return a->base + ((size_t)i << L->shift);
	}
	free_remove(a, L, i, n);
	if (n > units) {
		set_start(a, i, i + units);
		free_insert(a, L, i + units, n - units);
	}
	a->used_chunks++;
	return a->base + ((size_t)i << L->shift);
}

/* The free chunk holding class c's bit j. */
static inline uint32_t chunk_of_marker(const struct pa_arena *a, size_t j, unsigned c)
{
	if ((j << c) >= a->last_start)
		return a->last_start;	/* the last chunk: no search back to its start */
	return (uint32_t)pa_bit_prev(pa_start_bits(a), j << c);
}

void *pa_arena_alloc(struct pa_arena *a, const struct pa_layout *L, uint32_t units)
{
	uint32_t m = a->class_mask & pa_fit_mask(units);
	unsigned c;
	size_t j;

	if (m) {
		/* any chunk of the smallest class that surely fits: the first one */
		c = (unsigned)__builtin_ctz(m);
		j = pa_bit_next(class_bits(a, L, c), class_nbits(L, c), 0);
		uint32_t i = chunk_of_marker(a, j, c);
		return take(a, L, i, chunk_units(a, L, i), units);
	}
	/* only chunks of units' own class may fit: first fit among them */
	c = pa_log2(units);
	if (units > L->units || !(a->class_mask & ((uint32_t)1 << c)))
		return NULL;
	for (j = pa_bit_next(class_bits(a, L, c), class_nbits(L, c), 0); j < class_nbits(L, c);
	     j = pa_bit_next(class_bits(a, L, c), class_nbits(L, c), j + 1)) {
		uint32_t i = chunk_of_marker(a, j, c), n = chunk_units(a, L, i);
		if (n >= units)
			return take(a, L, i, n, units);
	}
	return NULL;
}

/* Merge free chunk (i, *n) with a free chunk after it, if there is one. */
static inline __attribute__((always_inline)) void absorb_next(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t *n)
{
	uint32_t next = i + *n, nn;

	if (next >= L->units || !pa_bit_test(pa_free_bits(a, L), next))
		return;
	nn = chunk_units(a, L, next);
	if (!merges(a, L, next, nn))
		return;
	free_remove(a, L, next, nn);
	clear_start(a, i, next);
	*n += nn;
}

/*
 *   [ prev free ][ this ][ next free ]  =>  [ ------ merged free ------ ]
 */
static void free_units_at(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	absorb_next(a, L, i, &n);
	if (i > 0) {
		uint32_t prev = (uint32_t)pa_bit_prev(pa_start_bits(a), i - 1);
		if (merges(a, L, prev, i - prev)) {
			uint32_t pn = i - prev;
			free_remove(a, L, prev, pn);
			clear_start(a, prev, i);
			i = prev;
			n += pn;
		}
	}
	free_insert(a, L, i, n);
}

void pa_arena_free(struct pa_arena *a, const struct pa_layout *L, void *p)
{
	uint32_t i = (uint32_t)(((unsigned char *)p - a->base) >> L->shift);

	a->used_chunks--;
	free_units_at(a, L, i, chunk_units(a, L, i));
}

void pa_arena_release(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	pa_bit_clear(pa_free_bits(a, L), i);
	free_units_at(a, L, i, n);
}

uint32_t pa_arena_live_units(const struct pa_arena *a, const struct pa_layout *L, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)a->base;
	uint32_t i = (uint32_t)(off >> L->shift);

	if (off >= L->bytes || (off & L->gmask) || !pa_bit_test(pa_start_bits(a), i) ||
	    pa_bit_test(pa_free_bits(a, L), i))
		return 0;
	return chunk_units(a, L, i);
}

uint32_t pa_arena_cached_units(const struct pa_arena *a, const struct pa_layout *L, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)a->base;
	uint32_t i = (uint32_t)(off >> L->shift), n;

	if (off >= L->bytes || (off & L->gmask) || !pa_bit_test(pa_start_bits(a), i) ||
	    !pa_bit_test(pa_free_bits(a, L), i))
		return 0;
	n = chunk_units(a, L, i);
	return merges(a, L, i, n) ? 0 : n;
}

void pa_arena_each_cached(const struct pa_arena *a, const struct pa_layout *L,
			  void (*fn)(void *arg, uint32_t i, uint32_t n), void *arg)
{
	const pa_word *fb = pa_free_bits(a, L);
	size_t i;

	for (i = pa_bit_next(fb, L->units, 0); i < L->units; i = pa_bit_next(fb, L->units, i + 1)) {
		uint32_t n = chunk_units(a, L, (uint32_t)i);
		if (!merges(a, L, (uint32_t)i, n))
			fn(arg, (uint32_t)i, n);
	}
}

/*
 * Shrink:  [ used n ][ next ]  =>  [ used units ][ free rest (+ next if free) ]
 * Grow:    [ used n ][ next free ]  =>  [ used units ][ free rest of next ]
 */
int pa_arena_resize(struct pa_arena *a, const struct pa_layout *L, void *p, uint32_t units)
{
	uint32_t i = (uint32_t)(((unsigned char *)p - a->base) >> L->shift);
	uint32_t n = chunk_units(a, L, i), next = i + n, rest;

	if (units < n) {
		rest = n - units;
		set_start(a, i, i + units);
		absorb_next(a, L, i + units, &rest);
		free_insert(a, L, i + units, rest);
	} else if (units > n) {
		uint32_t nn;
		if (next >= L->units || !pa_bit_test(pa_free_bits(a, L), next))
			return -1;
		nn = chunk_units(a, L, next);
		if (nn < units - n || !merges(a, L, next, nn))
			return -1;
		free_remove(a, L, next, nn);
		clear_start(a, i, next);
		if (nn > units - n) {
			set_start(a, i, i + units);
			free_insert(a, L, i + units, nn - (units - n));
		}
	}
	return 0;
}

/* With cached chunks: the longest run of free and cached chunks. */
static uint32_t largest_run(const struct pa_arena *a, const struct pa_layout *L)
{
	uint32_t best = 0, run = 0, i, n;

	for (i = 0; i < L->units; i += n) {
		n = chunk_units(a, L, i);
		run = pa_bit_test(pa_free_bits(a, L), i) ? run + n : 0;
		if (run > best)
			best = run;
	}
	return best;
}

uint32_t pa_arena_largest_free(const struct pa_arena *a, const struct pa_layout *L, int cached)
{
	uint32_t best = 0;
	unsigned c;
	size_t j;

	if (cached)
		return largest_run(a, L);
	if (!a->class_mask)
		return 0;
	c = pa_log2(a->class_mask);
	for (j = pa_bit_next(class_bits(a, L, c), class_nbits(L, c), 0); j < class_nbits(L, c);
	     j = pa_bit_next(class_bits(a, L, c), class_nbits(L, c), j + 1)) {
		uint32_t n = chunk_units(a, L, chunk_of_marker(a, j, c));
		if (n > best)
			best = n;
	}
	return best;
}

static unsigned popcount_words(const pa_word *w, size_t n)
{
	unsigned k = 0;

	while (n--)
		k += (unsigned)__builtin_popcountll(*w++);
	return k;
}

/* Bits past the last unit of a bitmap of nbits must be clear. */
static int tail_clear(const pa_word *b, size_t nbits)
{
	size_t r = nbits % PA_WORD_BITS;

	return r == 0 || !(b[nbits / PA_WORD_BITS] >> r);
}

int pa_arena_check(const struct pa_arena *a, const struct pa_layout *L, uint32_t cached[2])
{
	uint32_t counts[PA_MAX_CLASSES] = { 0 };
	uint32_t free_units = 0, free_chunks = 0, used = 0, i, n;
	int prev_free = 0;
	unsigned c;

	if (!pa_bit_test(pa_start_bits(a), 0) || !tail_clear(pa_start_bits(a), L->units) ||
	    !tail_clear(pa_free_bits(a, L), L->units) ||
	    pa_bit_prev(pa_start_bits(a), L->units - 1) != a->last_start)
		return -1;
	for (i = 0; i < L->units; i += n) {
		int is_free = pa_bit_test(pa_free_bits(a, L), i);
		n = chunk_units(a, L, i);
		if (pa_bit_next(pa_free_bits(a, L), L->units, i + 1) < (size_t)i + n)
			return -1;	/* a free bit inside a chunk */
		if (!is_free || !merges(a, L, i, n)) {
			used += !is_free;
			cached[0] += is_free;
			cached[1] += is_free ? n : 0;
			prev_free = 0;
			continue;
		}
		if (prev_free)
			return -1;	/* two free neighbours unmerged */
		counts[pa_log2(n)]++;
		free_units += n;
		free_chunks++;
		prev_free = 1;
	}
	if (free_units != a->free_units || free_chunks != a->free_chunks || used != a->used_chunks)
		return -1;	/* a lost marker shows in cached[] as a cached chunk too many */
	for (c = 0; c < L->nclasses; c++) {
		const pa_word *b = class_bits(a, L, c);
		size_t nb = class_nbits(L, c);
		if (counts[c] != class_count(a, L)[c] ||
		    popcount_words(b, pa_bitmap_words(nb)) != counts[c] || !tail_clear(b, nb) ||
		    !!(a->class_mask & ((uint32_t)1 << c)) != (counts[c] > 0))
			return -1;
	}
	return (a->class_mask >> L->nclasses) ? -1 : 0;
}

int pa_arena_walk(const struct pa_arena *a, const struct pa_layout *L,
		  pagealloc_walk_fn fn, void *arg)
{
	uint32_t i, n;
	int r;

	for (i = 0; i < L->units; i += n) {
		n = chunk_units(a, L, i);
		r = fn(a->base + ((size_t)i << L->shift), (size_t)n << L->shift,
		       !pa_bit_test(pa_free_bits(a, L), i), arg);
		if (r)
			return r;
	}
	return 0;
}
