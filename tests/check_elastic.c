/* check_elastic.c - the elastic policy: pages mapped on demand one at a
 * time, VSZ growth of exactly one page per page (seed 001 Part B), the cap,
 * big requests, spare pages.  Model runs and bad inputs of every policy:
 * check_models.c. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define PAGE 4096

static void stats(pagealloc *h, struct pagealloc_stats *st)
{
	ck_assert_int_eq(pagealloc_get_stats(h, st), 0);
}

static void *alloc_ok(pagealloc *h, size_t n)
{
	void *p = pagealloc_alloc(h, n);

	ck_assert_msg(p != NULL, "alloc(%zu): %s", n, strerror(errno));
	tu_check(h);
	return p;
}

static void free_ok(pagealloc *h, void *p)
{
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	tu_check(h);
}

START_TEST(create_maps_no_page)
{
	pagealloc *h = tu_heap("elastic");
	struct pagealloc_stats st;

	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 0);
	ck_assert_uint_eq(st.largest_free_bytes, 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* The ealloc lab: granule 256, at most 4 pages; VSZ +4096 per page mapped,
 * none at create, none when freed memory is reused. */
START_TEST(vsz_grows_one_page_at_a_time)
{
	size_t vsz0, vsz;
	pagealloc *h;
	char *p[64];
	int i;

	if (tu_vsz_unreliable())
		return;
	if (sysconf(_SC_PAGESIZE) != PAGE)
		return;
	vsz0 = tu_vsz();
	h = tu_heap("elastic:max_pages=4,granule=256,strict");
	vsz = tu_vsz();		/* the heap's own metadata, all of it, at create */
	ck_assert_uint_gt(vsz, vsz0);
	for (i = 0; i < 4; i++) {
		p[i] = alloc_ok(h, 4096);
		tu_fill(p[i], 4096, (uint32_t)i);
		ck_assert_uint_eq(tu_vsz(), vsz + (size_t)(i + 1) * PAGE);
	}
	tu_assert_fails_ptr(pagealloc_alloc(h, 256), ENOMEM);
	ck_assert_uint_eq(tu_vsz(), vsz + 4 * PAGE);
	for (i = 0; i < 4; i++) {
		tu_assert_pattern(p[i], 4096, (uint32_t)i);
		free_ok(h, p[i]);
	}
	ck_assert_uint_eq(tu_vsz(), vsz + 4 * PAGE);	/* empty pages stay mapped */
	for (i = 0; i < 64; i++)
		p[i] = alloc_ok(h, 256);
	tu_assert_fails_ptr(pagealloc_alloc(h, 256), ENOMEM);
	for (i = 0; i < 64; i++)
		free_ok(h, p[i]);
	for (i = 0; i < 4; i++)
		p[i] = alloc_ok(h, 4096);
	ck_assert_uint_eq(tu_vsz(), vsz + 4 * PAGE);	/* nothing new mapped */
	tu_assert_fails_ptr(pagealloc_alloc(h, 100), EINVAL);	/* strict: 256 multiples */
	ck_assert_int_eq(pagealloc_destroy(h), 0);
	ck_assert_uint_eq(tu_vsz(), vsz0);
}
END_TEST

START_TEST(page_mapped_only_when_needed)
{
	pagealloc *h = tu_heap("elastic");
	struct pagealloc_stats st;
	char *a, *b, *c;

	a = alloc_ok(h, 3000);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, PAGE);
	b = alloc_ok(h, 1096);		/* fits the rest of the first page */
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, PAGE);
	c = alloc_ok(h, 8);		/* the first page is full: a second */
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 2 * PAGE);
	free_ok(h, b);
	b = alloc_ok(h, 1000);		/* a hole in the first page serves it */
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 2 * PAGE);
	free_ok(h, a);
	free_ok(h, b);
	free_ok(h, c);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* No chunk crosses a page boundary, whatever the sizes. */
