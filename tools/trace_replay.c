/*
 * trace_replay.c - replay a parsed trace on a pagealloc heap or on the
 * process's malloc, in this process, and compute the figures.
 *
 * One function, step(), applies an operation; it is inlined into the timed
 * loops with the target fixed at compile time, so a timed replay is a walk
 * over the operation array with no lookup and no indirect call of our own.
 * The figure replay does the same steps and reads the heap's figures every
 * trace_sample_step() operations.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pagealloc.h>

#include "trace.h"

#define BLOCK ((size_t)1 << 16)	/* operations between two progress reports */
#define SAMPLES 16384		/* readings of the heap's figures per replay, at most */

struct chunk {
	void *p;
	size_t size;		/* requested; 0 when the allocation failed */
};

struct replay {
	const struct trace *t;
	pagealloc *h;		/* NULL: libc */
	struct chunk *c;
	size_t live, peak, peak_op, failed;
};

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Apply operation i; libc is a constant wherever speed matters. */
ALWAYS_INLINE void step(struct replay *r, size_t i, const int libc)
{
	const struct trace_op *op = &r->t->ops[i];
	struct chunk *c = &r->c[op->slot];
	size_t size = op->size;
	void *p;

	switch (op->kind) {
	case TRACE_ALLOC:
		/* a request of 0 bytes gets a chunk, as malloc(0) does */
		p = libc ? malloc(size) : pagealloc_alloc(r->h, size + !size);
		goto fresh;
	case TRACE_CALLOC:
		p = libc ? calloc(1, size) : pagealloc_calloc(r->h, 1, size + !size);
	fresh:
		c->p = p;
		if (!p) {
			c->size = 0;
			r->failed++;
			return;
		}
		c->size = size;
		r->live += size;
		break;
	case TRACE_REALLOC:
		p = libc ? realloc(c->p, size) : pagealloc_realloc(r->h, c->p, size);
		if (!p) {
			r->failed++;	/* the old chunk stays, as in C */
			return;
		}
		r->live = r->live - c->size + size;
		c->p = p;
		c->size = size;
		break;
	default:
		if (c->p) {
			if (libc)
				free(c->p);
			else
				pagealloc_free(r->h, c->p);
		}
		r->live -= c->size;
		c->p = NULL;
		c->size = 0;
		return;
	}
	if (r->live > r->peak) {
		r->peak = r->live;
		r->peak_op = i + 1;
	}
}

static __attribute__((noinline)) void run_libc(struct replay *r, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		step(r, i, 1);
}

static __attribute__((noinline)) void run_heap(struct replay *r, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		step(r, i, 0);
}

int trace_spec_is_pagealloc(const char *spec)
{
	char path[8], why[8];

	return strcmp(spec, "libc") && !trace_spec_external(spec, path, sizeof(path), why, sizeof(why));
}

/* Another malloc is checked when it runs: a missing library fails its row only. */
int trace_spec_check(const char *spec)
{
	struct pagealloc_config cfg;

	return trace_spec_is_pagealloc(spec) ? pagealloc_config_parse(&cfg, spec) : 0;
}

/* Set up a replay, all but the heap: the slot array, touched now so that
 * its page faults are not timed; for libc, the free memory this process's
 * malloc inherited goes back, so the replay grows the heap as a new
 * process would. */
static int replay_prepare(struct replay *r, const struct trace *t, const char *spec)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->c = trace_map(t->nslots * sizeof(*r->c));
	if (!r->c)
		return -1;
	memset(r->c, 0, t->nslots * sizeof(*r->c));
	if (!strcmp(spec, "libc"))
		malloc_trim(0);
	return 0;
}

/* The heap of spec (none for libc); on failure the replay is undone. */
static int replay_heap(struct replay *r, const char *spec)
{
	struct pagealloc_config cfg;
	int err;

	if (!strcmp(spec, "libc"))
		return 0;
	if (pagealloc_config_parse(&cfg, spec) == 0 && (r->h = pagealloc_create(&cfg)) != NULL)
		return 0;
	err = errno;
	trace_unmap(r->c, r->t->nslots * sizeof(*r->c));
	errno = err;
	return -1;
}

