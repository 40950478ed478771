/*
 * brk.c - the brk policy (seed 003): the classic general-purpose heap, in
 * band on purpose.
 *
 * Every block starts with a 32-byte struct block_meta; the caller gets the
 * bytes right after it.  Requests whose aligned size plus header reach
 * mmap_threshold (the page size for calloc) get a mapping of their own,
 * exactly that long (the seed's checker reads the lengths; the kernel
 * rounds to pages), unmapped on free.  Smaller ones come from the program
 * break: the first preallocates 128 KiB with one sbrk and splits it; free
 * blocks are coalesced before each search, the best fit is split when the
 * rest holds a header and 8 bytes, and when nothing fits the last block is
 * extended if it is free, else a block is added.  Realloc grows a block
 * over the free blocks after it, else by sbrk only if it is the last one,
 * else moves it.  The heap never shrinks.
 *
 * The break is the process's: only one brk heap exists at a time, and since
 * others (the C library's malloc) may move the break too, the heap is a
 * list of segments, each contiguous, never assumed to touch the next.
 * Headers are user-writable memory, so a pointer is trusted only after its
 * header is found inside a segment, aligned, and linked both ways (heap
 * blocks), or found on the list of mappings (mapped blocks).
 *
 * Speed without a visible change.  The block list stays the truth; free
 * blocks are also indexed out of band, in a treap of nodes keyed by (size,
 * address) in a fixed pool mapped with the heap (pa_extra: NODES nodes of
 * 32 bytes, 256 KiB counted as metadata; never grown, since the seed's
 * system calls are counted and must not change).  A free header keeps
 * its node's number in the padding after status (the layout of size,
 * status, prev and next is the seed's), and each node keeps its block and
 * size, so the index never trusts user-writable memory unchecked.  Best fit
 * is the first node at or above (size, 0): the smallest size that fits,
 * the lowest address among equals, which is the list's order as long as
 * every segment lies above the one before (else the heap is never
 * indexed).  Coalescing stays lazy, since pagealloc_walk shows it: a block
 * freed or split off goes on a pending list, and the search merges only the
 * runs of free blocks around pending ones, which gives the same blocks as
 * the seed's walk (invariant: of two adjacent free blocks, one is
 * pending).  When the pool runs out, or a header's node number does not
 * point back, the index is dropped and the seed's walks run, until a walk
 * finds few enough free blocks to build it again.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "annotate.h"
#include "internal.h"
#include "treap.h"

#define ALIGNMENT 8
#define PREALLOC ((size_t)128 << 10)
#define MAX_SEGMENTS 64
#define MAX_REQUEST ((size_t)PTRDIFF_MAX / 2)

enum { STATUS_FREE, STATUS_ALLOC, STATUS_MAPPED };

struct block_meta {
	size_t size;
	int status;
	uint32_t node;		/* the seed's padding: a free block's index node */
	struct block_meta *prev;
	struct block_meta *next;
};
#define META sizeof(struct block_meta)
_Static_assert(sizeof(struct block_meta) == 32, "the seed's header is 32 bytes");

struct segment {
	unsigned char *base;		/* what sbrk returned */
	unsigned char *start, *end;	/* the blocks: [start, end), start aligned */
};

/* A free block in the index (treap.h): item its header, mark: pending. */
#define NODES ((uint32_t)1 << 13)
_Static_assert(sizeof(struct pa_tnode) == 32, "256 KiB of nodes");

struct brk_state {
	struct block_meta *head, *tail;	/* heap blocks, segment by segment, in address order */
	struct block_meta *mapped;	/* mapped blocks */
	size_t nseg;
	struct segment seg[MAX_SEGMENTS];
	int indexed;			/* every free block is in the index */
	int unordered;			/* a segment below another: never index */
	uint32_t root, unused, fresh, pend;	/* treap, unused nodes, pool mark, pending list */
};

static atomic_int brk_taken;

static struct brk_state *state(const pagealloc *h)
{
	return pa_state(h);
}

static void *payload(struct block_meta *b)
{
	return (unsigned char *)b + META;
}

static unsigned char *block_end(const struct block_meta *b)
{
	return (unsigned char *)b + META + b->size;
}

/* ---- segments and validation ---- */

static const struct segment *segment_of(const struct brk_state *st, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < st->nseg; i++)
		if (c >= st->seg[i].start && c <= st->seg[i].end && len <= (size_t)(st->seg[i].end - c))
			return &st->seg[i];
	return NULL;
}

