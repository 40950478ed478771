/*
 * heap.c - the public calls: check the arguments, take the heap's lock,
 * and hand the work to the heap's policy.  alloc and free have a fast path
 * for the common heap (see choose_paths()), which calloc takes too when the
 * policy has no calloc of its own; every other call, realloc too, runs
 * between lock() and unlock().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#ifdef HAVE_SYS_SINGLE_THREADED_H
#include <sys/single_threaded.h>
#endif

#include "annotate.h"
#include "internal.h"

/* No other thread can be running: glibc says so when it knows (no thread
 * was ever created, or this is a fork's child); elsewhere never. */
static int single_threaded(void)
{
#ifdef HAVE_SYS_SINGLE_THREADED_H
	return __libc_single_threaded;
#else
	return 0;
#endif
}

/*
 * Every call into the policy runs between lock and unlock, and so in
 * memcheck's quiet mode (annotate.h).  A thread-safe heap's mutex is taken
 * only while other threads may run: with one thread there is no one to
 * exclude, and no new thread can start before this one leaves.  Whether it
 * was taken is kept with it, for unlock, since the answer of
 * single_threaded may change in between (a thread may end).
 */
static void lock(const pagealloc *h)
{
	pagealloc *m = (pagealloc *)h;

	if ((h->cfg.flags & PAGEALLOC_THREADSAFE) && !single_threaded()) {
		pthread_mutex_lock(&m->lock);
		m->lock_held = 1;
	}
	pa_annot_enter();
}

static void unlock(const pagealloc *h)
{
	pagealloc *m = (pagealloc *)h;

	pa_annot_leave();
	if (h->lock_held) {
		m->lock_held = 0;
		pthread_mutex_unlock(&m->lock);
	}
}

void pa_fork_prepare(pagealloc *h)
{
	pthread_mutex_lock(&h->lock);
}

void pa_fork_parent(pagealloc *h)
{
	pthread_mutex_unlock(&h->lock);
}

void pa_fork_child(pagealloc *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->lock_held = 0;
}

/*
 * The fast path of alloc and free: a heap with neither PAGEALLOC_STRICT nor
 * PAGEALLOC_THREADSAFE, and no tool to tell about its chunks (annotate.h),
 * goes straight to the policy; the bookkeeping of a failure (failed_allocs)
 * is done after it.  A PAGEALLOC_THREADSAFE heap does the same while the
 * process has one thread (alloc_shared, free_shared).  Everything else (a
 * NULL heap, size 0, STRICT, a lock that is needed, memcheck or ASan) takes
 * the full path below, which makes the same checks in the same order.
 */

/* The fast path of h's policy: its fast_alloc, or pa_alloc_miss. */
static inline void *(*fast_alloc_of(const pagealloc *h))(pagealloc *, size_t)
{
	return h->pol->fast_alloc ? h->pol->fast_alloc : pa_alloc_miss;
}

/* ---- what memcheck and ASan are told (annotate.h) ---- */

/* A new chunk (or NULL); its first defined bytes hold data already. */
static void *watch_new(const pagealloc *h, void *p, size_t defined)
{
	if (p && pa_annot_active())
		pa_annot_alloc(p, h->pol->usable_size(h, p), defined);
	return p;
}

/* The live chunk p (old usable bytes) became q: resized in place, moved
 * with its first copied bytes, or left as it was (q NULL). */
static void watch_realloc(const pagealloc *h, void *p, size_t old, void *q, size_t copied)
{
	if (!q || !pa_annot_active())
		return;
	if (q == p) {
		pa_annot_resize(p, old, h->pol->usable_size(h, p));
		return;
	}
	pa_annot_moved(p);
	watch_new(h, q, copied);
}

static int forget_chunk(void *p, size_t size, int in_use, void *arg)
{
	(void)arg;
	pa_annot_forget(p, size, in_use);
	return 0;
}

/* Before reset and destroy: no chunk stays registered or poisoned. */
static void forget_all(const pagealloc *h)
{
	if (pa_annot_active())
		h->pol->walk(h, forget_chunk, NULL);
}

static void *alloc_locked(pagealloc *h, size_t size);
static int free_locked(pagealloc *h, void *p);
static void *alloc_shared(pagealloc *h, size_t size);
static int free_shared(pagealloc *h, void *p);

/*
 * What pagealloc_alloc and pagealloc_free call, fixed at create (the flags
 * do not change, and whether a tool is told is decided once).  A heap
 * without STRICT and without a tool skips the checks: it goes straight to
 * its policy's fast_alloc (or, without one, pa_alloc_miss) and free, and
 * with THREADSAFE it does so through alloc_shared and free_shared.  Every
 * other heap takes alloc_locked and free_locked.
 */
