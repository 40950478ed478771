/*
 * fuzz_heap.c - libFuzzer harness: the input is a program of heap calls.
 *
 * Each operation is one byte (which call, on which of three heaps) and the
 * bytes its arguments take: create a heap of any policy with settings from
 * the input, alloc, calloc, realloc, free, reset, destroy, and bad pointers
 * (interior, foreign, another heap's, double free, NULL).  A model keeps
 * every live chunk with a tag: each chunk is filled with its tag's pattern
 * over its usable size and verified before free, realloc, reset and
 * destroy; a new chunk must not overlap any live one of any heap; after
 * every operation pagealloc_check must pass and the heap's walk and figures
 * must agree with the model.  Anything else aborts.
 *
 * At most one brk heap exists at a time (a second must fail with EBUSY),
 * and live bytes per heap are bounded, so the break stays small.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pagealloc.h>

#define HEAPS 3
#define SLOTS 48
#define STALE 16
#define LIVE_CAP ((size_t)8 << 20)	/* live bytes per heap */

struct chunk {
	unsigned char *p;
	size_t usable;
	uint32_t tag;
};

struct model {
	pagealloc *h;
	struct pagealloc_config cfg;
	struct chunk c[SLOTS];
	size_t nlive, live_bytes;
	unsigned char *stale[STALE];	/* freed pointers, for double frees */
	unsigned nstale;
};

struct input {
	const uint8_t *d;
	size_t n;
};

static struct model heaps[HEAPS];
static uint32_t next_tag;
static unsigned char foreign[64] __attribute__((aligned(16)));

#define expect(cond) do { if (!(cond)) die(#cond, __LINE__); } while (0)

/* The loops over every byte of a chunk: coverage there says nothing new
 * and would cost most of the time. */
#if defined(__clang__) && __clang_major__ >= 13
#define BYTE_LOOP __attribute__((no_sanitize("coverage"), noinline))
#else
#define BYTE_LOOP
#endif

static void die(const char *what, int line)
{
	fprintf(stderr, "fuzz_heap.c:%d: expected %s (errno %d)\n", line, what, errno);
	abort();
}

/* ---- reading the input: zeros once it runs out ---- */

static unsigned byte(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->d++;
}

static size_t word(struct input *in)
{
	size_t v = byte(in);

	return v | (size_t)byte(in) << 8;
}

/* A request size: mostly small, sometimes pages, large, zero or absurd. */
static size_t pick_size(struct input *in, const struct model *m)
{
	switch (byte(in) % 10) {
	case 0: case 1: case 2:
		return 1 + byte(in);
	case 3:
		return 1 + word(in) % 4096;
	case 4:
		return m->cfg.granule * (1 + byte(in) % 32);
	case 5:
		return 4096 * (1 + (size_t)byte(in) % 16) - 1 + byte(in) % 3;
	case 6:
		return 1 + word(in) * 4;	/* up to 256 KiB: brk's threshold */
	case 7:
		return 1 + (word(in) << 4);	/* up to 1 MiB */
	case 8:
		return 0;
	default:
		return SIZE_MAX - byte(in) * (size_t)4096;
	}
}

/* ---- chunks and their patterns ---- */

/* A chunk's pattern, a word at a time; bytes of 0x80 and up, so that no
 * int read out of a chunk is 0 or 1 and a header brk would find inside
 * one never looks like a block. */
static uint64_t pattern(uint32_t tag, size_t word)
{
	return ((tag + 1) * 0x9E3779B97F4A7C15ull ^ word * 0xD6E8FEB86659FD93ull) | 0x8080808080808080ull;
}

/* Byte i of c's pattern, as the words lie in memory. */
static unsigned char pattern_byte(uint32_t tag, size_t i)
{
	uint64_t w = pattern(tag, i / 8);

	return ((const unsigned char *)&w)[i % 8];
}

