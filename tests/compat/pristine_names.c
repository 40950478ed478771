/*
 * pristine_names.c - every function and macro of each lab's own header, as
 * the seeds give it (../shared/seeds), exists in ours with the lab's type:
 * a missing macro is an #error, a missing function or one of another type
 * fails the build (_Static_assert), so make check fails either way.  What
 * can run, runs: out_of_mem() of my_memory_allocator.h must print the
 * lab's message and exit(-1).
 *
 * Built once per header set, selected by LAB:
 *   1 alloc.h (seeds 000, 001 Part A)   2 ealloc.h (001 Part B)
 *   3 alloc.h + ealloc.h (002)   4 osmem.h + block_meta.h (003)
 *   5 my_memory_allocator.h (004), once per LAB_VERSION
 */
#include <sys/wait.h>

#include "seedtest.h"

#define SAME_TYPE(fn, type) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type), \
		       #fn " has the lab's type")

#if LAB == 1
#include "alloc.h"
SAME_TYPE(init_alloc, int (*)(void));
SAME_TYPE(cleanup, int (*)(void));
SAME_TYPE(alloc, char *(*)(int));
SAME_TYPE(dealloc, void (*)(char *));
#if !defined(PAGESIZE) || !defined(MINALLOC)
#error "alloc.h: PAGESIZE and MINALLOC"
#endif
#elif LAB == 2
#include "ealloc.h"
SAME_TYPE(init_alloc, void (*)(void));
SAME_TYPE(cleanup, void (*)(void));
SAME_TYPE(alloc, char *(*)(int));
SAME_TYPE(dealloc, void (*)(char *));
#if !defined(PAGESIZE) || !defined(MINALLOC)
#error "ealloc.h: PAGESIZE and MINALLOC"
#endif
#elif LAB == 3
#include "alloc.h"
#include "ealloc.h"
SAME_TYPE(init_alloc, int (*)(void));
SAME_TYPE(cleanup_alloc, int (*)(void));
SAME_TYPE(alloc_mem, char *(*)(int));
SAME_TYPE(dealloc_mem, void (*)(char *));
SAME_TYPE(einit_alloc, int (*)(void));
SAME_TYPE(ecleanup_alloc, int (*)(void));
SAME_TYPE(ealloc_mem, char *(*)(int));
SAME_TYPE(edealloc_mem, void (*)(char *));
#if !defined(ALLOC_H) || !defined(EALLOC_H)
#error "the seed's include guards ALLOC_H and EALLOC_H"
#endif
#elif LAB == 4
#include "osmem.h"
#include "block_meta.h"
SAME_TYPE(os_malloc, void *(*)(size_t));
SAME_TYPE(os_calloc, void *(*)(size_t, size_t));
SAME_TYPE(os_realloc, void *(*)(void *, size_t));
SAME_TYPE(os_free, void (*)(void *));
#if !defined(STATUS_FREE) || !defined(STATUS_ALLOC) || !defined(STATUS_MAPPED) || !defined(DIE)
#error "block_meta.h: STATUS_FREE, STATUS_ALLOC, STATUS_MAPPED and DIE"
#endif
_Static_assert(STATUS_FREE == 0 && STATUS_ALLOC == 1 && STATUS_MAPPED == 2, "status values");
_Static_assert(offsetof(struct block_meta, size) == 0 &&
	       offsetof(struct block_meta, status) == sizeof(size_t) &&
	       offsetof(struct block_meta, prev) < offsetof(struct block_meta, next),
	       "struct block_meta as the seed declares it");
#elif LAB == 5
#include "my_memory_allocator.h"
SAME_TYPE(init_mem_pool, void (*)(void));
SAME_TYPE(my_free, void (*)(void *));
SAME_TYPE(out_of_mem, void (*)(void));
#ifndef LAB_VERSION
#error "my_memory_allocator.h: LAB_VERSION"
#endif
#else
#error "LAB must be 1 to 5"
#endif

#if LAB == 5
/* out_of_mem() in a child: "out of memory!\n" on stderr, exit status 255. */
static void test_out_of_mem(void)
{
	int fd[2], status;
	char buf[64];
	ssize_t n;
	pid_t pid;

	CHECK(pipe(fd) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		out_of_mem();
		_exit(0);		/* out_of_mem returned */
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(n > 0);
	buf[n] = '\0';
	CHECK(strcmp(buf, "out of memory!\n") == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 255);
	printf("out_of_mem: the lab's message, exit(-1)\n");
}
#endif

int main(void)
{
#if LAB == 5
	void *p;

	init_mem_pool();
	p = my_malloc(24);
	CHECK(p != NULL);
	my_free(p);
	test_out_of_mem();
#endif
	printf("lab %d: every function and macro of the seed's header, with its type\n", LAB);
	return 0;
}
