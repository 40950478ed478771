/*
 * trace_parse.c - read a trace (plain or gzip, zlib tells them apart), and
 * turn its text into a flat array of operations whose IDs are slots.
 *
 * IDs are mapped to slots here, once, with a hash table; a slot is reused
 * as soon as its chunk is freed, so the slot array of a replay is as small
 * as the largest live set and a replay needs no lookup at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "trace.h"

#define EMPTY UINT32_MAX

/* ---- memory outside the malloc heap ---- */

void *trace_map(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void *trace_remap(void *p, size_t old_bytes, size_t new_bytes)
{
	void *q;

	if (!p)
		return trace_map(new_bytes);
	q = mremap(p, old_bytes ? old_bytes : 1, new_bytes, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void trace_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}

/* Double *cap until it holds need elements of elem bytes; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = trace_remap(*p, *cap * elem, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* ---- formats ---- */

static const char *const format_names[] = { "auto", "native", "rep" };

const char *trace_format_name(enum trace_format fmt)
{
	return format_names[fmt];
}

int trace_format_parse(const char *name, enum trace_format *fmt)
{
	unsigned i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*fmt = (enum trace_format)i;
			return 0;
		}
	return -1;
}

/* ---- the parser's state ---- */

struct idslot {
	uint64_t id;
	uint32_t slot;		/* EMPTY: unused */
	uint32_t line;		/* where the live chunk was allocated */
};

struct parser {
	struct trace *t;
	struct trace_error *err;
	unsigned long line;
	struct idslot *tab;		/* live IDs, open addressing */
	size_t tab_cap, tab_used;
	uint32_t *free_slots;		/* slots of freed chunks, reused first */
	size_t nfree, free_cap;
	size_t *slot_size;		/* requested bytes of each slot's chunk */
	size_t size_cap;
	size_t live;
	/* rep: the four header numbers, then how many IDs and operations */
	uint64_t header[4];
	unsigned header_done;
};

static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	ps->err->line = ps->line;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static size_t home(const struct parser *ps, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 20) & (ps->tab_cap - 1);
}

static struct idslot *find(const struct parser *ps, uint64_t id)
{
	size_t i;

	for (i = home(ps, id); ps->tab[i].slot != EMPTY; i = (i + 1) & (ps->tab_cap - 1))
		if (ps->tab[i].id == id)
			return &ps->tab[i];
	return NULL;
}

static void put(struct parser *ps, uint64_t id, uint32_t slot, uint32_t line)
{
	size_t i = home(ps, id);

	while (ps->tab[i].slot != EMPTY)
		i = (i + 1) & (ps->tab_cap - 1);
	ps->tab[i] = (struct idslot){ id, slot, line };
	ps->tab_used++;
}

/* Remove an entry, shifting back the ones its removal would cut off. */
static void take(struct parser *ps, struct idslot *e)
{
	size_t mask = ps->tab_cap - 1, i = (size_t)(e - ps->tab), j = i, h;

	for (;;) {
		ps->tab[i].slot = EMPTY;
		do {
			j = (j + 1) & mask;
			if (ps->tab[j].slot == EMPTY) {
				ps->tab_used--;
				return;
			}
			h = home(ps, ps->tab[j].id);
		} while (i <= j ? (i < h && h <= j) : (i < h || h <= j));
		ps->tab[i] = ps->tab[j];
		i = j;
	}
}

static int tab_reserve(struct parser *ps)
{
	struct idslot *old = ps->tab;
	size_t old_cap = ps->tab_cap, i;

	if (2 * (ps->tab_used + 1) <= ps->tab_cap)
		return 0;
	ps->tab_cap = old_cap ? 2 * old_cap : 1024;
	ps->tab = trace_map(ps->tab_cap * sizeof(*ps->tab));
	if (!ps->tab)
		return fail(ps, "out of memory");
	for (i = 0; i < ps->tab_cap; i++)
		ps->tab[i].slot = EMPTY;
	ps->tab_used = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i].slot != EMPTY)
			put(ps, old[i].id, old[i].slot, old[i].line);
	trace_unmap(old, old_cap * sizeof(*old));
	return 0;
}

/* Append an operation on slot. */
static int emit(struct parser *ps, enum trace_kind kind, uint32_t slot, uint64_t id, size_t size)
{
	struct trace *t = ps->t;

	if (t->nops == t->cap) {
		size_t c1 = t->cap, c2 = t->cap, c3 = t->cap;
		size_t c4 = t->cap;
		if (grow((void **)&t->ops, &c1, t->nops + 1, sizeof(*t->ops)) ||
		    grow((void **)&t->ids, &c2, t->nops + 1, sizeof(*t->ids)) ||
		    grow((void **)&t->lines, &c3, t->nops + 1, sizeof(*t->lines)) ||
		    (t->sites && grow((void **)&t->sites, &c4, t->nops + 1, sizeof(*t->sites))))
			return fail(ps, "out of memory");
		t->cap = c1;
	}
	t->ops[t->nops] = (struct trace_op){ kind, slot, size };
	t->ids[t->nops] = id;
	t->lines[t->nops] = (uint32_t)ps->line;
	t->nops++;
	return 0;
}

