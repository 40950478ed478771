/* check_bump.c - the bump policy (seed 004 v2): contiguous allocation in
 * chunks mapped on demand, free that validates but reclaims nothing,
 * realloc in place at the top, reset.  Model runs and bad inputs of every
 * policy: check_models.c. */
#include <string.h>
#include <unistd.h>

#include "testutil.h"

START_TEST(create_maps_nothing)
{
	pagealloc *h = tu_heap("bump");
	struct pagealloc_stats st = tu_stats(h);

	ck_assert_uint_eq(st.mapped_bytes, 0);
	ck_assert_uint_eq(st.os_map_calls, 1);		/* the heap's own metadata */
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Allocations follow each other, granule-aligned; a chunk is mapped only
 * when the current one is full, so mapped memory grows with use. */
START_TEST(bumps_through_chunks)
{
	pagealloc *h = tu_heap("bump:pool_chunk=64K");
	char *first = tu_alloc(h, 10), *p = first, *q;
	size_t i;

	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 64 << 10);
	for (i = 1; i < (64 << 10) / 16; i++) {
		q = tu_alloc(h, 9 + i % 8);
		ck_assert_ptr_eq(q, p + 16);
		p = q;
	}
	ck_assert_uint_eq(tu_stats(h).free_bytes, 0);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 64 << 10);
	q = tu_alloc(h, 8);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 128 << 10);
	ck_assert_uint_eq(tu_stats(h).chunks_in_use, (64 << 10) / 16 + 1);
	(void)first;
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Free returns 0 and reclaims nothing; a second free is EINVAL. */
START_TEST(free_reclaims_nothing)
{
	pagealloc *h = tu_heap("bump");
	char *a = tu_alloc(h, 100), *b;
	struct pagealloc_stats st;

	tu_fill(a, 100, 1);
	tu_free(h, a);
	tu_assert_fails_int(pagealloc_free(h, a), EINVAL);
	ck_assert_uint_eq(pagealloc_usable_size(h, a), 0);
	b = tu_alloc(h, 100);
	ck_assert_ptr_eq(b, a + 104);
	st = tu_stats(h);
	ck_assert_uint_eq(st.in_use_bytes, 104);
	ck_assert_uint_eq(st.free_bytes, (1 << 20) - 208);	/* the freed 104 are neither */
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* The top allocation grows and shrinks in place; another one shrinks in
 * place and moves to grow. */
START_TEST(realloc_in_place_at_the_top)
{
	pagealloc *h = tu_heap("bump");
	char *a = tu_alloc(h, 64), *b = tu_alloc(h, 64), *c;

	tu_fill(b, 64, 2);
	ck_assert_ptr_eq(pagealloc_realloc(h, b, 4000), b);
	tu_assert_pattern(b, 64, 2);
	ck_assert_uint_eq(pagealloc_usable_size(h, b), 4000);
	ck_assert_ptr_eq(pagealloc_realloc(h, b, 16), b);
	ck_assert_uint_eq(pagealloc_usable_size(h, b), 16);
	c = tu_alloc(h, 8);
	ck_assert_ptr_eq(c, b + 16);
	tu_fill(a, 64, 3);
	ck_assert_ptr_eq(pagealloc_realloc(h, a, 24), a);	/* a dead tail of 40 */
	ck_assert_uint_eq(pagealloc_usable_size(h, a), 24);
	tu_check(h);
	b = pagealloc_realloc(h, a, 200);
	ck_assert_ptr_eq(b, c + 8);
	tu_assert_pattern(b, 24, 3);
	tu_check(h);
	ck_assert_uint_eq(tu_stats(h).chunks_in_use, 3);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A request larger than pool_chunk gets a chunk of its own; the current
 * chunk keeps serving the small ones. */
START_TEST(big_request_own_chunk)
{
	pagealloc *h = tu_heap("bump:pool_chunk=64K");
	char *a = tu_alloc(h, 8), *big = tu_alloc(h, 200000), *b = tu_alloc(h, 8);

	ck_assert_ptr_eq(b, a + 8);
	tu_fill(big, 200000, 4);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, (64 << 10) + tu_round_page(200000));
	tu_assert_pattern(big, 200000, 4);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Reset releases everything at once and keeps the chunks; calloc zeroes
 * what was used before. */
START_TEST(reset_keeps_memory)
{
	pagealloc *h = tu_heap("bump:pool_chunk=64K");
	unsigned char *a = tu_alloc(h, 5000), *b;
	struct pagealloc_stats st;
	size_t i;

	memset(a, 0xAB, 5000);
	for (i = 0; i < 20; i++)
		tu_alloc(h, 5000);
	st = tu_stats(h);
	ck_assert_uint_eq(st.mapped_bytes, 128 << 10);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	tu_check(h);
	st = tu_stats(h);
	ck_assert_uint_eq(st.chunks_in_use, 0);
	ck_assert_uint_eq(st.in_use_bytes, 0);
	ck_assert_uint_eq(st.mapped_bytes, 128 << 10);
	ck_assert_uint_eq(st.free_bytes, 128 << 10);
	b = pagealloc_calloc(h, 1, 5000);
	ck_assert_ptr_eq(b, a);
	for (i = 0; i < 5000; i++)
		ck_assert_uint_eq(b[i], 0);
	for (i = 0; i < 20; i++)
		tu_alloc(h, 5000);
	/* the heap, its address map, and twice a chunk and its bitmaps */
	ck_assert_uint_eq(tu_stats(h).os_map_calls, 6);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static int sum_walk(void *p, size_t n, int in_use, void *arg)
{
	size_t *sum = arg;

	(void)p;
	sum[in_use != 0] += n;
	return 0;
}

/* walk reports live, dead and free space, tiling the chunks exactly. */
START_TEST(walk_tiles_chunks)
{
	pagealloc *h = tu_heap("bump:pool_chunk=64K");
	size_t sum[2] = { 0, 0 };
	char *a = tu_alloc(h, 100);

	tu_alloc(h, 300);
	tu_free(h, a);
	ck_assert_int_eq(pagealloc_walk(h, sum_walk, sum), 0);
	ck_assert_uint_eq(sum[1], 304);
	ck_assert_uint_eq(sum[0] + sum[1], 64 << 10);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(bad_settings)
{
	struct pagealloc_config cfg;

	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:pool_chunk=1000"), 0);
	tu_assert_fails_ptr(pagealloc_create(&cfg), EINVAL);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:pool_chunk=0"), 0);
	tu_assert_fails_ptr(pagealloc_create(&cfg), EINVAL);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:pool_chunk=4G"), 0);
	tu_assert_fails_ptr(pagealloc_create(&cfg), EINVAL);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:cell_size=16"), -1);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:max_pages=4"), -1);
}
END_TEST

static Suite *bump_suite(void)
{
	Suite *s = suite_create("bump");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, create_maps_nothing);
	tcase_add_test(tc, bumps_through_chunks);
	tcase_add_test(tc, free_reclaims_nothing);
	tcase_add_test(tc, realloc_in_place_at_the_top);
	tcase_add_test(tc, big_request_own_chunk);
	tcase_add_test(tc, reset_keeps_memory);
	tcase_add_test(tc, walk_tiles_chunks);
	tcase_add_test(tc, bad_settings);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(bump_suite());
}
