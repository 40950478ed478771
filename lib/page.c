/*
 * page.c - the page policy: one region (page_size bytes, one mmap at
 * create) carved by one arena whose bookkeeping lives with the heap's own
 * metadata, never in the region.  Every byte of the region is allocatable.
 *
 * Quick lists: a freed chunk of 1..qmax units is kept cached (arena.h) on a
 * stack for its exact size, up to qdepth chunks deep, and the next request
 * of that size pops it: a pair of alloc and free then flips one bit of the
 * free bitmap and moves one index.  The stacks hold unit indexes and live
 * after the arena, in the metadata.  A full stack lets the free go through; a request that
 * nothing else can serve releases every cached chunk first.
 */
#include <errno.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

#define QSTRIDE 8			/* slots per quick list: the deepest */

struct page_state {
	struct pa_layout L;
	struct pa_arena *arena;		/* in the heap's metadata mapping */
	size_t qbytes;			/* quick lists: requests up to qmax units, */
	uint32_t qmax, qdepth;		/* up to qdepth (a power of two) each */
	uint8_t *qtop;			/* qtop[n]: chunks of n units cached */
	uint32_t *qslot;		/* their unit indexes: slots(st, n)[k] */
};

static struct page_state *state(const pagealloc *h)
{
	return pa_state(h);
}

/*
 * Depth of the quick lists, a power of two.  None for regions under 1024
 * units: a 4 KiB page of 8-byte granules (the seed labs' page) keeps plain
 * first fit, where a freed hole serves the next request that fits in it,
 * and its metadata under 1 KiB.
 */
static uint32_t quick_depth(const struct pa_layout *L)
{
	return L->units < 1024 ? 0 : L->units >= 8 * 1024 ? 8 : (uint32_t)1 << pa_log2(L->units / 1024);
}

static size_t quick_top_bytes(void)
{
	return pa_round_up(PA_QUICK_MAX + 1, 8);
}

static size_t quick_bytes(const struct pa_layout *L)
{
	return quick_top_bytes() + (quick_depth(L) ? (size_t)pa_quick_max(L) * QSTRIDE * sizeof(uint32_t) : 0);
}

static size_t page_extra_size(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	return pa_layout_init(&L, cfg->page_size, cfg->granule) ? 0 : L.arena_bytes + quick_bytes(&L);
}

static int page_validate(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	return pa_layout_init(&L, cfg->page_size, cfg->granule);
}

