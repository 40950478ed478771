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

#include "annotate.h"
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

/* An arena over a fresh region, laid out by init (pa_layout_init or
 * pa_layout_init_tlsf). */
static void make_arena_with(int (*init)(struct pa_layout *, size_t, size_t), size_t bytes, size_t granule)
{
	ck_assert_int_eq(init(&L, bytes, granule), 0);
	a = mmap(NULL, L.arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(a, MAP_FAILED);
	ck_assert_ptr_ne(region, MAP_FAILED);
	pa_arena_init(a, &L, region);
	ck_assert_int_eq(check_arena(), 0);
}

static void make_arena(size_t bytes, size_t granule)
{
	make_arena_with(pa_layout_init, bytes, granule);
}

static void setup(void)
{
	make_arena(4096, 8);
}

static void teardown(void)
{
	pa_annot_open(region, L.bytes);	/* ASan keeps the poison of unmapped memory */
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
static void last_chunk_steps(void)
{
	unsigned char *p1, *p2, *p3;

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

START_TEST(last_chunk_of_a_large_region)
{
	teardown();
	make_arena((size_t)1 << 20, 8);
	last_chunk_steps();
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

/* ---- the two-level (tlsf) index ---- */

static void setup_tlsf(void)
{
	make_arena_with(pa_layout_init_tlsf, (size_t)64 << 10, 8);
	ck_assert_uint_eq(L.tlsf, 1);
}

static uint32_t unit_of(const void *p)
{
	return (uint32_t)(((const unsigned char *)p - region) >> L.shift);
}

/* The free figures and the last chunk's start after a step, and the
 * check. */
static void expect_free(uint32_t units, uint32_t chunks, uint32_t largest, uint32_t last)
{
	ck_assert_uint_eq(a->free_units, units);
	ck_assert_uint_eq(a->free_chunks, chunks);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 0), largest);
	ck_assert_uint_eq(a->last_start, last);
	ck_assert_int_eq(check_arena(), 0);
}

/* Unit u of the region, as a pointer. */
static unsigned char *at(uint32_t u)
{
	return region + ((size_t)u << L.shift);
}

/* The layout: three unit bitmaps (start, free, edge), a 32-bit mask per
 * first level and a 32-bit head per list.  For 64 KiB of 8-byte granules
 * (8192 units, nfl 10) that is 3072 + 40 + 1280 bytes and the header:
 * 4424, about what the class layout needs (4224; the heads cost more than
 * the class bitmaps save); for 1 MiB (nfl 14) 51032, against 65680. */
START_TEST(tlsf_layout)
{
	struct pa_layout l, c;

	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)64 << 10, 8), 0);
	ck_assert_uint_eq(l.tlsf, 1);
	ck_assert_uint_eq(l.units, 8192);
	ck_assert_uint_eq(l.nfl, 10);		/* up to the list of 2^13 units: the region */
	ck_assert_uint_le(l.arena_bytes, 4608);
	ck_assert_int_eq(pa_layout_init(&c, (size_t)64 << 10, 8), 0);
	ck_assert_uint_eq(c.tlsf, 0);
	ck_assert_uint_le(l.arena_bytes, c.arena_bytes + 256);
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)1 << 20, 8), 0);
	ck_assert_uint_eq(l.tlsf, 1);
	ck_assert_uint_eq(l.nfl, 14);
	ck_assert_uint_le(l.arena_bytes, (size_t)52 << 10);	/* under 5% of the region */
	ck_assert_int_eq(pa_layout_init(&c, (size_t)1 << 20, 8), 0);
	ck_assert_uint_lt(l.arena_bytes + ((size_t)8 << 10), c.arena_bytes);
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)PA_MAX_UNITS * 8, 8), 0);
	ck_assert_uint_le(l.nfl, 32);		/* the largest region: class_mask holds them */
	ck_assert_int_eq(pa_layout_init_tlsf(&l, 128, 8), 0);
	ck_assert_uint_eq(l.nfl, 1);		/* 16 units: the exact lists only */
	errno = 0;
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)64 << 10, 4), -1);	/* no room for the links */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)64 << 10, 1), -1);
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)64 << 10, 12), -1);	/* not a power of two */
	ck_assert_int_eq(pa_layout_init_tlsf(&l, (size_t)64 << 10, 24), -1);
	ck_assert_int_eq(pa_layout_init_tlsf(&l, 0, 8), -1);
}
END_TEST

