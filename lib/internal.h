/*
 * internal.h - what the dispatch layer (heap.c) and the policies share.
 *
 * heap.c validates arguments, takes the heap lock, and calls the policy
 * through struct pa_policy.  A policy never sees a NULL heap, nor, but in
 * fast_alloc and free (below), a size of 0 or a NULL pointer; it must
 * reject a pointer it did not hand out (return -1/EINVAL from free, 0 from
 * usable_size) without touching state.
 *
 * Words that mean more than one thing here:
 *   page      - the page policy (page.c); a region of page_size bytes, the
 *               unit the page and elastic policies carve (cfg->page_size,
 *               a whole number of OS pages); elastic's struct pa_page, the
 *               descriptor of one such region; and the OS page
 *               (pa_sys_page(), 4 KiB here), the unit of mmap, VSZ and the
 *               address maps' keys.  "System page" always means the last.
 *   chunk     - what a caller holds or may hold: a run of granules handed
 *               out by one alloc (page, elastic, brk), or a cell (cell.c).
 *               In bump.c alone, struct chunk is a pool mapping of
 *               pool_chunk bytes that allocations are bumped through.
 *   granule   - the rounding unit (cfg->granule); "unit" in arena.[ch].
 *   cached    - a freed chunk waiting on a quick list of its exact size:
 *               free to the caller and the stats, not merged in the arena.
 *   region    - the memory an arena carves: page's one mapping, each of
 *               elastic's pages.
 *   run       - in elastic.c (struct run), chunks of one size carved at
 *               once and handed out in address order; elsewhere (arena.c,
 *               brk.c, pa-wcet) a stretch of adjacent free memory.
 *   fast path - fast_alloc and free called straight from pagealloc_alloc
 *               and pagealloc_free when nothing else needs doing (heap.c).
 */
#ifndef PAGEALLOC_INTERNAL_H
#define PAGEALLOC_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pagealloc.h"
#include "os.h"

#define PA_EXPORT __attribute__((visibility("default")))

struct pa_policy {
	const char *name;
	size_t state_size;	/* bytes of policy state after struct pagealloc */
	/* optional: bytes the configuration needs mapped with the heap at
	 * create (found at pa_extra(h)); NULL means none */
	size_t (*extra_size)(const struct pagealloc_config *cfg);
	/* check the policy's own settings; -1/EINVAL when one is bad */
	int (*validate)(const struct pagealloc_config *cfg);
	int (*init)(pagealloc *h);		/* -1/errno; undoes its own work on failure */
	void (*fini)(pagealloc *h);		/* unmaps everything init and later calls mapped */
	/* the whole allocation, any size above 0: NULL/errno */
	void *(*alloc)(pagealloc *h, size_t size);
	/* optional: what pagealloc_alloc goes straight to on a heap without
	 * locks or tools, made by PA_FAST_ALLOC (below) */
	void *(*fast_alloc)(pagealloc *h, size_t size);
	/* -1/EINVAL when p is not live, NULL too: on a heap without locks or
	 * tools pagealloc_free calls it directly (see heap.c) */
	int (*free)(pagealloc *h, void *p);
	/* optional: resize in place or move; NULL uses alloc+copy+free */
	void *(*realloc)(pagealloc *h, void *p, size_t size);
	/* optional: memory fresh from the OS need not be cleared; NULL means alloc+memset */
	void *(*calloc)(pagealloc *h, size_t size);
	size_t (*usable_size)(const pagealloc *h, const void *p);	/* 0 when not live */
	int (*check)(const pagealloc *h);		/* 0, or -1 on a broken invariant */
	int (*walk)(const pagealloc *h, pagealloc_walk_fn fn, void *arg);
	/* fill free_bytes, largest_free_bytes, free_chunks (the rest is heap.c's) */
	void (*stats)(const pagealloc *h, struct pagealloc_stats *st);
	void (*reset)(pagealloc *h);
};

