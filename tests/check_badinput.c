/*
 * check_badinput.c - the bad-input matrix: every public call against every
 * bad input, on a heap of every policy (and a capped elastic heap, a strict
 * page heap and a thread-safe cell heap).
 *
 * Each case is a row of a table: a call, a bad argument, and the error that
 * include/pagealloc.h and the man pages document for it.  After every case
 * the heap must still pass pagealloc_check, count one live chunk (its walk
 * too), and that chunk must hold its pattern: a refused call changes
 * nothing.  The test counts the cases it ran (in memory shared with Check's
 * forked children) and prints the number.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#define KEEP_N 32		/* the live chunk: a multiple of every granule used */
#define KEEP_TAG 77

static const char *const heap_specs[] = {
	"page", "elastic", "bump", "cell", "mmap", "brk",
	"elastic:max_pages=4", "page:strict,granule=16", "cell:cell_size=64,threadsafe",
};
#define NHEAPS (sizeof(heap_specs) / sizeof(heap_specs[0]))

static size_t *cases;		/* shared with the forked tests */

struct ctx {
	const char *spec;
	struct pagealloc_config cfg;
	pagealloc *h;
	pagealloc *other;	/* another heap (a page heap beside a brk heap) */
	unsigned char *keep;	/* a live chunk holding a pattern */
	void *scratch;		/* what the current case set up, for its cleanup */
};

/* ---- outcomes ---- */

/* What a call did: failed (NULL, -1 or 0 by the call's convention), errno. */
struct outcome {
	int failed;
	int err;
};

static struct outcome ptr_outcome(const void *p)
{
	return (struct outcome){ p == NULL, errno };
}

static struct outcome int_outcome(int r)
{
	return (struct outcome){ r == -1, errno };
}

static struct outcome size_outcome(size_t n)
{
	return (struct outcome){ n == 0, errno };
}

/* A callback of pagealloc_walk: count the live chunks. */
static int count_live(void *p, size_t n, int in_use, void *arg)
{
	(void)p;
	(void)n;
	*(size_t *)arg += in_use != 0;
	return 0;
}

/* Whatever the call, nothing may have changed in the heaps. */
static void heap_intact(const struct ctx *c, const char *what)
{
	struct pagealloc_stats st;
	size_t live = 0;

	if (pagealloc_check(c->h) || pagealloc_check(c->other))
		ck_abort_msg("%s: %s: pagealloc_check fails afterwards", c->spec, what);
	if (tu_verify(c->keep, KEEP_N, KEEP_TAG) != KEEP_N)
		ck_abort_msg("%s: %s: the live chunk lost its contents", c->spec, what);
	if (pagealloc_usable_size(c->h, c->keep) < KEEP_N)
		ck_abort_msg("%s: %s: the live chunk is no longer live", c->spec, what);
	if (pagealloc_get_stats(c->h, &st) || st.chunks_in_use != 1 ||
	    pagealloc_walk(c->h, count_live, &live) || live != 1)
		ck_abort_msg("%s: %s: %zu chunks in use afterwards (%zu walked), not 1", c->spec,
			     what, st.chunks_in_use, live);
}

/* The case failed with errno err and left everything as it was. */
static void expect(const struct ctx *c, const char *what, struct outcome o, int err)
{
	if (!o.failed)
		ck_abort_msg("%s: %s: succeeded, expected errno %d", c->spec, what, err);
	if (o.err != err)
		ck_abort_msg("%s: %s: errno %d (%s), expected %d (%s)", c->spec, what, o.err,
			     strerror(o.err), err, strerror(err));
	heap_intact(c, what);
	__atomic_fetch_add(cases, 1, __ATOMIC_RELAXED);
}

/* ---- the heaps of a case ---- */

static void setup(struct ctx *c, const char *spec)
{
	memset(c, 0, sizeof(*c));
	c->spec = spec;
	ck_assert_int_eq(pagealloc_config_parse(&c->cfg, spec), 0);
	c->h = tu_heap(spec);
	/* the process has one break: beside a brk heap, the other is a page heap */
	c->other = tu_heap(c->cfg.policy == PAGEALLOC_BRK ? "page" : spec);
	c->keep = tu_alloc(c->h, KEEP_N);
	tu_fill(c->keep, KEEP_N, KEEP_TAG);
}

