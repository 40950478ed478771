/*
 * page.c - the page policy: one region (page_size bytes, one mmap at
 * create) carved by one arena whose bookkeeping lives with the heap's own
 * metadata, never in the region (the quick lists' links apart, which only
 * cached chunks hold).  Every byte of the region is allocatable.
 *
 * Quick lists: a freed chunk of 1..qmax units is kept cached (arena.h) on a
 * list for its exact size, and the next request of that size pops it: a
 * pair of alloc and free then flips one bit of the free bitmap and moves
 * one link.  The lists have no depth limit; each cached chunk holds the
 * link to the next one (a unit index plus one, 4 bytes) in its own first
 * bytes, and only in free memory.  The list heads live in the policy's
 * state; no count is kept on the fast paths (stats and check count the
 * arena's cached chunks).  A request that nothing else can serve splits a
 * larger cached chunk, or releases every cached chunk first.
 *
 * The arena: a region of 1024 units or more is indexed by two-level lists
 * (arena.h: TLSF's good fit, bounded), whose links and sizes live in the
 * free chunks too; a smaller one (the labs' 4 KiB page) by size classes,
 * out of band, which serve in address order within a class.
 */
#include <errno.h>
#include <string.h>

#include "annotate.h"
#include "arena.h"
#include "internal.h"

struct page_state {
	struct pa_layout L;
	struct pa_arena *arena;		/* in the heap's metadata mapping */
	size_t qbytes;			/* quick lists: requests up to qmax units */
	uint32_t qmax;
	uint32_t qhead[PA_QUICK_MAX + 1];	/* qhead[n]: newest cached chunk of n units, index + 1 */
};

static struct page_state *state(const pagealloc *h)
{
	return pa_state(h);
}

/*
 * Quick lists or not: none for regions under 1024 units, so that a 4 KiB
 * page of 8-byte granules (the seed labs' page) keeps plain first fit,
 * where a freed hole serves the next request that fits in it.
 */
static uint32_t quick_max(const struct pa_layout *L)
{
	return L->units < 1024 ? 0 : pa_quick_max(L);
}

static size_t page_extra_size(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	return pa_layout_init_for(&L, cfg->page_size, cfg->granule) ? 0 : L.arena_bytes;
}

static int page_validate(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	return pa_layout_init_for(&L, cfg->page_size, cfg->granule);
}

static int page_init(pagealloc *h)
{
	struct page_state *st = state(h);
	void *region;

	pa_layout_init_for(&st->L, h->cfg.page_size, h->cfg.granule);
	region = pa_os_map(&h->os, st->L.bytes);
	if (!region)
		return -1;
	st->arena = pa_extra(h);
	pa_arena_init(st->arena, &st->L, region);
	st->qmax = quick_max(&st->L);
	st->qbytes = (size_t)st->qmax << st->L.shift;
	return 0;
}

static void page_fini(pagealloc *h)
{
	struct page_state *st = state(h);

	pa_os_unmap(&h->os, st->arena->base, st->L.bytes);
}

static unsigned char *unit_ptr(const struct page_state *st, uint32_t i)
{
	return st->arena->base + ((size_t)i << st->L.shift);
}

/* The link in cached chunk i, poisoned for ASan between touches (memcheck
 * reports nothing while the library runs and keeps it unaddressable). */
static inline uint32_t link_get(const struct page_state *st, uint32_t i)
{
	const unsigned char *p = unit_ptr(st, i);
	uint32_t v;

	pa_annot_open(p, sizeof(v));
	memcpy(&v, p, sizeof(v));
	pa_annot_poison(p, sizeof(v));
	return v;
}

static inline void link_set(void *p, uint32_t next)
{
	pa_annot_open(p, sizeof(next));
	memcpy(p, &next, sizeof(next));
	pa_annot_poison(p, sizeof(next));
}

/* Take the newest cached chunk of n units (list n is not empty) off its
 * list; its unit index. */
static inline uint32_t quick_pop(struct page_state *st, uint32_t n)
{
	uint32_t i = st->qhead[n] - 1;

	st->qhead[n] = link_get(st, i);
	return i;
}

static void count_cached(void *arg, uint32_t i, uint32_t n)
{
	uint32_t *cached = arg;

	(void)i;
	cached[0]++;
	cached[1] += n;
}

