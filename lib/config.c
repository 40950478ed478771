/*
 * config.c - defaults, the spec-string parser, and the checks every policy
 * shares.  One table says, for each setting, its key, where it lives in
 * struct pagealloc_config and which policies it applies to: the parser and
 * pagealloc_create read the same table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PA_MAX_PAGE_SIZE ((size_t)1 << 30)

/* The one table of policies: pagealloc_create's, and their names. */
const struct pa_policy *const pa_policies[PAGEALLOC_POLICY_COUNT] = {
	[PAGEALLOC_PAGE] = &pa_policy_page,
	[PAGEALLOC_ELASTIC] = &pa_policy_elastic,
	[PAGEALLOC_BUMP] = &pa_policy_bump,
	[PAGEALLOC_CELL] = &pa_policy_cell,
	[PAGEALLOC_MMAP] = &pa_policy_mmap,
	[PAGEALLOC_BRK] = &pa_policy_brk,
};

#define ALL_POLICIES ((1u << PAGEALLOC_POLICY_COUNT) - 1)
#define P(x) (1u << PAGEALLOC_##x)

enum kind { NUMBER, FLAG };

static const struct setting {
	const char *key;
	enum kind kind;
	size_t offset;		/* NUMBER: of the size_t field */
	unsigned flag;		/* FLAG: the bit in flags */
	unsigned policies;	/* bit p: applies to policy p */
} settings[] = {
	{ "granule", NUMBER, offsetof(struct pagealloc_config, granule), 0, P(PAGE) | P(ELASTIC) | P(BUMP) },
	{ "page_size", NUMBER, offsetof(struct pagealloc_config, page_size), 0, P(PAGE) | P(ELASTIC) },
	{ "max_pages", NUMBER, offsetof(struct pagealloc_config, max_pages), 0, P(ELASTIC) },
	{ "spare_pages", NUMBER, offsetof(struct pagealloc_config, spare_pages), 0, P(ELASTIC) },
	{ "pool_chunk", NUMBER, offsetof(struct pagealloc_config, pool_chunk), 0, P(BUMP) },
	{ "cell_size", NUMBER, offsetof(struct pagealloc_config, cell_size), 0, P(CELL) },
	{ "mmap_threshold", NUMBER, offsetof(struct pagealloc_config, mmap_threshold), 0, P(BRK) },
	{ "strict", FLAG, 0, PAGEALLOC_STRICT, P(PAGE) | P(ELASTIC) | P(BUMP) },
	{ "threadsafe", FLAG, 0, PAGEALLOC_THREADSAFE, ALL_POLICIES },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static size_t *field(struct pagealloc_config *cfg, const struct setting *s)
{
	return (size_t *)((char *)cfg + s->offset);
}

PA_EXPORT void pagealloc_config_init(struct pagealloc_config *cfg, enum pagealloc_policy p)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy = p;
	cfg->granule = 8;
	cfg->page_size = pa_sys_page();
	cfg->max_pages = 0;
	cfg->spare_pages = PAGEALLOC_KEEP_ALL;
	cfg->pool_chunk = (size_t)1 << 20;
	cfg->cell_size = 32;
	cfg->mmap_threshold = (size_t)128 << 10;
}

PA_EXPORT const char *pagealloc_policy_name(enum pagealloc_policy p)
{
	if ((unsigned)p >= PAGEALLOC_POLICY_COUNT)
		return pa_einval_ptr();
	return pa_policies[p]->name;
}

/*
 * Shared checks for pagealloc_create: a known policy and flags, settings
 * that do not apply left at their defaults, a power-of-two granule of at
 * least 8, and a page size that is a whole number of system pages.
 */
int pa_config_check(const struct pagealloc_config *cfg)
{
	struct pagealloc_config def;
	size_t i;

	if ((unsigned)cfg->policy >= PAGEALLOC_POLICY_COUNT ||
	    (cfg->flags & ~(PAGEALLOC_STRICT | PAGEALLOC_THREADSAFE)))
		return -1;
	pagealloc_config_init(&def, cfg->policy);
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		if (s->policies & (1u << cfg->policy))
			continue;
		if (s->kind == FLAG ? (cfg->flags & s->flag) != 0
				    : *field((struct pagealloc_config *)cfg, s) != *field(&def, s))
			return -1;
	}
	for (i = 0; i < sizeof(cfg->reserved) / sizeof(cfg->reserved[0]); i++)
		if (cfg->reserved[i])
			return -1;
	return !pa_is_pow2(cfg->granule) || cfg->granule < 8 ||
	       cfg->page_size == 0 || cfg->page_size % pa_sys_page() ||
	       cfg->page_size > PA_MAX_PAGE_SIZE || cfg->granule > cfg->page_size;
}

/* A decimal number with an optional K, M or G suffix (powers of 1024). */
static int parse_number(const char *s, size_t len, size_t *out)
{
	char buf[32], *end;
	unsigned long long v;
	unsigned shift = 0;

	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static const struct setting *find_setting(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strlen(settings[i].key) == len && !memcmp(settings[i].key, key, len))
			return &settings[i];
	return NULL;
}

/* ---- why a spec is refused: text built without stdio or malloc ---- */

struct why {
	char *buf;		/* NULL: nobody asked */
	size_t len, used;
};

static void why_add(struct why *w, const char *s, size_t n)
{
	if (!w->buf || !w->len)
		return;
	while (n-- && *s && w->used + 1 < w->len)
		w->buf[w->used++] = *s++;
	w->buf[w->used] = '\0';
}

static void why_str(struct why *w, const char *s)
{
	why_add(w, s, strlen(s));
}

