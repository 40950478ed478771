#!/bin/sh
# test_osmem_syscalls.sh - run test_osmem under strace and check, for each
# os_* call it makes between its markers, the exact number of brk, mmap
# (and mremap) and munmap calls the call made: what the lab's own checker
# counts.  Usage: test_osmem_syscalls.sh [PROGRAM]  (default ./compat/test_osmem)
# Exit 77 (skipped) without a working strace.
prog=${1:-./compat/test_osmem}
command -v strace >/dev/null 2>&1 || { echo "strace not found: skipped"; exit 77; }
strace -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }

# LeakSanitizer (in an --enable-sanitizers build) cannot run under ptrace.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
strace -f -qq -s 200 -e trace=brk,mmap,munmap,mremap,write -o "$log" "$prog" || exit 1

# A libtool wrapper may run first (-f follows it): only lines between a
# BEGIN and its END count, and only they come from the calls under test.
awk '
/write\(-1, "BEGIN / {
	line = $0
	sub(/.*write\(-1, "BEGIN /, "", line)
	sub(/", [0-9]+\).*/, "", line)
	n = split(line, w, " ")
	want = w[n - 2] " " w[n - 1] " " w[n]
	what = w[1]; for (i = 2; i <= n - 3; i++) what = what " " w[i]
	inside = 1; b = m = u = 0; calls++
	next
}
/write\(-1, "END"/ {
	got = "brk=" b " mmap=" m " munmap=" u
	if (got != want) { printf "%s: made %s, expected %s\n", what, got, want; bad++ }
	inside = 0
	next
}
inside && /(^|[ \]])brk\(/ { b++ }
inside && /(^|[ \]])(mmap|mremap)\(/ { m++ }
inside && /(^|[ \]])munmap\(/ { u++ }
END {
	if (!calls) { print "no markers in the trace"; exit 1 }
	printf "%d os_* calls traced, %d with other system calls than expected\n", calls, bad
	exit (bad > 0)
}' "$log"
