/* check_arena.c - white box: the out-of-band chunk manager of lib/arena.c
 * (layout sizes, split/merge/resize at the unit level, bitmap operations,
 * and the invariant checker catching damaged metadata), and the fast paths
 * built on it: cached chunks and the quick lists of the page and elastic
 * policies. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <check.h>

#include "arena.h"
#include "bitmap.h"
#include "internal.h"

static struct pa_layout L;
static struct pa_arena *a;
static unsigned char *region;

/* pa_arena_check, and the cached chunks and units it counted. */
static uint32_t cached[2];

static int check_arena(void)
{
	cached[0] = cached[1] = 0;
	return pa_arena_check(a, &L, cached);
}

static void make_arena(size_t bytes, size_t granule)
{
	ck_assert_int_eq(pa_layout_init(&L, bytes, granule), 0);
	a = mmap(NULL, L.arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(a, MAP_FAILED);
	ck_assert_ptr_ne(region, MAP_FAILED);
	pa_arena_init(a, &L, region);
	ck_assert_int_eq(check_arena(), 0);
}

static void setup(void)
{
	make_arena(4096, 8);
}

static void teardown(void)
{
	munmap(region, L.bytes);
	munmap(a, L.arena_bytes);
}

static void *take(uint32_t units)
{
	void *p = pa_arena_alloc(a, &L, units);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p), units);
	ck_assert_int_eq(check_arena(), 0);
	return p;
}

static void give(void *p)
{
	ck_assert_uint_gt(pa_arena_live_units(a, &L, p), 0);
	pa_arena_free(a, &L, p);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p), 0);
	ck_assert_int_eq(check_arena(), 0);
}

/* The foundation's promise: a 4 KiB page of 8-byte granules needs at most
 * 512 bytes of metadata. */
START_TEST(layout_sizes)
{
	struct pa_layout l;

	ck_assert_int_eq(pa_layout_init(&l, 4096, 8), 0);
	ck_assert_uint_le(l.arena_bytes, 512);
	ck_assert_uint_eq(l.units, 512);
	ck_assert_uint_eq(l.nclasses, 10);
	ck_assert_int_eq(pa_layout_init(&l, 4096, 256), 0);
	ck_assert_uint_le(l.arena_bytes, 128);
	ck_assert_int_eq(pa_layout_init(&l, (size_t)1 << 20, 8), 0);
	ck_assert_uint_le(l.arena_bytes, ((size_t)1 << 20) / 8);	/* < 1/8 of the region */
	ck_assert_int_eq(pa_layout_init(&l, 4096, 12), -1);
	ck_assert_int_eq(pa_layout_init(&l, 4100, 8), -1);
	ck_assert_int_eq(pa_layout_init(&l, 0, 8), -1);
}
END_TEST

START_TEST(fit_mask_and_units)
{
	ck_assert_uint_eq(pa_fit_mask(1), ~0u);
	ck_assert_uint_eq(pa_fit_mask(2), ~0u << 1);
	ck_assert_uint_eq(pa_fit_mask(3), ~0u << 2);	/* class 1 holds 2..3: not all fit */
	ck_assert_uint_eq(pa_fit_mask(4), ~0u << 2);
	ck_assert_uint_eq(pa_fit_mask(5), ~0u << 3);
	ck_assert_uint_eq(pa_units_of(&L, 1), 1);
	ck_assert_uint_eq(pa_units_of(&L, 8), 1);
	ck_assert_uint_eq(pa_units_of(&L, 9), 2);
}
END_TEST

START_TEST(bitmap_search)
{
	pa_word b[3] = { 0 };

	ck_assert_uint_eq(pa_bit_next(b, 150, 0), 150);
	pa_bit_set(b, 0);
	pa_bit_set(b, 64);
	pa_bit_set(b, 149);
	ck_assert_uint_eq(pa_bit_next(b, 150, 0), 0);
	ck_assert_uint_eq(pa_bit_next(b, 150, 1), 64);
	ck_assert_uint_eq(pa_bit_next(b, 150, 65), 149);
	ck_assert_uint_eq(pa_bit_prev(b, 149), 149);
	ck_assert_uint_eq(pa_bit_prev(b, 148), 64);
	ck_assert_uint_eq(pa_bit_prev(b, 63), 0);
	pa_bit_clear(b, 64);
	ck_assert_int_eq(pa_bit_test(b, 64), 0);
	ck_assert_uint_eq(pa_bit_next(b, 150, 1), 149);
	ck_assert_uint_eq(pa_log2(1), 0);
	ck_assert_uint_eq(pa_log2(512), 9);
	ck_assert_uint_eq(pa_log2(513), 9);
}
END_TEST

