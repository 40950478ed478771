/*
 * bench.c - the workloads of the benchmark, written once against a thin
 * allocator interface and run on the C library's malloc (or whatever
 * LD_PRELOAD puts in its place: jemalloc, mimalloc, tcmalloc) or on a
 * libpagealloc heap made from a spec string.
 *
 * Usage: pa-bench ALLOCATOR WORKLOAD SCALE
 *   ALLOCATOR  "malloc", or a spec such as "elastic" or "cell:cell_size=32"
 *   WORKLOAD   bt       Benchmarks Game binary-trees, SCALE = max depth
 *              bt24     the seed-004 lab's binary-trees (24-byte nodes, top
 *                       down and bottom up), SCALE = stretch depth (lab: 18)
 *              mixed    rounds of 64 allocations of 8..256 bytes freed in a
 *                       scrambled order, SCALE = rounds
 *              mixedws  a working set of 1000 chunks of 8..256 bytes, one
 *                       replaced at random per step, SCALE = steps
 *              churn    a working set of 32 chunks of 4 KiB..1 MiB, every
 *                       4 KiB page of each written, SCALE = steps
 *              bump     SCALE allocations of 8..64 bytes, each written once,
 *                       the pool emptied every 4096 (pagealloc_reset); with
 *                       ALLOCATOR "inline", an inlined pointer increment
 *              probe    create the heap and exit
 * Prints one line: "pairs=N wall_ns=T maxrss_kb=R sum=S", where pairs counts
 * allocations (each is freed before the end) and sum must not depend on the
 * allocator.  Exit status 77 when the policy is not available (ENOSYS),
 * 3 when the allocator runs out of memory, 2 for bad usage.
 *
 * Sizes and orders come from tables filled before the clock starts, so the
 * loops cost the same on every allocator.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <pagealloc.h>

/* The thin interface every workload allocates through. */
struct allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
	void *ctx;
};

static struct allocator A;
static unsigned long long pairs;

static void *sys_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void sys_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static void *pa_alloc(void *ctx, size_t size)
{
	return pagealloc_alloc(ctx, size);
}

static void pa_free(void *ctx, void *p)
{
	pagealloc_free(ctx, p);
}

static void *xalloc(size_t size)
{
	void *p = A.alloc(A.ctx, size);

	if (!p) {
		fprintf(stderr, "pa-bench: out of memory after %llu allocations\n", pairs);
		exit(3);
	}
	pairs++;
	return p;
}

static void xfree(void *p)
{
	A.free(A.ctx, p);
}

/* ---- bump: the bump policy against an inlined pointer increment ---- */

#define BUMP_BATCH 4096
#define BUMP_POOL (BUMP_BATCH * 64)

static unsigned char *inline_pool;	/* set for ALLOCATOR "inline" */

static void bump_oom(void)
{
	fprintf(stderr, "pa-bench: out of memory after %llu allocations\n", pairs);
	exit(3);
}

/* The increment and its bounds check, inlined into the loop. */
static unsigned long bump_inline(long n)
{
	unsigned char *top = inline_pool, *end = inline_pool + BUMP_POOL;
	unsigned long sum = 0;
	long i;

	for (i = 0; i < n; i++) {
		size_t size = 8 + 8 * (size_t)(i & 7);
		uint64_t *p;

		if (i % BUMP_BATCH == 0)
			top = inline_pool;
		if ((size_t)(end - top) < size)
			bump_oom();
		p = (uint64_t *)top;
		top += size;
		*p = (uint64_t)i;
		sum += *p & 0xff;
	}
	pairs += (unsigned long long)n;
	return sum;
}

/* The same loop through pagealloc_alloc on a bump heap. */
static unsigned long bump_heap(long n)
{
	unsigned long sum = 0;
	long i;

	for (i = 0; i < n; i++) {
		size_t size = 8 + 8 * (size_t)(i & 7);
		uint64_t *p;

		if (i % BUMP_BATCH == 0)
			pagealloc_reset(A.ctx);
		p = pagealloc_alloc(A.ctx, size);
		if (!p)
			bump_oom();
		*p = (uint64_t)i;
		sum += *p & 0xff;
	}
	pairs += (unsigned long long)n;
	return sum;
}

/* xorshift64*: the tables' random numbers, the same on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- binary-trees, Benchmarks Game shape ---- */

struct node {
	struct node *left, *right;
};