/* Chunks cached, and their units: the arena's cached chunks, found in its
 * bitmaps (no count is kept on the fast paths). */
static void quick_totals(const struct page_state *st, uint32_t cached[2])
{
	cached[0] = cached[1] = 0;
	if (st->qmax)
		pa_arena_each_cached(st->arena, &st->L, count_cached, cached);
}

/* Release every cached chunk: they merge into the free chunks.  Whether
 * there was any. */
static int quick_flush(struct page_state *st)
{
	uint32_t n;
	int any = 0;

	for (n = 1; n <= st->qmax; n++)
		for (; st->qhead[n]; any = 1)
			pa_arena_release(st->arena, &st->L, quick_pop(st, n), n);
	return any;
}

/* Serve units from the smallest larger cached chunk, whose tail goes back
 * to the arena (a shrink in place); NULL when none is cached. */
static void *quick_split(struct page_state *st, uint32_t units)
{
	uint32_t n = units + 1, i;

	while (n <= st->qmax && !st->qhead[n])
		n++;
	if (n > st->qmax)
		return NULL;
	i = quick_pop(st, n);
	pa_arena_uncache(st->arena, &st->L, i);
	pa_arena_resize(st->arena, &st->L, unit_ptr(st, i), units);	/* a shrink: never fails */
	return unit_ptr(st, i);
}

/* The common case: a quick-list hit pops a cached chunk and makes it live
 * again; anything else (size 0 too) is NULL. */
static inline __attribute__((always_inline)) void *quick_hit(pagealloc *h, size_t size)
{
	struct page_state *st = state(h);
	uint32_t units, i;

	if (size - 1 >= st->qbytes || !st->qhead[units = pa_units_of(&st->L, size)])
		return NULL;
	i = quick_pop(st, units);
	pa_arena_uncache(st->arena, &st->L, i);
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return unit_ptr(st, i);
}

/* A quick-list hit, else the arena, else a larger cached chunk split, else
 * the arena again once the lists are emptied. */
static void *page_alloc(pagealloc *h, size_t size)
{
	struct page_state *st = state(h);
	uint32_t units;
	void *p;

	if ((p = quick_hit(h, size)))
		return p;
	if (size > st->L.bytes) {
		errno = ENOMEM;
		return NULL;
	}
	units = pa_units_of(&st->L, size);
	p = pa_arena_alloc(st->arena, &st->L, units);
	if (!p)
		p = quick_split(st, units);
	if (!p && quick_flush(st))
		p = pa_arena_alloc(st->arena, &st->L, units);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return p;
}

PA_FAST_ALLOC(page_fast_alloc, quick_hit)


/* Cache the live chunk (i, n) at p on its quick list.  The figures are
 * read before the link is written: a store through p may alias them. */
static inline __attribute__((always_inline)) void quick_put(pagealloc *h, void *p, uint32_t i, uint32_t n)
{
	struct page_state *st = state(h);
	size_t bytes = (size_t)n << st->L.shift;
	uint32_t head = st->qhead[n];

	pa_arena_cache(st->arena, &st->L, i);
	st->qhead[n] = i + 1;
	pa_account_free(h, bytes);
	link_set(p, head);
}

/* Every free but the common one: a chunk whose size takes a search, one
 * the quick lists do not take, or no live chunk at all. */
static __attribute__((noinline)) int free_slow(pagealloc *h, void *p)
{
	struct page_state *st = state(h);
	uint32_t n = pa_arena_live_units(st->arena, &st->L, p);

	if (!n)
		return pa_einval();
	if (n <= st->qmax) {
		quick_put(h, p, (uint32_t)(((unsigned char *)p - st->arena->base) >> st->L.shift), n);
		return 0;
	}
	pa_arena_free(st->arena, &st->L, p);
	pa_account_free(h, (size_t)n << st->L.shift);
	return 0;
}

/* The common free: a live chunk of up to qmax units (so its end is in its
 * first bitmap word or the next) is cached; anything else, including every
 * pointer that is not a live chunk (NULL too), goes to free_slow. */
