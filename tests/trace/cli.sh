#!/bin/sh
# trace/cli.sh - pagealloc-trace as a user runs it: options, every bad
# input, each format and output, exact figures, determinism, --verify.
. "${srcdir:-.}/trace/setup.sh"
mixed=$data/mixed.trace

# ---- options ----
expect 0 "$T" --help
has "$tmp/out" "^Usage: pagealloc-trace \[OPTIONS\] TRACE"
expect 0 "$T" --version
has "$tmp/out" "^pagealloc-trace \(libpagealloc\) [0-9]"
expect 2 "$T" --bogus "$mixed"
has "$tmp/err" "^Usage: pagealloc-trace \[OPTIONS\] TRACE\.\.\. \(pagealloc-trace --help for more\)$"
test "$(wc -l <"$tmp/err")" -eq 2 || fail "--bogus: not getopt's line and the synopsis"
expect 2 "$T"
has "$tmp/err" "no trace given"

# ---- a bad spec: one line that names the key and what it may be ----
# badspec SPEC WHY: exit 2, and stderr is the one line "bad policy 'SPEC': WHY"
badspec() {
	expect 2 "$T" -q -p "$1" "$mixed"
	test "$(wc -l <"$tmp/err")" -eq 1 || fail "-p $1: not one line: $(head -n 3 "$tmp/err")"
	grep -Fqx -- "pagealloc-trace: bad policy '${3:-$1}': $2" "$tmp/err" ||
		fail "-p $1: said '$(cat "$tmp/err")'"
	test -s "$tmp/out" && fail "-p $1: a report for a bad spec"
}
ekeys="(keys of elastic: granule, page_size, max_pages, spare_pages, strict, threadsafe)"
badspec elastic,nosuch "unknown policy 'nosuch' (policies: page, elastic, bump, cell, mmap, brk); or libc, mimalloc, jemalloc, tcmalloc, NAME=PATH.so, all" nosuch
badspec elastic:foo=1 "elastic: unknown key 'foo' $ekeys"
badspec elastic:, "elastic: an empty setting (key=value pieces go between commas) $ekeys"
badspec cell:granule=16 "cell: key 'granule' is not a setting of this policy (keys of cell: cell_size, threadsafe)"
badspec mmap:strict "mmap: key 'strict' is not a setting of this policy (keys of mmap: threadsafe)"
badspec elastic:threadsafe=2 "elastic: threadsafe=2: a flag is 0 or 1 (or the key alone for 1)"
badspec elastic:granule=x16 "elastic: granule=x16: not a number (granule=N: N decimal, with K, M or G for KiB, MiB, GiB)"
badspec elastic:max_pages "elastic: max_pages: needs a value (max_pages=N: N decimal, with K, M or G for KiB, MiB, GiB)"
badspec elastic:spare_pages=some "elastic: spare_pages=some: not a number (spare_pages=N: N decimal, with K, M or G for KiB, MiB, GiB; or all)"
badspec page:granule=24 "page: granule=24: a power of two from 8 to page_size ($(getconf PAGESIZE))"
badspec page:page_size=5000 "page: page_size=5000: a multiple of the system page ($(getconf PAGESIZE)) up to 1G"
expect 2 "$T" -f xml "$mixed"
expect 2 "$T" --json --csv "$mixed"

# ---- bad input: FILE:LINE: what, status 2, the good trace still reported ----
printf 'a 1 8\na 2 8\nf 3\n' >"$tmp/unknown.trace"
printf 'a 1 8\nq 1\n' >"$tmp/malformed.trace"
printf 'a 1 8\n# again\na 1 8\n' >"$tmp/twice.trace"
printf 'a 1 8\nf 1\na 2' >"$tmp/cut.trace"
printf 'a 1 8\n\177ELF\001\002\n' >"$tmp/binary.trace"
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "a %d %d\nf %d\n", i, i % 500 + 1, i }' |
	gzip -c >"$tmp/full.trace.gz"
