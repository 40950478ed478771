/*
 * elastic.c - the elastic policy: pages mapped on demand, one at a time,
 * each carved by its own arena (see arena.h; indexed as the page policy's
 * region of the same size is, by two-level lists from 1024 granules on);
 * no chunk crosses a page.
 *
 * Where things live, all out of band:
 *   descriptors  one per page (struct pa_page, its arena right behind it)
 *                or per large allocation's own mapping;
 *   lists        list[c] holds the pages whose largest free chunk is of
 *                class c (pa_arena_top_class), and list_mask has bit c
 *                set while list[c] is not empty: a find-first-set picks a
 *                page that surely fits;
 *   table        an address map (addrmap.h) from system-page number to
 *                descriptor, so free finds a pointer's page in one probe
 *                (nothing assumes that two mmaps are adjacent).
 *   recent       a direct-mapped cache of the table's answers for pages
 *                (not large mappings), by system-page number, tried
 *                before the table: an entry holds its key, so a miss is
 *                one compare;
 *   quick lists  one set for the heap: a freed chunk of 1..qmax units
 *                stays cached (arena.h) on a list for its exact size, and
 *                the next request of that size pops it.  The lists have no
 *                depth limit: a cached chunk is free memory, so it holds
 *                its own links (struct qnode, next and prev), and a page
 *                about to be unmapped unlinks its cached chunks, found in
 *                its bitmaps, in O(1) each.  Only a chunk too small for two
 *                links (one 8-byte granule) goes on a bounded stack kept
 *                out of band instead.  A request that nothing else serves
 *                releases cached chunks (half, then all) before a page is
 *                mapped; a page that holds nothing live counts as empty.
 *   runs         on pages of the two-level index only: a miss of a size
 *                the linked lists take carves a run of chunks of that size
 *                at once (16 the first time, twice as many each next time,
 *                up to run_units units), serves the first, and keeps the
 *                rest as one cached chunk (struct run) that gives its list
 *                RUN_REFILL chunks at a time, in address order, when a
 *                request finds the list empty.
 * With max_pages set, descriptors and table are mapped with the heap at
 * create, so the process VSZ then grows by exactly one page per page.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "addrmap.h"
#include "annotate.h"
#include "arena.h"
#include "internal.h"

#define DESCS_PER_BLOCK 32		/* uncapped heaps map descriptors 32 at a time */
#define MAX_PAGES_CAP ((size_t)1 << 24)
#define QUICK_DEPTH 8			/* 1-unit chunks of 8 bytes cached on the stack */
#define RECENT 64			/* entries of the page cache before the table */
#define RUN_UNITS 2048			/* the most units a run is carved with */
#define RUN_FIRST 16u			/* chunks of a size's first run; each next one doubles */
#define RUN_REFILL 8			/* chunks a run gives its list at a time */
#define PAGE_WALK 8			/* pages of the request's own class tried before one is mapped */
#define NO_KEY (~(uintptr_t)0)		/* an empty entry of recent[]: no address has it */

struct pa_page {
	struct pa_page *next, *prev;		/* list[cls] */
	struct pa_page *all_next, *all_prev;	/* every page; the free descriptors too */
	unsigned char *base;
	size_t big_bytes;			/* 0: a page; else a large allocation's mapping */
	int cls;				/* the list it is on, or -1 */
};
static_assert(sizeof(struct pa_page) % 8 == 0, "the arena follows the descriptor");

struct slot {				/* an entry of recent[] */
	uintptr_t key;				/* system-page number; NO_KEY = empty */
	struct pa_page *pg;
};

struct quick {
	void *p;
	struct pa_page *pg;
};

/* The rest of a run of chunks of one size: a cached chunk [next, end) of
 * page pg, or nothing when next == end. */
struct run {
	unsigned char *next, *end;
	struct pa_page *pg;
};

/* A cached chunk of two or more words: its links, in its own first bytes. */
struct qnode {
	struct qnode *next, *prev;
};

struct desc_block {
	struct desc_block *next;
	size_t bytes;
};

struct elastic_state {
	struct pa_layout L;
	size_t qbytes;				/* requests up to qmax units use the quick lists */
	uint32_t qmax;
	uint64_t qmask;				/* bit n: some chunk of n units is cached */
	uint32_t qlist_min;			/* sizes from here on are on linked lists */
	uint32_t qtop;				/* 1-unit chunks on the stack */
	struct slot recent[RECENT];		/* recent[key % RECENT], or NO_KEY */
	uint32_t qlen[PA_QUICK_MAX + 1];	/* qlen[n]: chunks on list n */
	struct qnode *qhead[PA_QUICK_MAX + 1];	/* the newest first */
	struct quick qstack[QUICK_DEPTH];	/* 1-unit chunks below qlist_min */
	struct run runs[PA_QUICK_MAX + 1];	/* runs[n]: of chunks of n units */
	uint32_t run_units;			/* the most units of a run; 0: no runs */
	uint8_t run_grow[PA_QUICK_MAX + 1];	/* runs of n units: RUN_FIRST << run_grow[n] chunks */
	size_t desc_bytes;			/* descriptor plus arena */
	size_t pages;				/* pages held, large mappings in page_size units */
	size_t empty;				/* pages with nothing in use */
	uint32_t list_mask;
	struct pa_page *list[PA_MAX_CLASSES];
	struct pa_page *all;
	struct pa_page *free_desc;
	struct desc_block *blocks;		/* uncapped heaps only */
	struct pa_addrmap table;		/* fixed, in the heap's extra, when capped */
	unsigned sys_shift;
	size_t keys_per_page;
	int capped;
};

