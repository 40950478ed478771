/*
 * mallocapi.c - what a program may expect of malloc and its companions, as
 * the C library gives it: malloc(0), errno ENOMEM, overflows, realloc to
 * 0, alignments, malloc_usable_size, errno kept by free.  Passes with the C
 * library's malloc and must pass, with the same output, under
 * libpagealloc-malloc.so (run both ways by realprogs.sh).
 *
 * Under the preload (LD_PRELOAD names it) it also passes pointers no heap
 * holds (a static buffer) to free, realloc and malloc_usable_size, and
 * frees a chunk twice: the C library would abort there.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "mallocapi: line %d: %s\n", __LINE__, #cond); \
		exit(1); \
	} \
} while (0)

/* Hide a value from the compiler, which knows these calls too well: it
 * warns of the sizes and pointers this program passes on purpose. */
static size_t opaque(size_t n)
{
	volatile size_t v = n;

	return v;
}

static void *launder(void *p)
{
	void *volatile v = p;

	return v;
}

/* The call returned NULL with errno ENOMEM. */
#define NOMEM(call) do { errno = 0; CHECK((call) == NULL); CHECK(errno == ENOMEM); } while (0)

static void fill(unsigned char *p, size_t n, unsigned tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(tag + i * 7 + (i >> 8));
}

static int intact(const unsigned char *p, size_t n, unsigned tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(tag + i * 7 + (i >> 8)))
			return 0;
	return 1;
}

static int aligned(const void *p, size_t a)
{
	return (uintptr_t)p % a == 0;
}

static void zero_sizes(void)
{
	void *a = malloc(0), *b = malloc(0);

	CHECK(a && b && a != b);
	CHECK(aligned(a, 16) && aligned(b, 16));
	free(a);
	free(b);
	a = calloc(0, 16);
	CHECK(a != NULL);
	free(a);
	a = malloc(32);
	CHECK(a != NULL);
	CHECK(realloc(a, 0) == NULL);	/* frees a, as glibc does */
	free(NULL);
}

static void too_big(void)
{
	unsigned char *p = malloc(100);

	CHECK(p != NULL);
	fill(p, 100, 1);
	NOMEM(malloc(opaque(SIZE_MAX)));
	NOMEM(malloc(opaque(SIZE_MAX - 4096)));
	NOMEM(malloc(opaque((size_t)PTRDIFF_MAX + 1)));
	NOMEM(calloc(opaque(SIZE_MAX / 2 + 1), 2));
	NOMEM(calloc(2, opaque(SIZE_MAX / 2 + 1)));
	NOMEM(calloc(1, opaque(SIZE_MAX)));
	NOMEM(realloc(p, opaque(SIZE_MAX)));
	NOMEM(realloc(p, opaque((size_t)PTRDIFF_MAX + 1)));
	NOMEM(reallocarray(p, opaque(SIZE_MAX / 2 + 1), 2));
	NOMEM(aligned_alloc(64, opaque(SIZE_MAX - 63)));
	NOMEM(memalign(4096, opaque(SIZE_MAX - 4096)));
	CHECK(intact(p, 100, 1));	/* failed resizes left it alone */
	free(p);
}

static void resizing(void)
{
	unsigned char *p = NULL, *q;
	size_t n, old = 0;
	unsigned tag = 0;

	for (n = 1; n < ((size_t)1 << 22); n = n * 3 + 1) {	/* grow */
		q = realloc(p, n);
		CHECK(q != NULL && aligned(q, 16));
		CHECK(p == NULL || intact(q, old, tag));
		CHECK(malloc_usable_size(q) >= n);
		p = q;
		fill(p, n, ++tag);
		old = n;
	}
	for (; n > 1; n /= 5) {				/* shrink */
		q = reallocarray(p, n, 1);
		CHECK(q != NULL && intact(q, n < old ? n : old, tag));
		p = q;
		fill(p, n, ++tag);
		old = n;
	}
	free(p);
}

