/*
 * check_trace.c - the replay engine of pagealloc-trace (tools/trace.h):
 * parsing of each format and every bad input, the figures of replays on
 * small hand-made traces whose answers are known exactly, determinism,
 * --verify on every policy, the timeline, and --policy lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"
#include "trace.h"

static struct trace parse_ok(const char *text, enum trace_format fmt)
{
	struct trace t;
	struct trace_error e;

	ck_assert_msg(trace_parse(&t, "test", text, strlen(text), fmt, &e) == 0,
		      "%s:%lu: %s", e.file, e.line, e.msg);
	return t;
}

/* A file holding text, gzip-compressed or not; the caller unlinks it. */
static char *temp_file(const char *text, size_t len, int gz)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/check_trace.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	if (gz) {
		gzFile z = gzdopen(fd, "wb");
		ck_assert_int_eq(gzwrite(z, text, (unsigned)len), (int)len);
		ck_assert_int_eq(gzclose(z), Z_OK);
	} else {
		ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
		close(fd);
	}
	return path;
}

/* ---- the formats ---- */

static const char native[] =
	"# a comment\n"
	"\n"
	"a 1 100\r\n"
	"c 2\t4 25\n"
	"   \n"
	"r 1 300\n"
	"f 2\n"
	"a 2 8\n"
	"r 2 0\n"
	"f 1\n";

START_TEST(parse_native)
{
	struct trace t = parse_ok(native, TRACE_AUTO);

	ck_assert_int_eq(t.format, TRACE_NATIVE);
	ck_assert_uint_eq(t.nops, 7);
	ck_assert_uint_eq(t.ops[0].kind, TRACE_ALLOC);
	ck_assert_uint_eq(t.ops[0].size, 100);
	ck_assert_uint_eq(t.ops[1].kind, TRACE_CALLOC);
	ck_assert_uint_eq(t.ops[1].size, 100);
	ck_assert_uint_eq(t.ops[2].kind, TRACE_REALLOC);
	ck_assert_uint_eq(t.ops[2].slot, t.ops[0].slot);
	ck_assert_uint_eq(t.ops[3].kind, TRACE_FREE);
	ck_assert_uint_eq(t.ops[5].kind, TRACE_FREE);	/* r 2 0 frees */
	ck_assert_uint_eq(t.ids[4], 2);
	ck_assert_uint_eq(t.lines[0], 3);
	ck_assert_uint_eq(t.lines[6], 10);
	/* ID 2 is freed before it is allocated again: its slot is reused */
	ck_assert_uint_eq(t.ops[4].slot, t.ops[1].slot);
	ck_assert_uint_eq(t.nslots, 2);
	ck_assert_uint_eq(t.peak_requested, 400);
	trace_release(&t);
}
END_TEST

static const char rep[] =
	"20000\n"
	"3\n"
	"6\n"
	"1\n"
	"a 0 512\n"
	"a 1 128\n"
	"r 0 640\n"
	"a 2 64\n"
	"f 1\n"
	"f 0\n";

START_TEST(parse_rep)
{
	struct trace t = parse_ok(rep, TRACE_AUTO);

	ck_assert_int_eq(t.format, TRACE_REP);
	ck_assert_uint_eq(t.nops, 6);
	ck_assert_uint_eq(t.ops[2].kind, TRACE_REALLOC);
	ck_assert_uint_eq(t.ops[2].size, 640);
	ck_assert_uint_eq(t.peak_requested, 832);
	ck_assert_uint_eq(t.lines[0], 5);
	trace_release(&t);
	/* the four header numbers may share a line */
	t = parse_ok("20000 1 2 1\na 0 8\nf 0\n", TRACE_REP);
	ck_assert_uint_eq(t.nops, 2);
	trace_release(&t);
}
END_TEST

/* A .rep trace may end without a newline, as CS:APP's realloc.rep does:
 * the same operations as with one, whether the format is given or found. */
