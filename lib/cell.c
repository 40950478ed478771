/*
 * cell.c - the cell policy (seed 004 v3): fixed-size cells of cell_size
 * bytes carved from 64 KiB slabs mapped on demand.
 *
 * Alloc pops the head of the current slab's free list, else takes the next
 * never-used cell of that slab (so fresh cells go out in address order),
 * else moves to a slab with free cells, else maps a new slab.  Free pushes
 * the cell onto its own slab's list: lists are kept per slab, so they do not
 * scatter across the heap and consecutive allocations stay close together.
 * A free cell's first word links the list, as in the seed; everything else
 * is out of band: per slab a descriptor with one bit per cell ("live"),
 * which makes a double free or a pointer that is not a cell's start an
 * EINVAL in constant time, and an address map from system page to slab.
 */
#include <errno.h>
#include <string.h>

#include "addrmap.h"
#include "annotate.h"
#include "bitmap.h"
#include "internal.h"

#define SLAB_BYTES ((size_t)64 << 10)
#define DESCS_PER_BLOCK 32

struct slab {
	struct slab *all_next;		/* every slab, in mapping order */
	struct slab *partial_next;	/* slabs with free cells other than cur */
	unsigned char *base;
	void *free;			/* freed cells, linked through their first word */
	uint32_t nfree;			/* cells on that list */
	uint32_t fresh;			/* cells [fresh, ncells) were never handed out */
	uint32_t used;			/* live cells */
	uint32_t high;			/* cells [high, ncells) were never written (reset keeps it) */
	uint32_t on_partial;
	pa_word live[];			/* a bit per cell */
};

struct desc_block {
	struct desc_block *next;
	size_t bytes;
};

struct cell_state {
	struct slab *cur;		/* where alloc looks first */
	struct slab *partial;
	struct slab *all, *all_last;
	struct pa_addrmap pages;	/* system-page number -> slab */
	struct desc_block *blocks;	/* descriptor storage */
	unsigned char *desc_next;
	size_t desc_left, desc_bytes;
	size_t size;			/* cell_size */
	uint64_t magic;			/* ceil(2^32 / size): offset -> index without a divide */
	uint32_t ncells;		/* cells per slab */
};

static struct cell_state *state(const pagealloc *h)
{
	return pa_state(h);
}

static int cell_validate(const struct pagealloc_config *cfg)
{
	if (cfg->cell_size < 8 || cfg->cell_size % 8 || cfg->cell_size > pa_sys_page())
		return pa_einval();
	return 0;
}

static int cell_init(pagealloc *h)
{
	struct cell_state *st = state(h);

	st->size = h->cfg.cell_size;
	st->magic = (((uint64_t)1 << 32) + st->size - 1) / st->size;
	st->ncells = (uint32_t)(SLAB_BYTES / st->size);
	st->desc_bytes = pa_round_up(sizeof(struct slab) +
				     pa_bitmap_words(st->ncells) * sizeof(pa_word), 16);
	return 0;
}

static void cell_fini(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct desc_block *b, *next;
	struct slab *s;

	for (s = st->all; s; s = s->all_next)
		pa_os_unmap(&h->os, s->base, SLAB_BYTES);
	for (b = st->blocks; b; b = next) {
		next = b->next;
		pa_os_unmap_meta(&h->os, b, b->bytes);
	}
	pa_addrmap_fini(&st->pages, &h->os);
}

/* Descriptor storage is mapped DESCS_PER_BLOCK at a time and kept. */
static struct slab *new_desc(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct desc_block *b;
	struct slab *s;

	if (!st->desc_left) {
		size_t bytes = pa_round_up(sizeof(*b), 16) + DESCS_PER_BLOCK * st->desc_bytes;
		b = pa_os_map_meta(&h->os, bytes);
		if (!b)
			return NULL;
		b->bytes = bytes;
		b->next = st->blocks;
		st->blocks = b;
		st->desc_next = (unsigned char *)b + pa_round_up(sizeof(*b), 16);
		st->desc_left = DESCS_PER_BLOCK;
	}
	s = (struct slab *)st->desc_next;
	st->desc_next += st->desc_bytes;
	st->desc_left--;
	return s;
}

