# trace/setup.sh - sourced by the trace tests: the tool (this build's, else
# the installed one), its recorder, a scratch directory and the helpers.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-..}
data=$srcdir/trace
T=$(cd "$top_builddir" && pwd)/tools/pagealloc-trace
if test ! -x "$T"; then
	T=$(command -v pagealloc-trace) || { echo "SKIP: no pagealloc-trace"; exit 77; }
fi
if test -f "$top_builddir/tools/.libs/libpagealloc-record.so"; then
	PAGEALLOC_TRACE_LIBDIR=$(cd "$top_builddir/tools/.libs" && pwd)
	export PAGEALLOC_TRACE_LIBDIR
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

fail() {
	echo "FAIL: $*"
	status=1
}

# expect STATUS COMMAND...: run it, stdout to $tmp/out, stderr to $tmp/err.
expect() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	test "$got" -eq "$want" || fail "$* exited $got, not $want: $(head -n 3 "$tmp/err")"
}

# has FILE PATTERN: a line of FILE matches the extended regular expression.
has() {
	grep -Eq -- "$2" "$1" || fail "$(basename "$1") has no line matching '$2'"
}
