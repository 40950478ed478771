/*
 * fuzz_config.c - libFuzzer harness for pagealloc_config_parse: the input
 * is a spec string.  A refused spec gives EINVAL and leaves the
 * configuration untouched; an accepted one names its policy, prints back
 * to a spec that parses to the same configuration, and makes a heap (or
 * fails with EINVAL or ENOMEM) that serves, frees and is destroyed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pagealloc.h>

#define expect(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_config.c:%d: expected %s (errno %d)\n", __LINE__, #cond, errno); \
	abort(); } } while (0)

/* The settings a spec may give, and the policies they apply to. */
#define P(x) (1u << PAGEALLOC_##x)
static const struct {
	const char *key;
	size_t offset;
	unsigned policies;
} numbers[] = {
	{ "granule", offsetof(struct pagealloc_config, granule), P(PAGE) | P(ELASTIC) | P(BUMP) },
	{ "page_size", offsetof(struct pagealloc_config, page_size), P(PAGE) | P(ELASTIC) },
	{ "max_pages", offsetof(struct pagealloc_config, max_pages), P(ELASTIC) },
	{ "spare_pages", offsetof(struct pagealloc_config, spare_pages), P(ELASTIC) },
	{ "pool_chunk", offsetof(struct pagealloc_config, pool_chunk), P(BUMP) },
	{ "cell_size", offsetof(struct pagealloc_config, cell_size), P(CELL) },
	{ "mmap_threshold", offsetof(struct pagealloc_config, mmap_threshold), P(BRK) },
};

/* cfg as a spec string, every setting written out. */
static void print_spec(const struct pagealloc_config *cfg, char *buf, size_t len)
{
	size_t i, at = (size_t)snprintf(buf, len, "%s:threadsafe=%d",
					pagealloc_policy_name(cfg->policy),
					!!(cfg->flags & PAGEALLOC_THREADSAFE));

	if (cfg->policy <= PAGEALLOC_BUMP)
		at += (size_t)snprintf(buf + at, len - at, ",strict=%d", !!(cfg->flags & PAGEALLOC_STRICT));
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		if (numbers[i].policies & (1u << cfg->policy))
			at += (size_t)snprintf(buf + at, len - at, ",%s=%zu", numbers[i].key,
					       *(const size_t *)((const char *)cfg + numbers[i].offset));
	expect(at < len);
}

static int same(const struct pagealloc_config *a, const struct pagealloc_config *b)
{
	return a->policy == b->policy && a->granule == b->granule && a->page_size == b->page_size &&
	       a->max_pages == b->max_pages && a->flags == b->flags &&
	       a->spare_pages == b->spare_pages && a->pool_chunk == b->pool_chunk &&
	       a->cell_size == b->cell_size && a->mmap_threshold == b->mmap_threshold &&
	       !memcmp(a->reserved, b->reserved, sizeof(a->reserved));
}

/*
 * A heap of cfg serves a little and goes away.  Skipped: big regions, and
 * capped elastic heaps of many pages, which map and touch ~450 bytes of
 * descriptors per page at create (gigabytes near the cap of 16M pages).
 */
static void try_heap(const struct pagealloc_config *cfg)
{
	pagealloc *h;
	void *p;

	if (cfg->page_size > ((size_t)16 << 20) || cfg->pool_chunk > ((size_t)64 << 20) ||
	    cfg->max_pages > 4096)
		return;
	errno = 0;
	h = pagealloc_create(cfg);
	if (!h) {
		expect(errno == EINVAL || errno == ENOMEM);
		return;
	}
	expect(pagealloc_check(h) == 0);
	p = pagealloc_alloc(h, 8);
	if (p) {
		memset(p, 0xa5, 8);
		expect(pagealloc_check(h) == 0);
		expect(pagealloc_free(h, p) == 0);
	}
	expect(pagealloc_check(h) == 0);
	expect(pagealloc_destroy(h) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pagealloc_config cfg, again, before;
	char spec[512], back[512];
	const char *name;

	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	memset(&cfg, 0x5a, sizeof(cfg));
	before = cfg;
	errno = 0;
	if (pagealloc_config_parse(&cfg, spec)) {
		expect(errno == EINVAL && !memcmp(&cfg, &before, sizeof(cfg)));
		return 0;
	}
	name = pagealloc_policy_name(cfg.policy);
	expect(name && !strncmp(spec, name, strlen(name)));
	expect(spec[strlen(name)] == ':' || spec[strlen(name)] == '\0');
	print_spec(&cfg, back, sizeof(back));
	memset(&again, 0, sizeof(again));
	expect(pagealloc_config_parse(&again, back) == 0);
	expect(same(&cfg, &again));
	try_heap(&cfg);
	return 0;
}
