/*
 * mmap.c - the mmap policy (seed 004 v1): every allocation is a mapping of
 * its own, rounded up to whole system pages; free unmaps it.  An
 * out-of-band table of live mappings (base page -> length) lets free and
 * realloc validate a pointer without touching its memory, and realloc
 * resize with mremap.  Memory fresh from mmap is zero, so calloc skips the
 * memset.
 */
#include <errno.h>
#include <string.h>

#include "addrmap.h"
#include "internal.h"

struct mmap_state {
	struct pa_addrmap live;		/* base page number -> (void *)length */
};

static struct mmap_state *state(const pagealloc *h)
{
	return pa_state(h);
}

/* The length of the live mapping starting at p, or 0. */
static size_t mapping_len(const pagealloc *h, const void *p)
{
	if ((uintptr_t)p & (pa_sys_page() - 1))
		return 0;
	return (size_t)(uintptr_t)pa_addrmap_find(&state(h)->live, pa_page_key(p));
}

/* The table is made at create, so an allocation maps its own pages only
 * (until more than 32 mappings are live and the table doubles). */
static int mmap_init(pagealloc *h)
{
	return pa_addrmap_reserve(&state(h)->live, &h->os, 32);
}

static int unmap_one(void *p, size_t size, int in_use, void *arg)
{
	(void)in_use;
	return pa_os_unmap(&((pagealloc *)arg)->os, p, size);
}

static int mmap_walk(const pagealloc *h, pagealloc_walk_fn fn, void *arg)
{
	const struct pa_addrmap *m = &state(h)->live;
	size_t i, page = pa_sys_page();
	int r;

	for (i = 0; i < m->cap; i++)
		if (m->slot[i].key && (r = fn((void *)(m->slot[i].key * page),
					      (size_t)(uintptr_t)m->slot[i].val, 1, arg)))
			return r;
	return 0;
}

static void mmap_reset(pagealloc *h)
{
	struct mmap_state *st = state(h);

	mmap_walk(h, unmap_one, h);
	st->live.used = 0;
	memset(st->live.slot, 0, st->live.cap * sizeof(*st->live.slot));
}

static void mmap_fini(pagealloc *h)
{
	mmap_walk(h, unmap_one, h);
	pa_addrmap_fini(&state(h)->live, &h->os);
}

static void *mmap_alloc(pagealloc *h, size_t size)
{
	struct mmap_state *st = state(h);
	size_t len;
	void *p;

	if (size > PTRDIFF_MAX - pa_sys_page() || pa_addrmap_reserve(&st->live, &h->os, 1)) {
		errno = ENOMEM;
		return NULL;
	}
	len = pa_round_up(size, pa_sys_page());
	p = pa_os_map(&h->os, len);
	if (!p)
		return NULL;
	pa_addrmap_put(&st->live, pa_page_key(p), (void *)(uintptr_t)len);
	pa_account_alloc(h, len);
	return p;
}

static int mmap_free(pagealloc *h, void *p)
{
	size_t len = mapping_len(h, p);

	if (!len)
		return pa_einval();
	pa_addrmap_remove(&state(h)->live, pa_page_key(p));
	pa_account_free(h, len);
	return pa_os_unmap(&h->os, p, len);
}

static size_t mmap_usable_size(const pagealloc *h, const void *p)
{
	return mapping_len(h, p);
}

static void *mmap_realloc(pagealloc *h, void *p, size_t size)
{
	struct mmap_state *st = state(h);
	size_t old = mapping_len(h, p), len;
	void *q;

	if (size > PTRDIFF_MAX - pa_sys_page()) {
		errno = ENOMEM;
		return NULL;
	}
	len = pa_round_up(size, pa_sys_page());
	if (len == old)
		return p;
	q = pa_os_remap(&h->os, p, old, len);
	if (!q)
		return NULL;
	pa_addrmap_remove(&st->live, pa_page_key(p));
	pa_addrmap_put(&st->live, pa_page_key(q), (void *)(uintptr_t)len);
	pa_account_resize(h, old, len);
	return q;
}

static void *mmap_calloc(pagealloc *h, size_t size)
{
	return mmap_alloc(h, size);	/* fresh anonymous memory reads as zero */
}

static int count_one(void *p, size_t size, int in_use, void *arg)
{
	size_t *sum = arg;

	(void)in_use;
	if ((uintptr_t)p & (pa_sys_page() - 1) || !size || size % pa_sys_page())
		return -1;
	sum[0] += size;
	sum[1]++;
	return 0;
}

static int mmap_check(const pagealloc *h)
{
	size_t sum[2] = { 0, 0 };

	if (mmap_walk(h, count_one, sum))
		return -1;
	return sum[0] != h->in_use_bytes || sum[1] != h->chunks_in_use ||
	       sum[1] != state(h)->live.used || sum[0] != h->os.data_bytes;
}

static void mmap_stats(const pagealloc *h, struct pagealloc_stats *s)
{
	(void)h;
	s->free_bytes = s->largest_free_bytes = s->free_chunks = 0;
}

const struct pa_policy pa_policy_mmap = {
	.name = "mmap",
	.state_size = sizeof(struct mmap_state),
	.init = mmap_init,
	.fini = mmap_fini,
	.alloc = mmap_alloc,
	.free = mmap_free,
	.realloc = mmap_realloc,
	.calloc = mmap_calloc,
	.usable_size = mmap_usable_size,
	.check = mmap_check,
	.walk = mmap_walk,
	.stats = mmap_stats,
	.reset = mmap_reset,
};
