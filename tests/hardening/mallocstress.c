/*
 * mallocstress.c - hammer the process's malloc from 8 threads: malloc,
 * calloc, realloc, free, reallocarray, posix_memalign, aligned_alloc and
 * memalign, chunks handed from thread to thread, and forks on the way.
 *
 * Every chunk begins with its size and a tag, and the rest of it holds a
 * pattern of that tag, verified before each free and realloc (by whichever
 * thread holds the chunk then); every pointer is checked for its alignment
 * and malloc_usable_size.  A forked child allocates, frees and exits: a
 * heap lock inherited from a thread that is not there would hang it.
 *
 * Run by tests/hardening/realprogs.sh with and without LD_PRELOAD: its
 * output does not depend on timing, so the two must be identical.
 *     usage: mallocstress [OPS_PER_THREAD]
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8
#define SLOTS 256
#define MAILBOXES 64
#define FORKS 4

struct head {
	size_t n;		/* bytes of the chunk in use, the head included */
	uint32_t tag;
};

static _Atomic(struct head *) mailbox[MAILBOXES];
static atomic_int running = THREADS;
static unsigned long ops_per_thread = 50000;

static _Noreturn void fail(const char *what, const void *p, size_t n)
{
	fprintf(stderr, "mallocstress: %s (chunk %p, %zu bytes)\n", what, p, n);
	_exit(1);
}

static uint32_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static unsigned char pat(uint32_t tag, size_t i)
{
	return (unsigned char)(tag * 0x9E3779B1u + i * 131 + (i >> 9));
}

static void fill(struct head *h, size_t n, uint32_t tag)
{
	unsigned char *b = (unsigned char *)h;
	size_t i;

	h->n = n;
	h->tag = tag;
	for (i = sizeof(*h); i < n; i++)
		b[i] = pat(tag, i);
}

static void verify(const struct head *h, size_t upto)
{
	const unsigned char *b = (const unsigned char *)h;
	size_t i, n = h->n < upto ? h->n : upto;

	for (i = sizeof(*h); i < n; i++)
		if (b[i] != pat(h->tag, i))
			fail("pattern damaged", h, h->n);
}

/* A chunk just handed out: aligned, as large as asked, then filled. */
static struct head *fresh(void *p, size_t n, size_t align, uint32_t tag)
{
	if (!p)
		fail("allocation failed", p, n);
	if ((uintptr_t)p % align)
		fail("misaligned", p, align);
	if (malloc_usable_size(p) < n)
		fail("malloc_usable_size too small", p, n);
	fill(p, n, tag);
	return p;
}

static size_t pick_size(uint64_t *s)
{
	uint32_t r = next(s) % 1000;

	if (r < 900)
		return sizeof(struct head) + next(s) % 240;
	if (r < 995)
		return sizeof(struct head) + next(s) % 16384;
	return sizeof(struct head) + next(s) % (1 << 20);
}

static struct head *allocate(uint64_t *s, size_t n, uint32_t tag)
{
	static const size_t aligns[] = { 32, 64, 256, 4096 };
	size_t a = aligns[next(s) % 4];
	unsigned char *p;
	void *q = NULL;
	size_t i;

	switch (next(s) % 8) {
	case 0:
		p = calloc(n / 8 + 1, 8);
		for (i = 0; p && i < n; i++)
			if (p[i])
				fail("calloc memory not zero", p, n);
		return fresh(p, n, 16, tag);
	case 1:
		if (posix_memalign(&q, a, n))
			q = NULL;
		return fresh(q, n, a, tag);
	case 2:
		return fresh(aligned_alloc(a, (n + a - 1) / a * a), n, a, tag);
	case 3:
		return fresh(memalign(a, n), n, a, tag);
	default:
		return fresh(malloc(n), n, 16, tag);
	}
}

static struct head *resize(uint64_t *s, struct head *h, size_t n, uint32_t tag)
{
	size_t old = h->n;
	struct head *q;

	verify(h, old);
	q = next(s) % 2 ? realloc(h, n) : reallocarray(h, 1, n);
	if (!q)
		fail("realloc failed", h, n);
	q->n = n < old ? n : old;
	verify(q, n);		/* the contents moved along */
	return fresh(q, n, 16, tag);
}

static void release(struct head *h)
{
	verify(h, h->n);
	free(h);
}

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint64_t s = 0x9E3779B97F4A7C15ULL * (id + 1);
	struct head *slot[SLOTS] = { 0 }, *m;
	uint32_t tag = (uint32_t)id << 24;
	unsigned long i;
	size_t k;

	for (i = 0; i < ops_per_thread; i++) {
		struct head **sl = &slot[next(&s) % SLOTS];
		uint32_t what = next(&s) % 100;

		if (!*sl) {
			*sl = allocate(&s, pick_size(&s), tag++);
		} else if (what < 30) {
			*sl = resize(&s, *sl, pick_size(&s), tag++);
		} else if (what < 40) {
			/* swap with a mailbox: the chunk is another thread's to free */
			m = atomic_exchange(&mailbox[next(&s) % MAILBOXES], *sl);
			*sl = NULL;
			if (m)
				release(m);
		} else {
			release(*sl);
			*sl = NULL;
		}
	}
	for (k = 0; k < SLOTS; k++)
		if (slot[k])
			release(slot[k]);
	atomic_fetch_sub(&running, 1);
	return NULL;
}

/* Fork while the workers run: the child must be able to allocate. */
static void fork_child(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		fail("fork failed", NULL, 0);
	if (pid == 0) {
		uint64_t s = 42;
		struct head *h;
		int i;

		alarm(20);
		for (i = 0; i < 1000; i++) {
			h = allocate(&s, pick_size(&s), (uint32_t)i);
			h = resize(&s, h, pick_size(&s), (uint32_t)i);
			release(h);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("a forked child failed or hung", NULL, (size_t)status);
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	uintptr_t i;
	int forks = 0;
	size_t k;

	if (argc > 1)
		ops_per_thread = strtoul(argv[1], NULL, 10);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			fail("pthread_create failed", NULL, 0);
	while (forks < FORKS && atomic_load(&running) > 0) {
		usleep(10000);
		fork_child();
		forks++;
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (k = 0; k < MAILBOXES; k++)
		if (mailbox[k])
			release(mailbox[k]);
	printf("mallocstress: %d threads x %lu operations, chunks passed between threads: "
	       "every pattern intact\n", THREADS, ops_per_thread);
	return 0;
}