START_TEST(parse_rep_no_final_newline)
{
	static const char *const texts[] = {
		"20000\n3\n6\n1\na 0 512\na 1 128\nr 0 640\na 2 64\nf 1\nf 0",
		"20000\r\n3\r\n6\r\n1\r\na 0 512\r\na 1 128\r\nr 0 640\r\na 2 64\r\nf 1\r\nf 0\r",
	};
	static const enum trace_format fmts[] = { TRACE_AUTO, TRACE_REP };
	struct trace with = parse_ok(rep, TRACE_AUTO), t;
	size_t i, f;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			t = parse_ok(texts[i], fmts[f]);
			ck_assert_int_eq(t.format, TRACE_REP);
			ck_assert_uint_eq(t.nops, with.nops);
			ck_assert_mem_eq(t.ops, with.ops, with.nops * sizeof(*t.ops));
			ck_assert_uint_eq(t.lines[5], 10);
			trace_release(&t);
		}
	trace_release(&with);
}
END_TEST

/* The same trace plain, compressed and from standard input parses alike. */
START_TEST(parse_files)
{
	struct trace a, b, c;
	struct trace_error e;
	char *path;
	int saved;

	path = temp_file(native, strlen(native), 0);
	ck_assert_int_eq(trace_load(&a, path, TRACE_AUTO, &e), 0);
	unlink(path);
	path = temp_file(native, strlen(native), 1);
	ck_assert_int_eq(trace_load(&b, path, TRACE_AUTO, &e), 0);
	saved = dup(STDIN_FILENO);
	ck_assert(freopen(path, "r", stdin) != NULL);
	ck_assert_int_eq(trace_load(&c, "-", TRACE_AUTO, &e), 0);
	dup2(saved, STDIN_FILENO);
	unlink(path);
	ck_assert_uint_eq(a.nops, 7);
	ck_assert_uint_eq(b.nops, a.nops);
	ck_assert_uint_eq(c.nops, a.nops);
	ck_assert_mem_eq(a.ops, b.ops, a.nops * sizeof(*a.ops));
	ck_assert_mem_eq(a.ops, c.ops, a.nops * sizeof(*a.ops));
	trace_release(&a);
	trace_release(&b);
	trace_release(&c);
}
END_TEST

/* ---- every bad input: the line and the words of the message ---- */

static const struct bad {
	const char *text;
	enum trace_format fmt;
	unsigned long line;
	const char *says;
} bad[] = {
	{ "a 1 8\nx 1 2\n", TRACE_AUTO, 2, "unknown operation 'x'" },
	{ "a 1\n", TRACE_AUTO, 1, "missing size" },
	{ "f\n", TRACE_AUTO, 1, "missing ID" },
	{ "c 1 8\n", TRACE_AUTO, 1, "missing size" },
	{ "a 1 8 9\n", TRACE_AUTO, 1, "unexpected '9'" },
	{ "a one 8\n", TRACE_AUTO, 1, "bad ID 'one'" },
	{ "a 1 -8\n", TRACE_AUTO, 1, "bad size '-8'" },
	{ "a 1 99999999999999999999\n", TRACE_AUTO, 1, "bad size" },
	{ "a 1 8\nf 7\n", TRACE_AUTO, 2, "free of unknown ID 7" },
	{ "a 1 8\nf 1\nf 1\n", TRACE_AUTO, 3, "free of unknown ID 1" },
	{ "a 1 8\n# x\na 1 8\n", TRACE_AUTO, 3, "ID 1 allocated twice (live since line 1)" },
	{ "r 3 8\n", TRACE_AUTO, 1, "realloc of unknown ID 3" },
	{ "a 1 8\na 2 8", TRACE_AUTO, 2, "truncated" },
	{ "a 1 8\n\x01\x02\x03\n", TRACE_AUTO, 2, "binary data" },
	{ "hello\n", TRACE_AUTO, 1, "neither a native trace nor" },
	{ "a 1 8\n", TRACE_REP, 1, "bad header number 'a'" },
	{ "10\n1\n", TRACE_AUTO, 2, "four numbers" },
	{ "10\n2\n3\n1\na 0 8\nf 0\n", TRACE_AUTO, 6, "announces 3 operations, the file has 2" },
	{ "10\n2\n1\n1\na 0 8\nf 0\n", TRACE_AUTO, 6, "more operations than the 1" },
	{ "10\n2\n1\n1\na 5 8\n", TRACE_AUTO, 5, "ID 5 out of range" },
	{ "10\n2\n1\n1\nc 0 1 8\n", TRACE_AUTO, 5, "unknown operation 'c'" },
	{ "10 2 1 1 7\n", TRACE_AUTO, 1, "unexpected '7'" },
	/* without a final newline a .rep trace is read, and judged, the same */
	{ "10\n2\n3\n1\na 0 8\nf 0", TRACE_AUTO, 6, "announces 3 operations, the file has 2" },
	{ "10\n2\n2\n1\na 0 8\nf 1", TRACE_AUTO, 6, "free of unknown ID 1" },
	{ "10\n2\n2\n1\na 0 8\nf", TRACE_REP, 6, "missing ID" },
	{ "a 1 8\nf 1", TRACE_NATIVE, 2, "truncated" },
	{ "a 1 8 @\n", TRACE_AUTO, 1, "bad call site '@'" },
	{ "a 1 8 @12345678901234567\n", TRACE_AUTO, 1, "bad call site" },
	{ "c 1 2 8 @fg\n", TRACE_AUTO, 1, "bad call site '@fg'" },
	{ "a 1 8 @1f 9\n", TRACE_AUTO, 1, "unexpected '9'" },
	{ "a 1 8\nr 1 16 @1f\n", TRACE_AUTO, 2, "unexpected '@1f'" },
	{ "a 1 8 @1f\na 1 8 @1f\n", TRACE_AUTO, 2, "ID 1 allocated twice" },
};

