/* check_api.c - the calls every policy shares: configuration, spec strings,
 * creation, the realloc conventions, walk and stats. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

START_TEST(config_defaults)
{
	struct pagealloc_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	pagealloc_config_init(&cfg, PAGEALLOC_ELASTIC);
	ck_assert_int_eq(cfg.policy, PAGEALLOC_ELASTIC);
	ck_assert_uint_eq(cfg.granule, 8);
	ck_assert_uint_eq(cfg.page_size, (size_t)sysconf(_SC_PAGESIZE));
	ck_assert_uint_eq(cfg.max_pages, 0);
	ck_assert_uint_eq(cfg.flags, 0);
	ck_assert_uint_eq(cfg.spare_pages, PAGEALLOC_KEEP_ALL);
	ck_assert_uint_eq(cfg.pool_chunk, 1u << 20);
	ck_assert_uint_eq(cfg.cell_size, 32);
	ck_assert_uint_eq(cfg.mmap_threshold, 128u << 10);
	ck_assert_uint_eq(cfg.reserved[0] | cfg.reserved[1] | cfg.reserved[2] | cfg.reserved[3], 0);
	pagealloc_config_init(NULL, PAGEALLOC_PAGE);	/* tolerated */
}
END_TEST

START_TEST(parse_good_specs)
{
	struct pagealloc_config cfg;

	ck_assert_int_eq(pagealloc_config_parse(&cfg, "page"), 0);
	ck_assert_int_eq(cfg.policy, PAGEALLOC_PAGE);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "elastic:max_pages=4,granule=256"), 0);
	ck_assert_int_eq(cfg.policy, PAGEALLOC_ELASTIC);
	ck_assert_uint_eq(cfg.max_pages, 4);
	ck_assert_uint_eq(cfg.granule, 256);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "cell:cell_size=32"), 0);
	ck_assert_int_eq(cfg.policy, PAGEALLOC_CELL);
	ck_assert_uint_eq(cfg.cell_size, 32);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "page:page_size=16K,strict,threadsafe"), 0);
	ck_assert_uint_eq(cfg.page_size, 16384);
	ck_assert_uint_eq(cfg.flags, PAGEALLOC_STRICT | PAGEALLOC_THREADSAFE);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "page:strict=1,strict=0"), 0);
	ck_assert_uint_eq(cfg.flags, 0);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "elastic:spare_pages=all"), 0);
	ck_assert_uint_eq(cfg.spare_pages, PAGEALLOC_KEEP_ALL);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "elastic:spare_pages=2"), 0);
	ck_assert_uint_eq(cfg.spare_pages, 2);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "bump:pool_chunk=2M"), 0);
	ck_assert_uint_eq(cfg.pool_chunk, 2u << 20);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "brk:mmap_threshold=64K"), 0);
	ck_assert_uint_eq(cfg.mmap_threshold, 64u << 10);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "mmap"), 0);
	ck_assert_int_eq(cfg.policy, PAGEALLOC_MMAP);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, "elastic:page_size=1G"), 0);
	ck_assert_uint_eq(cfg.page_size, 1u << 30);
}
END_TEST

START_TEST(parse_bad_specs)
{
	static const char *const bad[] = {
		"", "pages", "Page", "page:", "page:,", "page:granule", "page:granule=",
		"page:granule=x", "page:granule=8x", "page:granule=-8", "page:granule=8,",
		"page:max_pages=4",		/* elastic only */
		"page:cell_size=32", "cell:granule=8", "mmap:page_size=8K", "bump:max_pages=1",
		"elastic:spare_pages=some", "page:strict=2", "page:nosuchkey=1",
		"page:granule=99999999999999999999999", "page:page_size=99999999999999999G",
		"elastic:max_pages=4;granule=8", " page", "page ",
	};
	struct pagealloc_config cfg, before;
	size_t i;

	pagealloc_config_init(&cfg, PAGEALLOC_BUMP);
	before = cfg;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(pagealloc_config_parse(&cfg, bad[i]) == -1 && errno == EINVAL,
			      "spec \"%s\" accepted", bad[i]);
		ck_assert_msg(memcmp(&cfg, &before, sizeof(cfg)) == 0, "spec \"%s\" changed cfg", bad[i]);
	}
	tu_assert_fails_int(pagealloc_config_parse(NULL, "page"), EINVAL);
	tu_assert_fails_int(pagealloc_config_parse(&cfg, NULL), EINVAL);
}
END_TEST

