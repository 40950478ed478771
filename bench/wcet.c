/*
 * wcet.c - worst-case timings of the page and elastic policies, after
 * tlsf-bsd's wcet test: each scenario builds a heap in the state that makes
 * one call do the most work, times that call with the time-stamp counter,
 * restores the state untimed, and repeats; printed as a markdown table of
 * min, p50, p99, p99.9 and max cycles.  (On machines without rdtsc the
 * figures are nanoseconds from clock_gettime.)
 *
 * Usage: pa-wcet [SAMPLES]   (default 2000 for the heavy scenarios)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pagealloc.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define UNIT "cycles"
static inline uint64_t ticks(void)
{
	_mm_lfence();
	return __rdtsc();
}
#else
#define UNIT "ns"
static inline uint64_t ticks(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
#endif

static pagealloc *heap(const char *spec)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	if (pagealloc_config_parse(&cfg, spec) || !(h = pagealloc_create(&cfg))) {
		fprintf(stderr, "pa-wcet: %s: %s\n", spec, strerror(errno));
		exit(1);
	}
	return h;
}

static void *xalloc(pagealloc *h, size_t n)
{
	void *p = pagealloc_alloc(h, n);

	if (!p) {
		fprintf(stderr, "pa-wcet: alloc(%zu): %s\n", n, strerror(errno));
		exit(1);
	}
	return p;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *scenario, const char *op, uint64_t *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp);
	printf("| %s | %s | %llu | %llu | %llu | %llu | %llu |\n", scenario, op,
	       (unsigned long long)t[0], (unsigned long long)t[n / 2],
	       (unsigned long long)t[n * 99 / 100], (unsigned long long)t[n * 999 / 1000],
	       (unsigned long long)t[n - 1]);
}

/* A scenario: set the heap up, then per sample time alloc(size) and the
 * free of what it returned, restoring the state after each. */
struct scenario {
	const char *name;
	const char *spec;
	size_t size;
	void (*setup)(pagealloc *h);
	void (*restore)(pagealloc *h);	/* untimed, after each sample; may be NULL */
};

/* ---- the states ---- */

/* 1 MiB page: a free run of 512 KiB, the chunk P, and a free run to the
 * end.  Freeing P merges both runs (a search of 1024 words each way);
 * allocating from the merged run searches its 2048 words for the split. */
static void two_runs(pagealloc *h)
{
	void *x, *y;

	pagealloc_reset(h);
	x = xalloc(h, 512 << 10);
	(void)xalloc(h, 512);
	y = xalloc(h, (512 << 10) - 512);
	pagealloc_free(h, x);
	pagealloc_free(h, y);
}

/* Take every byte that is free now (nothing may be cached yet). */
static void fill(pagealloc *h)
{
	struct pagealloc_stats st;

	for (pagealloc_get_stats(h, &st); st.largest_free_bytes; pagealloc_get_stats(h, &st))
		(void)xalloc(h, st.largest_free_bytes);
}

/* 64 KiB page: free chunks of 33..62 granules (the class of a 63-granule
 * request, too large for the quick lists) between live 8-byte chunks, the
 * one that fits last: a size-class index scans the whole class; the
 * two-level index that a region of this size now has finds the chunk from
 * its masks (the scenario keeps its name for comparison across runs). */
static void class_scan(pagealloc *h)
{
	void *hole[151];
	int k;

	pagealloc_reset(h);
	for (k = 0; k < 151; k++) {
		(void)xalloc(h, 8);
		hole[k] = xalloc(h, 8 * (k == 150 ? 63 : 33 + (size_t)k % 30));
	}
	fill(h);
	for (k = 0; k < 151; k++)
		pagealloc_free(h, hole[k]);
}

/*
 * 1 MiB page (two-level lists): 7 free chunks of 252..254 granules
 * between live 8-byte chunks, on the list of 252..255, and one of 255
 * freed first, so it is that list's last; nothing larger is free.  A
 * 255-granule request finds no list whose every chunk fits, and walks its
 * own list to the 255, the eighth chunk: the furthest the walk goes
 * (PA_TLSF_WALK, arena.h).  Rebuilt after each sample (the chunk, freed
 * again, would head the list).
 */
#define OWN_LIST_BEFORE 7

static void own_list(pagealloc *h)
{
	void *hole[OWN_LIST_BEFORE], *last;
	int k;

	pagealloc_reset(h);
	(void)xalloc(h, 8);
	last = xalloc(h, 8 * 255);
	for (k = 0; k < OWN_LIST_BEFORE; k++) {
		(void)xalloc(h, 8);
		hole[k] = xalloc(h, 8 * (252 + (size_t)k % 3));
	}
	fill(h);
	pagealloc_free(h, last);
	for (k = 0; k < OWN_LIST_BEFORE; k++)
		pagealloc_free(h, hole[k]);
}

