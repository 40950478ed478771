/*
 * output.c - the report: an aligned table for a person, JSON, CSV; the
 * timeline CSV and the SVG plot.  Every figure but the times comes out the
 * same on every run, so the numbers are printed with fixed precision.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* ---- figures as text ---- */

static const char *human(char *buf, size_t len, size_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%zu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *output_bytes(char *buf, size_t len, size_t bytes)
{
	return human(buf, len, bytes);
}

static double utilization(const struct trace_figures *f)
{
	return f->peak_held ? (double)f->peak_live / (double)f->peak_held : 0.0;
}

/* mdriver's (CS:APP malloc lab): peak payload over the heap's high-water mark. */
static double mdriver_utilization(const struct trace_figures *f)
{
	return f->high_water ? (double)f->peak_live / (double)f->high_water : 0.0;
}

static int os_known(const struct trace_figures *f)
{
	return f->os_map != TRACE_UNKNOWN;
}

static size_t os_calls(const struct trace_figures *f)
{
	return f->os_map + f->os_unmap + f->os_brk;
}

/* ---- the table: a row as each replay ends, then rankings and totals ---- */

#define NCOLS 16
#define CELL 512	/* the spec as given, in full */

static const char *const heads[NCOLS] = {
	"trace", "policy", "ops", "failed", "peak live", "peak held", "util",
	"int frag", "ext frag", "VSZ growth", "RSS growth", "OS calls", "ns/op",
	"mdriver util", "held/base", "time/base",
};

/* Widths of the number columns, so a row can be printed before the next ends. */
static const int min_width[NCOLS] = { 0, 0, 9, 9, 10, 10, 6, 10, 8, 10, 10, 8, 7, 12, 9, 9 };

static void ratio_cell(char *c, double num, double den)
{
	if (den > 0)
		snprintf(c, CELL, "%.2fx", num / den);
	else
		snprintf(c, CELL, "-");
}

/* The cells of the figures f of a row; base: the baseline's, or NULL. */
static void figure_cells(const struct trace_figures *f, const struct trace_figures *base,
			 char c[NCOLS][CELL])
{
	snprintf(c[2], CELL, "%zu", f->ops);
	snprintf(c[3], CELL, f->failed ? "%zu !" : "%zu", f->failed);
	human(c[4], CELL, f->peak_live);
	human(c[5], CELL, f->peak_held);
	snprintf(c[6], CELL, "%.1f%%", 100 * utilization(f));
	human(c[7], CELL, f->internal_frag);
	if (f->external_frag < 0)
		snprintf(c[8], CELL, "-");
	else
		snprintf(c[8], CELL, "%.3f", f->external_frag);
	human(c[9], CELL, f->vsz_growth);
	human(c[10], CELL, f->rss_growth);
	if (os_known(f))
		snprintf(c[11], CELL, "%zu", os_calls(f));
	else
		snprintf(c[11], CELL, "-");
	snprintf(c[12], CELL, "%.1f", f->ns_per_op);
	snprintf(c[13], CELL, "%.1f%%", 100 * mdriver_utilization(f));
	if (base) {
		ratio_cell(c[14], (double)f->peak_held, (double)base->peak_held);
		ratio_cell(c[15], f->ns_per_op, base->ns_per_op);
	}
}

/* The cells of one row; an error row has only trace, policy and message. */
static void cells(const struct row *r, char c[NCOLS][CELL])
{
	snprintf(c[0], CELL, "%s", r->label ? r->label : r->trace);
	snprintf(c[1], CELL, "%s", r->spec);
	if (r->ok)
		figure_cells(&r->res.fig, r->base && r->base->ok ? &r->base->res.fig : NULL, c);
}

static void total_label(char *buf, size_t len, size_t ran, size_t ntraces)
{
	snprintf(buf, len, "total, %zu of %zu traces", ran, ntraces);
}

static int ncols(const struct table *t)
{
	return t->baseline ? NCOLS : NCOLS - 2;
}

static void put_cells(FILE *out, const struct table *t, char c[NCOLS][CELL])
{
	int k, n = ncols(t);

	/* text left, numbers right */
	for (k = 0; k < n; k++)
		fprintf(out, k < 2 ? "%-*s%s" : "%*s%s", t->w[k], c[k], k + 1 < n ? "  " : "\n");
}

void output_table_begin(FILE *out, struct table *t, const struct row *rows, size_t n, int baseline)
{
	char c[NCOLS][CELL], total[64];
	size_t i, ntraces = 0;
	int k;

	t->baseline = baseline;
	for (k = 0; k < NCOLS; k++) {
		t->w[k] = (int)strlen(heads[k]);
		if (t->w[k] < min_width[k])
			t->w[k] = min_width[k];
	}
	for (i = 0; i < n; i++) {
		const char *label = rows[i].label ? rows[i].label : rows[i].trace;
		if ((int)strlen(label) > t->w[0])
			t->w[0] = (int)strlen(label);
		if ((int)strlen(rows[i].spec) > t->w[1])
			t->w[1] = (int)strlen(rows[i].spec);
		ntraces += i == 0 || strcmp(rows[i].trace, rows[i - 1].trace);
	}
	total_label(total, sizeof(total), ntraces, ntraces);
	if (ntraces > 1 && (int)strlen(total) > t->w[0])
		t->w[0] = (int)strlen(total);
	for (k = 0; k < NCOLS; k++)
		snprintf(c[k], CELL, "%s", heads[k]);
	put_cells(out, t, c);
}

void output_table_row(FILE *out, const struct table *t, const struct row *r)
{
	char c[NCOLS][CELL];

	memset(c, 0, sizeof(c));
	cells(r, c);
	if (!r->ok)
		fprintf(out, "%-*s  %-*s  error: %s\n", t->w[0], c[0], t->w[1], c[1], r->res.msg);
	else
		put_cells(out, t, c);
	fflush(out);
}

/* The unranked row that ranks next: complete rows by utilization, or
 * (apart) rows with failed allocations by how few failed; n if none. */
static size_t next_best(const struct row *rows, size_t n, int apart)
{
	size_t i, best = n;

	for (i = 0; i < n; i++) {
		const struct trace_figures *f = &rows[i].res.fig;
		if (!rows[i].ok || rows[i].rank || (f->failed != 0) != apart)
			continue;
		if (best == n || (apart ? f->failed < rows[best].res.fig.failed
					: utilization(f) > utilization(&rows[best].res.fig)))
			best = i;
	}
	return best;
}

/*
 * After the rows of one trace: its ranking by utilization.  A row where
 * allocations failed held less because it did less: it is ranked apart,
 * after the others, by how many failed.
 */
void output_table_ranking(FILE *out, struct row *rows, size_t n)	/* out NULL: rank only */
{
	const char *label = n && rows[0].label ? rows[0].label : n ? rows[0].trace : "";
	size_t i, best;
	int apart, first, ranked = 0;

	for (i = 0; i < n; i++)
		rows[i].rank = 0;
	for (apart = 0; apart < 2; apart++) {
		for (first = 1; (best = next_best(rows, n, apart)) < n; first = 0) {
			const struct trace_figures *f = &rows[best].res.fig;
			rows[best].rank = ++ranked;
			if (!out || n < 2)
				continue;
			if (first)
				fprintf(out, apart ? "%s  ranked apart, allocations failed (!):"
						   : "%s  ranked by utilization:", label);
			fprintf(out, "%s %d %s ", first ? "" : ",", ranked, rows[best].spec);
			if (apart)
				fprintf(out, "(%zu failed)", f->failed);
			else
				fprintf(out, "%.1f%%", 100 * utilization(f));
		}
		if (!first && out && n > 1)
			fputc('\n', out);
	}
	if (out)
		fflush(out);
}

/*
 * After every trace: per policy, the sum over the traces it ran on (a
 * utilization of the summed live and held bytes, a time weighted by the
 * operations), and the legend.
 */
void output_table_end(FILE *out, const struct table *t, const struct row *rows, size_t n,
		      const char *baseline)
{
	char c[NCOLS][CELL], label[64];
	struct trace_figures base = { 0 };
	size_t i, j, ntraces = 0;
	int pass;

	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(rows[i].trace, rows[i - 1].trace))
			ntraces++;
	/* pass 0 sums the baseline's rows, pass 1 prints every policy's */
	for (pass = baseline ? 0 : 1; ntraces > 1 && pass < 2; pass++) {
		if (pass)
			fputc('\n', out);
		for (i = 0; i < n; i++) {
			struct trace_figures sum = { 0 };
			double ns = 0;
			size_t ran = 0, known = 1;
			if (!rows[i].first_of_spec || (!pass && strcmp(rows[i].spec, baseline)))
				continue;
			for (j = i; j < n; j++) {
				const struct trace_figures *f = &rows[j].res.fig;
				if (strcmp(rows[j].spec, rows[i].spec) || !rows[j].ok)
					continue;
				ran++;
				sum.ops += f->ops;
				sum.failed += f->failed;
				sum.peak_live += f->peak_live;
				sum.peak_held += f->peak_held;
				sum.internal_frag += f->internal_frag;
				sum.vsz_growth += f->vsz_growth;
				sum.rss_growth += f->rss_growth;
				known &= os_known(f);
				sum.os_map += known ? f->os_map : 0;
				sum.os_unmap += known ? f->os_unmap : 0;
				sum.os_brk += known ? f->os_brk : 0;
				ns += f->ns_per_op * (double)f->ops;
			}
			sum.external_frag = -1;
			if (!known)
				sum.os_map = TRACE_UNKNOWN;
			sum.ns_per_op = sum.ops ? ns / (double)sum.ops : 0;
			if (!pass) {
				base = sum;
				break;
			}
			if (!ran)
				continue;
			memset(c, 0, sizeof(c));
			total_label(label, sizeof(label), ran, ntraces);
			snprintf(c[0], CELL, "%s", label);
			snprintf(c[1], CELL, "%s", rows[i].spec);
			figure_cells(&sum, baseline ? &base : NULL, c);
			put_cells(out, t, c);
		}
	}
	if (ntraces > 1)
		fputs("\ntotal: the sums over the traces (util of the summed bytes, ns/op weighted by ops);", out);
	fputs("\nfailed: allocations that returned NULL (! ranked apart: it held less because it did less);\n"
	      "peak live: most bytes requested live at once; peak held: most bytes held from the system;\n"
	      "util: peak live / peak held; int frag: usable minus requested bytes at peak live;\n"
	      "ext frag: 1 - largest free / all free at peak live; VSZ, RSS growth: of the replay's process;\n"
	      "OS calls: mmap, munmap, brk; ns/op: time of the timed replay per operation;\n"
	      "mdriver util: peak live / the high-water mark of the heap, metadata included (CS:APP's); - unknown", out);
	if (t->baseline)
		fprintf(out, ";\nheld/base, time/base: peak held and ns/op divided by %s's on the same trace", baseline);
	fputs(".\n", out);
}