static struct elastic_state *state(const pagealloc *h)
{
	return pa_state(h);
}

static struct pa_arena *arena(const struct pa_page *pg)
{
	return (struct pa_arena *)(pg + 1);
}

/* ---- sizes fixed by the configuration ---- */

static size_t desc_size(const struct pa_layout *L)
{
	return pa_round_up(sizeof(struct pa_page) + L->arena_bytes, 8);
}

static size_t keys_per_page(const struct pagealloc_config *cfg)
{
	return cfg->page_size / pa_sys_page();
}

static size_t elastic_extra_size(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	if (!cfg->max_pages || pa_layout_init_for(&L, cfg->page_size, cfg->granule))
		return 0;
	return pa_addrmap_bytes_for(cfg->max_pages * keys_per_page(cfg)) +
	       cfg->max_pages * desc_size(&L);
}

static int elastic_validate(const struct pagealloc_config *cfg)
{
	struct pa_layout L;

	if (cfg->max_pages > MAX_PAGES_CAP)
		return pa_einval();
	return pa_layout_init_for(&L, cfg->page_size, cfg->granule);
}

/* ---- the address table ---- */

static struct pa_page *table_find(const struct elastic_state *st, const void *p)
{
	return pa_addrmap_find(&st->table, (uintptr_t)p >> st->sys_shift);
}

/* The table's answer for p, remembered in recent[] when it is a page. */
static __attribute__((noinline)) struct pa_page *page_of_slow(struct elastic_state *st, const void *p)
{
	uintptr_t key = (uintptr_t)p >> st->sys_shift;
	struct pa_page *pg = table_find(st, p);

	if (pg && !pg->big_bytes)
		st->recent[key % RECENT] = (struct slot){ key, pg };
	return pg;
}

/* recent[]'s page for p's system page, or NULL: a page (never a large
 * mapping) that holds all of that system page, so p lies inside it. */
static inline struct pa_page *recent_page(const struct elastic_state *st, const void *p)
{
	uintptr_t key = (uintptr_t)p >> st->sys_shift;
	const struct slot *r = &st->recent[key % RECENT];

	if (r->key != key)
		return NULL;
	if (!r->pg)
		__builtin_unreachable();	/* a matching entry holds a page */
	return r->pg;
}

/* The page of p: recent[]'s entry for its system page, or the table's. */
static inline struct pa_page *page_of(struct elastic_state *st, const void *p)
{
	struct pa_page *pg = recent_page(st, p);

	return pg ? pg : page_of_slow(st, p);
}

/* Forget pg's entries in recent[] (before it is unmapped). */
static void recent_forget(struct elastic_state *st, const struct pa_page *pg)
{
	unsigned k;

	for (k = 0; k < RECENT; k++)
		if (st->recent[k].pg == pg)
			st->recent[k] = (struct slot){ NO_KEY, NULL };
}

/* ---- descriptors ---- */

static void put_desc(struct elastic_state *st, struct pa_page *pg)
{
	pg->all_next = st->free_desc;
	st->free_desc = pg;
}

/* Push count descriptors laid out from mem, the first one on top. */
static void add_descs(struct elastic_state *st, unsigned char *mem, size_t count)
{
	while (count--)
		put_desc(st, (struct pa_page *)(mem + count * st->desc_bytes));
}

static struct pa_page *get_desc(pagealloc *h)
{
	struct elastic_state *st = state(h);
	struct pa_page *pg;

	if (!st->free_desc && !st->capped) {
		size_t bytes = sizeof(struct desc_block) + DESCS_PER_BLOCK * st->desc_bytes;
		struct desc_block *b = pa_os_map_meta(&h->os, bytes);
		if (!b)
			return NULL;
		b->bytes = bytes;
		b->next = st->blocks;
		st->blocks = b;
		add_descs(st, (unsigned char *)(b + 1), DESCS_PER_BLOCK);
	}
	pg = st->free_desc;
	if (!pg) {
		errno = ENOMEM;
		return NULL;
	}
	st->free_desc = pg->all_next;
	memset(pg, 0, sizeof(*pg));
	pg->cls = -1;
	return pg;
}

/* ---- pages ---- */

static void list_unlink(struct elastic_state *st, struct pa_page *pg)
{
	if (pg->cls < 0)
		return;
	if (pg->prev)
		pg->prev->next = pg->next;
	else if (!(st->list[pg->cls] = pg->next))
		st->list_mask &= ~((uint32_t)1 << pg->cls);
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->cls = -1;
}

/* Put a page on the list of its largest free class (none when full). */
static void relist(struct elastic_state *st, struct pa_page *pg)
{
	int cls = pa_arena_top_class(arena(pg), &st->L);

	if (cls == pg->cls)
		return;
	list_unlink(st, pg);
	if (cls < 0)
		return;
	pg->cls = cls;
	pg->prev = NULL;
	pg->next = st->list[cls];
	if (pg->next)
		pg->next->prev = pg;
	st->list[cls] = pg;
	st->list_mask |= (uint32_t)1 << cls;
}

static void all_link(struct elastic_state *st, struct pa_page *pg)
{
	pg->all_prev = NULL;
	pg->all_next = st->all;
	if (st->all)
		st->all->all_prev = pg;
	st->all = pg;
}