/*
 * The quick lists full: 8 chunks of each of 1..32 granules, nothing else
 * free.  Page policy: each chunk followed by a live 8-byte chunk (but those
 * of the last size, which merge to serve the request); a 320-byte request
 * must release all 256 cached chunks before anything can serve it.
 * Elastic policy, spare_pages=0: each chunk on a page of its own, and 64
 * more pages each with one free 496-byte hole (the class of a 504-byte
 * request, too small); the request tries 8 of the holes and maps a page
 * (the cached chunks, under half of the heap, stay); its free unmaps
 * it.  Until the walk was bounded it tried all 64 holes.
 */
static void full_lists(pagealloc *h, int elastic)
{
	void *c[256];
	int n, k, m = 0;

	pagealloc_reset(h);
	for (n = 1; n <= 32; n++)
		for (k = 0; k < 8; k++) {
			if (elastic)
				fill(h);	/* the chunk starts a page */
			c[m++] = xalloc(h, 8 * (size_t)n);
			if (!elastic && n < 32)
				(void)xalloc(h, 8);
		}
	fill(h);
	for (k = 0; k < 64 * elastic; k++)
		(void)xalloc(h, 4096 - 496);
	for (k = 0; k < m; k++)
		pagealloc_free(h, c[k]);
}

static void full_page(pagealloc *h)
{
	full_lists(h, 0);
}

static void tight_elastic(pagealloc *h)
{
	full_lists(h, 1);
}

/* Elastic, the page policy's layout (full_lists(h, 0)) over the pages it
 * takes: the cached chunks hold more than half of the heap, so a 320-byte request releases the newer
 * half of every list (128 chunks), of which the last size's merge to serve
 * it; nothing is mapped. */
static void full_elastic(pagealloc *h)
{
	struct pagealloc_stats st;
	size_t mapped;

	full_lists(h, 0);
	pagealloc_get_stats(h, &st);
	mapped = st.mapped_bytes;
	pagealloc_free(h, xalloc(h, 320));
	pagealloc_get_stats(h, &st);
	if (st.mapped_bytes != mapped) {
		fprintf(stderr, "pa-wcet: full_elastic: a page was mapped\n");
		exit(1);
	}
	full_lists(h, 0);
}

static const struct scenario scenarios[] = {
	{ "page 64K: quick-list hit (40 B)", "page:page_size=64K", 40, NULL, NULL },
	{ "page 64K: scan of the request's class (504 B)", "page:page_size=64K", 504, class_scan, NULL },
	{ "page 64K: release 256 cached chunks first (320 B)", "page:page_size=64K", 320, full_page, full_page },
	{ "page 1M: merge/split across 1 MiB of free runs (512 B)", "page:page_size=1M", 512, two_runs, two_runs },
	{ "page 1M: own list walked to its bound, 7 smaller chunks first (2040 B)", "page:page_size=1M", 2040, own_list, own_list },
	{ "elastic: quick-list hit (40 B)", "elastic", 40, NULL, NULL },
	{ "elastic: 64 tight pages, 256 cached chunks, mmap/munmap (504 B)", "elastic:spare_pages=0", 504, tight_elastic, tight_elastic },
	{ "elastic: release 128 cached chunks first (320 B)", "elastic", 320, full_elastic, full_elastic },
};

static void run(const struct scenario *s, size_t samples)
{
	uint64_t *ta = malloc(samples * sizeof(*ta)), *tf = malloc(samples * sizeof(*tf)), t0;
	pagealloc *h = heap(s->spec);
	size_t k;
	void *p;

	if (!ta || !tf)
		exit(1);
	if (s->setup)
		s->setup(h);
	if (!s->restore) {		/* warm the quick list */
		p = xalloc(h, s->size);
		pagealloc_free(h, p);
	}
	for (k = 0; k < samples; k++) {
		t0 = ticks();
		p = pagealloc_alloc(h, s->size);
		ta[k] = ticks() - t0;
		if (!p) {
			fprintf(stderr, "pa-wcet: %s: %s\n", s->name, strerror(errno));
			exit(1);
		}
		t0 = ticks();
		pagealloc_free(h, p);
		tf[k] = ticks() - t0;
		if (s->restore)
			s->restore(h);
	}
	if (pagealloc_check(h)) {
		fprintf(stderr, "pa-wcet: %s: the heap's check failed\n", s->name);
		exit(1);
	}
	report(s->name, "alloc", ta, samples);
	report(s->name, "free", tf, samples);
	pagealloc_destroy(h);
	free(ta);
	free(tf);
}

int main(int argc, char **argv)
{
	size_t samples = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000, k;

	if (samples < 10)
		samples = 10;
	printf("Cycles of one call in the state built to be worst for it (%zu samples,"
	       " %s; the hits: 50x as many).\n\n", samples, UNIT);
	printf("| scenario | call | min | p50 | p99 | p99.9 | max |\n");
	printf("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
		run(&scenarios[k], scenarios[k].setup ? samples : 50 * samples);
	return 0;
}