static struct slab *new_slab(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct slab *s;
	void *base;

	if (pa_addrmap_reserve(&st->pages, &h->os, SLAB_BYTES / pa_sys_page()) || !(s = new_desc(h)))
		return NULL;
	base = pa_os_map(&h->os, SLAB_BYTES);
	if (!base) {
		st->desc_next -= st->desc_bytes;	/* give the descriptor back */
		st->desc_left++;
		return NULL;
	}
	s->base = base;
	pa_addrmap_put_pages(&st->pages, &h->os, base, SLAB_BYTES, s);
	if (st->all_last)
		st->all_last->all_next = s;
	else
		st->all = s;
	st->all_last = s;
	return s;
}

static uint32_t index_of(const struct cell_state *st, const struct slab *s, const void *p)
{
	return (uint32_t)(((uint64_t)((const unsigned char *)p - s->base) * st->magic) >> 32);
}

/* A cell of s, or NULL if s has none free. */
static void *take(struct cell_state *st, struct slab *s)
{
	unsigned char *p = s->free;

	if (p) {
		s->free = *(void **)p;
		pa_annot_claim(p, st->size);	/* calloc clears it */
		s->nfree--;
		pa_bit_set(s->live, index_of(st, s, p));
	} else if (s->fresh < st->ncells) {
		p = s->base + (size_t)s->fresh * st->size;
		pa_bit_set(s->live, s->fresh++);
		if (s->fresh > s->high)
			s->high = s->fresh;
	} else {
		return NULL;
	}
	s->used++;
	return p;
}

/* Make a slab with a free cell current: the partial list first. */
static struct slab *refill(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct slab *s = st->partial;

	if (s) {
		st->partial = s->partial_next;
		s->on_partial = 0;
	} else if (!(s = new_slab(h))) {
		return NULL;
	}
	st->cur = s;
	return s;
}

/* Serve a cell; *fresh says it was never handed out (so it reads as zero). */
static void *cell_take(pagealloc *h, size_t size, int *fresh)
{
	struct cell_state *st = state(h);
	struct slab *s = st->cur;
	void *p;

	if (size > st->size) {
		errno = EINVAL;
		return NULL;
	}
	*fresh = 0;
	if (!s || !(s->free || s->fresh < st->ncells)) {
		if (!(s = refill(h)))
			return NULL;
	}
	*fresh = !s->free && s->fresh >= s->high;
	p = take(st, s);
	pa_account_alloc(h, st->size);
	return p;
}

static void *cell_alloc(pagealloc *h, size_t size)
{
	int fresh;

	return cell_take(h, size, &fresh);
}

static void *cell_calloc(pagealloc *h, size_t size)
{
	int fresh;
	void *p = cell_take(h, size, &fresh);

	if (p && !fresh)
		memset(p, 0, size);
	return p;
}

/* The slab of the live cell at p, its index in *i; NULL if p is none. */
static struct slab *live_slab(const pagealloc *h, const void *p, uint32_t *i)
{
	const struct cell_state *st = state(h);
	struct slab *s = pa_addrmap_find(&st->pages, pa_page_key(p));

	if (!s)
		return NULL;
	*i = index_of(st, s, p);
	if (*i >= s->fresh || s->base + (size_t)*i * st->size != p || !pa_bit_test(s->live, *i))
		return NULL;
	return s;
}

static int cell_free(pagealloc *h, void *p)
{
	struct cell_state *st = state(h);
	uint32_t i;
	struct slab *s = live_slab(h, p, &i);

	if (!s)
		return pa_einval();
	pa_bit_clear(s->live, i);
	pa_annot_claim(p, sizeof(void *));	/* the link stays addressable */
	*(void **)p = s->free;
	s->free = p;
	s->nfree++;
	s->used--;
	if (s != st->cur && !s->on_partial) {
		s->on_partial = 1;
		s->partial_next = st->partial;
		st->partial = s;
	}
	pa_account_free(h, st->size);
	return 0;
}