START_TEST(policy_names)
{
	static const char *const names[] = { "page", "elastic", "bump", "cell", "mmap", "brk" };
	struct pagealloc_config cfg;
	int p;

	for (p = 0; p < PAGEALLOC_POLICY_COUNT; p++) {
		ck_assert_str_eq(pagealloc_policy_name((enum pagealloc_policy)p), names[p]);
		ck_assert_int_eq(pagealloc_config_parse(&cfg, names[p]), 0);
		ck_assert_int_eq(cfg.policy, p);
	}
	tu_assert_fails_ptr(pagealloc_policy_name((enum pagealloc_policy)PAGEALLOC_POLICY_COUNT), EINVAL);
	tu_assert_fails_ptr(pagealloc_policy_name((enum pagealloc_policy)-1), EINVAL);
}
END_TEST

/* Configurations no policy accepts get EINVAL from create and map nothing. */
START_TEST(create_bad_configs)
{
	struct pagealloc_config cfg;
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	size_t vsz = tu_vsz();

#define BAD(policy, stmt) do { pagealloc_config_init(&cfg, policy); stmt; \
		tu_assert_fails_ptr(pagealloc_create(&cfg), EINVAL); } while (0)
	BAD(PAGEALLOC_PAGE, cfg.granule = 12);
	BAD(PAGEALLOC_PAGE, cfg.granule = 4);
	BAD(PAGEALLOC_PAGE, cfg.granule = 0);
	BAD(PAGEALLOC_PAGE, cfg.granule = 2 * sys);
	BAD(PAGEALLOC_PAGE, cfg.page_size = 0);
	BAD(PAGEALLOC_PAGE, cfg.page_size = sys + 8);
	BAD(PAGEALLOC_ELASTIC, cfg.page_size = sys / 2);
	BAD(PAGEALLOC_PAGE, cfg.flags = 0x80);
	BAD(PAGEALLOC_PAGE, cfg.max_pages = 4);
	BAD(PAGEALLOC_PAGE, cfg.reserved[2] = 1);
	BAD(PAGEALLOC_ELASTIC, cfg.cell_size = 64);
	BAD((enum pagealloc_policy)PAGEALLOC_POLICY_COUNT, (void)0);
	BAD((enum pagealloc_policy)-1, (void)0);
#undef BAD
	if (!tu_vsz_unreliable())	/* valgrind maps for itself too */
		ck_assert_uint_eq(tu_vsz(), vsz);
}
END_TEST

START_TEST(realloc_conventions)
{
	pagealloc *h = tu_heap(_i ? "elastic" : "page");
	struct pagealloc_stats st;
	char *p, *q;

	p = pagealloc_realloc(h, NULL, 40);	/* realloc(NULL, n) allocates */
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pagealloc_usable_size(h, p), 40);
	tu_fill(p, 40, 1);
	q = pagealloc_realloc(h, p, 100);	/* grows, keeps the contents */
	ck_assert_ptr_nonnull(q);
	tu_assert_pattern(q, 40, 1);
	tu_check(h);
	q = pagealloc_realloc(h, q, 16);	/* shrinks, keeps the prefix */
	ck_assert_ptr_nonnull(q);
	tu_assert_pattern(q, 16, 1);
	ck_assert_uint_eq(pagealloc_usable_size(h, q), 16);
	errno = 0;
	ck_assert_ptr_null(pagealloc_realloc(h, q, 0));	/* realloc(p, 0) frees p */
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.chunks_in_use, 0);
	ck_assert_uint_eq(st.in_use_bytes, 0);
	tu_assert_fails_int(pagealloc_free(h, q), EINVAL);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(calloc_zeroes)
{
	pagealloc *h = tu_heap(_i ? "elastic" : "page");
	unsigned char *p, *q;
	size_t i;

	p = pagealloc_alloc(h, 512);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xff, 512);
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	q = pagealloc_calloc(h, 64, 8);		/* reuses the dirty chunk */
	ck_assert_ptr_nonnull(q);
	for (i = 0; i < 512; i++)
		ck_assert_uint_eq(q[i], 0);
	ck_assert_int_eq(pagealloc_free(h, q), 0);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