/* x may be read as a header: aligned, and inside a segment. */
static int on_heap(const struct brk_state *st, const void *x)
{
	return !((uintptr_t)x % ALIGNMENT) && segment_of(st, x, META);
}

/* b is a heap block header on the list (checked without trusting b). */
static int heap_block(const struct brk_state *st, const struct block_meta *b)
{
	const struct segment *s = on_heap(st, b) ? segment_of(st, b, META) : NULL;

	if (!s ||
	    (b->status != STATUS_FREE && b->status != STATUS_ALLOC) ||
	    b->size % ALIGNMENT || b->size > (size_t)(s->end - (const unsigned char *)b) - META)
		return 0;
	if (b->prev ? !on_heap(st, b->prev) || b->prev->next != b : st->head != b)
		return 0;
	return b->next ? on_heap(st, b->next) && b->next->prev == b : st->tail == b;
}

/* The live block whose payload is p, or NULL. */
static struct block_meta *live_block(const pagealloc *h, const void *p)
{
	const struct brk_state *st = state(h);
	struct block_meta *b;

	for (b = st->mapped; b; b = b->next)
		if (payload(b) == p)
			return b;
	b = (struct block_meta *)((uintptr_t)p - META);
	if ((uintptr_t)p < META || !heap_block(st, b) ||
	    b->status != STATUS_ALLOC)
		return NULL;
	return b;
}

/* ---- the block list ---- */

static void link_after(struct brk_state *st, struct block_meta *a, struct block_meta *b)
{
	b->prev = a;
	b->next = a ? a->next : st->head;
	if (b->next)
		b->next->prev = b;
	else
		st->tail = b;
	if (a)
		a->next = b;
	else
		st->head = b;
}

static void unlink_block(struct brk_state *st, struct block_meta *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		st->head = b->next;
	if (b->next)
		b->next->prev = b->prev;
	else
		st->tail = b->prev;
}

static int adjacent(const struct block_meta *a, const struct block_meta *b)
{
	return b && block_end(a) == (const unsigned char *)b;
}

/* ---- the index of free blocks ---- */

static struct pa_tnode *nodes(const pagealloc *h)
{
	return pa_extra(h);
}

static size_t brk_extra_size(const struct pagealloc_config *cfg)
{
	(void)cfg;
	return NODES * sizeof(struct pa_tnode);
}

/* Give up the index: the seed's walks serve until it is built again. */
static void drop_index(struct brk_state *st)
{
	st->indexed = 0;
}

/* b's node, or 0 (and the index dropped) when its header does not say. */
static uint32_t node_of(const pagealloc *h, const struct block_meta *b)
{
	struct brk_state *st = state(h);
	uint32_t i = b->node;

	if (i && i < st->fresh && nodes(h)[i].item == b)
		return i;
	drop_index(st);
	return 0;
}

/* Index the free block b; pending: it may touch a free neighbour. */
static void index_add(pagealloc *h, struct block_meta *b, int pending)
{
	struct brk_state *st = state(h);
	struct pa_tnode *nd = nodes(h);
	uint32_t i;

	if (!st->indexed)
		return;
	if (st->unused) {
		i = st->unused;
		st->unused = nd[i].l;
	} else if (st->fresh < NODES) {
		i = st->fresh++;
	} else {
		drop_index(st);
		return;
	}
	nd[i] = (struct pa_tnode){ .item = b, .size = b->size, .prio = pa_treap_prio(i), .mark = !!pending };
	if (pending) {
		nd[i].link = st->pend;
		st->pend = i;
	}
	b->node = i;
	pa_treap_insert(nd, &st->root, i);
}

/* b's node, taken out of the tree; 0 when b is not indexed. */
static uint32_t index_take(pagealloc *h, struct block_meta *b)
{
	struct brk_state *st = state(h);
	uint32_t i;

	if (!st->indexed || !(i = node_of(h, b)))
		return 0;
	pa_treap_erase(nodes(h), &st->root, i);
	return i;
}

/* b leaves the index (allocated or absorbed). */
static void index_del(pagealloc *h, struct block_meta *b)
{
	struct brk_state *st = state(h);
	struct pa_tnode *nd = nodes(h);
	uint32_t i;

	if (!(i = index_take(h, b)))
		return;
	nd[i].item = NULL;			/* a pending node is freed when popped */
	if (!nd[i].mark) {
		nd[i].l = st->unused;
		st->unused = i;
	}
}