/* ---- JSON and CSV: one record per row, the same fields ---- */

enum field_kind { F_TEXT, F_COUNT, F_RATIO, F_TIME };

struct field {
	const char *key;
	enum field_kind kind;
	const char *text;	/* F_TEXT; NULL: null */
	size_t count;		/* F_COUNT; TRACE_UNKNOWN: null */
	double value;		/* F_RATIO (<0: null), F_TIME */
};

#define NFIELDS 23

/* The fields of a row; those a failed row lacks are null. */
static void fields(const struct row *r, struct field fl[NFIELDS])
{
	const struct trace_figures *f = &r->res.fig;
	size_t unknown = TRACE_UNKNOWN;
	int ok = r->ok, base_ok = ok && r->base && r->base->ok;

	fl[0] = (struct field){ "trace", F_TEXT, r->trace, 0, 0 };
	fl[1] = (struct field){ "policy", F_TEXT, r->spec, 0, 0 };
	fl[2] = (struct field){ "ops", F_COUNT, 0, ok ? f->ops : unknown, 0 };
	fl[3] = (struct field){ "failed", F_COUNT, 0, ok ? f->failed : unknown, 0 };
	fl[4] = (struct field){ "peak_live_bytes", F_COUNT, 0, ok ? f->peak_live : unknown, 0 };
	fl[5] = (struct field){ "peak_held_bytes", F_COUNT, 0, ok ? f->peak_held : unknown, 0 };
	fl[6] = (struct field){ "utilization", F_RATIO, 0, 0, ok ? utilization(f) : -1 };
	fl[7] = (struct field){ "internal_frag_bytes", F_COUNT, 0, ok ? f->internal_frag : unknown, 0 };
	fl[8] = (struct field){ "external_frag", F_RATIO, 0, 0, ok ? f->external_frag : -1 };
	fl[9] = (struct field){ "vsz_growth_bytes", F_COUNT, 0, ok ? f->vsz_growth : unknown, 0 };
	fl[10] = (struct field){ "rss_growth_bytes", F_COUNT, 0, ok ? f->rss_growth : unknown, 0 };
	fl[11] = (struct field){ "os_calls", F_COUNT, 0, ok && os_known(f) ? os_calls(f) : unknown, 0 };
	fl[12] = (struct field){ "os_map_calls", F_COUNT, 0, ok ? f->os_map : unknown, 0 };
	fl[13] = (struct field){ "os_unmap_calls", F_COUNT, 0, ok ? f->os_unmap : unknown, 0 };
	fl[14] = (struct field){ "os_brk_calls", F_COUNT, 0, ok ? f->os_brk : unknown, 0 };
	fl[15] = (struct field){ "ns_per_op", F_TIME, 0, 0, ok ? f->ns_per_op : -1 };
	fl[16] = (struct field){ "ops_per_sec", F_TIME, 0, 0,
				 ok && f->ns_per_op > 0 ? 1e9 / f->ns_per_op : -1 };
	fl[17] = (struct field){ "error", F_TEXT, ok ? NULL : r->res.msg, 0, 0 };
	fl[18] = (struct field){ "mdriver_utilization", F_RATIO, 0, 0, ok ? mdriver_utilization(f) : -1 };
	fl[19] = (struct field){ "rank", F_COUNT, 0, ok && r->rank ? (size_t)r->rank : unknown, 0 };
	fl[20] = (struct field){ "baseline", F_TEXT, r->base ? r->base->spec : NULL, 0, 0 };
	fl[21] = (struct field){ "held_vs_baseline", F_RATIO, 0, 0,
				 base_ok && r->base->res.fig.peak_held
				 ? (double)f->peak_held / (double)r->base->res.fig.peak_held : -1 };
	fl[22] = (struct field){ "time_vs_baseline", F_RATIO, 0, 0,
				 base_ok && r->base->res.fig.ns_per_op > 0
				 ? f->ns_per_op / r->base->res.fig.ns_per_op : -1 };
}