static void choose_paths(pagealloc *h)
{
	int quiet, shared;

	pa_annot_active();	/* decides, once, whether a tool watches */
	quiet = !(h->cfg.flags & PAGEALLOC_STRICT) && !pa_annot_maybe();
	shared = h->cfg.flags & PAGEALLOC_THREADSAFE;
	h->alloc = !quiet ? alloc_locked : shared ? alloc_shared : fast_alloc_of(h);
	h->free = !quiet ? free_locked : shared ? free_shared : h->pol->free;
}

PA_EXPORT pagealloc *pagealloc_create(const struct pagealloc_config *cfg)
{
	const struct pa_policy *pol;
	struct pa_os os = { 0 };
	size_t bytes, extra = 0;
	pagealloc *h;
	int err;

	if (!cfg || pa_config_check(cfg))
		return pa_einval_ptr();
	pol = pa_policies[cfg->policy];
	if (pol->validate && pol->validate(cfg))
		return NULL;
	if (pol->extra_size)
		extra = pol->extra_size(cfg);
	bytes = sizeof(*h) + ((pol->state_size + 15) & ~(size_t)15) + extra;
	h = pa_os_map_meta(&os, bytes);
	if (!h)
		return NULL;
	h->os = os;
	h->cfg = *cfg;
	h->pol = pol;
	h->map_bytes = bytes;
	choose_paths(h);
	pthread_mutex_init(&h->lock, NULL);
	if (pol->init(h)) {
		err = errno;
		pthread_mutex_destroy(&h->lock);
		munmap(h, pa_round_up(bytes, pa_sys_page()));
		errno = err;
		return NULL;
	}
	return h;
}

PA_EXPORT int pagealloc_destroy(pagealloc *h)
{
	if (!h)
		return pa_einval();
	pa_annot_enter();
	forget_all(h);
	h->pol->fini(h);
	pa_annot_leave();
	pthread_mutex_destroy(&h->lock);
	return munmap(h, pa_round_up(h->map_bytes, pa_sys_page()));
}

/* Reject what no policy can serve: size 0 and, with STRICT, a ragged size. */
static int bad_size(const pagealloc *h, size_t size)
{
	return size == 0 || ((h->cfg.flags & PAGEALLOC_STRICT) && size % h->cfg.granule);
}

/* Count a failed allocation; the heap's lock must be held (or the heap is
 * not shared).  Out of line, so that the fast paths need no stack frame. */
static __attribute__((noinline)) void *failed(pagealloc *h, int err)
{
	h->failed_allocs++;
	errno = err;
	return NULL;
}

/* The same for a request refused before the lock was taken. */
static void *refused(pagealloc *h, int err)
{
	lock(h);
	failed(h, err);
	unlock(h);
	errno = err;
	return NULL;
}

void *pa_alloc_miss(pagealloc *h, size_t size)
{
	void *p;

	if (__builtin_expect(!size, 0))
		return failed(h, EINVAL);
	p = h->pol->alloc(h, size);
	return p ? p : failed(h, errno);
}

/* h->alloc of a heap that must check and lock (see choose_paths). */
static void *alloc_locked(pagealloc *h, size_t size)
{
	void *p;

	if (bad_size(h, size))
		return refused(h, EINVAL);
	lock(h);
	p = watch_new(h, h->pol->alloc(h, size), 0);
	if (!p)
		failed(h, errno);
	unlock(h);
	return p;
}

/* h->alloc of a thread-safe heap: the fast path while no other thread
 * can run (single_threaded), else alloc_locked. */
static void *alloc_shared(pagealloc *h, size_t size)
{
	if (__builtin_expect(single_threaded(), 1))
		return fast_alloc_of(h)(h, size);
	return alloc_locked(h, size);
}

/* h->alloc: the policy's fast path or alloc_locked (see choose_paths). */
PA_EXPORT void *pagealloc_alloc(pagealloc *h, size_t size)
{
	if (__builtin_expect(!h, 0))
		return pa_einval_ptr();
	return h->alloc(h, size);
}

PA_EXPORT void *pagealloc_calloc(pagealloc *h, size_t nmemb, size_t size)
{
	size_t total;
	void *p;

	if (!h)
		return pa_einval_ptr();
	if (__builtin_mul_overflow(nmemb, size, &total))
		return refused(h, ENOMEM);
	if (bad_size(h, total))
		return refused(h, EINVAL);
	if (!h->pol->calloc) {	/* pagealloc_alloc's way (h->alloc), then zeroed */
		p = h->alloc(h, total);
		return p ? memset(p, 0, total) : NULL;
	}
	lock(h);
	p = watch_new(h, h->pol->calloc(h, total), total);
	if (!p)
		failed(h, errno);
	unlock(h);
	return p;
}

