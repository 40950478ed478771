#!/bin/sh
# man/lint.sh - the man pages are mandoc -Tlint clean, and every function the
# built library exports has a page man/NAME.3 whose NAME section lists it.
#
# Run by make check from the top build directory: the test harness exports
# srcdir; top_builddir defaults to the current directory.  Exit 77 (skip)
# when mandoc, nm or the built library is missing.

srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
lib=$top_builddir/.libs/libpagealloc.so
MANDOC=${MANDOC:-mandoc}
NM=${NM:-nm}

skip() {
	echo "SKIP: $*"
	exit 77
}

command -v "$MANDOC" >/dev/null 2>&1 || skip "$MANDOC not found"
command -v "$NM" >/dev/null 2>&1 || skip "$NM not found"
test -f "$lib" || skip "$lib not built"

status=0

# Warnings and worse: mandoc prints them and exits nonzero.
for page in "$srcdir"/man/*.[1-8]; do
	if ! out=$("$MANDOC" -Tlint -Wwarning "$page" 2>&1) || test -n "$out"; then
		printf '%s\n' "$out"
		echo "FAIL: mandoc -Tlint -Wwarning reports problems in $page"
		status=1
	fi
done

# The exported functions, without their version node (name@@PAGEALLOC_0.1).
syms=$("$NM" -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }')
test -n "$syms" || { echo "FAIL: no exported functions found in $lib"; exit 1; }

count=0
for sym in $syms; do
	count=$((count + 1))
	page=$srcdir/man/$sym.3
	if ! test -f "$page"; then
		echo "FAIL: $sym is exported by $lib but has no page man/$sym.3"
		status=1
	elif ! grep -Eq "^\.Nm $sym( ,)?\$" "$page"; then
		echo "FAIL: man/$sym.3 does not list $sym in its NAME section (.Nm $sym)"
		status=1
	fi
done

test $status -eq 0 && echo "PASS: $(ls "$srcdir"/man/*.[1-8] | wc -l) pages lint clean; $count exported functions documented"
exit $status
