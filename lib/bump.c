/*
 * bump.c - the bump policy (seed 004 v2): a pointer bumps through chunks of
 * pool_chunk bytes mapped on demand; alloc is a bounds check and an add.
 * Free reclaims nothing (pagealloc_reset releases everything at once) but
 * still validates: each chunk keeps, out of band, a bit per granule where
 * an allocation starts and a bit per granule for "still live", so a foreign
 * or interior pointer and a double free get EINVAL, and usable_size, walk
 * and check are exact.  The allocation at the top of a chunk grows and
 * shrinks in place; any other shrinks in place, leaving a dead tail.
 */
#include <errno.h>
#include <string.h>

#include "addrmap.h"
#include "bitmap.h"
#include "internal.h"

#define MAX_POOL_CHUNK ((size_t)1 << 30)

struct chunk {				/* in a metadata mapping of its own */
	struct chunk *next;
	unsigned char *base;
	size_t bytes;			/* mapped */
	size_t top;			/* handed out: [0, top) */
	size_t high;			/* with top, the high-water mark (see high_water) */
	size_t units;			/* bytes in granules */
	size_t meta_bytes;
	pa_word *live;			/* after start[] */
	pa_word start[];
};

struct bump_state {
	struct chunk *first, *last, *cur;
	struct pa_addrmap pages;	/* system-page number -> chunk */
	unsigned shift;			/* log2(granule) */
};

static struct bump_state *state(const pagealloc *h)
{
	return pa_state(h);
}

static int bump_validate(const struct pagealloc_config *cfg)
{
	if (!cfg->pool_chunk || cfg->pool_chunk % pa_sys_page() || cfg->pool_chunk > MAX_POOL_CHUNK ||
	    cfg->granule > cfg->pool_chunk)
		return pa_einval();
	return 0;
}

static int bump_init(pagealloc *h)
{
	state(h)->shift = pa_log2(h->cfg.granule);
	return 0;
}

static void unmap_chunk(pagealloc *h, struct chunk *c)
{
	pa_os_unmap(&h->os, c->base, c->bytes);
	pa_os_unmap_meta(&h->os, c, c->meta_bytes);
}

static void bump_fini(pagealloc *h)
{
	struct bump_state *st = state(h);
	struct chunk *c, *next;

	for (c = st->first; c; c = next) {
		next = c->next;
		unmap_chunk(h, c);
	}
	pa_addrmap_fini(&st->pages, &h->os);
}

/* Map a chunk of at least bytes (pool_chunk unless bytes is larger). */
static struct chunk *new_chunk(pagealloc *h, size_t bytes)
{
	struct bump_state *st = state(h);
	size_t units, words, meta;
	struct chunk *c;
	void *base;

	bytes = bytes > h->cfg.pool_chunk ? pa_round_up(bytes, pa_sys_page()) : h->cfg.pool_chunk;
	units = bytes >> st->shift;
	words = pa_bitmap_words(units);
	meta = sizeof(*c) + 2 * words * sizeof(pa_word);
	c = pa_os_map_meta(&h->os, meta);
	if (!c)
		return NULL;
	base = pa_os_map(&h->os, bytes);
	if (!base || pa_addrmap_put_pages(&st->pages, &h->os, base, bytes, c)) {
		if (base)
			pa_os_unmap(&h->os, base, bytes);
		pa_os_unmap_meta(&h->os, c, meta);
		errno = ENOMEM;
		return NULL;
	}
	c->base = base;
	c->bytes = bytes;
	c->units = units;
	c->meta_bytes = meta;
	c->live = c->start + words;
	if (st->last)
		st->last->next = c;
	else
		st->first = c;
	st->last = c;
	return c;
}

/* A chunk with room for bytes: the current one, any other, or a new one. */
static struct chunk *chunk_for(pagealloc *h, size_t bytes)
{
	struct bump_state *st = state(h);
	struct chunk *c;

	if (st->cur && st->cur->bytes - st->cur->top >= bytes)
		return st->cur;
	for (c = st->first; c; c = c->next)
		if (c->bytes - c->top >= bytes)
			break;
	if (!c && !(c = new_chunk(h, bytes)))
		return NULL;
	if (!st->cur || c->bytes - c->top - bytes > st->cur->bytes - st->cur->top)
		st->cur = c;
	return c;
}

