#!/bin/sh
# realprogs.sh - real programs under libpagealloc-malloc.so, on every policy
# that can serve a whole program: each must give the very output it gives
# without the preload.
#
#   python3   builds, sorts and serialises 40000 records (~200k objects) (hardening/workload.py)
#   python3-malloc  the same with PYTHONMALLOC=malloc, smaller: every object
#             from malloc (only where a call's cost does not grow with the
#             heap; see HEAVY below)
#   sqlite3   builds a 20000-row database and queries it (hardening/sqlite.sql)
#   sort      sorts 200k generated lines twice, once with 2 threads
#   gcc       compiles and links hardening/mallocstress.c at -O2 (cc1, as,
#             collect2 and ld run under the preload too)
#   mallocstress  8 threads hammering malloc and its companions, and forking
#   mallocapi what a program may expect of the malloc family (malloc(0),
#             ENOMEM, overflows, alignments...), and pointers from elsewhere
#
# Run by make check from tests/ (srcdir and top_builddir come from
# the harness).  A program that is not installed is skipped; exit 77 when
# the preload or the test programs are not built.  Options (environment):
#     PAGEALLOC_MALLOC_SO  the module (default: the build tree's, then $pkglibdir's)
#     REALPROGS_POLICIES   the specs to run (default below)

srcdir=${srcdir:-.}
top_builddir=${top_builddir:-..}

# Specs: the cell heap's larger sizes go to the fallback (elastic).
POLICIES=${REALPROGS_POLICIES:-"elastic page:page_size=64M bump:pool_chunk=4M brk mmap cell:cell_size=128"}
# Policies whose calls cost the same however many chunks are live: the others
# (page: a first fit over its region's size classes; brk: a search of every
# block; mmap: a system call and a page per chunk) would take minutes there.
HEAVY="elastic bump cell"

skip() {
	echo "SKIP: $*"
	exit 77
}

so=${PAGEALLOC_MALLOC_SO:-$top_builddir/preload/.libs/libpagealloc-malloc.so}
test -f "$so" || so=${pkglibdir:-/nonexistent}/libpagealloc-malloc.so
test -f "$so" || skip "libpagealloc-malloc.so is not built"
case $so in /*) ;; *) so=$(pwd)/$so ;; esac

stress=./hardening/mallocstress
test -x "$stress" && test -x ./hardening/mallocapi || skip "the test programs are not built"

have() {
	command -v "$1" >/dev/null 2>&1
}
python=/usr/bin/python3
test -x "$python" || python=$(command -v python3)

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
awk 'BEGIN { x = 12345; for (i = 0; i < 200000; i++) {
	x = (x * 1103515245 + 12345) % 2147483648; printf "%08x %d line-%d\n", x, x % 1000, i } }' \
	>"$tmp/lines.txt"
export LC_ALL=C PYTHONHASHSEED=0
# a program that hangs is a failure, not a stuck test suite
T=
have timeout && T="timeout 300"

# Each program writes what it produced to the file $1; $2 is a scratch directory.
prog_python3() {
	$T "$python" "$srcdir/hardening/workload.py" 40000 >"$1"
}
prog_python3_malloc() {
	PYTHONMALLOC=malloc $T "$python" "$srcdir/hardening/workload.py" 30000 >"$1"
}
prog_sqlite3() {
	rm -f "$2/db" && $T sqlite3 "$2/db" <"$srcdir/hardening/sqlite.sql" >"$1"
}
prog_sort() {
	{ $T sort -k2,2n -k1,1 "$tmp/lines.txt" && $T sort -r --parallel=2 -S 4M "$tmp/lines.txt"; } >"$1"
}
prog_gcc() {
	$T gcc -O2 -D_GNU_SOURCE -o "$2/mallocstress" "$srcdir/hardening/mallocstress.c" -lpthread &&
	cksum <"$2/mallocstress" >"$1"
}
prog_mallocstress() {
	$T "$stress" 5000 >"$1"
}
prog_mallocapi() {
	$T ./hardening/mallocapi >"$1"
}

programs=
have "$python" && programs="$programs python3 python3_malloc" || echo "python3 is not installed: skipped"
have sqlite3 && programs="$programs sqlite3" || echo "sqlite3 is not installed: skipped"
have sort && programs="$programs sort"
have gcc && programs="$programs gcc" || echo "gcc is not installed: skipped"
programs="$programs mallocstress mallocapi"

# The reference outputs, without the preload.
mkdir "$tmp/ref"
for p in $programs; do
	prog_$p "$tmp/ref/$p.out" "$tmp/ref" || { echo "FAIL: $p fails without the preload"; exit 1; }
done

ms() {
	echo $(($(date +%s%N) / 1000000))
}

status=0 total_run=0 total_same=0 npolicies=0
for spec in $POLICIES; do
	policy=${spec%%:*}
	# the preload must really be in: its figures name the policy
	PAGEALLOC_MALLOC_STATS=1 LD_PRELOAD=$so PAGEALLOC_POLICY=$spec "$stress" 100 \
		>/dev/null 2>"$tmp/probe.err"
	if ! grep -q "primary $policy:" "$tmp/probe.err"; then
		echo "FAIL: $spec: mallocstress did not run on libpagealloc-malloc.so:"
		sed 's/^/    /' "$tmp/probe.err" | head -5
		status=1
		continue
	fi
	start=$(ms) run=0 same=0
	mkdir -p "$tmp/$policy"
	for p in $programs; do
		case "$p $HEAVY " in python3_malloc*" $policy "*) ;; python3_malloc*) continue ;; esac
		run=$((run + 1))
		if (LD_PRELOAD=$so PAGEALLOC_POLICY=$spec; export LD_PRELOAD PAGEALLOC_POLICY;
		    prog_$p "$tmp/$policy/$p.out" "$tmp/$policy") 2>"$tmp/$policy/$p.err" &&
		   cmp -s "$tmp/ref/$p.out" "$tmp/$policy/$p.out"; then
			same=$((same + 1))
		else
			echo "FAIL: $spec: $p: exit status or output differs from the run without the preload"
			sed 's/^/    /' "$tmp/$policy/$p.err" | head -5
			status=1
		fi
	done
	echo "realprogs: $spec: $run programs run, $same outputs identical ($(($(ms) - start)) ms)"
	total_run=$((total_run + run)) total_same=$((total_same + same)) npolicies=$((npolicies + 1))
done
echo "realprogs: $total_run runs of $(echo $programs | wc -w) programs on $npolicies policies, $total_same identical to the runs without the preload"
exit $status
