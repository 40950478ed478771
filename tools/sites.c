/*
 * sites.c - the call-site report of pagealloc-trace --sites: for the top
 * call sites of a recorded trace (its "@HASH" marks), how many chunks
 * each allocated, its peak live bytes, what it held at the trace's peak,
 * what it left live at exit (leaks), and on each allocator the internal
 * fragmentation of its chunks at the peak (from the usable sizes the
 * figure replay brought back, TRACE_SITES).
 *
 * It runs after the replays, in the parent: malloc is free to use here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

struct site {
	uint64_t hash;		/* 0: allocations without a site */
	size_t allocs, live, peak, at_peak, leaked, leaked_bytes;
	size_t *usable;		/* per row: usable bytes of its chunks at the peak */
};

struct sites {
	struct site *v;
	size_t n, cap;
	size_t *index;		/* open addressing over v, SIZE_MAX empty */
	size_t index_cap;
	size_t nrows;
};

static size_t slot_of(const struct sites *s, uint64_t hash)
{
	return (size_t)(hash * 0x9E3779B97F4A7C15ull >> 7) & (s->index_cap - 1);
}

/* The site of hash, added when new; NULL when out of memory. */
static struct site *site_get(struct sites *s, uint64_t hash)
{
	size_t i, k;

	if (2 * (s->n + 1) > s->index_cap) {
		size_t cap = s->index_cap ? 2 * s->index_cap : 256, *idx = malloc(cap * sizeof(*idx));
		if (!idx)
			return NULL;
		memset(idx, 0xff, cap * sizeof(*idx));
		free(s->index);
		s->index = idx;
		s->index_cap = cap;
		for (k = 0; k < s->n; k++) {
			for (i = slot_of(s, s->v[k].hash); s->index[i] != SIZE_MAX; i = (i + 1) & (cap - 1))
				;
			s->index[i] = k;
		}
	}
	for (i = slot_of(s, hash); s->index[i] != SIZE_MAX; i = (i + 1) & (s->index_cap - 1))
		if (s->v[s->index[i]].hash == hash)
			return &s->v[s->index[i]];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct site *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = (struct site){ .hash = hash, .usable = calloc(s->nrows ? s->nrows : 1, sizeof(size_t)) };
	if (!s->v[s->n].usable)
		return NULL;
	s->index[i] = s->n;
	return &s->v[s->n++];
}

static const char *site_name(const struct trace *t, uint64_t hash)
{
	size_t i;

	for (i = 0; i < t->nsite_names; i++)
		if (t->site_names[i].hash == hash)
			return t->site_names[i].name;
	return NULL;
}

static int by_peak(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->peak < y->peak ? 1 : x->peak > y->peak ? -1 : x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The peak at which the rows' usable sizes were read: that of a row
 * where every allocation succeeded (the rows where some failed peak
 * elsewhere, on other chunks, and get no figure). */
static size_t peak_op(const struct row *rows, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (rows[k].ok && !rows[k].res.fig.failed)
			return rows[k].res.fig.peak_live_op;
	return 0;
}

/* Walk the trace: each slot's site and size, each site's figures. */
static int walk(struct sites *s, const struct trace *t, const struct row *rows, size_t n, size_t peak)
{
	struct site **slot_site = calloc(t->nslots ? t->nslots : 1, sizeof(*slot_site));
	size_t *slot_size = calloc(t->nslots ? t->nslots : 1, sizeof(*slot_size));
	size_t i, k, sl;

	if (!slot_site || !slot_size)
		goto fail;
	for (i = 0; i < t->nops; i++) {
		const struct trace_op *op = &t->ops[i];
		struct site *st = slot_site[op->slot];
		size_t size = op->size == SIZE_MAX ? 0 : op->size;
		switch (op->kind) {
		case TRACE_ALLOC:
		case TRACE_CALLOC:
			st = slot_site[op->slot] = site_get(s, t->sites ? t->sites[i] : 0);
			if (!st)
				goto fail;
			st->allocs++;
			st->live += size;
			slot_size[op->slot] = size;
			break;
		case TRACE_REALLOC:
			st->live = st->live - slot_size[op->slot] + size;
			slot_size[op->slot] = size;
			break;
		default:
			st->live -= slot_size[op->slot];
			slot_size[op->slot] = 0;
			slot_site[op->slot] = NULL;
			break;
		}
		if (st && st->live > st->peak)
			st->peak = st->live;
		if (i + 1 != peak)
			continue;
		for (sl = 0; sl < t->nslots; sl++) {
			if (!slot_site[sl])
				continue;
			slot_site[sl]->at_peak += slot_size[sl];
			for (k = 0; k < n; k++)
				if (rows[k].ok && !rows[k].res.fig.failed && rows[k].res.npeak_usable == t->nslots)
					slot_site[sl]->usable[k] += rows[k].res.peak_usable[sl];
		}
	}
	for (sl = 0; sl < t->nslots; sl++) {
		if (slot_site[sl]) {
			slot_site[sl]->leaked++;
			slot_site[sl]->leaked_bytes += slot_size[sl];
		}
	}
	free(slot_site);
	free(slot_size);
	return 0;
fail:
	free(slot_site);
	free(slot_size);
	return -1;
}

/* "12.5%": the usable bytes beyond those requested, of those requested. */
static void frag_cell(char *buf, size_t len, const struct row *r, size_t usable, size_t requested)
{
	if (!r->ok || r->res.fig.failed || !r->res.npeak_usable || !requested || usable < requested)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)(usable - requested) / (double)requested);
}