/* Above the highest top ever, memory is still zero.  Only a move down of
 * the top (reset, a shrink of the top allocation) records it in high, so
 * that alloc need not. */
static size_t high_water(const struct chunk *c)
{
	return c->high > c->top ? c->high : c->top;
}

static void top_to(struct chunk *c, size_t top)
{
	c->high = high_water(c);
	c->top = top;
}

/* Mark the allocation of bytes at the top of c and move the top. */
static inline __attribute__((always_inline)) unsigned char *
carve_at(pagealloc *h, struct chunk *c, size_t bytes)
{
	struct bump_state *st = state(h);
	size_t u = c->top >> st->shift;

	pa_bit_set(c->start, u);
	pa_bit_set(c->live, u);
	c->top += bytes;
	pa_account_alloc(h, bytes);
	return c->base + (u << st->shift);
}

/* Carve size bytes; *fresh is where never-used memory begins in the chunk. */
static unsigned char *carve(pagealloc *h, size_t size, unsigned char **fresh)
{
	struct chunk *c;
	size_t bytes;

	if (size > MAX_POOL_CHUNK * 64) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = pa_round_up(size, h->cfg.granule);
	c = chunk_for(h, bytes);
	if (!c)
		return NULL;
	*fresh = c->base + high_water(c);
	return carve_at(h, c, bytes);
}

static void *bump_alloc(pagealloc *h, size_t size)
{
	unsigned char *fresh;

	return carve(h, size, &fresh);
}

/* The common case: the current chunk has room (its room is a multiple of
 * the granule, so size rounded up fits too); anything else, size 0 too, is
 * NULL. */
static inline __attribute__((always_inline)) void *room_hit(pagealloc *h, size_t size)
{
	struct chunk *c = state(h)->cur;

	if (__builtin_expect(!c || size - 1 >= c->bytes - c->top, 0))
		return NULL;
	return carve_at(h, c, pa_round_up(size, h->cfg.granule));
}

PA_FAST_ALLOC(bump_fast_alloc, room_hit)

/* Only what lies below the chunk's high-water mark was ever written. */
static void *bump_calloc(pagealloc *h, size_t size)
{
	unsigned char *fresh, *p = carve(h, size, &fresh);

	if (p && p < fresh)
		memset(p, 0, (size_t)(fresh - p) < size ? (size_t)(fresh - p) : size);
	return p;
}

/* The chunk holding the live allocation at p, its first granule in *u. */
static struct chunk *live_chunk(const pagealloc *h, const void *p, size_t *u)
{
	const struct bump_state *st = state(h);
	struct chunk *c = pa_addrmap_find(&st->pages, pa_page_key(p));
	size_t off;

	if (!c)
		return NULL;
	off = (size_t)((const unsigned char *)p - c->base);
	*u = off >> st->shift;
	if (off >= c->top || off & (h->cfg.granule - 1) || !pa_bit_test(c->live, *u))
		return NULL;
	return c;
}

/* Bytes from granule u to the next start (or the top). */
static size_t span(const struct bump_state *st, const struct chunk *c, size_t u)
{
	size_t top = c->top >> st->shift;

	return (pa_bit_next(c->start, top, u + 1) - u) << st->shift;
}

static size_t bump_usable_size(const pagealloc *h, const void *p)
{
	size_t u;
	const struct chunk *c = live_chunk(h, p, &u);

	return c ? span(state(h), c, u) : 0;
}

static int bump_free(pagealloc *h, void *p)
{
	size_t u;
	struct chunk *c = live_chunk(h, p, &u);

	if (!c)
		return pa_einval();
	pa_bit_clear(c->live, u);
	pa_account_free(h, span(state(h), c, u));
	return 0;
}