static void all_unlink(struct elastic_state *st, struct pa_page *pg)
{
	if (pg->all_prev)
		pg->all_prev->all_next = pg->all_next;
	else
		st->all = pg->all_next;
	if (pg->all_next)
		pg->all_next->all_prev = pg->all_prev;
}

static size_t page_count(const struct elastic_state *st, const struct pa_page *pg)
{
	return pg->big_bytes ? pg->big_bytes / st->L.bytes : 1;
}

static size_t key_count(const struct elastic_state *st, const struct pa_page *pg)
{
	return pg->big_bytes ? 1 : st->keys_per_page;
}

static int over_cap(const pagealloc *h, size_t more)
{
	const struct elastic_state *st = state(h);

	return h->cfg.max_pages && more > h->cfg.max_pages - st->pages;
}

/* Map bytes for a new descriptor: a page when big_bytes is 0. */
static struct pa_page *map_page(pagealloc *h, size_t big_bytes)
{
	struct elastic_state *st = state(h);
	size_t bytes = big_bytes ? big_bytes : st->L.bytes, k;
	struct pa_page *pg;

	if (over_cap(h, big_bytes ? big_bytes / st->L.bytes : 1)) {
		errno = ENOMEM;
		return NULL;
	}
	pg = get_desc(h);
	if (!pg)
		return NULL;
	pg->big_bytes = big_bytes;
	if (pa_addrmap_reserve(&st->table, &h->os, key_count(st, pg)) ||
	    !(pg->base = pa_os_map(&h->os, bytes))) {
		put_desc(st, pg);
		return NULL;
	}
	for (k = 0; k < key_count(st, pg); k++)
		pa_addrmap_put(&st->table, ((uintptr_t)pg->base >> st->sys_shift) + k, pg);
	all_link(st, pg);
	st->pages += page_count(st, pg);
	if (!big_bytes) {
		pa_arena_init(arena(pg), &st->L, pg->base);
		st->empty++;
		relist(st, pg);
	}
	return pg;
}

static void unmap_page(pagealloc *h, struct pa_page *pg)
{
	struct elastic_state *st = state(h);
	size_t k;

	recent_forget(st, pg);
	list_unlink(st, pg);
	all_unlink(st, pg);
	for (k = 0; k < key_count(st, pg); k++)
		pa_addrmap_remove(&st->table, ((uintptr_t)pg->base >> st->sys_shift) + k);
	st->pages -= page_count(st, pg);
	pa_os_unmap(&h->os, pg->base, pg->big_bytes ? pg->big_bytes : st->L.bytes);
	put_desc(st, pg);
}

/* Nothing live on the page (cached chunks may be). */
static int is_empty(const struct pa_page *pg)
{
	return arena(pg)->used_chunks == 0;
}

/* Allocate units from pg; NULL when no chunk of pg fits. */
static void *alloc_on(pagealloc *h, struct pa_page *pg, uint32_t units)
{
	struct elastic_state *st = state(h);
	int was_empty = is_empty(pg);
	void *p = pa_arena_alloc(arena(pg), &st->L, units);

	if (!p)
		return NULL;
	st->empty -= was_empty;
	relist(st, pg);
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return p;
}

/* A request larger than a page: whole pages of its own. */
static void *big_alloc(pagealloc *h, size_t size)
{
	struct elastic_state *st = state(h);
	struct pa_page *pg;

	if (size > SIZE_MAX - st->L.bytes) {
		errno = ENOMEM;
		return NULL;
	}
	pg = map_page(h, pa_round_up(size, st->L.bytes) / st->L.bytes * st->L.bytes);
	if (!pg)
		return NULL;
	pa_account_alloc(h, pg->big_bytes);
	return pg->base;
}

/* ---- quick lists ---- */

static uint32_t unit_of(const struct elastic_state *st, const struct quick *q)
{
	return (uint32_t)(((unsigned char *)q->p - q->pg->base) >> st->L.shift);
}

static inline int on_stack(const struct elastic_state *st, uint32_t n)
{
	return n < st->qlist_min;
}

/* The list (or stack) of n units has no room: only the stack can be full. */
static inline int quick_full(const struct elastic_state *st, uint32_t n)
{
	return on_stack(st, n) && st->qtop == QUICK_DEPTH;
}

static inline uint32_t quick_count(const struct elastic_state *st, uint32_t n)
{
	return on_stack(st, n) ? st->qtop : st->qlen[n];
}

/* Requests of n units are carved in runs: pages of the two-level index,
 * a size the linked lists take. */
static inline int has_runs(const struct elastic_state *st, uint32_t n)
{
	return st->run_units && n >= st->qlist_min && n <= st->qmax;
}

/* Units left in run n (a list size, or 0). */
static inline uint32_t run_left(const struct elastic_state *st, uint32_t n)
{
	return (uint32_t)((size_t)(st->runs[n].end - st->runs[n].next) >> st->L.shift);
}

/*
 * The links live in free memory, which stays poisoned for ASan and
 * unaddressable for memcheck between the library's touches: an overflow
 * into a cached chunk is reported as one into a freed malloc block.
 */
static inline struct qnode node_get(const struct qnode *q)
{
	struct qnode v;

	pa_annot_open(q, sizeof(v));
	v = *q;
	pa_annot_poison(q, sizeof(v));
	return v;
}

static inline void node_set(struct qnode *q, struct qnode *next, struct qnode *prev)
{
	pa_annot_open(q, sizeof(*q));
	q->next = next;
	q->prev = prev;
	pa_annot_poison(q, sizeof(*q));
}