START_TEST(parse_bad)
{
	const struct bad *b = &bad[_i];
	struct trace t;
	struct trace_error e;
	ck_assert_int_eq(trace_parse(&t, "bad", b->text, strlen(b->text), b->fmt, &e), -1);
	ck_assert_str_eq(e.file, "bad");
	ck_assert_msg(e.line == b->line && strstr(e.msg, b->says),
		      "case %d: got %lu: %s; want %lu: %s", _i, e.line, e.msg, b->line, b->says);
}
END_TEST

/* "@HASH" call sites and "# site HASH NAME" lines */
START_TEST(parse_sites)
{
	static const char text[] = "a 1 8 @1f\nc 2 3 4 @ABCdef0123456789\na 3 5\n"
				   "# site 1f main+0x10 < libc.so.6+0x2724a\n# site zz not a site\n"
				   "# a comment\nr 1 16\nf 2\n";
	struct trace t;
	struct trace_error e;

	ck_assert_int_eq(trace_parse(&t, "sites", text, sizeof(text) - 1, TRACE_AUTO, &e), 0);
	ck_assert_uint_eq(t.nops, 5);
	ck_assert_ptr_nonnull(t.sites);
	ck_assert_uint_eq(t.sites[0], 0x1f);
	ck_assert_uint_eq(t.sites[1], 0xabcdef0123456789ull);
	ck_assert_uint_eq(t.sites[2], 0);
	ck_assert_uint_eq(t.sites[3], 0);	/* realloc: the chunk keeps its allocation's site */
	ck_assert_uint_eq(t.nsite_names, 1);
	ck_assert_uint_eq(t.site_names[0].hash, 0x1f);
	ck_assert_str_eq(t.site_names[0].name, "main+0x10 < libc.so.6+0x2724a");
	trace_release(&t);
	/* a trace without sites has no array */
	ck_assert_int_eq(trace_parse(&t, "plain", "a 1 8\nf 1\n", 10, TRACE_AUTO, &e), 0);
	ck_assert_ptr_null(t.sites);
	trace_release(&t);
}
END_TEST

START_TEST(parse_nul)
{
	static const char text[] = "a 1 8\nf 1\0\n";
	struct trace t;
	struct trace_error e;

	ck_assert_int_eq(trace_parse(&t, "nul", text, sizeof(text) - 1, TRACE_AUTO, &e), -1);
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "binary data (byte 0x00), not a trace");
}
END_TEST