/* [ a ][ b ][ c ][ rest ]: free b, then a (merge forward), then c (merge
 * both ways); the region is one free chunk again. */
START_TEST(split_and_merge)
{
	unsigned char *p1 = take(10), *p2 = take(20), *p3 = take(30);

	ck_assert_ptr_eq(p1, region);
	ck_assert_ptr_eq(p2, region + 80);
	ck_assert_ptr_eq(p3, region + 240);
	ck_assert_uint_eq(a->used_chunks, 3);
	give(p2);
	ck_assert_uint_eq(a->free_chunks, 2);
	give(p1);
	ck_assert_uint_eq(a->free_chunks, 2);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), 512 - 60);
	give(p3);
	ck_assert_uint_eq(a->free_chunks, 1);
	ck_assert_uint_eq(a->free_units, 512);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), 512);
}
END_TEST

START_TEST(resize_in_place)
{
	unsigned char *p1 = take(10), *p2 = take(10);

	give(p2);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 100), 0);	/* absorbs the free neighbour */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 100);
	ck_assert_int_eq(check_arena(), 0);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 4), 0);	/* gives the tail back */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 4);
	ck_assert_uint_eq(a->free_units, 508);
	ck_assert_int_eq(check_arena(), 0);
	p2 = take(508);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 5), -1);	/* next chunk is in use */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 4);
	ck_assert_int_eq(check_arena(), 0);
}
END_TEST

START_TEST(exhaustion_and_interior)
{
	unsigned char *p = take(512);

	ck_assert_ptr_null(pa_arena_alloc(a, &L, 1));
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p + 8), 0);	/* interior */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p + 3), 0);	/* unaligned */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p + 4096), 0);	/* past the end */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p - 8), 0);	/* before */
	give(p);
}
END_TEST

/* Damaged metadata is caught: the checker is the tests' safety net. */
START_TEST(check_catches_damage)
{
	static const size_t word[] = { 0, 8, 8 + 8, 0 };	/* start, free, class 0 words */
	unsigned char *p1 = take(3), *p2 = take(5);
	pa_word saved;
	size_t w = word[_i] / 8 + (_i == 3 ? L.count_off : 0);

	(void)p1;
	give(p2);
	saved = a->bits[w];
	a->bits[w] ^= _i == 0 ? (pa_word)1 << 1 : _i == 1 ? (pa_word)1 << 0 : (pa_word)1 << 5;
	ck_assert_int_eq(check_arena(), -1);
	a->bits[w] = saved;
	ck_assert_int_eq(check_arena(), 0);
	a->free_units++;
	ck_assert_int_eq(check_arena(), -1);
	a->free_units--;
	a->class_mask ^= 1u << 2;
	ck_assert_int_eq(check_arena(), -1);
	a->class_mask ^= 1u << 2;
	ck_assert_int_eq(check_arena(), 0);
	a->last_start ^= 1;		/* the last chunk's start, remembered wrong */
	ck_assert_int_eq(check_arena(), -1);
	a->last_start ^= 1;
	ck_assert_int_eq(check_arena(), 0);
}
END_TEST

/* The last chunk of a large region: its size and its class marker's chunk
 * come from last_start, not from a search to the end or back to its start;
 * split, merged and resized at the end, the books stay right. */
START_TEST(last_chunk_of_a_large_region)
{
	unsigned char *p1, *p2, *p3;

	teardown();
	make_arena((size_t)1 << 20, 8);
	p1 = take(10);
	p2 = take(100);
	p3 = take(1000);
	ck_assert_uint_eq(a->last_start, 1110);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), L.units - 1110);
	ck_assert_int_eq(pa_arena_resize(a, &L, p3, 2000), 0);	/* grows into the last chunk */
	ck_assert_uint_eq(a->last_start, 2110);
	ck_assert_int_eq(check_arena(), 0);
	give(p3);				/* merges with the last chunk */
	ck_assert_uint_eq(a->last_start, 110);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), L.units - 110);
	p3 = take(L.units - 110);		/* the whole last chunk */
	ck_assert_ptr_eq(p3, p2 + 800);
	ck_assert_uint_eq(a->last_start, 110);
	ck_assert_int_eq(pa_arena_resize(a, &L, p3, 5), 0);	/* shrinks: a new last chunk */
	ck_assert_uint_eq(a->last_start, 115);
	ck_assert_int_eq(check_arena(), 0);
	give(p1);
	give(p2);				/* merges back to 0 */
	give(p3);				/* and everything with it */
	ck_assert_uint_eq(a->last_start, 0);
	ck_assert_uint_eq(a->free_units, L.units);
}
END_TEST

