/*
 * cell.c - the cell policy (seed 004 v3): fixed-size cells of cell_size
 * bytes carved from 64 KiB slabs mapped on demand.
 *
 * Alloc pops the head of the current slab's free list, else takes the next
 * never-used cell of that slab (so fresh cells go out in address order),
 * else makes current the slab that most recently got a free cell back,
 * else maps a new slab.  Free pushes the cell onto its own slab's list:
 * lists are kept per slab, so they do not scatter across the heap and
 * consecutive allocations stay close together.
 * A free cell's first word links the list, as in the seed; everything else
 * is out of band: per slab a descriptor with one bit per cell ("live"),
 * which makes a double free or a pointer that is not a cell's start an
 * EINVAL in constant time, and an address map from system page to slab.
 *
 * The common calls are short: alloc is a pop (or a bump) and a bit set,
 * free a range check against the slab of the previous free (a lookup in
 * the address map only when the pointer is elsewhere), a bit test and
 * clear, and a push.  Counts that only the stats and the check need (free
 * cells per slab, live cells per slab) are recomputed from the bits there.
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
	void *free;			/* freed cells, linked through their first word */
	unsigned char *base;
	uint32_t fresh;			/* cells [fresh, ncells) were never handed out */
	uint32_t listed;		/* cur, or on the partial list */
	uint32_t high;			/* cells [high, ncells) were never written (set by reset) */
	struct slab *partial_next;	/* slabs with free cells other than cur */
	struct slab *all_next;		/* every slab, in mapping order */
	/* a bit per cell, and one more: an offset in the slab's tail past the
	 * last cell (when cell_size does not divide the slab) finds it clear */
	pa_word live[];
};

struct desc_block {
	struct desc_block *next;
	size_t bytes;
};

/*
 * The fast paths (cell_alloc, cell_free) read hot and hint only: each is
 * NULL while a tool is told about the chunks (annotate.h), which the slow
 * paths do; hint is also NULL or a listed slab, so a free there pushes onto
 * a list already.
 */
struct cell_state {
	struct slab *hot;		/* cur, or NULL: alloc's fast path */
	struct slab *hint;		/* the previous free's slab, or NULL: free's fast path */
	struct slab *cur;		/* where alloc looks first */
	size_t size;			/* cell_size */
	uint64_t magic;			/* ceil(2^32 / size): offset -> index without a divide */
	uint32_t ncells;		/* cells per slab */
	struct slab *partial;		/* LIFO: the most recently touched first */
	struct slab *all, *all_last;
	struct pa_addrmap pages;	/* system-page number -> slab */
	struct desc_block *blocks;	/* descriptor storage */
	unsigned char *desc_next;
	size_t desc_left, desc_bytes;
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
				     pa_bitmap_words(st->ncells + 1) * sizeof(pa_word), 16);
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

/* Make a slab with a free cell current: the partial list first (the slab
 * that most recently got a cell back), else a new one.  The old current
 * slab, full, leaves the lists until a free brings it back. */
static struct slab *refill(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct slab *s = st->partial;

	if (s) {
		st->partial = s->partial_next;
	} else if (!(s = new_slab(h))) {
		return NULL;
	}
	if (st->cur) {
		st->cur->listed = 0;
		if (st->hint == st->cur)
			st->hint = NULL;
	}
	s->listed = 1;
	st->cur = s;
	st->hot = pa_annot_active() ? NULL : s;
	return s;
}

/* Serve a cell from the current slab, which must have one; watched: a
 * tool may be told about chunks (not on the fast path, see hot). */
static inline __attribute__((always_inline)) void *
take(pagealloc *h, struct cell_state *st, struct slab *s, int watched)
{
	unsigned char *p = s->free;
	uint32_t i;

	if (p) {
		s->free = *(void **)p;
		if (watched)
			pa_annot_claim(p, st->size);	/* calloc clears it */
		i = index_of(st, s, p);
	} else {
		i = s->fresh++;
		p = s->base + (size_t)i * st->size;
	}
	pa_bit_set(s->live, i);
	pa_account_alloc(h, st->size);
	return p;
}