/* Good fit in O(1): free chunks of 33..62 units (one list per size below
 * 64) and one of 63, everything else taken (each take the tail of the
 * free chunk at 0: from the end down); a request of 63 gets the 63-unit
 * chunk from the masks alone, one of 40 the 40-unit chunk, one of 1 the
 * tail of the smallest (33), whose first 32 stay free where they were.
 * A request nothing serves fails cleanly. */
START_TEST(tlsf_good_fit)
{
	const uint32_t U = L.units;
	unsigned char *p[31];
	uint32_t n, used = 0;

	for (n = 33; n <= 63; n++) {
		p[n - 33] = take(n);
		ck_assert_ptr_eq(p[n - 33], at(U - used - n));
		ck_assert_ptr_eq(take(1), at(U - used - n - 1));	/* keeps the free chunks apart */
		used += n + 1;
	}
	ck_assert_ptr_eq(take(U - used), region);	/* the rest, whole */
	expect_free(0, 0, 0, U - 33);
	give(p[63 - 33]);			/* the 63 first: the oldest */
	for (n = 33; n < 63; n++)
		give(p[n - 33]);
	expect_free(used - 31, 31, 63, U - 33);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 63), p[63 - 33]);
	ck_assert_int_eq(check_arena(), 0);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 40), p[40 - 33]);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 34), p[34 - 33]);
	expect_free(used - 31 - 63 - 40 - 34, 28, 62, U - 33);
	ck_assert_ptr_null(pa_arena_alloc(a, &L, 63));	/* none of 63 or more is left */
	ck_assert_ptr_null(pa_arena_alloc(a, &L, 64));
	ck_assert_ptr_null(pa_arena_alloc(a, &L, U));
	ck_assert_ptr_null(pa_arena_alloc(a, &L, U + 1));
	expect_free(used - 31 - 63 - 40 - 34, 28, 62, U - 33);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 1), at(U - 1));	/* the least that fits: its tail */
	expect_free(used - 31 - 63 - 40 - 34 - 1, 28, 62, U - 1);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 32), p[33 - 33]);	/* its rest, whole */
	expect_free(used - 31 - 63 - 40 - 34 - 33, 27, 62, U - 1);
}
END_TEST

/* 64 and 65 units share a list: a request of 65 takes a chunk of the next
 * list up first, which surely fits (the 100: its tail), and scans its own
 * list only when no larger list has any: then it finds the 65 behind the
 * 64.  The 100's first 35 stay free where they were. */
START_TEST(tlsf_own_list)
{
	const uint32_t U = L.units;
	unsigned char *p65 = take(65), *p100, *p64;

	ck_assert_ptr_eq(p65, at(U - 65));
	ck_assert_ptr_eq(take(1), at(U - 66));
	p100 = take(100);
	ck_assert_ptr_eq(p100, at(U - 166));
	ck_assert_ptr_eq(take(1), at(U - 167));
	p64 = take(64);
	ck_assert_ptr_eq(p64, at(U - 231));
	ck_assert_ptr_eq(take(1), at(U - 232));
	ck_assert_ptr_eq(take(U - 232), region);
	expect_free(0, 0, 0, U - 65);
	give(p65);
	give(p100);
	give(p64);				/* the head of the list of 64..65 */
	expect_free(229, 3, 100, U - 65);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 65), p100 + 35 * 8);
	expect_free(164, 3, 65, U - 65);	/* the 100's first 35 are free */
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 65), p65);
	expect_free(99, 2, 64, U - 65);
	ck_assert_ptr_null(pa_arena_alloc(a, &L, 65));	/* the 64 does not serve it */
	expect_free(99, 2, 64, U - 65);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 64), p64);
	expect_free(35, 1, 35, U - 65);
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 35), p100);
	expect_free(0, 0, 0, U - 65);
}
END_TEST

/* The own list is walked no further than PA_TLSF_WALK chunks: a 65 freed
 * first, then the 64s in front of it (each its own chunk, between live
 * 1-unit ones), and nothing larger free.  With PA_TLSF_WALK - 1 of them
 * the 65 is the last chunk walked and serves a request of 65; with one
 * more it lies past the bound, and the request fails (a fitting chunk
 * further down is not looked for), changing nothing. */