head -c 20000 "$tmp/full.trace.gz" >"$tmp/cut.trace.gz"
printf '10\n2\n5\n1\na 0 8\nf 0\n' >"$tmp/short.rep"
for case in "unknown.trace:3: free of unknown ID 3" "malformed.trace:2: unknown operation 'q'" \
	"twice.trace:3: ID 1 allocated twice \(live since line 1\)" \
	"cut.trace:3: truncated" "binary.trace:2: binary data" \
	"cut.trace.gz:[0-9]+: truncated" "short.rep:6: truncated" \
	"missing.trace:0: cannot open"; do
	file=${case%%:*}
	expect 2 "$T" -q -p elastic "$tmp/$file" "$mixed"
	has "$tmp/err" "^$tmp/$case"
	has "$tmp/out" "mixed.trace +elastic +26 "
done
expect 2 "$T" -q -p elastic -f native "$data/small.rep"
has "$tmp/err" "small.rep:1: unknown operation '20000'"

# ---- formats and inputs ----
expect 0 "$T" -q -p elastic - <"$mixed"
has "$tmp/out" "^- +elastic +26 +[0-9]+ "
gzip -c "$mixed" >"$tmp/mixed.trace.gz"
expect 0 "$T" -q -p elastic "$tmp/mixed.trace.gz"
has "$tmp/out" "mixed.trace.gz +elastic +26 "
expect 0 "$T" -q -p libc - <"$tmp/mixed.trace.gz"
expect 0 "$T" -q -p elastic "$data/small.rep"
has "$tmp/out" "small.rep +elastic +8 +0 "
test -s "$tmp/err" && fail "a quiet, good run wrote to stderr: $(head -n 2 "$tmp/err")"
# a .rep trace whose last line has no newline (CS:APP's realloc.rep and
# realloc2.rep as distributed) reads as the same trace with one
tail -c 1 "$data/nonewline.rep" | od -c | grep -q '\\n' && fail "nonewline.rep ends with a newline"
{ cat "$data/nonewline.rep"; echo; } >"$tmp/newline.rep"
expect 0 "$T" -q -p elastic,brk --csv "$data/nonewline.rep"
# every figure but the RSS growth (the kernel's: it moves under load) and the times
cut -d, -f2-10,12-15 "$tmp/out" >"$tmp/nonl.csv"
has "$tmp/out" "nonewline.rep,elastic,10,0,1152,"
expect 0 "$T" -q -p elastic,brk --csv "$tmp/newline.rep"
cut -d, -f2-10,12-15 "$tmp/out" | cmp -s - "$tmp/nonl.csv" ||
	fail "nonewline.rep and the same trace with a final newline differ: $(cut -d, -f2-10,12-15 "$tmp/out" | diff "$tmp/nonl.csv" - | head -n 4)"

# ---- JSON and CSV carry the same figures ----
expect 0 "$T" -p page,libc --json "$data/exact-page.trace"
for key in trace policy ops failed peak_live_bytes peak_held_bytes utilization \
	internal_frag_bytes external_frag vsz_growth_bytes rss_growth_bytes os_calls ns_per_op \
	mdriver_utilization; do
	has "$tmp/out" "\"$key\": "
done
# the known figures of exact-page.trace on the page policy
has "$tmp/out" '"policy": "page", "ops": 5, "failed": 0, "peak_live_bytes": 2016, '
has "$tmp/out" '"internal_frag_bytes": 0, "external_frag": 0.0038, '
has "$tmp/out" '"policy": "libc", .*"external_frag": null, .*"os_calls": null'
expect 0 "$T" -p page --csv "$data/exact-page.trace"
has "$tmp/out" "^trace,policy,ops,failed,peak_live_bytes,peak_held_bytes,utilization,internal_frag_bytes,external_frag,vsz_growth_bytes,rss_growth_bytes,os_calls,"
has "$tmp/out" "exact-page.trace,page,5,0,2016,"