static void *bump_realloc(pagealloc *h, void *p, size_t size)
{
	struct bump_state *st = state(h);
	size_t u, old, bytes, end;
	struct chunk *c = live_chunk(h, p, &u);

	old = span(st, c, u);
	if (size > MAX_POOL_CHUNK * 64) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = pa_round_up(size, h->cfg.granule);
	end = (u << st->shift) + old;
	if (end == c->top && c->bytes - (u << st->shift) >= bytes) {
		top_to(c, (u << st->shift) + bytes);	/* the top allocation: move the top */
	} else if (bytes < old) {
		pa_bit_set(c->start, u + (bytes >> st->shift));	/* a dead tail */
	} else if (bytes > old) {
		return pa_realloc_move(h, p, old, size);
	}
	pa_account_resize(h, old, bytes);
	return p;
}

static int bump_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct bump_state *st = state(h);
	const struct chunk *c;
	size_t u, top;
	int r;

	for (c = st->first; c; c = c->next) {
		top = c->top >> st->shift;
		for (u = pa_bit_next(c->start, top, 0); u < top; u = pa_bit_next(c->start, top, u + 1))
			if ((r = fn(c->base + (u << st->shift), span(st, c, u), pa_bit_test(c->live, u), arg)))
				return r;
		if (c->top < c->bytes && (r = fn(c->base + c->top, c->bytes - c->top, 0, arg)))
			return r;
	}
	return 0;
}

static int check_chunk(const pagealloc *h, const struct chunk *c, size_t *bytes, size_t *chunks)
{
	const struct bump_state *st = state(h);
	size_t w, words = pa_bitmap_words(c->units), top = c->top >> st->shift, u;

	if (c->top > c->bytes || c->high > c->bytes || c->top & (h->cfg.granule - 1) ||
	    (c->top && !pa_bit_test(c->start, 0)) ||
	    pa_addrmap_find(&st->pages, pa_page_key(c->base)) != c ||
	    pa_addrmap_find(&st->pages, pa_page_key(c->base + c->bytes - 1)) != c)
		return -1;
	for (w = 0; w < words; w++)
		if (c->live[w] & ~c->start[w])
			return -1;
	if (pa_bit_next(c->start, c->units, top) != c->units)
		return -1;
	for (u = pa_bit_next(c->live, top, 0); u < top; u = pa_bit_next(c->live, top, u + 1)) {
		*bytes += span(st, c, u);
		++*chunks;
	}
	return 0;
}

static int bump_check(const pagealloc *h)
{
	const struct bump_state *st = state(h);
	const struct chunk *c;
	size_t bytes = 0, chunks = 0, mapped = 0, found_cur = !st->cur;

	for (c = st->first; c; c = c->next) {
		if (check_chunk(h, c, &bytes, &chunks))
			return -1;
		mapped += c->bytes;
		found_cur |= c == st->cur;
		if (!c->next && c != st->last)
			return -1;
	}
	return !found_cur || bytes != h->in_use_bytes || chunks != h->chunks_in_use ||
	       mapped != h->os.data_bytes;
}

static void bump_stats(const pagealloc *h, struct pagealloc_stats *s)
{
	const struct chunk *c;

	for (c = state(h)->first; c; c = c->next) {
		size_t tail = c->bytes - c->top;
		s->free_bytes += tail;
		s->free_chunks += tail != 0;
		if (tail > s->largest_free_bytes)
			s->largest_free_bytes = tail;
	}
}

static void bump_reset(pagealloc *h)
{
	struct bump_state *st = state(h);
	struct chunk *c;

	for (c = st->first; c; c = c->next) {
		size_t used = pa_bitmap_words(pa_round_up(high_water(c), h->cfg.granule) >> st->shift);
		memset(c->start, 0, used * sizeof(pa_word));
		memset(c->live, 0, used * sizeof(pa_word));
		top_to(c, 0);
	}
	st->cur = st->first;
}

const struct pa_policy pa_policy_bump = {
	.name = "bump",
	.state_size = sizeof(struct bump_state),
	.validate = bump_validate,
	.init = bump_init,
	.fini = bump_fini,
	.alloc = bump_alloc,
	.fast_alloc = bump_fast_alloc,
	.free = bump_free,
	.realloc = bump_realloc,
	.calloc = bump_calloc,
	.usable_size = bump_usable_size,
	.check = bump_check,
	.walk = bump_walk,
	.stats = bump_stats,
	.reset = bump_reset,
};