static int is_null(const struct field *fl)
{
	switch (fl->kind) {
	case F_TEXT:
		return !fl->text;
	case F_COUNT:
		return fl->count == TRACE_UNKNOWN;
	default:
		return fl->value < 0;
	}
}

static void put_number(FILE *out, const struct field *fl)
{
	if (fl->kind == F_COUNT)
		fprintf(out, "%zu", fl->count);
	else if (fl->kind == F_RATIO)
		fprintf(out, "%.4f", fl->value);
	else
		fprintf(out, "%.1f", fl->value);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void output_json(FILE *out, const struct row *rows, size_t n)
{
	struct field fl[NFIELDS];
	size_t i;
	int k;

	fputs("[", out);
	for (i = 0; i < n; i++) {
		fields(&rows[i], fl);
		fputs(i ? ",\n  {" : "\n  {", out);
		for (k = 0; k < NFIELDS; k++) {
			fprintf(out, "%s\"%s\": ", k ? ", " : "", fl[k].key);
			if (is_null(&fl[k]))
				fputs("null", out);
			else if (fl[k].kind == F_TEXT)
				json_string(out, fl[k].text);
			else
				put_number(out, &fl[k]);
		}
		fputs("}", out);
	}
	fputs(n ? "\n]\n" : "]\n", out);
}

/* A CSV cell: quoted when it holds a comma, a quote or a line break. */
static void csv_text(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void output_csv(FILE *out, const struct row *rows, size_t n)
{
	static const struct row none = { "", "", 0, { 0 }, NULL, NULL, 0, 0 };
	struct field fl[NFIELDS];
	size_t i;
	int k;

	fields(&none, fl);	/* the keys do not depend on the row */
	for (k = 0; k < NFIELDS; k++)
		fprintf(out, "%s%s", fl[k].key, k + 1 < NFIELDS ? "," : "\n");
	for (i = 0; i < n; i++) {
		fields(&rows[i], fl);
		for (k = 0; k < NFIELDS; k++) {
			if (!is_null(&fl[k])) {
				if (fl[k].kind == F_TEXT)
					csv_text(out, fl[k].text);
				else
					put_number(out, &fl[k]);
			}
			fputs(k + 1 < NFIELDS ? "," : "\n", out);
		}
	}
}

/* ---- the timeline ---- */

static FILE *create(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "%s: %s: %s\n", PROGRAM, path, strerror(errno));
	return f;
}

static int finish(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, "%s: %s: write error\n", PROGRAM, path);
		return -1;
	}
	return 0;
}

