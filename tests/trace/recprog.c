/*
 * recprog.c - a program for the recorder to record (trace/record.sh): it
 * calls each interposed function once with a size no one else uses, runs
 * four threads of malloc/free, forks a child that allocates, and forks a
 * child that runs this program again ("exec" argument), so the test can
 * find each in the files the recorder wrote.  It prints one line to stdout
 * and nothing to stderr: the recorder must leave both alone.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define PER_THREAD 1000

/* A chunk that the compiler cannot prove unused: free(malloc(n)) is
 * otherwise optimised away. */
static void *volatile sink;

static void alloc_and_free(size_t n)
{
	sink = malloc(n);
	free(sink);
}

static void *worker(void *arg)
{
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		char *p = malloc(777);
		if (!p)
			abort();
		memset(p, i, 777);
		free(p);
	}
	return arg;
}

static void each_call(void)
{
	void *p = malloc(100), *q = calloc(3, 40), *a = NULL;
	void *b = aligned_alloc(64, 128), *c = memalign(64, 96), *d = valloc(200), *e = pvalloc(300);

	if (posix_memalign(&a, 64, 48) || !p || !q || !b || !c || !d || !e)
		abort();
	p = realloc(p, 200);
	free(p);
	free(q);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

static void child_then_wait(int do_exec, char *self)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		abort();
	if (pid == 0) {
		if (do_exec) {
			execl(self, self, "exec", (char *)NULL);
			_exit(1);
		}
		alloc_and_free(4242);
		exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		abort();
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	int i;

	if (argc > 1 && !strcmp(argv[1], "exec")) {
		alloc_and_free(5151);
		return 0;
	}
	each_call();
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			abort();
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	child_then_wait(0, argv[0]);
	child_then_wait(1, argv[0]);
	puts("recprog ok");
	return 0;
}
