#!/bin/sh
# trace/record.sh - pagealloc-trace record: real programs (sort, ls) keep
# their output, and what was recorded replays on every policy; recprog
# makes each intercepted call, threads, a fork and an exec.
. "${srcdir:-.}/trace/setup.sh"
recprog=$top_builddir/tests/trace/recprog
test -x "$recprog" || recprog=./trace/recprog

# ---- sort: the same output, a trace that replays ----
awk 'BEGIN { for (i = 1; i <= 30000; i++) print (i * 7919) % 30011 }' >"$tmp/numbers"
sort -n "$tmp/numbers" >"$tmp/want"
expect 0 "$T" record -o "$tmp/sort.trace" -- sort -n "$tmp/numbers"
cmp -s "$tmp/out" "$tmp/want" || fail "sort's output changed under the recorder"
has "$tmp/err" "^pagealloc-trace: $tmp/sort.trace: [0-9]+ operations, peak live [0-9]+ bytes$"
expect 0 "$T" -q -p elastic,libc "$tmp/sort.trace"
has "$tmp/out" "sort.trace +libc "

# ---- ls, compressed; replayed on every policy with --verify ----
(cd "$tmp" && "$T" record -q -o ls.trace.gz -- ls -l /usr/bin >/dev/null) || fail "record ls"
test -s "$tmp/ls.trace.gz" || fail "no ls.trace.gz"
test -e "$tmp/ls.trace" && fail "ls.trace left uncompressed"
expect 0 "$T" -q --verify "$tmp/ls.trace.gz"
test "$(grep -Ec '^ls.trace.gz +[a-z]+ +[0-9]+ ' "$tmp/out")" -eq 7 || fail "ls.trace.gz: not 7 policies"

# ---- recprog: every call, threads, fork, exec; its output alone ----
expect 0 "$T" record -q -o "$tmp/rp.trace" -- "$recprog"
test "$(cat "$tmp/out")" = "recprog ok" || fail "recprog's stdout changed: $(head -n 2 "$tmp/out")"
test -s "$tmp/err" && fail "recprog's stderr is not empty: $(head -n 2 "$tmp/err")"
rp=$tmp/rp.trace
test "$(grep -Ec '^a [0-9]+ 777( @[0-9a-f]+)?$' "$rp")" -eq 4000 || fail "not the 4000 mallocs of the threads"
for line in 'a [0-9]+ 100' 'c [0-9]+ 3 40' 'r [0-9]+ 200' 'a [0-9]+ 128' 'a [0-9]+ 96' \
	'a [0-9]+ 200' 'a [0-9]+ 4096' 'a [0-9]+ 48'; do
	has "$rp" "^$line( @[0-9a-f]+)?$"
done
forked=$(grep -El '^a [0-9]+ 4242( @[0-9a-f]+)?$' "$rp".* 2>/dev/null)
test -n "$forked" || fail "no trace of the fork child"
test -n "$forked" && has "$forked" "^# chunks inherited from the parent: [0-9]+$"
grep -El '^a [0-9]+ 5151( @[0-9a-f]+)?$' "$rp".* >/dev/null 2>&1 || fail "no trace of the exec'd program"
# a call site on every allocation: the threads' 4000 mallocs share one,
# named at exit, that none of the other calls has
test "$(grep -Ec '^a [0-9]+ 777 @[0-9a-f]+$' "$rp")" -eq 4000 || fail "the threads' mallocs have no call site"
site=$(grep -E '^a [0-9]+ 777 @' "$rp" | awk '{ print $4 }' | sort -u)
test "$(echo "$site" | wc -l)" -eq 1 || fail "the threads' mallocs have $(echo "$site" | wc -l) sites, not 1"
has "$rp" "^# site ${site#@} recprog\+0x[0-9a-f]+ < "
has "$rp" "^a [0-9]+ 100 @[0-9a-f]+$"
grep -E "^a [0-9]+ 100 $site$" "$rp" >/dev/null && fail "malloc(100) has the threads' call site"
expect 0 "$T" -q -p elastic,libc --sites=20 "$rp"
has "$tmp/out" "^  0*${site#@} +4000 +[0-9.]+ (B|KiB) +0 B +0, 0 B "
# PAGEALLOC_RECORD_SITES=0: none
PAGEALLOC_RECORD_SITES=0 expect 0 "$T" record -q -o "$tmp/nosites.trace" -- "$recprog"
grep -q '@' "$tmp/nosites.trace" && fail "PAGEALLOC_RECORD_SITES=0 recorded call sites"
# the program's name in each header, and in the name of each child's trace
head -n 1 "$rp" | grep -Eqx '# pagealloc-trace record: pid [0-9]+, program recprog' ||
	fail "rp.trace's header: $(head -n 1 "$rp")"
for f in "$rp".*; do
	case ${f#"$rp".} in
	recprog.[0-9]*) ;;
	*) fail "a child's trace not named FILE.PROG.PID: $f" ;;
	esac
done
test -n "$forked" && { head -n 1 "$forked" |
	grep -Eqx '# pagealloc-trace record: fork child, pid [0-9]+, program recprog' ||
	fail "the fork child's header: $(head -n 1 "$forked")"; }
# a wrapper that runs a program, then execs another: the last keeps FILE
if command -v bash >/dev/null 2>&1; then
	expect 0 "$T" record -q -o "$tmp/w.trace" -- bash -c 'ls / >/dev/null; exec ls /'
	head -n 1 "$tmp/w.trace" | grep -Eqx '# pagealloc-trace record: pid [0-9]+, program ls' ||
		fail "w.trace is not the exec'd ls's: $(head -n 1 "$tmp/w.trace")"
	ls "$tmp" | grep -Eqx 'w\.trace\.bash\.[0-9]+' || fail "no w.trace.bash.PID: $(ls "$tmp")"
	ls "$tmp" | grep -Eqx 'w\.trace\.ls\.[0-9]+' || fail "no w.trace.ls.PID: $(ls "$tmp")"
	expect 0 "$T" -q -p elastic "$tmp"/w.trace*
fi
expect 0 "$T" -q -p elastic,libc "$rp" "$rp".*

# ---- exit statuses ----
expect 3 "$T" record -q -o "$tmp/x.trace" -- sh -c 'exit 3'
expect 127 "$T" record -q -o "$tmp/y.trace" -- /nonexistent/command
expect 125 "$T" record -q -o /nonexistent/dir/x -- true
has "$tmp/err" "^pagealloc-trace: /nonexistent/dir/x: cannot write: No such file or directory$"
expect 125 "$T" record -q -o "$tmp" -- true
has "$tmp/err" "^pagealloc-trace: $tmp: is a directory$"
expect 2 "$T" record
expect 0 "$T" record --help

exit $status