static void teardown(struct ctx *c)
{
	heap_intact(c, "the end");
	tu_free(c->h, c->keep);
	ck_assert_int_eq(pagealloc_destroy(c->other), 0);
	ck_assert_int_eq(pagealloc_destroy(c->h), 0);
}

/* ---- bad pointers: made fresh for each case ---- */

static long a_static_word;

static void *p_null(struct ctx *c) { (void)c; return NULL; }
static void *p_stack(struct ctx *c) { (void)c; return __builtin_frame_address(0); }
static void *p_static(struct ctx *c) { (void)c; return &a_static_word; }
static void *p_near_null(struct ctx *c) { (void)c; return (void *)(uintptr_t)64; }
static void *p_top(struct ctx *c) { (void)c; return (void *)(UINTPTR_MAX & ~(uintptr_t)15); }
static void *p_inside(struct ctx *c) { return c->keep + 16; }
static void *p_inside_odd(struct ctx *c) { return c->keep + 1; }
static void *p_last_byte(struct ctx *c) { return c->keep + KEEP_N - 1; }
static void *p_before(struct ctx *c) { return c->keep - 16; }

/* A live chunk of the other heap: freed by the cleanup. */
static void *p_other(struct ctx *c)
{
	return c->scratch = tu_alloc(c->other, 16);
}

/* A chunk of this heap, already freed: a double free. */
static void *p_freed(struct ctx *c)
{
	void *p = tu_alloc(c->h, 16);

	tu_free(c->h, p);
	return p;
}

static void *p_other_freed(struct ctx *c)
{
	void *p = tu_alloc(c->other, 16);

	tu_free(c->other, p);
	return p;
}

/* A page the test mapped itself, and one it unmapped again. */
static void *p_mapped(struct ctx *c)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return c->scratch = p;
}

static void *p_unmapped(struct ctx *c)
{
	void *p = p_mapped(c);

	munmap(p, 4096);
	c->scratch = NULL;
	return p;
}

/* A chunk of a heap destroyed since (a page heap beside a brk heap). */
static void *p_destroyed(struct ctx *c)
{
	pagealloc *gone = tu_heap(c->cfg.policy == PAGEALLOC_BRK ? "page" : c->spec);
	void *p = tu_alloc(gone, 16);

	ck_assert_int_eq(pagealloc_destroy(gone), 0);
	return p;
}

static void cleanup(struct ctx *c, void *(*make)(struct ctx *))
{
	if (c->scratch && make == p_other)
		tu_free(c->other, c->scratch);
	else if (c->scratch)
		munmap(c->scratch, 4096);
	c->scratch = NULL;
}

static const struct bad_ptr {
	const char *name;
	void *(*make)(struct ctx *c);
} bad_ptrs[] = {
	{ "NULL", p_null },
	{ "a stack address", p_stack },
	{ "a static variable", p_static },
	{ "an address near NULL", p_near_null },
	{ "the top of the address space", p_top },
	{ "a pointer 16 bytes inside a chunk", p_inside },
	{ "a pointer 1 byte inside a chunk", p_inside_odd },
	{ "a chunk's last byte", p_last_byte },
	{ "16 bytes before a chunk", p_before },
	{ "another heap's chunk", p_other },
	{ "a freed chunk (double free)", p_freed },
	{ "another heap's freed chunk", p_other_freed },
	{ "a page the heap never mapped", p_mapped },
	{ "an unmapped page", p_unmapped },
	{ "a chunk of a destroyed heap", p_destroyed },
};

/* The calls taking a pointer: each refuses every bad one with EINVAL. */
static struct outcome c_free(struct ctx *c, void *p)
{
	errno = 0;
	return int_outcome(pagealloc_free(c->h, p));
}

