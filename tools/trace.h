/*
 * trace.h - the replay engine of pagealloc-trace: parse an allocation trace
 * into memory, replay it on a pagealloc heap or on the process's malloc,
 * and compute the figures of a replay.  It uses only the public API of
 * libpagealloc; the program that links it chooses which library provides it.
 *
 * A parsed trace is a flat array of operations whose IDs have already been
 * mapped to slots (an index into an array of live chunks, reused once its
 * chunk is freed), so a replay does no lookup per operation.
 *
 *	struct trace t;
 *	struct trace_error e;
 *	struct trace_figures f;
 *	if (trace_load(&t, "x.trace.gz", TRACE_AUTO, &e))
 *		fprintf(stderr, "%s:%lu: %s\n", e.file, e.line, e.msg);
 *	else if (trace_replay_timed(&t, "elastic", &f, NULL, NULL) == 0)
 *		printf("%.1f ns/op\n", f.ns_per_op);
 */
#ifndef PAGEALLOC_TRACE_H
#define PAGEALLOC_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_format { TRACE_AUTO, TRACE_NATIVE, TRACE_REP };

enum trace_kind { TRACE_ALLOC, TRACE_CALLOC, TRACE_REALLOC, TRACE_FREE };

struct trace_op {
	uint32_t kind;		/* enum trace_kind */
	uint32_t slot;		/* the chunk's slot, < trace.nslots */
	size_t size;		/* bytes asked for; calloc: nmemb*size, SIZE_MAX on overflow */
};

/* A call site's name, from a "# site HASH NAME" line of a recorded trace. */
struct trace_site_name {
	uint64_t hash;
	char name[240];
};

struct trace {
	const char *name;	/* as given to trace_load ("-" is standard input) */
	enum trace_format format;	/* the one detected or forced */
	struct trace_op *ops;
	uint64_t *ids;		/* the trace's ID of each operation */
	uint32_t *lines;	/* the line of each operation */
	size_t nops;
	size_t nslots;		/* most chunks live at once */
	size_t peak_requested;	/* peak live payload if every allocation succeeds */
	size_t cap;		/* private: room in ops, ids and lines (and sites) */
	uint64_t *sites;	/* the call site of each allocation ("@HASH"), 0 for none;
				 * NULL when the trace names no site */
	struct trace_site_name *site_names;
	size_t nsite_names, site_names_cap;
};

/* Where and why a trace was refused; line 0 means the whole file. */
struct trace_error {
	const char *file;
	unsigned long line;
	char msg[200];
};

/*
 * Read path ("-": standard input), plain or gzip-compressed, and parse it.
 * 0, or -1 with *err filled: a file that cannot be read, binary data, a
 * truncated file, a malformed line, a free or realloc of an ID that is not
 * live, an ID allocated twice.  The trace's arrays are mapped with mmap,
 * not malloc, so they do not change the figures of a libc replay.
 */
int trace_load(struct trace *t, const char *path, enum trace_format fmt, struct trace_error *err);

/* The same, from len bytes of text in memory. */
int trace_parse(struct trace *t, const char *name, const char *text, size_t len,
		enum trace_format fmt, struct trace_error *err);

void trace_release(struct trace *t);

/* "native", "rep"; and back (-1 for an unknown name). */
const char *trace_format_name(enum trace_format fmt);
int trace_format_parse(const char *name, enum trace_format *fmt);

/* ---- replay ---- */

/* A value that no figure can take: unknown (libc cannot tell it). */
#define TRACE_UNKNOWN SIZE_MAX

struct trace_figures {
	size_t ops;
	size_t failed;			/* allocations that returned NULL */
	size_t peak_live;		/* peak live payload: bytes requested */
	size_t peak_live_op;		/* operations done when it was first reached */
	size_t peak_held;		/* peak bytes held from the OS */
	size_t high_water;		/* the same, exact: mdriver's heap size (metadata in) */
	size_t internal_frag;		/* usable minus requested bytes at peak live */
	double external_frag;		/* 1 - largest free / total free at peak live; <0 unknown */
	size_t vsz_growth, rss_growth;	/* peak process VSZ / RSS minus the start's */
	size_t os_map, os_unmap, os_brk;	/* TRACE_UNKNOWN for libc */
	double ns_per_op;		/* trace_replay_timed only */
};

/* A point of the timeline: the state after ops operations. */
struct trace_sample {
	size_t ops, live, held, vsz, largest_free;	/* largest_free: TRACE_UNKNOWN for libc */
};

/* Called now and then during a replay: done of total operations. */
typedef void (*trace_progress_fn)(void *arg, size_t done, size_t total);

/* Where a figure replay found damage (--verify) or a heap error. */
struct trace_fault {
	size_t op;		/* index of the operation */
	char msg[200];
};