BYTE_LOOP static void fill(struct chunk *c)
{
	size_t i;
	uint64_t w;

	c->tag = next_tag++;
	for (i = 0; i + 8 <= c->usable; i += 8) {
		w = pattern(c->tag, i / 8);
		memcpy(c->p + i, &w, 8);
	}
	for (; i < c->usable; i++)
		c->p[i] = pattern_byte(c->tag, i);
}

static void damaged(const struct chunk *c, size_t at)
{
	fprintf(stderr, "chunk %p (tag %u, %zu bytes): damaged at byte %zu\n",
		(void *)c->p, c->tag, c->usable, at);
	abort();
}

/* The first n bytes of c hold its pattern. */
BYTE_LOOP static void verify(const struct chunk *c, size_t n)
{
	size_t i;
	uint64_t w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, c->p + i, 8);
		if (w != pattern(c->tag, i / 8))
			damaged(c, i);
	}
	for (; i < n; i++)
		if (c->p[i] != pattern_byte(c->tag, i))
			damaged(c, i);
}

/* How many of the first n bytes at p are zero, up to the first that is not. */
BYTE_LOOP static size_t zeros(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && !p[i])
		i++;
	return i;
}

static struct chunk *find(struct model *m, const void *p)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (m->c[i].p == p)
			return &m->c[i];
	return NULL;
}

/* The live chunk of slot byte b, if any. */
static struct chunk *pick_live(struct model *m, unsigned b)
{
	unsigned i;

	for (i = 0; i < SLOTS; i++) {
		struct chunk *c = &m->c[(b + i) % SLOTS];
		if (c->p)
			return c;
	}
	return NULL;
}

/* A chunk just handed out: aligned, usable, overlapping nothing live. */
static void take(struct model *m, struct chunk *c, unsigned char *p, size_t size)
{
	int i, j;

	expect(((uintptr_t)p & 7) == 0);
	c->p = NULL;
	c->usable = pagealloc_usable_size(m->h, p);
	expect(c->usable >= size);
	for (i = 0; i < HEAPS; i++)
		for (j = 0; j < SLOTS; j++) {
			const struct chunk *o = &heaps[i].c[j];
			expect(!o->p || p + c->usable <= o->p || o->p + o->usable <= p);
		}
	c->p = p;
	fill(c);
	m->nlive++;
	m->live_bytes += c->usable;
}

/* c is no longer live; with gone, its pointer is no chunk any more. */
static void drop(struct model *m, struct chunk *c, int gone)
{
	if (gone)
		m->stale[m->nstale++ % STALE] = c->p;
	m->nlive--;
	m->live_bytes -= c->usable;
	c->p = NULL;
}

static void drop_all(struct model *m)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (m->c[i].p) {
			verify(&m->c[i], m->c[i].usable);
			drop(m, &m->c[i], 1);
		}
}

/* ---- the heap against the model ---- */

struct walk_sum {
	struct model *m;
	size_t live;
};

static int walk_one(void *p, size_t size, int in_use, void *arg)
{
	struct walk_sum *w = arg;
	const struct chunk *c;

	if (in_use) {
		c = find(w->m, p);
		expect(c && c->usable == size);
		w->live++;
	}
	return 0;
}

static void check(struct model *m)
{
	struct pagealloc_stats st;
	struct walk_sum w = { m, 0 };

	expect(pagealloc_check(m->h) == 0);
	expect(pagealloc_get_stats(m->h, &st) == 0);
	expect(st.chunks_in_use == m->nlive && st.in_use_bytes == m->live_bytes);
	expect(pagealloc_walk(m->h, walk_one, &w) == 0);
	expect(w.live == m->nlive);
}

/* An allocation refused: for a reason the request explains. */
static void refused(const struct model *m, size_t size)
{
	if (size == 0 || ((m->cfg.flags & PAGEALLOC_STRICT) && size % m->cfg.granule))
		expect(errno == EINVAL);
	else if (m->cfg.policy == PAGEALLOC_CELL && size > m->cfg.cell_size)
		expect(errno == EINVAL);
	else
		expect(errno == ENOMEM);
}