static void own_list_bound(int sixty_fours)
{
	const uint32_t U = L.units;
	unsigned char *p65 = take(65), *p64[PA_TLSF_WALK];
	uint32_t used = 66;
	int k;

	(void)take(1);
	for (k = 0; k < sixty_fours; k++) {
		p64[k] = take(64);
		(void)take(1);
		used += 65;
	}
	(void)take(U - used);
	give(p65);
	for (k = 0; k < sixty_fours; k++)
		give(p64[k]);
	expect_free(65 + 64 * (uint32_t)sixty_fours, 1 + (uint32_t)sixty_fours, 65, U - 65);
	if (sixty_fours < PA_TLSF_WALK) {
		ck_assert_ptr_eq(pa_arena_alloc(a, &L, 65), p65);
		expect_free(64 * (uint32_t)sixty_fours, (uint32_t)sixty_fours, 64, U - 65);
	} else {
		ck_assert_ptr_null(pa_arena_alloc(a, &L, 65));
		expect_free(65 + 64 * (uint32_t)sixty_fours, 1 + (uint32_t)sixty_fours, 65, U - 65);
	}
	ck_assert_ptr_eq(pa_arena_alloc(a, &L, 64), p64[sixty_fours - 1]);	/* the head */
}

START_TEST(tlsf_own_list_walked_to_the_bound)
{
	own_list_bound(PA_TLSF_WALK - 1);
}
END_TEST

START_TEST(tlsf_own_list_not_walked_past_the_bound)
{
	own_list_bound(PA_TLSF_WALK);
}
END_TEST

/* Each take the tail of the rest: [ rest ][ 40 ][ 30 ][ 20 ][ 10 ].  Free
 * the 20 (alone), the 10 (merges with the one before), the 30 (with the
 * one after), then the 40 (with both): one free chunk again.  The merged
 * 60 is on the list of 60. */
START_TEST(tlsf_split_and_merge)
{
	const uint32_t U = L.units;
	unsigned char *p1 = take(10), *p2 = take(20), *p3 = take(30), *p4 = take(40);

	ck_assert_ptr_eq(p1, at(U - 10));
	ck_assert_ptr_eq(p2, at(U - 30));
	ck_assert_ptr_eq(p3, at(U - 60));
	ck_assert_ptr_eq(p4, at(U - 100));
	expect_free(U - 100, 1, U - 100, U - 10);
	give(p2);
	expect_free(U - 80, 2, U - 100, U - 10);
	give(p1);
	expect_free(U - 70, 2, U - 100, U - 30);
	give(p3);
	expect_free(U - 40, 2, U - 100, U - 60);
	ck_assert_ptr_eq(take(60), p3);		/* exactly the merged chunk */
	expect_free(U - 100, 1, U - 100, U - 60);
	give(p3);
	expect_free(U - 40, 2, U - 100, U - 60);
	give(p4);
	expect_free(U, 1, U, 0);
}
END_TEST

/* A merged chunk that stays on a neighbour's list keeps that neighbour's
 * node (moved to the new start when it is the one after); one that leaves
 * both lists gets a new node.  Taken from the rest's tail, [ rest 7178 ]
 * [ 4 ][ 4 ][ 2 ][ 4 ][ 1000 ], the lists of 7168..7295 and of 992..1007. */
START_TEST(tlsf_merge_keeps_lists)
{
	const uint32_t U = L.units;
	unsigned char *p1 = take(1000), *p2 = take(4), *p3 = take(2), *p4 = take(4), *p5 = take(4);

	ck_assert_ptr_eq(p1, at(7192));
	ck_assert_ptr_eq(p2, at(7188));
	ck_assert_ptr_eq(p3, at(7186));
	ck_assert_ptr_eq(p4, at(7182));
	ck_assert_ptr_eq(p5, at(7178));
	expect_free(7178, 1, 7178, 7192);
	give(p5);				/* the rest grows to 7182 */
	expect_free(7182, 1, 7182, 7192);
	give(p3);
	expect_free(7184, 2, 7182, 7192);
	give(p1);
	expect_free(8184, 3, 7182, 7192);
	give(p2);				/* the 1000 grows back over it and the 2 */
	expect_free(8188, 2, 7182, 7186);
	give(p4);				/* 7182 + 4 + 1006: a list of its own */
	expect_free(U, 1, U, 0);
}
END_TEST

/* [ p1 10 ][ free 30 ][ p3 10 ][ rest ], built from the end down (each
 * take the tail of the free chunk at 0, the last one all of it): p1 grows
 * into part of the free chunk, then all of it; shrunk, it frees a tail of
 * its own; p3's tail merges with the rest, which it then takes whole.
 * Neither growing into nor shrinking beside a cached chunk touches it. */
