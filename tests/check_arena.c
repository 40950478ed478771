/* check_arena.c - white box: the out-of-band chunk manager of lib/arena.c
 * (layout sizes, split/merge/resize at the unit level, bitmap operations,
 * and the invariant checker catching damaged metadata). */
#include <assert.h>
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

static void make_arena(size_t bytes, size_t granule)
{
	ck_assert_int_eq(pa_layout_init(&L, bytes, granule), 0);
	a = mmap(NULL, L.arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(a, MAP_FAILED);
	ck_assert_ptr_ne(region, MAP_FAILED);
	pa_arena_init(a, &L, region);
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
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
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
	return p;
}

static void give(void *p)
{
	ck_assert_uint_gt(pa_arena_live_units(a, &L, p), 0);
	pa_arena_free(a, &L, p);
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p), 0);
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
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
	ck_assert_uint_eq(pa_arena_largest_free(a, &L), 512 - 60);
	give(p3);
	ck_assert_uint_eq(a->free_chunks, 1);
	ck_assert_uint_eq(a->free_units, 512);
	ck_assert_uint_eq(pa_arena_largest_free(a, &L), 512);
}
END_TEST

START_TEST(resize_in_place)
{
	unsigned char *p1 = take(10), *p2 = take(10);

	give(p2);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 100), 0);	/* absorbs the free neighbour */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 100);
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 4), 0);	/* gives the tail back */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 4);
	ck_assert_uint_eq(a->free_units, 508);
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
	p2 = take(508);
	ck_assert_int_eq(pa_arena_resize(a, &L, p1, 5), -1);	/* next chunk is in use */
	ck_assert_uint_eq(pa_arena_live_units(a, &L, p1), 4);
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
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
	ck_assert_int_eq(pa_arena_check(a, &L), -1);
	a->bits[w] = saved;
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
	a->free_units++;
	ck_assert_int_eq(pa_arena_check(a, &L), -1);
	a->free_units--;
	a->class_mask ^= 1u << 2;
	ck_assert_int_eq(pa_arena_check(a, &L), -1);
	a->class_mask ^= 1u << 2;
	ck_assert_int_eq(pa_arena_check(a, &L), 0);
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
				ck_assert_uint_lt(pa_arena_largest_free(a, &L), n);
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
			ck_assert_int_eq(pa_arena_check(a, &L), 0);
			continue;
		}
		/* the chunk's units were free in the model: no double booking */
		for (u = 0; u < units[s]; u++) {
			uint32_t at = (uint32_t)((slot[s] - region) >> 3) + u;
			ck_assert_msg(owner[at] == 0 || owner[at] == s + 1, "unit %u booked twice", at);
			owner[at] = (unsigned char)(s + 1);
		}
		ck_assert_int_eq(pa_arena_check(a, &L), 0);
	}
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
	tcase_add_loop_test(tc, random_against_byte_map, 0, 4);
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
