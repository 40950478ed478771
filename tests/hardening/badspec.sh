#!/bin/sh
# badspec.sh - libpagealloc-malloc.so given a bad PAGEALLOC_POLICY or
# PAGEALLOC_FALLBACK: one line on stderr that names the key and what it
# may be, and the program runs on the default (elastic:page_size=256K)
# instead of aborting.
top_builddir=${top_builddir:-..}
so=${PAGEALLOC_MALLOC_SO:-$top_builddir/preload/.libs/libpagealloc-malloc.so}
test -f "$so" || so=${pkglibdir:-/nonexistent}/libpagealloc-malloc.so
test -f "$so" || { echo "SKIP: libpagealloc-malloc.so is not built"; exit 77; }
case $so in /*) ;; *) so=$(pwd)/$so ;; esac
prog=./hardening/mallocapi
test -x "$prog" || { echo "SKIP: hardening/mallocapi is not built"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0
fail() {
	echo "FAIL: $*"
	status=1
}

# run VAR=SPEC MESSAGE: the program passes, stderr is MESSAGE and the stats lines
run() {
	env LD_PRELOAD="$so" PAGEALLOC_MALLOC_STATS=1 "$1" "$prog" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	test "$rc" -eq 0 || fail "$1: exit $rc: $(head -n 2 "$tmp/err")"
	grep -v '^libpagealloc-malloc\[' "$tmp/err" >"$tmp/said"
	test "$(wc -l <"$tmp/said")" -eq 1 || fail "$1: not one line: $(cat "$tmp/said")"
	grep -Fqx -- "$2" "$tmp/said" || fail "$1: said '$(cat "$tmp/said")', not '$2'"
	grep -Eq '^libpagealloc-malloc\[[0-9]+\]: primary elastic: peak [1-9]' "$tmp/err" ||
		fail "$1: the program did not run on elastic: $(cat "$tmp/err")"
}

keys="(keys of elastic: granule, page_size, max_pages, spare_pages, strict, threadsafe)"
run PAGEALLOC_POLICY=elastic:foo=1 \
	"libpagealloc-malloc: PAGEALLOC_POLICY=elastic:foo=1: elastic: unknown key 'foo' $keys; using elastic:page_size=256K"
run PAGEALLOC_POLICY=elastc \
	"libpagealloc-malloc: PAGEALLOC_POLICY=elastc: unknown policy 'elastc' (policies: page, elastic, bump, cell, mmap, brk); using elastic:page_size=256K"
run PAGEALLOC_POLICY=cell:cell_size=64k \
	"libpagealloc-malloc: PAGEALLOC_POLICY=cell:cell_size=64k: cannot create the heap: a bad setting; using elastic:page_size=256K"
run PAGEALLOC_POLICY=elastic:strict=yes \
	"libpagealloc-malloc: PAGEALLOC_POLICY=elastic:strict=yes: elastic: strict=yes: a flag is 0 or 1 (or the key alone for 1); using elastic:page_size=256K"
run PAGEALLOC_FALLBACK=elastic:granule=24 \
	"libpagealloc-malloc: PAGEALLOC_FALLBACK=elastic:granule=24: elastic: granule=24: a power of two from 8 to page_size (4096); using elastic:page_size=256K"
exit $status
