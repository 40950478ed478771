/* check_elastic.c - the elastic policy: pages mapped on demand one at a
 * time, VSZ growth of exactly one page per page (seed 001 Part B), the cap,
 * big requests, spare pages.  Model runs and bad inputs of every policy:
 * check_models.c. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
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

/*
 * A request whose class holds pages that may or may not fit it tries the
 * first 8 of them (the most recently listed first) before it maps a page; at the cap, or
 * when the mapping fails, it tries them all.  The first page keeps a
 * 112-byte hole, each later one a 96-byte hole; a 100-byte request fits
 * only the first.  _i: 0, seven later pages (the first is the eighth
 * tried); 1, eight (a page is mapped); 2, eight at the cap of nine pages;
 * 3, eight with the address space capped at what is mapped (RLIMIT_AS).
 */
START_TEST(own_class_walked_to_the_bound)
{
	static const struct { const char *spec; int later; } c[] = {
		{ "elastic", 7 }, { "elastic", 8 }, { "elastic:max_pages=9", 8 }, { "elastic", 8 },
	};
	struct pagealloc_stats st;
	struct rlimit old, lim;
	char *first, *p[8], *q;
	pagealloc *h;
	int k;

	if (_i == 3 && tu_vsz_unreliable())	/* valgrind maps for itself too */
		return;
	h = tu_heap(c[_i].spec);
	first = alloc_ok(h, PAGE - 112);
	for (k = 0; k < c[_i].later; k++)
		p[k] = alloc_ok(h, PAGE - 96);
	if (_i == 3) {
		ck_assert_int_eq(getrlimit(RLIMIT_AS, &old), 0);
		lim = old;
		lim.rlim_cur = tu_vsz();
		ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
	}
	q = pagealloc_alloc(h, 100);
	if (_i == 3)
		ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
	ck_assert_msg(q != NULL, "alloc(100): %s", strerror(errno));
	tu_check(h);
	stats(h, &st);
	if (_i == 1) {		/* the first page was not tried */
		ck_assert_uint_eq((uintptr_t)q / PAGE, ((uintptr_t)q + 99) / PAGE);
		ck_assert_ptr_ne(q, first + PAGE - 112);
		ck_assert_uint_eq(st.mapped_bytes, 10 * PAGE);
	} else {
		ck_assert_ptr_eq(q, first + PAGE - 112);
		ck_assert_uint_eq(st.mapped_bytes, (size_t)(c[_i].later + 1) * PAGE);
	}
	free_ok(h, q);
	free_ok(h, first);
	for (k = 0; k < c[_i].later; k++)
		free_ok(h, p[k]);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/*
 * The cache holds at most half of the heap: four full pages of 256-byte
 * chunks, some of each freed (cached, in page order), then a 1 KiB request
 * that no page and no cached chunk can serve.  _i 0: 8 freed per page, 8
 * KiB cached of 16: a page is mapped and the cache stays.  _i 1: 9 freed
 * per page: the newer half of the list is released, and merges on the last
 * two pages into room for the request: nothing is mapped.
 */
START_TEST(cache_holds_at_most_half)
{
	pagealloc *h = tu_heap("elastic");
	int freed = 8 + _i, k, pg;
	struct pagealloc_stats st;
	char *p[4][16], *q;

	for (pg = 0; pg < 4; pg++)
		for (k = 0; k < 16; k++)
			p[pg][k] = alloc_ok(h, 256);
	for (pg = 0; pg < 4; pg++)
		for (k = 0; k < freed; k++)
			free_ok(h, p[pg][k]);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 4 * PAGE);
	ck_assert_uint_eq(st.free_chunks, 4 * (size_t)freed);
	q = alloc_ok(h, 1024);
	stats(h, &st);
	if (_i == 0) {
		ck_assert_uint_eq(st.mapped_bytes, 5 * PAGE);
		ck_assert_uint_eq(st.free_chunks, 4 * (size_t)freed + 1);	/* the new page's rest */
	} else {
		ck_assert_uint_eq(st.mapped_bytes, 4 * PAGE);
		ck_assert(q == p[2][0] || q == p[3][0]);	/* where the release merged */
	}
	free_ok(h, q);
	for (pg = 0; pg < 4; pg++)
		for (k = freed; k < 16; k++)
			free_ok(h, p[pg][k]);
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

/*
 * Runs, on pages of the two-level index (64 KiB of 8-byte granules): the
 * first 48-byte request carves 16 chunks at once, the next run of that
 * size 32, then 64, and requests of the size get them side by side, in
 * address order, each with its own pattern.
 */
#define RUN_PAGE (64 << 10)
#define RUN_CHUNKS (16 + 32 + 64)

START_TEST(run_serves_a_size_in_address_order)
{
	pagealloc *h = tu_heap("elastic:page_size=64K");
	struct pagealloc_stats st;
	char *p[RUN_CHUNKS];
	int i;

	for (i = 0; i < RUN_CHUNKS; i++) {
		p[i] = alloc_ok(h, 48);
		tu_fill(p[i], 48, (uint32_t)i);
		if (i == 16 || i == 16 + 32)		/* a new run */
			ck_assert_ptr_ne(p[i], p[i - 1] + 48);
		else if (i > 0)
			ck_assert_ptr_eq(p[i], p[i - 1] + 48);
	}
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, RUN_PAGE);
	ck_assert_uint_eq(st.in_use_bytes, RUN_CHUNKS * 48);
	ck_assert_uint_eq(st.free_bytes, RUN_PAGE - RUN_CHUNKS * 48);
	for (i = RUN_CHUNKS - 1; i >= 0; i--) {
		tu_assert_pattern(p[i], 48, (uint32_t)i);
		free_ok(h, p[i]);
	}
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* The chunks of a run not yet handed out are free: a free of one, or of a
 * pointer inside the run, is refused and changes nothing. */
START_TEST(run_chunks_not_handed_out_are_not_live)
{
	pagealloc *h = tu_heap("elastic:page_size=64K");
	struct pagealloc_stats st;
	char *p = alloc_ok(h, 48), *q;

	tu_fill(p, 48, 1);
	tu_assert_fails_int(pagealloc_free(h, p + 48), EINVAL);	/* the next chunk */
	tu_assert_fails_int(pagealloc_free(h, p + 48 * 40), EINVAL);	/* deep in the run */
	tu_assert_fails_int(pagealloc_free(h, p + 48 * 40 + 8), EINVAL);
	ck_assert_uint_eq(pagealloc_usable_size(h, p + 48), 0);
	ck_assert_uint_eq(pagealloc_usable_size(h, p + 48 * 40), 0);
	tu_check(h);
	stats(h, &st);
	ck_assert_uint_eq(st.in_use_bytes, 48);
	ck_assert_uint_eq(st.chunks_in_use, 1);
	ck_assert_uint_eq(st.free_bytes, RUN_PAGE - 48);
	q = alloc_ok(h, 48);
	ck_assert_ptr_eq(q, p + 48);
	tu_assert_pattern(p, 48, 1);
	free_ok(h, q);
	free_ok(h, p);
	tu_assert_fails_int(pagealloc_free(h, p), EINVAL);		/* a double free */
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A page that holds a run and nothing live goes back to the OS. */
START_TEST(page_with_a_run_goes_back)
{
	pagealloc *h = tu_heap("elastic:page_size=64K,spare_pages=0");
	struct pagealloc_stats st;
	char *p = alloc_ok(h, 100), *q = alloc_ok(h, 48);

	free_ok(h, p);
	free_ok(h, q);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 0);
	ck_assert_uint_eq(st.os_unmap_calls, 1);
	ck_assert_uint_eq(st.free_bytes, 0);
	tu_assert_fails_int(pagealloc_free(h, q + 48), EINVAL);
	p = alloc_ok(h, 48);
	free_ok(h, p);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Runs give way: on a heap capped at one 16 KiB page (granule 16), a
 * 2000-byte chunk b at the end and below it a run of 16 48-byte chunks (a
 * freed one and 8 on their list, 7 left in the run) leave 13616 bytes
 * free below them; a 14 KiB request gets the list's and the run's memory
 * back instead of failing (it would not fit without either). */
START_TEST(runs_give_way_to_a_request)
{
	pagealloc *h = tu_heap("elastic:page_size=16K,granule=16,max_pages=1");
	struct pagealloc_stats st;
	char *a, *b, *big;

	b = alloc_ok(h, 2000);
	tu_fill(b, 2000, 1);
	a = alloc_ok(h, 48);
	ck_assert_ptr_eq(a + 16 * 48, b);	/* a run of 16 below b */
	free_ok(h, a);
	stats(h, &st);
	ck_assert_uint_eq(st.largest_free_bytes, (16 << 10) - 2000);	/* were they merged */
	big = alloc_ok(h, 14 << 10);
	tu_fill(big, 14 << 10, 2);
	stats(h, &st);
	ck_assert_uint_eq(st.mapped_bytes, 16 << 10);
	ck_assert_uint_eq(st.failed_allocs, 0);
	tu_assert_pattern(b, 2000, 1);
	tu_assert_pattern(big, 14 << 10, 2);
	free_ok(h, b);
	free_ok(h, big);
	stats(h, &st);
	ck_assert_uint_eq(st.free_bytes, 16 << 10);
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
	tcase_add_loop_test(tc, own_class_walked_to_the_bound, 0, 4);
	tcase_add_loop_test(tc, cache_holds_at_most_half, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_add_test(tc, run_serves_a_size_in_address_order);
	tcase_add_test(tc, run_chunks_not_handed_out_are_not_live);
	tcase_add_test(tc, page_with_a_run_goes_back);
	tcase_add_test(tc, runs_give_way_to_a_request);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(elastic_suite());
}