/* b (indexed) changed size. */
static void index_resize(pagealloc *h, struct block_meta *b)
{
	struct brk_state *st = state(h);
	struct pa_tnode *nd = nodes(h);
	uint32_t i;

	if (!(i = index_take(h, b)))
		return;
	nd[i].size = b->size;
	pa_treap_insert(nd, &st->root, i);
}

/* Index every free block of a coalesced heap, when they fit in the pool. */
static void build_index(pagealloc *h)
{
	struct brk_state *st = state(h);
	struct block_meta *b;

	st->indexed = !st->unordered;
	st->root = st->unused = st->pend = 0;
	st->fresh = 1;
	for (b = st->head; b && st->indexed; b = b->next)
		if (b->status == STATUS_FREE)
			index_add(h, b, 0);
}

/* The smallest indexed block of at least size bytes, lowest address first. */
static struct block_meta *index_find(const pagealloc *h, size_t size)
{
	uint32_t t = pa_treap_find(nodes(h), state(h)->root, size);

	return t ? nodes(h)[t].item : NULL;
}

/* Give the rest of b beyond size bytes to a new free block, if it holds one. */
static void split(pagealloc *h, struct block_meta *b, size_t size)
{
	struct block_meta *rest;

	if (b->size - size < META + ALIGNMENT)
		return;
	rest = (struct block_meta *)((unsigned char *)payload(b) + size);
	pa_annot_claim(rest, META);	/* a header inside a freed payload */
	rest->size = b->size - size - META;
	rest->status = STATUS_FREE;
	b->size = size;
	link_after(state(h), b, rest);
	index_add(h, rest, 1);
}

/* Merge b's following block into b. */
static void absorb(struct brk_state *st, struct block_meta *b)
{
	struct block_meta *n = b->next;

	b->size += META + n->size;
	unlink_block(st, n);
}

/* The seed's coalescing: every run of adjacent free blocks becomes one. */
static void coalesce(struct brk_state *st)
{
	struct block_meta *b = st->head;

	while (b) {
		if (b->status == STATUS_FREE && adjacent(b, b->next) && b->next->status == STATUS_FREE)
			absorb(st, b);
		else
			b = b->next;
	}
}

/* The same, for the runs around the pending blocks only. */
static void coalesce_pending(pagealloc *h)
{
	struct brk_state *st = state(h);
	struct pa_tnode *nd = nodes(h);
	struct block_meta *b;
	uint32_t i;
	size_t size;

	while (st->indexed && (i = st->pend)) {
		st->pend = nd[i].link;
		nd[i].mark = 0;
		if (!(b = nd[i].item)) {		/* left the index while pending */
			nd[i].l = st->unused;
			st->unused = i;
			continue;
		}
		while (b->prev && adjacent(b->prev, b) && b->prev->status == STATUS_FREE)
			b = b->prev;
		size = b->size;
		while (adjacent(b, b->next) && b->next->status == STATUS_FREE) {
			index_del(h, b->next);
			absorb(st, b);
		}
		if (b->size != size)
			index_resize(h, b);
	}
}

/* The seed's search over the whole list (ties to the first). */
static struct block_meta *best_fit(const struct brk_state *st, size_t size, size_t *nfree)
{
	struct block_meta *b, *best = NULL;

	for (b = st->head; b; b = b->next)
		if (b->status == STATUS_FREE) {
			++*nfree;
			if (b->size >= size && (!best || b->size < best->size))
				best = b;
		}
	return best;
}

/* Coalesce, then the best fit for size bytes, or NULL. */
static struct block_meta *find_block(pagealloc *h, size_t size)
{
	struct brk_state *st = state(h);
	struct block_meta *b;
	size_t nfree = 0;

	coalesce_pending(h);
	if (st->indexed)
		return index_find(h, size);
	coalesce(st);
	b = best_fit(st, size, &nfree);
	if (nfree < NODES / 2 && !st->unordered)
		build_index(h);
	return b;
}

/* ---- the break ---- */