START_TEST(tlsf_resize_in_place)
{
	const uint32_t U = L.units;
	unsigned char *p4 = take(U - 50), *p3 = take(10), *p2 = take(30), *p1 = take(10);

	ck_assert_ptr_eq(p4, at(50));
	ck_assert_ptr_eq(p3, at(40));
	ck_assert_ptr_eq(p2, at(10));
	ck_assert_ptr_eq(p1, region);
	expect_free(0, 0, 0, 50);
	give(p2);
	expect_free(30, 1, 30, 50);
	give(p4);
	expect_free(U - 20, 2, U - 50, 50);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 25), 0);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 25);
	expect_free(U - 35, 2, U - 50, 50);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 40), 0);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 40);
	expect_free(U - 50, 1, U - 50, 50);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 41), -1);	/* p3 is live */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 40);
	expect_free(U - 50, 1, U - 50, 50);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 5), 0);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 5);
	expect_free(U - 15, 2, U - 50, 50);
	ck_assert_int_eq(pa_arena_resize(a, &L, p3, 2), 0);
	expect_free(U - 7, 2, U - 42, 42);
	ck_assert_int_eq(pa_arena_resize(a, &L, p3, U - 40), 0);	/* to the end */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p3), U - 40);
	expect_free(35, 1, 35, 40);
	ck_assert_int_eq(pa_arena_resize(a, &L, p3, U - 39), -1);	/* past the end */
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 40), 0);
	expect_free(0, 0, 0, 40);
	ck_assert_ptr_null(pa_arena_alloc(a, &L, 1));
	pa_arena_cache(a, &L, unit_of(p3));
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 41), -1);	/* p3 is cached */
	expect_free(0, 0, 0, 40);
	ck_assert_uint_eq(cached[0], 1);
	ck_assert_uint_eq(cached[1], U - 40);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 1), U - 40);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 10), 0);	/* a tail of 30, p3 apart */
	expect_free(30, 1, 30, 40);
	ck_assert_uint_eq(cached[0], 1);
	ck_assert_uint_eq(pa_arena_cached_units(a, &L, p3), U - 40);
	pa_arena_release(a, &L, unit_of(p3), U - 40);	/* merges with the tail */
	expect_free(U - 10, 1, U - 10, 10);
	ck_assert_uint_eq(cached[0], 0);
	give(p1);
	expect_free(U, 1, U, 0);
}
END_TEST

/* The last chunk of a 1 MiB tlsf arena, as for the classes, but with its
 * own steps: a take carves the tail of the chunk it finds, so the tail of
 * the last chunk becomes the last chunk.  Grown into, merged with, taken
 * whole, shrunk and carved at the end, the books stay right. */
START_TEST(tlsf_last_chunk_of_a_large_region)
{
	uint32_t U;
	unsigned char *p1, *p2, *p3;

	teardown();
	make_arena_with(pa_layout_init_tlsf, (size_t)1 << 20, 8);
	U = L.units;
	ck_assert_uint_eq(U, 131072);
	p1 = take(10);				/* the region's tail: a new last chunk */
	ck_assert_ptr_eq(p1, at(U - 10));
	expect_free(U - 10, 1, U - 10, U - 10);
	p2 = take(100);
	p3 = take(1000);
	ck_assert_ptr_eq(p2, at(U - 110));
	ck_assert_ptr_eq(p3, at(U - 1110));
	expect_free(U - 1110, 1, U - 1110, U - 10);
	give(p1);				/* the last chunk is free */
	expect_free(U - 1100, 2, U - 1110, U - 10);
	ck_assert_int_eq(pa_arena_resize(a, &L, p2, 105), 0);	/* grows into the last chunk */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p2), 105);
	expect_free(U - 1105, 2, U - 1110, U - 5);
	give(p2);				/* merges with the last chunk */
	expect_free(U - 1000, 2, U - 1110, U - 110);
	p2 = take(110);				/* the whole last chunk */
	ck_assert_ptr_eq(p2, at(U - 110));
	expect_free(U - 1110, 1, U - 1110, U - 110);
	ck_assert_int_eq(pa_arena_resize(a, &L, p2, 5), 0);	/* shrinks: a new last chunk */
	expect_free(U - 1005, 2, U - 1110, U - 105);
	p1 = take(50);				/* its tail: a new last chunk again */
	ck_assert_ptr_eq(p1, at(U - 50));
	expect_free(U - 1055, 2, U - 1110, U - 50);
	give(p3);				/* merges with the rest before it */
	expect_free(U - 55, 2, U - 110, U - 50);
	give(p2);				/* and with the 55 after it */
	expect_free(U - 50, 1, U - 50, U - 50);
	give(p1);				/* everything */
	expect_free(U, 1, U, 0);
}
END_TEST