static int page_init(pagealloc *h)
{
	struct page_state *st = state(h);
	void *region;

	pa_layout_init(&st->L, h->cfg.page_size, h->cfg.granule);
	region = pa_os_map(&h->os, st->L.bytes);
	if (!region)
		return -1;
	st->arena = pa_extra(h);
	pa_arena_init(st->arena, &st->L, region);
	st->qdepth = quick_depth(&st->L);
	st->qmax = st->qdepth ? pa_quick_max(&st->L) : 0;
	st->qbytes = (size_t)st->qmax << st->L.shift;
	st->qtop = (uint8_t *)((unsigned char *)st->arena + st->L.arena_bytes);
	st->qslot = (uint32_t *)((unsigned char *)st->qtop + quick_top_bytes());
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

/* The quick list of chunks of n units. */
static uint32_t *slots(const struct page_state *st, uint32_t n)
{
	return st->qslot + (size_t)(n - 1) * QSTRIDE;
}

/* Chunks cached, and their units. */
static void quick_totals(const struct page_state *st, uint32_t cached[2])
{
	uint32_t n;

	cached[0] = cached[1] = 0;
	for (n = 1; n <= st->qmax; n++) {
		cached[0] += st->qtop[n];
		cached[1] += st->qtop[n] * n;
	}
}

/* Release every cached chunk: they merge into the free chunks.  Whether
 * there was any. */
static int quick_flush(struct page_state *st)
{
	uint32_t n;
	int any = 0;

	for (n = 1; n <= st->qmax; n++)
		for (; st->qtop[n]; any = 1)
			pa_arena_release(st->arena, &st->L, slots(st, n)[--st->qtop[n]], n);
	return any;
}

/* Everything but a quick-list hit. */
static __attribute__((noinline)) void *alloc_slow(pagealloc *h, size_t size)
{
	struct page_state *st = state(h);
	uint32_t units;
	void *p;

	if (size > st->L.bytes) {
		errno = ENOMEM;
		return NULL;
	}
	units = pa_units_of(&st->L, size);
	p = pa_arena_alloc(st->arena, &st->L, units);
	if (!p && quick_flush(st))
		p = pa_arena_alloc(st->arena, &st->L, units);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return p;
}

/* A quick-list hit pops a cached chunk and makes it live again; anything
 * else (size 0 too) goes to alloc_slow, through pa_alloc_miss for the fast
 * path. */
static inline __attribute__((always_inline)) void *
alloc_quick(pagealloc *h, size_t size, int fast)
{
	struct page_state *st = state(h);
	uint32_t units, i;

	if (size - 1 >= st->qbytes || !st->qtop[units = pa_units_of(&st->L, size)])
		return fast ? pa_alloc_miss(h, size, alloc_slow) : alloc_slow(h, size);
	i = slots(st, units)[--st->qtop[units]];
	pa_arena_uncache(st->arena, &st->L, i);
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return unit_ptr(st, i);
}

static void *page_alloc(pagealloc *h, size_t size)
{
	return alloc_quick(h, size, 0);
}

static void *page_fast_alloc(pagealloc *h, size_t size)
{
	return alloc_quick(h, size, 1);
}

/* Cache the live chunk (i, n) on its quick list, which has room. */
static inline __attribute__((always_inline)) void
quick_put(pagealloc *h, uint32_t i, uint32_t n, uint32_t top)
{
	struct page_state *st = state(h);

	pa_arena_cache(st->arena, &st->L, i);
	slots(st, n)[top] = i;
	st->qtop[n] = (uint8_t)(top + 1);
	pa_account_free(h, (size_t)n << st->L.shift);
}

/* Every free but the common one: a chunk whose size takes a search, one
 * the quick lists do not take, or no live chunk at all. */
static __attribute__((noinline)) int free_slow(pagealloc *h, void *p)
{
	struct page_state *st = state(h);
	uint32_t n = pa_arena_live_units(st->arena, &st->L, p);

	if (!n)
		return pa_einval();
	if (n <= st->qmax && st->qtop[n] < st->qdepth) {
		quick_put(h, (uint32_t)(((unsigned char *)p - st->arena->base) >> st->L.shift), n, st->qtop[n]);
		return 0;
	}
	pa_arena_free(st->arena, &st->L, p);
	pa_account_free(h, (size_t)n << st->L.shift);
	return 0;
}

/* The common free: a live chunk of up to qmax units (so its end is in its
 * first bitmap word or the next) whose quick list has room is cached;
 * anything else, including every pointer that is not a live chunk (NULL
 * too), goes to free_slow. */
static int page_free(pagealloc *h, void *p)
{
	struct page_state *st = state(h);
	uint32_t i, top, n = pa_arena_live_quick(st->arena, &st->L, p, &i);

	if (!n || n > st->qmax || (top = st->qtop[n]) == st->qdepth)
		return free_slow(h, p);
	quick_put(h, i, n, top);
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

/* The quick lists hold exactly the cached chunks: each entry one of the
 * right size, no entry twice, as many entries as the arena counts. */
static int quick_check(const struct page_state *st, const uint32_t cached[2])
{
	uint32_t n, k, m, l, totals[2];

	for (n = 1; n <= st->qmax; n++) {
		if (st->qtop[n] > st->qdepth)
			return -1;
		for (k = 0; k < st->qtop[n]; k++) {
			uint32_t i = slots(st, n)[k];
			if (i >= st->L.units || pa_arena_cached_units(st->arena, &st->L, unit_ptr(st, i)) != n)
				return -1;
			for (m = n; m <= st->qmax; m++)
				for (l = m == n ? k + 1 : 0; l < st->qtop[m]; l++)
					if (slots(st, m)[l] == i)
						return -1;
		}
	}
	quick_totals(st, totals);
	return totals[0] == cached[0] && totals[1] == cached[1] ? 0 : -1;
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
	memset(st->qtop, 0, quick_top_bytes());
}

const struct pa_policy pa_policy_page = {
	.name = "page",
	.state_size = sizeof(struct page_state),
	.extra_size = page_extra_size,
	.validate = page_validate,
	.init = page_init,
	.fini = page_fini,
	.alloc = page_alloc,
	.free = page_free,
	.fast_alloc = page_fast_alloc,
	.realloc = page_realloc,
	.usable_size = page_usable_size,
	.check = page_check,
	.walk = page_walk,
	.stats = page_stats,
	.reset = page_reset,
};