static struct outcome c_realloc(struct ctx *c, void *p)
{
	errno = 0;
	return ptr_outcome(pagealloc_realloc(c->h, p, 16));
}

/* realloc to 0 frees: NULL, and errno only when freeing failed */
static struct outcome c_realloc0(struct ctx *c, void *p)
{
	errno = 0;
	return ptr_outcome(pagealloc_realloc(c->h, p, 0));
}

static struct outcome c_usable(struct ctx *c, void *p)
{
	errno = 0;
	return size_outcome(pagealloc_usable_size(c->h, p));
}

static const struct ptr_call {
	const char *name;
	struct outcome (*call)(struct ctx *c, void *p);
	int takes_null;		/* NULL is a bad pointer for it (realloc: it allocates) */
} ptr_calls[] = {
	{ "pagealloc_free", c_free, 1 },
	{ "pagealloc_realloc(16)", c_realloc, 0 },
	{ "pagealloc_realloc(0)", c_realloc0, 0 },
	{ "pagealloc_usable_size", c_usable, 1 },
};

static void run_pointer_cases(struct ctx *c)
{
	char what[200];
	size_t i, j;

	for (i = 0; i < sizeof(ptr_calls) / sizeof(ptr_calls[0]); i++)
		for (j = 0; j < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); j++) {
			const struct ptr_call *k = &ptr_calls[i];
			void *p;

			if (bad_ptrs[j].make == p_null && !k->takes_null)
				continue;
			snprintf(what, sizeof(what), "%s(%s)", k->name, bad_ptrs[j].name);
			p = bad_ptrs[j].make(c);
			expect(c, what, k->call(c, p), EINVAL);
			cleanup(c, bad_ptrs[j].make);
		}
}

/* ---- bad sizes ---- */

/* The documented error for a request of n bytes on this heap. */
static int size_error(const struct ctx *c, size_t n)
{
	const struct pagealloc_config *k = &c->cfg;

	if (n == 0 || ((k->flags & PAGEALLOC_STRICT) && n % k->granule))
		return EINVAL;
	if (k->policy == PAGEALLOC_CELL && n > k->cell_size)
		return EINVAL;
	return ENOMEM;
}

/* The sizes this heap must refuse: beyond what its policy can serve, or
 * beyond any memory.  Returns how many it wrote. */
static size_t bad_sizes(const struct ctx *c, size_t *n)
{
	const struct pagealloc_config *k = &c->cfg;
	size_t m = 0;

	n[m++] = 0;
	if (k->flags & PAGEALLOC_STRICT)
		n[m++] = k->granule + 1;
	if (k->policy == PAGEALLOC_PAGE)
		n[m++] = k->page_size + 1;	/* larger than the region */
	if (k->policy == PAGEALLOC_CELL)
		n[m++] = k->cell_size + 1;
	if (k->max_pages)
		n[m++] = k->max_pages * k->page_size + 1;
	n[m++] = (size_t)1 << 50;		/* beyond the address space */
	n[m++] = PTRDIFF_MAX;
	n[m++] = (size_t)PTRDIFF_MAX + 1;
	n[m++] = SIZE_MAX - 4095;
	n[m++] = SIZE_MAX - 15;
	n[m++] = SIZE_MAX - 7;
	n[m++] = SIZE_MAX;
	return m;
}

static struct outcome s_alloc(struct ctx *c, size_t n)
{
	errno = 0;
	return ptr_outcome(pagealloc_alloc(c->h, n));
}

static struct outcome s_calloc_1n(struct ctx *c, size_t n)
{
	errno = 0;
	return ptr_outcome(pagealloc_calloc(c->h, 1, n));
}

static struct outcome s_calloc_n1(struct ctx *c, size_t n)
{
	errno = 0;
	return ptr_outcome(pagealloc_calloc(c->h, n, 1));
}

static struct outcome s_realloc_null(struct ctx *c, size_t n)
{
	errno = 0;
	return ptr_outcome(pagealloc_realloc(c->h, NULL, n));
}

