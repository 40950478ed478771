/*
 * osmem_probe.h - what the osmem test programs share: each os_* call under
 * test runs between two markers, write(2)s to fd -1 that fail at once and
 * tell test_osmem_syscalls.sh, which reads them under strace, what the call
 * must do:
 *
 *     BEGIN what|brk=B mmap=M munmap=U|BREAK|CALLS
 *     ... the call's own system calls ...
 *     END
 *
 * B, M, U count the brk, mmap and munmap calls; BREAK is the program break
 * before the call; CALLS, when given, lists each call with its arguments
 * ("mmap LEN", "munmap ADDR LEN", "brk +N", or "none"), as the lab's ltrace
 * checker compares them.  The program itself checks what it can see: the
 * break from sbrk(0), the mappings from the VSZ in /proc/self/stat.
 */
#ifndef OSMEM_PROBE_H
#define OSMEM_PROBE_H

#include <stdarg.h>

#include "osmem.h"
#include "seedtest.h"

#define META sizeof(struct block_meta)
#define PREALLOC (128 * 1024)
#define THRESHOLD (128 * 1024)

struct probe {
	const char *what;
	int brk, map, unmap;		/* calls the call must make */
	char *brk0;
	size_t vsz0;
};

static inline void marker(const char *s)
{
	if (write(-1, s, strlen(s)) != -1)
		abort();
}

static inline void begin(struct probe *pr, const char *what, int brk, int map, int unmap,
		  const char *calls)
{
	char buf[400];

	pr->what = what;
	pr->brk = brk;
	pr->map = map;
	pr->unmap = unmap;
	pr->brk0 = (char *)sbrk(0);
	pr->vsz0 = st_vsz();
	snprintf(buf, sizeof(buf), "BEGIN %s|brk=%d mmap=%d munmap=%d|%p|%s",
		 what, brk, map, unmap, (void *)pr->brk0, calls ? calls : "");
	marker(buf);
}

/* The break rounded up to a page: what the VSZ shows of the heap. */
static inline uintptr_t heap_top(const char *brk)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	return ((uintptr_t)brk + page - 1) / page * page;
}

/* What the break and the VSZ show of the calls the probe expects. */
static inline void end(struct probe *pr)
{
	char *brk1;
	long dbrk, dmap;

	marker("END");
	brk1 = (char *)sbrk(0);
	dbrk = brk1 - pr->brk0;
	dmap = (long)(st_vsz() - pr->vsz0) - (long)(heap_top(brk1) - heap_top(pr->brk0));
	if ((pr->brk ? dbrk <= 0 : dbrk != 0) ||
	    (pr->map && !pr->unmap && dmap <= 0) ||
	    (pr->unmap && !pr->map && dmap >= 0) ||
	    (!pr->map && !pr->unmap && dmap != 0)) {
		fprintf(stderr, "%s: break moved by %ld, mappings by %ld bytes; "
			"expected brk=%d mmap=%d munmap=%d\n",
			pr->what, dbrk, dmap, pr->brk, pr->map, pr->unmap);
		exit(1);
	}
}

/* Run stmt as one probed call; SYSCALLS_ARGS also lists its calls. */
#define SYSCALLS(what, brk, map, unmap, stmt) \
	SYSCALLS_ARGS(what, NULL, brk, map, unmap, stmt)
#define SYSCALLS_ARGS(what, calls, brk, map, unmap, stmt) do { struct probe pr_; \
	begin(&pr_, what, brk, map, unmap, calls); stmt; end(&pr_); } while (0)

/* A CALLS list or a name, formatted; good until the next call. */
static inline const char *fmt(const char *f, ...)
{
	static char buf[4][200];
	static int i;
	va_list ap;

	i = (i + 1) % 4;
	va_start(ap, f);
	vsnprintf(buf[i], sizeof(buf[i]), f, ap);
	va_end(ap);
	return buf[i];
}

static inline struct block_meta *meta(void *p)
{
	return (struct block_meta *)p - 1;
}

static inline int zeroed(const void *p, size_t n)
{
	const unsigned char *c = (const unsigned char *)p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

#endif
