/*
 * pagealloc-trace.c - replay allocation traces on pagealloc's policies and
 * on libc, report memory use, fragmentation, address-space growth and
 * speed; `pagealloc-trace record` is in record.c.
 *
 * Every trace is parsed first (bad ones are reported and skipped), then
 * each trace replays on each policy in child processes of its own
 * (trace_run), and the report is printed once everything has run.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pagealloc.h>

#include "internal.h"	/* pa_config_why: why a spec is refused */
#include "tool.h"

#define TIMELINE_POINTS 1000	/* timeline rows per replay, at most */

enum output { TABLE, JSON, CSV };

struct options {
	struct trace_spec *specs;
	size_t nspecs;
	enum trace_format format;
	enum output output;
	const char *timeline, *plot;
	const char *baseline;		/* --baseline: a spec of specs, run first */
	size_t sites;			/* --sites: how many call sites per trace; 0 none */
	int quiet, verify;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROGRAM " [OPTIONS] TRACE...\n"
		"       " PROGRAM " record [-o FILE] [-q] [--] COMMAND [ARGS...]\n"
		"Replay allocation traces on pagealloc's policies and other mallocs; report memory\n"
		"held, fragmentation, address-space growth and speed.\n"
		"\n"
		"  -p, --policy=SPEC[,SPEC...]  where to replay: a spec string (elastic,\n"
		"                               cell:cell_size=64, ...), libc, mimalloc, jemalloc,\n"
		"                               tcmalloc, NAME=PATH.so, or all (default)\n"
		"  -f, --format=FORMAT          native, rep or auto (default)\n"
		"      --json                   print the report as JSON\n"
		"      --csv                    print the report as CSV\n"
		"      --baseline=SPEC          ratios of held bytes and time to SPEC's (libc, ...)\n"
		"      --sites[=N]              the top N (10) call sites of recorded traces: peak,\n"
		"                               leaks at exit, fragmentation on each policy\n"
		"      --timeline=FILE          write samples over each replay as CSV\n"
		"      --plot=FILE              draw live, held and VSZ over each replay as SVG\n"
		"      --verify                 fill every chunk with a pattern and check it\n"
		"  -q, --quiet                  no progress bar\n"
		"  -h, --help                   show this help\n"
		"  -V, --version                show the version\n"
		"\n"
		"A TRACE is a file, plain or gzip-compressed, or - for standard input.\n"
		"Exit status: 0 when all went well, 1 when a replay failed, 2 for bad input.\n"
		"See pagealloc-trace(1) and pagealloc-trace(5).\n");
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Say what is wrong in one line (fmt NULL: getopt said it, and the
 * synopsis follows); status 2. */
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, PROGRAM ": ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	} else {
		fputs("Usage: " PROGRAM " [OPTIONS] TRACE... (" PROGRAM " --help for more)\n", stderr);
	}
	return 2;
}

/* The one line about a spec that --policy refuses: the spec, and why. */
static int bad_policy(const char *spec)
{
	struct pagealloc_config cfg;
	char why[400];

	if (pa_config_why(&cfg, spec, why, sizeof(why)) == 0)
		snprintf(why, sizeof(why), "not a policy");
	return bad_usage("bad policy '%s': %s%s", spec, why,
			 strncmp(why, "unknown policy", 14) ? "" : TRACE_OTHER_TARGETS);
}

/* Every spec within the limits that every policy shares (granule, page_size). */
static int check_limits(const struct options *o)
{
	struct pagealloc_config cfg;
	char why[400];
	size_t k;

	for (k = 0; k < o->nspecs; k++)
		if (trace_spec_is_pagealloc(o->specs[k].spec) &&
		    pa_config_why(&cfg, o->specs[k].spec, why, sizeof(why)))
			return bad_usage("bad policy '%s': %s", o->specs[k].spec, why);
	return 0;
}

/* The --baseline spec first among the specs (added if not there): each
 * trace replays on it first, so every row of the trace has its ratios. */
static int baseline_first(struct options *o)
{
	struct trace_spec one;
	char bad[256];
	size_t k;

	for (k = 0; k < o->nspecs && strcmp(o->specs[k].spec, o->baseline); k++)
		;
	if (k == o->nspecs) {
		if (strchr(o->baseline, ',') && !strchr(o->baseline, ':'))
			return bad_usage("--baseline takes one spec, not '%s'", o->baseline);
		if (trace_specs_split(o->baseline, &o->specs, &o->nspecs, bad, sizeof(bad)))
			return bad_policy(bad);
		k = o->nspecs - 1;
	}
	one = o->specs[k];
	memmove(o->specs + 1, o->specs, k * sizeof(*o->specs));
	o->specs[0] = one;
	return 0;
}

