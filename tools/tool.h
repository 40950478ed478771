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
};

/* output.c: the report in each format, and the timeline and plot files. */
void output_table(FILE *f, const struct row *rows, size_t n);
void output_json(FILE *f, const struct row *rows, size_t n);
void output_csv(FILE *f, const struct row *rows, size_t n);
int output_timeline(const char *path, const struct row *rows, size_t n);
int output_plot(const char *path, const struct row *rows, size_t n);

/* record.c: `pagealloc-trace record ...`; the exit status. */
int record_main(int argc, char **argv);

#endif