struct cached_seen {
	uint32_t chunks, units, first;
};

static void count_cached(void *arg, uint32_t i, uint32_t n)
{
	struct cached_seen *c = arg;

	if (!c->chunks++)
		c->first = i;
	c->units += n;
}

/* A cached chunk of a tlsf arena has no edge bits: no neighbour absorbs
 * it, no search finds it, each_cached reports it; released, it merges
 * with both neighbours.  [ rest ][ p3 8 ][ p2 6 ][ p1 4 ], p2 cached. */
START_TEST(tlsf_cached_chunk)
{
	const uint32_t U = L.units;
	unsigned char *p1 = take(4), *p2 = take(6), *p3 = take(8), *q;
	struct cached_seen seen = { 0, 0, 0 };

	ck_assert_ptr_eq(p1, at(U - 4));
	ck_assert_ptr_eq(p2, at(U - 10));
	ck_assert_ptr_eq(p3, at(U - 18));
	pa_arena_cache(a, &L, U - 10);
	expect_free(U - 18, 1, U - 18, U - 4);
	ck_assert_uint_eq(cached[0], 1);
	ck_assert_uint_eq(cached[1], 6);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p2), 0);
	ck_assert_uint_eq(pa_arena_cached_units(a, &L, p2), 6);
	give(p1);				/* not merged with the cached 6 before it */
	expect_free(U - 14, 2, U - 18, U - 4);
	give(p3);				/* nor with the one after it */
	expect_free(U - 6, 2, U - 10, U - 4);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L, 1), U);
	pa_arena_each_cached(a, &L, count_cached, &seen);
	ck_assert_uint_eq(seen.chunks, 1);
	ck_assert_uint_eq(seen.units, 6);
	ck_assert_uint_eq(seen.first, U - 10);
	q = pa_arena_alloc(a, &L, 6);
	ck_assert_ptr_eq(q, at(U - 16));	/* the rest's tail, not the cached 6 */
	expect_free(U - 12, 2, U - 16, U - 4);
	give(q);
	expect_free(U - 6, 2, U - 10, U - 4);
	pa_arena_uncache(a, &L, U - 10);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p2), 6);
	expect_free(U - 6, 2, U - 10, U - 4);
	ck_assert_uint_eq(cached[0], 0);
	pa_arena_cache(a, &L, U - 10);
	pa_arena_release(a, &L, U - 10, 6);
	expect_free(U, 1, U, 0);
	ck_assert_uint_eq(cached[0], 0);
}
END_TEST

/*
 * Random alloc / free / resize / cache / uncache / release on a tlsf arena
 * of 8192 units, against a model: the owner of every unit, and each slot's
 * chunk, whose units hold a pattern of its own (its allocation's number
 * and the unit's index, in every 8 bytes) checked before each free, cache
 * and resize.  Free memory holds the lists' links and sizes: only live
 * (and cached) chunks keep a pattern.  Every step ends with the check,
 * whose count of cached chunks must be the model's; every 16 the free
 * figures, the largest chunks and each_cached agree with the model too.
 */
enum { TR_SLOTS = 200, TR_UNITS = 8192, TR_STEPS = 20000 };
enum { TR_EMPTY, TR_LIVE, TR_CACHED };

struct tr_slot {
	unsigned char *p;
	uint32_t units, gen;
	int state;
};

static struct tr_slot tr[TR_SLOTS];
static uint16_t tr_owner[TR_UNITS];	/* unit -> slot + 1, 0 = free */
static uint32_t tr_gen;

static uint32_t tr_rand(unsigned long long *rng)
{
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*rng >> 33);
}

static uint64_t tr_word(int s, uint32_t u)
{
	return (uint64_t)tr[s].gen << 32 | u;
}

/* Write slot s's pattern into its units from..to-1 (opened first: under
 * ASan the library leaves its links' bytes poisoned). */
static void tr_fill(int s, uint32_t from, uint32_t to)
{
	uint32_t u;

	pa_annot_open(tr[s].p + ((size_t)from << 3), (size_t)(to - from) << 3);
	for (u = from; u < to; u++) {
		uint64_t v = tr_word(s, u);
		memcpy(tr[s].p + ((size_t)u << 3), &v, sizeof(v));
	}
}

