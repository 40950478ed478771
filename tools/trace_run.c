/*
 * trace_run.c - each replay in a child process of its own, so that one
 * policy's address space and malloc heap do not leak into another's
 * figures; the child sends its figures back through a pipe.  Also the
 * --policy list.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

struct job {
	const struct trace *t;
	const char *spec;
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
	int r;

	if (!j->max_samples) {
		r = trace_replay_timed(j->t, j->spec, &rep.fig, j->progress, j->arg);
	} else {
		samples = trace_map(j->max_samples * sizeof(*samples));
		r = trace_replay_figures(j->t, j->spec, j->peak_op, j->flags, samples, j->max_samples,
					 &rep.nsamples, &rep.fig, &flt, j->progress, j->arg);
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
	if (move_all(fd, &rep, sizeof(rep), 1) == 0 && rep.nsamples)
		move_all(fd, samples, rep.nsamples * sizeof(*samples), 1);
	_exit(0);
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
	struct job j = { t, spec, flags, SIZE_MAX, 0, progress ? half_progress : NULL, &h };
	struct trace_figures timed;

	memset(r, 0, sizeof(*r));
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
	if (!max_samples)
		trace_result_release(r);
	return 0;
}

void trace_result_release(struct trace_result *r)
{
	trace_unmap(r->samples, r->nsamples * sizeof(*r->samples));
	r->samples = NULL;
	r->nsamples = 0;
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

	if (!strchr(spec, ':'))
		return 1;
	if (n == 3 && !memcmp(s, "all", 3))
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
