#!/bin/sh
# downstream.sh - build the labs' test programs of this directory the way
# a user of the lab interfaces would, with nothing but
#     $CC prog.c $($PKG_CONFIG --cflags --libs pagealloc-compat-NAME)
# and run them.  Usage: downstream.sh SRCDIR BUILDDIR; the environment
# points PKG_CONFIG_PATH (and LD_LIBRARY_PATH) at the installation to test,
# as `make check-compat-downstream` does for a scratch one.
set -e
src=$1
out=$2
: "${CC:=cc}" "${PKG_CONFIG:=pkg-config}"
mkdir -p "$out"

# build NAME MODULE SOURCE [CFLAGS...]
build() {
	name=$1 module=$2 source=$3
	shift 3
	# shellcheck disable=SC2046 # the flags are words
	$CC -Wall -Wextra -Werror "$@" -o "$out/$name" "$src/$source" \
		$($PKG_CONFIG --cflags --libs "$module")
}

build test_alloc pagealloc-compat-alloc test_alloc.c
build test_ealloc pagealloc-compat-ealloc test_ealloc.c
build test_alloc_mem pagealloc-compat-allocmem test_alloc_mem.c
build test_ealloc_mem pagealloc-compat-allocmem test_ealloc_mem.c
build test_osmem pagealloc-compat-osmem test_osmem.c
for v in 0 1 2 3; do
	build "test_mymalloc_v$v" pagealloc-compat-mymalloc test_mymalloc.c -DLAB_VERSION=$v
	build "binarytrees_v$v" pagealloc-compat-mymalloc binarytrees.c -DLAB_VERSION=$v
done

# <alloc.h> as well as "alloc.h": the module's directory is on the path
printf '#include <alloc.h>\nint main(void) { return init_alloc() || cleanup(); }\n' >"$out/angle.c"
$CC -o "$out/angle" "$out/angle.c" $($PKG_CONFIG --cflags --libs pagealloc-compat-alloc)
"$out/angle"

status=0
for t in test_alloc test_ealloc test_alloc_mem test_ealloc_mem test_osmem \
	 test_mymalloc_v0 test_mymalloc_v1 test_mymalloc_v2 test_mymalloc_v3; do
	if "$out/$t" >"$out/$t.log" 2>&1; then
		echo "PASS: $t"
	else
		echo "FAIL: $t"; sed 's/^/    /' "$out/$t.log"; status=1
	fi
done
if sh "$src/test_osmem_syscalls.sh" "$out/test_osmem" >"$out/syscalls.log" 2>&1; then
	echo "PASS: test_osmem_syscalls.sh"
else
	rc=$?
	if [ $rc -eq 77 ]; then echo "SKIP: test_osmem_syscalls.sh"
	else echo "FAIL: test_osmem_syscalls.sh"; sed 's/^/    /' "$out/syscalls.log"; status=1; fi
fi
if sh "$src/binarytrees.sh" "$out" >"$out/binarytrees.log" 2>&1; then
	echo "PASS: binarytrees.sh"
else
	echo "FAIL: binarytrees.sh"; sed 's/^/    /' "$out/binarytrees.log"; status=1
fi
[ $status -eq 0 ] && echo "compat downstream: every lab program built with pkg-config and passed"
exit $status