/* Set the payload of slot and follow the live total. */
static void set_size(struct parser *ps, uint32_t slot, size_t size)
{
	ps->live = ps->live - ps->slot_size[slot] + (size == SIZE_MAX ? 0 : size);
	ps->slot_size[slot] = size == SIZE_MAX ? 0 : size;
	if (ps->live > ps->t->peak_requested)
		ps->t->peak_requested = ps->live;
}

static int op_alloc(struct parser *ps, enum trace_kind kind, uint64_t id, size_t size)
{
	struct idslot *e = ps->tab ? find(ps, id) : NULL;
	uint32_t slot;

	if (e)
		return fail(ps, "ID %llu allocated twice (live since line %u)",
			    (unsigned long long)id, e->line);
	if (tab_reserve(ps))
		return -1;
	if (ps->nfree) {
		slot = ps->free_slots[--ps->nfree];
	} else {
		slot = (uint32_t)ps->t->nslots++;
		if (grow((void **)&ps->slot_size, &ps->size_cap, ps->t->nslots, sizeof(size_t)))
			return fail(ps, "out of memory");
	}
	put(ps, id, slot, (uint32_t)ps->line);
	set_size(ps, slot, size);
	return emit(ps, kind, slot, id, size);
}

static int op_free(struct parser *ps, uint64_t id)
{
	struct idslot *e = ps->tab ? find(ps, id) : NULL;
	uint32_t slot;

	if (!e)
		return fail(ps, "free of unknown ID %llu", (unsigned long long)id);
	slot = e->slot;
	take(ps, e);
	if (grow((void **)&ps->free_slots, &ps->free_cap, ps->nfree + 1, sizeof(uint32_t)))
		return fail(ps, "out of memory");
	ps->free_slots[ps->nfree++] = slot;
	set_size(ps, slot, 0);
	return emit(ps, TRACE_FREE, slot, id, 0);
}

/* realloc to 0 bytes frees, as the C library's does. */
static int op_realloc(struct parser *ps, uint64_t id, size_t size)
{
	struct idslot *e = ps->tab ? find(ps, id) : NULL;

	if (!e)
		return fail(ps, "realloc of unknown ID %llu", (unsigned long long)id);
	if (size == 0)
		return op_free(ps, id);
	set_size(ps, e->slot, size);
	return emit(ps, TRACE_REALLOC, e->slot, id, size);
}

/* ---- lines and fields ---- */

struct line {
	const char *p, *end;	/* the rest of the line */
};

/* The next field, or NULL at the end of the line. */
static const char *field(struct line *l, size_t *len)
{
	const char *s;

	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t'))
		l->p++;
	if (l->p == l->end)
		return NULL;
	s = l->p;
	while (l->p < l->end && *l->p != ' ' && *l->p != '\t')
		l->p++;
	*len = (size_t)(l->p - s);
	return s;
}

