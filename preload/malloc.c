/*
 * malloc.c - libpagealloc-malloc.so: malloc and its companions served from
 * libpagealloc heaps, for LD_PRELOAD.
 *
 * - Two heaps, both PAGEALLOC_THREADSAFE, made on the first call: the
 *   primary, of the spec in $PAGEALLOC_POLICY (default DEFAULT_SPEC), and the
 *   fallback, of the spec in $PAGEALLOC_FALLBACK (the same; "none"
 *   for none).  What the primary cannot serve (a cell heap's larger sizes, a
 *   full page region, a capped elastic heap) goes to the fallback.  Making
 *   them calls getenv, the parser and mmap: nothing that allocates.
 * - Every pointer returned is aligned to 16 (max_align_t): the granule is
 *   raised to 16, cell_size rounded up to a multiple of it, every size too
 *   (which keeps a brk heap's blocks, behind 32-byte headers, on 16).
 * - free, realloc and malloc_usable_size ask each heap in turn; a pointer
 *   neither holds came from elsewhere (the dynamic loader's early memory):
 *   free leaves it alone, realloc copies what of it is mapped.
 * - Alignments above 16 over-allocate and hand out an aligned pointer inside
 *   the chunk; an address map (addrmap.h: mmap'd, under a lock of its own)
 *   maps it back.
 * - fork: the pthread_atfork prepare handler takes every lock there is
 *   (init, the aligned table, each heap's), so the child never inherits
 *   one held by a thread it does not have; the parent releases them, the
 *   child makes them anew.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pagealloc.h>

#include "addrmap.h"
#include "internal.h"	/* pa_config_why: why a spec is refused */

#define ALIGN 16		/* what malloc must give: alignof(max_align_t) */
/* elastic, in pages of 256 KiB: a whole program's heap grows by one mmap
 * per page, and 4 KiB pages make that one per 4 KiB (python3 building a
 * dict of 1.5 M entries: 91 k mmaps, 1.7x the wall time) and a mapping of
 * its own for every request above 4 KiB. */
#define DEFAULT_SPEC "elastic:page_size=256K"

enum { PRIMARY, FALLBACK, NHEAPS };

static pagealloc *heaps[NHEAPS];
static const char *names[NHEAPS];	/* their policies */
static size_t primary_max = SIZE_MAX;	/* larger requests skip the primary */
/* malloc's and free's common case goes straight to the primary heap for
 * requests up to this: 0 until the heaps are made, and for a brk primary,
 * whose pointers need do_malloc's alignment check. */
static atomic_size_t fast_max;
static size_t primary_fast_max;		/* what fast_max becomes */
static atomic_int ready;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_size_t foreign_frees, foreign_reallocs;

/* ---- messages without stdio ---- */

static void say(const char *const *parts)
{
	for (; *parts; parts++)
		if (write(STDERR_FILENO, *parts, strlen(*parts)) < 0)
			return;
}

