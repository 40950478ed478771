/*
 * test_ealloc_mem.c - Task 2 of the lab variant with ealloc_mem and
 * edealloc_mem (ealloc.h): no page at init, pages mapped on demand up to
 * 4, 256-byte sizes, freed memory reused.  Prints what the lab's example
 * output shows, and checks it, VSZ included.  Built with pkg-config
 * --cflags --libs pagealloc-compat-allocmem.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ealloc.h"
#include "seedtest.h"

#define PAGE 4096

int main(void)
{
	char *a, *b, *c, *d, *p[4];
	size_t vsz;
	int i;

	printf("elastic: VSZ from /proc/self/stat\n");	/* stdio's buffer first */
	CHECK(einit_alloc() == 0);
	vsz = st_vsz();
	a = ealloc_mem(256);
	CHECK(a != NULL);
	CHECK(st_vsz() == vsz + PAGE);		/* the first page, on demand */
	b = ealloc_mem(512);
	c = ealloc_mem(1024);
	CHECK(b && c);
	CHECK(st_vsz() == vsz + PAGE);		/* 1792 bytes: still one page */
	strcpy(a, "hello elastic");
	printf("%s\n", a);
	edealloc_mem(b);
	d = ealloc_mem(256);			/* reuses the freed 512 */
	CHECK(d != NULL && d >= b && d + 256 <= b + 512);
	printf("d allocated at %p\n", (void *)d);
	edealloc_mem(a);
	edealloc_mem(c);
	edealloc_mem(d);

	/* whole pages: three more mapped, a fifth refused */
	for (i = 0; i < 4; i++) {
		p[i] = ealloc_mem(PAGE);
		CHECK(p[i] != NULL);
		CHECK(st_vsz() == vsz + (size_t)(i + 1) * PAGE);
		st_fill(p[i], PAGE, i);
	}
	CHECK(ealloc_mem(256) == NULL);
	CHECK(ealloc_mem(100) == NULL && ealloc_mem(0) == NULL);
	for (i = 0; i < 4; i++) {
		CHECK(st_intact(p[i], PAGE, i));
		edealloc_mem(p[i]);
	}
	CHECK(ecleanup_alloc() == 0);
	CHECK(st_vsz() == vsz + 4 * PAGE);	/* the pages stay mapped */
	CHECK(einit_alloc() == 0);
	CHECK(ealloc_mem(PAGE) != NULL);
	CHECK(st_vsz() == vsz + 4 * PAGE);
	CHECK(ecleanup_alloc() == 0);
	printf("elastic done\n");
	return 0;
}
