#!/bin/sh
# osmem_standalone.sh - libosmem.so as a lab's checker uses it: copied
# alone into a directory (the lab's src/), a test program linked with
# -L that directory -losmem, and run with LD_LIBRARY_PATH set to that
# directory and nothing else.  It must need no library of ours at run
# time, and be named as the lab names it (soname libosmem.so).
# Exit 77 (skipped) when the library or a C compiler is missing.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-..}
CC=${CC:-cc}
lib=$top_builddir/compat/.libs/libosmem.so
test -f "$lib" || { echo "SKIP: $lib not built"; exit 77; }
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: no C compiler ($CC)"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/tests"
cp "$lib" "$tmp/src/libosmem.so"
status=0
fail() {
	echo "FAIL: $*"
	status=1
}

if command -v readelf >/dev/null 2>&1; then
	dyn=$(readelf -d "$tmp/src/libosmem.so") || fail "readelf cannot read libosmem.so"
	echo "$dyn" | grep -q 'Library soname: \[libosmem.so\]' ||
		fail "the soname is not libosmem.so: $(echo "$dyn" | grep SONAME)"
	needed=$(echo "$dyn" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
	case $needed in
	*pagealloc*) fail "libosmem.so needs a library of ours at run time: $needed" ;;
	esac
	echo "libosmem.so: soname libosmem.so, needs $needed"
fi

"$CC" -o "$tmp/tests/snippets" -I"$srcdir/../compat/osmem" \
	"$srcdir/compat/test_osmem_snippets.c" -L"$tmp/src" -losmem ||
	{ echo "FAIL: cannot build against the copied libosmem.so"; exit 1; }
if LD_LIBRARY_PATH=$tmp/src "$tmp/tests/snippets"; then
	echo "ran with LD_LIBRARY_PATH=its src directory alone"
else
	fail "the snippets program fails with LD_LIBRARY_PATH=src alone"
fi
exit $status