START_TEST(load_bad)
{
	struct trace t;
	struct trace_error e;
	char big[200000], *path;
	size_t i, len;

	ck_assert_int_eq(trace_load(&t, "/nonexistent/x.trace", TRACE_AUTO, &e), -1);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.file, "/nonexistent/x.trace");
	ck_assert_msg(strstr(e.msg, "cannot open") != NULL, "%s", e.msg);
	ck_assert_int_eq(trace_load(&t, "/", TRACE_AUTO, &e), -1);
	ck_assert_msg(strstr(e.msg, "directory") != NULL, "%s", e.msg);
	/* gzip data cut short: the line where the data ends */
	for (i = 0, len = 0; len + 32 < sizeof(big); i++)
		len += (size_t)sprintf(big + len, "a %zu %zu\nf %zu\n", i, i * 7919 % 4099, i);
	path = temp_file(big, len, 1);
	ck_assert_int_eq(truncate(path, 2000), 0);
	ck_assert_int_eq(trace_load(&t, path, TRACE_AUTO, &e), -1);
	unlink(path);
	ck_assert_msg(strstr(e.msg, "truncated") != NULL && e.line > 1, "%lu: %s", e.line, e.msg);
}
END_TEST

/* ---- figures known exactly ---- */

/* Bytes a fresh heap of spec holds: mapped plus metadata. */
static size_t fresh_held(const char *spec)
{
	struct pagealloc_stats st;
	pagealloc *h = tu_heap(spec);

	ck_assert_int_eq(pagealloc_get_stats(h, &st), 0);
	pagealloc_destroy(h);
	return st.mapped_bytes + st.metadata_bytes;
}

static struct trace_result run(const char *text, const char *spec, unsigned flags, size_t samples)
{
	struct trace t = parse_ok(text, TRACE_AUTO);
	struct trace_result r;

	ck_assert_msg(trace_run(&t, spec, flags, samples, &r, NULL, NULL) == 0, "%s: %s", spec, r.msg);
	trace_release(&t);
	return r;
}

/* One 4 KiB page region: held is what create maps, all of it. */
START_TEST(exact_page)
{
	/* 8-byte chunks at 0, 8 and 16; the one at 8 goes; 2000 bytes from
	 * the tail: free is the 8-byte hole and the 2072 left of the tail */
	struct trace_result r = run("a 1 8\na 2 8\na 3 8\nf 2\na 4 2000\n", "page", 0, 0);
	size_t held = fresh_held("page");

	ck_assert_uint_eq(r.fig.ops, 5);
	ck_assert_uint_eq(r.fig.failed, 0);
	ck_assert_uint_eq(r.fig.peak_live, 2016);
	ck_assert_uint_eq(r.fig.peak_live_op, 5);
	ck_assert_uint_eq(r.fig.peak_held, held);
	ck_assert_uint_eq(r.fig.internal_frag, 0);
	ck_assert_double_eq_tol(r.fig.external_frag, 1.0 - 2072.0 / 2080.0, 1e-9);
	ck_assert_uint_eq(r.fig.os_map, 2);
	ck_assert_uint_eq(r.fig.os_unmap, 0);
	ck_assert_uint_eq(r.fig.vsz_growth % 4096, 0);
}
END_TEST

/*
 * mdriver's heap size is the high-water mark of what the heap held, kept
 * at every OS call; peak_held is read every few operations.  On the mmap
 * policy, 302 one-byte chunks hold 302 pages; with 41004 operations the
 * figures are read every third, so the moment of the 302nd is not read and
 * peak_held misses its page.  Before it, 200 chunks of 2048 bytes make the
 * peak payload.
 */