/* The live chunk itself: a failed realloc must leave it where it is. */
static struct outcome s_realloc_keep(struct ctx *c, size_t n)
{
	errno = 0;
	return ptr_outcome(pagealloc_realloc(c->h, c->keep, n));
}

static const struct size_call {
	const char *name;
	struct outcome (*call)(struct ctx *c, size_t n);
	int takes_zero;		/* size 0 is a bad size for it (realloc(p, 0) frees) */
} size_calls[] = {
	{ "pagealloc_alloc", s_alloc, 1 },
	{ "pagealloc_calloc(1, n)", s_calloc_1n, 1 },
	{ "pagealloc_calloc(n, 1)", s_calloc_n1, 1 },
	{ "pagealloc_realloc(NULL, n)", s_realloc_null, 1 },
	{ "pagealloc_realloc(chunk, n)", s_realloc_keep, 0 },
};

static void run_size_cases(struct ctx *c)
{
	size_t sizes[16], m = bad_sizes(c, sizes), i, j;
	char what[200];

	for (i = 0; i < sizeof(size_calls) / sizeof(size_calls[0]); i++)
		for (j = 0; j < m; j++) {
			if (sizes[j] == 0 && !size_calls[i].takes_zero)
				continue;
			snprintf(what, sizeof(what), "%s with n = %zu", size_calls[i].name, sizes[j]);
			expect(c, what, size_calls[i].call(c, sizes[j]), size_error(c, sizes[j]));
		}
}

/* nmemb * size overflows: ENOMEM before anything else, on every heap. */
static const size_t overflows[][2] = {
	{ SIZE_MAX / 2 + 1, 2 }, { 2, SIZE_MAX / 2 + 1 }, { SIZE_MAX, SIZE_MAX },
	{ (size_t)1 << 32, (size_t)1 << 32 }, { SIZE_MAX, 2 }, { 3, SIZE_MAX / 3 + 1 },
	{ SIZE_MAX / 16 + 1, 16 },
};

/* calloc(0, n) and calloc(n, 0): no bytes at all, EINVAL. */
static const size_t zero_products[][2] = {
	{ 0, 8 }, { 8, 0 }, { 0, 0 }, { 0, SIZE_MAX }, { SIZE_MAX, 0 },
};

static void run_calloc_cases(struct ctx *c)
{
	char what[200];
	size_t i;

	for (i = 0; i < sizeof(overflows) / sizeof(overflows[0]); i++) {
		snprintf(what, sizeof(what), "pagealloc_calloc(%zu, %zu)", overflows[i][0], overflows[i][1]);
		errno = 0;
		expect(c, what, ptr_outcome(pagealloc_calloc(c->h, overflows[i][0], overflows[i][1])), ENOMEM);
	}
	for (i = 0; i < sizeof(zero_products) / sizeof(zero_products[0]); i++) {
		snprintf(what, sizeof(what), "pagealloc_calloc(%zu, %zu)", zero_products[i][0],
			 zero_products[i][1]);
		errno = 0;
		expect(c, what, ptr_outcome(pagealloc_calloc(c->h, zero_products[i][0], zero_products[i][1])),
		       EINVAL);
	}
}

/* NULL where a call needs an argument other than the heap or the chunk. */
static void run_argument_cases(struct ctx *c)
{
	errno = 0;
	expect(c, "pagealloc_get_stats(heap, NULL)", int_outcome(pagealloc_get_stats(c->h, NULL)), EINVAL);
	errno = 0;
	expect(c, "pagealloc_walk(heap, NULL, arg)", int_outcome(pagealloc_walk(c->h, NULL, c)), EINVAL);
}

/* ---- bad configurations ---- */

#define ALL ((1u << PAGEALLOC_POLICY_COUNT) - 1)
#define P(x) (1u << PAGEALLOC_##x)
#define FIELD(name) offsetof(struct pagealloc_config, name)

/* The settings of pagealloc_config_init(3): which policies each applies to,
 * a good value other than the default, and values pagealloc_create refuses. */
