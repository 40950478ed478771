/*
 * recorder.c - libpagealloc-record.so, the LD_PRELOAD library behind
 * `pagealloc-trace record`.  It interposes malloc, calloc, realloc, free,
 * posix_memalign, aligned_alloc, memalign, valloc and pvalloc, calls the
 * next definition (dlsym RTLD_NEXT), and writes each call in the native
 * trace format to $PAGEALLOC_RECORD_FILE.
 *
 * - IDs are small numbers: a pointer-to-ID table (mmap'd, never malloc'd)
 *   gives each live chunk its ID, and a freed chunk's ID is reused first,
 *   which keeps recorded traces compact and well compressible.
 * - Thread safety: one lock around the real call and the record, so the
 *   trace is in the order the calls really took effect; a per-thread guard
 *   sends calls made from inside the recorder straight through.
 * - dlsym may call calloc before the real one is known: those calls get
 *   memory from a static buffer, which free ignores.
 * - Output: lines go to a buffer and out with write(2) on a descriptor of
 *   our own, opened on the first flush (so a process that records nothing
 *   leaves no file) and kept away from 0-2 and from the program's own.
 * - fork: the parent flushes before, the child opens a file of its own
 *   (FILE.PROG.PID) and begins it with the chunks it inherited.  exec: the
 *   environment carries LD_PRELOAD and the file name on.  FILE belongs to
 *   the command's own process ($PAGEALLOC_RECORD_ROOT), and to its last
 *   image: one that execs another program (a wrapper script, env) is gone
 *   when the next writes, so its file moves to FILE.PROG.PID.N.  Every
 *   other image writes FILE.PROG.PID (FILE.PROG.PID.N when that is taken),
 *   PROG the program's name, which the header line gives too.
 * - Call sites: each allocation line ends in "@HASH", a hash of the first
 *   SITE_DEPTH return addresses outside this library (backtrace(3), at
 *   most SITE_FRAMES frames: a bounded cost); at exit a "# site HASH NAME"
 *   line names each site by symbol or module and offset (dladdr).
 *   PAGEALLOC_RECORD_SITES=0 records none.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define HIGH_FD 700		/* where our descriptor goes, out of the program's way */
#define PATH_ROOM 4096

static struct {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
} real;

enum { UNINIT, RESOLVING, READY };
static int state;
static int enabled;		/* a file name was given and the real calls are known */
static int finished;		/* after the destructor: flush every line */
static __thread int busy __attribute__((tls_model("initial-exec")));
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- memory for dlsym's early calls ---- */

static _Alignas(4096) unsigned char early[1 << 16];
static size_t early_used;

static void *early_alloc(size_t align, size_t n)
{
	size_t off;

	if (align < 16)
		align = 16;
	off = (early_used + align - 1) & ~(align - 1);
	if (off > sizeof(early) || n > sizeof(early) - off) {
		errno = ENOMEM;
		return NULL;
	}
	early_used = off + n;
	return early + off;	/* static, so zero: fine for calloc too */
}

static int is_early(const void *p)
{
	return (const unsigned char *)p >= early && (const unsigned char *)p < early + sizeof(early);
}

/* ---- the output ---- */

static char path[PATH_ROOM];		/* $PAGEALLOC_RECORD_FILE */
static pid_t root_pid;			/* $PAGEALLOC_RECORD_ROOT: the command's process */
static char out_path[PATH_ROOM + 64];	/* the file this process image writes */
static int fd = -1;
static dev_t fd_dev;
static ino_t fd_ino;
static char buf[1 << 16];
static size_t pos;
static int started;			/* this image wrote its header */
static int forked;			/* a fork child that has not listed its inheritance */

static char *put_u64(char *s, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*s++ = tmp[--n];
	return s;
}

static char *put_str(char *s, const char *str, size_t max)
{
	while (*str && max--)
		*s++ = *str++;
	return s;
}

/* The program's name as a file name piece: no '/', no blank, 40 bytes. */
static void program_name(char name[41], const char *from)
{
	size_t n = 0;

	for (; from && *from && n < 40; from++)
		name[n++] = *from == '/' || *from == ' ' || *from == '\n' ? '_' : *from;
	if (!n)
		name[n++] = '_';
	name[n] = '\0';
}

static char prog[41];			/* this image's program name */

/* Name FILE[.PROG.PID[.N]] (i < 0: no PROG.PID, i == 0: no N) into out_path;
 * who: the program of the image the file is for. */