static inline int has_cell(const struct cell_state *st, const struct slab *s)
{
	return s->free || s->fresh < st->ncells;
}

/* The current slab, with a free cell: refill()s when it has none; NULL
 * (errno set) when size is too large or no slab can be had. */
static struct slab *slab_with_cell(pagealloc *h, size_t size)
{
	struct cell_state *st = state(h);
	struct slab *s = st->cur;

	if (size > st->size)
		return pa_einval_ptr();
	return s && has_cell(st, s) ? s : refill(h);
}

/* Everything alloc may have to do: refuse, move to another slab, tell a
 * tool (annotate.h). */
static void *cell_alloc(pagealloc *h, size_t size)
{
	struct slab *s = slab_with_cell(h, size);

	return s ? take(h, state(h), s, 1) : NULL;
}

/* The common case: the current slab has a cell and no tool is told (hot);
 * anything else (size 0 too) is NULL. */
static inline __attribute__((always_inline)) void *hot_hit(pagealloc *h, size_t size)
{
	struct cell_state *st = state(h);
	struct slab *s = st->hot;

	if (__builtin_expect(!s || size - 1 >= st->size || !has_cell(st, s), 0))
		return NULL;
	return take(h, st, s, 0);
}

PA_FAST_ALLOC(cell_fast_alloc, hot_hit)

/* A cell never handed out since it was mapped reads as zero. */
static void *cell_calloc(pagealloc *h, size_t size)
{
	struct cell_state *st = state(h);
	struct slab *s = slab_with_cell(h, size);
	void *p;
	int fresh;

	if (!s)
		return NULL;
	fresh = !s->free && s->fresh >= s->high;
	p = take(h, st, s, 1);
	if (!fresh)
		memset(p, 0, size);
	return p;
}

/* The slab whose range holds p (the previous free's, else the address
 * map's), or NULL; *off is p's offset in it. */
static inline struct slab *slab_of(const struct cell_state *st, const void *p, uintptr_t *off)
{
	struct slab *s = st->hint;

	if (__builtin_expect(s && (*off = (uintptr_t)p - (uintptr_t)s->base) < SLAB_BYTES, 1))
		return s;
	s = pa_addrmap_find(&st->pages, pa_page_key(p));
	if (s)
		*off = (uintptr_t)p - (uintptr_t)s->base;
	return s;
}

/* Is the cell at offset off of s live, *i its index?  Out of band only:
 * a pointer that is not a cell's start or a free cell is refused. */
static inline int live_at(const struct cell_state *st, const struct slab *s, uintptr_t off, uint32_t *i)
{
	*i = (uint32_t)((off * st->magic) >> 32);
	return (size_t)*i * st->size == off && pa_bit_test(s->live, *i);
}

static __attribute__((noinline)) int free_slow(pagealloc *h, void *p)
{
	struct cell_state *st = state(h);
	uintptr_t off;
	uint32_t i;
	struct slab *s = slab_of(st, p, &off);

	if (!s || !live_at(st, s, off, &i))
		return pa_einval();
	pa_bit_clear(s->live, i);
	pa_annot_claim(p, sizeof(void *));	/* the link stays addressable */
	*(void **)p = s->free;
	s->free = p;
	if (!s->listed) {
		s->listed = 1;
		s->partial_next = st->partial;
		st->partial = s;
	}
	st->hint = pa_annot_active() ? NULL : s;
	pa_account_free(h, st->size);
	return 0;
}

/* The common case inline: p is a live cell of the slab of the previous
 * free (listed, and no tool is told); anything else, NULL too, goes to
 * free_slow. */
static int cell_free(pagealloc *h, void *p)
{
	struct cell_state *st = state(h);
	struct slab *s = st->hint;
	uintptr_t off;
	uint32_t i;

	if (__builtin_expect(!s || (off = (uintptr_t)p - (uintptr_t)s->base) >= SLAB_BYTES ||
			     !live_at(st, s, off, &i), 0))
		return free_slow(h, p);		/* elsewhere, or refused there */
	pa_bit_clear(s->live, i);
	*(void **)p = s->free;
	s->free = p;
	pa_account_free(h, st->size);
	return 0;
}