/* The first unit of slot s whose pattern is gone, or its size. */
static uint32_t tr_damaged(int s)
{
	uint32_t u;

	for (u = 0; u < tr[s].units; u++) {
		uint64_t v;
		memcpy(&v, tr[s].p + ((size_t)u << 3), sizeof(v));
		if (v != tr_word(s, u))
			break;
	}
	return u;
}

/* Book units from..to-1 of slot s's chunk to it (on) or back to free. */
static void tr_book(int s, uint32_t from, uint32_t to, int on)
{
	uint32_t i = unit_of(tr[s].p), u;

	for (u = i + from; u < i + to; u++) {
		if (tr_owner[u] != (on ? 0 : s + 1))
			ck_abort_msg("unit %u of slot %d: owned by %u", u, s, tr_owner[u]);
		tr_owner[u] = (uint16_t)(on ? s + 1 : 0);
	}
}

/* Free units right after slot s's chunk, counted up to need. */
static uint32_t tr_free_after(int s, uint32_t need)
{
	uint32_t u = unit_of(tr[s].p) + tr[s].units, k = 0;

	while (k < need && u + k < TR_UNITS && !tr_owner[u + k])
		k++;
	return k;
}

struct tr_scan {
	uint32_t free_units, free_runs, largest, largest_cached;
};

/* The model's free figures: free units, their runs (each a free chunk),
 * the longest, and the longest of free and cached units. */
static struct tr_scan tr_scan(void)
{
	struct tr_scan r = { 0, 0, 0, 0 };
	uint32_t u, run = 0, crun = 0;

	for (u = 0; u < TR_UNITS; u++) {
		int o = tr_owner[u];
		run = o ? 0 : run + 1;
		crun = !o || tr[o - 1].state == TR_CACHED ? crun + 1 : 0;
		r.free_units += !o;
		r.free_runs += run == 1;
		r.largest = run > r.largest ? run : r.largest;
		r.largest_cached = crun > r.largest_cached ? crun : r.largest_cached;
	}
	return r;
}

/* each_cached names only the model's cached chunks. */
static void tr_each_cached(void *arg, uint32_t i, uint32_t n)
{
	struct cached_seen *c = arg;
	int o = tr_owner[i];

	if (!o || tr[o - 1].state != TR_CACHED || unit_of(tr[o - 1].p) != i || tr[o - 1].units != n)
		ck_abort_msg("each_cached: (%u, %u) is not a cached chunk", i, n);
	c->chunks++;
	c->units += n;
}