static size_t cell_usable_size(const pagealloc *h, const void *p)
{
	uint32_t i;

	return live_slab(h, p, &i) ? state(h)->size : 0;
}

static void *cell_realloc(pagealloc *h, void *p, size_t size)
{
	if (size > state(h)->size) {
		errno = EINVAL;
		return NULL;
	}
	return p;		/* every size that fits fits in place */
}

static int cell_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct cell_state *st = state(h);
	const struct slab *s;
	uint32_t i;
	int r;

	for (s = st->all; s; s = s->all_next) {
		for (i = 0; i < s->fresh; i++)
			if ((r = fn(s->base + (size_t)i * st->size, st->size, pa_bit_test(s->live, i), arg)))
				return r;
		if (s->fresh < st->ncells &&
		    (r = fn(s->base + (size_t)s->fresh * st->size,
			    (size_t)(st->ncells - s->fresh) * st->size, 0, arg)))
			return r;
	}
	return 0;
}

/* One slab's books: the free list, the bits and the counts agree. */
static int check_slab(const struct cell_state *st, const struct slab *s)
{
	const unsigned char *p;
	uint32_t n = 0, live = 0, i;

	if (s->fresh > st->ncells || s->fresh > s->high || pa_addrmap_find(&st->pages, pa_page_key(s->base)) != s)
		return -1;
	for (i = 0; i < st->ncells; i++) {
		if (!pa_bit_test(s->live, i))
			continue;
		if (i >= s->fresh)
			return -1;
		live++;
	}
	for (p = s->free; p; p = *(unsigned char *const *)p) {
		i = index_of(st, s, p);
		if (++n > s->nfree || p < s->base || i >= s->fresh ||
		    s->base + (size_t)i * st->size != p || pa_bit_test(s->live, i))
			return -1;
	}
	return n != s->nfree || live != s->used || s->used + s->nfree != s->fresh;
}

static int cell_check(const pagealloc *h)
{
	const struct cell_state *st = state(h);
	const struct slab *s;
	size_t used = 0, slabs = 0, partial = 0;

	for (s = st->all; s; s = s->all_next) {
		if (check_slab(st, s) || (s->on_partial && s == st->cur))
			return -1;
		used += s->used;
		slabs++;
		partial += s->on_partial;
	}
	for (s = st->partial; s; s = s->partial_next)
		if (!s->on_partial || !partial--)
			return -1;
	return partial || used != h->chunks_in_use || used * st->size != h->in_use_bytes ||
	       slabs * SLAB_BYTES != h->os.data_bytes;
}

static void cell_stats(const pagealloc *h, struct pagealloc_stats *st_out)
{
	const struct cell_state *st = state(h);
	const struct slab *s;

	for (s = st->all; s; s = s->all_next) {
		st_out->free_bytes += (size_t)(s->nfree + st->ncells - s->fresh) * st->size;
		st_out->free_chunks += s->nfree + (s->fresh < st->ncells);
	}
	st_out->largest_free_bytes = st_out->free_bytes ? st->size : 0;
}

static void cell_reset(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct slab *s;

	st->partial = NULL;
	for (s = st->all; s; s = s->all_next) {
		memset(s->live, 0, pa_bitmap_words(st->ncells) * sizeof(pa_word));
		s->free = NULL;
		s->nfree = s->fresh = s->used = 0;
		s->on_partial = s != st->all;
		if (s->on_partial) {
			s->partial_next = st->partial;
			st->partial = s;
		}
	}
	st->cur = st->all;
}

const struct pa_policy pa_policy_cell = {
	.name = "cell",
	.state_size = sizeof(struct cell_state),
	.validate = cell_validate,
	.init = cell_init,
	.fini = cell_fini,
	.alloc = cell_alloc,
	.free = cell_free,
	.realloc = cell_realloc,
	.calloc = cell_calloc,
	.usable_size = cell_usable_size,
	.check = cell_check,
	.walk = cell_walk,
	.stats = cell_stats,
	.reset = cell_reset,
};
