/* check_cell.c - the cell policy (seed 004 v3): fixed-size cells from slabs
 * mapped on demand, fresh cells in address order, LIFO reuse within a slab,
 * constant-time validation.  Model runs and bad inputs of every policy:
 * check_models.c. */
#include <string.h>

#include "testutil.h"

#define SLAB (64 << 10)

/* Fresh cells go out in address order; one slab is mapped at a time. */
START_TEST(fresh_cells_in_address_order)
{
	pagealloc *h = tu_heap("cell");
	char *first = tu_alloc(h, 24), *p = first, *q;
	int i;

	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 0 + SLAB);
	for (i = 1; i < SLAB / 32; i++) {
		q = tu_alloc(h, 1 + i % 32);
		ck_assert_ptr_eq(q, p + 32);
		p = q;
	}
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, SLAB);
	ck_assert_uint_eq(tu_stats(h).free_bytes, 0);
	tu_alloc(h, 32);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * SLAB);
	ck_assert_uint_eq(tu_stats(h).in_use_bytes, SLAB + 32);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Free pushes, alloc pops: the last cell freed is the next served. */
START_TEST(lifo_reuse)
{
	pagealloc *h = tu_heap("cell:cell_size=64");
	char *a = tu_alloc(h, 64), *b = tu_alloc(h, 64), *c = tu_alloc(h, 64);

	tu_free(h, a);
	tu_free(h, c);
	ck_assert_ptr_eq(tu_alloc(h, 1), c);
	ck_assert_ptr_eq(tu_alloc(h, 1), a);
	ck_assert_ptr_eq(tu_alloc(h, 1), c + 64);
	(void)b;
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Cells freed in a full slab are served again before a new slab is mapped. */
START_TEST(partial_slab_reused)
{
	pagealloc *h = tu_heap("cell:cell_size=1024");
	char *p[128];
	int i;

	for (i = 0; i < 128; i++)
		p[i] = tu_alloc(h, 1024);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * SLAB);
	tu_free(h, p[5]);
	tu_free(h, p[6]);
	ck_assert_ptr_eq(tu_alloc(h, 8), p[6]);
	ck_assert_ptr_eq(tu_alloc(h, 8), p[5]);
	tu_alloc(h, 8);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 3 * SLAB);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

START_TEST(request_larger_than_cell)
{
	pagealloc *h = tu_heap("cell:cell_size=16");
	char *a = tu_alloc(h, 16);

	tu_assert_fails_ptr(pagealloc_alloc(h, 17), EINVAL);
	tu_assert_fails_ptr(pagealloc_calloc(h, 3, 8), EINVAL);
	tu_fill(a, 16, 9);
	tu_assert_fails_ptr(pagealloc_realloc(h, a, 17), EINVAL);
	tu_assert_pattern(a, 16, 9);
	ck_assert_ptr_eq(pagealloc_realloc(h, a, 3), a);
	ck_assert_uint_eq(pagealloc_usable_size(h, a), 16);
	tu_check(h);
	ck_assert_uint_eq(tu_stats(h).failed_allocs, 3);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Every cell size from 8 to a page, in steps of 8, and nothing else. */
START_TEST(cell_sizes)
{
	struct pagealloc_config cfg;
	size_t size;
	pagealloc *h;

	pagealloc_config_init(&cfg, PAGEALLOC_CELL);
	ck_assert_uint_eq(cfg.cell_size, 32);
	for (size = 0; size <= 4104; size += 4) {
		cfg.cell_size = size;
		h = pagealloc_create(&cfg);
		if (size < 8 || size % 8 || size > 4096) {
			ck_assert_ptr_null(h);
			ck_assert_int_eq(errno, EINVAL);
			continue;
		}
		ck_assert_ptr_nonnull(h);
		tu_fill(tu_alloc(h, size), size, (uint32_t)size);
		ck_assert_int_eq(pagealloc_destroy(h), 0);
	}
}
END_TEST

/* Reset releases every cell and keeps the slabs; calloc zeroes a reused
 * cell and a fresh one alike. */
START_TEST(reset_and_calloc)
{
	pagealloc *h = tu_heap("cell");
	unsigned char *p[3000], *q;
	int i, j;

	for (i = 0; i < 3000; i++)
		memset(p[i] = tu_alloc(h, 32), 0xEE, 32);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	tu_check(h);
	ck_assert_uint_eq(tu_stats(h).chunks_in_use, 0);
	ck_assert_uint_eq(tu_stats(h).free_bytes, 2 * SLAB);
	for (i = 0; i < 3000; i++) {
		q = pagealloc_calloc(h, 4, 8);
		ck_assert_ptr_eq(q, p[i]);
		for (j = 0; j < 32; j++)
			ck_assert_uint_eq(q[j], 0);
	}
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * SLAB);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Frees that alternate between slabs (the fast path's slab changes every
 * time), double frees and interior pointers in and out of that slab, and a
 * full slab that gets a cell back: every refusal leaves the books intact. */
START_TEST(bad_frees_across_slabs)
{
	pagealloc *h = tu_heap("cell:cell_size=64");
	char *p[2048], local;
	int i;

	for (i = 0; i < 2048; i++)	/* two slabs exactly */
		p[i] = tu_alloc(h, 64);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * SLAB);
	for (i = 0; i < 1024; i += 2) {
		tu_free(h, p[i]);
		tu_free(h, p[1024 + i]);
		tu_assert_fails_int(pagealloc_free(h, p[i]), EINVAL);
		tu_assert_fails_int(pagealloc_free(h, p[1024 + i]), EINVAL);
		tu_assert_fails_int(pagealloc_free(h, p[i + 1] + 8), EINVAL);
		tu_assert_fails_int(pagealloc_free(h, p[1024 + i + 1] + 1), EINVAL);
	}
	tu_assert_fails_int(pagealloc_free(h, &local), EINVAL);
	tu_assert_fails_int(pagealloc_free(h, p[0] + SLAB * 4), EINVAL);
	ck_assert_uint_eq(pagealloc_usable_size(h, p[0]), 0);
	ck_assert_uint_eq(pagealloc_usable_size(h, p[1]), 64);
	tu_check(h);
	ck_assert_uint_eq(tu_stats(h).chunks_in_use, 1024);
	ck_assert_uint_eq(tu_stats(h).free_chunks, 1024);
	/* the freed cells are served again before a third slab is mapped */
	for (i = 0; i < 1024; i++)
		tu_alloc(h, 64);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 2 * SLAB);
	tu_check(h);
	tu_alloc(h, 64);
	ck_assert_uint_eq(tu_stats(h).mapped_bytes, 3 * SLAB);
	ck_assert_uint_eq(tu_stats(h).failed_allocs, 0);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *cell_suite(void)
{
	Suite *s = suite_create("cell");
	TCase *tc = tcase_create("cells");

	tcase_add_test(tc, fresh_cells_in_address_order);
	tcase_add_test(tc, lifo_reuse);
	tcase_add_test(tc, partial_slab_reused);
	tcase_add_test(tc, request_larger_than_cell);
	tcase_add_test(tc, cell_sizes);
	tcase_add_test(tc, reset_and_calloc);
	tcase_add_test(tc, bad_frees_across_slabs);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(cell_suite());
}
