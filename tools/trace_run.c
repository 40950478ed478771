/*
 * trace_run.c - each replay in a child process of its own, so that one
 * policy's address space and malloc heap do not leak into another's
 * figures; the child sends its figures back through a pipe.  Also the
 * --policy list.
 *
 * Another malloc (mimalloc, jemalloc, tcmalloc, NAME=PATH.so) must be in
 * the process from its start: the child writes the trace into a memfd and
 * runs the program again (/proc/self/exe) with the library in LD_PRELOAD;
 * trace_child_main, called first thing in main, replays it there.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pagealloc.h>

#include "trace.h"

const char *const trace_all_policies[] = {
	"page", "elastic", "bump", "cell", "mmap", "brk", "libc", NULL,
};

/* What a child writes: this header, then nsamples samples. */
struct report {
	int err;
	unsigned long line;
	char msg[240];
	struct trace_figures fig;
	size_t nsamples;
	size_t nusable;		/* then nusable usable sizes at the peak (TRACE_SITES) */
};

struct job {
	const struct trace *t;
	const char *spec;
	const char *preload;	/* another malloc's library: replay in a program of its own */
	unsigned flags;
	size_t peak_op;
	size_t max_samples;	/* 0: the timed replay */
	trace_progress_fn progress;
	void *arg;
};

/* Write (out) or read all len bytes; 0, or -1 at an error or an early end. */
static int move_all(int fd, void *buf, size_t len, int out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In the child: replay and write the report. */
static void child(const struct job *j, int fd)
{
	struct report rep = { 0 };
	struct trace_sample *samples = NULL;
	struct trace_fault flt = { 0 };
	size_t *usable = NULL;
	int r;

	if (!j->max_samples) {
		r = trace_replay_timed(j->t, j->spec, &rep.fig, j->progress, j->arg);
	} else {
		samples = trace_map(j->max_samples * sizeof(*samples));
		if (j->flags & TRACE_SITES)
			usable = trace_map(j->t->nslots * sizeof(*usable));
		rep.nusable = usable ? j->t->nslots : 0;
		r = trace_replay_figures(j->t, j->spec, j->peak_op, j->flags, samples, j->max_samples,
					 &rep.nsamples, usable, &rep.fig, &flt, j->progress, j->arg);
	}
	if (r < 0) {
		rep.err = errno;
		snprintf(rep.msg, sizeof(rep.msg), "cannot create the heap: %s", strerror(errno));
	} else if (r > 0) {
		rep.err = -1;
		rep.line = j->t->lines[flt.op];
		snprintf(rep.msg, sizeof(rep.msg), "%s", flt.msg);
		rep.nsamples = 0;
	}
	if (r)
		rep.nusable = 0;
	if (move_all(fd, &rep, sizeof(rep), 1) == 0 &&
	    (!rep.nsamples || move_all(fd, samples, rep.nsamples * sizeof(*samples), 1) == 0) &&
	    rep.nusable)
		move_all(fd, usable, rep.nusable * sizeof(*usable), 1);
	_exit(0);
}

/* ---- another malloc: the trace through a memfd, the program again ---- */

#define CHILD_FLAG "--pagealloc-trace-replay-child"

/* The head of the memfd; then the ops, the IDs and the lines. */
struct shipped {
	uint64_t nops, nslots, peak_requested, format;
};

static int ship(int fd, const struct trace *t)
{
	struct shipped h = { t->nops, t->nslots, t->peak_requested, (uint64_t)t->format };

	return move_all(fd, &h, sizeof(h), 1) ||
	       (t->nops && (move_all(fd, t->ops, t->nops * sizeof(*t->ops), 1) ||
			    move_all(fd, t->ids, t->nops * sizeof(*t->ids), 1) ||
			    move_all(fd, t->lines, t->nops * sizeof(*t->lines), 1)));
}

/* In the forked child: run the program again with the library preloaded. */
static void exec_child(const struct job *j, int out)
{
	char a[6][32];
	struct report rep = { 0 };
	int mfd = memfd_create("pagealloc-trace", 0);

	if (mfd < 0 || ship(mfd, j->t) || setenv("LD_PRELOAD", j->preload, 1)) {
		rep.err = errno ? errno : EIO;
		snprintf(rep.msg, sizeof(rep.msg), "cannot pass the trace on: %s", strerror(rep.err));
		move_all(out, &rep, sizeof(rep), 1);
		_exit(0);
	}
	snprintf(a[0], sizeof(a[0]), "%d", mfd);
	snprintf(a[1], sizeof(a[1]), "%d", out);
	snprintf(a[2], sizeof(a[2]), "%zu", j->peak_op);
	snprintf(a[3], sizeof(a[3]), "%zu", j->max_samples);
	snprintf(a[4], sizeof(a[4]), "%u", j->flags);
	execl("/proc/self/exe", "pagealloc-trace", CHILD_FLAG, a[0], a[1], a[2], a[3], a[4],
	      j->preload, j->t->name, (char *)NULL);
	rep.err = errno;
	snprintf(rep.msg, sizeof(rep.msg), "cannot run /proc/self/exe: %s", strerror(errno));
	move_all(out, &rep, sizeof(rep), 1);
	_exit(0);
}

/* Is the malloc of this process the one in the library at path? */
static int malloc_from(const char *path)
{
	char want[PATH_MAX], got[PATH_MAX];
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info di;

	return m && dladdr(m, &di) && di.dli_fname && realpath(path, want) &&
	       realpath(di.dli_fname, got) && !strcmp(want, got);
}

int trace_child_main(int argc, char **argv)
{
	struct job j = { 0 };
	struct trace t = { 0 };
	struct shipped h;
	struct report rep = { 0 };
	struct stat st;
	char *map;
	int mfd, out;

	if (argc != 9 || strcmp(argv[1], CHILD_FLAG))
		return -1;
	mfd = atoi(argv[2]);
	out = atoi(argv[3]);
	j.t = &t;
	j.spec = "libc";
	j.peak_op = (size_t)strtoull(argv[4], NULL, 10);
	j.max_samples = (size_t)strtoull(argv[5], NULL, 10);
	j.flags = (unsigned)strtoul(argv[6], NULL, 10);
	t.name = argv[8];
	if (!malloc_from(argv[7])) {
		rep.err = ENOENT;
		snprintf(rep.msg, sizeof(rep.msg), "%s: not loaded, or it has no malloc", argv[7]);
		move_all(out, &rep, sizeof(rep), 1);
		_exit(0);
	}
	if (fstat(mfd, &st) || (size_t)st.st_size < sizeof(h) ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0)) == MAP_FAILED) {
		rep.err = EIO;
		snprintf(rep.msg, sizeof(rep.msg), "the trace did not come through");
		move_all(out, &rep, sizeof(rep), 1);
		_exit(0);
	}
	memcpy(&h, map, sizeof(h));
	t.nops = (size_t)h.nops;
	t.nslots = (size_t)h.nslots;
	t.peak_requested = (size_t)h.peak_requested;
	t.format = (enum trace_format)h.format;
	t.ops = (struct trace_op *)(void *)(map + sizeof(h));
	t.ids = (uint64_t *)(void *)(map + sizeof(h) + t.nops * sizeof(*t.ops));
	t.lines = (uint32_t *)(void *)(map + sizeof(h) + t.nops * (sizeof(*t.ops) + sizeof(*t.ids)));
	child(&j, out);
	return 0;
}