static const struct setting {
	const char *key;
	size_t offset;
	unsigned policies;
	size_t good;
	size_t nbad;
	size_t bad[6];
} settings[] = {
	{ "granule", FIELD(granule), P(PAGE) | P(ELASTIC) | P(BUMP), 16,
	  5, { 0, 4, 12, 24, (size_t)1 << 20 /* > page_size */ } },
	{ "page_size", FIELD(page_size), P(PAGE) | P(ELASTIC), (size_t)1 << 20,
	  5, { 0, 4097, 6144, (size_t)2 << 30, (size_t)1 << 30 /* 2^27 granules */ } },
	{ "max_pages", FIELD(max_pages), P(ELASTIC), 4, 2, { ((size_t)1 << 24) + 1, SIZE_MAX } },
	{ "spare_pages", FIELD(spare_pages), P(ELASTIC), 2, 0, { 0 } },
	{ "pool_chunk", FIELD(pool_chunk), P(BUMP), (size_t)2 << 20,
	  4, { 0, 1000, 4097, (size_t)2 << 30 } },
	{ "cell_size", FIELD(cell_size), P(CELL), 64, 6, { 0, 4, 12, 13, 4097, (size_t)1 << 20 } },
	{ "mmap_threshold", FIELD(mmap_threshold), P(BRK), (size_t)64 << 10, 0, { 0 } },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))
/* The flag that applies to some policies only. */
#define STRICT_POLICIES (P(PAGE) | P(ELASTIC) | P(BUMP))

static size_t *field(struct pagealloc_config *cfg, const struct setting *s)
{
	return (size_t *)((char *)cfg + s->offset);
}

static void expect_create_fails(const struct ctx *c, const char *what,
				const struct pagealloc_config *cfg, int err)
{
	pagealloc *h;

	errno = 0;
	h = pagealloc_create(cfg);
	if (h) {
		pagealloc_destroy(h);
		ck_abort_msg("%s: %s: pagealloc_create succeeded", c->spec, what);
	}
	expect(c, what, (struct outcome){ 1, errno }, err);
}

/* The spec parses and pagealloc_create refuses what it gives. */
static void expect_spec_refused_by_create(const struct ctx *c, const char *spec)
{
	struct pagealloc_config cfg;
	char what[200];

	snprintf(what, sizeof(what), "pagealloc_create(\"%s\")", spec);
	if (pagealloc_config_parse(&cfg, spec))
		ck_abort_msg("%s: %s: the spec does not parse", c->spec, what);
	expect_create_fails(c, what, &cfg, EINVAL);
}

/* The spec does not parse, and *cfg is left as it was. */
static void expect_spec_refused(const struct ctx *c, const char *spec)
{
	struct pagealloc_config cfg, before;
	char what[200];

	memset(&cfg, 0xA5, sizeof(cfg));
	before = cfg;
	snprintf(what, sizeof(what), "pagealloc_config_parse(\"%s\")", spec);
	errno = 0;
	expect(c, what, int_outcome(pagealloc_config_parse(&cfg, spec)), EINVAL);
	if (memcmp(&cfg, &before, sizeof(cfg)))
		ck_abort_msg("%s: %s: *cfg changed", c->spec, what);
}

/* One setting of a struct pagealloc_config set to v: create refuses it. */
static void bad_field(const struct ctx *c, const struct setting *s, size_t v)
{
	struct pagealloc_config cfg;
	char what[200];

	pagealloc_config_init(&cfg, c->cfg.policy);
	*field(&cfg, s) = v;
	snprintf(what, sizeof(what), "pagealloc_create(%s = %zu)", s->key, v);
	expect_create_fails(c, what, &cfg, EINVAL);
}

/* Every setting of the table, for the heap's policy: out of range where it
 * applies, at any value but its default where it does not. */