static int page_free(pagealloc *h, void *p)
{
	struct page_state *st = state(h);
	uint32_t i, n = pa_arena_live_quick(st->arena, &st->L, p, &i);

	if (!n || n > st->qmax)
		return free_slow(h, p);
	quick_put(h, p, i, n);
	return 0;
}

static size_t page_usable_size(const pagealloc *h, const void *p)
{
	const struct page_state *st = state(h);

	return (size_t)pa_arena_live_units(st->arena, &st->L, p) << st->L.shift;
}

static void *page_realloc(pagealloc *h, void *p, size_t size)
{
	struct page_state *st = state(h);
	size_t old = page_usable_size(h, p);

	if (size <= st->L.bytes && !pa_arena_resize(st->arena, &st->L, p, pa_units_of(&st->L, size))) {
		pa_account_resize(h, old, page_usable_size(h, p));
		return p;
	}
	if (size > st->L.bytes) {
		errno = ENOMEM;
		return NULL;
	}
	return pa_realloc_move(h, p, old, size);
}

static void sum_cached(void *arg, uint32_t i, uint32_t n)
{
	*(uint64_t *)arg += pa_index_mix(i) * n;
}

/* The quick lists hold exactly the cached chunks: each entry one of the
 * right size, as many entries and units as the arena counts, the same
 * chunks.  The lists together are walked no further than the arena's count
 * of cached chunks, and a link is followed only once it names a cached
 * chunk. */
static int quick_check(const struct page_state *st, const uint32_t cached[2])
{
	uint32_t n, i, totals[2] = { 0, 0 };
	uint64_t lists = 0, arena = 0;

	if (!st->qmax)		/* no lists: nothing may be cached */
		return cached[0] ? -1 : 0;
	for (n = 0; n <= PA_QUICK_MAX; n++) {
		if (n > st->qmax || n == 0) {
			if (st->qhead[n])
				return -1;
			continue;
		}
		for (i = st->qhead[n]; i; i = link_get(st, i - 1)) {
			if (totals[0]++ == cached[0] || i > st->L.units ||
			    pa_arena_cached_units(st->arena, &st->L, unit_ptr(st, i - 1)) != n)
				return -1;
			totals[1] += n;
			lists += pa_index_mix(i - 1) * n;
		}
	}
	if (totals[0] != cached[0] || totals[1] != cached[1])
		return -1;
	if (cached[0])
		pa_arena_each_cached(st->arena, &st->L, sum_cached, &arena);
	return lists == arena ? 0 : -1;
}

static int page_check(const pagealloc *h)
{
	const struct page_state *st = state(h);
	const struct pa_arena *a = st->arena;
	uint32_t cached[2] = { 0, 0 };

	if (pa_arena_check(a, &st->L, cached) || quick_check(st, cached) ||
	    a->used_chunks != h->chunks_in_use ||
	    ((size_t)(st->L.units - a->free_units - cached[1]) << st->L.shift) != h->in_use_bytes)
		return -1;
	return 0;
}

static int page_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct page_state *st = state(h);

	return pa_arena_walk(st->arena, &st->L, fn, arg);
}

static void page_stats(const pagealloc *h, struct pagealloc_stats *s)
{
	const struct page_state *st = state(h);
	const struct pa_arena *a = st->arena;
	uint32_t cached[2];

	quick_totals(st, cached);
	s->free_bytes = (size_t)(a->free_units + cached[1]) << st->L.shift;
	s->largest_free_bytes = (size_t)pa_arena_largest_free(a, &st->L, cached[0] > 0) << st->L.shift;
	s->free_chunks = a->free_chunks + cached[0];
}

static void page_reset(pagealloc *h)
{
	struct page_state *st = state(h);

	pa_arena_init(st->arena, &st->L, st->arena->base);
	memset(st->qhead, 0, sizeof(st->qhead));
}

const struct pa_policy pa_policy_page = {
	.name = "page",
	.state_size = sizeof(struct page_state),
	.extra_size = page_extra_size,
	.validate = page_validate,
	.init = page_init,
	.fini = page_fini,
	.alloc = page_alloc,
	.fast_alloc = page_fast_alloc,
	.free = page_free,
	.realloc = page_realloc,
	.usable_size = page_usable_size,
	.check = page_check,
	.walk = page_walk,
	.stats = page_stats,
	.reset = page_reset,
};
