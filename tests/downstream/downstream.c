/* downstream.c - a program outside the tree, built only with
 * `cc downstream.c $(pkg-config --cflags --libs pagealloc)`. */
#include <pagealloc.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct pagealloc_config cfg;
	pagealloc *heap;
	char *p, *q;

	if (pagealloc_config_parse(&cfg, "elastic:max_pages=4,granule=256") != 0)
		return 1;
	heap = pagealloc_create(&cfg);
	if (!heap)
		return 1;
	p = pagealloc_alloc(heap, 1000);
	q = pagealloc_alloc(heap, 4096);
	if (!p || !q || pagealloc_usable_size(heap, p) != 1024)
		return 1;
	strcpy(p, "hello from libpagealloc");
	if (pagealloc_free(heap, q) != 0 || pagealloc_check(heap) != 0)
		return 1;
	puts(p);
	return pagealloc_destroy(heap) == 0 ? 0 : 1;
}