static void name_file_of(int i, const char *who)
{
	char *s = put_str(out_path, path, PATH_ROOM);

	if (i >= 0) {
		*s++ = '.';
		s = put_str(s, who, 40);
		*s++ = '.';
		s = put_u64(s, (uint64_t)getpid());
	}
	if (i > 0) {
		*s++ = '.';
		s = put_u64(s, (uint64_t)i);
	}
	*s = '\0';
}

static void name_file(int i)
{
	name_file_of(i, prog);
}

/* The program named in the header line of the file at from, into who. */
static void header_program(const char *from, char who[41])
{
	static const char key[] = ", program ";
	char head[256], *p, *end;
	ssize_t n = -1;
	int f = open(from, O_RDONLY | O_CLOEXEC);

	if (f >= 0) {
		n = read(f, head, sizeof(head) - 1);
		close(f);
	}
	head[n > 0 ? n : 0] = '\0';
	end = strchr(head, '\n');
	if (end)
		*end = '\0';
	p = strstr(head, key);
	program_name(who, p ? p + sizeof(key) - 1 : NULL);
}

/* Move an earlier image's FILE aside to the first free FILE.PROG.PID[.N],
 * PROG that image's program, from its header. */
static void move_aside(void)
{
	char from[PATH_ROOM + 64], who[41];
	int i;

	name_file(-1);
	memcpy(from, out_path, sizeof(from));
	header_program(from, who);
	for (i = 0; i < 100; i++) {
		name_file_of(i, who);
		if (access(out_path, F_OK) && errno == ENOENT) {
			rename(from, out_path);
			return;
		}
	}
}

/* Create the file: FILE for the command's process, FILE.PID[.N] for the others. */
static int create_file(void)
{
	int i, f;

	if (getpid() == root_pid) {
		name_file(-1);
		f = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (f >= 0 || errno != EEXIST)
			return f;
		move_aside();
		name_file(-1);
		return open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	for (i = 0; i < 100; i++) {
		name_file(i);
		f = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (f >= 0 || errno != EEXIST)
			return f;
	}
	return -1;
}

/* Our descriptor, checked: a program that closes every descriptor and
 * opens another file must not get our lines in it. */
static int out_fd(void)
{
	struct stat st;
	int f;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == fd_dev && st.st_ino == fd_ino)
		return fd;
	f = fd >= 0 ? open(out_path, O_WRONLY | O_APPEND | O_CLOEXEC) : create_file();
	if (f < 0)
		return -1;
	fd = fcntl(f, F_DUPFD_CLOEXEC, HIGH_FD);
	if (fd < 0)
		fd = f;
	else
		close(f);
	if (fstat(fd, &st) == 0) {
		fd_dev = st.st_dev;
		fd_ino = st.st_ino;
	}
	return fd;
}

static void flush(void)
{
	const char *p = buf;
	int f;

	if (!pos)
		return;
	f = out_fd();
	while (f >= 0 && p < buf + pos) {
		ssize_t n = write(f, p, (size_t)(buf + pos - p));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
	}
	pos = 0;
}

/* Room for one more line of up to room bytes. */
static char *line_room(size_t room)
{
	if (pos > sizeof(buf) - room)
		flush();
	return buf + pos;
}

/* Room for an operation (the longest: "c ", three 20-digit numbers, " @" and 16 digits). */
static char *line_start(void)
{
	return line_room(100);
}

static void line_end(char *s)
{
	*s++ = '\n';
	pos = (size_t)(s - buf);
	if (finished)
		flush();
}

static char *put_hex(char *s, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do
		tmp[n++] = digits[v & 15];
	while (v >>= 4);
	while (n)
		*s++ = tmp[--n];
	return s;
}

/* "OP ID [A [B]] [@SITE]" */
static void emit(char op, uint64_t id, int nargs, size_t a, size_t b, uint64_t site)
{
	char *s = line_start();

	*s++ = op;
	*s++ = ' ';
	s = put_u64(s, id);
	if (nargs > 0) {
		*s++ = ' ';
		s = put_u64(s, a);
	}
	if (nargs > 1) {
		*s++ = ' ';
		s = put_u64(s, b);
	}
	if (site) {
		*s++ = ' ';
		*s++ = '@';
		s = put_hex(s, site);
	}
	line_end(s);
}

static void comment(const char *text, uint64_t num)
{
	char *s = line_start();

	s = put_str(s, "# ", 2);
	s = put_str(s, text, 60);
	s = put_u64(s, num);
	line_end(s);
}

/* ---- live chunks: pointer -> ID, open addressing, mmap'd ---- */

struct entry {
	uintptr_t key;		/* 0: empty */
	uint64_t id;
	size_t size;
	uint64_t site;		/* its call site's hash, 0 for none */
};