# ---- the table: names in full, failures apart, totals, legend, baseline ----
long=elastic:max_pages=100000,spare_pages=all,granule=16,page_size=8192,threadsafe
expect 0 "$T" -q -p "page,$long=1,$long=0" "$mixed" "$data/small.rep"
# the basename of the trace, the spec as given: =1 and =0 are two rows
has "$tmp/out" "^mixed.trace +page +26 +4 ! "
has "$tmp/out" "^mixed.trace +$long=1 +26 +0 "
has "$tmp/out" "^mixed.trace +$long=0 +26 +0 "
has "$tmp/out" "^small.rep +$long=0 +8 +0 "
grep -q "$data" "$tmp/out" && fail "the table names a trace by its directory"
# page's 4 failed allocations rank it apart, after the two complete rows
has "$tmp/out" "^mixed.trace  ranked by utilization: 1 $long=[01] [0-9.]+%, 2 $long=[01] [0-9.]+%$"
has "$tmp/out" "^mixed.trace  ranked apart, allocations failed \(!\): 3 page \(4 failed\)$"
# totals across the traces: 26 + 8 operations
has "$tmp/out" "^total, 2 of 2 traces +page +34 +5 ! "
has "$tmp/out" "^total, 2 of 2 traces +$long=1 +34 +0 "
has "$tmp/out" "^util: peak live / peak held; "
has "$tmp/out" "^failed: allocations that returned NULL"
# two traces of one basename: each named by its path
mkdir "$tmp/a" "$tmp/b"
cp "$mixed" "$tmp/a/x.trace"
cp "$mixed" "$tmp/b/x.trace"
expect 0 "$T" -q -p elastic "$tmp/a/x.trace" "$tmp/b/x.trace"
has "$tmp/out" "^$tmp/a/x.trace +elastic +26 "
has "$tmp/out" "^$tmp/b/x.trace +elastic +26 "
# --baseline: run first, ratios to it; added when -p does not name it
expect 0 "$T" -q -p elastic,page --baseline libc "$mixed"
head -n 2 "$tmp/out" | tail -n 1 | grep -Eq "^mixed.trace +libc +26 .* 1\.00x +1\.00x$" ||
	fail "--baseline libc: not the first row, or not 1.00x: $(head -n 2 "$tmp/out")"
has "$tmp/out" "^mixed.trace +elastic +26 .* [0-9]+\.[0-9]{2}x +[0-9]+\.[0-9]{2}x$"
has "$tmp/out" "^held/base, time/base: peak held and ns/op divided by libc's on the same trace\.$"
expect 0 "$T" -q -p page --baseline page --json "$data/exact-page.trace"
has "$tmp/out" '"rank": 1, "baseline": "page", "held_vs_baseline": 1.0000, "time_vs_baseline": 1.0000}'
expect 0 "$T" -q -p page,elastic --baseline elastic --csv "$data/exact-page.trace"
has "$tmp/out" ",rank,baseline,held_vs_baseline,time_vs_baseline$"
has "$tmp/out" "/exact-page.trace,elastic,5,.*,elastic,1.0000,1.0000$"
expect 0 "$T" -q -p page --json "$data/exact-page.trace"
has "$tmp/out" '"baseline": null, "held_vs_baseline": null, "time_vs_baseline": null}'
expect 2 "$T" -q -p elastic --baseline elastic:foo "$mixed"
grep -Fqx "pagealloc-trace: bad policy 'elastic:foo': elastic: unknown key 'foo' $ekeys" "$tmp/err" ||
	fail "--baseline elastic:foo: said '$(cat "$tmp/err")'"

