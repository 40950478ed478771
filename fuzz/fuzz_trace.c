/*
 * fuzz_trace.c - libFuzzer harness for the trace parser of pagealloc-trace
 * (tools/trace.h).  The first byte picks the format (auto, native, rep) and
 * whether the text goes through trace_load (a memfd, so gzip data is read
 * as a file would be: any input starting with the gzip magic does); the
 * rest is the trace.  A refused trace says why; an accepted one must be
 * consistent: every operation's slot below nslots, allocated when free and
 * freed or resized when live, lines in order, and peak_requested the peak
 * of the live payload.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace.h"

#define expect(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_trace.c:%d: expected %s\n", __LINE__, #cond); \
	abort(); } } while (0)

/* Parse through a file, as pagealloc-trace reads one. */
static int load(struct trace *t, const uint8_t *text, size_t len, enum trace_format fmt,
		struct trace_error *err)
{
	char path[64];
	int fd = memfd_create("trace", 0), r;

	expect(fd >= 0);
	expect(write(fd, text, len) == (ssize_t)len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = trace_load(t, path, fmt, err);
	close(fd);
	return r;
}

/* The operations replay on slots as the trace's IDs would. */
static void consistent(const struct trace *t)
{
	size_t *live = calloc(t->nslots + 1, sizeof(size_t)), sum = 0, peak = 0, i;
	const size_t gone = SIZE_MAX;	/* a free slot */

	expect(live);
	for (i = 0; i <= t->nslots; i++)
		live[i] = gone;
	expect(t->format == TRACE_NATIVE || t->format == TRACE_REP);
	for (i = 0; i < t->nops; i++) {
		const struct trace_op *op = &t->ops[i];
		size_t now = op->kind == TRACE_FREE || op->size == SIZE_MAX ? 0 : op->size;

		expect(op->kind <= TRACE_FREE && op->slot < t->nslots);
		expect(t->lines[i] >= 1 && (i == 0 || t->lines[i] > t->lines[i - 1]));
		if (op->kind == TRACE_ALLOC || op->kind == TRACE_CALLOC)
			expect(live[op->slot] == gone);
		else
			expect(live[op->slot] != gone);
		sum = sum - (live[op->slot] == gone ? 0 : live[op->slot]) + now;
		live[op->slot] = op->kind == TRACE_FREE ? gone : now;
		if (sum > peak)
			peak = sum;
	}
	expect(peak == t->peak_requested);
	free(live);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum trace_format formats[] = { TRACE_AUTO, TRACE_NATIVE, TRACE_REP, TRACE_AUTO };
	struct trace t;
	struct trace_error err;
	enum trace_format fmt;
	int r;

	if (!size)
		return 0;
	fmt = formats[data[0] & 3];
	if (data[0] & 4 || (size > 2 && data[1] == 0x1f && data[2] == 0x8b))
		r = load(&t, data + 1, size - 1, fmt, &err);
	else
		r = trace_parse(&t, "fuzz", (const char *)data + 1, size - 1, fmt, &err);
	if (r) {
		expect(err.msg[0] != '\0' && strlen(err.msg) < sizeof(err.msg));
		return 0;
	}
	consistent(&t);
	trace_release(&t);
	return 0;
}
