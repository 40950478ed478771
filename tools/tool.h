/*
 * tool.h - what the parts of the pagealloc-trace program share (the engine
 * itself is trace.h).
 */
#ifndef PAGEALLOC_TRACE_TOOL_H
#define PAGEALLOC_TRACE_TOOL_H

#include <stdio.h>

#include "trace.h"

#define PROGRAM "pagealloc-trace"

/* One replay of the report: a trace on a policy, or why it did not run. */
struct row {
	const char *trace;
	const char *spec;
	int ok;
	struct trace_result res;
	const char *label;		/* the trace in the table: its basename, or NULL */
	const struct row *base;		/* the baseline's row of the same trace, or NULL */
	int first_of_spec;		/* the spec's first row */
	int rank;			/* in its trace, from 1; 0 for none (output_table_ranking) */
};

/* The table's column widths, fixed before the first row is printed. */
struct table {
	int w[16];			/* NCOLS of output.c */
	int baseline;			/* the ratio columns */
};

/* output.c: the report in each format, and the timeline and plot files.
 * The table: begin (the header, widths from the labels and specs of all
 * rows), a row as each replay ends, a ranking after each trace, the end
 * (totals across traces, the legend). */
void output_table_begin(FILE *f, struct table *t, const struct row *rows, size_t n, int baseline);
void output_table_row(FILE *f, const struct table *t, const struct row *r);
void output_table_ranking(FILE *f, struct row *rows, size_t n);
void output_table_end(FILE *f, const struct table *t, const struct row *rows, size_t n,
		      const char *baseline);
void output_json(FILE *f, const struct row *rows, size_t n);
void output_csv(FILE *f, const struct row *rows, size_t n);
int output_timeline(const char *path, const struct row *rows, size_t n);
int output_plot(const char *path, const struct row *rows, size_t n);

/* "812 B", "1.5 MiB": bytes as the table shows them. */
const char *output_bytes(char *buf, size_t len, size_t bytes);

/* sites.c: the call-site report of one trace (rows: its replays). */
void output_sites(FILE *f, const struct trace *t, const struct row *rows, size_t n, size_t top);

/* record.c: `pagealloc-trace record ...`; the exit status. */
int record_main(int argc, char **argv);

#endif