/* Requests a heap may not serve: absurd sizes must fail. */
static int too_big(size_t size)
{
	return size > ((size_t)1 << 62);
}

static int room(const struct model *m, size_t size, size_t freed)
{
	return too_big(size) || m->live_bytes - freed + size <= LIVE_CAP;
}

/* ---- the operations ---- */

static int brk_live(void)
{
	int i;

	for (i = 0; i < HEAPS; i++)
		if (heaps[i].h && heaps[i].cfg.policy == PAGEALLOC_BRK)
			return 1;
	return 0;
}

static void settings(struct input *in, struct pagealloc_config *cfg)
{
	unsigned b = byte(in);

	if (b & 1)
		cfg->flags |= PAGEALLOC_THREADSAFE;
	if (b & 2 && cfg->policy <= PAGEALLOC_BUMP)
		cfg->flags |= PAGEALLOC_STRICT;
	switch (cfg->policy) {
	case PAGEALLOC_ELASTIC:
		cfg->max_pages = byte(in) % 12;
		cfg->spare_pages = b & 4 ? PAGEALLOC_KEEP_ALL : byte(in) % 3;
		/* fall through */
	case PAGEALLOC_PAGE:
		cfg->page_size <<= byte(in) % 5;
		/* fall through */
	case PAGEALLOC_BUMP:
		cfg->granule = (size_t)4 << byte(in) % 8;	/* 4 is refused */
		if (cfg->policy == PAGEALLOC_BUMP)
			cfg->pool_chunk = (size_t)2048 << byte(in) % 10;
		break;
	case PAGEALLOC_CELL:
		cfg->cell_size = 4 * (size_t)(1 + byte(in) % 160);	/* odd multiples of 4 refused */
		break;
	case PAGEALLOC_BRK:
		cfg->mmap_threshold = (size_t)1024 << byte(in) % 10;
		break;
	default:
		break;
	}
}

static void op_create(struct input *in, struct model *m)
{
	struct pagealloc_config cfg;
	int busy;

	if (m->h)
		return;
	pagealloc_config_init(&cfg, (enum pagealloc_policy)(byte(in) % PAGEALLOC_POLICY_COUNT));
	settings(in, &cfg);
	busy = cfg.policy == PAGEALLOC_BRK && brk_live();
	errno = 0;
	m->h = pagealloc_create(&cfg);
	if (!m->h) {
		expect(busy ? errno == EBUSY : errno == EINVAL || errno == ENOMEM);
		return;
	}
	expect(!busy);
	m->cfg = cfg;
	m->nstale = 0;
	check(m);
}

static void op_destroy(struct model *m)
{
	drop_all(m);
	expect(pagealloc_destroy(m->h) == 0);
	memset(m, 0, sizeof(*m));
}

static void op_alloc(struct input *in, struct model *m)
{
	struct chunk *c = find(m, NULL);
	size_t size = pick_size(in, m);
	unsigned char *p;

	if (!c || !room(m, size, 0))
		return;
	errno = 0;
	p = pagealloc_alloc(m->h, size);
	if (!p) {
		refused(m, size);
		return;
	}
	expect(!too_big(size));
	take(m, c, p, size);
}

static void op_calloc(struct input *in, struct model *m)
{
	struct chunk *c = find(m, NULL);
	size_t nmemb = byte(in) % 8, size = pick_size(in, m), total, i;
	int over = __builtin_mul_overflow(nmemb, size, &total);
	unsigned char *p;

	if (!c || (!over && !room(m, total, 0)))
		return;
	errno = 0;
	p = pagealloc_calloc(m->h, nmemb, size);
	if (!p) {
		if (over)
			expect(errno == ENOMEM);
		else
			refused(m, total);
		return;
	}
	expect(!over && !too_big(total));
	i = zeros(p, total);
	expect(i == total);
	take(m, c, p, total);
}

