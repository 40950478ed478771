/* check_mmap.c - the mmap policy (seed 004 v1): one mapping per
 * allocation, unmapped on free, mremap on realloc.  Model runs and bad
 * inputs of every policy: check_models.c. */
#include <string.h>
#include <unistd.h>

#include "testutil.h"

START_TEST(one_mapping_per_allocation)
{
	pagealloc *h = tu_heap("mmap");
	size_t page = tu_round_page(1), vsz0 = tu_vsz(), vsz1;
	char *a = tu_alloc(h, 1), *b;
	struct pagealloc_stats st;
	int vsz_ok = !tu_vsz_unreliable();	/* valgrind maps for itself too */

	vsz1 = tu_vsz();
	b = tu_alloc(h, page + 1);
	st = tu_stats(h);
	if (vsz_ok)
		ck_assert_uint_eq(tu_vsz() - vsz1, 2 * page);
	ck_assert_uint_eq((uintptr_t)a % page, 0);
	ck_assert_uint_eq((uintptr_t)b % page, 0);
	ck_assert_uint_eq(pagealloc_usable_size(h, a), page);
	ck_assert_uint_eq(pagealloc_usable_size(h, b), 2 * page);
	ck_assert_uint_eq(st.os_map_calls, 1 + 1 + 2);	/* heap, table, two chunks */
	ck_assert_uint_eq(st.mapped_bytes, 3 * page);
	ck_assert_uint_eq(st.in_use_bytes, 3 * page);
	ck_assert_uint_eq(st.free_bytes, 0);
	tu_free(h, a);
	ck_assert_uint_eq(tu_stats(h).os_unmap_calls, 1);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * page);
	if (vsz_ok)
		ck_assert_uint_eq(tu_vsz() - vsz1, page);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
	if (vsz_ok)
		ck_assert_uint_le(tu_vsz(), vsz0);
}
END_TEST

START_TEST(realloc_remaps)
{
	pagealloc *h = tu_heap("mmap");
	size_t page = tu_round_page(1);
	char *a = tu_alloc(h, 100), *b;

	tu_fill(a, 100, 5);
	ck_assert_ptr_eq(pagealloc_realloc(h, a, page), a);	/* same pages */
	b = pagealloc_realloc(h, a, 10 * page);
	ck_assert_ptr_nonnull(b);
	tu_check(h);
	tu_assert_pattern(b, 100, 5);
	tu_fill(b, 10 * page, 6);
	a = pagealloc_realloc(h, b, 2 * page);
	ck_assert_ptr_nonnull(a);
	tu_assert_pattern(a, 2 * page, 6);
	ck_assert_uint_eq(tu_stats(h).in_use_bytes, 2 * page);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(calloc_zero_and_reset)
{
	pagealloc *h = tu_heap("mmap");
	unsigned char *p = pagealloc_calloc(h, 1000, 10);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 10000; i++)
		ck_assert_uint_eq(p[i], 0);
	for (i = 0; i < 100; i++)
		tu_alloc(h, 1 + i * 100);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	tu_check(h);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 0);
	ck_assert_uint_eq(tu_stats(h).chunks_in_use, 0);
	tu_alloc(h, 5);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Unaligned or unknown pages are refused without being touched. */
START_TEST(foreign_pages_refused)
{
	pagealloc *h = tu_heap("mmap");
	size_t page = tu_round_page(1);
	char *a = tu_alloc(h, 3 * page);

	tu_assert_fails_int(pagealloc_free(h, a + page), EINVAL);
	tu_assert_fails_int(pagealloc_free(h, a + 8), EINVAL);
	tu_assert_fails_int(pagealloc_free(h, (void *)(uintptr_t)page), EINVAL);
	tu_free(h, a);
	tu_assert_fails_int(pagealloc_free(h, a), EINVAL);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *mmap_suite(void)
{
	Suite *s = suite_create("mmap");
	TCase *tc = tcase_create("mappings");

	tcase_add_test(tc, one_mapping_per_allocation);
	tcase_add_test(tc, realloc_remaps);
	tcase_add_test(tc, calloc_zero_and_reset);
	tcase_add_test(tc, foreign_pages_refused);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(mmap_suite());
}