static void zeroed(void)
{
	unsigned char *p;
	size_t i, n;

	for (n = 1; n < 300000; n = n * 2 + 3) {
		p = malloc(n);
		CHECK(p != NULL);
		memset(p, 0xAB, n);
		free(p);
		p = calloc(n, 1);
		CHECK(p != NULL);
		for (i = 0; i < n; i++)
			if (p[i])
				break;
		CHECK(i == n);
		free(p);
	}
}

static void alignments(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), a, n;
	void *p, *slot[512];
	unsigned i;

	CHECK(posix_memalign(&p, 3, 8) == EINVAL);
	CHECK(posix_memalign(&p, 4, 8) == EINVAL);	/* not a multiple of sizeof(void *) */
	CHECK(posix_memalign(&p, 0, 8) == EINVAL);
	for (a = 8; a <= 65536; a *= 2) {
		for (n = 1; n < 70000; n = n * 5 + 2) {
			CHECK(posix_memalign(&p, a, n) == 0 && aligned(p, a));
			CHECK(malloc_usable_size(p) >= n);
			fill(p, malloc_usable_size(p), (unsigned)n);
			free(p);
			p = aligned_alloc(a, (n + a - 1) / a * a);
			CHECK(p != NULL && aligned(p, a));
			free(p);
			p = memalign(a, n);
			CHECK(p != NULL && aligned(p, a));
			/* realloc of an aligned chunk keeps its contents */
			fill(p, n, (unsigned)a);
			p = realloc(p, n + 100);
			CHECK(p != NULL && intact(p, n, (unsigned)a));
			free(p);
		}
	}
	p = memalign(48, 10);		/* rounded up to 64, as glibc does */
	CHECK(p != NULL && aligned(p, 64));
	free(p);
	p = valloc(10);
	CHECK(p != NULL && aligned(p, page));
	free(p);
	p = pvalloc(10);
	CHECK(p != NULL && aligned(p, page) && malloc_usable_size(p) >= page);
	free(p);
	/* many aligned chunks at once, freed out of order */
	for (i = 0; i < 512; i++) {
		slot[i] = memalign((size_t)32 << (i % 8), 40 + i);
		CHECK(slot[i] != NULL && aligned(slot[i], (size_t)32 << (i % 8)));
		fill(slot[i], 40 + i, i);
	}
	for (i = 0; i < 512; i++) {
		unsigned k = (i * 197) % 512;

		CHECK(intact(slot[k], 40 + k, k));
		CHECK(malloc_usable_size(slot[k]) >= 40 + k);
		free(slot[k]);
	}
}

static void errno_kept(void)
{
	void *p = malloc(64);

	errno = 1234;
	free(p);
	CHECK(errno == 1234);
	free(NULL);
	CHECK(errno == 1234);
}

/* Pointers no heap holds, and a double free: the preload leaves them alone. */
static void foreign(void)
{
	static unsigned char buf[256];
	unsigned char *p;

	fill(buf, sizeof(buf), 9);
	CHECK(malloc_usable_size(buf) == 0);
	free(launder(buf + 16));
	p = realloc(launder(buf), 64);
	CHECK(p != NULL && p != buf && intact(p, 64, 9));
	free(p);
	p = malloc(100);
	CHECK(p != NULL);
	free(p);
	free(launder(p));
	CHECK(intact(buf, sizeof(buf), 9));
}

int main(void)
{
	const char *pre = getenv("LD_PRELOAD");

	zero_sizes();
	too_big();
	resizing();
	zeroed();
	alignments();
	errno_kept();
	if (pre && strstr(pre, "libpagealloc-malloc"))
		foreign();
	printf("mallocapi: malloc, calloc, realloc, reallocarray, free, posix_memalign, "
	       "aligned_alloc, memalign, valloc, pvalloc and malloc_usable_size behave\n");
	return 0;
}