struct walk_count {
	size_t used, free, used_bytes, free_bytes, calls;
	int stop_after;
};

static int walk_count(void *p, size_t size, int in_use, void *arg)
{
	struct walk_count *w = arg;

	(void)p;
	w->calls++;
	if (in_use) {
		w->used++;
		w->used_bytes += size;
	} else {
		w->free++;
		w->free_bytes += size;
	}
	return w->stop_after && (int)w->calls == w->stop_after ? 42 : 0;
}

START_TEST(walk_and_stats_agree)
{
	pagealloc *h = tu_heap(_i ? "elastic" : "page");
	struct walk_count w = { 0 };
	struct pagealloc_stats st;
	void *p[6];
	int i;

	for (i = 0; i < 6; i++) {
		p[i] = pagealloc_alloc(h, 64 * (i + 1));
		ck_assert_ptr_nonnull(p[i]);
	}
	ck_assert_int_eq(pagealloc_free(h, p[1]), 0);
	ck_assert_int_eq(pagealloc_free(h, p[3]), 0);
	ck_assert_int_eq(pagealloc_walk(h, walk_count, &w), 0);
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(w.used, 4);
	ck_assert_uint_eq(w.used, st.chunks_in_use);
	ck_assert_uint_eq(w.used_bytes, st.in_use_bytes);
	ck_assert_uint_eq(w.used_bytes, 64 * (1 + 3 + 5 + 6));
	ck_assert_uint_eq(w.free, st.free_chunks);
	ck_assert_uint_eq(w.free_bytes, st.free_bytes);
	ck_assert_uint_eq(st.in_use_bytes + st.free_bytes, st.mapped_bytes);
	ck_assert_uint_eq(st.peak_in_use_bytes, 64 * 21);
	ck_assert_uint_ge(st.peak_mapped_bytes, st.mapped_bytes);
	ck_assert_uint_gt(st.metadata_bytes, 0);
	ck_assert_uint_ge(st.os_map_calls, 1);
	ck_assert_uint_le(st.largest_free_bytes, st.free_bytes);
	/* a nonzero return stops the walk and is returned */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	ck_assert_int_eq(pagealloc_walk(h, walk_count, &w), 42);
	ck_assert_uint_eq(w.calls, 2);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(reset_releases_everything)
{
	pagealloc *h = tu_heap(_i ? "elastic" : "page");
	struct pagealloc_stats st;
	void *p;
	int i;

	for (i = 0; i < 20; i++)
		ck_assert_ptr_nonnull(pagealloc_alloc(h, 100));
	ck_assert_int_eq(pagealloc_reset(h), 0);
	tu_check(h);
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.chunks_in_use, 0);
	ck_assert_uint_eq(st.in_use_bytes, 0);
	ck_assert_uint_eq(st.largest_free_bytes, 4096);
	p = pagealloc_alloc(h, 4096);		/* the whole page is free again */
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(strict_sizes)
{
	pagealloc *h = tu_heap(_i ? "elastic:strict" : "page:strict");
	void *p;

	tu_assert_fails_ptr(pagealloc_alloc(h, 12), EINVAL);
	tu_assert_fails_ptr(pagealloc_calloc(h, 3, 3), EINVAL);
	p = pagealloc_alloc(h, 16);
	ck_assert_ptr_nonnull(p);
	tu_assert_fails_ptr(pagealloc_realloc(h, p, 20), EINVAL);
	ck_assert_uint_eq(pagealloc_usable_size(h, p), 16);	/* still live */
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, parse_good_specs);
	tcase_add_test(tc, parse_bad_specs);
	tcase_add_test(tc, policy_names);
	tcase_add_test(tc, create_bad_configs);
	suite_add_tcase(s, tc);

	/* loop index 0: page policy, 1: elastic */
	tc = tcase_create("calls");
	tcase_add_loop_test(tc, realloc_conventions, 0, 2);
	tcase_add_loop_test(tc, calloc_zeroes, 0, 2);
	tcase_add_loop_test(tc, walk_and_stats_agree, 0, 2);
	tcase_add_loop_test(tc, reset_releases_everything, 0, 2);
	tcase_add_loop_test(tc, strict_sizes, 0, 2);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(api_suite());
}