int output_timeline(const char *path, const struct row *rows, size_t n)
{
	FILE *f = create(path);
	size_t i, k;

	if (!f)
		return -1;
	fputs("trace,policy,ops,live_bytes,held_bytes,vsz_growth_bytes,largest_free_bytes\n", f);
	for (i = 0; i < n; i++) {
		for (k = 0; rows[i].ok && k < rows[i].res.nsamples; k++) {
			const struct trace_sample *s = &rows[i].res.samples[k];
			csv_text(f, rows[i].trace);
			fputc(',', f);
			csv_text(f, rows[i].spec);
			fprintf(f, ",%zu,%zu,%zu,%zu,", s->ops, s->live, s->held, s->vsz);
			if (s->largest_free != TRACE_UNKNOWN)
				fprintf(f, "%zu", s->largest_free);
			fputc('\n', f);
		}
	}
	return finish(f, path);
}

/* ---- the plot: a panel per trace, every policy's held bytes on one log axis ---- */

#define PW 720		/* panel width and height */
#define PH 300
#define ML 70		/* margins of the plot area in a panel */
#define MR 200		/* the legend goes right of the plot area */
#define MT 28
#define MB 34
#define TOP 52		/* the title */
#define GAP 16		/* between panels */

/* Line styles: a colour and a dash pattern each, told apart in grey too. */
static const char *const colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
	"#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
};
static const char *const dashes[] = { "none", "7,3", "2,2", "9,3,2,3", "4,4" };
#define NCOLORS (sizeof(colors) / sizeof(colors[0]))
#define NDASHES (sizeof(dashes) / sizeof(dashes[0]))

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

