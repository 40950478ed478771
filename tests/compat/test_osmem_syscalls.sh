#!/bin/sh
# test_osmem_syscalls.sh - run the osmem test programs under strace and
# check, for each os_* call they make between their markers, the brk, mmap
# (and mremap) and munmap calls the call made: how many of each, and, where
# the marker lists them, each call in order with its arguments, as the
# lab's ltrace checker compares them.
# Usage: test_osmem_syscalls.sh [PROGRAM...]
#   (default ./compat/test_osmem ./compat/test_osmem_snippets)
# Exit 77 (skipped) without a working strace.
#
# A marker is a write(2) to fd -1 (it fails at once, and strace shows it):
#
#   BEGIN what|brk=B mmap=M munmap=U|BREAK|CALLS    ... the call ...    END
#
# BREAK is the program break before the call (hex); CALLS, when not empty,
# is the exact list of the call's system calls, comma-separated:
#   "mmap LEN"          mmap of LEN bytes
#   "munmap ADDR LEN"   munmap of LEN bytes at ADDR (hex)
#   "brk +N"            the break moved up by N bytes from where it was
#   "none"              no system call at all
# brk(NULL), which only asks for the break, is counted but not listed.
progs=${*:-./compat/test_osmem ./compat/test_osmem_snippets}
command -v strace >/dev/null 2>&1 || { echo "strace not found: skipped"; exit 77; }
strace -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }

# LeakSanitizer (in an --enable-sanitizers build) cannot run under ptrace.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
status=0
for prog in $progs; do
	echo "$prog:"
	strace -f -qq -s 400 -e trace=brk,mmap,munmap,mremap,write -o "$log" "$prog" >/dev/null || { status=1; continue; }

	# A libtool wrapper may run first (-f follows it): only lines between
	# a BEGIN and its END count, and only they come from the calls under
	# test.
	awk '
	# mawk has no strtonum: hex by hand (addresses fit a double exactly).
	function hex(s,   i, n, c) {
		s = tolower(s); sub(/^0x/, "", s); n = 0
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1))
			if (!c) return -1
			n = n * 16 + c - 1
		}
		return n
	}
	function arg(line, k,   a, n, x) {	# the k-th argument of the call
		a = line; sub(/^[^(]*\(/, "", a); sub(/\).*/, "", a)
		n = split(a, x, /, /)
		return k <= n ? x[k] : ""
	}
	function add(s) { got_calls = got_calls (got_calls == "" ? "" : ",") s }
	/write\(-1, "BEGIN / {
		line = $0
		sub(/.*write\(-1, "BEGIN /, "", line)
		sub(/", [0-9]+\).*/, "", line)
		split(line, f, "|")
		what = f[1]; want = f[2]; cur = hex(f[3]); want_calls = f[4]
		inside = 1; b = m = u = 0; got_calls = ""; calls++
		next
	}
	/write\(-1, "END"/ {
		got = "brk=" b " mmap=" m " munmap=" u
		if (got != want) { printf "  %s: made %s, expected %s\n", what, got, want; bad++ }
		else if (want_calls != "" && (got_calls == "" ? "none" : got_calls) != want_calls) {
			printf "  %s: made %s, expected %s\n", what, got_calls == "" ? "none" : got_calls, want_calls
			bad++
		}
		inside = 0
		next
	}
	inside && /(^|[ \]])brk\(/ {
		b++
		a = arg($0, 1); r = $0; sub(/.*= /, "", r)
		if (a != "NULL") add("brk +" (hex(a) - cur))
		cur = hex(r)
	}
	inside && /(^|[ \]])(mmap|mremap)\(/ { m++; add(($0 ~ /mremap\(/ ? "mremap " arg($0, 3) : "mmap " arg($0, 2))) }
	inside && /(^|[ \]])munmap\(/ { u++; add("munmap " arg($0, 1) " " arg($0, 2)) }
	END {
		if (!calls) { print "  no markers in the trace"; exit 1 }
		printf "  %d os_* calls traced, %d with other system calls than expected\n", calls, bad
		exit (bad > 0)
	}' "$log" || status=1
done
exit $status
