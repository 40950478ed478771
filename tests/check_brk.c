/* check_brk.c - the brk policy (seed 003): in-band 32-byte headers, the
 * 128 KiB preallocation, the mmap thresholds of malloc and calloc, best
 * fit, split, coalesce, the in-place realloc cases, one heap per process,
 * and a break moved by someone else.  Check runs every test in a process
 * of its own, so each starts with no brk heap. */
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* The seed's header, which callers may rely on: payload = header + 32. */
struct block_meta {
	size_t size;
	int status;
	struct block_meta *prev;
	struct block_meta *next;
};
enum { STATUS_FREE, STATUS_ALLOC, STATUS_MAPPED };

static struct block_meta *meta(void *p)
{
	return (struct block_meta *)((char *)p - sizeof(struct block_meta));
}

/* The i-th block in walk order: its payload and size, or NULL. */
struct nth {
	int want;
	void *p;
	size_t size;
	int in_use;
};

static int nth_block(void *p, size_t size, int in_use, void *arg)
{
	struct nth *n = arg;

	if (n->want--)
		return 0;
	n->p = p;
	n->size = size;
	n->in_use = in_use;
	return 1;
}

static struct nth block(pagealloc *h, int i)
{
	struct nth n = { i, NULL, 0, 0 };

	pagealloc_walk(h, nth_block, &n);
	return n;
}

