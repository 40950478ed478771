#!/bin/sh
# binarytrees.sh - run the binary-trees benchmark of the my_malloc lab at
# a small depth for every LAB_VERSION and compare what each prints with
# binarytrees.expected.  Usage: binarytrees.sh [DIR]  (default ./compat,
# where the programs binarytrees_v0..3 are); srcdir or top_srcdir from the
# environment locate the expected output.
dir=${1:-./compat}
expected=$(dirname "$0")/binarytrees.expected
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
status=0
for v in 0 1 2 3; do
	if ! "$dir/binarytrees_v$v" 10 8 8 >"$out" 2>/dev/null; then
		echo "LAB_VERSION $v: binarytrees failed"
		status=1
	elif ! diff -u "$expected" "$out"; then
		echo "LAB_VERSION $v: output differs"
		status=1
	else
		echo "LAB_VERSION $v: binarytrees 10 8 8 as expected"
	fi
done
exit $status