/* The log axis of a panel: powers of two from lo to hi bytes. */
struct axis {
	double lo, hi;		/* log2 of the ends */
	size_t xmax;		/* operations */
};

static double axis_y(const struct axis *a, size_t v)
{
	const int h = PH - MT - MB;
	double l = v ? log2((double)v) : a->lo;

	if (l < a->lo)
		l = a->lo;
	return MT + h - h * (l - a->lo) / (a->hi - a->lo);
}

static double axis_x(const struct axis *a, size_t ops)
{
	return ML + (PW - ML - MR) * (double)ops / (double)(a->xmax ? a->xmax : 1);
}

/* The ends of the axis over the rows of one trace: every held and live
 * value drawn, rounded out to powers of 4. */
static void axis_fit(struct axis *a, const struct row *rows, size_t n)
{
	size_t i, k, lo = SIZE_MAX, hi = 1;

	a->xmax = 1;
	for (i = 0; i < n; i++) {
		if (rows[i].res.fig.ops > a->xmax)
			a->xmax = rows[i].res.fig.ops;
		for (k = 0; rows[i].ok && k < rows[i].res.nsamples; k++) {
			const struct trace_sample *p = &rows[i].res.samples[k];
			size_t v[2] = { p->held, p->live };
			int j;
			for (j = 0; j < 2; j++) {
				if (v[j] && v[j] < lo)
					lo = v[j];
				if (v[j] > hi)
					hi = v[j];
			}
		}
	}
	if (lo == SIZE_MAX || lo > hi)
		lo = 1;
	a->lo = 2 * floor(log2((double)lo) / 2);
	a->hi = 2 * ceil(log2((double)hi) / 2);
	if (a->hi <= a->lo)
		a->hi = a->lo + 2;
}