static inline void node_set_next(struct qnode *q, struct qnode *next)
{
	pa_annot_open(&q->next, sizeof(q->next));
	q->next = next;
	pa_annot_poison(&q->next, sizeof(q->next));
}

static inline void node_set_prev(struct qnode *q, struct qnode *prev)
{
	pa_annot_open(&q->prev, sizeof(q->prev));
	q->prev = prev;
	pa_annot_poison(&q->prev, sizeof(q->prev));
}

/* The units the quick lists and runs hold, and (if chunks) how many
 * chunks (a run's rest is one): for the slow paths, which can afford a
 * pass over the counts. */
static size_t quick_totals(const struct elastic_state *st, size_t *chunks)
{
	size_t units = 0, count = 0;
	uint32_t n;

	for (n = 1; n <= st->qmax; n++) {
		count += quick_count(st, n);
		units += (size_t)quick_count(st, n) * n;
	}
	for (n = 1; st->run_units && n <= st->qmax; n++) {
		count += run_left(st, n) > 0;
		units += run_left(st, n);
	}
	if (chunks)
		*chunks = count;
	return units;
}

/* Take node off list n. */
static inline void unlink_node(struct elastic_state *st, struct qnode *q, uint32_t n)
{
	struct qnode v = node_get(q);

	if (v.prev)
		node_set_next(v.prev, v.next);
	else
		st->qhead[n] = v.next;
	if (v.next)
		node_set_prev(v.next, v.prev);
	if (!--st->qlen[n])
		st->qmask &= ~((uint64_t)1 << n);
}

/* Take node q, the head of list n, off it: it has no prev. */
static inline void pop_node(struct elastic_state *st, struct qnode *q, uint32_t n)
{
	struct qnode *next = node_get(q).next;

	st->qhead[n] = next;
	if (next)
		node_set_prev(next, NULL);
	else
		st->qmask &= ~((uint64_t)1 << n);
	st->qlen[n]--;
}

/* Put q, a cached chunk of n units, at the head of list n. */
static inline __attribute__((always_inline)) void list_push(struct elastic_state *st, struct qnode *q, uint32_t n)
{
	struct qnode *head = st->qhead[n];

	node_set(q, head, NULL);
	if (head)
		node_set_prev(head, q);
	else
		st->qmask |= (uint64_t)1 << n;	/* set while the list is not empty */
	st->qhead[n] = q;
	st->qlen[n]++;
}

/* Move the next RUN_REFILL chunks (or what is left) of run n, which has
 * some, onto list n, which then hands them out in address order; the rest
 * of the run stays one cached chunk after them. */
static void run_refill(struct elastic_state *st, uint32_t n)
{
	struct run *r = &st->runs[n];
	unsigned char *p[RUN_REFILL];
	uint32_t c = 0;

	while (c < RUN_REFILL && r->next != r->end) {
		struct quick q = { r->next, r->pg };
		r->next += (size_t)n << st->L.shift;
		if (r->next != r->end)
			pa_arena_cut(arena(q.pg), &st->L, unit_of(st, &q), n);
		p[c++] = q.p;
	}
	while (c--)
		list_push(st, (struct qnode *)p[c], n);
}

/* Take the newest cached chunk of n units off its list; its page in q.pg. */
static inline __attribute__((always_inline)) struct quick quick_pop(struct elastic_state *st, uint32_t n)
{
	struct quick q;

	if (on_stack(st, n)) {
		q = st->qstack[--st->qtop];
		if (!st->qtop)
			st->qmask &= ~((uint64_t)1 << n);
		return q;
	}
	q.p = st->qhead[n];
	pop_node(st, q.p, n);
	q.pg = page_of(st, q.p);
	return q;
}

/* Pop the newest cached chunk of n units and make it live again (its page,
 * then, is not empty). */
static inline __attribute__((always_inline)) struct quick quick_take(struct elastic_state *st, uint32_t n)
{
	struct quick q = quick_pop(st, n);

	st->empty -= is_empty(q.pg);
	pa_arena_uncache(arena(q.pg), &st->L, unit_of(st, &q));
	return q;
}

/* Release the cached chunk of n units at q->p, off its list, for good. */
static void release(struct elastic_state *st, const struct quick *q, uint32_t n)
{
	pa_arena_release(arena(q->pg), &st->L, unit_of(st, q), n);
	relist(st, q->pg);
}

/* Give the rest of run n back to its page, for good. */
static void run_release(struct elastic_state *st, uint32_t n)
{
	struct run *r = &st->runs[n];
	struct quick q = { r->next, r->pg };
	uint32_t left = run_left(st, n);

	if (!left)
		return;
	r->next = r->end = NULL;
	release(st, &q, left);
}

static void purge_one(void *arg, uint32_t i, uint32_t n)
{
	struct elastic_state *st = ((void **)arg)[0];
	const struct pa_page *pg = ((void **)arg)[1];

	if (!on_stack(st, n))
		unlink_node(st, (struct qnode *)(pg->base + ((size_t)i << st->L.shift)), n);
}

/* Take the cached chunks of page pg, which is about to be unmapped, off
 * the lists: the page's bitmaps name them. */