static void op_realloc(struct input *in, struct model *m)
{
	struct chunk *c = pick_live(m, byte(in)), moved;
	size_t size = pick_size(in, m);
	unsigned char *p;

	if (!c || !room(m, size, c->usable))
		return;
	verify(c, c->usable);
	errno = 0;
	p = pagealloc_realloc(m->h, c->p, size);
	if (size == 0) {		/* a free */
		expect(!p);
		drop(m, c, 1);
		return;
	}
	if (!p) {
		refused(m, size);
		verify(c, c->usable);	/* untouched */
		return;
	}
	expect(!too_big(size));
	moved = *c;
	moved.p = p;
	verify(&moved, c->usable < size ? c->usable : size);
	drop(m, c, p != c->p);
	take(m, c, p, size);
}

static void op_free(struct input *in, struct model *m)
{
	struct chunk *c = pick_live(m, byte(in));

	if (!c)
		return;
	verify(c, c->usable);
	expect(pagealloc_free(m->h, c->p) == 0);
	drop(m, c, 1);
}

static void op_reset(struct model *m)
{
	drop_all(m);
	expect(pagealloc_reset(m->h) == 0);
	if (m->cfg.policy == PAGEALLOC_BRK)
		m->nstale = 0;
}

/* p is none of m's chunks: every call taking a pointer refuses it. */
static void refuse(struct model *m, void *p)
{
	errno = 0;
	expect(pagealloc_free(m->h, p) == -1 && errno == EINVAL);
	errno = 0;
	expect(!pagealloc_realloc(m->h, p, m->cfg.granule) && errno == EINVAL);
	errno = 0;
	expect(pagealloc_usable_size(m->h, p) == 0 && errno == EINVAL);
}

static void op_bad(struct input *in, struct model *m)
{
	unsigned b = byte(in), i;
	struct chunk *c = pick_live(m, byte(in));
	struct model *o = &heaps[byte(in) % HEAPS];
	struct chunk *oc = o != m && o->h ? pick_live(o, b) : NULL;
	unsigned char *p;

	switch (b % 5) {
	case 0:				/* interior */
		if (c && c->usable > 1) {
			refuse(m, c->p + 1 + word(in) % (c->usable - 1));
			verify(c, c->usable);
		}
		break;
	case 1:				/* another heap's chunk */
		if (oc) {
			refuse(m, oc->p);
			verify(oc, oc->usable);
		}
		break;
	case 2:				/* a freed one, unless it is live again */
		i = byte(in) % STALE;
		p = i < m->nstale ? m->stale[i] : NULL;
		if (p && !find(m, p))
			refuse(m, p);
		break;
	case 3:				/* not from any heap */
		refuse(m, foreign + (b >> 3) % 8 * 8);
		break;
	default:
		errno = 0;
		expect(pagealloc_free(m->h, NULL) == -1 && errno == EINVAL);
		errno = 0;
		expect(!pagealloc_alloc(NULL, 8) && errno == EINVAL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	int i;

	next_tag = 0;
	while (in.n) {
		unsigned op = byte(&in);
		struct model *m = &heaps[op % HEAPS];

		op /= HEAPS;
		if (!m->h) {
			op_create(&in, m);
			continue;
		}
		switch (op % 12) {
		case 0: case 1: case 2:
			op_alloc(&in, m);
			break;
		case 3:
			op_calloc(&in, m);
			break;
		case 4: case 5:
			op_realloc(&in, m);
			break;
		case 6: case 7:
			op_free(&in, m);
			break;
		case 8:
			op_reset(m);
			break;
		case 9: case 10:
			op_bad(&in, m);
			break;
		default:
			op_destroy(m);
			continue;
		}
		check(m);
		/* brk may coalesce a freed header into a block on the next
		 * allocation: only a pointer freed since then is surely one */
		if (m->cfg.policy == PAGEALLOC_BRK && op % 12 < 6)
			m->nstale = 0;
	}
	for (i = 0; i < HEAPS; i++)
		if (heaps[i].h)
			op_destroy(&heaps[i]);
	return 0;
}