/* Move the break by inc bytes; the old break, or NULL/ENOMEM. */
static unsigned char *more_core(pagealloc *h, size_t inc)
{
	void *p = pa_os_sbrk(&h->os, (long)inc);

	if (p == (void *)-1) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/*
 * A new block of size bytes (on the list) from fresh break memory: the last
 * segment grows when the break is still at its end, else a segment starts,
 * after the padding that aligns it.
 */
static struct block_meta *new_block(pagealloc *h, size_t size, int status)
{
	struct brk_state *st = state(h);
	struct segment *last = st->nseg ? &st->seg[st->nseg - 1] : NULL;
	size_t need = size + META, pad = -(uintptr_t)sbrk(0) & (ALIGNMENT - 1);
	unsigned char *p;
	struct block_meta *b;

	if (!last || sbrk(0) != last->end) {
		if (st->nseg == MAX_SEGMENTS) {
			errno = ENOMEM;
			return NULL;
		}
		last = NULL;
	}
	p = more_core(h, pad + need);
	if (!p)
		return NULL;
	if ((uintptr_t)(p + pad) % ALIGNMENT || (last && p != last->end)) {
		/* the break moved between the two calls: give the memory back */
		if (sbrk(0) == p + pad + need)
			pa_os_sbrk(&h->os, -(long)(pad + need));
		errno = ENOMEM;
		return NULL;
	}
	if (!last) {
		if (st->nseg && p + pad < st->seg[st->nseg - 1].end)
			st->unordered = 1;	/* list order is no longer address order */
		if (st->unordered)
			drop_index(st);
		last = &st->seg[st->nseg++];
		last->base = p;
		last->start = last->end = p + pad;
	}
	b = (struct block_meta *)last->end;
	last->end += need;
	b->size = size;
	b->status = status;
	link_after(st, st->tail, b);
	return b;
}

/* Extend the last block (free, or being resized) to size bytes in place:
 * only while the break is still right after it. */
static int extend_last(pagealloc *h, struct block_meta *b, size_t size)
{
	struct brk_state *st = state(h);
	struct segment *last = &st->seg[st->nseg - 1];
	unsigned char *p;

	if (b != st->tail || block_end(b) != last->end || sbrk(0) != last->end)
		return -1;
	p = more_core(h, size - b->size);
	if (!p)
		return -1;
	if (p != last->end) {		/* the break moved under us */
		pa_os_sbrk(&h->os, -(long)(size - b->size));
		return -1;
	}
	last->end += size - b->size;
	b->size = size;
	return 0;
}

/* ---- allocation ---- */

/* A mapped block's mapping: its header and payload, exactly, as the seed's
 * checker sees them in mmap and munmap (the kernel rounds to pages). */
static size_t map_length(size_t size)
{
	return META + size;
}

static struct block_meta *map_block(pagealloc *h, size_t size)
{
	struct brk_state *st = state(h);
	struct block_meta *b = pa_os_map(&h->os, map_length(size));

	if (!b)
		return NULL;
	b->size = size;
	b->status = STATUS_MAPPED;
	b->prev = NULL;
	b->next = st->mapped;
	if (b->next)
		b->next->prev = b;
	st->mapped = b;
	return b;
}

static struct block_meta *heap_alloc(pagealloc *h, size_t size)
{
	struct brk_state *st = state(h);
	struct block_meta *b;

	if (!st->head) {		/* first use: preallocate */
		b = new_block(h, PREALLOC - META, STATUS_FREE);
		if (!b)
			return NULL;
		index_add(h, b, 0);
	}
	b = find_block(h, size);
	if (!b && st->tail->status == STATUS_FREE && !extend_last(h, st->tail, size))
		b = st->tail;
	if (!b)
		return new_block(h, size, STATUS_ALLOC);
	index_del(h, b);
	split(h, b, size);
	b->status = STATUS_ALLOC;
	pa_annot_claim(payload(b), b->size);	/* calloc and realloc fill it */
	return b;
}

/* Allocate size bytes, mapped when they reach threshold with the header. */
static struct block_meta *alloc_block(pagealloc *h, size_t size, size_t threshold)
{
	struct block_meta *b;

	if (size > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	size = pa_round_up(size, ALIGNMENT);
	b = size + META >= threshold ? map_block(h, size) : heap_alloc(h, size);
	if (b)
		pa_account_alloc(h, b->size);
	return b;
}

static void *brk_alloc(pagealloc *h, size_t size)
{
	struct block_meta *b = alloc_block(h, size, h->cfg.mmap_threshold);

	return b ? payload(b) : NULL;
}

static void *brk_calloc(pagealloc *h, size_t size)
{
	struct block_meta *b = alloc_block(h, size, pa_sys_page());

	if (!b)
		return NULL;
	if (b->status != STATUS_MAPPED)		/* a fresh mapping reads as zero */
		memset(payload(b), 0, size);
	return payload(b);
}

static void release(pagealloc *h, struct block_meta *b)
{
	struct brk_state *st = state(h);

	pa_account_free(h, b->size);
	if (b->status != STATUS_MAPPED) {
		b->status = STATUS_FREE;
		index_add(h, b, 1);
		return;
	}
	if (b->prev)
		b->prev->next = b->next;
	else
		st->mapped = b->next;
	if (b->next)
		b->next->prev = b->prev;
	pa_os_unmap(&h->os, b, map_length(b->size));
}

static int brk_free(pagealloc *h, void *p)
{
	struct block_meta *b = live_block(h, p);

	if (!b)
		return pa_einval();
	release(h, b);
	return 0;
}

static size_t brk_usable_size(const pagealloc *h, const void *p)
{
	const struct block_meta *b = live_block(h, p);

	return b ? b->size : 0;
}

static void *brk_realloc(pagealloc *h, void *p, size_t size)
{
	struct brk_state *st = state(h);
	struct block_meta *b = live_block(h, p), *n;
	size_t old = b->size, keep = old, want;
	int last = b == st->tail;

	if (size > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	want = pa_round_up(size, ALIGNMENT);
	if (b->status == STATUS_MAPPED || want + META >= h->cfg.mmap_threshold)
		goto move;
	/*
	 * Shrink in place; else absorb the free blocks that follow, one at a
	 * time (they stay merged even when still too small):
	 *
	 *   [ b ][ free ][ free ][ ... ]  =>  [ b ------------ ][ ... ]
	 *
	 * else, if b is the last block, extend it; else move it.  A block that
	 * became the last by absorbing the free blocks after it moves too: as
	 * the seed's checker has it, only the last block grows with brk.
	 */
	while (b->size < want && adjacent(b, b->next) && b->next->status == STATUS_FREE) {
		index_del(h, b->next);
		absorb(st, b);
	}
	pa_annot_claim((unsigned char *)p + old, b->size - old);	/* now part of the chunk */
	if (b->size < want && (!last || extend_last(h, b, want))) {
		pa_account_resize(h, old, b->size);
		old = b->size;
		goto move;
	}
	split(h, b, want);
	pa_account_resize(h, old, b->size);
	return p;
move:
	n = alloc_block(h, size, h->cfg.mmap_threshold);
	if (!n)
		return NULL;
	memcpy(payload(n), p, keep < size ? keep : size);	/* not what was absorbed */
	release(h, b);
	return payload(n);
}

/* ---- the heap as a whole ---- */

static int brk_init(pagealloc *h)
{
	if (atomic_exchange(&brk_taken, 1)) {
		errno = EBUSY;
		return -1;
	}
	build_index(h);
	return 0;
}

static void unmap_all(pagealloc *h)
{
	struct brk_state *st = state(h);
	struct block_meta *b, *next;

	for (b = st->mapped; b; b = next) {
		next = b->next;
		pa_os_unmap(&h->os, b, map_length(b->size));
	}
	st->mapped = NULL;
}

/* Give the last segment back when nothing has moved the break since. */
static void brk_fini(pagealloc *h)
{
	struct brk_state *st = state(h);
	struct segment *last = st->nseg ? &st->seg[st->nseg - 1] : NULL;

	unmap_all(h);
	if (last && sbrk(0) == last->end)
		pa_os_sbrk(&h->os, -(long)(last->end - last->base));
	atomic_store(&brk_taken, 0);
}

/* Every allocation released: one free block per segment. */
static void brk_reset(pagealloc *h)
{
	struct brk_state *st = state(h);
	struct block_meta *b;
	size_t i;

	unmap_all(h);
	st->head = st->tail = NULL;
	for (i = 0; i < st->nseg; i++) {
		b = (struct block_meta *)st->seg[i].start;
		b->size = (size_t)(st->seg[i].end - st->seg[i].start) - META;
		b->status = STATUS_FREE;
		link_after(st, st->tail, b);
	}
	build_index(h);
}

static int brk_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct brk_state *st = state(h);
	struct block_meta *b;
	int r;

	for (b = st->head; b; b = b->next)
		if ((r = fn(payload(b), b->size, b->status == STATUS_ALLOC, arg)))
			return r;
	for (b = st->mapped; b; b = b->next)
		if ((r = fn(payload(b), b->size, 1, arg)))
			return r;
	return 0;
}

/* The heap blocks tile the segments, in order, linked both ways. */
static int check_heap(const struct brk_state *st, size_t *bytes, size_t *chunks)
{
	const struct block_meta *b = st->head;
	size_t i;

	for (i = 0; i < st->nseg; i++) {
		const struct segment *s = &st->seg[i];
		const unsigned char *at = s->start;
		if (s->start < s->base || s->start - s->base >= ALIGNMENT || s->end <= s->start)
			return -1;
		while (at < s->end) {
			if ((const unsigned char *)b != at || !heap_block(st, b))
				return -1;
			if (b->status == STATUS_ALLOC) {
				*bytes += b->size;
				++*chunks;
			}
			at = block_end(b);
			b = b->next;
		}
		if (at != s->end)
			return -1;
	}
	return b != NULL;
}

/* A node of the treap is a free block of the heap that names it. */
static int node_ok(void *arg, uint32_t t)
{
	const pagealloc *h = arg;
	const struct block_meta *b = nodes(h)[t].item;

	return b && heap_block(state(h), b) && b->status == STATUS_FREE && b->node == t &&
	       b->size == nodes(h)[t].size;
}

/* The index holds exactly the free blocks of the (sound) list, and of two
 * adjacent free blocks one is pending. */
static int check_index(const pagealloc *h)
{
	const struct brk_state *st = state(h);
	const struct pa_tnode *nd = nodes(h);
	const struct block_meta *b;
	size_t nfree = 0, count = 0, npend = 0;
	uint32_t i;

	if (!st->indexed)
		return 0;
	if (st->unordered || !st->fresh || st->fresh > NODES)
		return -1;
	for (b = st->head; b; b = b->next) {
		if (b->status != STATUS_FREE)
			continue;
		nfree++;
		i = b->node;
		if (!i || i >= st->fresh || nd[i].item != b)
			return -1;
		if (adjacent(b, b->next) && b->next->status == STATUS_FREE && !nd[i].mark &&
		    !(b->next->node < st->fresh && nd[b->next->node].mark))
			return -1;
	}
	for (i = st->pend; i; i = nd[i].link)
		if (i >= st->fresh || !nd[i].mark || ++npend > NODES)
			return -1;
	return pa_treap_check(nd, st->root, st->fresh, NODES, node_ok, (void *)h, &count) || count != nfree ? -1 : 0;
}

static int brk_check(const pagealloc *h)
{
	const struct brk_state *st = state(h);
	const struct block_meta *b;
	size_t bytes = 0, chunks = 0, mapped = 0, i;

	if (check_heap(st, &bytes, &chunks) || check_index(h))
		return -1;
	for (i = 0; i < st->nseg; i++)
		mapped += (size_t)(st->seg[i].end - st->seg[i].base);
	for (b = st->mapped; b; b = b->next) {
		if (b->status != STATUS_MAPPED || (uintptr_t)b & (pa_sys_page() - 1) ||
		    (b->next && b->next->prev != b) || (b->prev ? b->prev->next != b : st->mapped != b))
			return -1;
		bytes += b->size;
		chunks++;
		mapped += map_length(b->size);
	}
	return bytes != h->in_use_bytes || chunks != h->chunks_in_use || mapped != h->os.data_bytes;
}

/* Free space as the next search sees it: runs of adjacent free blocks. */
static void brk_stats(const pagealloc *h, struct pagealloc_stats *s)
{
	const struct block_meta *b;
	size_t run = 0;

	for (b = state(h)->head; b; b = b->next) {
		if (b->status != STATUS_FREE)
			continue;
		run = run && b->prev && adjacent(b->prev, b) && b->prev->status == STATUS_FREE
			      ? run + META + b->size : b->size;
		if (run == b->size) {
			s->free_chunks++;
			s->free_bytes += b->size;
		} else {
			s->free_bytes += META + b->size;
		}
		if (run > s->largest_free_bytes)
			s->largest_free_bytes = run;
	}
}

const struct pa_policy pa_policy_brk = {
	.name = "brk",
	.state_size = sizeof(struct brk_state),
	.extra_size = brk_extra_size,
	.init = brk_init,
	.fini = brk_fini,
	.alloc = brk_alloc,
	.free = brk_free,
	.realloc = brk_realloc,
	.calloc = brk_calloc,
	.usable_size = brk_usable_size,
	.check = brk_check,
	.walk = brk_walk,
	.stats = brk_stats,
	.reset = brk_reset,
};
