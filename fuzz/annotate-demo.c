/*
 * annotate-demo.c - a program with a bug inside a libpagealloc heap, for
 * fuzz/annotate.sh to show that memcheck and ASan see it (lib/annotate.h).
 *
 *	annotate-demo mode			which tool the library tells: asan, memcheck, none
 *	annotate-demo clean|uaf|overflow SPEC
 *
 * clean uses a heap correctly (alloc, calloc, realloc that moves, free,
 * walk, reset, destroy) and must draw no report; it needs chunks of 4000
 * bytes (cell:cell_size=4096).  uaf reads a freed chunk; overflow writes
 * from a chunk into the freed one after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pagealloc.h>

#include "annotate.h"

static pagealloc *heap(const char *spec)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	if (pagealloc_config_parse(&cfg, spec) || !(h = pagealloc_create(&cfg))) {
		perror(spec);
		exit(2);
	}
	return h;
}

static int sum_chunk(void *p, size_t size, int in_use, void *arg)
{
	const unsigned char *b = p;

	if (in_use && size)
		*(unsigned *)arg += b[0];	/* the callback may read live chunks */
	return 0;
}

/* Every byte read here was written or zeroed: nothing to report. */
static int clean(pagealloc *h)
{
	unsigned char *a = pagealloc_alloc(h, 24), *b, *c;
	unsigned sum = 0, i;

	memset(a, 7, 24);
	b = pagealloc_calloc(h, 3, 8);
	c = pagealloc_alloc(h, 16);
	memset(c, 1, 16);
	a = pagealloc_realloc(h, a, 4000);	/* moves in most policies */
	for (i = 0; i < 24; i++)
		sum += a[i] + b[i];
	memset(a + 24, 3, 4000 - 24);
	sum += a[3999];
	pagealloc_free(h, c);
	a = pagealloc_realloc(h, a, 8);		/* shrinks */
	sum += a[7];
	pagealloc_walk(h, sum_chunk, &sum);
	pagealloc_reset(h);
	a = pagealloc_calloc(h, 1, 64);
	sum += a[63];
	pagealloc_free(h, a);
	printf("clean: %u\n", sum);
	return sum != 7 * 24 + 3 + 7 + 7;	/* a's bytes, a[3999], a[7], a[0] in the walk */
}

static int use_after_free(pagealloc *h)
{
	unsigned char *p = pagealloc_alloc(h, 32);
	volatile unsigned char *q = p;

	pagealloc_alloc(h, 32);			/* so the page stays */
	memset(p, 1, 32);
	pagealloc_free(h, p);
	printf("uaf: read %d\n", q[16]);
	return 0;
}

static int overflow(pagealloc *h)
{
	unsigned char *a = pagealloc_alloc(h, 32), *b = pagealloc_alloc(h, 32), *t;

	pagealloc_alloc(h, 32);
	if (b < a) {
		t = a;
		a = b;
		b = t;
	}
	pagealloc_free(h, b);
	/* through a's end into b: 16 bytes past b's start (cell's link word
	 * keeps the first 8 addressable for ASan) */
	memset(a, 'x', (size_t)(b - a) + 16);
	printf("overflow: wrote %zu bytes into a chunk of %zu\n", (size_t)(b - a) + 16,
	       pagealloc_usable_size(h, a));
	return 0;
}

int main(int argc, char **argv)
{
	pagealloc *h;
	int r;

	if (argc == 2 && !strcmp(argv[1], "mode")) {
		puts(PA_ASAN ? "asan" : PA_MEMCHECK ? "memcheck" : "none");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: annotate-demo mode | clean|uaf|overflow SPEC\n");
		return 2;
	}
	h = heap(argv[2]);
	if (strcmp(argv[1], "clean"))	/* the heap is damaged: no destroy */
		return !strcmp(argv[1], "uaf") ? use_after_free(h) : overflow(h);
	r = clean(h);
	pagealloc_destroy(h);
	return r;
}