static void run_setting_cases(struct ctx *c)
{
	const char *name = pagealloc_policy_name(c->cfg.policy);
	unsigned me = 1u << c->cfg.policy;
	char spec[120];
	size_t i, j;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (!(s->policies & me)) {
			bad_field(c, s, s->good);
			snprintf(spec, sizeof(spec), "%s:%s=%zu", name, s->key, s->good);
			expect_spec_refused(c, spec);
			continue;
		}
		for (j = 0; j < s->nbad; j++) {
			bad_field(c, s, s->bad[j]);
			snprintf(spec, sizeof(spec), "%s:%s=%zu", name, s->key, s->bad[j]);
			expect_spec_refused_by_create(c, spec);
		}
	}
	if (!(STRICT_POLICIES & me)) {
		struct pagealloc_config cfg;

		pagealloc_config_init(&cfg, c->cfg.policy);
		cfg.flags = PAGEALLOC_STRICT;
		expect_create_fails(c, "pagealloc_create(flags = PAGEALLOC_STRICT)", &cfg, EINVAL);
		snprintf(spec, sizeof(spec), "%s:strict", name);
		expect_spec_refused(c, spec);
	}
}

/* What no policy accepts: an unknown policy, unknown flags, reserved fields. */
static void run_struct_cases(struct ctx *c)
{
	static const int policies[] = { PAGEALLOC_POLICY_COUNT, 7, 100, -1, INT32_MAX };
	static const unsigned flags[] = { 0x4, 0x8, 0x100, 0x80000000u, ~0u };
	struct pagealloc_config cfg;
	char what[200];
	size_t i;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		pagealloc_config_init(&cfg, c->cfg.policy);
		cfg.policy = (enum pagealloc_policy)policies[i];
		snprintf(what, sizeof(what), "pagealloc_create(policy = %d)", policies[i]);
		expect_create_fails(c, what, &cfg, EINVAL);
	}
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		pagealloc_config_init(&cfg, c->cfg.policy);
		cfg.flags = flags[i];
		snprintf(what, sizeof(what), "pagealloc_create(flags = %#x)", flags[i]);
		expect_create_fails(c, what, &cfg, EINVAL);
	}
	for (i = 0; i < sizeof(cfg.reserved) / sizeof(cfg.reserved[0]); i++) {
		pagealloc_config_init(&cfg, c->cfg.policy);
		cfg.reserved[i] = i + 1;
		snprintf(what, sizeof(what), "pagealloc_create(reserved[%zu] = %zu)", i, i + 1);
		expect_create_fails(c, what, &cfg, EINVAL);
	}
	if (c->cfg.policy == PAGEALLOC_BRK) {
		pagealloc_config_init(&cfg, PAGEALLOC_BRK);
		expect_create_fails(c, "pagealloc_create(a second brk heap)", &cfg, EBUSY);
	}
}

/* ---- what needs no heap: NULL heaps, bad strings ---- */

static void run_null_heap_cases(struct ctx *c)
{
	struct pagealloc_stats st;
	struct pagealloc_config cfg;
	size_t n = 0;

#define NULL_HEAP(call, outcome) do { errno = 0; expect(c, #call, outcome(call), EINVAL); } while (0)
	NULL_HEAP(pagealloc_alloc(NULL, 16), ptr_outcome);
	NULL_HEAP(pagealloc_alloc(NULL, 0), ptr_outcome);
	NULL_HEAP(pagealloc_calloc(NULL, 1, 16), ptr_outcome);
	NULL_HEAP(pagealloc_calloc(NULL, SIZE_MAX, SIZE_MAX), ptr_outcome);
	NULL_HEAP(pagealloc_realloc(NULL, NULL, 16), ptr_outcome);
	NULL_HEAP(pagealloc_realloc(NULL, c->keep, 16), ptr_outcome);
	NULL_HEAP(pagealloc_realloc(NULL, c->keep, 0), ptr_outcome);
	NULL_HEAP(pagealloc_free(NULL, c->keep), int_outcome);
	NULL_HEAP(pagealloc_free(NULL, NULL), int_outcome);
	NULL_HEAP(pagealloc_usable_size(NULL, c->keep), size_outcome);
	NULL_HEAP(pagealloc_get_stats(NULL, &st), int_outcome);
	NULL_HEAP(pagealloc_check(NULL), int_outcome);
	NULL_HEAP(pagealloc_walk(NULL, count_live, &n), int_outcome);
	NULL_HEAP(pagealloc_reset(NULL), int_outcome);
	NULL_HEAP(pagealloc_destroy(NULL), int_outcome);
	NULL_HEAP(pagealloc_create(NULL), ptr_outcome);
	NULL_HEAP(pagealloc_config_parse(NULL, "page"), int_outcome);
	NULL_HEAP(pagealloc_config_parse(&cfg, NULL), int_outcome);
	NULL_HEAP(pagealloc_policy_name((enum pagealloc_policy)PAGEALLOC_POLICY_COUNT), ptr_outcome);
	NULL_HEAP(pagealloc_policy_name((enum pagealloc_policy)-1), ptr_outcome);
#undef NULL_HEAP
	/* documented to do nothing and not to fail */
	pagealloc_config_init(NULL, PAGEALLOC_PAGE);
	heap_intact(c, "pagealloc_config_init(NULL)");
	__atomic_fetch_add(cases, 1, __ATOMIC_RELAXED);
	ck_assert_uint_eq(n, 0);
}

