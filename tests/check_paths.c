/*
 * check_paths.c - the two paths of pagealloc_alloc and pagealloc_free agree.
 *
 * A heap without STRICT or THREADSAFE (and no tool watching) sends alloc
 * and free straight to its policy's fast_alloc and free, chosen at create
 * (heap.c, choose_paths); a thread-safe heap of the same policy takes the
 * full path, with its lock, once a second thread exists; while the process
 * has one thread it takes the fast path too (heap.c, alloc_shared), so
 * every spec runs twice: alone, and beside a parked thread.  (brk is left
 * out: a process has one brk heap.)
 * The same random sequence runs on both in lockstep: allocations of 0 bytes
 * to far beyond what the policy serves, frees of live chunks, and right
 * after a free the same pointer again, an interior pointer, NULL and a
 * pointer of another heap.  Every call must give the same result and errno
 * on both heaps and leave the same figures; every live chunk holds a pattern
 * of its own, checked before it is freed; pagealloc_check passes on both
 * after every call.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define OPS 3000
#define LIVE 256

static const char *const specs[] = {
	"page:page_size=64K", "elastic", "elastic:page_size=64K", "cell:cell_size=64", "bump", "mmap",
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

struct pair {
	pagealloc *fast, *full;
	void *p[2][LIVE];	/* [0]: the fast heap's chunk, [1]: the full heap's */
	size_t size[LIVE];
	uint32_t tag[LIVE];
	unsigned n;
};

static uint64_t rng;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

static size_t pick_size(void)
{
	uint32_t r = rnd() % 100;

	if (r < 4)
		return 0;
	if (r < 7)
		return SIZE_MAX / 2 + rnd() % 4096;
	if (r < 80)
		return 1 + rnd() % 256;
	return 257 + rnd() % 8192;
}

/* Both heaps hold the same figures. */
static void same_figures(const struct pair *t)
{
	struct pagealloc_stats a = tu_stats(t->fast), b = tu_stats(t->full);

	tu_check(t->fast);
	tu_check(t->full);
	ck_assert_uint_eq(a.in_use_bytes, b.in_use_bytes);
	ck_assert_uint_eq(a.peak_in_use_bytes, b.peak_in_use_bytes);
	ck_assert_uint_eq(a.chunks_in_use, b.chunks_in_use);
	ck_assert_uint_eq(a.failed_allocs, b.failed_allocs);
}

static void both_alloc(struct pair *t, uint32_t tag)
{
	size_t size = pick_size();
	void *a, *b;
	int ea, eb;

	errno = 0;
	a = pagealloc_alloc(t->fast, size);
	ea = errno;
	errno = 0;
	b = pagealloc_alloc(t->full, size);
	eb = errno;
	ck_assert_msg((a == NULL) == (b == NULL), "alloc(%zu): %p on the fast path, %p on the full one",
		      size, a, b);
	if (!a) {
		ck_assert_int_eq(ea, eb);
		ck_assert_int_ne(ea, 0);
		return;
	}
	ck_assert_uint_eq(pagealloc_usable_size(t->fast, a), pagealloc_usable_size(t->full, b));
	if (t->n == LIVE) {		/* full: this one goes right back */
		ck_assert_int_eq(pagealloc_free(t->fast, a), 0);
		ck_assert_int_eq(pagealloc_free(t->full, b), 0);
		return;
	}
	tu_fill(a, size, tag);
	tu_fill(b, size, tag);
	t->p[0][t->n] = a;
	t->p[1][t->n] = b;
	t->size[t->n] = size;
	t->tag[t->n++] = tag;
}

/* Free p on the fast heap and q on the full one: the same result and errno. */
static void same_free(const struct pair *t, void *p, void *q)
{
	int ra, rb, ea, eb;

	errno = 0;
	ra = pagealloc_free(t->fast, p);
	ea = errno;
	errno = 0;
	rb = pagealloc_free(t->full, q);
	eb = errno;
	ck_assert_int_eq(ra, rb);
	if (ra)
		ck_assert_int_eq(ea, eb);
}

/* Free a live chunk (pattern checked), then try the bad pointers. */
static void both_free(struct pair *t, pagealloc *stranger)
{
	unsigned k = rnd() % t->n;
	unsigned char *a = t->p[0][k], *b = t->p[1][k];
	void *foreign = pagealloc_alloc(stranger, 16);

	tu_assert_pattern(a, t->size[k], t->tag[k]);
	tu_assert_pattern(b, t->size[k], t->tag[k]);
	if (t->size[k] > 8 && rnd() % 2)
		same_free(t, a + 8, b + 8);		/* interior: refused */
	same_free(t, a, b);
	same_free(t, a, b);				/* again: refused */
	same_free(t, NULL, NULL);
	same_free(t, foreign, foreign);
	ck_assert_int_eq(pagealloc_free(stranger, foreign), 0);
	t->n--;
	t->p[0][k] = t->p[0][t->n];
	t->p[1][k] = t->p[1][t->n];
	t->size[k] = t->size[t->n];
	t->tag[k] = t->tag[t->n];
}

/* A thread that waits until its pipe is closed: while it lives, the
 * process is not single-threaded. */
static void *parked(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) > 0)
		;
	return NULL;
}

START_TEST(fast_and_full_agree)
{
	char spec[64];
	struct pair t = { 0 };
	pagealloc *stranger = tu_heap("page:page_size=64K");
	const char *base = specs[_i % NSPECS];
	int with_thread = _i >= (int)NSPECS, fds[2];
	pthread_t thread;
	uint32_t op;

	if (with_thread) {
		ck_assert_int_eq(pipe(fds), 0);
		ck_assert_int_eq(pthread_create(&thread, NULL, parked, &fds[0]), 0);
	}
	rng = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	snprintf(spec, sizeof(spec), "%s%sthreadsafe", base, strchr(base, ':') ? "," : ":");
	t.fast = tu_heap(base);
	t.full = tu_heap(spec);
	for (op = 0; op < OPS; op++) {
		if (t.n && rnd() % 100 < 45)
			both_free(&t, stranger);
		else
			both_alloc(&t, op + 1);
		same_figures(&t);
	}
	while (t.n)
		both_free(&t, stranger);
	same_figures(&t);
	ck_assert_uint_eq(tu_stats(t.fast).chunks_in_use, 0);
	ck_assert_int_eq(pagealloc_destroy(t.fast), 0);
	ck_assert_int_eq(pagealloc_destroy(t.full), 0);
	ck_assert_int_eq(pagealloc_destroy(stranger), 0);
	if (with_thread) {
		close(fds[1]);
		ck_assert_int_eq(pthread_join(thread, NULL), 0);
		close(fds[0]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("lockstep");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, fast_and_full_agree, 0, 2 * NSPECS);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
