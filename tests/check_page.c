/* check_page.c - the page policy: the lab scenarios of seeds 000-002 (one
 * 4 KiB page, every byte usable, split and merge), out-of-band metadata,
 * and "a request succeeds whenever a free chunk can serve it". */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

static pagealloc *h;

static void setup(void)
{
	h = tu_heap("page");
}

static void teardown(void)
{
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}

static char *alloc_ok(size_t n)
{
	char *p = pagealloc_alloc(h, n);

	ck_assert_msg(p != NULL, "alloc(%zu): %s", n, strerror(errno));
	tu_check(h);
	return p;
}

static void free_ok(void *p)
{
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	tu_check(h);
}

/* Four 1 KiB chunks fill the page exactly, in address order; a fifth fails. */
static void fill_with_four(char *p[4])
{
	struct pagealloc_stats st;
	int i;

	for (i = 0; i < 4; i++) {
		p[i] = alloc_ok(1024);
		tu_fill(p[i], 1024, (uint32_t)i);
	}
	for (i = 1; i < 4; i++)
		ck_assert_ptr_eq(p[i], p[0] + 1024 * i);
	tu_assert_fails_ptr(pagealloc_alloc(h, 8), ENOMEM);
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.in_use_bytes, 4096);
	ck_assert_uint_eq(st.free_bytes, 0);
	ck_assert_uint_eq(st.largest_free_bytes, 0);
	ck_assert_uint_eq(st.failed_allocs, 1);
}

START_TEST(four_fill_the_page)
{
	char *p[4];
	int i;

	fill_with_four(p);
	for (i = 0; i < 4; i++)
		tu_assert_pattern(p[i], 1024, (uint32_t)i);
}
END_TEST

START_TEST(free_and_reuse)
{
	char *p[4], *q;

	fill_with_four(p);
	free_ok(p[2]);
	q = alloc_ok(1024);
	ck_assert_ptr_eq(q, p[2]);
	tu_assert_pattern(p[1], 1024, 1);
	tu_assert_pattern(p[3], 1024, 3);
}
END_TEST

/* [ 1K ][ hole ][ 1K ][ 1K ]  =>  [ 1K ][512][512][ 1K ][ 1K ] */
START_TEST(hole_splits_in_two)
{
	char *p[4], *a, *b;

	fill_with_four(p);
	free_ok(p[1]);
	a = alloc_ok(512);
	b = alloc_ok(512);
	ck_assert_ptr_eq(a, p[1]);
	ck_assert_ptr_eq(b, p[1] + 512);
	tu_assert_fails_ptr(pagealloc_alloc(h, 8), ENOMEM);
}
END_TEST

/* [512][512] freed  =>  [ ---- 1K ---- ] serves a 1 KiB request */
START_TEST(halves_merge_back)
{
	char *p[4], *a, *b, *c;

	fill_with_four(p);
	free_ok(p[1]);
	a = alloc_ok(512);
	b = alloc_ok(512);
	free_ok(a);
	tu_assert_fails_ptr(pagealloc_alloc(h, 1024), ENOMEM);	/* only 512 free */
	free_ok(b);
	c = alloc_ok(1024);
	ck_assert_ptr_eq(c, p[1]);
}
END_TEST

/* [ 1K free ][ 1K free ]  =>  [ -------- 2K -------- ] */
START_TEST(neighbours_merge)
{
	char *p[4], *q;

	fill_with_four(p);
	free_ok(p[2]);
	free_ok(p[1]);		/* merges with the free chunk after it */
	q = alloc_ok(2048);
	ck_assert_ptr_eq(q, p[1]);
	free_ok(q);
	free_ok(p[0]);		/* and with the one before */
	free_ok(p[3]);
	q = alloc_ok(4096);	/* the whole page is one chunk again */
	ck_assert_ptr_eq(q, p[0]);
}
END_TEST

