/*
 * my_memory_allocator.h - the classic lab's my_malloc/my_free, in the
 * version that LAB_VERSION selects, provided by libpagealloc:
 *
 *   0  the C library's malloc and free
 *   1  a mapping per call (mmap policy); my_free unmaps it
 *   2  a bump pointer through a pool (bump policy); my_free does nothing
 *   3  a free list of 32-byte cells (cell policy); larger requests get NULL
 *
 * Define LAB_VERSION before including this header, or with -DLAB_VERSION=N;
 * the default is 3.  out_of_mem() is the lab's too, for every version.  Installed by pagealloc-compat-mymalloc; see
 * pagealloc-compat-mymalloc(3).
 */
#ifndef PAGEALLOC_COMPAT_MY_MEMORY_ALLOCATOR_H
#define PAGEALLOC_COMPAT_MY_MEMORY_ALLOCATOR_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef LAB_VERSION
#define LAB_VERSION 3
#endif

/* inline in C89 too, where the lab's programs may be built */
#if defined(__GNUC__)
#define PAGEALLOC_COMPAT_INLINE static __inline__
#else
#define PAGEALLOC_COMPAT_INLINE static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The versions in libpagealloc-compat-mymalloc; the names below map onto
 * the one LAB_VERSION selects.  my_malloc_vN returns NULL for 0 bytes or
 * when memory runs out, and creates the pool itself if init_mem_pool_vN
 * was not called; a second init_mem_pool_vN keeps the pool it has. */
void init_mem_pool_v1(void);
void *my_malloc_v1(size_t num_bytes);
void my_free_v1(void *ptr);
void init_mem_pool_v2(void);
void *my_malloc_v2(size_t num_bytes);
void my_free_v2(void *ptr);
void init_mem_pool_v3(void);
void *my_malloc_v3(size_t num_bytes);
void my_free_v3(void *ptr);

/* The lab's report that memory ran out: "out of memory!" on stderr, then
 * exit(-1).  In the library, so that every file of a program may call it. */
void out_of_mem(void);

#if LAB_VERSION == 0
PAGEALLOC_COMPAT_INLINE void init_mem_pool(void) { }
PAGEALLOC_COMPAT_INLINE void *my_malloc(size_t num_bytes) { return malloc(num_bytes); }
PAGEALLOC_COMPAT_INLINE void my_free(void *ptr) { free(ptr); }
#elif LAB_VERSION == 1
PAGEALLOC_COMPAT_INLINE void init_mem_pool(void) { init_mem_pool_v1(); }
PAGEALLOC_COMPAT_INLINE void *my_malloc(size_t num_bytes) { return my_malloc_v1(num_bytes); }
PAGEALLOC_COMPAT_INLINE void my_free(void *ptr) { my_free_v1(ptr); }
#elif LAB_VERSION == 2
PAGEALLOC_COMPAT_INLINE void init_mem_pool(void) { init_mem_pool_v2(); }
PAGEALLOC_COMPAT_INLINE void *my_malloc(size_t num_bytes) { return my_malloc_v2(num_bytes); }
PAGEALLOC_COMPAT_INLINE void my_free(void *ptr) { my_free_v2(ptr); }
#elif LAB_VERSION == 3
PAGEALLOC_COMPAT_INLINE void init_mem_pool(void) { init_mem_pool_v3(); }
PAGEALLOC_COMPAT_INLINE void *my_malloc(size_t num_bytes) { return my_malloc_v3(num_bytes); }
PAGEALLOC_COMPAT_INLINE void my_free(void *ptr) { my_free_v3(ptr); }
#else
#error "LAB_VERSION must be 0, 1, 2 or 3"
#endif

#ifdef __cplusplus
}
#endif

#endif