static void quick_purge(struct elastic_state *st, const struct pa_page *pg)
{
	void *arg[2] = { st, (void *)pg };
	uint32_t k;

	for (k = st->qlist_min; st->run_units && k <= st->qmax; k++)
		if (st->runs[k].pg == pg)
			run_release(st, k);	/* then the page's cached chunks are the lists' */
	for (k = st->qtop; k-- > 0;)
		if (st->qstack[k].pg == pg) {
			st->qstack[k] = st->qstack[--st->qtop];
		}
	if (on_stack(st, 1) && !st->qtop)
		st->qmask &= ~(uint64_t)2;
	pa_arena_each_cached(arena(pg), &st->L, purge_one, arg);
}

/* Release every run and the newer half of every quick list (all of it
 * when keep_half is 0): a request that only released memory can serve
 * gets it, and the lists keep enough to go on serving their sizes. */
static void quick_trim(struct elastic_state *st, int keep_half)
{
	uint32_t n, keep;
	struct quick q;

	for (n = 1; st->run_units && n <= st->qmax; n++)
		run_release(st, n);
	for (n = 1; n <= st->qmax; n++)
		for (keep = keep_half ? quick_count(st, n) / 2 : 0; quick_count(st, n) > keep;) {
			q = quick_pop(st, n);
			release(st, &q, n);
		}
}

/*
 * Serve units from the smallest cached chunk that is larger: it becomes
 * live again and gives its tail back to its page (a shrink in place), so
 * that a request no quick list of its own size serves need not release
 * the cached chunks of every size.  NULL when no larger chunk is cached.
 */
static void *quick_split(pagealloc *h, uint32_t units)
{
	struct elastic_state *st = state(h);
	uint64_t m = units >= 63 ? 0 : st->qmask & (~(uint64_t)0 << (units + 1));
	struct quick q;

	if (!m)
		return NULL;
	q = quick_take(st, (uint32_t)__builtin_ctzll(m));
	pa_arena_resize(arena(q.pg), &st->L, q.p, units);	/* a shrink: never fails */
	relist(st, q.pg);
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return q.p;
}

/*
 * A request the pages cannot serve maps a page rather than release cached
 * chunks while those hold at most half of the pages, no page is empty (a
 * page whose chunks are all cached serves any request once they are
 * released) and the cap allows: releasing them to have them cut again is
 * what a workload of mixed sizes would otherwise pay on every miss.  Past
 * that bound the cache gives way, so it never holds more than half of the
 * heap beyond what the pages themselves keep free.  (A quarter was too
 * little for pa-bench's mixed rounds, whose freed chunks are about all of
 * the heap they need: the cache was cut every ninth round, and one
 * allocation in ten missed.)
 */
static int cache_may_grow(const pagealloc *h)
{
	const struct elastic_state *st = state(h);

	return !st->empty && !over_cap(h, 1) &&
	       quick_totals(st, NULL) << st->L.shift <= st->pages * st->L.bytes / 2;
}

/* Page pg has just lost its last live chunk. */
static void emptied(pagealloc *h, struct pa_page *pg)
{
	struct elastic_state *st = state(h);

	if (++st->empty <= h->cfg.spare_pages) {
		relist(st, pg);
		return;
	}
	st->empty--;
	quick_purge(st, pg);
	unmap_page(h, pg);
}

/*
 * A request of units, a size the linked lists take, that nothing cached
 * serves: carve a run of chunks of it (RUN_FIRST the first time, twice as
 * many each next time, up to run_units units) from the first page that
 * surely holds them, hand out the first, keep the rest as run units and
 * give the list its first RUN_REFILL.  Carved together, the chunks of one
 * size lie side by side in the order they are handed out, and one search
 * and split is paid for all of them; a size asked for only a few times
 * keeps small runs, so its few chunks do not spread over the page.  NULL
 * when no page surely holds the run (the caller then carves one chunk).
 */
static void *carve_run(pagealloc *h, uint32_t units)
{
	struct elastic_state *st = state(h);
	uint32_t most = st->run_units / units, k = RUN_FIRST << st->run_grow[units], m;
	struct quick q;
	int was_empty;

	if (k >= most)
		k = most;
	m = st->list_mask & pa_fit_mask(k * units);
	if (!m)
		return NULL;
	if (k < most)
		st->run_grow[units]++;
	q.pg = st->list[__builtin_ctz(m)];
	was_empty = is_empty(q.pg);
	q.p = pa_arena_alloc(arena(q.pg), &st->L, k * units);	/* surely fits */
	pa_arena_cut(arena(q.pg), &st->L, unit_of(st, &q), units);
	st->runs[units] = (struct run){ (unsigned char *)q.p + ((size_t)units << st->L.shift),
					(unsigned char *)q.p + ((size_t)k * units << st->L.shift), q.pg };
	run_refill(st, units);
	st->empty -= was_empty;
	relist(st, q.pg);
	pa_account_alloc(h, (size_t)units << st->L.shift);
	return q.p;
}

/* The common case: a quick-list hit, or NULL (size 0 too). */
static inline __attribute__((always_inline)) void *quick_hit(pagealloc *h, size_t size)
{
	struct elastic_state *st = state(h);
	uint32_t units;
	void *p;

	if (size - 1 >= st->qbytes || !(st->qmask >> (units = pa_units_of(&st->L, size)) & 1))
		return NULL;
	pa_account_alloc(h, (size_t)units << st->L.shift);
	p = quick_take(st, units).p;
	if (!p)
		__builtin_unreachable();	/* a listed chunk: the caller need not test */
	return p;
}

/*
 * The pages whose largest free chunk is of the class of units, which may
 * or may not fit it (units is not a power of two): the first PAGE_WALK of
 * them are tried, all of them when all is set or at the cap.  NULL when
 * none of those fits.
 */