/* Random alloc/free/resize against a byte map of ownership. */
START_TEST(random_against_byte_map)
{
	static unsigned char owner[512];	/* unit -> slot + 1, 0 = free */
	unsigned char *slot[40] = { 0 };
	uint32_t units[40] = { 0 };
	unsigned long long rng = 77 + (unsigned)_i;
	int i, s;
	uint32_t u, n;

	memset(owner, 0, sizeof(owner));
	for (i = 0; i < 20000; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		s = (int)((rng >> 33) % 40);
		n = 1 + (uint32_t)((rng >> 45) % 64);
		if (!slot[s]) {
			slot[s] = pa_arena_alloc(a, &L, n);
			if (!slot[s]) {
				ck_assert_uint_lt(pa_arena_largest_free(a, &L, 0), n);
				continue;
			}
			units[s] = n;
		} else if ((rng >> 60) & 1) {
			if (pa_arena_resize(a, &L, slot[s], n) == 0) {
				for (u = 0; u < 512; u++)
					if (owner[u] == s + 1)
						owner[u] = 0;
				units[s] = n;
			}
			if (units[s] != n) {
				ck_assert_uint_eq(pa_arena_live_units(a, &L, slot[s]), units[s]);
				continue;
			}
		} else {
			pa_arena_free(a, &L, slot[s]);
			for (u = 0; u < 512; u++)
				if (owner[u] == s + 1)
					owner[u] = 0;
			slot[s] = NULL;
			ck_assert_int_eq(check_arena(), 0);
			continue;
		}
		/* the chunk's units were free in the model: no double booking */
		for (u = 0; u < units[s]; u++) {
			uint32_t at = (uint32_t)((slot[s] - region) >> 3) + u;
			ck_assert_msg(owner[at] == 0 || owner[at] == s + 1, "unit %u booked twice", at);
			owner[at] = (unsigned char)(s + 1);
		}
		ck_assert_int_eq(check_arena(), 0);
	}
}
END_TEST

/* ---- cached chunks (arena.h) ---- */

/* A cached chunk is free to every check but unmerged and out of the
 * classes; released, it merges like any free chunk. */
START_TEST(cached_chunk_lifecycle)
{
	unsigned char *p1 = take(4), *p2 = take(6), *p3 = take(8);
	uint32_t i2 = (uint32_t)((p2 - region) >> 3);

	pa_arena_cache(a, &L, i2);
	ck_assert_int_eq(check_arena(), 0);
	ck_assert_uint_eq(cached[0], 1);
	ck_assert_uint_eq(cached[1], 6);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p2), 0);	/* a second free: not live */
	ck_assert_uint_eq(pa_arena_cached_units(a, &L, p2), 6);
	ck_assert_uint_eq(pa_arena_cached_units(a, &L, p1), 0);
	ck_assert_uint_eq(a->used_chunks, 2);
	give(p1);			/* does not absorb the cached neighbour */
	give(p3);
	ck_assert_uint_eq(a->free_chunks, 2);
	ck_assert_uint_eq(pa_arena_cached_units(a, &L, p2), 6);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 1), 512);	/* as if released */
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), 512 - 10);	/* the free chunks only */
	p1 = pa_arena_alloc(a, &L, 6);
	ck_assert_ptr_ne(p1, p2);				/* searches never see it */
	pa_arena_free(a, &L, p1);
	pa_arena_uncache(a, &L, i2);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p2), 6);
	ck_assert_int_eq(check_arena(), 0);
	pa_arena_cache(a, &L, i2);
	pa_arena_release(a, &L, i2, 6);
	ck_assert_int_eq(check_arena(), 0);
	ck_assert_uint_eq(a->free_chunks, 1);
	ck_assert_uint_eq(a->free_units, 512);
	ck_assert_uint_eq(cached[0], 0);
}
END_TEST

/* The checker tells a cached chunk from a free one that lost its marker
 * only by the count, which the policy compares with its lists; a cached
 * chunk does not grow its neighbour. */
