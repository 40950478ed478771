/*
 * headers.cc - every public header, used from C++: compiled with $(CXX)
 * and linked against its library, each call made once and its result
 * checked.  A header whose declarations lack extern "C" still compiles,
 * but the program then asks the linker for C++-mangled names the C
 * libraries do not have, and fails to link: that is what this test catches.
 *
 * Built against the labs' own headers too (tests/cxx/pristine/), which
 * have no extern "C": the program then asks for g++'s names of the calls,
 * and the libraries must export those as well.
 *
 * Built once per header (tests/cxx.am), selected by PA_HEADER:
 *   1 <pagealloc.h>   2 alloc.h   3 ealloc.h   4 alloc.h + ealloc.h of the
 *   alloc_mem variant   5 osmem.h   6 my_memory_allocator.h (LAB_VERSION 3)
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if PA_HEADER == 1
#include <pagealloc.h>
#elif PA_HEADER == 2
#include "alloc.h"
#elif PA_HEADER == 3
#include "ealloc.h"
#elif PA_HEADER == 4
#include "alloc.h"
#include "ealloc.h"
#elif PA_HEADER == 5
#include "osmem.h"
#elif PA_HEADER == 6
#include "my_memory_allocator.h"
#else
#error "PA_HEADER must be 1 to 6"
#endif

#define CHECK(cond) do { if (!(cond)) { \
	std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	std::exit(1); } } while (0)

int main()
{
#if PA_HEADER == 1
	struct pagealloc_config cfg;
	struct pagealloc_stats st;

	pagealloc_config_init(&cfg, PAGEALLOC_PAGE);
	CHECK(pagealloc_config_parse(&cfg, "page:granule=16") == 0);
	pagealloc *h = pagealloc_create(&cfg);
	CHECK(h != NULL);
	char *p = static_cast<char *>(pagealloc_alloc(h, 100));
	CHECK(p != NULL && pagealloc_usable_size(h, p) >= 100);
	std::memset(p, 'x', 100);
	char *q = static_cast<char *>(pagealloc_calloc(h, 4, 8));
	CHECK(q != NULL && q[31] == 0);
	p = static_cast<char *>(pagealloc_realloc(h, p, 200));
	CHECK(p != NULL && p[99] == 'x');
	CHECK(pagealloc_get_stats(h, &st) == 0 && st.chunks_in_use == 2);
	CHECK(pagealloc_check(h) == 0);
	CHECK(pagealloc_free(h, p) == 0 && pagealloc_free(h, q) == 0);
	CHECK(pagealloc_reset(h) == 0);
	CHECK(std::strcmp(pagealloc_policy_name(PAGEALLOC_BRK), "brk") == 0);
	CHECK(pagealloc_destroy(h) == 0);
	std::puts("C++: pagealloc.h");
#elif PA_HEADER == 2
	CHECK(init_alloc() == 0);
	char *p = alloc(PAGESIZE);
	CHECK(p != NULL && alloc(MINALLOC) == NULL);	/* the page is taken */
	dealloc(p);
	CHECK(cleanup() == 0);
	std::puts("C++: alloc.h");
#elif PA_HEADER == 3
	init_alloc();
	char *p = alloc(MINALLOC);
	CHECK(p != NULL && alloc(MINALLOC + 1) == NULL);	/* not a multiple */
	dealloc(p);
	cleanup();
	std::puts("C++: ealloc.h");
#elif PA_HEADER == 4
	CHECK(init_alloc() == 0 && einit_alloc() == 0);
	char *p = alloc_mem(4096);
	char *e = ealloc_mem(256);
	CHECK(p != NULL && e != NULL && alloc_mem(8) == NULL);
	dealloc_mem(p);
	edealloc_mem(e);
	CHECK(cleanup_alloc() == 0 && ecleanup_alloc() == 0);
	std::puts("C++: alloc.h and ealloc.h (alloc_mem)");
#elif PA_HEADER == 5
	char *p = static_cast<char *>(os_malloc(100));
	CHECK(p != NULL);
	struct block_meta *m = reinterpret_cast<struct block_meta *>(p) - 1;
	CHECK(m->status == STATUS_ALLOC && m->size == 104);
	char *z = static_cast<char *>(os_calloc(10, 10));
	CHECK(z != NULL && z[99] == 0);
	p = static_cast<char *>(os_realloc(p, 1000));
	CHECK(p != NULL);
	os_free(p);
	os_free(z);
	std::puts("C++: osmem.h");
#elif PA_HEADER == 6
	init_mem_pool();
	void *p = my_malloc(24);
	CHECK(p != NULL && my_malloc(33) == NULL);	/* a 32-byte cell */
	my_free(p);
	CHECK(my_malloc(24) == p);
	std::puts("C++: my_memory_allocator.h");
#endif
	return 0;
}