START_TEST(tlsf_random_model)
{
	unsigned long long rng = 1001 + 7919 * (unsigned)_i;
	uint32_t live = 0, ncached = 0, cunits = 0, step, n, m, k, i, d;
	const char *what = "";
	int s, r;

	memset(tr, 0, sizeof(tr));
	memset(tr_owner, 0, sizeof(tr_owner));
	ck_assert_uint_eq(L.units, TR_UNITS);
	for (step = 0; step < TR_STEPS; step++) {
		struct tr_slot *t;

		s = (int)(tr_rand(&rng) % TR_SLOTS);
		t = &tr[s];
		n = tr_rand(&rng) % 4 ? 1 + tr_rand(&rng) % 64 : 1 + tr_rand(&rng) % 600;
		k = tr_rand(&rng) % 20;
		if (t->state != TR_EMPTY && (d = tr_damaged(s)) < t->units)
			ck_abort_msg("seed %d step %u: unit %u of slot %d (%u units at %u) lost its pattern",
				     _i, step, d, s, t->units, unit_of(t->p));
		if (t->state == TR_EMPTY) {
			what = "alloc";
			t->p = pa_arena_alloc(a, &L, n);
			if (!t->p) {
				ck_assert_msg(pa_arena_largest_free(a, &L, 0) < n,
					      "seed %d step %u: alloc of %u failed", _i, step, n);
				ck_assert_msg(tr_scan().largest < n,
					      "seed %d step %u: alloc of %u failed, the model has room", _i, step, n);
			} else {
				t->units = n;
				t->gen = ++tr_gen;
				t->state = TR_LIVE;
				live++;
				tr_book(s, 0, n, 1);
				tr_fill(s, 0, n);
			}
		} else if (t->state == TR_LIVE) {
			ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), t->units);
			if (k < 8) {
				what = "free";
				i = TR_UNITS;
				m = pa_arena_live_at(a, &L, (uintptr_t)(t->p - region), &i);
				ck_assert(m == t->units || (m == 0 && t->units > 64));	/* or not quick to tell */
				ck_assert(m == 0 || i == unit_of(t->p));
				pa_arena_free(a, &L, t->p);
				tr_book(s, 0, t->units, 0);
				t->state = TR_EMPTY;
				live--;
				ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), 0);
			} else if (k < 15) {
				what = "resize";
				m = k < 10 ? n : k < 13 ? t->units + 1 + tr_rand(&rng) % 16 : 1 + tr_rand(&rng) % t->units;
				r = pa_arena_resize(a, &L, t->p, m);
				ck_assert_msg(r == (m <= t->units || tr_free_after(s, m - t->units) == m - t->units ? 0 : -1),
					      "seed %d step %u: resize of %u units at %u to %u gave %d", _i, step,
					      t->units, unit_of(t->p), m, r);
				if (r == 0 && m > t->units) {
					tr_book(s, t->units, m, 1);
					tr_fill(s, t->units, m);
				} else if (r == 0) {
					tr_book(s, m, t->units, 0);
				}
				if (r == 0)
					t->units = m;
				ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), t->units);
				ck_assert_uint_eq(tr_damaged(s), t->units);
			} else {
				what = "cache";
				pa_arena_cache(a, &L, unit_of(t->p));
				t->state = TR_CACHED;
				live--;
				ncached++;
				cunits += t->units;
				ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), 0);
				ck_assert_uint_eq(pa_arena_cached_units(a, &L, t->p), t->units);
			}
		} else {
			ck_assert_uint_eq(pa_arena_cached_units(a, &L, t->p), t->units);
			ncached--;
			cunits -= t->units;
			if (k < 10) {
				what = "uncache";
				pa_arena_uncache(a, &L, unit_of(t->p));
				t->state = TR_LIVE;
				live++;
				ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), t->units);
			} else {
				what = "release";
				pa_arena_release(a, &L, unit_of(t->p), t->units);
				tr_book(s, 0, t->units, 0);
				t->state = TR_EMPTY;
				ck_assert_uint_eq(pa_arena_cached_units(a, &L, t->p), 0);
				ck_assert_uint_eq(pa_arena_live_units(a, &L, t->p), 0);
			}
		}
		ck_assert_msg(check_arena() == 0, "seed %d step %u: check fails after %s of slot %d",
			      _i, step, what, s);
		ck_assert_msg(cached[0] == ncached && cached[1] == cunits,
			      "seed %d step %u: %u cached chunks of %u units, the model %u of %u", _i, step,
			      cached[0], cached[1], ncached, cunits);
		ck_assert_uint_eq(a->used_chunks, live);
		if (step % 16 == 0) {
			struct tr_scan sc = tr_scan();
			struct cached_seen seen = { 0, 0, 0 };

			ck_assert_msg(a->free_units == sc.free_units && a->free_chunks == sc.free_runs &&
				      pa_arena_largest_free(a, &L, 0) == sc.largest &&
				      pa_arena_largest_free(a, &L, 1) == sc.largest_cached,
				      "seed %d step %u: free %u in %u, largest %u (%u), the model %u in %u, %u (%u)",
				      _i, step, a->free_units, a->free_chunks, pa_arena_largest_free(a, &L, 0),
				      pa_arena_largest_free(a, &L, 1), sc.free_units, sc.free_runs, sc.largest,
				      sc.largest_cached);
			pa_arena_each_cached(a, &L, tr_each_cached, &seen);
			ck_assert_uint_eq(seen.chunks, ncached);
			ck_assert_uint_eq(seen.units, cunits);
		}
	}
	for (s = 0; s < TR_SLOTS; s++) {
		if (tr[s].state == TR_CACHED) {
			pa_arena_release(a, &L, unit_of(tr[s].p), tr[s].units);
		} else if (tr[s].state == TR_LIVE) {
			ck_assert_uint_eq(tr_damaged(s), tr[s].units);
			pa_arena_free(a, &L, tr[s].p);
		}
		ck_assert_int_eq(check_arena(), 0);
	}
	expect_free(TR_UNITS, 1, TR_UNITS, 0);
}
END_TEST

/* XOR x into the 4 bytes at byte off of unit u of the region: a field of a
 * free chunk, which under ASan the library keeps poisoned between its own
 * accesses, so opened and closed around this one as it does. */