static void replay_end(struct replay *r)
{
	size_t i;

	if (r->h) {
		pagealloc_destroy(r->h);
	} else {
		for (i = 0; i < r->t->nslots; i++)
			free(r->c[i].p);
	}
	trace_unmap(r->c, r->t->nslots * sizeof(*r->c));
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void figures_init(struct trace_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->external_frag = -1;
	f->os_map = f->os_unmap = f->os_brk = TRACE_UNKNOWN;
}

int trace_replay_timed(const struct trace *t, const char *spec, struct trace_figures *f,
		       trace_progress_fn progress, void *arg)
{
	struct replay r;
	size_t from, to;
	double start;

	figures_init(f);
	if (replay_prepare(&r, t, spec) || replay_heap(&r, spec))
		return -1;
	start = now_ns();
	for (from = 0; from < t->nops; from = to) {
		to = t->nops - from > BLOCK ? from + BLOCK : t->nops;
		if (r.h)
			run_heap(&r, from, to);
		else
			run_libc(&r, from, to);
		if (progress)
			progress(arg, to, t->nops);
	}
	f->ns_per_op = t->nops ? (now_ns() - start) / (double)t->nops : 0;
	f->ops = t->nops;
	f->failed = r.failed;
	f->peak_live = r.peak;
	f->peak_live_op = r.peak_op;
	replay_end(&r);
	return 0;
}

/* ---- the figure replay ---- */

size_t trace_sample_step(const struct trace *t)
{
	return t->nops / SAMPLES + 1;
}

/* What a reading of the heap and the process gives. */
struct reading {
	size_t held, free, largest_free, vsz, rss;
	size_t os_map, os_unmap, os_brk;
};

struct figrun {
	struct replay r;
	struct trace_figures *f;
	unsigned flags;
	size_t *usable, usable_sum;
	int statm;			/* /proc/self/statm, read again and again */
	size_t libc_base;		/* libc: bytes the heap held before */
	struct reading start;
	struct trace_sample *samples;
	size_t max_samples, nsamples, tl_step;
	size_t step;			/* operations between two readings */
	struct trace_fault *fault;
};

/* VSZ, and the resident pages that are not file pages: a child touching
 * the program's code for the first time must not count as growth. */
static void read_statm(struct figrun *g, struct reading *rd)
{
	char buf[128];
	unsigned long vsz = 0, rss = 0, shared = 0;
	ssize_t n = pread(g->statm, buf, sizeof(buf) - 1, 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (n > 0) {
		buf[n] = '\0';
		sscanf(buf, "%lu %lu %lu", &vsz, &rss, &shared);
	}
	rd->vsz = vsz * page;
	rd->rss = (rss - (shared < rss ? shared : rss)) * page;
}

static size_t glibc_held(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();

	return mi.arena + mi.hblkhd;
#else
	struct mallinfo mi = mallinfo();

	return (size_t)(unsigned)mi.arena + (size_t)(unsigned)mi.hblkhd;
#endif
}

/*
 * The bytes the process's malloc holds, from its own figures: jemalloc's
 * stats.resident, tcmalloc's heap less its unmapped pages, the C library's
 * mallinfo2.  Looked up by name, so that running under LD_PRELOAD measures
 * the allocator preloaded.  For any other malloc the resident anonymous
 * memory tells: mimalloc's own figure (mi_process_info) is the commit of
 * its whole 32 MiB arena, the same for any trace that fits in it.
 */
enum malloc_kind { M_UNSET, M_GLIBC, M_JEMALLOC, M_TCMALLOC, M_OTHER };

static struct {
	enum malloc_kind kind;
	void *fn;
} heldby;

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*tc_property_fn)(const char *, size_t *);

static void malloc_kind_find(void)
{
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info di;

	if ((heldby.fn = dlsym(RTLD_DEFAULT, "mallctl")) != NULL)
		heldby.kind = M_JEMALLOC;
	else if ((heldby.fn = dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty")) != NULL)
		heldby.kind = M_TCMALLOC;
	else if (m && dladdr(m, &di) && di.dli_fname && strstr(di.dli_fname, "/libc.so"))
		heldby.kind = M_GLIBC;
	else
		heldby.kind = M_OTHER;
}

/* The held bytes, or TRACE_UNKNOWN when only the process's RSS can tell. */
static size_t malloc_held(void)
{
	size_t v = 0, unmapped = 0, len = sizeof(v);
	uint64_t epoch = 1;

	if (heldby.kind == M_UNSET)
		malloc_kind_find();
	switch (heldby.kind) {
	case M_JEMALLOC:
		((mallctl_fn)heldby.fn)("epoch", NULL, NULL, &epoch, sizeof(epoch));
		return ((mallctl_fn)heldby.fn)("stats.resident", &v, &len, NULL, 0) ? TRACE_UNKNOWN : v;
	case M_TCMALLOC:
		if (((tc_property_fn)heldby.fn)("generic.heap_size", &v) == 0)
			return TRACE_UNKNOWN;
		((tc_property_fn)heldby.fn)("tcmalloc.pageheap_unmapped_bytes", &unmapped);
		return v > unmapped ? v - unmapped : 0;
	case M_GLIBC:
		return glibc_held();
	default:
		return TRACE_UNKNOWN;
	}
}

static void take_reading(struct figrun *g, struct reading *rd)
{
	struct pagealloc_stats st;

	memset(rd, 0, sizeof(*rd));
	read_statm(g, rd);
	if (g->r.h) {
		pagealloc_get_stats(g->r.h, &st);
		rd->held = st.mapped_bytes + st.metadata_bytes;
		rd->free = st.free_bytes;
		rd->largest_free = st.largest_free_bytes;
		rd->os_map = st.os_map_calls;
		rd->os_unmap = st.os_unmap_calls;
		rd->os_brk = st.os_brk_calls;
	} else {
		size_t held = malloc_held();
		if (held == TRACE_UNKNOWN)	/* the resident anonymous memory it added */
			rd->held = rd->rss > g->start.rss ? rd->rss - g->start.rss : 0;
		else
			rd->held = g->libc_base == TRACE_UNKNOWN ? held
				 : held > g->libc_base ? held - g->libc_base : 0;
		rd->largest_free = TRACE_UNKNOWN;
	}
}

static size_t growth(size_t now, size_t then)
{
	return now > then ? now - then : 0;
}

/* The most the heap ever held, as mdriver counts its heap: every byte it
 * mapped (the peak is kept at each OS call, not sampled) and its metadata.
 * The C library's is only sampled: peak_held stands in for it. */
static size_t high_water(const pagealloc *h)
{
	struct pagealloc_stats st;

	pagealloc_get_stats(h, &st);
	return st.peak_mapped_bytes + st.metadata_bytes;
}

/* Read the figures after done operations; at_peak: the fragmentation too. */
static void sample(struct figrun *g, size_t done, int at_peak)
{
	struct trace_figures *f = g->f;
	struct reading rd;

	take_reading(g, &rd);
	if (rd.held > f->peak_held)
		f->peak_held = rd.held;
	if (growth(rd.vsz, g->start.vsz) > f->vsz_growth)
		f->vsz_growth = growth(rd.vsz, g->start.vsz);
	if (growth(rd.rss, g->start.rss) > f->rss_growth)
		f->rss_growth = growth(rd.rss, g->start.rss);
	if (at_peak && g->r.h)
		f->external_frag = rd.free ? 1.0 - (double)rd.largest_free / (double)rd.free : 0.0;
	if (g->r.h) {
		f->os_map = rd.os_map;
		f->os_unmap = rd.os_unmap;
		f->os_brk = rd.os_brk;
	}
	if (g->samples && g->nsamples < g->max_samples &&
	    (done % g->tl_step == 0 || done == g->r.t->nops) &&
	    (g->nsamples + 1 < g->max_samples || done == g->r.t->nops))
		g->samples[g->nsamples++] = (struct trace_sample){
			done, g->r.live, rd.held, growth(rd.vsz, g->start.vsz), rd.largest_free,
		};
}

/* ---- --verify: a pattern that depends on the ID and the offset ---- */

static uint64_t pattern_word(uint64_t id, size_t w)
{
	uint64_t x = (id + 1) * 0x9E3779B97F4A7C15ull ^ (w + 1) * 0xD6E8FEB86659FD93ull;

	x ^= x >> 29;
	return x * 0xBF58476D1CE4E5B9ull;
}

static void fill(unsigned char *p, size_t n, uint64_t id)
{
	size_t w;

	for (w = 0; w * 8 < n; w++) {
		uint64_t v = pattern_word(id, w);
		memcpy(p + w * 8, &v, n - w * 8 < 8 ? n - w * 8 : 8);
	}
}

/* The offset of the first byte of p[0..n) that is not the pattern, or n. */
static size_t damaged_at(const unsigned char *p, size_t n, uint64_t id)
{
	size_t w, k;

	for (w = 0; w * 8 < n; w++) {
		uint64_t v = pattern_word(id, w);
		size_t len = n - w * 8 < 8 ? n - w * 8 : 8;
		if (memcmp(p + w * 8, &v, len))
			for (k = 0; k < len; k++)
				if (p[w * 8 + k] != ((unsigned char *)&v)[k])
					return w * 8 + k;
	}
	return n;
}

static size_t nonzero_at(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return i;
	return n;
}

static int fault(struct figrun *g, size_t i, const char *what, size_t off, size_t n)
{
	g->fault->op = i;
	snprintf(g->fault->msg, sizeof(g->fault->msg), "ID %llu: %s: byte %zu of %zu",
		 (unsigned long long)g->r.t->ids[i], what, off, n);
	return 1;
}

/* Before operation i: the chunk it frees or resizes must hold its pattern. */
static int verify_before(struct figrun *g, size_t i)
{
	const struct trace_op *op = &g->r.t->ops[i];
	const struct chunk *c = &g->r.c[op->slot];
	size_t off;

	if (!c->p || (op->kind != TRACE_FREE && op->kind != TRACE_REALLOC))
		return 0;
	off = damaged_at(c->p, c->size, g->r.t->ids[i]);
	return off < c->size ? fault(g, i, "damaged chunk", off, c->size) : 0;
}

/* After operation i: calloc memory is zero, realloc kept the contents; fill. */
static int verify_after(struct figrun *g, size_t i, size_t old_size, const void *old_p)
{
	const struct trace_op *op = &g->r.t->ops[i];
	const struct chunk *c = &g->r.c[op->slot];
	size_t keep = old_size < c->size ? old_size : c->size, off;

	if (!c->p || op->kind == TRACE_FREE)
		return 0;
	if (op->kind == TRACE_CALLOC && (off = nonzero_at(c->p, c->size)) < c->size)
		return fault(g, i, "calloc memory not zero", off, c->size);
	if (op->kind == TRACE_REALLOC && old_p && (off = damaged_at(c->p, keep, g->r.t->ids[i])) < keep)
		return fault(g, i, "realloc lost the contents", off, keep);
	fill(c->p, c->size, g->r.t->ids[i]);
	return 0;
}

/* Follow the usable bytes of the live chunks, for internal fragmentation. */
static void follow_usable(struct figrun *g, size_t i)
{
	uint32_t slot = g->r.t->ops[i].slot;
	const struct chunk *c = &g->r.c[slot];
	size_t u = 0;

	if (c->p)
		u = g->r.h ? pagealloc_usable_size(g->r.h, c->p) : malloc_usable_size(c->p);
	g->usable_sum = g->usable_sum - g->usable[slot] + u;
	g->usable[slot] = u;
}

static int figure_op(struct figrun *g, size_t i, size_t peak_op)
{
	const struct trace_op *op = &g->r.t->ops[i];
	struct chunk *c = &g->r.c[op->slot];
	size_t old_size = c->size, peak = g->r.peak;
	void *old_p = c->p;

	if ((g->flags & TRACE_VERIFY) && verify_before(g, i))
		return 1;
	if (op->kind == TRACE_FREE && c->p && g->r.h) {
		/* free here, where a refused free is seen; step() then only counts */
		if (pagealloc_free(g->r.h, c->p)) {
			g->fault->op = i;
			snprintf(g->fault->msg, sizeof(g->fault->msg), "ID %llu: the heap refused the free: %s",
				 (unsigned long long)g->r.t->ids[i], strerror(errno));
			return 1;
		}
		c->p = NULL;
	}
	step(&g->r, i, g->r.h == NULL);
	follow_usable(g, i);
	if ((g->flags & TRACE_VERIFY) && verify_after(g, i, old_size, old_p))
		return 1;
	if (g->r.peak > peak)
		g->f->internal_frag = g->usable_sum - g->r.live;
	if ((i + 1) % g->step == 0 || i + 1 == peak_op || i + 1 == g->r.t->nops)
		sample(g, i + 1, i + 1 == peak_op);
	return 0;
}

int trace_replay_figures(const struct trace *t, const char *spec, size_t peak_op, unsigned flags,
			 struct trace_sample *samples, size_t max_samples, size_t *nsamples,
			 size_t *peak_usable, struct trace_figures *f, struct trace_fault *flt,
			 trace_progress_fn progress, void *arg)
{
	struct figrun g = { .f = f, .flags = flags, .samples = samples, .max_samples = max_samples,
			    .fault = flt };
	size_t i, points, room;
	int r = 0;

	figures_init(f);
	if (replay_prepare(&g.r, t, spec))
		return -1;
	g.usable = trace_map(t->nslots * sizeof(size_t));
	if (!g.usable) {
		trace_unmap(g.r.c, t->nslots * sizeof(*g.r.c));
		return -1;
	}
	memset(g.usable, 0, t->nslots * sizeof(size_t));
	/* the start: after our own arrays, before the heap maps anything */
	g.statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	read_statm(&g, &g.start);
	g.libc_base = malloc_held();
	if (replay_heap(&g.r, spec)) {
		int err = errno;
		trace_unmap(g.usable, t->nslots * sizeof(size_t));
		close(g.statm);
		errno = err;
		return -1;
	}
	/* timeline rows: the start, every tl_step operations, the end */
	g.step = trace_sample_step(t);
	points = t->nops / g.step + 1;
	room = max_samples > 2 ? max_samples - 2 : 1;
	g.tl_step = g.step * ((points + room - 1) / room);
	sample(&g, 0, 0);
	if (peak_usable && peak_op == 0)
		memset(peak_usable, 0, t->nslots * sizeof(size_t));
	for (i = 0; i < t->nops && !r; i++) {
		r = figure_op(&g, i, peak_op);
		if (peak_usable && i + 1 == peak_op)
			memcpy(peak_usable, g.usable, t->nslots * sizeof(size_t));
		if (progress && (i + 1) % BLOCK == 0)
			progress(arg, i + 1, t->nops);
	}
	f->ops = t->nops;
	f->failed = g.r.failed;
	f->peak_live = g.r.peak;
	f->peak_live_op = g.r.peak_op;
	f->high_water = g.r.h ? high_water(g.r.h) : f->peak_held;
	if (nsamples)
		*nsamples = g.nsamples;
	trace_unmap(g.usable, t->nslots * sizeof(size_t));
	replay_end(&g.r);
	close(g.statm);
	return r;
}
