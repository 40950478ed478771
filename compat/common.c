/* common.c - the heaps of the lab interfaces (see common.h). */
#include <errno.h>

#include "common.h"

static int reset(pagealloc *heap)
{
	if (!heap)
		return EINVAL;
	return pagealloc_reset(heap) ? errno : 0;
}

static int create(pagealloc **heap, const struct pagealloc_config *cfg)
{
	if (*heap)
		return reset(*heap);
	*heap = pagealloc_create(cfg);
	return *heap ? 0 : errno;
}

int cx_page_init(pagealloc **heap)
{
	struct pagealloc_config cfg;

	pagealloc_config_init(&cfg, PAGEALLOC_PAGE);
	cfg.page_size = CX_PAGE;
	cfg.granule = 8;
	cfg.flags = PAGEALLOC_STRICT;
	return create(heap, &cfg);
}

int cx_page_cleanup(pagealloc **heap)
{
	pagealloc *h = *heap;

	if (!h)
		return EINVAL;
	*heap = NULL;
	return pagealloc_destroy(h) ? errno : 0;
}

int cx_elastic_init(pagealloc **heap)
{
	struct pagealloc_config cfg;

	pagealloc_config_init(&cfg, PAGEALLOC_ELASTIC);
	cfg.page_size = CX_PAGE;
	cfg.granule = 256;
	cfg.max_pages = 4;
	cfg.flags = PAGEALLOC_STRICT;
	return create(heap, &cfg);
}

int cx_elastic_cleanup(pagealloc *heap)
{
	return reset(heap);
}

char *cx_alloc(pagealloc *heap, int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return NULL;
	}
	if (size > CX_PAGE) {
		errno = ENOMEM;
		return NULL;
	}
	return pagealloc_alloc(heap, (size_t)size);
}

void cx_dealloc(pagealloc *heap, char *p)
{
	if (p && heap)
		pagealloc_free(heap, p);
}