# ---- --sites: call sites ("@HASH", "# site HASH NAME") of a trace ----
printf 'a 1 100 @1f\nc 2 3 4 @abc\na 3 5\n# site 1f main+0x10 < libc.so.6+0x2724a\na 5 1000 @1f\nf 1\n' >"$tmp/sites.trace"
expect 0 "$T" -q -p elastic,page --sites "$tmp/sites.trace" "$mixed"
has "$tmp/out" "^sites.trace: the top 3 of 3 call sites, by peak live bytes$"
has "$tmp/out" "^  site +allocs +peak live +at peak +leaked at exit +elastic +page$"
# 1f: 100 and 1000 bytes live together, the 1000 left at exit; its name follows
has "$tmp/out" "^  000000000000001f +2 +1\.1 KiB +1\.1 KiB +1, 1000 B +[0-9.]+% +[0-9.]+%$"
has "$tmp/out" "^    main\+0x10 < libc\.so\.6\+0x2724a$"
# calloc(3, 4): 12 bytes in a 16-byte chunk of elastic's: 33.3 % more
has "$tmp/out" "^  0000000000000abc +1 +12 B +12 B +1, 12 B +33\.3% +[0-9.]+%$"
has "$tmp/out" "^  \(none\) +1 +5 B +5 B +1, 5 B "
has "$tmp/out" "^mixed.trace  call sites: none recorded"
expect 2 "$T" -q --sites=0 "$mixed"
has "$tmp/err" "^pagealloc-trace: bad --sites '0'"
printf 'a 1 8 @xyz\n' >"$tmp/badsite.trace"
expect 2 "$T" -q -p elastic "$tmp/badsite.trace"
has "$tmp/err" "^$tmp/badsite.trace:1: bad call site '@xyz' \(@ and 1 to 16 hex digits\)$"

# ---- on a terminal: "n of m, ETA", and each row as its replay ends ----
if command -v script >/dev/null 2>&1; then
	script -qec "'$T' -p elastic,libc '$mixed'" /dev/null | tr '\r' '\n' >"$tmp/tty"
	has "$tmp/tty" "^\[1 of 2, ETA ([0-9]+:[0-9]{2}|--:--)\] mixed.trace elastic \[#* *\] +[0-9]+%"
	has "$tmp/tty" "^\[2 of 2, ETA ([0-9]+:[0-9]{2}|--:--)\] mixed.trace libc \["
	# elastic's row is out before libc's replay began
	first_row=$(grep -En "mixed.trace +elastic +26 " "$tmp/tty" | head -n 1 | cut -d: -f1)
	second=$(grep -n "^\[2 of 2" "$tmp/tty" | head -n 1 | cut -d: -f1)
	test -n "$first_row" && test -n "$second" && test "$first_row" -lt "$second" ||
		fail "elastic's row is not printed before the second replay: rows at ${first_row:-none}, [2 of 2 at ${second:-none}"
	script -qec "'$T' -q -p elastic '$mixed'" /dev/null >"$tmp/tty"
	grep -q "of 1, ETA" "$tmp/tty" && fail "-q: a progress line on the terminal"
else
	echo "SKIP: no script(1): the terminal's progress line is not checked"
fi

# ---- every figure but the times and the RSS is the same on every run ----
# (RSS growth is the kernel's: under load, reclaim and huge pages move it)
"$T" -q --csv "$mixed" "$data/small.rep" | cut -d, -f1-10,12-15,18,19 >"$tmp/run1"
"$T" -q --csv "$mixed" "$data/small.rep" | cut -d, -f1-10,12-15,18,19 >"$tmp/run2"
test "$(wc -l <"$tmp/run1")" -eq 15 || fail "--csv of 2 traces on all 7 policies: not 15 lines"
cmp -s "$tmp/run1" "$tmp/run2" || fail "two runs differ: $(diff "$tmp/run1" "$tmp/run2" | head -n 4)"

# ---- --verify, --timeline, --plot ----
expect 0 "$T" -q --verify "$mixed" "$data/small.rep"
expect 0 "$T" -q -p elastic,libc --timeline "$tmp/t.csv" --plot "$tmp/p.svg" "$mixed"
has "$tmp/t.csv" "^trace,policy,ops,live_bytes,held_bytes,vsz_growth_bytes,largest_free_bytes$"
has "$tmp/t.csv" "mixed.trace,elastic,26,[0-9]+,[0-9]+,[0-9]+,[0-9]+$"
has "$tmp/t.csv" "mixed.trace,libc,26,[0-9]+,[0-9]+,[0-9]+,$"
has "$tmp/p.svg" "^<svg xmlns=\"http://www.w3.org/2000/svg\""
has "$tmp/p.svg" "<polyline "
has "$tmp/p.svg" "^</svg>$"
expect 1 "$T" -q -p elastic --plot /nonexistent/dir/p.svg "$mixed"

exit $status