/* Flags of trace_replay_figures. */
#define TRACE_VERIFY 0x1u	/* fill each chunk with a pattern of its ID and check it */
#define TRACE_SITES 0x2u	/* trace_run: bring back the usable size of each slot at the peak */

/*
 * Is spec a policy the engine can replay on ("libc" or a spec string that
 * pagealloc_config_parse accepts)?  0 or -1/EINVAL.
 */
int trace_spec_check(const char *spec);

/* What --policy takes besides pagealloc's policies, said after their list. */
#define TRACE_OTHER_TARGETS "; or libc, mimalloc, jemalloc, tcmalloc, NAME=PATH.so, all"

/* Is spec one of pagealloc's policies (not libc, not another malloc)?  1 or 0. */
int trace_spec_is_pagealloc(const char *spec);

/*
 * Is spec another malloc: mimalloc, jemalloc, tcmalloc (their libraries
 * looked for where the dynamic loader looks), or NAME=PATH.so (PATH a
 * file, or a library name to look for)?  0: no; 1, with its library in
 * path[0..len); -1 when the library is not there, with why.
 */
int trace_spec_external(const char *spec, char *path, size_t len, char *why, size_t wlen);

/*
 * The replay of another malloc runs in the program again, with the
 * library in LD_PRELOAD (/proc/self/exe and a hidden first argument): a
 * program that lets trace_run replay on one calls this first thing in
 * main.  -1 when argv is not such a run; otherwise it does not return.
 */
int trace_child_main(int argc, char **argv);

/*
 * Replay t on a new heap of spec (or "libc") as fast as it goes and fill
 * ops, failed, peak_live, peak_live_op and ns_per_op.  0, or -1 with errno
 * from pagealloc_create (EINVAL, ENOMEM, ENOSYS...).
 */
int trace_replay_timed(const struct trace *t, const char *spec, struct trace_figures *f,
		       trace_progress_fn progress, void *arg);

/*
 * Replay t on a new heap of spec and fill every figure but ns_per_op.
 * peak_op is the peak_live_op of a timed replay (the moment at which the
 * fragmentation is read), or SIZE_MAX to skip it.  Held bytes, VSZ and RSS
 * are read every trace_sample_step(t) operations and at the end; when
 * samples is not NULL, up to max_samples timeline points go there and
 * *nsamples says how many.  peak_usable, when not NULL, gets the usable
 * size of each slot's chunk (0 for none) after peak_op operations.  0; -1
 * with errno when the heap cannot be made; 1 when the replay found damage
 * or a heap error, described in *fault.
 */
int trace_replay_figures(const struct trace *t, const char *spec, size_t peak_op, unsigned flags,
			 struct trace_sample *samples, size_t max_samples, size_t *nsamples,
			 size_t *peak_usable, struct trace_figures *f, struct trace_fault *fault,
			 trace_progress_fn progress, void *arg);

/* Operations between two readings of the heap's figures. */
size_t trace_sample_step(const struct trace *t);

/* ---- isolation: each replay in a child process of its own ---- */

struct trace_result {
	int err;			/* 0; an errno when the heap could not be made; -1 crash or damage */
	unsigned long line;		/* the trace line where the damage showed, or 0 */
	char msg[240];			/* what went wrong, when err != 0 */
	struct trace_figures fig;
	struct trace_sample *samples;	/* mmap'd; NULL without a timeline */
	size_t nsamples;
	size_t *peak_usable;		/* TRACE_SITES: each slot's usable bytes at the peak; mmap'd */
	size_t npeak_usable;
};

/*
 * Replay t on spec in two child processes, one timed and one for the
 * figures, and collect their results through pipes.  max_samples 0: no
 * timeline.  0 when both ran; -1 with r->err and r->msg set otherwise.
 */
int trace_run(const struct trace *t, const char *spec, unsigned flags, size_t max_samples,
	      struct trace_result *r, trace_progress_fn progress, void *arg);

void trace_result_release(struct trace_result *r);

struct trace_spec {
	char *spec;		/* malloc'd */
	int from_all;		/* named by "all" rather than by itself */
};

/*
 * Split a --policy argument into spec strings: "all" is every policy and
 * libc, a comma separates specs ("page,elastic:max_pages=4,granule=16,libc":
 * a piece that does not begin with a policy name continues the spec before
 * it).  Appends to *specs the ones not there yet; 0, or -1 with the spec
 * that trace_spec_check refuses in bad.
 */
int trace_specs_split(const char *arg, struct trace_spec **specs, size_t *nspecs,
		      char *bad, size_t badlen);

/* The names "all" expands to, NULL-terminated. */
extern const char *const trace_all_policies[];

/* ---- memory outside the malloc heap ---- */

/* mmap'd, zeroed; NULL/ENOMEM.  Grow keeps the contents. */
void *trace_map(size_t bytes);
void *trace_remap(void *p, size_t old_bytes, size_t new_bytes);
void trace_unmap(void *p, size_t bytes);

#endif