START_TEST(no_chunk_crosses_a_page)
{
	pagealloc *h = tu_heap("elastic");
	int i;

	for (i = 0; i < 300; i++) {
		size_t n = 1 + (size_t)(i * 997) % 3000;
		uintptr_t p = (uintptr_t)alloc_ok(h, n);

		ck_assert_uint_eq(p / PAGE, (p + n - 1) / PAGE);
	}
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A request larger than a page gets whole pages of its own, counted
 * against max_pages. */
START_TEST(big_requests_count_against_the_cap)
{
	pagealloc *h = tu_heap("elastic:max_pages=4");
	struct pagealloc_stats st;
	char *big, *a, *b;

	big = alloc_ok(h, 2 * PAGE + 1);	/* three pages */
	ck_assert_uint_ge(pagealloc_usable_size(h, big), 2 * PAGE + 1);
	tu_fill(big, 2 * PAGE + 1, 1);
	a = alloc_ok(h, PAGE);			/* the fourth */
	tu_assert_fails_ptr(pagealloc_alloc(h, 8), ENOMEM);
	tu_assert_fails_ptr(pagealloc_alloc(h, 2 * PAGE), ENOMEM);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 4 * PAGE);
	tu_assert_pattern(big, 2 * PAGE + 1, 1);
	free_ok(h, big);			/* its pages go back to the OS */
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, PAGE);
	b = alloc_ok(h, 3 * PAGE);
	free_ok(h, a);
	free_ok(h, b);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(big_realloc_keeps_contents)
{
	pagealloc *h = tu_heap("elastic");
	char *p;

	p = alloc_ok(h, 100);
	tu_fill(p, 100, 3);
	p = pagealloc_realloc(h, p, 3 * PAGE);		/* page chunk -> own mapping */
	ck_assert_ptr_nonnull(p);
	tu_assert_pattern(p, 100, 3);
	tu_fill(p, 3 * PAGE, 4);
	p = pagealloc_realloc(h, p, 40 * PAGE);		/* mapping grows (mremap) */
	ck_assert_ptr_nonnull(p);
	tu_assert_pattern(p, 3 * PAGE, 4);
	tu_fill(p, 40 * PAGE, 5);
	p = pagealloc_realloc(h, p, 200);		/* back into a page */
	ck_assert_ptr_nonnull(p);
	tu_assert_pattern(p, 200, 5);
	tu_check(h);
	free_ok(h, p);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Without a cap the metadata grows with the heap, and shows. */
START_TEST(metadata_grows_uncapped)
{
	pagealloc *h = tu_heap("elastic");
	struct pagealloc_stats st0, st;
	int i;

	stats(h, &st0);
	for (i = 0; i < 200; i++)
		alloc_ok(h, PAGE);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 200 * PAGE);
	ck_assert_uint_gt(st.metadata_bytes, st0.metadata_bytes);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* spare_pages=N returns empty pages beyond N to the OS. */
START_TEST(spare_pages_return_to_the_os)
{
	static const char *const specs[] = { "elastic:spare_pages=0", "elastic:spare_pages=2", "elastic" };
	static const size_t kept[] = { 0, 2, 6 };
	pagealloc *h = tu_heap(specs[_i]);
	struct pagealloc_stats st;
	void *p[6];
	size_t vsz;
	int i;

	for (i = 0; i < 6; i++)
		p[i] = alloc_ok(h, PAGE);
	vsz = tu_vsz();
	for (i = 0; i < 6; i++)
		free_ok(h, p[i]);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, kept[_i] * PAGE);
	ck_assert_uint_eq(st.os_unmap_calls, 6 - kept[_i]);
	ck_assert_uint_eq(st.peak_mapped_bytes, 6 * PAGE);
	if (sysconf(_SC_PAGESIZE) == PAGE && !tu_vsz_unreliable())	/* valgrind maps too */
		ck_assert_uint_eq(tu_vsz(), vsz - (6 - kept[_i]) * PAGE);
	p[0] = alloc_ok(h, 16);
	free_ok(h, p[0]);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A request that no quick list of its size serves, on a full page, is
 * served by splitting a larger cached chunk: no page is mapped. */
START_TEST(larger_cached_chunk_is_split)
{
	pagealloc *h = tu_heap("elastic");
	struct pagealloc_stats st;
	char *p[16], *a, *b;
	int i;

	for (i = 0; i < 16; i++)
		p[i] = alloc_ok(h, 256);	/* the first page, full */
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, PAGE);
	free_ok(h, p[3]);			/* cached on its quick list */
	a = alloc_ok(h, 100);
	ck_assert_ptr_eq(a, p[3]);
	ck_assert_uint_eq(pagealloc_usable_size(h, a), 104);
	b = alloc_ok(h, 152);			/* the tail given back */
	ck_assert_ptr_eq(b, p[3] + 104);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, PAGE);
	tu_assert_fails_int(pagealloc_free(h, p[3] + 8), EINVAL);
	free_ok(h, a);
	free_ok(h, b);
	for (i = 0; i < 16; i++)
		if (i != 3)
			free_ok(h, p[i]);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A page given back to the OS is forgotten by the lookup of free: a
 * pointer into it is not a live chunk any more. */
START_TEST(unmapped_page_forgotten)
{
	pagealloc *h = tu_heap("elastic:spare_pages=0");
	char *p, *q;

	p = alloc_ok(h, 16);
	free_ok(h, p);				/* the page goes back */
	tu_assert_fails_int(pagealloc_free(h, p), EINVAL);
	q = alloc_ok(h, 16);			/* perhaps at the same address */
	free_ok(h, q);
	tu_assert_fails_int(pagealloc_free(h, q), EINVAL);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *elastic_suite(void)
{
	Suite *s = suite_create("elastic");
	TCase *tc = tcase_create("growth");

	tcase_add_test(tc, create_maps_no_page);
	tcase_add_test(tc, vsz_grows_one_page_at_a_time);
	tcase_add_test(tc, page_mapped_only_when_needed);
	tcase_add_test(tc, no_chunk_crosses_a_page);
	tcase_add_test(tc, big_requests_count_against_the_cap);
	tcase_add_test(tc, big_realloc_keeps_contents);
	tcase_add_test(tc, metadata_grows_uncapped);
	tcase_add_loop_test(tc, spare_pages_return_to_the_os, 0, 3);
	tcase_add_test(tc, larger_cached_chunk_is_split);
	tcase_add_test(tc, unmapped_page_forgotten);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(elastic_suite());
}