START_TEST(mdriver_high_water)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 0, i, cap = 1 << 20;
	char *text = malloc(cap);
	struct trace_result r, p;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, cap - len, "a %zu 2048\n", i);
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, cap - len, "f %zu\n", i);
	for (i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len, "a 5000 8\nf 5000\n");
	for (i = 0; i < 302; i++)
		len += (size_t)snprintf(text + len, cap - len, "a %zu 1\n", 1000 + i);
	for (i = 0; i < 302; i++)
		len += (size_t)snprintf(text + len, cap - len, "f %zu\n", 1000 + i);
	r = run(text, "mmap", 0, 0);
	ck_assert_uint_eq(r.fig.ops, 41004);
	ck_assert_uint_eq(r.fig.peak_live, 200 * 2048);
	ck_assert_uint_ge(r.fig.high_water, 302 * page);
	ck_assert_uint_eq(r.fig.high_water, r.fig.peak_held + page);
	/* where every operation is read, the two are the same */
	p = run("a 1 8\na 2 8\na 3 8\nf 2\na 4 2000\n", "page", 0, 0);
	ck_assert_uint_eq(p.fig.high_water, p.fig.peak_held);
	ck_assert_uint_eq(p.fig.high_water, fresh_held("page"));
	free(text);
}
END_TEST

/* Capped elastic maps its metadata at create, then one page per page:
 * three chunks of about 3000 bytes need three pages.  --verify fills each
 * chunk, so that the three pages are resident too (a replay that writes
 * nothing leaves the RSS to the heap's own metadata). */
START_TEST(exact_elastic)
{
	struct trace_result r = run("a 1 3000\na 2 2996\na 3 2999\nf 2\nf 1\na 4 100\n",
				    "elastic:max_pages=8", TRACE_VERIFY, 0);
	size_t held = fresh_held("elastic:max_pages=8") + 3 * 4096;

	ck_assert_uint_eq(r.fig.peak_live, 8995);
	ck_assert_uint_eq(r.fig.peak_live_op, 3);
	ck_assert_uint_eq(r.fig.peak_held, held);
	ck_assert_uint_eq(r.fig.internal_frag, 5);	/* 2996 -> 3000, 2999 -> 3000 */
	ck_assert_double_eq_tol((double)r.fig.peak_live / (double)r.fig.peak_held,
				8995.0 / (double)held, 1e-12);
	ck_assert_uint_ge(r.fig.vsz_growth, 3 * 4096);
	ck_assert_uint_ge(r.fig.rss_growth, 3 * 4096);
	ck_assert_uint_ge(r.fig.os_map, 3);
}
END_TEST

/* A cell heap serves only sizes up to its cell: the rest fail, and the
 * free of a failed ID frees nothing. */
START_TEST(exact_cell)
{
	struct trace_result r = run("a 1 16\na 2 64\na 3 32\nf 1\nf 2\nr 3 48\nf 3\n",
				    "cell:cell_size=32", 0, 0);

	ck_assert_uint_eq(r.fig.failed, 2);
	ck_assert_uint_eq(r.fig.peak_live, 48);
	ck_assert_uint_eq(r.fig.internal_frag, 16);	/* 16 bytes in a 32-byte cell */
}
END_TEST

START_TEST(exact_libc)
{
	struct trace_result r = run("a 1 1000000\nc 2 10 100\nf 1\nf 2\n", "libc", 0, 0);

	ck_assert_uint_eq(r.fig.peak_live, 1001000);
	ck_assert_uint_ge(r.fig.peak_held, 1001000);
	ck_assert_uint_ge(r.fig.internal_frag, 0);
	ck_assert(r.fig.external_frag < 0);
	ck_assert_uint_eq(r.fig.os_map, TRACE_UNKNOWN);
}
END_TEST

/* A random trace of every kind of operation, the same on each call. */
static char *random_trace(unsigned ops)
{
	size_t cap = (size_t)ops * 32, len = 0;
	char *s = malloc(cap);
	unsigned char live[256] = { 0 };
	uint32_t x = 12345;
	unsigned i;

	for (i = 0; i < ops; i++) {
		unsigned id, size;
		x = x * 1103515245u + 12345u;
		id = (x >> 8) % 256;
		size = 1 + (x >> 16) % ((x & 7) ? 200 : 6000);
		if (!live[id])
			len += (size_t)sprintf(s + len, (x & 0x30) ? "a %u %u\n" : "c %u 2 %u\n", id, size);
		else if (x & 0x40)
			len += (size_t)sprintf(s + len, "r %u %u\n", id, size);
		else
			len += (size_t)sprintf(s + len, "f %u\n", id);
		live[id] = !live[id] || (x & 0x40);
	}
	return s;
}