static void polyline(FILE *f, const struct axis *a, const struct trace_sample *s, size_t n, int live,
		     const char *color, const char *dash, double width)
{
	size_t k;

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-dasharray=\"%s\" points=\"",
		color, width, dash);
	for (k = 0; k < n; k++)
		fprintf(f, "%.1f,%.1f ", axis_x(a, s[k].ops), axis_y(a, live ? s[k].live : s[k].held));
	fputs("\"/>\n", f);
}

/* One trace: its frame and ticks, the live payload (thick grey), each
 * policy's held bytes in a style of its own, and the legend. */
static void panel(FILE *f, const struct row *rows, size_t n, int y0)
{
	const int w = PW - ML - MR, h = PH - MT - MB;
	const struct row *live = NULL;
	struct axis a;
	char lab[32];
	double e;
	size_t i;
	int ly = MT + 8;

	axis_fit(&a, rows, n);
	fprintf(f, "<g class=\"panel\" transform=\"translate(10,%d)\">\n", y0);
	fprintf(f, "<text x=\"%d\" y=\"18\" font-weight=\"bold\">", ML);
	xml_text(f, rows[0].label ? rows[0].label : rows[0].trace);
	fputs(": bytes held over operations (log scale)</text>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
		ML, MT, w, h);
	for (e = a.lo; e <= a.hi; e += 2) {
		double y = axis_y(&a, (size_t)exp2(e));
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			ML, ML + w, y, y, ML - 4, y + 4, human(lab, sizeof(lab), (size_t)exp2(e)));
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%zu ops</text>\n",
		ML, MT + h + 16, ML + w, MT + h + 16, a.xmax);
	/* the payload asked for: the same on every policy that served it all */
	for (i = 0; i < n && !live; i++)
		if (rows[i].ok && rows[i].res.nsamples && !rows[i].res.fig.failed)
			live = &rows[i];
	if (live) {
		polyline(f, &a, live->res.samples, live->res.nsamples, 1, "#bbbbbb", "none", 5);
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#bbbbbb\" stroke-width=\"5\"/>"
			"<text x=\"%d\" y=\"%d\">live (requested)</text>\n",
			ML + w + 12, ML + w + 40, ly, ly, ML + w + 46, ly + 4);
		ly += 18;
	}
	for (i = 0; i < n; i++) {
		const char *color = colors[i % NCOLORS], *dash = dashes[(i / NCOLORS + i) % NDASHES];
		if (rows[i].ok)
			polyline(f, &a, rows[i].res.samples, rows[i].res.nsamples, 0, color, dash, 1.6);
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.6\" "
			"stroke-dasharray=\"%s\"/><text x=\"%d\" y=\"%d\">", ML + w + 12, ML + w + 40, ly, ly,
			color, dash, ML + w + 46, ly + 4);
		xml_text(f, rows[i].spec);
		if (!rows[i].ok)
			fputs(" (did not run)", f);
		else if (rows[i].res.fig.failed)
			fprintf(f, " (%zu failed!)", rows[i].res.fig.failed);
		fputs("</text>\n", f);
		ly += 16;
	}
	fputs("</g>\n", f);
}

int output_plot(const char *path, const struct row *rows, size_t n)
{
	size_t i, first, ntraces = 0;
	FILE *f = create(path);
	int y = TOP;

	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(rows[i].trace, rows[i - 1].trace))
			ntraces++;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
		"font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		PW + 20, ntraces * (PH + GAP) + TOP);
	fputs("<text x=\"10\" y=\"24\" font-size=\"15\" font-weight=\"bold\">pagealloc-trace: "
	      "bytes held from the system, every policy on one log axis per trace</text>\n", f);
	for (first = 0; first < n; first = i) {
		for (i = first; i < n && !strcmp(rows[i].trace, rows[first].trace); i++)
			;
		panel(f, rows + first, i - first, y);
		y += PH + GAP;
	}
	fputs("</svg>\n", f);
	return finish(f, path);
}
