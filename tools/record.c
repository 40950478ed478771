/*
 * record.c - `pagealloc-trace record [-o FILE] -- COMMAND [ARGS...]`: run
 * the command with libpagealloc-record.so preloaded, which writes FILE in
 * the native format (and FILE.PID for each other process image that
 * allocated: fork children, programs they exec), then check each file by
 * parsing it, say what was recorded, and gzip the files when FILE ends in
 * .gz.  The exit status is the command's, as with env(1): 125 when
 * recording itself failed, 126/127 when the command could not be run.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "tool.h"

#define RECORDER "libpagealloc-record.so"
#define FAILED 125

struct record {
	char *base;		/* absolute path of FILE, without a .gz */
	int gz;
	int quiet;
	struct timespec start;	/* files older than the run are not its own */
	char **files;		/* what the run wrote */
	size_t nfiles;
};

static int record_usage(FILE *f, int status)
{
	fprintf(f, "Usage: " PROGRAM " record [-o FILE] [-q] [--] COMMAND [ARGS...]\n"
		   "Run COMMAND with the allocation recorder and write its trace to FILE\n"
		   "(default COMMAND.trace; gzip-compressed when FILE ends in .gz).\n");
	return status;
}

static char *joined(const char *a, const char *sep, const char *b)
{
	char *s = malloc(strlen(a) + strlen(sep) + strlen(b) + 1);

	if (s)
		sprintf(s, "%s%s%s", a, sep, b);
	return s;
}

/* FILE made absolute (the command may change directory), without ".gz". */
static int set_base(struct record *rc, const char *file)
{
	char cwd[4096];
	size_t len = strlen(file);

	rc->gz = len > 3 && !strcmp(file + len - 3, ".gz");
	if (file[0] == '/')
		rc->base = strdup(file);
	else if (getcwd(cwd, sizeof(cwd)))
		rc->base = joined(cwd, "/", file);
	else
		return -1;
	if (!rc->base)
		return -1;
	if (rc->gz)
		rc->base[strlen(rc->base) - 3] = '\0';
	return 0;
}

/* Is s[0..n) a dot and digits? */
static int dot_number(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '.')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Is name one of the run's files: BASE, or BASE.PROG.PID[.N] (PROG a
 * program's name, which may hold dots and digits itself)? */
static int ours(const char *name, const char *base)
{
	size_t len = strlen(base), n;
	const char *s = name + len, *dot;

	if (strncmp(name, base, len))
		return 0;
	if (!*s)
		return 1;
	n = strlen(s);
	dot = strrchr(s, '.');	/* .PID or .N */
	if (!dot || dot == s || !dot_number(dot, (size_t)(s + n - dot)))
		return 0;
	return s[0] == '.' && s + 1 < dot;	/* .PROG before it */
}

static int newer(const char *path, const struct timespec *t)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mtim.tv_sec > t->tv_sec ||
		(st.st_mtim.tv_sec == t->tv_sec && st.st_mtim.tv_nsec >= t->tv_nsec));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files that the run wrote in FILE's directory, by name. */
static int list_files(struct record *rc)
{
	char *slash = strrchr(rc->base, '/'), *dir;
	const char *name = slash + 1;
	struct dirent *d;
	DIR *dp;

	dir = *rc->base == '/' && slash == rc->base ? strdup("/") : strndup(rc->base, (size_t)(slash - rc->base));
	dp = dir ? opendir(dir) : NULL;
	rc->nfiles = 0;
	while (dp && (d = readdir(dp)) != NULL) {
		char **more;
		if (!ours(d->d_name, name))
			continue;
		more = realloc(rc->files, (rc->nfiles + 1) * sizeof(*more));
		if (!more)
			break;
		rc->files = more;
		rc->files[rc->nfiles] = joined(dir, strcmp(dir, "/") ? "/" : "", d->d_name);
		if (rc->files[rc->nfiles] && newer(rc->files[rc->nfiles], &rc->start))
			rc->nfiles++;
		else
			free(rc->files[rc->nfiles]);
	}
	if (dp)
		closedir(dp);
	free(dir);
	if (rc->nfiles)
		qsort(rc->files, rc->nfiles, sizeof(*rc->files), by_name);
	return dp ? 0 : -1;
}

static void free_files(struct record *rc)
{
	while (rc->nfiles)
		free(rc->files[--rc->nfiles]);
}

/* Can FILE be written?  Asked before the command runs: the recorder, in
 * the command's processes, has no way to say it could not.  0, or -1 said. */
static int writable(const struct record *rc, const char *file)
{
	struct stat st;
	int f;

	if (stat(rc->base, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, PROGRAM ": %s: is a directory\n", file);
			return -1;
		}
		if (access(rc->base, W_OK) == 0)
			return 0;
	} else if ((f = open(rc->base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) >= 0) {
		close(f);
		unlink(rc->base);
		return 0;
	}
	fprintf(stderr, PROGRAM ": %s: cannot write: %s\n", file, strerror(errno));
	return -1;
}

