#!/bin/sh
# memcheck.sh [BUILDDIR] - the test suite's programs under valgrind memcheck.
#
# Run from (or given) the top of a build tree whose tests are built; `make
# memcheck` builds them and runs this.  Each program runs as one process
# (CK_FORK=no) and must end with no memcheck error.  The library announces
# its chunks to memcheck (lib/annotate.h), so a test that reads or writes a
# chunk it does not own fails here.  Two programs run at a time.
#
# Left out, with the reason:
#   check_trace's "figures" case: it measures the C library's malloc, which
#     valgrind replaces (its "parse" case runs);
#   compat/test_ealloc, test_ealloc_mem, test_mymalloc_v1, test_osmem: they
#     assert the process's VSZ or its mappings, which valgrind's own change
#     (and test_osmem_syscalls.sh counts system calls under strace).
# MEMCHECK_QUICK=1 (CI) also keeps the slowest suites to a part: check_models
# runs its bad-input case (the random runs take half an hour under valgrind)
# and check_arena its "core" case.
# compat/test_alloc probes with msync whether a freed chunk is still mapped:
# memcheck.supp lets it.
srcdir=$(cd "$(dirname "$0")" && pwd)

# Run one PROGRAM[:CASE] (from the build tree); print a line, and the log of
# a failure.
run_one() {
	prog=${1%%:*}
	if [ "$prog" != "$1" ]; then
		CK_RUN_CASE=${1#*:}
		export CK_RUN_CASE
	fi
	log=$(mktemp) || exit 1
	start=$(date +%s)
	CK_FORK=no ./libtool --mode=execute \
		valgrind -q --error-exitcode=99 --suppressions="$srcdir/memcheck.supp" \
		"tests/$prog" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "Checks: 0," "$log"; then
		rc=98		# a Check suite that ran nothing
	fi
	if [ $rc -eq 0 ]; then
		echo "ok    $1 ($(($(date +%s) - start)) s)"
	else
		echo "FAIL  $1 (exit $rc, $(($(date +%s) - start)) s)"
		sed 's/^/    /' "$log" | head -n 60
	fi
	rm -f "$log"
	return $rc
}
if [ "$1" = --one ]; then
	run_one "$2"
	exit
fi

cd "${1:-.}" || exit 1
command -v valgrind >/dev/null 2>&1 || { echo "memcheck.sh: valgrind is not installed" >&2; exit 77; }
if [ "${MEMCHECK_QUICK:-0}" = 1 ]; then
	models="check_models:bad input" arena="check_arena:core"
else
	models=check_models arena=check_arena
fi
# One "PROGRAM[:CASE]" per line, the longest first; xargs fails if any does.
{
	echo "$models"
	echo "$arena"
	for t in tests/check_*; do
		case $t in
		# *_tsan: make check-tsan's ThreadSanitizer build, which valgrind cannot run
		*.o|*.log|*.trs|*_tsan|*/check_models|*/check_arena) ;;
		*/check_trace) echo "check_trace:parse" ;;
		*) [ -x "$t" ] && echo "${t#tests/}" ;;
		esac
	done
	for t in test_alloc test_alloc_mem test_mymalloc_v0 test_mymalloc_v2 test_mymalloc_v3; do
		echo "compat/$t"
	done
} | tr '\n' '\0' | xargs -0 -n 1 -P 2 "$srcdir/memcheck.sh" --one
