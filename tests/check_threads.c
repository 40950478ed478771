/* check_threads.c - heaps shared between threads: 8 threads do random
 * alloc/realloc/free on one PAGEALLOC_THREADSAFE heap of each policy, each
 * chunk holding a pattern unique to it, verified before every free and
 * realloc and at the end; then pagealloc_check and the figures must agree.
 * Also built with -fsanitize=thread by `make check-tsan` (tests/policies.am). */
#include <pthread.h>
#include <string.h>

#include "testutil.h"

#define THREADS 8
#define SLOTS 64
#define OPS 20000

struct worker {
	pagealloc *h;
	size_t max_size;
	unsigned seed;
	unsigned errors;		/* damaged patterns and failed calls */
	size_t live;
	void *p[SLOTS];
	size_t n[SLOTS];
	uint32_t tag[SLOTS];
};

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned i, k, tags = w->seed << 20;

	for (i = 0; i < OPS; i++) {
		size_t n = 1 + next(&w->seed) % w->max_size;
		void *q;

		k = next(&w->seed) % SLOTS;
		if (w->p[k] && tu_verify(w->p[k], w->n[k], w->tag[k]) != w->n[k])
			w->errors++;
		if (!w->p[k]) {
			q = pagealloc_alloc(w->h, n);
			w->live++;
		} else if (next(&w->seed) % 3 == 0) {
			q = pagealloc_realloc(w->h, w->p[k], n);
			if (!q)
				n = w->n[k], q = w->p[k], w->errors += errno != ENOMEM;
		} else {
			w->errors += pagealloc_free(w->h, w->p[k]) != 0;
			w->p[k] = NULL;
			w->live--;
			continue;
		}
		if (!q) {
			w->errors += errno != ENOMEM;
			w->live--;
			continue;
		}
		w->p[k] = q;
		w->n[k] = n;
		w->tag[k] = ++tags;
		tu_fill(q, n, tags);
	}
	return NULL;
}

START_TEST(shared_heap)
{
	static const char *const specs[] = {
		"page:page_size=1M,threadsafe", "elastic:threadsafe", "bump:threadsafe",
		"cell:threadsafe", "mmap:threadsafe", "brk:threadsafe",
	};
	static const size_t max_size[] = { 2000, 3000, 500, 32, 9000, 5000 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	size_t live = 0;
	int i, k;

	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].h = i ? w[0].h : tu_heap(specs[_i]);
		w[i].max_size = max_size[_i];
		w[i].seed = 77u + (unsigned)i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	tu_check(w[0].h);
	for (i = 0; i < THREADS; i++) {
		ck_assert_uint_eq(w[i].errors, 0);
		live += w[i].live;
		for (k = 0; k < SLOTS; k++)
			if (w[i].p[k])
				tu_assert_pattern(w[i].p[k], w[i].n[k], w[i].tag[k]);
	}
	ck_assert_uint_eq(tu_stats(w[0].h).chunks_in_use, live);
	ck_assert_int_eq(pagealloc_destroy(w[0].h), 0);
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("shared");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, shared_heap, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(threads_suite());
}