static void crashed(struct trace_result *r, int status)
{
	r->err = -1;
	if (WIFSIGNALED(status))
		snprintf(r->msg, sizeof(r->msg), "the replay died of signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(r->msg, sizeof(r->msg), "the replay stopped without a report");
}

/* Run one job in a child; 0, or -1 with r->err and r->msg. */
static int run_child(const struct job *j, struct trace_result *r, struct trace_figures *fig)
{
	struct report rep;
	int fds[2], status, got;
	pid_t pid;

	fflush(NULL);
	if (pipe(fds)) {
		r->err = errno;
		snprintf(r->msg, sizeof(r->msg), "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		r->err = errno;
		snprintf(r->msg, sizeof(r->msg), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (j->preload)
			exec_child(j, fds[1]);
		child(j, fds[1]);
	}
	close(fds[1]);
	got = move_all(fds[0], &rep, sizeof(rep), 0) == 0;
	if (got && rep.err == 0 && rep.nsamples) {
		/* mmap'd, as everything this process keeps between replays: its
		 * malloc heap, which the next child inherits, stays the same */
		r->samples = trace_map(rep.nsamples * sizeof(*r->samples));
		got = r->samples && move_all(fds[0], r->samples, rep.nsamples * sizeof(*r->samples), 0) == 0;
		r->nsamples = r->samples ? rep.nsamples : 0;
	}
	if (got && rep.err == 0 && rep.nusable) {
		r->peak_usable = trace_map(rep.nusable * sizeof(*r->peak_usable));
		got = r->peak_usable &&
		      move_all(fds[0], r->peak_usable, rep.nusable * sizeof(*r->peak_usable), 0) == 0;
		r->npeak_usable = r->peak_usable ? rep.nusable : 0;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!got || !WIFEXITED(status) || WEXITSTATUS(status)) {
		crashed(r, status);
		return -1;
	}
	if (rep.err) {
		r->err = rep.err;
		r->line = rep.line;
		memcpy(r->msg, rep.msg, sizeof(r->msg));
		return -1;
	}
	*fig = rep.fig;
	return 0;
}

/* The caller's progress over both replays: the timed one is the first half. */
struct halves {
	trace_progress_fn progress;
	void *arg;
	int second;
};

static void half_progress(void *arg, size_t done, size_t total)
{
	const struct halves *h = arg;

	h->progress(h->arg, h->second ? total + done : done, 2 * total);
}

int trace_run(const struct trace *t, const char *spec, unsigned flags, size_t max_samples,
	      struct trace_result *r, trace_progress_fn progress, void *arg)
{
	struct halves h = { progress, arg, 0 };
	struct job j = { t, spec, NULL, flags, SIZE_MAX, 0, progress ? half_progress : NULL, &h };
	struct trace_figures timed;
	char path[PATH_MAX];
	int ext;

	memset(r, 0, sizeof(*r));
	ext = trace_spec_external(spec, path, sizeof(path), r->msg, sizeof(r->msg));
	if (ext < 0) {
		r->err = ENOENT;
		return -1;
	}
	if (ext) {
		j.preload = path;
		j.spec = "libc";
		j.progress = NULL;	/* a program of its own: no progress */
	}
	if (run_child(&j, r, &timed))
		return -1;
	h.second = 1;
	j.peak_op = timed.peak_live_op;
	j.max_samples = max_samples ? max_samples : 1;
	if (run_child(&j, r, &r->fig)) {
		trace_result_release(r);
		return -1;
	}
	r->fig.ns_per_op = timed.ns_per_op;
	if (!max_samples) {	/* the samples go; the usable sizes stay */
		trace_unmap(r->samples, r->nsamples * sizeof(*r->samples));
		r->samples = NULL;
		r->nsamples = 0;
	}
	return 0;
}

void trace_result_release(struct trace_result *r)
{
	trace_unmap(r->samples, r->nsamples * sizeof(*r->samples));
	trace_unmap(r->peak_usable, r->npeak_usable * sizeof(*r->peak_usable));
	r->samples = NULL;
	r->nsamples = 0;
	r->peak_usable = NULL;
	r->npeak_usable = 0;
}

/* ---- other mallocs ---- */

static const struct known_malloc {
	const char *name;
	const char *files[3];	/* the first found is used */
} known_mallocs[] = {
	{ "mimalloc", { "libmimalloc.so.2", "libmimalloc.so", NULL } },
	{ "jemalloc", { "libjemalloc.so.2", "libjemalloc.so", NULL } },
	{ "tcmalloc", { "libtcmalloc_minimal.so.4", "libtcmalloc.so.4", NULL } },
};
#define NKNOWN (sizeof(known_mallocs) / sizeof(known_mallocs[0]))

static const struct known_malloc *known_malloc(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (strlen(known_mallocs[i].name) == len && !memcmp(known_mallocs[i].name, s, len))
			return &known_mallocs[i];
	return NULL;
}

/* Is spec "NAME=PATH" (no ':' before the '='), and where does PATH begin? */
static const char *named_library(const char *spec)
{
	const char *eq = strchr(spec, '=');

	if (!eq || eq == spec || !eq[1] || memchr(spec, ':', (size_t)(eq - spec)))
		return NULL;
	return eq + 1;
}

/* Look for file (no '/') where the dynamic loader would: $LD_LIBRARY_PATH,
 * the C library's directory, the usual ones.  0 with path filled, or -1. */
static int find_library(const char *file, char *path, size_t len)
{
	static const char *const usual[] = { "/usr/local/lib", "/usr/lib", "/lib", "/usr/lib64", "/lib64" };
	const char *llp = getenv("LD_LIBRARY_PATH");
	char dirs[4096], *dir, *save = NULL, *slash;
	Dl_info di;
	size_t i;
	int n;

	n = snprintf(dirs, sizeof(dirs), "%s", llp ? llp : "");
	if (dladdr((void *)&getpid, &di) && di.dli_fname && (slash = strrchr(di.dli_fname, '/')))
		n += snprintf(dirs + n, sizeof(dirs) - (size_t)n, ":%.*s", (int)(slash - di.dli_fname),
			      di.dli_fname);
	for (i = 0; i < sizeof(usual) / sizeof(usual[0]) && (size_t)n < sizeof(dirs); i++)
		n += snprintf(dirs + n, sizeof(dirs) - (size_t)n, ":%s", usual[i]);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(path, len, "%s/%s", dir, file) < len && access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

int trace_spec_external(const char *spec, char *path, size_t len, char *why, size_t wlen)
{
	const struct known_malloc *k = known_malloc(spec, strlen(spec));
	const char *lib = named_library(spec);
	int i;

	if (!k && !lib)
		return 0;
	if (k) {
		for (i = 0; k->files[i]; i++)
			if (find_library(k->files[i], path, len) == 0)
				return 1;
		snprintf(why, wlen, "%s is not installed: no %s or %s in the library path "
			 "(give its library as %s=PATH.so)", k->name, k->files[0], k->files[1], k->name);
		return -1;
	}
	if (strchr(lib, '/') ? (size_t)snprintf(path, len, "%s", lib) < len && access(path, R_OK) == 0
			     : find_library(lib, path, len) == 0)
		return 1;
	snprintf(why, wlen, "%s: %s", lib, strchr(lib, '/') ? strerror(errno) : "not found in the library path");
	return -1;
}

/* ---- --policy lists ---- */

/*
 * Does the piece s[0..len) begin a spec, rather than continue spec (the
 * one before it)?  A policy name, "libc" or "all" does, and so does any
 * piece after a spec without settings: "elastic,nosuch" names a bad
 * policy, "elastic:max_pages=4,strict" sets a flag.
 */
static int begins_spec(const char *s, size_t len, const char *spec)
{
	const char *colon = memchr(s, ':', len);
	size_t n = colon ? (size_t)(colon - s) : len;
	unsigned i;

	const char *eq = memchr(s, '=', len);

	if (!strchr(spec, ':'))
		return 1;
	if (n == 3 && !memcmp(s, "all", 3))
		return 1;
	if (known_malloc(s, len))
		return 1;
	/* NAME=PATH.so: a setting's value is a number, never a path */
	if (eq && !colon && (memchr(eq, '/', len - (size_t)(eq - s)) ||
			     memmem(eq, len - (size_t)(eq - s), ".so", 3)))
		return 1;
	for (i = 0; trace_all_policies[i]; i++)
		if (strlen(trace_all_policies[i]) == n && !memcmp(s, trace_all_policies[i], n))
			return 1;
	return 0;
}

static int add_spec(struct trace_spec **specs, size_t *n, const char *spec, int from_all)
{
	struct trace_spec *more;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*specs)[i].spec, spec))
			return 0;
	more = realloc(*specs, (*n + 1) * sizeof(**specs));
	if (!more)
		return -1;
	*specs = more;
	more[*n].spec = strdup(spec);
	more[*n].from_all = from_all;
	if (!more[*n].spec)
		return -1;
	(*n)++;
	return 0;
}

/* Check and add one spec ("all" adds them all). */
static int take_spec(const char *spec, struct trace_spec **specs, size_t *n, char *bad, size_t badlen)
{
	unsigned i;

	if (!strcmp(spec, "all")) {
		for (i = 0; trace_all_policies[i]; i++)
			if (add_spec(specs, n, trace_all_policies[i], 1))
				return -1;
		return 0;
	}
	if (trace_spec_check(spec)) {
		snprintf(bad, badlen, "%s", spec);
		errno = EINVAL;
		return -1;
	}
	return add_spec(specs, n, spec, 0);
}

int trace_specs_split(const char *arg, struct trace_spec **specs, size_t *nspecs,
		      char *bad, size_t badlen)
{
	size_t len = strlen(arg), cur = 0;
	char *buf = malloc(len + 1);
	const char *s = arg;
	int r = 0;

	if (!buf)
		return -1;
	snprintf(bad, badlen, "%s", arg);
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		buf[cur] = '\0';
		if (cur && begins_spec(s, n, buf)) {
			if ((r = take_spec(buf, specs, nspecs, bad, badlen)) != 0)
				break;
			cur = 0;
		}
		if (cur)
			buf[cur++] = ',';
		memcpy(buf + cur, s, n);
		cur += n;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (!r) {
		buf[cur] = '\0';
		r = take_spec(buf, specs, nspecs, bad, badlen);
	}
	free(buf);
	return r;
}