static const char *num(char buf[24], size_t v)
{
	char *p = buf + 23;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

static const char *reason(int err)
{
	switch (err) {
	case EINVAL: return "a bad setting";
	case ENOMEM: return "out of memory";
	case EBUSY: return "a brk heap exists already";
	default: return "failed";
	}
}

/* No strerror: it may allocate, and the heaps are not there yet. */
static _Noreturn void die(const char *what, const char *var, const char *spec)
{
	say((const char *const[]){ "libpagealloc-malloc: ", what, " ", var, "=", spec, ": ",
				   reason(errno), "\n", NULL });
	abort();
}

/* ---- the heaps ---- */

/* The heap of spec, adjusted for malloc; NULL, with why filled, if none. */
static pagealloc *heap_of(const char *spec, struct pagealloc_config *out, char *why, size_t len)
{
	struct pagealloc_config cfg;
	pagealloc *h;

	if (pa_config_why(&cfg, spec, why, len))
		return NULL;
	cfg.flags |= PAGEALLOC_THREADSAFE;
	switch (cfg.policy) {
	case PAGEALLOC_PAGE:
	case PAGEALLOC_ELASTIC:
	case PAGEALLOC_BUMP:
		if (cfg.granule < ALIGN)
			cfg.granule = ALIGN;
		break;
	case PAGEALLOC_CELL:
		cfg.cell_size = (cfg.cell_size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		break;
	default:
		break;
	}
	h = pagealloc_create(&cfg);
	if (!h) {
		const char *const parts[] = { "cannot create the heap: ", reason(errno), NULL };
		size_t used = 0, i, n;
		for (i = 0; parts[i]; i++)
			for (n = 0; parts[i][n] && used + 1 < len; n++)
				why[used++] = parts[i][n];
		why[used] = '\0';
		return NULL;
	}
	*out = cfg;
	return h;
}

/*
 * Heap i, of the spec in environment variable var.  A spec that is refused
 * (or whose heap cannot be made) is said in one line, and the default
 * stands in for it: a typo in the environment must not stop the program.
 */
static void make_heap(int i, const char *var, const char *spec)
{
	struct pagealloc_config cfg;
	char why[400];

	heaps[i] = heap_of(spec, &cfg, why, sizeof(why));
	if (!heaps[i]) {
		say((const char *const[]){ "libpagealloc-malloc: ", var, "=", spec, ": ", why,
					   "; using " DEFAULT_SPEC "\n", NULL });
		spec = DEFAULT_SPEC;
		heaps[i] = heap_of(spec, &cfg, why, sizeof(why));
		if (!heaps[i])
			die("cannot create the heap of", var, spec);
	}
	names[i] = pagealloc_policy_name(cfg.policy);
	if (i == PRIMARY) {
		primary_max = cfg.policy == PAGEALLOC_CELL ? cfg.cell_size
			    : cfg.policy == PAGEALLOC_PAGE ? cfg.page_size : SIZE_MAX;
		primary_fast_max = cfg.policy == PAGEALLOC_BRK ? 0
				 : primary_max < SIZE_MAX - ALIGN ? primary_max : SIZE_MAX - ALIGN;
	}
}

static const char *env(const char *var, const char *def)
{
	const char *v = getenv(var);

	return v && *v ? v : def;
}

static void init(void)
{
	const char *fallback;

	pthread_mutex_lock(&init_lock);
	if (!atomic_load_explicit(&ready, memory_order_relaxed)) {
		make_heap(PRIMARY, "PAGEALLOC_POLICY", env("PAGEALLOC_POLICY", DEFAULT_SPEC));
		fallback = env("PAGEALLOC_FALLBACK", DEFAULT_SPEC);
		if (strcmp(fallback, "none"))
			make_heap(FALLBACK, "PAGEALLOC_FALLBACK", fallback);
		atomic_store_explicit(&ready, 1, memory_order_release);
		atomic_store_explicit(&fast_max, primary_fast_max, memory_order_release);
	}
	pthread_mutex_unlock(&init_lock);
}

/* Every call begins here: the heaps are made on the first. */
static void enter(void)
{
	if (!atomic_load_explicit(&ready, memory_order_acquire))
		init();
}

/* The heap holding the chunk at p, and the chunk's usable size; NULL if none. */
static pagealloc *owner(const void *p, size_t *usable)
{
	int i;

	for (i = 0; i < NHEAPS; i++)
		if (heaps[i] && (*usable = pagealloc_usable_size(heaps[i], p)))
			return heaps[i];
	return NULL;
}

static void release(void *p)
{
	int i;

	for (i = 0; i < NHEAPS; i++)
		if (heaps[i] && !pagealloc_free(heaps[i], p))
			return;
	atomic_fetch_add_explicit(&foreign_frees, 1, memory_order_relaxed);
}

/* ---- aligned pointers inside chunks ---- */

static struct {
	pthread_mutex_t lock;
	struct pa_addrmap map;	/* aligned pointer handed out -> the chunk it lies in */
	struct pa_os os;	/* the map's mappings (mmap: nothing here calls malloc) */
	atomic_size_t used;	/* map.used, read without the lock: 0 means nothing to look up */
} atab = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int aput(void *aligned, void *raw)
{
	int r;

	pthread_mutex_lock(&atab.lock);
	r = pa_addrmap_reserve(&atab.map, &atab.os, 1);
	if (!r) {
		pa_addrmap_put(&atab.map, (uintptr_t)aligned, raw);
		atomic_store_explicit(&atab.used, atab.map.used, memory_order_relaxed);
	}
	pthread_mutex_unlock(&atab.lock);
	return r;
}

/* The chunk that aligned pointer p lies in (forgetting p if drop), or NULL. */
/* Whether p may be an aligned pointer with a record: records are only made
 * for alignments of 32 and more, and none may be live. */
static int may_be_record(const void *p)
{
	return !((uintptr_t)p % (2 * ALIGN)) && atomic_load_explicit(&atab.used, memory_order_relaxed);
}

static void *aget(const void *p, int drop)
{
	void *raw;

	if (!may_be_record(p))
		return NULL;
	pthread_mutex_lock(&atab.lock);
	if (drop) {
		raw = pa_addrmap_take(&atab.map, (uintptr_t)p);
		atomic_store_explicit(&atab.used, atab.map.used, memory_order_relaxed);
	} else {
		raw = pa_addrmap_find(&atab.map, (uintptr_t)p);
	}
	pthread_mutex_unlock(&atab.lock);
	return raw;
}

/* ---- the calls ---- */

static void *nomem(void)
{
	errno = ENOMEM;
	return NULL;
}

/* n rounded up to ALIGN (0 counts as 1), or 0 when that overflows. */
static size_t round_size(size_t n)
{
	if (n > SIZE_MAX - (ALIGN - 1))
		return 0;
	return n ? (n + ALIGN - 1) & ~(size_t)(ALIGN - 1) : ALIGN;
}

/* n bytes (zeroed if zero) from heap first or a later one. */
static void *alloc_from(size_t n, int zero, int first)
{
	void *p;
	int i;

	if (!(n = round_size(n)))
		return nomem();
	for (i = n <= primary_max ? first : FALLBACK; i < NHEAPS; i++) {
		if (!heaps[i])
			continue;
		p = zero ? pagealloc_calloc(heaps[i], 1, n) : pagealloc_alloc(heaps[i], n);
		if (p && !((uintptr_t)p % ALIGN))
			return p;
		if (p)		/* a brk heap on a break off 16 (rare): try the next */
			release(p);
	}
	return nomem();
}

static void *do_malloc(size_t n, int zero)
{
	return alloc_from(n, zero, PRIMARY);
}

/* align: a power of two */
static void *do_memalign(size_t align, size_t n)
{
	unsigned char *raw, *p;

	if (align <= ALIGN)
		return do_malloc(n, 0);
	if (n > SIZE_MAX - align)
		return nomem();
	raw = do_malloc(n + align - ALIGN, 0);
	if (!raw)
		return NULL;
	p = (unsigned char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p != raw && aput(p, raw)) {
		release(raw);
		return nomem();
	}
	return p;
}

static void do_free(void *p)
{
	void *raw = aget(p, 1);

	release(raw ? raw : p);
}

/* The usable bytes at p, with the heap and the chunk holding p; 0 when no heap does. */
static size_t lookup(void *p, pagealloc **h, void **chunk)
{
	void *raw = aget(p, 0);
	size_t n = 0;

	*chunk = raw ? raw : p;
	*h = owner(*chunk, &n);
	return *h ? n - (size_t)((unsigned char *)p - (unsigned char *)*chunk) : 0;
}

/* How many of the n bytes at p are mapped: all a pointer of unknown size can give. */
static size_t mapped_bytes(const void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(page - 1), end = (uintptr_t)p + n;
	unsigned char vec;

	if (end < (uintptr_t)p)
		end = UINTPTR_MAX;
	while (a < end && !mincore((void *)a, page, &vec))
		a += page;
	return a > (uintptr_t)p ? (a < end ? a : end) - (uintptr_t)p : 0;
}

static void *do_realloc(void *p, size_t n)
{
	pagealloc *h;
	void *chunk, *q;
	size_t old = lookup(p, &h, &chunk), m;

	if (!(m = round_size(n)))
		return nomem();
	/* a chunk's start: its heap may resize it in place, if it can hold m */
	if (h && chunk == p && (h != heaps[PRIMARY] || m <= primary_max)) {
		q = pagealloc_realloc(h, p, m);
		if (q && !((uintptr_t)q % ALIGN))
			return q;
		if (q) {		/* moved onto a break off 16 (rare): move on */
			old = old < m ? old : m;
			p = chunk = q;
		}
	}
	if (!h) {
		atomic_fetch_add_explicit(&foreign_reallocs, 1, memory_order_relaxed);
		old = mapped_bytes(p, n);
	}
	q = do_malloc(n, 0);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	if (h)
		do_free(p);
	return q;
}

/* ---- the interface ---- */

void *malloc(size_t n)
{
	void *p;

	if (__builtin_expect(n - 1 < atomic_load_explicit(&fast_max, memory_order_acquire), 1)) {
		p = pagealloc_alloc(heaps[PRIMARY], round_size(n));
		return p ? p : alloc_from(n, 0, FALLBACK);
	}
	enter();
	return do_malloc(n, 0);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &n))
		return nomem();
	if (__builtin_expect(n - 1 < atomic_load_explicit(&fast_max, memory_order_acquire), 1)) {
		p = pagealloc_calloc(heaps[PRIMARY], 1, round_size(n));	/* as malloc */
		return p ? p : alloc_from(n, 1, FALLBACK);
	}
	enter();
	return do_malloc(n, 1);
}