static struct entry *tab;
static size_t tab_cap, tab_used;
static uint64_t *free_ids;
static size_t nfree, free_cap;
static uint64_t next_id;

static size_t home(uintptr_t key)
{
	return (size_t)(((uint64_t)key >> 4) * 0x9E3779B97F4A7C15ull >> 20) & (tab_cap - 1);
}

static struct entry *lookup(const void *p)
{
	size_t i;

	if (!tab)
		return NULL;
	for (i = home((uintptr_t)p); tab[i].key; i = (i + 1) & (tab_cap - 1))
		if (tab[i].key == (uintptr_t)p)
			return &tab[i];
	return NULL;
}

static void insert(uintptr_t key, uint64_t id, size_t size, uint64_t site)
{
	size_t i = home(key);

	while (tab[i].key)
		i = (i + 1) & (tab_cap - 1);
	tab[i] = (struct entry){ key, id, size, site };
	tab_used++;
}

/* Remove e, moving back the entries that its hole would cut off. */
static void remove_entry(struct entry *e)
{
	size_t mask = tab_cap - 1, i = (size_t)(e - tab), j = i, h;

	for (;;) {
		tab[i].key = 0;
		do {
			j = (j + 1) & mask;
			if (!tab[j].key) {
				tab_used--;
				return;
			}
			h = home(tab[j].key);
		} while (i <= j ? (i < h && h <= j) : (i < h || h <= j));
		tab[i] = tab[j];
		i = j;
	}
}

static int reserve(void)
{
	struct entry *old = tab;
	size_t old_cap = tab_cap, i;
	void *fresh;

	if (2 * (tab_used + 1) <= tab_cap)
		return 0;
	tab_cap = old_cap ? 2 * old_cap : 4096;
	fresh = mmap(NULL, tab_cap * sizeof(*tab), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED) {
		tab_cap = old_cap;
		return -1;
	}
	tab = fresh;
	tab_used = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i].key)
			insert(old[i].key, old[i].id, old[i].size, old[i].site);
	if (old)
		munmap(old, old_cap * sizeof(*old));
	return 0;
}

static uint64_t take_id(void)
{
	return nfree ? free_ids[--nfree] : next_id++;
}

static void give_id(uint64_t id)
{
	if (nfree == free_cap) {
		size_t cap = free_cap ? 2 * free_cap : 4096;
		void *p = free_cap ? mremap(free_ids, free_cap * 8, cap * 8, MREMAP_MAYMOVE)
				   : mmap(NULL, cap * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return;		/* the ID is not reused: no harm */
		free_ids = p;
		free_cap = cap;
	}
	free_ids[nfree++] = id;
}

/* Before the first line of this image: a header, and in a fork child the
 * chunks it inherited, so that its trace stands on its own. */
static void prologue(void)
{
	size_t i;

	if (!started) {
		char *s = line_start();
		started = 1;
		s = put_str(s, forked ? "# pagealloc-trace record: fork child, pid "
				      : "# pagealloc-trace record: pid ", 60);
		s = put_u64(s, (uint64_t)getpid());
		s = put_str(s, ", program ", 10);
		s = put_str(s, prog, 40);
		line_end(s);
	}
	if (forked) {
		forked = 0;
		comment("chunks inherited from the parent: ", tab_used);
		for (i = 0; tab && i < tab_cap; i++)
			if (tab[i].key)
				emit('a', tab[i].id, 1, tab[i].size, 0, tab[i].site);
	}
}

static void note_free(struct entry *e)
{
	prologue();
	emit('f', e->id, 0, 0, 0, 0);
	give_id(e->id);
	remove_entry(e);
}

/* A new chunk p: "a ID SIZE @SITE", or for calloc "c ID NMEMB SIZE @SITE". */
static void note_alloc(void *p, char op, size_t nmemb, size_t size, uint64_t site)
{
	struct entry *e = lookup(p);
	uint64_t id;

	if (e)		/* freed behind our back: keep the trace consistent */
		note_free(e);
	if (reserve())
		return;
	prologue();
	id = take_id();
	if (op == 'c')
		emit('c', id, 2, nmemb, size, site);
	else
		emit('a', id, 1, size, 0, site);
	insert((uintptr_t)p, id, op == 'c' ? nmemb * size : size, site);
}

/* ---- call sites ---- */

#define SITE_FRAMES 8		/* return addresses taken, ours among them */
#define SITE_DEPTH 4		/* of which the first outside this library make the site */
#define SITE_CAP (1u << 16)	/* sites named at exit, at most */

struct site_rec {
	uint64_t hash;		/* 0: empty */
	void *frames[SITE_DEPTH];
	int n;
};

static int sites_on;			/* $PAGEALLOC_RECORD_SITES is not 0 */
static uintptr_t self_lo, self_hi;	/* this library's mappings */
static struct site_rec *site_tab;	/* mmap'd when the first site is seen */

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t me = (uintptr_t)arg, lo = UINTPTR_MAX, hi = 0;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD)
			continue;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
	}
	if (me < lo || me >= hi)
		return 0;
	self_lo = lo;
	self_hi = hi;
	return 1;
}

