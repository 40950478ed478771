/* arena.c - split, merge and size classes over one region, metadata out of band. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "annotate.h"
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

int pa_layout_init_tlsf(struct pa_layout *L, size_t bytes, size_t granule)
{
	size_t off;

	if (granule < 8 || pa_layout_init(L, bytes, granule))
		return pa_einval();	/* a unit must hold the two links */
	L->tlsf = 1;
	L->nfl = (uint8_t)(L->units < PA_TLSF_SL ? 1 : pa_log2(L->units) - PA_TLSF_SL_LOG2 + 2);
	off = 2 * (size_t)L->unit_words;
	L->edge_off = (uint32_t)off;
	off += L->unit_words;
	L->sl_off = (uint32_t)off;
	off += ((size_t)L->nfl + 1) / 2;			/* a 32-bit mask per first level */
	L->head_off = (uint32_t)off;
	off += ((size_t)L->nfl * PA_TLSF_SL + 1) / 2;		/* a 32-bit head per list */
	L->total_words = (uint32_t)off;
	L->arena_bytes = sizeof(struct pa_arena) + off * sizeof(pa_word);
	return 0;
}

int pa_layout_init_for(struct pa_layout *L, size_t bytes, size_t granule)
{
	if (granule && bytes / granule >= PA_TLSF_MIN_UNITS)
		return pa_layout_init_tlsf(L, bytes, granule);
	return pa_layout_init(L, bytes, granule);
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

/* ---- the two-level lists of a tlsf arena (arena.h) ---- */

/*
 * Where everything of a tlsf arena is, copied into locals once per call:
 * the fields are written through byte pointers into the region, which the
 * compiler must assume may alias the arena and the layout, and would
 * otherwise reload after every store.
 */
struct tl {
	unsigned char *base;
	pa_word *start, *free, *edge;
	uint32_t *sl;			/* sl[fl]: bit sl, list (fl, sl) has any */
	uint32_t *head;			/* head[fl * PA_TLSF_SL + sl]: index + 1 */
	uint32_t units;
	unsigned shift;
};

static inline __attribute__((always_inline)) struct tl tl_of(const struct pa_arena *a, const struct pa_layout *L)
{
	pa_word *w = (pa_word *)a->bits;
	struct tl t = { a->base, w, w + L->unit_words, w + L->edge_off, (uint32_t *)(w + L->sl_off),
			(uint32_t *)(w + L->head_off), L->units, L->shift };

	return t;
}

static inline pa_word *edge_bits(const struct pa_arena *a, const struct pa_layout *L)
{
	return (pa_word *)a->bits + L->edge_off;
}

/* The list of a chunk of n units: first level fl, second level sl. */
static inline void tl_map(uint32_t n, unsigned *fl, unsigned *sl)
{
	unsigned k;

	if (n < PA_TLSF_SL) {
		*fl = 0;
		*sl = n;
		return;
	}
	k = pa_log2(n);
	*fl = k - PA_TLSF_SL_LOG2 + 1;
	*sl = (n >> (k - PA_TLSF_SL_LOG2)) & (PA_TLSF_SL - 1);
}

static inline uint32_t *tl_head(const struct tl *t, uint32_t n)
{
	unsigned fl, sl;

	tl_map(n, &fl, &sl);
	return &t->head[fl * PA_TLSF_SL + sl];
}

/* The 4-byte field at byte off of unit i, in the region. */
static inline uint32_t get32(const struct tl *t, uint32_t i, size_t off)
{
	const unsigned char *p = t->base + ((size_t)i << t->shift) + off;
	uint32_t v;

	pa_annot_open(p, sizeof(v));
	memcpy(&v, p, sizeof(v));
	pa_annot_poison(p, sizeof(v));
	return v;
}

static inline void put32(const struct tl *t, uint32_t i, size_t off, uint32_t v)
{
	unsigned char *p = t->base + ((size_t)i << t->shift) + off;

	pa_annot_open(p, sizeof(v));
	memcpy(p, &v, sizeof(v));
	pa_annot_poison(p, sizeof(v));
}

#define PREV 0			/* the fields' offsets in unit 0 */
#define NEXT 4
#define BACK(t) (((size_t)1 << (t)->shift) - 4)	/* the size's in the last unit */

/* Units of the listed free chunk at i, from its fields. */
static inline uint32_t tl_size(const struct tl *t, uint32_t i)
{
	if (i + 1 == t->units || pa_bit_test(t->start, (size_t)i + 1))
		return 1;
	return get32(t, i + 1, 0);
}

/* Units of the listed free chunk that ends at unit e (its edge bit is set). */
static inline uint32_t tl_size_back(const struct tl *t, uint32_t e)
{
	return pa_bit_test(t->start, e) ? 1 : get32(t, e, BACK(t));
}

static inline void tl_sizes(const struct tl *t, uint32_t i, uint32_t n)
{
	if (n < 2)
		return;
	put32(t, i + 1, 0, n);
	put32(t, i + n - 1, BACK(t), n);
}

static inline void tl_link(const struct tl *t, uint32_t j, size_t off, uint32_t to)
{
	if (j)
		put32(t, j - 1, off, to);
}

static inline __attribute__((always_inline)) void tl_insert(const struct tl *t, struct pa_arena *a, uint32_t i, uint32_t n)
{
	unsigned fl, sl;
	uint32_t old;

	tl_map(n, &fl, &sl);
	old = t->head[fl * PA_TLSF_SL + sl];
	put32(t, i, PREV, 0);
	put32(t, i, NEXT, old);
	tl_link(t, old, PREV, i + 1);
	t->head[fl * PA_TLSF_SL + sl] = i + 1;
	tl_sizes(t, i, n);
	t->sl[fl] |= (uint32_t)1 << sl;
	a->class_mask |= (uint32_t)1 << fl;
	pa_bit_set(t->edge, i);
	pa_bit_set(t->edge, (size_t)i + n - 1);
}

static inline __attribute__((always_inline)) void tl_remove(const struct tl *t, struct pa_arena *a, uint32_t i, uint32_t n)
{
	uint32_t prev = get32(t, i, PREV), next = get32(t, i, NEXT);
	unsigned fl, sl;

	tl_link(t, next, PREV, prev);
	if (prev) {
		put32(t, prev - 1, NEXT, next);
	} else {
		tl_map(n, &fl, &sl);
		t->head[fl * PA_TLSF_SL + sl] = next;
		if (!next && !(t->sl[fl] &= ~((uint32_t)1 << sl)))
			a->class_mask &= ~((uint32_t)1 << fl);
	}
	pa_bit_clear(t->edge, i);
	pa_bit_clear(t->edge, (size_t)i + n - 1);
}

/* Chunks of n and m <= n units are on the same list (below PA_TLSF_SL
 * units, a list holds one size). */
static inline int tl_same(uint32_t m, uint32_t n)
{
	return n < PA_TLSF_SL ? n == m : ((n ^ m) >> (pa_log2(n) - PA_TLSF_SL_LOG2)) == 0;
}

/* The listed free chunk (i, n) becomes (j, m) on the same list, with
 * either end kept: its list node moves to j (if j != i), its sizes and
 * its edge bits follow. */
static inline __attribute__((always_inline)) void tl_move(const struct tl *t, uint32_t i, uint32_t n, uint32_t j, uint32_t m)
{
	if (j != i) {
		uint32_t prev = get32(t, i, PREV), next = get32(t, i, NEXT);
		put32(t, j, PREV, prev);
		put32(t, j, NEXT, next);
		tl_link(t, next, PREV, j + 1);
		if (prev)
			put32(t, prev - 1, NEXT, j + 1);
		else
			*tl_head(t, n) = j + 1;
	}
	tl_sizes(t, j, m);
	pa_bit_clear(t->edge, i);
	pa_bit_clear(t->edge, (size_t)i + n - 1);
	pa_bit_set(t->edge, j);
	pa_bit_set(t->edge, (size_t)j + m - 1);
}

/* A listed free chunk of at least units, as arena.h says (the own list
 * walked no further than PA_TLSF_WALK chunks): index + 1, or 0. */
static inline __attribute__((always_inline)) uint32_t tl_find(const struct tl *t, const struct pa_arena *a, unsigned nfl, uint32_t units)
{
	uint32_t r = units, m = 0, f, j, w;
	unsigned fl, sl;

	if (r >= PA_TLSF_SL)	/* round up: every chunk of the list found fits */
		r += ((uint32_t)1 << (pa_log2(r) - PA_TLSF_SL_LOG2)) - 1;
	tl_map(r, &fl, &sl);
	if (fl < nfl) {
		m = t->sl[fl] & (~(uint32_t)0 << sl);
		if (!m && (f = a->class_mask & (~(uint32_t)1 << fl)) != 0)
			m = t->sl[fl = (unsigned)__builtin_ctz(f)];
		if (m)
			return t->head[fl * PA_TLSF_SL + (unsigned)__builtin_ctz(m)];
	}
	/* nothing larger: the first PA_TLSF_WALK chunks of the request's own
	 * list, the first that fits */
	tl_map(units, &fl, &sl);
	if (fl >= nfl)
		return 0;
	for (j = t->head[fl * PA_TLSF_SL + sl], w = 0; j && w < PA_TLSF_WALK; j = get32(t, j - 1, NEXT), w++)
		if (tl_size(t, j - 1) >= units)
			return j;
	return 0;
}

/* Units of listed free chunk i, and of the one ending at unit e. */
static inline uint32_t listed_units(const struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	struct tl t = tl_of(a, L);

	return tl_size(&t, i);
}

static inline uint32_t listed_units_back(const struct pa_arena *a, const struct pa_layout *L, uint32_t e)
{
	struct tl t = tl_of(a, L);

	return tl_size_back(&t, e);
}

/* ---- free chunks, in either index ---- */

/* Units of free chunk i, which is not cached. */
static inline uint32_t free_units_of(const struct pa_arena *a, const struct pa_layout *L, uint32_t i)
{
	return L->tlsf ? listed_units(a, L, i) : pa_arena_chunk_units(a, L, i);
}

/* Chunk (i, n) is free and not cached: its class marker (tlsf: its edge
 * bit) is set. */
static inline __attribute__((always_inline)) int merges(const struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	if (L->tlsf)
		return pa_bit_test(edge_bits(a, L), i);
	return pa_bit_test(pa_free_bits(a, L), i) && pa_bit_test(class_bits(a, L, c), marker(i, c));
}

static inline __attribute__((always_inline)) void free_insert(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	pa_bit_set(pa_free_bits(a, L), i);
	if (L->tlsf) {
		struct tl t = tl_of(a, L);
		tl_insert(&t, a, i, n);
	} else {
		pa_bit_set(class_bits(a, L, c), marker(i, c));
		class_count(a, L)[c]++;
		a->class_mask |= (uint32_t)1 << c;
	}
	a->free_units += n;
	a->free_chunks++;
}

static inline __attribute__((always_inline)) void free_remove(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	unsigned c = pa_log2(n);

	pa_bit_clear(pa_free_bits(a, L), i);
	if (L->tlsf) {
		struct tl t = tl_of(a, L);
		tl_remove(&t, a, i, n);
	} else {
		pa_bit_clear(class_bits(a, L, c), marker(i, c));
		if (--class_count(a, L)[c] == 0)
			a->class_mask &= ~((uint32_t)1 << c);
	}
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

/*
 * A tlsf arena's allocation: the chunk tl_find names, whole, or its tail
 * (the rest keeps the chunk's start, and so its node): when the rest stays
 * on the chunk's list (carving a large chunk, mostly), only its sizes and
 * its end's edge bit change.
 */
static void *tl_alloc(struct pa_arena *a, const struct pa_layout *L, uint32_t units)
{
	struct tl t = tl_of(a, L);
	uint32_t k = units <= t.units ? tl_find(&t, a, L->nfl, units) : 0, i, n, rest;

	if (!k)
		return NULL;
	i = k - 1;
	n = tl_size(&t, i);
	rest = n - units;
	if (!rest) {
		tl_remove(&t, a, i, n);
		pa_bit_clear(t.free, i);
		a->free_chunks--;
	} else if (tl_same(rest, n)) {
		tl_sizes(&t, i, rest);
		pa_bit_clear(t.edge, (size_t)i + n - 1);
		pa_bit_set(t.edge, (size_t)i + rest - 1);
	} else {
		tl_remove(&t, a, i, n);
		tl_insert(&t, a, i, rest);
	}
	if (rest)
		set_start(a, i, i + rest);
	a->free_units -= units;
	a->used_chunks++;
	return t.base + ((size_t)(i + rest) << t.shift);
}

/*
 * A tlsf arena's free of (i, n), a chunk no longer live and not listed:
 * merged with a listed neighbour on either side; when the merged chunk
 * stays on a neighbour's list, that neighbour's node moves (or stays)
 * instead of leaving one list for another.
 */
static void tl_free(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	struct tl t = tl_of(a, L);
	uint32_t next = i + n, nn = 0, pn = 0, p = i, m;

	a->free_units += n;
	if (next < t.units && pa_bit_test(t.edge, next))
		nn = tl_size(&t, next);
	if (i > 0 && pa_bit_test(t.edge, i - 1))
		pn = tl_size_back(&t, i - 1);
	m = pn + n + nn;
	p = i - pn;
	if (pn && tl_same(pn, m)) {		/* the one before grows */
		if (nn)
			tl_remove(&t, a, next, nn);
		tl_move(&t, p, pn, p, m);
	} else if (nn && tl_same(nn, m)) {	/* the one after grows back */
		if (pn)
			tl_remove(&t, a, p, pn);
		tl_move(&t, next, nn, p, m);
	} else {
		if (nn)
			tl_remove(&t, a, next, nn);
		if (pn)
			tl_remove(&t, a, p, pn);
		tl_insert(&t, a, p, m);
	}
	if (nn) {
		pa_bit_clear(t.free, next);
		clear_start(a, i, next);
		a->free_chunks--;
	}
	if (pn) {
		clear_start(a, p, i);
		a->free_chunks--;
	}
	pa_bit_set(t.free, p);
	a->free_chunks++;
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

	if (L->tlsf)
		return tl_alloc(a, L, units);
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
	if (L->tlsf) {
		if (!pa_bit_test(edge_bits(a, L), next))
			return;		/* cached */
		nn = listed_units(a, L, next);
	} else if (!merges(a, L, next, nn = chunk_units(a, L, next))) {
		return;
	}
	free_remove(a, L, next, nn);
	clear_start(a, i, next);
	*n += nn;
}

/*
 *   [ prev free ][ this ][ next free ]  =>  [ ------ merged free ------ ]
 */
static void free_units_at(struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	if (L->tlsf) {
		tl_free(a, L, i, n);
		return;
	}
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
		uint32_t n;
		if (L->tlsf && pa_bit_test(edge_bits(a, L), i))
			continue;	/* listed: its size may take a search */
		n = chunk_units(a, L, (uint32_t)i);
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
		if (next >= L->units || !pa_bit_test(pa_free_bits(a, L), next) ||
		    (L->tlsf && !pa_bit_test(edge_bits(a, L), next)))
			return -1;
		nn = free_units_of(a, L, next);
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

int pa_arena_top_class_tlsf(const struct pa_arena *a, const struct pa_layout *L)
{
	unsigned c = pa_log2(a->class_mask);

	/* first level 0 lists sizes 1..PA_TLSF_SL-1 one by one (bit n: n
	 * units); level c >= 1, the power of two 2^(c + PA_TLSF_SL_LOG2 - 1) */
	return c ? (int)(c + PA_TLSF_SL_LOG2 - 1) : (int)pa_log2(pa_log2(tl_of(a, L).sl[0]));
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
	if (L->tlsf) {		/* the largest chunk of the last list that has any */
		struct tl t = tl_of(a, L);
		uint32_t k = t.head[c * PA_TLSF_SL + pa_log2(t.sl[c])];
		for (; k; k = get32(&t, k - 1, NEXT)) {
			uint32_t n = tl_size(&t, k - 1);
			if (n > best)
				best = n;
		}
		return best;
	}
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

/* A tlsf arena's lists: each entry a listed chunk of the list's sizes, the
 * back links right, the masks true, and (by count and by a mixed sum of
 * their indexes) exactly the chunks the walk found listed.  A list is
 * followed no further than the free chunk count, and a link only once it
 * names a listed chunk. */
static int tl_check(const struct pa_arena *a, const struct pa_layout *L, uint64_t walked)
{
	struct tl t = tl_of(a, L);
	uint32_t seen = 0, fl, sl, k, prev, n;
	uint64_t sum = 0;
	unsigned f2, s2;

	for (fl = 0; fl < L->nfl; fl++) {
		for (sl = 0; sl < PA_TLSF_SL; sl++) {
			k = t.head[fl * PA_TLSF_SL + sl];
			if (!!k != !!(t.sl[fl] >> sl & 1))
				return -1;
			for (prev = 0; k; prev = k, k = get32(&t, k - 1, NEXT)) {
				if (k > L->units || seen++ == a->free_chunks ||
				    !pa_bit_test(pa_start_bits(a), k - 1) ||
				    !pa_bit_test(pa_free_bits(a, L), k - 1) ||
				    !pa_bit_test(edge_bits(a, L), k - 1) ||
				    get32(&t, k - 1, PREV) != prev)
					return -1;
				n = listed_units(a, L, k - 1);
				tl_map(n, &f2, &s2);
				if (f2 != fl || s2 != sl)
					return -1;
				sum += pa_index_mix(k - 1) * n;
			}
		}
		if (!!t.sl[fl] != !!(a->class_mask >> fl & 1))
			return -1;
	}
	return seen == a->free_chunks && sum == walked && !(a->class_mask >> L->nfl) ? 0 : -1;
}

/* A listed chunk (i, n) of a tlsf arena: its sizes and its two edge bits,
 * and no edge bit inside. */
static int tl_check_chunk(const struct pa_arena *a, const struct pa_layout *L, uint32_t i, uint32_t n)
{
	if (listed_units(a, L, i) != n || !pa_bit_test(edge_bits(a, L), (size_t)i + n - 1) ||
	    listed_units_back(a, L, i + n - 1) != n)
		return -1;
	return n > 2 && pa_bit_next(edge_bits(a, L), (size_t)i + n - 1, (size_t)i + 1) < (size_t)i + n - 1 ? -1 : 0;
}

int pa_arena_check(const struct pa_arena *a, const struct pa_layout *L, uint32_t cached[2])
{
	uint64_t walked = 0;
	uint32_t edges = 0;
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
		if (L->tlsf) {
			if (tl_check_chunk(a, L, i, n))
				return -1;
			walked += pa_index_mix(i) * n;
			edges += 1 + (n > 1);
		}
		counts[pa_log2(n)]++;
		free_units += n;
		free_chunks++;
		prev_free = 1;
	}
	if (free_units != a->free_units || free_chunks != a->free_chunks || used != a->used_chunks)
		return -1;	/* a lost marker shows in cached[] as a cached chunk too many */
	for (c = PA_MAX_CLASSES; c > 0 && !counts[c - 1]; c--)
		;
	if (pa_arena_top_class(a, L) != (int)c - 1)
		return -1;	/* the class of the largest free chunk, as policies see it */
	if (L->tlsf)		/* no edge bit but the listed chunks' */
		return popcount_words(edge_bits(a, L), L->unit_words) != edges || !tail_clear(edge_bits(a, L), L->units) ? -1 : tl_check(a, L, walked);
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