START_TEST(sizes_round_to_granule)
{
	char *a = alloc_ok(1), *b = alloc_ok(9);

	ck_assert_uint_eq(pagealloc_usable_size(h, a), 8);
	ck_assert_uint_eq(pagealloc_usable_size(h, b), 16);
	ck_assert_uint_eq((uintptr_t)a % 8, 0);
	ck_assert_uint_eq((uintptr_t)b % 8, 0);
	ck_assert_ptr_eq(b, a + 8);
	tu_assert_fails_ptr(pagealloc_alloc(h, 4097), ENOMEM);
	tu_assert_fails_ptr(pagealloc_alloc(h, 0), EINVAL);
}
END_TEST

/*
 * Metadata is out of band: one data mapping, and scribbling over every byte
 * of the page (as an overflowing program would) leaves the allocator sound.
 */
START_TEST(metadata_out_of_band)
{
	struct pagealloc_stats st;
	char *p[16], *base;
	int i;

	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.mapped_bytes, 4096);
	ck_assert_uint_le(st.metadata_bytes, 1024);	/* the heap and its page's bitmaps */
	for (i = 0; i < 16; i++)
		p[i] = alloc_ok(256);
	base = p[0];
	for (i = 0; i < 16; i += 2)
		free_ok(p[i]);
	tu_scribble(base, 0xff, 4096);	/* every byte, free chunks included */
	tu_check(h);
	for (i = 1; i < 16; i += 2)
		free_ok(p[i]);
	tu_scribble(base, 0, 4096);
	p[0] = alloc_ok(4096);
	ck_assert_ptr_eq(p[0], base);
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.os_map_calls, 2);	/* the metadata and the page, at create */
}
END_TEST

/*
 * Scatter holes of random sizes, then: the largest free chunk is always
 * served, and one granule more never is (a single page cannot grow).
 */
START_TEST(largest_free_is_served)
{
	unsigned long long rng = 0x1234567u + (unsigned)_i;
	char *p[64];
	int i, n = 0;

	for (;;) {
		size_t sz;
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		sz = 8 + (size_t)(rng >> 33) % 200;
		p[n] = pagealloc_alloc(h, sz);
		if (!p[n] || ++n == 64)
			break;
	}
	for (i = 0; i < n; i += 1 + (int)((rng >> 40) % 3)) {
		free_ok(p[i]);
		p[i] = NULL;
	}
	for (i = 0; i < 20; i++) {
		struct pagealloc_stats st;
		char *q;

		ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
		if (st.largest_free_bytes == 0)
			break;
		tu_assert_fails_ptr(pagealloc_alloc(h, st.largest_free_bytes + 8), ENOMEM);
		q = alloc_ok(st.largest_free_bytes);
		tu_fill(q, st.largest_free_bytes, 99);
	}
}
END_TEST

START_TEST(larger_region)
{
	pagealloc *big = tu_heap("page:page_size=16K,granule=64");
	char *p, *q;

	p = pagealloc_alloc(big, 16384);
	ck_assert_ptr_nonnull(p);
	tu_fill(p, 16384, 5);
	tu_assert_fails_ptr(pagealloc_alloc(big, 64), ENOMEM);
	ck_assert_int_eq(pagealloc_free(big, p), 0);
	q = pagealloc_alloc(big, 1);
	ck_assert_uint_eq(pagealloc_usable_size(big, q), 64);
	tu_check(big);
	ck_assert_int_eq(pagealloc_destroy(big), 0);
}
END_TEST

static Suite *page_suite(void)
{
	Suite *s = suite_create("page");
	TCase *tc = tcase_create("lab scenarios");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, four_fill_the_page);
	tcase_add_test(tc, free_and_reuse);
	tcase_add_test(tc, hole_splits_in_two);
	tcase_add_test(tc, halves_merge_back);
	tcase_add_test(tc, neighbours_merge);
	tcase_add_test(tc, sizes_round_to_granule);
	suite_add_tcase(s, tc);

	tc = tcase_create("guarantees");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, metadata_out_of_band);
	tcase_add_loop_test(tc, largest_free_is_served, 0, 8);
	tcase_add_test(tc, larger_region);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(page_suite());
}