/* "libc" replays on this process's malloc: say so when LD_PRELOAD put
 * another there, which the row, named libc, would otherwise hide. */
static void note_preloaded_libc(const struct options *o)
{
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info di;
	size_t k;

	for (k = 0; k < o->nspecs && strcmp(o->specs[k].spec, "libc"); k++)
		;
	if (k < o->nspecs && m && dladdr(m, &di) && di.dli_fname && !strstr(di.dli_fname, "/libc.so"))
		fprintf(stderr, PROGRAM ": note: libc is the malloc of %s here (LD_PRELOAD); "
			"-p mimalloc, jemalloc, tcmalloc or NAME=PATH.so name a malloc in its row\n",
			di.dli_fname);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "csv", no_argument, NULL, 'C' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "sites", optional_argument, NULL, 'S' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "plot", required_argument, NULL, 'P' },
		{ "verify", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char bad[256];
	int c;

	while ((c = getopt_long(argc, argv, "p:f:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (trace_specs_split(optarg, &o->specs, &o->nspecs, bad, sizeof(bad)))
				return bad_policy(bad);
			break;
		case 'f':
			if (trace_format_parse(optarg, &o->format))
				return bad_usage("bad format '%s' (native, rep or auto)", optarg);
			break;
		case 'J':
		case 'C':
			if (o->output != TABLE)
				return bad_usage("--json and --csv go one at a time");
			o->output = c == 'J' ? JSON : CSV;
			break;
		case 'B':
			o->baseline = optarg;
			break;
		case 'S':
			o->sites = 10;
			if (optarg && (sscanf(optarg, "%zu%c", &o->sites, &(char){ 0 }) != 1 || !o->sites))
				return bad_usage("bad --sites '%s' (a number of call sites, at least 1)", optarg);
			break;
		case 'T':
			o->timeline = optarg;
			break;
		case 'P':
			o->plot = optarg;
			break;
		case 'v':
			o->verify = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(PROGRAM " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			exit(0);
		default:
			return bad_usage(NULL);
		}
	}
	if (optind == argc)
		return bad_usage("no trace given");
	if (!o->nspecs && trace_specs_split("all", &o->specs, &o->nspecs, bad, sizeof(bad)))
		return 1;
	if (o->baseline && baseline_first(o))
		return 2;
	return check_limits(o);
}

/* ---- the progress line: in the replay's child, on stderr ---- */

struct progress {
	const char *trace, *spec;
	size_t n, m;			/* this is replay n of m */
	double start;			/* when the first began, in seconds */
	size_t work_before, work, work_all;	/* operations: done before this replay, its, all */
};

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "[3 of 14, ETA 1:05] gcc-cc1.trace.gz elastic [######   ]  40%" */
static void show_progress(void *arg, size_t done, size_t total)
{
	const struct progress *p = arg;
	const char *base = strrchr(p->trace, '/');
	static const char bar[] = "####################";
	double frac = total ? (double)done / (double)total : 1;
	double all = p->work_all ? ((double)p->work_before + frac * (double)p->work) / (double)p->work_all : 1;
	double spent = seconds() - p->start;
	char eta[32] = "--:--";
	int width = (int)(20 * frac);

	if (all > 0.01 && spent > 0.5) {
		long left = (long)(spent * (1 - all) / all + 0.5);
		snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
	}
	fprintf(stderr, "\r[%zu of %zu, ETA %s] %.30s %.30s [%-20.*s] %3d%%\033[K", p->n, p->m, eta,
		base ? base + 1 : p->trace, p->spec, width, bar, (int)(100 * frac));
}

/* Say what went wrong with a row; 1 when it makes the exit status 1. */
static int report_failure(const struct row *r, int from_all)
{
	if (r->res.line)
		fprintf(stderr, "%s:%lu: %s: %s\n", r->trace, r->res.line, r->spec, r->res.msg);
	else
		fprintf(stderr, PROGRAM ": %s: %s: %s\n", r->trace, r->spec, r->res.msg);
	/* "all" names the policies that exist: one not written yet is no failure */
	return !(from_all && r->res.err == ENOSYS);
}

/* The rows, one per trace and spec, before anything runs: the table's
 * widths, each row's baseline, the basename of the trace unless two
 * traces share one. */
static void prepare_rows(const struct options *o, const struct trace *traces, size_t ntraces,
			 struct row *rows)
{
	size_t i, j, k;

	for (i = 0; i < ntraces; i++) {
		const char *name = traces[i].name, *slash = strrchr(name, '/');
		const char *label = slash ? slash + 1 : name;
		for (j = 0; j < ntraces; j++) {
			const char *other = strrchr(traces[j].name, '/');
			if (strcmp(traces[j].name, name) &&
			    !strcmp(other ? other + 1 : traces[j].name, label))
				label = name;
		}
		for (k = 0; k < o->nspecs; k++) {
			struct row *r = &rows[i * o->nspecs + k];
			r->trace = name;
			r->label = label;
			r->spec = o->specs[k].spec;
			r->first_of_spec = i == 0;
			r->base = o->baseline ? &rows[i * o->nspecs] : NULL;
		}
	}
}

static int replay_all(const struct options *o, struct trace *traces, size_t ntraces, struct row *rows)
{
	int bar = !o->quiet && isatty(STDERR_FILENO), failed = 0;
	size_t max_samples = o->timeline || o->plot ? TIMELINE_POINTS : 0;
	struct progress p = { 0 };
	struct table tab;
	size_t i, k;

	p.m = ntraces * o->nspecs;
	p.start = seconds();
	for (i = 0; i < ntraces; i++)
		p.work_all += traces[i].nops * o->nspecs;
	if (o->output == TABLE && p.m)
		output_table_begin(stdout, &tab, rows, p.m, o->baseline != NULL);
	for (i = 0; i < ntraces; i++) {
		for (k = 0; k < o->nspecs; k++) {
			struct row *r = &rows[i * o->nspecs + k];
			p.trace = r->trace;
			p.spec = r->spec;
			p.n = i * o->nspecs + k + 1;
			p.work = traces[i].nops;
			r->ok = trace_run(&traces[i], r->spec,
					  (o->verify ? TRACE_VERIFY : 0) | (o->sites ? TRACE_SITES : 0), max_samples,
					  &r->res, bar ? show_progress : NULL, &p) == 0;
			p.work_before += p.work;
			if (bar)
				fputs("\r\033[K", stderr);
			if (!r->ok)
				failed |= report_failure(r, o->specs[k].from_all);
			if (o->output == TABLE)
				output_table_row(stdout, &tab, r);
		}
		output_table_ranking(o->output == TABLE ? stdout : NULL, &rows[i * o->nspecs], o->nspecs);
		if (o->output == TABLE && o->sites)
			output_sites(stdout, &traces[i], &rows[i * o->nspecs], o->nspecs, o->sites);
	}
	if (o->output == TABLE && p.m)
		output_table_end(stdout, &tab, rows, p.m, o->baseline);
	return failed;
}

static void print_report(const struct options *o, const struct row *rows, size_t n)
{
	if (o->output == JSON)
		output_json(stdout, rows, n);
	else if (o->output == CSV)
		output_csv(stdout, rows, n);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct trace *traces;
	struct trace_error err;
	struct row *rows;
	size_t ntraces = 0, nrows = 0, i;
	int status = 0, r;

	trace_child_main(argc, argv);	/* a replay on another malloc: does not return */
	if (argc > 1 && !strcmp(argv[1], "record"))
		return record_main(argc - 1, argv + 1);
	r = parse_options(argc, argv, &o);
	if (r)
		return r;
	note_preloaded_libc(&o);
	traces = calloc((size_t)(argc - optind), sizeof(*traces));
	rows = calloc((size_t)(argc - optind) * o.nspecs, sizeof(*rows));
	if (!traces || !rows) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		return 1;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (trace_load(&traces[ntraces], argv[i], o.format, &err)) {
			fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
			status = 2;
		} else {
			ntraces++;
		}
	}
	nrows = ntraces * o.nspecs;
	prepare_rows(&o, traces, ntraces, rows);
	if (replay_all(&o, traces, ntraces, rows) && !status)
		status = 1;
	print_report(&o, rows, nrows);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROGRAM ": standard output: write error\n");
		status = status ? status : 1;
	}
	if ((o.timeline && output_timeline(o.timeline, rows, nrows)) ||
	    (o.plot && output_plot(o.plot, rows, nrows)))
		status = status ? status : 1;
	for (i = 0; i < nrows; i++)
		trace_result_release(&rows[i].res);
	for (i = 0; i < ntraces; i++)
		trace_release(&traces[i]);
	for (i = 0; i < o.nspecs; i++)
		free(o.specs[i].spec);
	free(o.specs);
	free(rows);
	free(traces);
	return status;
}