/* Where the recorder is: $PAGEALLOC_TRACE_LIBDIR (an uninstalled tree) or $(pkglibdir). */
static char *recorder_path(void)
{
	const char *dir = getenv("PAGEALLOC_TRACE_LIBDIR");

	return joined(dir && *dir ? dir : PKGLIBDIR, "/", RECORDER);
}

/* In the child: the environment for the recorder, then the command. */
static void run_command(const struct record *rc, const char *recorder, char **cmd)
{
	const char *old = getenv("LD_PRELOAD");
	char *preload = old && *old ? joined(recorder, ":", old) : strdup(recorder);
	char pid[24];

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (!preload || setenv("LD_PRELOAD", preload, 1) ||
	    setenv("PAGEALLOC_RECORD_FILE", rc->base, 1) || setenv("PAGEALLOC_RECORD_ROOT", pid, 1)) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		_exit(FAILED);
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, PROGRAM ": %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Run the command and wait for it, as system(3) does; its exit status. */
static int run(const struct record *rc, const char *recorder, char **cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status;
	pid_t pid;

	fflush(NULL);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		run_command(rc, recorder, cmd);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0) {
		fprintf(stderr, PROGRAM ": fork: %s\n", strerror(errno));
		return FAILED;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Compress path into path.gz and remove path. */
static int compress_file(const char *path)
{
	char *out = joined(path, "", ".gz"), data[1 << 16];
	int in = open(path, O_RDONLY | O_CLOEXEC), ok = 0;
	gzFile z = out ? gzopen(out, "wb9") : NULL;
	ssize_t n;

	if (in >= 0 && z) {
		ok = 1;
		while ((n = read(in, data, sizeof(data))) > 0)
			ok &= gzwrite(z, data, (unsigned)n) == n;
		ok &= n == 0;
	}
	if (z)
		ok &= gzclose(z) == Z_OK;
	if (in >= 0)
		close(in);
	if (ok)
		unlink(path);
	else
		fprintf(stderr, PROGRAM ": %s: cannot compress\n", path);
	free(out);
	return ok ? 0 : -1;
}

/* Parse each file the run wrote (a check of the recorder) and say what it holds. */
static int check_files(struct record *rc)
{
	struct trace_error err;
	struct trace t;
	int bad = 0;
	size_t i;

	for (i = 0; i < rc->nfiles; i++) {
		if (trace_load(&t, rc->files[i], TRACE_NATIVE, &err)) {
			fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
			bad = 1;
			continue;
		}
		if (!rc->quiet)
			fprintf(stderr, PROGRAM ": %s%s: %zu operations, peak live %zu bytes\n",
				rc->files[i], rc->gz ? ".gz" : "", t.nops, t.peak_requested);
		trace_release(&t);
		if (rc->gz && compress_file(rc->files[i]))
			bad = 1;
	}
	return bad;
}

int record_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record rc = { 0 };
	const char *file = NULL;
	char *recorder, *defname = NULL;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		if (c == 'o')
			file = optarg;
		else if (c == 'q')
			rc.quiet = 1;
		else if (c == 'h')
			return record_usage(stdout, 0);
		else
			return record_usage(stderr, 2);
	}
	if (optind == argc) {
		fprintf(stderr, PROGRAM ": record: no command given\n");
		return record_usage(stderr, 2);
	}
	if (!file) {
		const char *slash = strrchr(argv[optind], '/');
		file = defname = joined(slash ? slash + 1 : argv[optind], "", ".trace");
	}
	recorder = recorder_path();
	if (!file || !recorder || set_base(&rc, file)) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		return FAILED;
	}
	if (access(recorder, R_OK)) {
		fprintf(stderr, PROGRAM ": %s: %s (set PAGEALLOC_TRACE_LIBDIR)\n", recorder, strerror(errno));
		return FAILED;
	}
	if (writable(&rc, file)) {
		free(rc.base);
		free(recorder);
		free(defname);
		return FAILED;
	}
	/* the first process image takes FILE, the others FILE.PROG.PID */
	unlink(rc.base);
	clock_gettime(CLOCK_REALTIME, &rc.start);
	rc.start.tv_nsec = 0;	/* some file systems keep whole seconds */
	status = run(&rc, recorder, argv + optind);
	list_files(&rc);
	if (!rc.nfiles && status < 126)
		fprintf(stderr, PROGRAM ": %s: nothing was recorded\n", file);
	if (check_files(&rc) && status == 0)
		status = FAILED;
	free_files(&rc);
	free(rc.files);
	free(rc.base);
	free(recorder);
	free(defname);
	return status;
}