/* The first small allocation preallocates 128 KiB with one sbrk. */
START_TEST(preallocates_128k)
{
	pagealloc *h = tu_heap("brk");
	char *p, *q;
	struct pagealloc_stats st = tu_stats(h);
	struct nth rest;

	ck_assert_uint_eq(st.os_brk_calls, 0);
	ck_assert_uint_eq(st.mapped_bytes, 0);
	p = tu_alloc(h, 100);
	st = tu_stats(h);
	ck_assert_uint_eq(st.os_brk_calls, 1);
	ck_assert_uint_ge(st.mapped_bytes, 128 << 10);
	ck_assert_uint_lt(st.mapped_bytes, (128 << 10) + 8);
	ck_assert_uint_eq(meta(p)->size, 104);
	ck_assert_int_eq(meta(p)->status, STATUS_ALLOC);
	ck_assert_uint_eq((uintptr_t)p % 8, 0);
	q = tu_alloc(h, 100);
	ck_assert_ptr_eq(q, p + 104 + 32);
	ck_assert_ptr_eq(meta(p)->next, meta(q));
	ck_assert_ptr_eq(meta(q)->prev, meta(p));
	rest = block(h, 2);
	ck_assert_int_eq(rest.in_use, 0);
	ck_assert_uint_eq(rest.size, (128 << 10) - 3 * 32 - 2 * 104 - (st.mapped_bytes - (128 << 10)));
	ck_assert_uint_eq(tu_stats(h).os_brk_calls, 1);
	ck_assert_uint_eq(tu_stats(h).os_map_calls, 1);	/* the heap's own metadata */
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* malloc maps when size + header reaches mmap_threshold, calloc when it
 * reaches the page size; mapped blocks are unmapped on free. */
START_TEST(thresholds)
{
	pagealloc *h = tu_heap("brk");
	size_t page = tu_round_page(1);
	unsigned char *m = tu_alloc(h, (128 << 10) - 32), *s, *c;
	struct pagealloc_stats st = tu_stats(h);
	size_t i;

	ck_assert_int_eq(meta(m)->status, STATUS_MAPPED);
	ck_assert_uint_eq(st.os_brk_calls, 0);
	ck_assert_uint_eq(st.os_map_calls, 2);
	ck_assert_uint_eq((uintptr_t)meta(m) % page, 0);
	s = tu_alloc(h, (128 << 10) - 40);
	ck_assert_int_eq(meta(s)->status, STATUS_ALLOC);
	ck_assert_uint_eq(tu_stats(h).os_brk_calls, 1);
	c = pagealloc_calloc(h, 1, page - 32);
	ck_assert_int_eq(meta(c)->status, STATUS_MAPPED);
	for (i = 0; i < page - 32; i++)
		ck_assert_uint_eq(c[i], 0);
	tu_free(h, s);
	tu_scribble(s, 0xFF, 1000);
	c = pagealloc_calloc(h, 1, page - 40);
	ck_assert_int_eq(meta(c)->status, STATUS_ALLOC);
	for (i = 0; i < page - 40; i++)
		ck_assert_uint_eq(c[i], 0);
	tu_free(h, m);
	ck_assert_uint_eq(tu_stats(h).os_unmap_calls, 1);
	ck_assert_int_eq(pagealloc_destroy(h), 0);

	h = tu_heap("brk:mmap_threshold=4K");
	ck_assert_int_eq(meta(tu_alloc(h, page - 32))->status, STATUS_MAPPED);
	ck_assert_int_eq(meta(tu_alloc(h, page - 40))->status, STATUS_ALLOC);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Best fit: the smallest free block that fits, wherever it is. */
START_TEST(best_fit)
{
	pagealloc *h = tu_heap("brk");
	char *a = tu_alloc(h, 1000), *b, *c, *d;

	tu_alloc(h, 8);
	b = tu_alloc(h, 300);
	tu_alloc(h, 8);
	c = tu_alloc(h, 500);
	tu_alloc(h, 8);
	tu_free(h, a);
	tu_free(h, b);
	tu_free(h, c);
	ck_assert_ptr_eq(tu_alloc(h, 280), b);
	ck_assert_ptr_eq(tu_alloc(h, 400), c);
	d = tu_alloc(h, 600);
	ck_assert_ptr_eq(d, a);
	/* a's 1000 bytes were split: 600 + a header + a free block of 368 */
	ck_assert_uint_eq(meta(d)->size, 600);
	ck_assert_int_eq(meta(d)->next->status, STATUS_FREE);
	ck_assert_uint_eq(meta(d)->next->size, 1000 - 600 - 32);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* A block is split only when the rest holds a header and 8 bytes. */
START_TEST(split_rule)
{
	pagealloc *h = tu_heap("brk");
	char *a = tu_alloc(h, 200), *b;

	tu_alloc(h, 8);
	tu_free(h, a);
	b = tu_alloc(h, 200 - 40);
	ck_assert_ptr_eq(b, a);
	ck_assert_uint_eq(meta(b)->size, 160);
	ck_assert_uint_eq(meta(b)->next->size, 8);
	tu_free(h, b);
	b = tu_alloc(h, 200 - 32);	/* the 8-byte block coalesced back first */
	ck_assert_ptr_eq(b, a);
	ck_assert_uint_eq(meta(b)->size, 200);	/* 32 left: no room for a block */
	ck_assert_int_eq(meta(b)->next->status, STATUS_ALLOC);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Adjacent free blocks are coalesced before searching. */
START_TEST(coalesce_before_search)
{
	pagealloc *h = tu_heap("brk");
	char *a = tu_alloc(h, 100), *b = tu_alloc(h, 100), *c = tu_alloc(h, 100);

	tu_alloc(h, 8);
	tu_free(h, a);
	tu_free(h, c);
	tu_free(h, b);
	ck_assert_ptr_eq(tu_alloc(h, 3 * 104 + 2 * 32), a);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* realloc shrinks in place and grows in place over the free blocks after
 * it, absorbed one at a time and kept merged even when still too small. */
START_TEST(realloc_in_place)
{
	pagealloc *h = tu_heap("brk");
	char *a = tu_alloc(h, 1000), *x, *y, *z, *n;

	tu_fill(a, 1000, 1);
	tu_alloc(h, 8);
	ck_assert_ptr_eq(pagealloc_realloc(h, a, 200), a);
	tu_check(h);
	ck_assert_uint_eq(meta(a)->next->size, 1000 - 200 - 32);
	ck_assert_ptr_eq(pagealloc_realloc(h, a, 900), a);
	tu_check(h);
	ck_assert_uint_eq(meta(a)->size, 904);
	tu_assert_pattern(a, 200, 1);
	ck_assert_int_eq(pagealloc_destroy(h), 0);

	h = tu_heap("brk");
	a = tu_alloc(h, 100);
	x = tu_alloc(h, 100);
	y = tu_alloc(h, 100);
	z = tu_alloc(h, 100);
	tu_fill(a, 100, 2);
	tu_free(h, x);
	tu_free(h, y);
	n = pagealloc_realloc(h, a, 1000);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_ne(n, a);
	tu_check(h);
	tu_assert_pattern(n, 100, 2);
	ck_assert_int_eq(meta(a)->status, STATUS_FREE);
	ck_assert_uint_eq(meta(a)->size, 104 + 2 * (104 + 32));	/* stayed merged */
	ck_assert_ptr_eq(meta(a)->next, meta(z));
	/* realloc of a free block */
	tu_assert_fails_ptr(pagealloc_realloc(h, a, 50), EINVAL);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Growth: the last block is extended with sbrk when it is free (or being
 * resized), else a block is added after it. */
START_TEST(growth_extends_the_last_block)
{
	pagealloc *h = tu_heap("brk:mmap_threshold=1M");
	char *a = tu_alloc(h, 100), *big, *more;
	struct nth rest = block(h, 1);

	big = tu_alloc(h, 200000);
	ck_assert_ptr_eq(big, rest.p);
	ck_assert_uint_eq(tu_stats(h).os_brk_calls, 2);
	ck_assert_uint_eq(meta(big)->size, 200000);
	more = tu_alloc(h, 100000);
	ck_assert_ptr_eq(more, big + 200000 + 32);
	ck_assert_uint_eq(tu_stats(h).os_brk_calls, 3);
	tu_fill(more, 100000, 3);
	ck_assert_ptr_eq(pagealloc_realloc(h, more, 300000), more);
	ck_assert_uint_eq(tu_stats(h).os_brk_calls, 4);
	tu_assert_pattern(more, 100000, 3);
	(void)a;
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Sizes crossing the threshold move between the heap and a mapping. */
START_TEST(realloc_across_the_threshold)
{
	pagealloc *h = tu_heap("brk");
	char *p = tu_alloc(h, 1000), *q;

	tu_fill(p, 1000, 4);
	q = pagealloc_realloc(h, p, 200000);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(meta(q)->status, STATUS_MAPPED);
	tu_assert_pattern(q, 1000, 4);
	tu_fill(q, 200000, 5);
	p = pagealloc_realloc(h, q, 500);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(meta(p)->status, STATUS_ALLOC);
	tu_assert_pattern(p, 500, 5);
	tu_check(h);
	ck_assert_uint_lt(tu_stats(h).mapped_bytes, (128 << 10) + 8);	/* the mapping is gone */
	ck_assert_uint_eq(tu_stats(h).os_unmap_calls, 1);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* One break per process: a second brk heap is EBUSY until the first goes,
 * and destroying a heap gives its memory back to the break. */
START_TEST(one_heap_per_process)
{
	void *brk0 = sbrk(0);
	pagealloc *h = tu_heap("brk");
	struct pagealloc_config cfg;

	pagealloc_config_init(&cfg, PAGEALLOC_BRK);
	tu_assert_fails_ptr(pagealloc_create(&cfg), EBUSY);
	tu_alloc(h, 5000);
	ck_assert_ptr_ne(sbrk(0), brk0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
	ck_assert_ptr_eq(sbrk(0), brk0);
	h = pagealloc_create(&cfg);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* Someone else moves the break: the heap does not assume it still ends
 * there; it starts a new segment, and everything stays sound. */
START_TEST(break_moved_by_someone_else)
{
	pagealloc *h = tu_heap("brk:mmap_threshold=1M");
	char *a = tu_alloc(h, 100), *foreign, *b;
	struct nth rest = block(h, 1);

	foreign = sbrk(4096);
	ck_assert_ptr_ne(foreign, (void *)-1);
	memset(foreign, 0x5A, 4096);
	b = tu_alloc(h, 200000);
	ck_assert_ptr_ne(b, rest.p);
	ck_assert_uint_ge((uintptr_t)b, (uintptr_t)foreign + 4096);
	tu_fill(b, 200000, 6);
	tu_fill(a, 100, 7);
	ck_assert_ptr_eq(pagealloc_realloc(h, b, 250000), b);	/* its segment's end is the break */
	tu_free(h, a);
	tu_assert_pattern(b, 200000, 6);
	for (a = foreign; a < foreign + 4096; a++)
		ck_assert_uint_eq((unsigned char)*a, 0x5A);
	ck_assert_int_eq(pagealloc_reset(h), 0);
	tu_check(h);
	ck_assert_uint_eq(block(h, 0).size, rest.size + 104 + 32);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* ---- best fit on a large heap against a brute-force walk ---- */

/* The heap as the next search sees it: runs of adjacent free blocks. */
struct runs {
	char *p[40000];
	size_t size[40000];
	size_t n;
	char *end;
	int open;
};

static int fit_collect(void *p, size_t size, int in_use, void *arg)
{
	struct runs *r = arg;
	char *c = p;

	if (in_use) {
		r->open = 0;
		return 0;
	}
	if (r->open && c == r->end + 32) {
		r->size[r->n - 1] += 32 + size;
	} else {
		if (r->n == 40000)
			return 1;	/* too many runs for the test */
		r->p[r->n] = c;
		r->size[r->n++] = size;
		r->open = 1;
	}
	r->end = c + size;
	return 0;
}

/* The first of the smallest runs of at least want bytes, in list order. */
static char *brute_best_fit(pagealloc *h, size_t want, struct runs *r)
{
	size_t i, best = (size_t)-1;

	r->n = 0;
	r->open = 0;
	pagealloc_walk(h, fit_collect, r);
	for (i = 0; i < r->n; i++)
		if (r->size[i] >= want && (best == (size_t)-1 || r->size[i] < r->size[best]))
			best = i;
	return best == (size_t)-1 ? NULL : r->p[best];
}

/* tu_alloc and tu_free without their pagealloc_check (a walk each). */
static void *quick_alloc(pagealloc *h, size_t n)
{
	void *p = pagealloc_alloc(h, n);

	if (!p)
		ck_abort_msg("alloc(%zu): %s", n, strerror(errno));
	return p;
}

static void quick_free(pagealloc *h, void *p)
{
	if (pagealloc_free(h, p))
		ck_abort_msg("free(%p): %s", p, strerror(errno));
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245U + 12345U;
	return *s >> 8;
}

/* Random allocations and frees on a heap of N blocks, each allocation
 * checked against a walk of the whole list. */
static void churn(pagealloc *h, char **p, size_t n, size_t rounds, uint32_t *seed)
{
	static struct runs r;
	size_t i, k, want, checked = 0;
	char *expect, *got;

	for (i = 0; i < rounds; i++) {
		k = lcg(seed) % n;
		if (p[k]) {
			quick_free(h, p[k]);
			p[k] = NULL;
			continue;
		}
		want = 8 + 8 * (lcg(seed) % 80);
		expect = brute_best_fit(h, want, &r);
		got = quick_alloc(h, want);
		if (expect && got != expect)
			ck_abort_msg("alloc(%zu) took %p, best fit is %p", want, (void *)got, (void *)expect);
		checked += expect != NULL;
		p[k] = got;
		if (i % 1024 == 0)
			tu_check(h);
	}
	tu_check(h);
	ck_assert_uint_gt(checked, rounds / 4);
}

/* 17000 blocks of few distinct sizes (many ties); every other one
 * freed, more free blocks than the index holds; then most of the rest
 * freed, so that runs coalesce and the index is built again.  Every
 * allocation takes the block a walk of the whole list picks. */
START_TEST(best_fit_on_a_large_heap)
{
	pagealloc *h = tu_heap("brk:mmap_threshold=1M");
	enum { N = 17000 };
	static char *p[N];
	uint32_t seed = 12345;
	size_t i;

	for (i = 0; i < N; i++)
		p[i] = quick_alloc(h, 8 + 8 * (lcg(&seed) % 64));
	for (i = 0; i < N; i += 2) {
		quick_free(h, p[i]);
		p[i] = NULL;
	}
	tu_check(h);
	churn(h, p, N, 1000, &seed);
	for (i = 0; i < N; i++)
		if (p[i] && lcg(&seed) % 4) {
			quick_free(h, p[i]);
			p[i] = NULL;
		}
	tu_check(h);
	churn(h, p, N, N / 2, &seed);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

/* pagealloc_check sees a free block whose header lost its index entry. */
START_TEST(check_sees_a_damaged_index)
{
	pagealloc *h = tu_heap("brk");
	char *a = tu_alloc(h, 100);
	uint32_t *pad;

	tu_alloc(h, 8);
	tu_free(h, a);
	tu_check(h);
	pad = (uint32_t *)((char *)meta(a) + sizeof(size_t) + sizeof(int));	/* the padding after status */
	*pad ^= 1;
	tu_assert_fails_int(pagealloc_check(h), EFAULT);
	*pad ^= 1;
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}
END_TEST

static Suite *brk_suite(void)
{
	Suite *s = suite_create("brk");
	TCase *tc = tcase_create("seed");

	tcase_add_test(tc, preallocates_128k);
	tcase_add_test(tc, thresholds);
	tcase_add_test(tc, best_fit);
	tcase_add_test(tc, split_rule);
	tcase_add_test(tc, coalesce_before_search);
	tcase_add_test(tc, realloc_in_place);
	tcase_add_test(tc, growth_extends_the_last_block);
	tcase_add_test(tc, realloc_across_the_threshold);
	tcase_add_test(tc, one_heap_per_process);
	tcase_add_test(tc, break_moved_by_someone_else);
	tcase_add_test(tc, check_sees_a_damaged_index);
	suite_add_tcase(s, tc);

	tc = tcase_create("large");	/* a walk per allocation, of 17000 blocks */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, best_fit_on_a_large_heap);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(brk_suite());
}