static void same_figures(const struct trace_figures *a, const struct trace_figures *b)
{
	ck_assert_uint_eq(a->failed, b->failed);
	ck_assert_uint_eq(a->peak_live, b->peak_live);
	ck_assert_uint_eq(a->peak_held, b->peak_held);
	ck_assert_uint_eq(a->internal_frag, b->internal_frag);
	ck_assert_double_eq(a->external_frag, b->external_frag);
	ck_assert_uint_eq(a->vsz_growth, b->vsz_growth);
	ck_assert_uint_eq(a->os_map, b->os_map);
	ck_assert_uint_eq(a->os_unmap, b->os_unmap);
	ck_assert_uint_eq(a->os_brk, b->os_brk);
}

/*
 * A realloc that damages what it copies, for --verify to find: this
 * program's realloc stands in for the C library's, and while damage is
 * set, a resize to DAMAGE_SIZE bytes comes back with its first byte
 * flipped.  Every other call goes to glibc's own realloc.
 */
#define DAMAGE_SIZE 4242
extern void *__libc_realloc(void *p, size_t n);
void *realloc(void *p, size_t n);
static int damage;

void *realloc(void *p, size_t n)
{
	unsigned char *q = __libc_realloc(p, n);

	if (damage && q && n == DAMAGE_SIZE)
		q[0] ^= 0xff;
	return q;
}

START_TEST(verify_finds_damage)
{
	struct trace t = parse_ok("a 7 100\nr 7 4242\nf 7\n", TRACE_AUTO);
	struct trace_result r;

	damage = 1;
	ck_assert_int_eq(trace_run(&t, "libc", TRACE_VERIFY, 0, &r, NULL, NULL), -1);
	ck_assert_int_eq(r.err, -1);
	ck_assert_uint_eq(r.line, 2);
	ck_assert_msg(strstr(r.msg, "ID 7: realloc lost the contents: byte 0 of 100") != NULL, "%s", r.msg);
	/* without --verify nothing looks at the bytes */
	ck_assert_int_eq(trace_run(&t, "libc", 0, 0, &r, NULL, NULL), 0);
	damage = 0;
	trace_release(&t);
}
END_TEST

static const char *const policies[] = { "page", "elastic", "bump", "cell", "mmap", "brk", "libc" };

/* Figures other than times are the same on every run. */
START_TEST(deterministic)
{
	char *text = random_trace(3000);
	struct trace_result a = run(text, policies[_i], 0, 0), b = run(text, policies[_i], 0, 0);

	same_figures(&a.fig, &b.fig);
	free(text);
}
END_TEST

/* --verify: patterns survive every policy's realloc and calloc is zero. */
START_TEST(verify_policies)
{
	char *text = random_trace(3000);
	struct trace_result r = run(text, policies[_i], TRACE_VERIFY, 0);

	ck_assert_uint_eq(r.fig.ops, 3000);
	free(text);
}
END_TEST

START_TEST(timeline)
{
	char *text = random_trace(2000);
	struct trace_result r = run(text, "elastic", 0, 50);
	size_t k;

	ck_assert_uint_le(r.nsamples, 50);
	ck_assert_uint_ge(r.nsamples, 20);
	ck_assert_uint_eq(r.samples[0].ops, 0);
	ck_assert_uint_eq(r.samples[r.nsamples - 1].ops, 2000);
	for (k = 1; k < r.nsamples; k++) {
		ck_assert_uint_gt(r.samples[k].ops, r.samples[k - 1].ops);
		ck_assert_uint_le(r.samples[k].held, r.fig.peak_held);
		ck_assert_uint_le(r.samples[k].live, r.fig.peak_live);
	}
	trace_result_release(&r);
	free(text);
}
END_TEST

START_TEST(heap_errors)
{
	struct trace t = parse_ok("a 1 8\n", TRACE_AUTO);
	struct trace_result r;

	ck_assert_int_eq(trace_run(&t, "elastic:page_size=3", 0, 0, &r, NULL, NULL), -1);
	ck_assert_int_eq(r.err, EINVAL);
	ck_assert_msg(strstr(r.msg, "cannot create the heap") != NULL, "%s", r.msg);
	trace_release(&t);
}
END_TEST