void output_sites(FILE *out, const struct trace *t, const struct row *rows, size_t n, size_t top)
{
	struct sites s = { .nrows = n };
	size_t i, k, peak = peak_op(rows, n), w;
	char a[32], b[32], c[32], d[64], f[32];
	const char *label = n && rows[0].label ? rows[0].label : t->name;

	if (!t->sites) {
		fprintf(out, "%s  call sites: none recorded (pagealloc-trace record writes them)\n", label);
		return;
	}
	fputc('\n', out);
	if (walk(&s, t, rows, n, peak)) {
		fprintf(out, "%s  call sites: out of memory\n", label);
		goto done;
	}
	qsort(s.v, s.n, sizeof(*s.v), by_peak);
	fprintf(out, "%s: the top %zu of %zu call sites, by peak live bytes\n", label,
		top < s.n ? top : s.n, s.n);
	fprintf(out, "  %-16s  %9s  %10s  %10s  %18s", "site", "allocs", "peak live", "at peak", "leaked at exit");
	for (k = 0; k < n; k++) {
		w = strlen(rows[k].spec) > 8 ? strlen(rows[k].spec) : 8;
		fprintf(out, "  %*s", (int)w, rows[k].spec);
	}
	fputc('\n', out);
	for (i = 0; i < s.n && i < top; i++) {
		const struct site *st = &s.v[i];
		const char *name = site_name(t, st->hash);
		char hash[20];
		if (st->hash)
			snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)st->hash);
		else
			snprintf(hash, sizeof(hash), "(none)");
		snprintf(d, sizeof(d), "%zu, %s", st->leaked, output_bytes(c, sizeof(c), st->leaked_bytes));
		fprintf(out, "  %-16s  %9zu  %10s  %10s  %18s", hash, st->allocs,
			output_bytes(a, sizeof(a), st->peak), output_bytes(b, sizeof(b), st->at_peak), d);
		for (k = 0; k < n; k++) {
			w = strlen(rows[k].spec) > 8 ? strlen(rows[k].spec) : 8;
			frag_cell(f, sizeof(f), &rows[k], st->usable[k], st->at_peak);
			fprintf(out, "  %*s", (int)w, f);
		}
		fputc('\n', out);
		if (name)
			fprintf(out, "    %s\n", name);
	}
	fputs("  peak live: the most the site's chunks held live at once; at peak: at the trace's peak;\n"
	      "  leaked at exit: chunks and bytes still live at the end; per policy: the usable bytes of\n"
	      "  the site's chunks at the peak beyond those requested (-: nothing of the site live at\n"
	      "  the peak, or the policy's allocations failed).\n\n", out);
done:
	for (i = 0; i < s.n; i++)
		free(s.v[i].usable);
	free(s.v);
	free(s.index);
}
