/*
 * seedtest.h - what the lab test programs share, in the labs' own style:
 * plain programs that print what they check and exit 1 at the first
 * failure.  Header only, so each program builds alone with nothing but
 * `cc prog.c $(pkg-config --cflags --libs MODULE)`.
 */
#ifndef SEEDTEST_H
#define SEEDTEST_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	exit(1); } } while (0)

/*
 * The process's virtual size in bytes, field 23 (vsize) of /proc/self/stat,
 * read with open/read into the stack: stdio would allocate, and move the
 * very figure it reads.
 */
static inline size_t st_vsz(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY), field;

	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CHECK(n > 0);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	CHECK(p != NULL);
	for (field = 2; field < 23; field++) {
		p = strchr(p + 1, ' ');
		CHECK(p != NULL);
	}
	return strtoull(p + 1, NULL, 10);
}

/* A pattern unique to tag, so that a chunk overlapping another shows. */
static inline unsigned char st_byte(unsigned tag, size_t i)
{
	return (unsigned char)((tag * 2654435761u) >> 24 ^ (i * 31 + tag));
}

static inline void st_fill(void *p, size_t n, unsigned tag)
{
	unsigned char *c = (unsigned char *)p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = st_byte(tag, i);
}

static inline int st_intact(const void *p, size_t n, unsigned tag)
{
	const unsigned char *c = (const unsigned char *)p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != st_byte(tag, i))
			return 0;
	return 1;
}

/* A tiny deterministic generator for the randomized runs. */
static inline unsigned st_rand(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 16;
}

#endif
