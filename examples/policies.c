/* policies.c - allocate, free and report on a heap of each policy. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pagealloc.h>

int main(void)
{
	static const char *const specs[] = {
		"page", "elastic:max_pages=4,granule=256", "bump", "cell:cell_size=32", "mmap", "brk",
	};
	size_t i;

	printf("%-34s %8s %8s %8s %6s %6s\n", "policy", "in_use", "mapped", "meta", "maps", "check");
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct pagealloc_config cfg;
		struct pagealloc_stats st;
		pagealloc *h;
		void *p[8];
		int k;

		if (pagealloc_config_parse(&cfg, specs[i]) != 0) {
			fprintf(stderr, "%s: %s\n", specs[i], strerror(errno));
			return 1;
		}
		h = pagealloc_create(&cfg);
		if (!h) {
			printf("%-34s (%s)\n", specs[i], strerror(errno));
			continue;
		}
		for (k = 0; k < 8; k++) {
			p[k] = pagealloc_alloc(h, 32);
			if (p[k])
				memset(p[k], k, 32);
		}
		for (k = 0; k < 8; k += 2)
			pagealloc_free(h, p[k]);
		pagealloc_get_stats(h, &st);
		printf("%-34s %8zu %8zu %8zu %6zu %6s\n", specs[i], st.in_use_bytes, st.mapped_bytes,
		       st.metadata_bytes, st.os_map_calls, pagealloc_check(h) == 0 ? "ok" : "BROKEN");
		pagealloc_destroy(h);
	}
	return 0;
}