void *pa_realloc_move(pagealloc *h, void *p, size_t old_usable, size_t size)
{
	void *q = h->pol->alloc(h, size);

	if (!q)
		return NULL;
	pa_annot_claim(q, size);	/* it may have been a freed chunk */
	memcpy(q, p, old_usable < size ? old_usable : size);
	pa_annot_poison(p, old_usable);		/* before the policy may unmap it */
	h->pol->free(h, p);
	return q;
}

/* The policy's realloc, or a move (old: p's usable size). */
static void *policy_realloc(pagealloc *h, void *p, size_t old, size_t size)
{
	return h->pol->realloc ? h->pol->realloc(h, p, size) : pa_realloc_move(h, p, old, size);
}

PA_EXPORT void *pagealloc_realloc(pagealloc *h, void *p, size_t size)
{
	size_t old;
	void *q;

	if (!h)
		return pa_einval_ptr();
	if (!p)
		return pagealloc_alloc(h, size);
	if (size == 0) {
		pagealloc_free(h, p);
		return NULL;
	}
	if (bad_size(h, size))
		return refused(h, EINVAL);
	lock(h);
	old = h->pol->usable_size(h, p);
	if (!old) {
		unlock(h);
		return pa_einval_ptr();
	}
	q = policy_realloc(h, p, old, size);
	watch_realloc(h, p, old, q, old < size ? old : size);
	if (!q)
		failed(h, errno);
	unlock(h);
	return q;
}

/* h->free of a heap that must check and lock (see choose_paths). */
static int free_locked(pagealloc *h, void *p)
{
	size_t n;
	int r;

	if (!p)
		return pa_einval();
	lock(h);
	if (pa_annot_active() && (n = h->pol->usable_size(h, p)))
		pa_annot_free(p, n);	/* first: cell writes its link into it */
	r = h->pol->free(h, p);
	unlock(h);
	return r;
}

/* The same for free. */
static int free_shared(pagealloc *h, void *p)
{
	if (__builtin_expect(single_threaded(), 1))
		return h->pol->free(h, p);
	return free_locked(h, p);
}

/* h->free: the policy's free or free_locked (see choose_paths). */
PA_EXPORT int pagealloc_free(pagealloc *h, void *p)
{
	if (__builtin_expect(!h, 0))
		return pa_einval();
	return h->free(h, p);
}

PA_EXPORT size_t pagealloc_usable_size(const pagealloc *h, const void *p)
{
	size_t n;

	if (!h || !p) {
		errno = EINVAL;
		return 0;
	}
	lock(h);
	n = h->pol->usable_size(h, p);
	unlock(h);
	if (!n)
		errno = EINVAL;
	return n;
}

PA_EXPORT int pagealloc_get_stats(const pagealloc *h, struct pagealloc_stats *st)
{
	if (!h || !st)
		return pa_einval();
	memset(st, 0, sizeof(*st));
	lock(h);
	h->pol->stats(h, st);
	st->in_use_bytes = h->in_use_bytes;
	st->peak_in_use_bytes = h->peak_in_use_bytes;
	st->chunks_in_use = h->chunks_in_use;
	st->mapped_bytes = h->os.data_bytes;
	st->peak_mapped_bytes = h->os.peak_data_bytes;
	st->metadata_bytes = h->os.meta_bytes;
	st->os_map_calls = h->os.map_calls;
	st->os_unmap_calls = h->os.unmap_calls;
	st->os_brk_calls = h->os.brk_calls;
	st->failed_allocs = h->failed_allocs;
	unlock(h);
	return 0;
}

PA_EXPORT int pagealloc_check(const pagealloc *h)
{
	int r;

	if (!h)
		return pa_einval();
	lock(h);
	r = h->pol->check(h);
	if (!r && h->peak_in_use_bytes < h->in_use_bytes)
		r = -1;
	unlock(h);
	if (r) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

#if PA_MEMCHECK
struct walk_call {
	pagealloc_walk_fn fn;
	void *arg;
};

/* The caller's callback runs with memcheck reporting on. */
static int walk_loud(void *p, size_t size, int in_use, void *arg)
{
	const struct walk_call *c = arg;
	int r;

	pa_annot_leave();
	r = c->fn(p, size, in_use, c->arg);
	pa_annot_enter();
	return r;
}
#endif

PA_EXPORT int pagealloc_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	int r;

	if (!h || !fn)
		return pa_einval();
	lock(h);
#if PA_MEMCHECK
	r = h->pol->walk(h, walk_loud, &(struct walk_call){ fn, arg });
#else
	r = h->pol->walk(h, fn, arg);
#endif
	unlock(h);
	return r;
}

PA_EXPORT int pagealloc_reset(pagealloc *h)
{
	if (!h)
		return pa_einval();
	lock(h);
	forget_all(h);
	h->pol->reset(h);
	h->in_use_bytes = 0;
	h->chunks_in_use = 0;
	unlock(h);
	return 0;
}
