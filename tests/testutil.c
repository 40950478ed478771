/* testutil.c - see testutil.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotate.h"
#include "testutil.h"

pagealloc *tu_heap(const char *spec)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	ck_assert_msg(pagealloc_config_parse(&cfg, spec) == 0, "spec %s: %s", spec, strerror(errno));
	h = pagealloc_create(&cfg);
	ck_assert_msg(h != NULL, "create %s: %s", spec, strerror(errno));
	return h;
}

static unsigned char pattern_byte(uint32_t tag, size_t off)
{
	uint32_t x = (tag + 1) * 0x9E3779B1u ^ (uint32_t)(off >> 2) * 0x85EBCA6Bu;

	x ^= x >> 15;
	return (unsigned char)(x >> (8 * (off & 3)));
}

size_t tu_round_page(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

struct pagealloc_stats tu_stats(const pagealloc *h)
{
	struct pagealloc_stats st;

	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	return st;
}

void *tu_alloc(pagealloc *h, size_t n)
{
	void *p = pagealloc_alloc(h, n);

	ck_assert_msg(p != NULL, "alloc(%zu): %s", n, strerror(errno));
	tu_check(h);
	return p;
}

void tu_free(pagealloc *h, void *p)
{
	ck_assert_int_eq(pagealloc_free(h, p), 0);
	tu_check(h);
}

void tu_fill(void *p, size_t n, uint32_t tag)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern_byte(tag, i);
}

size_t tu_verify(const void *p, size_t n, uint32_t tag)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != pattern_byte(tag, i))
			return i;
	return n;
}

size_t tu_vsz(void)
{
	/* open/read, not stdio: reading the figure must not allocate and so
	 * move the very number it reads */
	char buf[64];
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return strtoul(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

int tu_vsz_unreliable(void)
{
#if PA_MEMCHECK
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

void tu_scribble(void *p, int c, size_t n)
{
	pa_annot_claim(p, n);
	memset(p, c, n);
}

/* ---- the randomized model run ---- */

#define SLOTS 192

struct slot {
	unsigned char *p;
	size_t n;
	uint32_t tag;
};

struct model {
	pagealloc *h;
	struct slot s[SLOTS];
	size_t live, bytes;
	uint32_t next_tag;
	unsigned long long rng;
};

static uint32_t rnd(struct model *m)
{
	/* xorshift64*: the same run for the same seed on every machine */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static void verify_slot(const struct slot *s)
{
	size_t at = tu_verify(s->p, s->n, s->tag);

	/* ck_abort only on failure: every ck_assert writes a progress record */
	if (at != s->n)
		ck_abort_msg("chunk %p (tag %u, %zu bytes) damaged at byte %zu",
		      (void *)s->p, s->tag, s->n, at);
}

static void verify_all(const struct model *m)
{
	size_t i;

	for (i = 0; i < SLOTS; i++)
		if (m->s[i].p)
			verify_slot(&m->s[i]);
}

/* A chunk just handed out: usable, and not overlapping any live one. */
static void take(struct model *m, struct slot *s, unsigned char *p, size_t n)
{
	size_t i;

	ck_assert_uint_ge(pagealloc_usable_size(m->h, p), n);
	for (i = 0; i < SLOTS; i++) {
		const struct slot *o = &m->s[i];

		if (o->p && o != s && !(p + n <= o->p || o->p + o->n <= p))
			ck_abort_msg("new chunk %p+%zu overlaps live %p+%zu", (void *)p, n,
				     (void *)o->p, o->n);
	}
	s->p = p;
	s->n = n;
	s->tag = m->next_tag++;
	tu_fill(p, n, s->tag);
}

static void op_alloc(struct model *m, struct slot *s, size_t n)
{
	unsigned char *p;

	if (rnd(m) % 4 == 0) {
		size_t nmemb = 1 + rnd(m) % 4, each = n / nmemb, i;

		if (!each) {		/* never more than n: a cell heap serves no more */
			nmemb = 1;
			each = n;
		}
		n = nmemb * each;
		p = pagealloc_calloc(m->h, nmemb, each);
		if (p)
			for (i = 0; i < n; i++)
				if (p[i])
					ck_abort_msg("calloc byte %zu of %zu not zero", i, n);
	} else {
		p = pagealloc_alloc(m->h, n);
	}
	if (!p) {
		ck_assert_int_eq(errno, ENOMEM);
		return;
	}
	take(m, s, p, n);
	m->live++;
	m->bytes += n;
}

static void op_realloc(struct model *m, struct slot *s, size_t n)
{
	unsigned char *p;
	size_t keep = s->n < n ? s->n : n;

	verify_slot(s);
	p = pagealloc_realloc(m->h, s->p, n);
	if (!p) {
		ck_assert_int_eq(errno, ENOMEM);
		verify_slot(s);		/* a failed realloc leaves the chunk alone */
		return;
	}
	ck_assert_uint_eq(tu_verify(p, keep, s->tag), keep);
	m->bytes -= s->n;
	take(m, s, p, n);
	m->bytes += n;
}

static void op_free(struct model *m, struct slot *s)
{
	void *p = s->p;

	verify_slot(s);
	ck_assert_int_eq(pagealloc_free(m->h, p), 0);
	s->p = NULL;
	m->live--;
	m->bytes -= s->n;
	if (rnd(m) % 8 == 0) {
		tu_assert_fails_int(pagealloc_free(m->h, p), EINVAL);
		ck_assert_uint_eq(pagealloc_usable_size(m->h, p), 0);
	}
}

static void op_reset(struct model *m)
{
	size_t i;

	ck_assert_int_eq(pagealloc_reset(m->h), 0);
	for (i = 0; i < SLOTS; i++)
		m->s[i].p = NULL;
	m->live = m->bytes = 0;
}

void tu_model_run(const char *spec, unsigned seed, unsigned ops, size_t max_size)
{
	struct model m;
	struct pagealloc_stats st;
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.h = tu_heap(spec);
	m.rng = 0x9E3779B97F4A7C15ULL ^ seed;
	for (i = 0; i < ops; i++) {
		struct slot *s = &m.s[rnd(&m) % SLOTS];
		size_t n = 1 + rnd(&m) % max_size;
		unsigned what = rnd(&m) % 1000;

		if (what == 0)
			op_reset(&m);
		else if (!s->p)
			op_alloc(&m, s, n);
		else if (what < 300)
			op_realloc(&m, s, n);
		else
			op_free(&m, s);
		tu_check(m.h);
		ck_assert_int_eq(pagealloc_get_stats(m.h, &st), 0);
		ck_assert_uint_eq(st.chunks_in_use, m.live);
		ck_assert_uint_ge(st.in_use_bytes, m.bytes);
		if (i % 64 == 0)
			verify_all(&m);
	}
	verify_all(&m);
	for (i = 0; i < SLOTS; i++)
		if (m.s[i].p)
			op_free(&m, &m.s[i]);
	tu_check(m.h);
	ck_assert_int_eq(pagealloc_get_stats(m.h, &st), 0);
	ck_assert_uint_eq(st.chunks_in_use, 0);
	ck_assert_uint_eq(st.in_use_bytes, 0);
	ck_assert_int_eq(pagealloc_destroy(m.h), 0);
}

/* ---- the bad-input list ---- */

static int count_chunk(void *p, size_t n, int in_use, void *arg)
{
	(void)p;
	(void)n;
	*(size_t *)arg += in_use != 0;
	return 0;
}

static void null_heap_calls(void)
{
	struct pagealloc_stats st;
	char c;
	size_t n = 0;

	tu_assert_fails_ptr(pagealloc_alloc(NULL, 8), EINVAL);
	tu_assert_fails_ptr(pagealloc_calloc(NULL, 1, 8), EINVAL);
	tu_assert_fails_ptr(pagealloc_realloc(NULL, NULL, 8), EINVAL);
	tu_assert_fails_ptr(pagealloc_realloc(NULL, &c, 8), EINVAL);
	tu_assert_fails_int(pagealloc_free(NULL, &c), EINVAL);
	errno = 0;
	ck_assert_uint_eq(pagealloc_usable_size(NULL, &c), 0);
	ck_assert_int_eq(errno, EINVAL);
	tu_assert_fails_int(pagealloc_get_stats(NULL, &st), EINVAL);
	tu_assert_fails_int(pagealloc_check(NULL), EINVAL);
	tu_assert_fails_int(pagealloc_walk(NULL, count_chunk, &n), EINVAL);
	tu_assert_fails_int(pagealloc_reset(NULL), EINVAL);
	tu_assert_fails_int(pagealloc_destroy(NULL), EINVAL);
	tu_assert_fails_ptr(pagealloc_create(NULL), EINVAL);
}

/* p is no chunk of h: every call taking a pointer refuses it. */
static void refuse_pointer(pagealloc *h, void *p)
{
	tu_assert_fails_int(pagealloc_free(h, p), EINVAL);
	tu_check(h);
	tu_assert_fails_ptr(pagealloc_realloc(h, p, 16), EINVAL);
	tu_check(h);
	errno = 0;
	ck_assert_uint_eq(pagealloc_usable_size(h, p), 0);
	ck_assert_int_eq(errno, EINVAL);
}

static void assert_too_big(void *p)
{
	ck_assert_ptr_null(p);
	ck_assert_msg(errno == ENOMEM || errno == EINVAL, "errno %d", errno);
}

void tu_bad_inputs(const char *spec)
{
	struct pagealloc_config cfg;
	struct pagealloc_stats st;
	pagealloc *h, *other;
	unsigned char *keep, *q, *gone;
	long stack_word = 0;
	size_t n = 0;

	null_heap_calls();
	h = tu_heap(spec);
	ck_assert_int_eq(pagealloc_config_parse(&cfg, spec), 0);
	/* the process has one break: the other heap of a brk test is a page heap */
	other = tu_heap(cfg.policy == PAGEALLOC_BRK ? "page" : spec);
	keep = pagealloc_alloc(h, 24);
	ck_assert_ptr_nonnull(keep);
	tu_fill(keep, 24, 7);

	/* NULL pointer; NULL arguments */
	tu_assert_fails_int(pagealloc_free(h, NULL), EINVAL);
	errno = 0;
	ck_assert_uint_eq(pagealloc_usable_size(h, NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
	tu_assert_fails_int(pagealloc_get_stats(h, NULL), EINVAL);
	tu_assert_fails_int(pagealloc_walk(h, NULL, NULL), EINVAL);

	/* a stack address, interior pointers, another heap's chunk */
	refuse_pointer(h, &stack_word);
	refuse_pointer(h, keep + 8);
	refuse_pointer(h, keep + 1);
	q = pagealloc_alloc(other, 16);
	ck_assert_ptr_nonnull(q);
	refuse_pointer(h, q);
	ck_assert_int_eq(pagealloc_free(other, q), 0);

	/* double free */
	gone = pagealloc_alloc(h, 16);
	ck_assert_ptr_nonnull(gone);
	ck_assert_int_eq(pagealloc_free(h, gone), 0);
	refuse_pointer(h, gone);
	tu_check(h);

	/* size 0, and sizes no memory can serve */
	tu_assert_fails_ptr(pagealloc_alloc(h, 0), EINVAL);
	tu_assert_fails_ptr(pagealloc_calloc(h, 0, 8), EINVAL);
	tu_assert_fails_ptr(pagealloc_calloc(h, 8, 0), EINVAL);
	tu_assert_fails_ptr(pagealloc_realloc(h, NULL, 0), EINVAL);
	errno = 0;
	assert_too_big(pagealloc_alloc(h, SIZE_MAX));
	assert_too_big(pagealloc_alloc(h, SIZE_MAX - 4095));
	assert_too_big(pagealloc_alloc(h, SIZE_MAX / 2 + 1));
	tu_assert_fails_ptr(pagealloc_calloc(h, SIZE_MAX / 2 + 1, 2), ENOMEM);
	tu_assert_fails_ptr(pagealloc_calloc(h, 2, SIZE_MAX / 2 + 1), ENOMEM);
	tu_assert_fails_ptr(pagealloc_calloc(h, SIZE_MAX, SIZE_MAX), ENOMEM);
	assert_too_big(pagealloc_realloc(h, keep, SIZE_MAX));
	assert_too_big(pagealloc_realloc(h, keep, SIZE_MAX - 4095));
	tu_check(h);

	/* nothing was lost: the live chunk, its contents and the figures */
	tu_assert_pattern(keep, 24, 7);
	ck_assert_uint_ge(pagealloc_usable_size(h, keep), 24);
	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	ck_assert_uint_ge(st.failed_allocs, 8);
	ck_assert_int_eq(pagealloc_walk(h, count_chunk, &n), 0);
	ck_assert_uint_eq(st.chunks_in_use, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pagealloc_free(h, keep), 0);
	tu_check(h);
	ck_assert_int_eq(pagealloc_destroy(other), 0);
	ck_assert_int_eq(pagealloc_destroy(h), 0);
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