START_TEST(check_counts_cached)
{
	unsigned char *p1 = take(4), *p2 = take(4);
	uint32_t c;

	pa_arena_cache(a, &L, 4);
	ck_assert_int_eq(check_arena(), 0);
	ck_assert_uint_eq(cached[0], 1);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 9), -1);	/* no growing into it */
	pa_arena_uncache(a, &L, 4);
	give(p2);					/* p1, then one free chunk */
	c = pa_log2(508);
	pa_bit_clear((pa_word *)a->bits + L.class_off[c], (4 + (1u << c) - 1) >> c);	/* lose its marker */
	ck_assert_int_eq(check_arena(), -1);		/* the free figures disagree */
	ck_assert_uint_eq(cached[0], 1);		/* and it counts as cached */
}
END_TEST

/* The inline size of a chunk agrees with the search, across word ends. */
START_TEST(chunk_units_fast_path)
{
	uint32_t n[] = { 63, 1, 1, 64, 2, 65, 3 }, k, i = 0;

	for (k = 0; k < sizeof(n) / sizeof(n[0]); k++) {
		(void)take(n[k]);
		ck_assert_uint_eq(pa_arena_chunk_units(a, &L, i), n[k]);
		i += n[k];
	}
	ck_assert_uint_eq(pa_arena_chunk_units(a, &L, i), 512 - i);	/* the rest, to the end */
}
END_TEST

/* ---- the quick lists, through the public calls ---- */

static pagealloc *heap_of(const char *spec)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	ck_assert_int_eq(pagealloc_config_parse(&cfg, spec), 0);
	h = pagealloc_create(&cfg);
	ck_assert_ptr_nonnull(h);
	return h;
}

static struct pagealloc_stats stats_of(const pagealloc *h)
{
	struct pagealloc_stats st;

	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_int_eq(pagealloc_check(h), 0);
	return st;
}

struct walked {
	size_t free_bytes, free_chunks, used;
	const void *seek;
	int seek_in_use;
};

static int walk_fn(void *p, size_t size, int in_use, void *arg)
{
	struct walked *w = arg;

	if (p == w->seek)
		w->seek_in_use = in_use;
	if (in_use) {
		w->used++;
	} else {
		w->free_bytes += size;
		w->free_chunks++;
	}
	return 0;
}

/* The figures agree with the walk; seek's state comes back. */
static struct walked walk_of(const pagealloc *h, const void *seek)
{
	struct pagealloc_stats st = stats_of(h);
	struct walked w = { 0, 0, 0, seek, -1 };

	ck_assert_int_eq(pagealloc_walk(h, walk_fn, &w), 0);
	ck_assert_uint_eq(w.free_bytes, st.free_bytes);
	ck_assert_uint_eq(w.free_chunks, st.free_chunks);
	ck_assert_uint_eq(w.used, st.chunks_in_use);
	return w;
}

static const char *const quick_specs[] = { "page:page_size=64K", "elastic", "elastic:page_size=64K" };

/* A freed small chunk waits on its quick list: it is free for free,
 * usable_size, walk, stats and check, and the next request of its size
 * gets it back. */
START_TEST(quick_hit_and_double_free)
{
	pagealloc *h = heap_of(quick_specs[_i]);
	struct pagealloc_stats st0, st;
	char *p = pagealloc_alloc(h, 40), *q = pagealloc_alloc(h, 40);

	ck_assert_ptr_nonnull(p);
	st0 = stats_of(h);
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_bytes, st0.free_bytes + 40);
	ck_assert_uint_eq(st.in_use_bytes, 40);
	ck_assert_int_eq(walk_of(h, p).seek_in_use, 0);
	errno = 0;
	ck_assert_int_eq(pagealloc_free(h, p), -1);	/* double free of a cached chunk */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(pagealloc_usable_size(h, p), 0);
	ck_assert_ptr_null(pagealloc_realloc(h, p, 80));
	ck_assert_int_eq(pagealloc_check(h), 0);
	ck_assert_ptr_eq(pagealloc_alloc(h, 33), p);	/* 33..40 bytes: the same 5 granules */
	ck_assert_int_eq(walk_of(h, p).seek_in_use, 1);
	ck_assert_int_eq(pagealloc_free(h, q), 0);
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	ck_assert_uint_eq(stats_of(h).in_use_bytes, 0);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	ck_assert_uint_eq(stats_of(h).free_chunks, 1);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A request that only released chunks can serve gets it: cached chunks
 * count in largest_free_bytes, and every byte of the region is still
 * reachable. */