/* Keep the frames of a new site, for its name at exit. */
static void site_remember(uint64_t hash, void *const *frames, int n)
{
	size_t i, start = hash & (SITE_CAP - 1);

	if (!site_tab) {
		void *p = mmap(NULL, SITE_CAP * sizeof(*site_tab), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return;
		site_tab = p;
	}
	for (i = start; site_tab[i].hash; ) {
		if (site_tab[i].hash == hash)
			return;
		i = (i + 1) & (SITE_CAP - 1);
		if (i == start)
			return;		/* full: the site goes unnamed */
	}
	site_tab[i].hash = hash;
	site_tab[i].n = n;
	memcpy(site_tab[i].frames, frames, (size_t)n * sizeof(*frames));
}

/* The hash of the caller's first SITE_DEPTH frames outside this library. */
static uint64_t call_site(void)
{
	void *f[SITE_FRAMES], *keep[SITE_DEPTH];
	uint64_t h = 0xcbf29ce484222325ull;
	int n, i, used = 0;

	if (!sites_on)
		return 0;
	n = backtrace(f, SITE_FRAMES);
	for (i = 0; i < n && used < SITE_DEPTH; i++) {
		uintptr_t a = (uintptr_t)f[i];
		if (a >= self_lo && a < self_hi)
			continue;
		keep[used++] = f[i];
		h = (h ^ a) * 0x100000001b3ull;
	}
	if (!used)
		return 0;
	h = h ? h : 1;
	site_remember(h, keep, used);
	return h;
}

/* "name+0xoff", "module+0xoff" or "0xaddr" for a return address. */
static char *put_frame(char *s, void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	const char *mod;
	Dl_info di;

	if (!dladdr(addr, &di) || !di.dli_fname) {
		s = put_str(s, "0x", 2);
		return put_hex(s, a);
	}
	if (di.dli_sname && di.dli_saddr) {
		s = put_str(s, di.dli_sname, 60);
		a -= (uintptr_t)di.dli_saddr;
	} else {
		mod = strrchr(di.dli_fname, '/');
		s = put_str(s, mod ? mod + 1 : di.dli_fname, 60);
		a -= (uintptr_t)di.dli_fbase;
	}
	s = put_str(s, "+0x", 3);
	return put_hex(s, a);
}

/* At exit: "# site HASH frame < frame < ..." for every site seen. */
static void name_sites(void)
{
	size_t i;
	int k;

	for (i = 0; site_tab && i < SITE_CAP; i++) {
		char *s;
		if (!site_tab[i].hash)
			continue;
		s = line_room(SITE_DEPTH * 90 + 40);
		s = put_str(s, "# site ", 7);
		s = put_hex(s, site_tab[i].hash);
		for (k = 0; k < site_tab[i].n; k++) {
			s = put_str(s, k ? " < " : " ", 3);
			s = put_frame(s, site_tab[i].frames[k]);
		}
		line_end(s);
	}
}

/* ---- set-up ---- */

static void prepare_fork(void)
{
	pthread_mutex_lock(&lock);
	flush();
}

static void parent_fork(void)
{
	pthread_mutex_unlock(&lock);
}

static void child_fork(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	pos = 0;
	started = 0;
	forked = 1;
	pthread_mutex_unlock(&lock);
}

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

static void init(void)
{
	const char *file;

	if (state != UNINIT)
		return;
	state = RESOLVING;
	busy++;
	RESOLVE(malloc);
	RESOLVE(calloc);
	RESOLVE(realloc);
	RESOLVE(free);
	RESOLVE(posix_memalign);
	RESOLVE(aligned_alloc);
	RESOLVE(memalign);
	RESOLVE(valloc);
	RESOLVE(pvalloc);
	file = getenv("PAGEALLOC_RECORD_FILE");
	if (file && *file && strlen(file) < PATH_ROOM && real.malloc && real.calloc &&
	    real.realloc && real.free && real.posix_memalign && real.aligned_alloc &&
	    real.memalign && real.valloc && real.pvalloc) {
		strcpy(path, file);
		program_name(prog, program_invocation_short_name);
		file = getenv("PAGEALLOC_RECORD_SITES");
		sites_on = !(file && !strcmp(file, "0"));
		dl_iterate_phdr(find_self, (void *)&find_self);
		file = getenv("PAGEALLOC_RECORD_ROOT");
		root_pid = file ? (pid_t)strtol(file, NULL, 10) : 0;
		enabled = pthread_atfork(prepare_fork, parent_fork, child_fork) == 0;
	}
	state = READY;
	if (sites_on) {		/* backtrace loads its unwinder now, not inside a hook */
		void *f[2];
		backtrace(f, 2);
	}
	busy--;
}

__attribute__((constructor)) static void start(void)
{
	init();
}

__attribute__((destructor)) static void stop(void)
{
	if (!enabled)
		return;
	busy++;
	pthread_mutex_lock(&lock);
	if (started)
		name_sites();
	flush();
	finished = 1;
	pthread_mutex_unlock(&lock);
	busy--;
}

/* 1 when the call is to be recorded: the lock is then held. */
static int begin(void)
{
	if (state != READY)
		init();
	if (busy || !enabled)
		return 0;
	busy = 1;
	pthread_mutex_lock(&lock);
	return 1;
}

static void end(void)
{
	pthread_mutex_unlock(&lock);
	busy = 0;
}

/* After an allocating call: record it, and let go of the lock. */
static void *done(int rec, void *p, char op, size_t nmemb, size_t size)
{
	if (rec) {
		if (p)
			note_alloc(p, op, nmemb, size, call_site());
		end();
	}
	return p;
}

/* ---- the interposed calls ---- */

static size_t whole_pages(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return n ? (n + page - 1) / page * page : page;
}

/*
 * A call that allocates size bytes: the early buffer answers it while dlsym
 * runs, then the real call does, recorded as "a ID SIZE".
 */
#define ALLOC_HOOK(decl, align, size, call)			\
	EXPORT void *decl					\
	{							\
		int rec;					\
								\
		if (state == RESOLVING)				\
			return early_alloc(align, size);	\
		rec = begin();					\
		return done(rec, call, 'a', 0, size);		\
	}

ALLOC_HOOK(malloc(size_t n), 16, n, real.malloc(n))
ALLOC_HOOK(aligned_alloc(size_t align, size_t n), align, n, real.aligned_alloc(align, n))
ALLOC_HOOK(memalign(size_t align, size_t n), align, n, real.memalign(align, n))
ALLOC_HOOK(valloc(size_t n), 4096, n, real.valloc(n))
/* pvalloc rounds the size up to whole pages: that is what the program may use */
ALLOC_HOOK(pvalloc(size_t n), 4096, whole_pages(n), real.pvalloc(n))

EXPORT void *calloc(size_t nmemb, size_t n)
{
	int rec;

	if (state == RESOLVING)
		return n && nmemb > SIZE_MAX / n ? NULL : early_alloc(16, nmemb * n);
	rec = begin();
	return done(rec, real.calloc(nmemb, n), 'c', nmemb, n);
}

EXPORT void free(void *p)
{
	struct entry *e;
	int rec;

	if (!p || is_early(p))
		return;
	rec = begin();
	if (rec && (e = lookup(p)) != NULL)
		note_free(e);
	real.free(p);
	if (rec)
		end();
}

/* A chunk from the early buffer moves to real memory. */
static void *early_realloc(void *p, size_t n)
{
	size_t room = (size_t)(early + sizeof(early) - (unsigned char *)p);
	void *q = malloc(n);

	if (q)
		memcpy(q, p, n < room ? n : room);
	return q;
}

EXPORT void *realloc(void *p, size_t n)
{
	struct entry *e;
	void *q;
	int rec;

	if (!p)
		return malloc(n);
	if (is_early(p))
		return early_realloc(p, n);
	rec = begin();
	e = rec ? lookup(p) : NULL;
	q = real.realloc(p, n);
	if (e && n == 0) {	/* p is freed; a q would be a chunk of 0 bytes */
		note_free(e);
		e = NULL;
	}
	if (e && q) {
		uint64_t id = e->id, site = e->site;
		prologue();
		emit('r', id, 1, n, 0, 0);
		remove_entry(e);
		insert((uintptr_t)q, id, n, site);
		end();
		return q;
	}
	/* failed (nothing to record), or p was not ours: q is a new chunk */
	return done(rec, q, 'a', 0, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	int rec, r;

	if (state == RESOLVING) {
		*out = early_alloc(align, n);
		return *out ? 0 : ENOMEM;
	}
	rec = begin();
	r = real.posix_memalign(out, align, n);
	done(rec, r ? NULL : *out, 'a', 0, n);
	return r;
}
