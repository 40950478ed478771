#!/bin/sh
# annotate.sh - a use-after-free and an overflow inside a libpagealloc heap
# are reported by the tool the library tells about its chunks (lib/annotate.h):
# ASan in an --enable-sanitizers build, memcheck otherwise; a correct program
# draws no report.  Skipped (77) when neither is built in or valgrind is missing.
demo=${top_builddir:-.}/fuzz/annotate-demo
mode=$("$demo" mode) || exit 99
case $mode in
asan)
	run() { ASAN_OPTIONS=detect_leaks=0 "$@"; }
	uaf='AddressSanitizer: use-after-poison' overflow='AddressSanitizer: use-after-poison' ;;
memcheck)
	command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed"; exit 77; }
	run() { valgrind -q --error-exitcode=9 "$@"; }
	uaf='Invalid read' overflow='Invalid write' ;;
*)
	echo "built without <valgrind/memcheck.h> and without ASan"; exit 77 ;;
esac

log=$(mktemp) || exit 99
trap 'rm -f "$log"' EXIT
fail=0
for spec in page elastic bump cell brk; do
	clean=$spec
	[ "$spec" = cell ] && clean=cell:cell_size=4096
	if ! run "$demo" clean "$clean" >"$log" 2>&1; then
		echo "FAIL: $mode reports a correct program on $clean:"; cat "$log"; fail=1
	fi
	for bug in uaf overflow; do
		eval "want=\$$bug"
		run "$demo" $bug "$spec" >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ] && grep -q "$want" "$log"; then
			echo "ok: $mode reports the $bug on $spec ($(grep -m1 -o "$want" "$log"))"
		else
			echo "FAIL: $mode misses the $bug on $spec (exit $rc):"; cat "$log"; fail=1
		fi
	done
done
exit $fail