START_TEST(policy_lists)
{
	struct trace_spec *s = NULL;
	size_t n = 0, i;
	char bad_spec[64];

	ck_assert_int_eq(trace_specs_split("page,elastic:max_pages=4,granule=16,libc", &s, &n,
					   bad_spec, sizeof(bad_spec)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[1].spec, "elastic:max_pages=4,granule=16");
	ck_assert_int_eq(s[1].from_all, 0);
	ck_assert_int_eq(trace_specs_split("all", &s, &n, bad_spec, sizeof(bad_spec)), 0);
	ck_assert_uint_eq(n, 8);	/* page, libc and elastic were there already */
	ck_assert_int_eq(trace_specs_split("elastic,bogus", &s, &n, bad_spec, sizeof(bad_spec)), -1);
	ck_assert_str_eq(bad_spec, "bogus");
	ck_assert_int_eq(trace_specs_split("elastic:max_pages=4,strict,libc", &s, &n, bad_spec,
					   sizeof(bad_spec)), 0);
	ck_assert_str_eq(s[n - 1].spec, "elastic:max_pages=4,strict");
	ck_assert_int_eq(trace_specs_split("elastic:max_pages=x", &s, &n, bad_spec, sizeof(bad_spec)), -1);
	ck_assert_str_eq(bad_spec, "elastic:max_pages=x");
	/* other mallocs begin a spec, even after one with settings */
	ck_assert_int_eq(trace_specs_split("elastic:max_pages=8,jemalloc,my=/x/libmy.so,z=libz.so.1,cell:cell_size=64",
					   &s, &n, bad_spec, sizeof(bad_spec)), 0);
	ck_assert_str_eq(s[n - 5].spec, "elastic:max_pages=8");
	ck_assert_str_eq(s[n - 4].spec, "jemalloc");
	ck_assert_str_eq(s[n - 3].spec, "my=/x/libmy.so");
	ck_assert_str_eq(s[n - 2].spec, "z=libz.so.1");
	ck_assert_int_eq(trace_spec_is_pagealloc("my=/x/libmy.so"), 0);
	ck_assert_int_eq(trace_spec_is_pagealloc("elastic:max_pages=8"), 1);
	ck_assert_int_eq(trace_spec_is_pagealloc("libc"), 0);
	{
		char path[256], why[256];
		ck_assert_int_eq(trace_spec_external("elastic", path, sizeof(path), why, sizeof(why)), 0);
		ck_assert_int_eq(trace_spec_external("gone=/nonexistent/libgone.so", path, sizeof(path),
						     why, sizeof(why)), -1);
		ck_assert_str_eq(why, "/nonexistent/libgone.so: No such file or directory");
		ck_assert_int_eq(trace_spec_external("c=libc.so.6", path, sizeof(path), why, sizeof(why)), 1);
		ck_assert_ptr_nonnull(strstr(path, "/libc.so.6"));
	}
	for (i = 0; i < n; i++)
		free(s[i].spec);
	free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace");
	TCase *p = tcase_create("parse"), *f = tcase_create("figures");

	tcase_add_test(p, parse_native);
	tcase_add_test(p, parse_rep);
	tcase_add_test(p, parse_rep_no_final_newline);
	tcase_add_test(p, parse_files);
	tcase_add_loop_test(p, parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(p, parse_nul);
	tcase_add_test(p, parse_sites);
	tcase_add_test(p, load_bad);
	tcase_add_test(p, policy_lists);
	suite_add_tcase(s, p);
	tcase_add_test(f, exact_page);
	tcase_add_test(f, exact_elastic);
	tcase_add_test(f, exact_cell);
	tcase_add_test(f, exact_libc);
	tcase_add_test(f, mdriver_high_water);
	tcase_add_loop_test(f, deterministic, 0, sizeof(policies) / sizeof(policies[0]));
	tcase_add_loop_test(f, verify_policies, 0, sizeof(policies) / sizeof(policies[0]));
	tcase_add_test(f, timeline);
	tcase_add_test(f, verify_finds_damage);
	tcase_add_test(f, heap_errors);
	tcase_set_timeout(f, 60);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
