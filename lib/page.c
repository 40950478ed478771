/*
 * page.c - the page policy: one region (page_size bytes, one mmap at
 * create) carved by one arena whose bookkeeping lives with the heap's own
 * metadata, never in the region.  Every byte of the region is allocatable.
 */
#include <errno.h>

#include "arena.h"
#include "internal.h"

struct page_state {
	struct pa_layout L;
	struct pa_arena *arena;		/* in the heap's metadata mapping */
};

static struct page_state *state(const pagealloc *h)
{
	return pa_state(h);
}

static size_t page_extra_size(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	return pa_layout_init(&L, cfg->page_size, cfg->granule) ? 0 : L.arena_bytes;
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
	return 0;
}

static void page_fini(pagealloc *h)
{
	struct page_state *st = state(h);

	pa_os_unmap(&h->os, st->arena->base, st->L.bytes);
}

static void *page_alloc(pagealloc *h, size_t size)
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
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return p;
}

static int page_free(pagealloc *h, void *p)
{
	struct page_state *st = state(h);
	uint32_t n = pa_arena_live_units(st->arena, &st->L, p);

	if (!n)
		return pa_einval();
	pa_arena_free(st->arena, &st->L, p);
	pa_account_free(h, (size_t)n << st->L.shift);
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

static int page_check(const pagealloc *h)
{
	const struct page_state *st = state(h);
	const struct pa_arena *a = st->arena;

	if (pa_arena_check(a, &st->L) || a->used_chunks != h->chunks_in_use ||
	    ((size_t)(st->L.units - a->free_units) << st->L.shift) != h->in_use_bytes)
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

	s->free_bytes = (size_t)st->arena->free_units << st->L.shift;
	s->largest_free_bytes = (size_t)pa_arena_largest_free(st->arena, &st->L) << st->L.shift;
	s->free_chunks = st->arena->free_chunks;
}

static void page_reset(pagealloc *h)
{
	struct page_state *st = state(h);

	pa_arena_init(st->arena, &st->L, st->arena->base);
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
	.realloc = page_realloc,
	.usable_size = page_usable_size,
	.check = page_check,
	.walk = page_walk,
	.stats = page_stats,
	.reset = page_reset,
};
