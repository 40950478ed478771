/*
 * test_alloc_mem.c - Task 1 of the lab variant with alloc_mem/dealloc_mem
 * (alloc.h): allocate, free, reallocate in one 4 KiB page, 8-byte sizes,
 * first fit with coalescing.  Prints what the lab's example output shows,
 * and checks it.  Built with pkg-config --cflags --libs
 * pagealloc-compat-allocmem.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "seedtest.h"

int main(void)
{
	char *a, *b, *c, *d, *q[4];
	int i;

	CHECK(init_alloc() == 0);
	a = alloc_mem(64);
	b = alloc_mem(128);
	c = alloc_mem(256);
	CHECK(a && b && c);
	strcpy(a, "hello from a");
	printf("%s\n", a);
	memset(b, 'b', 128);
	printf("b-size:%d\n", 128);
	dealloc_mem(b);
	d = alloc_mem(96);			/* fits in the hole b left */
	CHECK(d != NULL);
	CHECK(d >= b && d + 96 <= b + 128);
	printf("allocated d at %p\n", (void *)d);
	CHECK(strcmp(a, "hello from a") == 0);

	/* 8-byte sizes only, and the whole page is there to use */
	CHECK(alloc_mem(12) == NULL && alloc_mem(0) == NULL && alloc_mem(-8) == NULL);
	dealloc_mem(a);
	dealloc_mem(c);
	dealloc_mem(d);
	for (i = 0; i < 4; i++) {
		q[i] = alloc_mem(1024);
		CHECK(q[i] != NULL);
		st_fill(q[i], 1024, i);
	}
	CHECK(alloc_mem(8) == NULL);
	for (i = 0; i < 4; i++)
		CHECK(st_intact(q[i], 1024, i));
	for (i = 0; i < 4; i++)
		dealloc_mem(q[i]);
	a = alloc_mem(PAGESIZE);		/* coalesced into one block */
	CHECK(a != NULL);
	CHECK(cleanup_alloc() == 0);
	CHECK(cleanup_alloc() != 0);
	printf("Done\n");
	return 0;
}
