/*
 * testutil.h - what the Check suites share: heaps from spec strings, tag
 * patterns unique to each chunk, the process VSZ, the randomized model run
 * and the bad-input list that every policy's suite runs.
 */
#ifndef PAGEALLOC_TESTUTIL_H
#define PAGEALLOC_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <pagealloc.h>

/* A heap of the given spec; the test fails if it cannot be created. */
pagealloc *tu_heap(const char *spec);

/* The heap's figures; an allocation that must succeed (and leave the heap
 * sound); a free that must succeed (likewise). */
struct pagealloc_stats tu_stats(const pagealloc *h);
void *tu_alloc(pagealloc *h, size_t n);
void tu_free(pagealloc *h, void *p);

/* pagealloc_check must pass. */
#define tu_check(h) ck_assert_int_eq(pagealloc_check(h), 0)

/* Fill n bytes at p with a pattern that depends on tag and the offset, and
 * return the offset of the first byte that differs from it (n if none). */
void tu_fill(void *p, size_t n, uint32_t tag);
size_t tu_verify(const void *p, size_t n, uint32_t tag);
#define tu_assert_pattern(p, n, tag) ck_assert_uint_eq(tu_verify((p), (n), (tag)), (n))

/* n rounded up to whole system pages. */
size_t tu_round_page(size_t n);

/* The process's virtual size in bytes, from /proc/self/statm. */
size_t tu_vsz(void);

/* Nonzero under valgrind, whose own mappings (memcheck keeps books on every
 * chunk the library announces) change the VSZ: a test that measures VSZ
 * returns early then.  An ASan build passes those tests as they are. */
int tu_vsz_unreliable(void);

/* memset over memory the test knows to be free (a deliberate scribble over a
 * heap's free chunks): claims it first, so ASan and memcheck let it pass. */
void tu_scribble(void *p, int c, size_t n);

/* The call must fail with this errno. */
#define tu_assert_fails_ptr(expr, err) do { errno = 0; \
	ck_assert_ptr_null(expr); ck_assert_int_eq(errno, (err)); } while (0)
#define tu_assert_fails_int(expr, err) do { errno = 0; \
	ck_assert_int_eq((expr), -1); ck_assert_int_eq(errno, (err)); } while (0)

/*
 * The randomized model run: ops random alloc/calloc/realloc/free (and, now
 * and then, reset) on a heap of spec, sizes from 1 to max_size.  Every live
 * chunk holds a pattern unique to it, verified before each free and realloc
 * and every 64 operations; a new chunk must not overlap a live one;
 * pagealloc_check runs after every operation and the heap's figures (chunks
 * and bytes in use) must match the model's.  An allocation may fail only
 * with ENOMEM.
 */
void tu_model_run(const char *spec, unsigned seed, unsigned ops, size_t max_size);

/*
 * Every bad input of the foundation issue against a heap of spec: NULL heap,
 * NULL pointer, stack pointer, interior pointer, another heap's pointer,
 * double free, size 0, SIZE_MAX, calloc overflow.  Each gets EINVAL (ENOMEM
 * or EINVAL for sizes no memory can serve), pagealloc_check passes after
 * each, and a live chunk keeps its contents.
 */
void tu_bad_inputs(const char *spec);

/* Run a suite; the exit status for main. */
int tu_run(Suite *s);

#endif