/* A decimal number field named what; 0 or -1 with the error said. */
static int number(struct parser *ps, struct line *l, const char *what, uint64_t *v)
{
	size_t len, i;
	const char *s = field(l, &len);
	uint64_t n = 0;

	if (!s)
		return fail(ps, "missing %s", what);
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return fail(ps, "bad %s '%.*s'", what, (int)(len > 40 ? 40 : len), s);
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

/* 1 to 16 hex digits s[0..len) into *v; 0 or -1. */
static int hex(const char *s, size_t len, uint64_t *v)
{
	uint64_t h = 0;
	size_t i;

	if (len < 1 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		h = h << 4 | (uint64_t)d;
	}
	*v = h;
	return 0;
}

/* An optional "@HASH" (hex) after an allocation: its call site, or 0. */
static int site(struct parser *ps, struct line *l, uint64_t *hash)
{
	const char *save = l->p, *s;
	size_t len;

	*hash = 0;
	s = field(l, &len);
	if (!s || *s != '@') {
		l->p = save;
		return 0;
	}
	if (hex(s + 1, len - 1, hash))
		return fail(ps, "bad call site '%.*s' (@ and 1 to 16 hex digits)", (int)(len > 40 ? 40 : len), s);
	return 0;
}

/* Set the call site of the last operation; the array is made at the first. */
static int set_site(struct parser *ps, uint64_t hash)
{
	struct trace *t = ps->t;

	if (!hash)
		return 0;
	if (!t->sites && !(t->sites = trace_map(t->cap * sizeof(*t->sites))))
		return fail(ps, "out of memory");
	t->sites[t->nops - 1] = hash;
	return 0;
}

/* "# site HASH NAME": a call site's name, which the recorder writes at
 * exit; any other comment is a comment. */
static int site_name(struct parser *ps, const char *s, const char *end)
{
	struct trace *t = ps->t;
	struct line l = { s + 7, end };
	struct trace_site_name *n;
	const char *f;
	uint64_t hash;
	size_t len;

	f = field(&l, &len);
	if (!f || hex(f, len, &hash) || !hash)
		return 0;
	while (l.p < l.end && (*l.p == ' ' || *l.p == '\t'))
		l.p++;
	if (grow((void **)&t->site_names, &t->site_names_cap, t->nsite_names + 1, sizeof(*n)))
		return fail(ps, "out of memory");
	n = &t->site_names[t->nsite_names++];
	n->hash = hash;
	len = (size_t)(l.end - l.p);
	if (len >= sizeof(n->name))
		len = sizeof(n->name) - 1;
	memcpy(n->name, l.p, len);
	n->name[len] = '\0';
	return 0;
}

static int end_of_line(struct parser *ps, struct line *l)
{
	size_t len;
	const char *s = field(l, &len);

	if (s)
		return fail(ps, "unexpected '%.*s' at the end of the line", (int)(len > 40 ? 40 : len), s);
	return 0;
}

static size_t to_size(uint64_t v)
{
	return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

/* One operation line of either format: "a ID SIZE", "c ID N SIZE", "r ID SIZE", "f ID". */
static int parse_op(struct parser *ps, struct line *l)
{
	size_t len;
	const char *op = field(l, &len);
	uint64_t id, a, b, h = 0;
	int rep = ps->t->format == TRACE_REP;

	if (len != 1 || !strchr(rep ? "arf" : "acrf", *op))
		return fail(ps, "unknown operation '%.*s'", (int)(len > 40 ? 40 : len), op);
	if (number(ps, l, "ID", &id))
		return -1;
	if (rep && id >= ps->header[1])
		return fail(ps, "ID %llu out of range: the header announces %llu IDs",
			    (unsigned long long)id, (unsigned long long)ps->header[1]);
	if (rep && ps->t->nops == ps->header[2])
		return fail(ps, "more operations than the %llu the header announces",
			    (unsigned long long)ps->header[2]);
	switch (*op) {
	case 'a':
		if (number(ps, l, "size", &a) || (!rep && site(ps, l, &h)) || end_of_line(ps, l))
			return -1;
		return op_alloc(ps, TRACE_ALLOC, id, to_size(a)) ? -1 : set_site(ps, h);
	case 'c':
		if (number(ps, l, "count", &a) || number(ps, l, "size", &b) || (!rep && site(ps, l, &h)) ||
		    end_of_line(ps, l))
			return -1;
		if (b && a > SIZE_MAX / b)
			return op_alloc(ps, TRACE_CALLOC, id, SIZE_MAX) ? -1 : set_site(ps, h);
		return op_alloc(ps, TRACE_CALLOC, id, to_size(a) * to_size(b)) ? -1 : set_site(ps, h);
	case 'r':
		if (number(ps, l, "size", &a) || end_of_line(ps, l))
			return -1;
		return op_realloc(ps, id, to_size(a));
	default:
		if (end_of_line(ps, l))
			return -1;
		return op_free(ps, id);
	}
}

/* The rep header: four numbers (heap size, IDs, operations, weight). */
static int parse_header(struct parser *ps, struct line *l)
{
	while (ps->header_done < 4 && l->p < l->end) {
		size_t len;
		const char *save = l->p;
		if (!field(l, &len))
			break;
		l->p = save;
		if (number(ps, l, "header number", &ps->header[ps->header_done]))
			return -1;
		ps->header_done++;
	}
	return end_of_line(ps, l);
}

/* A control character other than tab and carriage return means binary data. */
static int check_text(struct parser *ps, const char *s, const char *end)
{
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fail(ps, "binary data (byte 0x%02x), not a trace", c);
	}
	return 0;
}

static int blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s == end;
}

/* The format of the first line that says something: a number begins a rep header. */
static int detect(struct parser *ps, const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (*s >= '0' && *s <= '9') {
		ps->t->format = TRACE_REP;
		return 0;
	}
	if (strchr("acrf", *s) && (s + 1 == end || s[1] == ' ' || s[1] == '\t')) {
		ps->t->format = TRACE_NATIVE;
		return 0;
	}
	return fail(ps, "neither a native trace nor a CS:APP .rep trace (see --format)");
}