static void why_num(struct why *w, size_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	why_add(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* "(keys of elastic: granule, page_size, ...)" */
static void why_keys(struct why *w, unsigned p)
{
	const char *sep = "";
	size_t i;

	why_str(w, " (keys of ");
	why_str(w, pa_policies[p]->name);
	why_str(w, ": ");
	for (i = 0; i < NSETTINGS; i++) {
		if (!(settings[i].policies & (1u << p)))
			continue;
		why_str(w, sep);
		why_str(w, settings[i].key);
		sep = ", ";
	}
	why_str(w, ")");
}

/* "POLICY: ITEM: " at the start of a message about one setting */
static void why_item(struct why *w, unsigned p, const char *item, size_t len)
{
	why_str(w, pa_policies[p]->name);
	why_str(w, ": ");
	why_add(w, item, len);
	why_str(w, ": ");
}

/* Apply one "key=value" (or a bare flag key) to cfg. */
static int apply(struct pagealloc_config *cfg, const char *item, size_t len, struct why *w)
{
	const char *eq = memchr(item, '=', len);
	size_t klen = eq ? (size_t)(eq - item) : len, v;
	const struct setting *s = find_setting(item, klen);
	unsigned p = (unsigned)cfg->policy;

	if (!s || !(s->policies & (1u << p))) {
		why_str(w, pa_policies[p]->name);
		why_str(w, s ? ": key '" : ": unknown key '");
		why_add(w, item, klen);
		why_str(w, s ? "' is not a setting of this policy" : "'");
		why_keys(w, p);
		return -1;
	}
	if (s->kind == FLAG) {
		if (!eq) {
			v = 1;
		} else if (parse_number(eq + 1, len - klen - 1, &v) || v > 1) {
			why_item(w, p, item, len);
			why_str(w, "a flag is 0 or 1 (or the key alone for 1)");
			return -1;
		}
		cfg->flags = v ? cfg->flags | s->flag : cfg->flags & ~s->flag;
		return 0;
	}
	if (eq && s->offset == offsetof(struct pagealloc_config, spare_pages) &&
	    len - klen - 1 == 3 && !memcmp(eq + 1, "all", 3)) {
		v = PAGEALLOC_KEEP_ALL;
	} else if (!eq || parse_number(eq + 1, len - klen - 1, &v)) {
		why_item(w, p, item, len);
		why_str(w, eq ? "not a number" : "needs a value");
		why_str(w, " (");
		why_str(w, s->key);
		why_str(w, "=N: N decimal, with K, M or G for KiB, MiB, GiB");
		if (s->offset == offsetof(struct pagealloc_config, spare_pages))
			why_str(w, "; or all");
		why_str(w, ")");
		return -1;
	}
	*field(cfg, s) = v;
	return 0;
}

static int parse(struct pagealloc_config *cfg, const char *spec, struct why *w)
{
	struct pagealloc_config tmp;
	const char *colon, *item;
	size_t nlen;
	unsigned p;

	if (!cfg || !spec)
		return pa_einval();
	colon = strchr(spec, ':');
	nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	for (p = 0; p < PAGEALLOC_POLICY_COUNT; p++)
		if (strlen(pa_policies[p]->name) == nlen && !memcmp(pa_policies[p]->name, spec, nlen))
			break;
	if (p == PAGEALLOC_POLICY_COUNT) {
		why_str(w, "unknown policy '");
		why_add(w, spec, nlen);
		why_str(w, "' (policies: ");
		for (p = 0; p < PAGEALLOC_POLICY_COUNT; p++) {
			why_str(w, p ? ", " : "");
			why_str(w, pa_policies[p]->name);
		}
		why_str(w, ")");
		return pa_einval();
	}
	pagealloc_config_init(&tmp, (enum pagealloc_policy)p);
	if (colon) {
		item = colon + 1;
		for (;;) {
			const char *comma = strchr(item, ',');
			size_t len = comma ? (size_t)(comma - item) : strlen(item);
			if (len == 0) {
				why_str(w, pa_policies[p]->name);
				why_str(w, ": an empty setting (key=value pieces go between commas)");
				why_keys(w, p);
				return pa_einval();
			}
			if (apply(&tmp, item, len, w))
				return pa_einval();
			if (!comma)
				break;
			item = comma + 1;
		}
	}
	*cfg = tmp;
	return 0;
}

PA_EXPORT int pagealloc_config_parse(struct pagealloc_config *cfg, const char *spec)
{
	struct why w = { NULL, 0, 0 };

	return parse(cfg, spec, &w);
}

/* The shared limits of granule and page_size (pa_config_check), said. */
static int why_limits(const struct pagealloc_config *cfg, struct why *w)
{
	const char *name = pa_policies[cfg->policy]->name;

	if (!cfg->page_size || cfg->page_size % pa_sys_page() || cfg->page_size > PA_MAX_PAGE_SIZE) {
		why_str(w, name);
		why_str(w, ": page_size=");
		why_num(w, cfg->page_size);
		why_str(w, ": a multiple of the system page (");
		why_num(w, pa_sys_page());
		why_str(w, ") up to 1G");
		return pa_einval();
	}
	if (!pa_is_pow2(cfg->granule) || cfg->granule < 8 || cfg->granule > cfg->page_size) {
		why_str(w, name);
		why_str(w, ": granule=");
		why_num(w, cfg->granule);
		why_str(w, ": a power of two from 8 to page_size (");
		why_num(w, cfg->page_size);
		why_str(w, ")");
		return pa_einval();
	}
	return 0;
}

int pa_config_why(struct pagealloc_config *cfg, const char *spec, char *why, size_t len)
{
	struct why w = { why, len, 0 };

	if (why && len)
		why[0] = '\0';
	if (!spec) {
		why_str(&w, "no spec");
		return pa_einval();
	}
	if (parse(cfg, spec, &w))
		return -1;
	return why_limits(cfg, &w);
}