static struct node *bt_make(int depth)
{
	struct node *n = xalloc(sizeof(*n));

	n->left = depth > 0 ? bt_make(depth - 1) : NULL;
	n->right = depth > 0 ? bt_make(depth - 1) : NULL;
	return n;
}

static unsigned long bt_check(const struct node *n)
{
	return 1 + (n->left ? bt_check(n->left) + bt_check(n->right) : 0);
}

static void bt_free(struct node *n)
{
	if (n->left) {
		bt_free(n->left);
		bt_free(n->right);
	}
	xfree(n);
}

static unsigned long bt_run(int max_depth)
{
	unsigned long sum = 0;
	struct node *t, *long_lived;
	int d, i;

	if (max_depth < 6)
		max_depth = 6;
	t = bt_make(max_depth + 1);
	sum += bt_check(t);
	bt_free(t);
	long_lived = bt_make(max_depth);
	for (d = 4; d <= max_depth; d += 2)
		for (i = 0; i < 1 << (max_depth - d + 4); i++) {
			t = bt_make(d);
			sum += bt_check(t);
			bt_free(t);
		}
	sum += bt_check(long_lived);
	bt_free(long_lived);
	return sum;
}

/* ---- binary-trees, the seed-004 lab's shape (after Boehm's GCBench) ---- */

struct node24 {
	struct node24 *left, *right;
	int i, j;
};

static struct node24 *node24(void)
{
	return memset(xalloc(sizeof(struct node24)), 0, sizeof(struct node24));
}

static void populate(int depth, struct node24 *n)
{
	n->i = depth;
	if (depth <= 0)
		return;
	n->left = node24();
	n->right = node24();
	populate(depth - 1, n->left);
	populate(depth - 1, n->right);
}

static struct node24 *make24(int depth)
{
	struct node24 *n, *l = NULL, *r = NULL;

	if (depth > 0) {
		l = make24(depth - 1);
		r = make24(depth - 1);
	}
	n = node24();
	n->left = l;
	n->right = r;
	n->i = depth;
	return n;
}

static unsigned long free24(struct node24 *n)
{
	unsigned long k = 1 + (unsigned long)n->i;

	if (n->left)
		k += free24(n->left) + free24(n->right);
	xfree(n);
	return k;
}

static long tree_size(int depth)
{
	return (1l << (depth + 1)) - 1;
}

static unsigned long bt24_run(int stretch)
{
	int lived = stretch - 2, d, k;
	unsigned long sum;
	struct node24 *t, *long_lived;

	if (stretch < 6)
		return bt24_run(6);
	sum = free24(make24(stretch));
	long_lived = node24();
	populate(lived, long_lived);
	for (d = 4; d <= lived; d += 2) {
		int iters = (int)(2 * tree_size(stretch) / tree_size(d));
		for (k = 0; k < iters; k++) {
			t = node24();
			populate(d, t);
			sum += free24(t);
		}
		for (k = 0; k < iters; k++)
			sum += free24(make24(d));
	}
	return sum + free24(long_lived);
}

/* ---- mixed small sizes ---- */

#define SIZES 4096			/* a table of sizes 8..256, cycled */
#define ROUND 64
#define ORDERS 64			/* scrambled free orders, cycled */

static uint16_t sizes[SIZES];
static uint8_t orders[ORDERS][ROUND];

static void mixed_tables(void)
{
	int i, k;

	for (i = 0; i < SIZES; i++)
		sizes[i] = (uint16_t)(8 + rnd() % 249);
	for (i = 0; i < ORDERS; i++) {
		for (k = 0; k < ROUND; k++)
			orders[i][k] = (uint8_t)k;
		for (k = ROUND - 1; k > 0; k--) {
			int j = (int)(rnd() % (uint64_t)(k + 1));
			uint8_t t = orders[i][k];
			orders[i][k] = orders[i][j];
			orders[i][j] = t;
		}
	}
}

/* Each chunk's first word holds its size, read back when it is freed. */
static unsigned long mixed_run(long rounds)
{
	size_t *p[ROUND];
	unsigned long sum = 0;
	long r;
	int k;

	for (r = 0; r < rounds; r++) {
		const uint16_t *sz = &sizes[(r * ROUND) % SIZES];
		const uint8_t *ord = orders[r % ORDERS];
		for (k = 0; k < ROUND; k++) {
			p[k] = xalloc(sz[k]);
			*p[k] = sz[k];
		}
		for (k = 0; k < ROUND; k++) {
			sum += *p[ord[k]];
			xfree(p[ord[k]]);
		}
	}
	return sum;
}