static size_t cell_usable_size(const pagealloc *h, const void *p)
{
	const struct cell_state *st = state(h);
	uintptr_t off;
	uint32_t i;
	const struct slab *s = slab_of(st, p, &off);

	return s && live_at(st, s, off, &i) ? st->size : 0;
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

/* Live cells of s: the bits set. */
static uint32_t live_cells(const struct cell_state *st, const struct slab *s)
{
	size_t w, n = 0;

	for (w = 0; w < pa_bitmap_words(st->ncells + 1); w++)
		n += (size_t)__builtin_popcountll(s->live[w]);
	return (uint32_t)n;
}

/* One slab's books: the free list, the bits and the counts agree; *used
 * gets its live cells. */
static int check_slab(const struct cell_state *st, const struct slab *s, size_t *used)
{
	const unsigned char *p;
	uint32_t n = 0, live = 0, i;

	if (s->fresh > st->ncells || pa_addrmap_find(&st->pages, pa_page_key(s->base)) != s)
		return -1;
	for (i = 0; i <= st->ncells; i++) {
		if (!pa_bit_test(s->live, i))
			continue;
		if (i >= s->fresh)
			return -1;
		live++;
	}
	for (p = s->free; p; p = *(unsigned char *const *)p) {
		i = index_of(st, s, p);
		if (++n > s->fresh || p < s->base || i >= s->fresh ||
		    s->base + (size_t)i * st->size != p || pa_bit_test(s->live, i))
			return -1;
	}
	/* a slab off the lists is full: it was current until it ran out */
	if (!s->listed && (s->free || s->fresh < st->ncells))
		return -1;
	*used += live;
	return live + n != s->fresh;
}

static int cell_check(const pagealloc *h)
{
	const struct cell_state *st = state(h);
	const struct slab *s;
	size_t used = 0, slabs = 0, listed = 0;

	if ((st->cur && !st->cur->listed) || (st->hot && st->hot != st->cur) ||
	    (st->hint && !st->hint->listed))
		return -1;
	for (s = st->all; s; s = s->all_next) {
		if (check_slab(st, s, &used))
			return -1;
		slabs++;
		listed += s->listed && s != st->cur;
	}
	for (s = st->partial; s; s = s->partial_next)
		if (!s->listed || s == st->cur || !listed--)
			return -1;
	return listed || used != h->chunks_in_use || used * st->size != h->in_use_bytes ||
	       slabs * SLAB_BYTES != h->os.data_bytes;
}

static void cell_stats(const pagealloc *h, struct pagealloc_stats *st_out)
{
	const struct cell_state *st = state(h);
	const struct slab *s;

	for (s = st->all; s; s = s->all_next) {
		uint32_t nfree = s->fresh - live_cells(st, s);

		st_out->free_bytes += (size_t)(nfree + st->ncells - s->fresh) * st->size;
		st_out->free_chunks += nfree + (s->fresh < st->ncells);
	}
	st_out->largest_free_bytes = st_out->free_bytes ? st->size : 0;
}

static void cell_reset(pagealloc *h)
{
	struct cell_state *st = state(h);
	struct slab *s;

	st->partial = NULL;
	for (s = st->all; s; s = s->all_next) {
		memset(s->live, 0, pa_bitmap_words(st->ncells + 1) * sizeof(pa_word));
		s->free = NULL;
		if (s->fresh > s->high)
			s->high = s->fresh;
		s->fresh = 0;
		s->listed = 1;
		if (s != st->all) {
			s->partial_next = st->partial;
			st->partial = s;
		}
	}
	st->cur = st->all;
	st->hot = pa_annot_active() ? NULL : st->cur;
}

const struct pa_policy pa_policy_cell = {
	.name = "cell",
	.state_size = sizeof(struct cell_state),
	.validate = cell_validate,
	.init = cell_init,
	.fini = cell_fini,
	.alloc = cell_alloc,
	.fast_alloc = cell_fast_alloc,
	.free = cell_free,
	.realloc = cell_realloc,
	.calloc = cell_calloc,
	.usable_size = cell_usable_size,
	.check = cell_check,
	.walk = cell_walk,
	.stats = cell_stats,
	.reset = cell_reset,
};