void free(void *p)
{
	int err;

	if (!p)
		return;
	err = errno;
	/* a successful pagealloc_free leaves errno alone; a refused one (a
	 * chunk of the fallback, or foreign) goes on the long way */
	if (__builtin_expect(atomic_load_explicit(&fast_max, memory_order_acquire) != 0, 1) &&
	    !may_be_record(p) && !pagealloc_free(heaps[PRIMARY], p))
		return;
	enter();
	do_free(p);
	errno = err;
}

void *realloc(void *p, size_t n)
{
	void *q;

	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return NULL;
	}
	enter();
	q = do_realloc(p, n);
	return q;
}

void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n))
		return nomem();
	return realloc(p, n);
}

static void *memalign_checked(size_t align, size_t n)
{
	void *p;

	enter();
	p = do_memalign(align, n);
	return p;
}

static int pow2(size_t n)
{
	return n && !(n & (n - 1));
}

int posix_memalign(void **out, size_t align, size_t n)
{
	int err = errno;
	void *p;

	if (!pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = memalign_checked(align, n);
	errno = err;
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (!pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return memalign_checked(align, n);
}

/* As glibc's: an alignment that is not a power of two is rounded up to one. */
void *memalign(size_t align, size_t n)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	while (!pow2(align))
		align = (align | (align - 1)) + 1;
	return memalign_checked(align, n);
}

void *valloc(size_t n)
{
	return memalign_checked((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (n > SIZE_MAX - page)
		return nomem();
	return memalign_checked(page, n ? (n + page - 1) & ~(page - 1) : page);
}

size_t malloc_usable_size(void *p)
{
	int err = errno;
	pagealloc *h;
	void *chunk;
	size_t n;

	if (!p)
		return 0;
	enter();
	n = lookup(p, &h, &chunk);
	errno = err;
	return n;
}

/* ---- setup, and the figures at exit ---- */

static void fork_prepare(void)
{
	int i;

	pthread_mutex_lock(&init_lock);
	pthread_mutex_lock(&atab.lock);
	for (i = 0; i < NHEAPS; i++)
		if (heaps[i])
			pa_fork_prepare(heaps[i]);
}

static void fork_parent(void)
{
	int i;

	for (i = NHEAPS; i-- > 0;)
		if (heaps[i])
			pa_fork_parent(heaps[i]);
	pthread_mutex_unlock(&atab.lock);
	pthread_mutex_unlock(&init_lock);
}

/* The child has one thread: locks made anew rather than unlocked. */
static void fork_child(void)
{
	int i;

	for (i = 0; i < NHEAPS; i++)
		if (heaps[i])
			pa_fork_child(heaps[i]);
	pthread_mutex_init(&atab.lock, NULL);
	pthread_mutex_init(&init_lock, NULL);
}

__attribute__((constructor)) static void setup(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* With $PAGEALLOC_MALLOC_STATS set, a line per heap on stderr at exit. */
__attribute__((destructor)) static void report(void)
{
	static const char *const role[NHEAPS] = { "primary", "fallback" };
	struct pagealloc_stats st;
	char a[24], b[24], c[24], d[24];
	int i;

	if (!getenv("PAGEALLOC_MALLOC_STATS") || !atomic_load(&ready))
		return;
	for (i = 0; i < NHEAPS; i++) {
		if (!heaps[i] || pagealloc_get_stats(heaps[i], &st))
			continue;
		say((const char *const[]){ "libpagealloc-malloc[", num(a, (size_t)getpid()), "]: ",
					   role[i], " ", names[i], ": peak ", num(b, st.peak_in_use_bytes),
					   " bytes in use, ", num(c, st.chunks_in_use), " chunks live, ",
					   num(d, st.failed_allocs), " refused\n", NULL });
	}
	say((const char *const[]){ "libpagealloc-malloc[", num(a, (size_t)getpid()), "]: foreign: ",
				   num(b, foreign_frees), " frees, ", num(c, foreign_reallocs),
				   " reallocs; aligned records live: ", num(d, atab.used), "\n", NULL });
}