static int parse_line(struct parser *ps, const char *s, const char *end)
{
	struct line l = { s, end };

	if (end > s && end[-1] == '\r')
		l.end--;
	if (check_text(ps, s, l.end))
		return -1;
	if (ps->t->format != TRACE_REP && l.end - s > 7 && !memcmp(s, "# site ", 7))
		return site_name(ps, s, l.end);
	if (blank(s, l.end) || (ps->t->format != TRACE_REP && *s == '#'))
		return 0;
	if (ps->t->format == TRACE_AUTO && detect(ps, s, l.end))
		return -1;
	if (ps->t->format == TRACE_REP && ps->header_done < 4)
		return parse_header(ps, &l);
	return parse_op(ps, &l);
}

static int parse_end(struct parser *ps)
{
	if (ps->t->format != TRACE_REP)
		return 0;
	if (ps->header_done < 4)
		return fail(ps, "truncated: the .rep header needs four numbers");
	if (ps->t->nops != ps->header[2])
		return fail(ps, "truncated: the header announces %llu operations, the file has %zu",
			    (unsigned long long)ps->header[2], ps->t->nops);
	return 0;
}

static void parser_release(struct parser *ps)
{
	trace_unmap(ps->tab, ps->tab_cap * sizeof(*ps->tab));
	trace_unmap(ps->free_slots, ps->free_cap * sizeof(uint32_t));
	trace_unmap(ps->slot_size, ps->size_cap * sizeof(size_t));
}

int trace_parse(struct trace *t, const char *name, const char *text, size_t len,
		enum trace_format fmt, struct trace_error *err)
{
	struct parser ps = { .t = t, .err = err };
	const char *s = text, *end = text + len, *nl;
	int r = 0;

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->format = fmt;
	err->file = name;
	err->line = 0;
	err->msg[0] = '\0';
	while (s < end && !r) {
		ps.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		/* A native trace cut short: say so rather than what is missing.
		 * A .rep trace may end without a newline, as CS:APP's realloc.rep
		 * and realloc2.rep do and mdriver reads them; its header's count
		 * of operations still catches one cut short. */
		if (!nl && t->format != TRACE_REP) {
			r = fail(&ps, "truncated: the last line has no newline");
			break;
		}
		r = parse_line(&ps, s, nl ? nl : end);
		s = nl ? nl + 1 : end;
	}
	if (!r)
		r = parse_end(&ps);
	if (t->format == TRACE_AUTO)
		t->format = TRACE_NATIVE;
	parser_release(&ps);
	if (r)
		trace_release(t);
	return r;
}

void trace_release(struct trace *t)
{
	trace_unmap(t->ops, t->cap * sizeof(*t->ops));
	trace_unmap(t->ids, t->cap * sizeof(*t->ids));
	trace_unmap(t->lines, t->cap * sizeof(*t->lines));
	trace_unmap(t->sites, t->cap * sizeof(*t->sites));
	trace_unmap(t->site_names, t->site_names_cap * sizeof(*t->site_names));
	t->sites = NULL;
	t->site_names = NULL;
	t->ops = NULL;
	t->ids = NULL;
	t->lines = NULL;
	t->nops = t->cap = 0;
}

/* ---- reading a file ---- */

static int read_fail(struct trace_error *err, const char *text, size_t len, const char *why)
{
	const char *s = text, *end = text + len;

	err->line = 1;
	while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		err->line++;
		s++;
	}
	snprintf(err->msg, sizeof(err->msg), "%s", why);
	return -1;
}

/* Read all of path, decompressing gzip, into an mmap'd buffer. */
static int read_all(const char *path, char **text, size_t *len, size_t *cap, struct trace_error *err)
{
	gzFile f;
	int n, zerr;
	const char *why;

	*text = NULL;
	*len = *cap = 0;
	err->file = path;
	err->line = 0;
	f = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(dup(STDIN_FILENO), "rb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	gzbuffer(f, 1u << 17);
	do {
		if (grow((void **)text, cap, *len + (1u << 20), 1)) {
			gzclose(f);
			return read_fail(err, *text, *len, "out of memory");
		}
		n = gzread(f, *text + *len, 1u << 20);
		if (n > 0)
			*len += (size_t)n;
	} while (n > 0);
	why = gzerror(f, &zerr);
	if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
		char msg[160];
		if (zerr == Z_BUF_ERROR)
			why = "truncated: the gzip data ends early";
		else if (zerr == Z_ERRNO)
			why = strerror(errno);
		snprintf(msg, sizeof(msg), "%s", why);
		gzclose(f);
		return read_fail(err, *text, *len, msg);
	}
	gzclose(f);
	return 0;
}

int trace_load(struct trace *t, const char *path, enum trace_format fmt, struct trace_error *err)
{
	char *text;
	size_t len, cap;
	int r;

	memset(t, 0, sizeof(*t));
	t->name = path;
	if (read_all(path, &text, &len, &cap, err)) {
		trace_unmap(text, cap);
		return -1;
	}
	r = trace_parse(t, path, text, len, fmt, err);
	trace_unmap(text, cap);
	return r;
}