/* ---- a random working set, small or large ---- */

#define STEPS 65536			/* the table of (slot, size) steps, cycled */

static uint32_t step_slot[STEPS], step_size[STEPS];

/* Sizes 8..256 evenly (small), or 4 KiB..1 MiB with every power-of-two
 * octave equally likely (large). */
static void ws_tables(unsigned slots, int large)
{
	int i;

	for (i = 0; i < STEPS; i++) {
		unsigned e = 12 + (unsigned)(rnd() % 8);
		step_slot[i] = (uint32_t)(rnd() % slots);
		step_size[i] = large ? (uint32_t)(((size_t)1 << e) + rnd() % ((size_t)1 << e))
				     : (uint32_t)(8 + rnd() % 249);
	}
}

/* Write one word in every 4 KiB of the chunk (all of it for a small one). */
static void touch(size_t *p, size_t size, size_t tag)
{
	size_t off;

	for (off = 0; off < size / sizeof(size_t); off += 512)
		p[off] = tag;
}

static unsigned long ws_run(unsigned slots, long steps)
{
	size_t **live = calloc(slots, sizeof(*live)), *sz = calloc(slots, sizeof(*sz));
	unsigned long sum = 0;
	unsigned s;
	long i;

	if (!live || !sz)
		exit(3);
	for (i = 0; i < steps; i++) {
		uint32_t k = step_slot[i % STEPS];
		if (live[k]) {
			sum += *live[k] + live[k][(sz[k] / sizeof(size_t) - 1) / 512 * 512];
			xfree(live[k]);
		}
		sz[k] = step_size[i % STEPS];
		live[k] = xalloc(sz[k]);
		touch(live[k], sz[k], sz[k]);
	}
	for (s = 0; s < slots; s++)
		if (live[s])
			xfree(live[s]);
	free(live);
	free(sz);
	return sum;
}

static int usage(void)
{
	fprintf(stderr, "usage: pa-bench malloc|inline|SPEC bt|bt24|mixed|mixedws|churn|bump|probe SCALE\n");
	return 2;
}

static int open_allocator(const char *name)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	if (!strcmp(name, "malloc") || !strcmp(name, "inline")) {
		A = (struct allocator){ sys_alloc, sys_free, NULL };
		if (name[0] == 'i' && !(inline_pool = malloc(BUMP_POOL)))
			return 3;
		return 0;
	}
	if (pagealloc_config_parse(&cfg, name)) {
		fprintf(stderr, "pa-bench: bad spec %s\n", name);
		return 2;
	}
	h = pagealloc_create(&cfg);
	if (!h) {
		fprintf(stderr, "pa-bench: %s: %s\n", name, strerror(errno));
		return errno == ENOSYS ? 77 : 3;
	}
	A = (struct allocator){ pa_alloc, pa_free, h };
	return 0;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *w;
	unsigned long sum;
	struct rusage ru;
	long long t;
	long scale;
	int r;

	if (argc != 4)
		return usage();
	w = argv[2];
	scale = strtol(argv[3], NULL, 10);
	r = open_allocator(argv[1]);
	if (r)
		return r;
	if (!strcmp(w, "mixed"))
		mixed_tables();
	else if (!strcmp(w, "mixedws"))
		ws_tables(1000, 0);
	else if (!strcmp(w, "churn"))
		ws_tables(32, 1);
	t = now_ns();
	if (!strcmp(w, "bt"))
		sum = bt_run((int)scale);
	else if (!strcmp(w, "bt24"))
		sum = bt24_run((int)scale);
	else if (!strcmp(w, "mixed"))
		sum = mixed_run(scale);
	else if (!strcmp(w, "mixedws"))
		sum = ws_run(1000, scale);
	else if (!strcmp(w, "churn"))
		sum = ws_run(32, scale);
	else if (!strcmp(w, "bump") && (inline_pool || A.ctx))
		sum = inline_pool ? bump_inline(scale) : bump_heap(scale);
	else if (!strcmp(w, "probe"))
		sum = 0;
	else
		return usage();
	t = now_ns() - t;
	getrusage(RUSAGE_SELF, &ru);
	printf("pairs=%llu wall_ns=%lld maxrss_kb=%ld sum=%lu\n", pairs, t, ru.ru_maxrss, sum);
	return 0;
}