static void *walk_class(pagealloc *h, uint32_t units, int all)
{
	struct pa_page *pg;
	size_t k = 0;
	void *p;

	for (pg = state(h)->list[pa_log2(units)]; pg; pg = pg->next) {
		if (k++ == PAGE_WALK && !all && !over_cap(h, 1))
			return NULL;
		if ((p = alloc_on(h, pg, units)))
			return p;
	}
	return NULL;
}

/*
 * The smallest class whose every chunk fits, on any page: one
 * find-first-set.  Only when no such class exists are the pages whose
 * largest chunks share the request's class searched: the first PAGE_WALK
 * of them while a page may still be mapped, all of them at the cap (or
 * when the mapping fails), so that a request is refused only when no page
 * can serve it.  When none of those fits, a larger cached chunk is split
 * if there is one; else a page is mapped, once the cache may grow
 * (cache_may_grow) or has been released (half of it first, then the
 * rest).  A quick-list hit comes first.
 */
static void *elastic_alloc(pagealloc *h, size_t size)
{
	struct elastic_state *st = state(h);
	uint32_t units, m;
	struct pa_page *pg;
	int tries = 0;
	void *p;

	if ((p = quick_hit(h, size)))
		return p;
	if (size > st->L.bytes)
		return big_alloc(h, size);
	units = pa_units_of(&st->L, size);
	if (has_runs(st, units)) {
		if (run_left(st, units)) {
			run_refill(st, units);
			return quick_hit(h, size);
		}
		if ((p = carve_run(h, units)))
			return p;
	}
	for (;; tries++) {
		m = st->list_mask & pa_fit_mask(units);
		if (m)
			return alloc_on(h, st->list[__builtin_ctz(m)], units);
		if (!pa_is_pow2_u32(units) && (p = walk_class(h, units, 0)))
			return p;
		if (!st->qmask)
			break;
		if ((p = quick_split(h, units)))
			return p;
		if (cache_may_grow(h))
			break;
		quick_trim(st, tries == 0);
	}
	pg = map_page(h, 0);
	if (!pg) {	/* not at the cap: any page of the class that fits will do */
		int e = errno;

		p = over_cap(h, 1) || pa_is_pow2_u32(units) ? NULL : walk_class(h, units, 1);
		errno = e;
		return p;
	}
	if (has_runs(st, units) && (p = carve_run(h, units)))
		return p;
	return alloc_on(h, pg, units);
}

PA_FAST_ALLOC(elastic_fast_alloc, quick_hit)

/* Cache the live chunk (i, n) of page pg on its quick list, which has room. */
static inline __attribute__((always_inline)) void
quick_put(pagealloc *h, struct pa_page *pg, void *p, uint32_t i, uint32_t n)
{
	struct elastic_state *st = state(h);

	pa_arena_cache(arena(pg), &st->L, i);
	if (on_stack(st, n)) {
		st->qstack[st->qtop++] = (struct quick){ p, pg };
		st->qmask |= (uint64_t)1 << n;
	} else {
		list_push(st, p, n);
	}
	pa_account_free(h, (size_t)n << st->L.shift);
	if (is_empty(pg))
		emptied(h, pg);
}

/* Every free but the common one: a large mapping, a chunk whose size takes
 * a search, one the quick lists do not take, or no live chunk at all. */
static __attribute__((noinline)) int free_slow(pagealloc *h, struct pa_page *pg, void *p)
{
	struct elastic_state *st = state(h);
	uint32_t n;

	if (!pg)
		return pa_einval();
	if (pg->big_bytes) {
		if (p != pg->base)
			return pa_einval();
		pa_account_free(h, pg->big_bytes);
		unmap_page(h, pg);
		return 0;
	}
	n = pa_arena_live_units(arena(pg), &st->L, p);
	if (!n)
		return pa_einval();
	if (n <= st->qmax && !quick_full(st, n)) {
		quick_put(h, pg, p, (uint32_t)(((unsigned char *)p - pg->base) >> st->L.shift), n);
		return 0;
	}
	pa_arena_free(arena(pg), &st->L, p);
	pa_account_free(h, (size_t)n << st->L.shift);
	if (is_empty(pg))
		emptied(h, pg);
	else
		relist(st, pg);
	return 0;
}

/* A live chunk of up to qmax units, on a page recent[] knows, whose quick
 * list has room is cached; anything else, NULL too, goes to free_slow. */
static int elastic_free(pagealloc *h, void *p)
{
	struct elastic_state *st = state(h);
	struct pa_page *pg = recent_page(st, p);	/* p lies inside it */
	uint32_t i, n;

	if (!pg)
		return free_slow(h, page_of_slow(st, p), p);
	if (!(n = pa_arena_live_at(arena(pg), &st->L, (uintptr_t)p - (uintptr_t)pg->base, &i)) ||
	    n > st->qmax || quick_full(st, n))
		return free_slow(h, pg, p);
	quick_put(h, pg, p, i, n);
	return 0;
}

static size_t elastic_usable_size(const pagealloc *h, const void *p)
{
	const struct elastic_state *st = state(h);
	const struct pa_page *pg = table_find(st, p);

	if (!pg)
		return 0;
	if (pg->big_bytes)
		return p == pg->base ? pg->big_bytes : 0;
	return (size_t)pa_arena_live_units(arena(pg), &st->L, p) << st->L.shift;
}