struct pagealloc {
	/* what pagealloc_alloc and pagealloc_free call: the policy's fast
	 * paths, or the full ones (chosen at create, see heap.c) */
	void *(*alloc)(pagealloc *h, size_t size);
	int (*free)(pagealloc *h, void *p);
	struct pagealloc_config cfg;
	const struct pa_policy *pol;
	struct pa_os os;		/* OS calls and mapped bytes of this heap */
	size_t map_bytes;		/* size of the mapping holding this struct */
	size_t in_use_bytes;		/* kept by the policies through pa_account_* */
	size_t peak_in_use_bytes;
	size_t chunks_in_use;
	size_t failed_allocs;
	pthread_mutex_t lock;		/* used only with PAGEALLOC_THREADSAFE */
	int lock_held;			/* lock is taken (heap.c: not while single-threaded) */
	_Alignas(16) unsigned char state[];	/* the policy's, pol->state_size bytes */
};

static inline void *pa_state(const pagealloc *h)
{
	return (void *)h->state;
}

/* The bytes after the policy state, extra_size(cfg) of them. */
static inline void *pa_extra(const pagealloc *h)
{
	return (void *)(h->state + ((h->pol->state_size + 15) & ~(size_t)15));
}

static inline void pa_account_alloc(pagealloc *h, size_t bytes)
{
	h->in_use_bytes += bytes;
	h->chunks_in_use++;
	if (h->in_use_bytes > h->peak_in_use_bytes)
		h->peak_in_use_bytes = h->in_use_bytes;
}

static inline void pa_account_free(pagealloc *h, size_t bytes)
{
	h->in_use_bytes -= bytes;
	h->chunks_in_use--;
}

static inline void pa_account_resize(pagealloc *h, size_t old_bytes, size_t new_bytes)
{
	h->in_use_bytes = h->in_use_bytes - old_bytes + new_bytes;
	if (h->in_use_bytes > h->peak_in_use_bytes)
		h->peak_in_use_bytes = h->in_use_bytes;
}

/* What a policy's fast_alloc did not serve, and the whole fast path of a
 * policy without one: size 0 is refused as the full path refuses it, any
 * other size goes to the policy's alloc, and a failure is counted. */
void *pa_alloc_miss(pagealloc *h, size_t size);

/*
 * The fast path of a policy, its fast_alloc, from hit: an always_inline
 * function serving the policy's common case without a call or a stack
 * frame, that returns NULL (changing nothing, setting no errno) for
 * anything else, size 0 too.  The policy's alloc must serve the chunk hit
 * would (trying hit first does), so that every path finds the same chunks.
 */
#define PA_FAST_ALLOC(name, hit)						\
	static void *name(pagealloc *h, size_t size)				\
	{									\
		void *p_ = hit(h, size);					\
		return __builtin_expect(p_ != NULL, 1) ? p_ : pa_alloc_miss(h, size); \
	}

/* For pthread_atfork handlers of a program sharing a thread-safe heap:
 * hold h's lock across fork (prepare), then release it in the parent and
 * make it anew in the child, which has no thread that could hold it. */
void pa_fork_prepare(pagealloc *h);
void pa_fork_parent(pagealloc *h);
void pa_fork_child(pagealloc *h);

/* Move a live chunk of old_usable bytes to a new one of size bytes through
 * the policy's alloc and free; NULL (p untouched) when alloc fails. */
void *pa_realloc_move(pagealloc *h, void *p, size_t old_usable, size_t size);

/* A policy's answer to a malformed argument: errno EINVAL. */
static inline int pa_einval(void)
{
	errno = EINVAL;
	return -1;
}

static inline void *pa_einval_ptr(void)
{
	errno = EINVAL;
	return NULL;
}

/* Settings every policy shares (config.c): 0 when they are acceptable. */
int pa_config_check(const struct pagealloc_config *cfg);

/* pagealloc_config_parse, and the limits of granule and page_size, that
 * say why in why[0..len) (no stdio, no malloc): "elastic: unknown key 'x'
 * (keys of elastic: ...)".  0, or -1/EINVAL. */
int pa_config_why(struct pagealloc_config *cfg, const char *spec, char *why, size_t len);

/* The system page size, read once. */
size_t pa_sys_page(void);

static inline size_t pa_round_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static inline int pa_is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

extern const struct pa_policy pa_policy_page;
extern const struct pa_policy pa_policy_elastic;
extern const struct pa_policy pa_policy_bump;
extern const struct pa_policy pa_policy_cell;
extern const struct pa_policy pa_policy_mmap;
extern const struct pa_policy pa_policy_brk;

/* config.c: every policy, by enum pagealloc_policy (the names are theirs). */
extern const struct pa_policy *const pa_policies[PAGEALLOC_POLICY_COUNT];

#endif