START_TEST(quick_released_on_demand)
{
	pagealloc *h = heap_of(_i ? "elastic:max_pages=1" : "page:page_size=16K");	/* 2 deep */
	size_t bytes = _i ? 4096 : 16384, k, n = bytes / 64;
	char *p[256], *big;
	struct pagealloc_stats st;

	for (k = 0; k < n; k++)
		ck_assert_ptr_nonnull(p[k] = pagealloc_alloc(h, 64));
	for (k = 0; k < n; k++)
		ck_assert_int_eq(pagealloc_free(h, p[k]), 0);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_bytes, bytes);
	ck_assert_uint_eq(st.largest_free_bytes, bytes);
	ck_assert_uint_gt(st.free_chunks, 1);		/* some wait on the quick list */
	big = pagealloc_alloc(h, bytes);
	ck_assert_ptr_nonnull(big);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_bytes, 0);
	ck_assert_uint_eq(st.mapped_bytes, bytes);
	ck_assert_int_eq(pagealloc_free(h, big), 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Quick lists are linked through the cached chunks themselves, so they
 * have no depth limit: every freed small chunk waits on its list (each one
 * a free chunk of its own) beside the merged tail.  An empty page beyond
 * the spares goes back to the OS with its cached chunks, and a stale
 * pointer into it (the page of the last free) is refused. */
START_TEST(quick_cached_and_pages_returned)
{
	pagealloc *h = heap_of("elastic:spare_pages=0");
	struct pagealloc_stats st;
	char *p[20], *keep;
	int k;

	keep = pagealloc_alloc(h, 3000);
	for (k = 0; k < 20; k++)
		ck_assert_ptr_nonnull(p[k] = pagealloc_alloc(h, 48));
	for (k = 0; k < 20; k++)
		ck_assert_int_eq(pagealloc_free(h, p[k]), 0);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_chunks, 20 + 1);	/* 20 cached, the tail */
	ck_assert_uint_eq(st.free_bytes, 4096 - pagealloc_usable_size(h, keep));
	ck_assert_int_eq(pagealloc_free(h, keep), 0);	/* the page empties: unmapped */
	st = stats_of(h);
	ck_assert_uint_eq(st.mapped_bytes, 0);
	ck_assert_uint_eq(st.free_bytes, 0);
	errno = 0;
	ck_assert_int_eq(pagealloc_free(h, p[0]), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pagealloc_free(h, keep), -1);
	ck_assert_ptr_nonnull(p[0] = pagealloc_alloc(h, 48));
	ck_assert_int_eq(pagealloc_free(h, p[0]), 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* The quick lists have no depth limit on either policy: 300 freed chunks
 * of one size all wait on their list (the walk and the stats agree), the
 * next 300 requests of that size get exactly them back, in the reverse
 * order, and the free tail is untouched throughout. */
START_TEST(quick_unbounded)
{
	enum { N = 300 };
	pagealloc *h = heap_of(quick_specs[_i]);
	static char *p[N], *q[N];
	struct pagealloc_stats st;
	size_t tail;
	int k;

	for (k = 0; k < N; k++) {
		ck_assert_ptr_nonnull(p[k] = pagealloc_alloc(h, 48));
		memset(p[k], k & 0xff, 48);
	}
	tail = stats_of(h).largest_free_bytes;
	for (k = 0; k < N; k++)
		ck_assert_int_eq(pagealloc_free(h, p[k]), 0);
	st = stats_of(h);
	ck_assert_uint_ge(st.free_chunks, N);
	ck_assert_uint_eq(walk_of(h, NULL).free_chunks, st.free_chunks);
	for (k = 0; k < N; k++) {
		ck_assert_ptr_nonnull(q[k] = pagealloc_alloc(h, 48));
		ck_assert_ptr_eq(q[k], p[N - 1 - k]);	/* the newest first */
		ck_assert_int_eq(pagealloc_check(h), 0);
	}
	ck_assert_uint_eq(stats_of(h).largest_free_bytes, tail);
	for (k = 0; k < N; k++)
		ck_assert_int_eq(pagealloc_free(h, q[k]), 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A full region whose only free memory is cached chunks of 48 bytes serves
 * a request of 32 from one of them, without emptying the other lists: the
 * chunk is split and its tail freed. */
START_TEST(quick_split_larger)
{
	pagealloc *h = heap_of("page:page_size=16K");
	char *p[400], *fill, *s;
	size_t n = 0, k;
	struct pagealloc_stats st;

	while (n < 64 && (p[n] = pagealloc_alloc(h, 48)))
		n++;
	fill = pagealloc_alloc(h, stats_of(h).largest_free_bytes);
	ck_assert_ptr_nonnull(fill);
	ck_assert_uint_eq(stats_of(h).free_bytes, 0);
	for (k = 0; k < n; k += 2)
		ck_assert_int_eq(pagealloc_free(h, p[k]), 0);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_chunks, (n + 1) / 2);
	s = pagealloc_alloc(h, 32);
	ck_assert_ptr_eq(s, p[n - 2]);			/* the newest cached one */
	ck_assert_uint_eq(pagealloc_usable_size(h, s), 32);
	st = stats_of(h);
	ck_assert_uint_eq(st.free_chunks, (n + 1) / 2);	/* one gone, its tail new */
	ck_assert_uint_eq(st.free_bytes, (n + 1) / 2 * 48 - 32);
	ck_assert_int_eq(pagealloc_free(h, s), 0);
	ck_assert_int_eq(pagealloc_free(h, fill), 0);
	for (k = 1; k < n; k += 2)
		ck_assert_int_eq(pagealloc_free(h, p[k]), 0);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	ck_assert_uint_eq(stats_of(h).free_bytes, 16384);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Random small allocations and frees, every chunk patterned and verified,
 * with frees of stale pointers thrown in: each must get EINVAL exactly when
 * the pointer is not live, and the heap's check must pass throughout. */
START_TEST(quick_random_model)
{
	enum { SLOTS = 300 };
	static char *live[SLOTS];
	static size_t size[SLOTS];
	static char *dead[64];
	pagealloc *h = heap_of(quick_specs[_i]);
	unsigned long long rng = 99 + (unsigned)_i;
	int op, s, k, nd = 0;

	memset(live, 0, sizeof(live));
	for (op = 0; op < 30000; op++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		s = (int)((rng >> 33) % SLOTS);
		if (!live[s]) {
			size[s] = 1 + (size_t)((rng >> 45) % 300);
			live[s] = pagealloc_alloc(h, size[s]);
			ck_assert_ptr_nonnull(live[s]);
			for (k = 0; k < nd; k++)	/* a stale pointer that came back */
				if (dead[k] == live[s])
					dead[k] = dead[--nd];
			memset(live[s], s & 0xff, size[s]);
		} else {
			for (k = 0; k < (int)size[s]; k++)
				ck_assert_int_eq((unsigned char)live[s][k], s & 0xff);
			ck_assert_int_eq(pagealloc_free(h, live[s]), 0);
			if (nd < 64)
				dead[nd++] = live[s];
			live[s] = NULL;
		}
		if ((rng >> 20) % 16 == 0 && nd) {	/* a double free */
			errno = 0;
			ck_assert_int_eq(pagealloc_free(h, dead[(rng >> 8) % (unsigned)nd]), -1);
			ck_assert_int_eq(errno, EINVAL);
		}
		if (op % 16 == 0)
			(void)walk_of(h, NULL);
	}
	for (s = 0; s < SLOTS; s++)
		if (live[s])
			ck_assert_int_eq(pagealloc_free(h, live[s]), 0);
	ck_assert_uint_eq(stats_of(h).in_use_bytes, 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, layout_sizes);
	tcase_add_test(tc, fit_mask_and_units);
	tcase_add_test(tc, bitmap_search);
	tcase_add_test(tc, split_and_merge);
	tcase_add_test(tc, resize_in_place);
	tcase_add_test(tc, exhaustion_and_interior);
	tcase_add_loop_test(tc, check_catches_damage, 0, 4);
	tcase_add_test(tc, last_chunk_of_a_large_region);
	tcase_add_loop_test(tc, random_against_byte_map, 0, 4);
	tcase_add_test(tc, cached_chunk_lifecycle);
	tcase_add_test(tc, check_counts_cached);
	tcase_add_test(tc, chunk_units_fast_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("quick");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, quick_hit_and_double_free, 0, 3);
	tcase_add_loop_test(tc, quick_released_on_demand, 0, 2);
	tcase_add_test(tc, quick_cached_and_pages_returned);
	tcase_add_loop_test(tc, quick_unbounded, 0, 3);
	tcase_add_test(tc, quick_split_larger);
	tcase_add_loop_test(tc, quick_random_model, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arena_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
