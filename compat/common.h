/*
 * common.h - what the compatibility modules share: the two heaps the
 * classic lab allocators describe, and the checks their alloc(int) makes.
 *
 * Each module is its own shared library over the public API of
 * libpagealloc; these helpers are linked into each one and never exported.
 */
#ifndef PAGEALLOC_COMPAT_COMMON_H
#define PAGEALLOC_COMPAT_COMMON_H

#include <pagealloc.h>

/* Only the calls of the lab interface leave a module. */
#define CX_EXPORT __attribute__((visibility("default")))

/*
 * The lab's own headers have no extern "C": a C++ program built against
 * one (the labs allow alloc.cpp and g++) asks for each call by the name g++
 * gives it.  CX_CXX_NAME(fn, mangled) exports fn under that name too.  The
 * names are the Itanium C++ ABI's (g++ and clang on every ELF system);
 * CX_SIZE_T is how that ABI writes size_t.
 */
#define CX_CXX_NAME(fn, mangled) \
	extern __typeof__(fn) cx_cxx_##fn __asm__(mangled) \
		__attribute__((alias(#fn), visibility("default")))
#if __SIZEOF_SIZE_T__ == __SIZEOF_LONG__
#define CX_SIZE_T "m"	/* unsigned long */
#else
#define CX_SIZE_T "j"	/* unsigned int */
#endif

/* The labs' page: 4096 bytes, whatever the system page size. */
#define CX_PAGE 4096

/*
 * The alloc.h heap (seeds 000, 001 Part A, 002 Task 1): the page policy,
 * one 4096-byte page mapped now, 8-byte strict sizes, metadata out of band
 * so all 4096 bytes are usable.  Create it in *heap, or, when there is one
 * already, start it afresh on the same page.  0, or an errno value.
 */
int cx_page_init(pagealloc **heap);
/* Destroy *heap, unmapping the page.  0, or an errno value. */
int cx_page_cleanup(pagealloc **heap);

/*
 * The ealloc.h heap (seed 001 Part B, 002 Task 2): the elastic policy, at
 * most 4 pages of 4096 bytes, 256-byte strict sizes, empty pages kept.
 * With max_pages set the heap takes all its metadata at create, so nothing
 * but the pages themselves grows the VSZ afterwards.  When *heap exists it
 * is reset instead: every chunk goes, the pages stay mapped for reuse.
 * 0, or an errno value.
 */
int cx_elastic_init(pagealloc **heap);
/* Free every chunk of heap; the pages stay mapped.  0, or an errno value. */
int cx_elastic_cleanup(pagealloc *heap);

/* alloc(int): NULL for size <= 0 (EINVAL) or above a page (ENOMEM), which
 * the labs never serve; else the heap's chunk. */
char *cx_alloc(pagealloc *heap, int size);

/* dealloc(char *): NULL and pointers the heap never handed out are ignored. */
void cx_dealloc(pagealloc *heap, char *p);

#endif