/* Resize a large mapping with mremap; its one table key moves with it. */
static void *big_resize(pagealloc *h, struct pa_page *pg, size_t size)
{
	struct elastic_state *st = state(h);
	size_t bytes, old = pg->big_bytes;
	void *q;

	if (size > SIZE_MAX - st->L.bytes) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = pa_round_up(size, st->L.bytes) / st->L.bytes * st->L.bytes;
	if (bytes > old && over_cap(h, (bytes - old) / st->L.bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	if (bytes == old)
		return pg->base;
	q = pa_os_remap(&h->os, pg->base, old, bytes);
	if (!q)
		return NULL;
	pa_addrmap_remove(&st->table, (uintptr_t)pg->base >> st->sys_shift);
	pa_addrmap_put(&st->table, (uintptr_t)q >> st->sys_shift, pg);
	pg->base = q;
	pg->big_bytes = bytes;
	st->pages = st->pages - old / st->L.bytes + bytes / st->L.bytes;
	pa_account_resize(h, old, bytes);
	return q;
}

static void *elastic_realloc(pagealloc *h, void *p, size_t size)
{
	struct elastic_state *st = state(h);
	struct pa_page *pg = table_find(st, p);
	size_t old = elastic_usable_size(h, p);
	uint32_t units;

	if (pg->big_bytes)
		return size > st->L.bytes ? big_resize(h, pg, size) : pa_realloc_move(h, p, old, size);
	if (size <= st->L.bytes) {
		units = pa_units_of(&st->L, size);
		if (!pa_arena_resize(arena(pg), &st->L, p, units)) {
			pa_account_resize(h, old, (size_t)units << st->L.shift);
			relist(st, pg);
			return p;
		}
	}
	return pa_realloc_move(h, p, old, size);
}

/* ---- whole-heap calls ---- */

static int check_page(const pagealloc *h, const struct pa_page *pg, size_t *in_use, size_t *chunks,
		      size_t *cached)
{
	const struct elastic_state *st = state(h);
	const struct pa_arena *a = arena(pg);
	uint32_t c[2] = { 0, 0 };
	size_t k;

	for (k = 0; k < key_count(st, pg); k++)
		if (table_find(st, pg->base + (k << st->sys_shift)) != pg)
			return -1;
	if (pg->big_bytes) {
		*in_use += pg->big_bytes;
		*chunks += 1;
		return pg->cls == -1 && pg->big_bytes % st->L.bytes == 0 ? 0 : -1;
	}
	if (pa_arena_check(a, &st->L, c) || a->base != pg->base ||
	    pg->cls != pa_arena_top_class(a, &st->L))
		return -1;
	*in_use += (size_t)(st->L.units - a->free_units - c[1]) << st->L.shift;
	*chunks += a->used_chunks;
	*cached += c[0];
	return 0;
}

/* A quick-list entry is a cached chunk of n units on a page of this heap. */
static int quick_entry_ok(const struct elastic_state *st, const void *p, const struct pa_page *pg,
			  uint32_t n)
{
	return pg && table_find(st, p) == pg && !pg->big_bytes &&
	       pa_arena_cached_units(arena(pg), &st->L, p) == n;
}

/* The quick lists hold exactly the cached chunks: each entry one of the
 * right size on a page of this heap, no chunk twice, as many as the pages
 * count.  A list is walked no further than its count says, and an entry is
 * read only once the table has said it is on a page. */
static int quick_check(const struct elastic_state *st, size_t cached)
{
	size_t entries = 0;
	uint32_t n, k, l;
	const struct qnode *q, *prev;
	struct qnode v;

	if (st->qtop > QUICK_DEPTH || (st->qtop && !on_stack(st, 1)))
		return -1;
	for (k = 0; k < st->qtop; k++) {
		const struct quick *e = &st->qstack[k];
		if (!quick_entry_ok(st, e->p, e->pg, 1))
			return -1;
		for (l = k + 1; l < st->qtop; l++)
			if (st->qstack[l].p == e->p)
				return -1;
	}
	entries = st->qtop;
	if (!!(st->qmask & 2) != (on_stack(st, 1) ? st->qtop > 0 : st->qlen[1] > 0))
		return -1;
	for (n = st->qlist_min; n <= st->qmax; n++) {
		for (k = 0, prev = NULL, q = st->qhead[n]; q && k < st->qlen[n]; k++, prev = q, q = v.next) {
			if (!quick_entry_ok(st, q, table_find(st, q), n))
				return -1;
			v = node_get(q);
			if (v.prev != prev)
				return -1;
		}
		if (q || k != st->qlen[n] || !!(st->qmask >> n & 1) != (k > 0))
			return -1;
		entries += k;
		/* a run's rest: one cached chunk of whole chunks of n units */
		l = run_left(st, n);
		if (l && (!st->run_units || l % n || l > st->run_units ||
			  !quick_entry_ok(st, st->runs[n].next, st->runs[n].pg, l)))
			return -1;
		entries += l > 0;
	}
	return entries == cached ? 0 : -1;
}

static int elastic_check(const pagealloc *h)
{
	const struct elastic_state *st = state(h);
	size_t pages = 0, empty = 0, keys = 0, listed = 0, in_use = 0, chunks = 0, cached = 0;
	const struct pa_page *pg;
	unsigned c;

	for (pg = st->all; pg; pg = pg->all_next) {
		if (check_page(h, pg, &in_use, &chunks, &cached))
			return -1;
		pages += page_count(st, pg);
		keys += key_count(st, pg);
		empty += !pg->big_bytes && is_empty(pg);
		listed += pg->cls >= 0;
	}
	if (quick_check(st, cached))
		return -1;
	for (c = 0; c < PA_MAX_CLASSES; c++) {
		if (!!(st->list_mask & ((uint32_t)1 << c)) != !!st->list[c])
			return -1;
		for (pg = st->list[c]; pg; pg = pg->next) {
			if (pg->cls != (int)c || (pg->next && pg->next->prev != pg))
				return -1;
			listed--;
		}
	}
	if (listed || pages != st->pages || empty != st->empty || keys != st->table.used ||
	    in_use != h->in_use_bytes || chunks != h->chunks_in_use ||
	    (h->cfg.max_pages && pages > h->cfg.max_pages))
		return -1;
	return 0;
}

static int elastic_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct elastic_state *st = state(h);
	const struct pa_page *pg;
	int r;

	for (pg = st->all; pg; pg = pg->all_next) {
		r = pg->big_bytes ? fn(pg->base, pg->big_bytes, 1, arg)
				  : pa_arena_walk(arena(pg), &st->L, fn, arg);
		if (r)
			return r;
	}
	return 0;
}

static void elastic_stats(const pagealloc *h, struct pagealloc_stats *s)
{
	const struct elastic_state *st = state(h);
	const struct pa_page *pg;
	size_t largest, chunks, units = quick_totals(st, &chunks);

	s->free_bytes += units << st->L.shift;
	s->free_chunks += chunks;
	for (pg = st->all; pg; pg = pg->all_next) {
		if (pg->big_bytes)
			continue;
		s->free_bytes += (size_t)arena(pg)->free_units << st->L.shift;
		s->free_chunks += arena(pg)->free_chunks;
		largest = (size_t)pa_arena_largest_free(arena(pg), &st->L, units != 0) << st->L.shift;
		if (largest > s->largest_free_bytes)
			s->largest_free_bytes = largest;
	}
}

static int elastic_init(pagealloc *h)
{
	struct elastic_state *st = state(h);
	unsigned char *extra = pa_extra(h);
	unsigned k;

	pa_layout_init_for(&st->L, h->cfg.page_size, h->cfg.granule);
	st->desc_bytes = desc_size(&st->L);
	st->sys_shift = pa_log2(pa_sys_page());
	st->keys_per_page = keys_per_page(&h->cfg);
	st->capped = h->cfg.max_pages != 0;
	st->qmax = pa_quick_max(&st->L);
	st->qbytes = (size_t)st->qmax << st->L.shift;
	st->qlist_min = ((size_t)1 << st->L.shift) >= sizeof(struct qnode) ? 1 : 2;
	/* runs on pages of the two-level index: an eighth of the page, at
	 * most RUN_UNITS units (at least 128, so every run has 2 chunks) */
	if (st->L.tlsf)
		st->run_units = st->L.units / 8 < RUN_UNITS ? st->L.units / 8 : RUN_UNITS;
	for (k = 0; k < RECENT; k++)
		st->recent[k] = (struct slot){ NO_KEY, NULL };
	if (st->capped) {
		size_t bytes = pa_addrmap_bytes_for(h->cfg.max_pages * st->keys_per_page);

		pa_addrmap_init_fixed(&st->table, extra, bytes / sizeof(struct pa_addrmap_slot));
		add_descs(st, extra + bytes, h->cfg.max_pages);
	}
	return 0;
}

static void elastic_fini(pagealloc *h)
{
	struct elastic_state *st = state(h);
	struct desc_block *b, *next;
	struct pa_page *pg, *pnext;

	for (pg = st->all; pg; pg = pnext) {
		pnext = pg->all_next;
		pa_os_unmap(&h->os, pg->base, pg->big_bytes ? pg->big_bytes : st->L.bytes);
	}
	for (b = st->blocks; b; b = next) {
		next = b->next;
		pa_os_unmap_meta(&h->os, b, b->bytes);
	}
	pa_addrmap_fini(&st->table, &h->os);
}

/* Every chunk freed at once; empty pages beyond the spares go back. */
static void elastic_reset(pagealloc *h)
{
	struct elastic_state *st = state(h);
	struct pa_page *pg, *next;

	memset(st->qhead, 0, sizeof(st->qhead));
	memset(st->qlen, 0, sizeof(st->qlen));
	memset(st->runs, 0, sizeof(st->runs));
	memset(st->run_grow, 0, sizeof(st->run_grow));
	st->qtop = 0;
	st->qmask = 0;
	st->empty = 0;
	for (pg = st->all; pg; pg = next) {
		next = pg->all_next;
		if (pg->big_bytes || st->empty >= h->cfg.spare_pages) {
			unmap_page(h, pg);
			continue;
		}
		pa_arena_init(arena(pg), &st->L, pg->base);
		st->empty++;
		relist(st, pg);
	}
}

const struct pa_policy pa_policy_elastic = {
	.name = "elastic",
	.state_size = sizeof(struct elastic_state),
	.extra_size = elastic_extra_size,
	.validate = elastic_validate,
	.init = elastic_init,
	.fini = elastic_fini,
	.alloc = elastic_alloc,
	.fast_alloc = elastic_fast_alloc,
	.free = elastic_free,
	.realloc = elastic_realloc,
	.usable_size = elastic_usable_size,
	.check = elastic_check,
	.walk = elastic_walk,
	.stats = elastic_stats,
	.reset = elastic_reset,
};
