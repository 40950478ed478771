/*
 * annotate.h - tell valgrind's memcheck and AddressSanitizer where the
 * chunks are, so that a use-after-free or an overflow inside a heap is
 * reported as it would be for malloc.  Without <valgrind/memcheck.h> and
 * without ASan every helper is empty and costs nothing.  With it, the
 * helpers act only under memcheck (pa_annot_active: not under callgrind or
 * cachegrind, whose counts would otherwise include work nobody reads), and
 * cost a load and a test otherwise.
 *
 * memcheck: a chunk is a malloc-like block of its usable size.  While the
 * library itself runs (heap.c's lock to unlock) error reporting is off: the
 * policies keep in-band metadata in freed memory (cell's link word, brk's
 * headers) and look at memory that may be anything to validate a pointer.
 *
 * ASan: a freed chunk is poisoned, a new one unpoisoned.  Instrumented code
 * has no such quiet mode, so the policies claim the free memory they are
 * about to use in band (pa_annot_claim), and the OS layer must claim a
 * range before it unmaps it: ASan keeps the poison of unmapped memory, and
 * a later mmap at that address would inherit it.
 */
#ifndef PAGEALLOC_ANNOTATE_H
#define PAGEALLOC_ANNOTATE_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <stddef.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
#include <valgrind/memcheck.h>
#define PA_MEMCHECK 1
#else
#define PA_MEMCHECK 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PA_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PA_ASAN_BUILD 1
#endif
#endif
#if defined(PA_ASAN_BUILD) && defined(HAVE_SANITIZER_ASAN_INTERFACE_H)
#include <sanitizer/asan_interface.h>
#define PA_ASAN 1
#else
#define PA_ASAN 0
#endif

#if PA_MEMCHECK && !PA_ASAN
#include <stdlib.h>
#include <string.h>

/*
 * Is the valgrind tool running us memcheck?  RUNNING_ON_VALGRIND is also
 * true under callgrind, cachegrind, massif, helgrind..., which read none of
 * the annotations.  valgrind puts its core's and its tool's preload
 * libraries in LD_PRELOAD (vgpreload_core-..., vgpreload_memcheck-... for
 * memcheck only; callgrind and cachegrind have no preload of their own).
 * An LD_PRELOAD without any vgpreload_ entry (the program changed it) says
 * nothing: then assume memcheck, which costs time but no report.
 */
static __attribute__((noinline, cold, unused)) int pa_annot_decide(void)
{
	const char *pre;

	if (!RUNNING_ON_VALGRIND)
		return 0;
	pre = getenv("LD_PRELOAD");
	if (!pre || !strstr(pre, "vgpreload_"))
		return 1;
	return strstr(pre, "vgpreload_memcheck") != NULL;
}

/* pa_annot_decide()'s answer, -1 until it is asked (one per translation
 * unit: the answer is the same in each). */
static int pa_annot_on __attribute__((unused)) = -1;
#endif

/*
 * Is a tool watching, so that chunk sizes are worth looking up?  Decided
 * once and cached: afterwards a relaxed load of an int and a test.
 */
static inline int pa_annot_active(void)
{
#if PA_ASAN
	return 1;
#elif PA_MEMCHECK
	int v = __atomic_load_n(&pa_annot_on, __ATOMIC_RELAXED);

	if (__builtin_expect(v < 0, 0)) {
		v = pa_annot_decide();
		__atomic_store_n(&pa_annot_on, v, __ATOMIC_RELAXED);
	}
	return v;
#else
	return 0;
#endif
}

/*
 * The same for a fast path that has a slow one: 0 only when surely no tool
 * is watching; nonzero also while it is undecided (the slow path then calls
 * pa_annot_active, which decides).  Never a call, so the fast path needs no
 * stack frame.
 */
static inline int pa_annot_maybe(void)
{
#if PA_ASAN
	return 1;
#elif PA_MEMCHECK
	return __atomic_load_n(&pa_annot_on, __ATOMIC_RELAXED) != 0;
#else
	return 0;
#endif
}

/* memcheck's quiet mode around the library's own work; it nests.  Nothing
 * (not even the client request) when memcheck is not the tool. */
static inline void pa_annot_enter(void)
{
#if PA_MEMCHECK
	if (pa_annot_active())
		VALGRIND_DISABLE_ERROR_REPORTING;
#endif
}

static inline void pa_annot_leave(void)
{
#if PA_MEMCHECK
	if (pa_annot_active())
		VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}

/*
 * The library takes n bytes of free memory at p for its own use (a link, a
 * header, a chunk it fills): ASan unpoisons them, memcheck sees them
 * addressable and undefined until written.  Never on live data, whose
 * definedness memcheck would forget.
 */
#if PA_MEMCHECK
/* Out of line: a client request needs a frame its callers need not. */
static __attribute__((noinline, cold, unused)) void pa_annot_undefined(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}
#endif

static inline void pa_annot_claim(const void *p, size_t n)
{
#if PA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#if PA_MEMCHECK
	if (__builtin_expect(pa_annot_active(), 0))
		pa_annot_undefined(p, n);
#endif
	(void)p, (void)n;
}

/* For ASan only: open n bytes of free memory at p for a moment's in-band
 * use, to be closed again with pa_annot_poison.  memcheck needs neither:
 * it reports nothing while the library runs, so the bytes stay
 * unaddressable and an overflow into them is still caught. */
static inline void pa_annot_open(const void *p, size_t n)
{
#if PA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
	(void)p, (void)n;
}

static inline void pa_annot_poison(const void *p, size_t n)
{
#if PA_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
	(void)p, (void)n;
}

/* A new chunk of n usable bytes whose first defined bytes hold data. */
static inline void pa_annot_alloc(void *p, size_t n, size_t defined)
{
#if PA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#if PA_MEMCHECK
	VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, defined >= n);
	if (defined && defined < n)
		VALGRIND_MAKE_MEM_DEFINED(p, defined);
#endif
}

/* The chunk at p (n bytes) is about to be freed. */
static inline void pa_annot_free(void *p, size_t n)
{
#if PA_MEMCHECK
	VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
	pa_annot_poison(p, n);
}

/*
 * The chunk at p was resized in place from old to n bytes.  A shrunk tail
 * stays addressable (and, for memcheck, defined): the policy may have put
 * metadata there already (brk splits a header off it).
 */
static inline void pa_annot_resize(void *p, size_t old, size_t n)
{
#if PA_MEMCHECK
	VALGRIND_RESIZEINPLACE_BLOCK(p, old, n, 0);
	if (n < old)
		VALGRIND_MAKE_MEM_DEFINED((char *)p + n, old - n);
#endif
#if PA_ASAN
	if (n > old)
		ASAN_UNPOISON_MEMORY_REGION((char *)p + old, n - old);
#endif
	(void)p, (void)old, (void)n;
}

/* The chunk at p moved away: the policy freed it (and may have unmapped it). */
static inline void pa_annot_moved(void *p)
{
#if PA_MEMCHECK
	VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
	(void)p;
}

/* Reset or destroy: every chunk, free or not, goes back to plain memory. */
static inline void pa_annot_forget(void *p, size_t n, int in_use)
{
#if PA_MEMCHECK
	if (in_use)
		VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
	pa_annot_claim(p, n);
}

#endif