static void region_xor32(uint32_t u, size_t off, uint32_t x)
{
	unsigned char *p = region + ((size_t)u << L.shift) + off;
	uint32_t v;

	pa_annot_open(p, sizeof(v));
	memcpy(&v, p, sizeof(v));
	v ^= x;
	memcpy(p, &v, sizeof(v));
	pa_annot_poison(p, sizeof(v));
}

/* Damage k to the arena of tlsf_check_catches_damage; again, undone. */
static void tlsf_damage(int k)
{
	pa_word *edge = (pa_word *)a->bits + L.edge_off;
	uint32_t *sl = (uint32_t *)((pa_word *)a->bits + L.sl_off);
	uint32_t *head = (uint32_t *)((pa_word *)a->bits + L.head_off);

	switch (k) {
	case 0: edge[0] ^= (pa_word)1 << 3; break;	/* free (3, 5): its first unit's edge bit */
	case 1: edge[0] ^= (pa_word)1 << 7; break;	/* its last unit's */
	case 2: edge[0] ^= (pa_word)1 << 20; break;	/* one inside the live (8, 40) */
	case 3: region_xor32(4, 0, 1); break;		/* (3, 5)'s size in its second unit: 4 */
	case 4: region_xor32(7, 4, 3); break;		/* its size in its last unit: 6 */
	case 5: a->class_mask ^= 1; break;		/* first level 0 (5 and 2) said empty */
	case 6: a->class_mask ^= 1u << 5; break;	/* an empty first level said not */
	case 7: head[5] ^= 4 ^ 49; break;		/* the list of 5 names (48, 2) */
	case 8: head[2] ^= 49; break;			/* the list of 2 loses its only chunk */
	case 9: sl[0] ^= 1u << 6; break;		/* the empty list of 6 said not */
	case 10: region_xor32(114, 0, 4); break;	/* the rest's back link: to (3, 5) */
	case 11: region_xor32(114, 4, 4); break;	/* its next link */
	case 12:					/* (48, 2) off every list, masks */
		head[2] ^= 49;				/* and all: only the count of */
		sl[0] ^= 1u << 2;			/* listed chunks tells */
		break;
	}
}

/* Damage to a tlsf arena's lists, sizes and edge bits is caught, and the
 * arena checks again once it is undone.  Built from the end down (each
 * take the tail of the free chunk at 0, the last one all of it), free:
 * (3, 5), (48, 2) and the rest (114, 8078), each alone on its list. */
START_TEST(tlsf_check_catches_damage)
{
	const uint32_t U = L.units;
	unsigned char *p5 = take(U - 114), *p4, *p2;

	ck_assert_ptr_eq(p5, at(114));
	ck_assert_ptr_eq(take(64), at(50));
	p4 = take(2);
	ck_assert_ptr_eq(p4, at(48));
	ck_assert_ptr_eq(take(40), at(8));
	p2 = take(5);
	ck_assert_ptr_eq(p2, at(3));
	ck_assert_ptr_eq(take(3), region);
	expect_free(0, 0, 0, 114);
	give(p2);
	give(p4);
	give(p5);
	expect_free(8085, 3, 8078, 114);
	tlsf_damage(_i);
	ck_assert_int_eq(check_arena(), -1);
	if (_i == 0)
		ck_assert_uint_eq(cached[0], 1);	/* a free chunk without edge bits looks cached */
	tlsf_damage(_i);
	expect_free(8085, 3, 8078, 114);
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
	tc = tcase_create("tlsf");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_tlsf, teardown);
	tcase_add_test(tc, tlsf_layout);
	tcase_add_test(tc, tlsf_good_fit);
	tcase_add_test(tc, tlsf_own_list);
	tcase_add_test(tc, tlsf_own_list_walked_to_the_bound);
	tcase_add_test(tc, tlsf_own_list_not_walked_past_the_bound);
	tcase_add_test(tc, tlsf_split_and_merge);
	tcase_add_test(tc, tlsf_merge_keeps_lists);
	tcase_add_test(tc, tlsf_resize_in_place);
	tcase_add_test(tc, tlsf_last_chunk_of_a_large_region);
	tcase_add_test(tc, tlsf_cached_chunk);
	tcase_add_loop_test(tc, tlsf_random_model, 0, 4);
	tcase_add_loop_test(tc, tlsf_check_catches_damage, 0, 13);
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