static const char *const bad_specs[] = {
	"", ":", "pag", "pagee", "PAGE", "Page", " page", "page ", "page:", "page:,",
	"page,granule=16", "page;granule=16", "page:granule", "page:granule=",
	"page:granule=abc", "page:granule=16x", "page:granule=16KB", "page:granule=-16",
	"page:granule=+16", "page:granule=0x10", "page:granule= 16", "page:granule=16 ",
	"page:granule=1.5K", "page:granule=99999999999999999999999",
	"page:granule=18446744073709551616", "page:granule=17179869184G", "page:granule=16T",
	"page:granule=16,", "page:,granule=16", "page:granule=16,,strict", "page:GRANULE=16",
	"page:unknown=1", "page:strict=2", "page:strict=yes", "page:strict=", "page:threadsafe=01x",
	"elastic:spare_pages=some", "elastic:spare_pages=ALL", "elastic:max_pages",
	"cell:cell_size", "brk:mmap_threshold=1P", "mmap:policy=page", "page:page:granule=16",
	"page=granule:16", "policy=page",
};

static void run_spec_cases(struct ctx *c)
{
	size_t i;

	for (i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++)
		expect_spec_refused(c, bad_specs[i]);
}

/* ---- the tests ---- */

/* Every bad pointer and size on one heap (loop index: heap_specs). */
START_TEST(bad_calls)
{
	struct ctx c;

	setup(&c, heap_specs[_i]);
	run_pointer_cases(&c);
	run_size_cases(&c);
	run_calloc_cases(&c);
	run_argument_cases(&c);
	teardown(&c);
}
END_TEST

/* Every bad configuration of one policy (loop index: the policy), with a
 * heap of that policy standing by. */
START_TEST(bad_configs)
{
	struct ctx c;

	setup(&c, pagealloc_policy_name((enum pagealloc_policy)_i));
	run_setting_cases(&c);
	run_struct_cases(&c);
	teardown(&c);
}
END_TEST

START_TEST(bad_without_heap)
{
	struct ctx c;

	setup(&c, "elastic");
	run_null_heap_cases(&c);
	run_spec_cases(&c);
	teardown(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("badinput");
	TCase *tc = tcase_create("matrix");
	int r;

	cases = mmap(NULL, sizeof(*cases), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cases == MAP_FAILED)
		return 99;
	tcase_add_loop_test(tc, bad_calls, 0, NHEAPS);
	tcase_add_loop_test(tc, bad_configs, 0, PAGEALLOC_POLICY_COUNT);
	tcase_add_test(tc, bad_without_heap);
	suite_add_tcase(s, tc);
	r = tu_run(s);
	printf("check_badinput: %zu bad-input cases on %zu heaps and %d policies, each refused "
	       "with its documented error, the heap intact\n", *cases, NHEAPS, PAGEALLOC_POLICY_COUNT);
	return r;
}
