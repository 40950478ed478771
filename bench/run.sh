#!/bin/sh
# run.sh - run every workload of pa-bench on the peers (glibc malloc, and
# jemalloc, mimalloc and tcmalloc through LD_PRELOAD of Debian's libraries)
# and on the libpagealloc policies that can serve it, then pa-wcet; write
# results.md (tables, ratios to the best peer) and results.svg (a chart).
#
# Usage: run.sh BENCHDIR [OUTDIR]
#   BENCHDIR holds pa-bench and pa-wcet (bench/ of the build tree); OUTDIR
#   (default BENCHDIR) receives results.md and results.svg.
# Environment: RUNS (timed runs per allocator, default 5), BENCH_QUICK=1
# (small sizes, one run: a smoke test of the harness), BENCH_ONLY (a
# space-separated list of workloads to run: bt mixed mixedws bt24 churn
# traces bump python3).
#
# Timed runs alternate between allocators, RUNS rounds of all of them; the
# tables give the median wall time and the median peak RSS (ru_maxrss of
# each run's own process).  Instructions per allocation+free pair come from
# valgrind --tool=callgrind at two run lengths: (Ir(long) - Ir(short)) /
# (pairs(long) - pairs(short)), so start-up and the tables' set-up cancel.
set -eu

dir=${1:?usage: run.sh BENCHDIR [OUTDIR]}
out=${2:-$dir}
bin=$dir/pa-bench
RUNS=${RUNS:-5}
QUICK=${BENCH_QUICK:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- the allocators ----

# lib PACKAGE FILE: the path of FILE in an installed Debian package, or "".
lib() {
	dpkg -L "$1" 2>/dev/null | grep "/$2\$" | head -n 1 || true
}

# Peers: name and library to preload ("" = the C library's own malloc).
peers="glibc="
notes=""
for p in jemalloc:libjemalloc2:libjemalloc.so.2 mimalloc:libmimalloc2.0:libmimalloc.so.2 \
	 tcmalloc:libtcmalloc-minimal4:libtcmalloc_minimal.so.4; do
	name=${p%%:*}; rest=${p#*:}; pkg=${rest%%:*}; file=${rest#*:}
	path=$(lib "$pkg" "$file")
	if [ -n "$path" ]; then
		peers="$peers $name=$path"
	else
		notes="$notes
- $name: skipped, package $pkg is not installed (apt-get install $pkg)."
	fi
done

# Workloads: name, timed scale, the two callgrind scales, the policies.
# Each policy is given a configuration that can serve the workload.
workloads="bt mixed mixedws bt24 churn"
specs_bt="cell:cell_size=16 elastic page:page_size=64M bump"
specs_bt24="cell:cell_size=32 elastic"
specs_mixed="page:page_size=64K elastic elastic:page_size=64K cell:cell_size=256 brk"
specs_mixedws="page:page_size=1M elastic elastic:page_size=64K cell:cell_size=256 brk"
specs_churn="elastic elastic:page_size=4M,granule=4K page:page_size=256M,granule=4K mmap brk"
notes="$notes
- bump runs binary-trees (bt) only: its free reclaims nothing, so the other workloads would map without bound.
- page runs bt in a 64 MiB region (the trees need about 16 MiB); churn's large sizes get a region of 4 KiB granules."
if [ "$QUICK" = 1 ]; then
	RUNS=1
	scale_bt="12 8 10"; scale_bt24="12 8 10"; scale_mixed="20000 500 1000"
	scale_mixedws="100000 5000 10000"; scale_churn="1000 200 400"
else
	scale_bt="18 10 12"; scale_bt24="18 10 12"; scale_mixed="200000 2000 4000"
	scale_mixedws="1000000 20000 40000"; scale_churn="20000 1000 2000"
fi
[ -n "${BENCH_ONLY:-}" ] && workloads=$BENCH_ONLY

# run_one ALLOC SPEC WORKLOAD SCALE [TOOL...]: pa-bench's line, or the exit status.
run_one() {
	pre=$1 spec=$2 w=$3 n=$4
	shift 4
	if LD_PRELOAD=$pre "$@" "$bin" "$spec" "$w" "$n" 2>"$tmp/err"; then :; else
		echo "exit=$?"
	fi
}

field() {
	sed -n "s/.*$1=\([0-9]*\).*/\1/p"
}

# Instructions per pair by callgrind at two lengths.
instructions() {
	pre=$1 spec=$2 w=$3 n1=$4 n2=$5
	for n in $n1 $n2; do
		LD_PRELOAD=$pre valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$bin" "$spec" "$w" "$n" >"$tmp/cg.out" 2>"$tmp/cg.err" || return 0
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/cg.err")
		pairs=$(field pairs <"$tmp/cg.out")
		echo "$ir $pairs"
	done | awk 'NR == 1 { i = $1; p = $2 } NR == 2 { printf "%.1f", ($1 - i) / ($2 - p) }'
}

have_valgrind=0
command -v valgrind >/dev/null 2>&1 && have_valgrind=1
[ $have_valgrind = 1 ] || notes="$notes
- valgrind is not installed: no instruction counts."

: >"$tmp/rows"
for w in $workloads; do
	case $w in traces|bump|python3) continue ;; esac	# sections of their own, below
	eval "set -- \$scale_$w"
	timed=$1 cg1=$2 cg2=$3
	eval "specs=\$specs_$w"
	allocs=""
	for p in $peers; do
		allocs="$allocs peer:${p%%=*}"
	done
	for s in $specs; do
		r=$(run_one "" "$s" probe 0)
		case $r in
		exit=77) notes="$notes
- $w: $s skipped, its policy is not written yet (pagealloc_create answers ENOSYS)." ;;
		exit=*) notes="$notes
- $w: $s skipped, pagealloc_create failed: $(cat "$tmp/err")." ;;
		*) allocs="$allocs $s" ;;
		esac
	done
	echo "== $w: $allocs" >&2
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		for a in $allocs; do
			case $a in
			peer:*) name=${a#peer:}; pre=$(echo "$peers" | tr ' ' '\n' | sed -n "s/^$name=//p"); spec=malloc ;;
			*) name=$a; pre=""; spec=$a ;;
			esac
			r=$(run_one "$pre" "$spec" "$w" "$timed")
			case $r in
			exit=3) echo "$w|$name|oom" >>"$tmp/rows" ;;
			exit=*) echo "$w|$name|fail $r" >>"$tmp/rows" ;;
			*) echo "$w|$name|$(echo "$r" | field wall_ns)|$(echo "$r" | field maxrss_kb)|$(echo "$r" | field sum)" >>"$tmp/rows" ;;
			esac
		done
	done
	for a in $allocs; do
		case $a in
		peer:*) name=${a#peer:}; pre=$(echo "$peers" | tr ' ' '\n' | sed -n "s/^$name=//p"); spec=malloc ;;
		*) name=$a; pre=""; spec=$a ;;
		esac
		ipp=""
		[ $have_valgrind = 1 ] && ipp=$(instructions "$pre" "$spec" "$w" "$cg1" "$cg2")
		echo "$w|$name|ir|${ipp:-n/a}" >>"$tmp/rows"
		echo "   $name: ${ipp:-n/a} instructions/pair" >&2
	done
done

# ---- the report ----

machine="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, $(uname -sr), $(ldd --version 2>/dev/null | head -n 1 | sed 's/.* //' | sed 's/^/glibc /')"
peer_names=$(for p in $peers; do printf '%s ' "${p%%=*}"; done)

awk -F'|' -v machine="$machine" -v date="$(date -u +%Y-%m-%d)" -v runs="$RUNS" \
    -v peers="$peer_names" -v order="$workloads" -v svg="$out/results.svg" -v notes="$notes" '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(x, best) { return best > 0 && x != "" ? sprintf("%.2f", x / best) : "" }
{
	key = $1 SUBSEP $2
	if (!(key in seen)) { seen[key] = 1; names[$1] = names[$1] " " $2 }
	if ($3 == "ir") { ir[key] = $4; next }
	if ($3 == "oom" || $3 ~ /^fail/) { bad[key] = $3; next }
	wall[key] = wall[key] " " $3; rss[key] = rss[key] " " $4
	if ((($1) in sum) && sum[$1] != $5) mismatch[key] = 1
	sum[$1] = $5
}
END {
	np = split(peers, P, " ")
	for (k in P) ispeer[P[k]] = 1
	print "# Benchmark results\n"
	printf "Machine: %s; %s; median of %d runs.\n", machine, date, runs
	print "Ratios are to the best peer (glibc, jemalloc, mimalloc, tcmalloc) on each measure; below 1 is better."
	print "Instructions are per allocation+free pair, counted by callgrind, loop and workload included.\n"
	nw = split(order, W, " ")
	nbars = 0
	for (wi = 1; wi <= nw; wi++) {
		w = W[wi]
		if (!(w in names)) continue
		na = split(names[w], N, " ")
		bw = br = bi = 0
		for (i = 1; i <= na; i++) {
			key = w SUBSEP N[i]
			if (key in bad) continue
			mw[i] = median(wall[key]) / 1e6; mr[i] = median(rss[key]) / 1024
			if (!ispeer[N[i]]) continue
			if (!bw || mw[i] < bw) bw = mw[i]
			if (!br || mr[i] < br) br = mr[i]
			if (ir[key] != "n/a" && (!bi || ir[key] + 0 < bi)) bi = ir[key]
		}
		printf "## %s\n\n", w
		print "| allocator | wall ms | x best peer | peak RSS MiB | x best peer | instr/pair | x best peer |"
		print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
		for (i = 1; i <= na; i++) {
			key = w SUBSEP N[i]
			if (key in bad) {
				printf "| %s | %s | | | | | |\n", N[i], bad[key] == "oom" ? "out of memory" : bad[key]
				continue
			}
			printf "| %s%s | %.1f | %s | %.1f | %s | %s | %s |\n", N[i], (key in mismatch) ? " (wrong result!)" : "",
			    mw[i], ratio(mw[i], bw), mr[i], ratio(mr[i], br), ir[key],
			    ir[key] == "n/a" ? "" : ratio(ir[key], bi)
			nbars++; bar_w[nbars] = w; bar_n[nbars] = N[i]; bar_r[nbars] = bw > 0 ? mw[i] / bw : 0
			bar_i[nbars] = (ir[key] != "n/a" && bi > 0) ? ir[key] / bi : 0
		}
		print ""
	}
	if (notes != "") print "Notes:" notes "\n"
	# the chart: wall time and instructions as ratios to the best peer
	rowh = 14; gap = 18; left = 260; scale = 120; width = left + 5 * scale + 40
	y = 50; h = 0
	for (b = 1; b <= nbars; b++) h += rowh + (b == 1 || bar_w[b] != bar_w[b - 1] ? gap : 0)
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, h + 80 > svg
	printf "<text x=\"10\" y=\"18\" font-size=\"14\">Wall time (blue) and instructions per pair (orange), ratio to the best peer; log scale, 1 = best peer</text>\n" > svg
	for (t = 0; t <= 5; t++) {
		x = left + t * scale
		printf "<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/><text x=\"%d\" y=\"42\" text-anchor=\"middle\">%gx</text>\n", x, x, h + 60, x, 2 ^ (t - 1) > svg
	}
	for (b = 1; b <= nbars; b++) {
		if (b == 1 || bar_w[b] != bar_w[b - 1]) {
			y += gap
			printf "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n", y - 4, bar_w[b] > svg
		}
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6, y + 10, bar_n[b] > svg
		bar(bar_r[b], y, 6, "#4878d0"); bar(bar_i[b], y + 6, 6, "#ee854a")
		y += rowh
	}
	print "</svg>" > svg
}
function bar(r, y, hh, color,   len) {
	if (r <= 0) return
	len = (log(r) / log(2) + 1) * scale
	if (len < 2) len = 2
	if (len > 5 * scale) len = 5 * scale
	printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", left, y, len, hh, color > svg
}' "$tmp/rows" >"$tmp/results.md"

# ---- replay of the example traces (the engine of pagealloc-trace) ----
# The policies replay through `pagealloc-trace --policy`; each peer through
# `--policy libc` with its library preloaded (the tool's libc baseline is
# the process's own malloc).  RUNS rounds, alternating; median ns per
# operation, peak bytes held and VSZ growth (the same on every run).
tool=$dir/../tools/pagealloc-trace
traces_dir=$(cd "$(dirname "$0")/../traces" 2>/dev/null && pwd) || traces_dir=
trace_specs="elastic elastic:page_size=64K brk mmap"
[ "$QUICK" = 1 ] && trace_files="sort" || trace_files="gcc-cc1 python3-json sort"
if [ -x "$tool" ] && [ -n "$traces_dir" ] && { [ -z "${BENCH_ONLY:-}" ] || echo " $BENCH_ONLY " | grep -q " traces "; }; then
	echo "== traces: $trace_files" >&2
	: >"$tmp/trows"
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		for t in $trace_files; do
			f=$traces_dir/$t.trace.gz
			for p in $peers; do
				LD_PRELOAD=${p#*=} "$tool" --quiet --csv --policy libc "$f" 2>/dev/null |
					sed "1d; s/^[^,]*,libc,/$t,${p%%=*},/" >>"$tmp/trows"
			done
			"$tool" --quiet --csv --policy "$(echo $trace_specs | tr ' ' ',')" "$f" 2>/dev/null |
				sed "1d; s/^[^,]*,/$t,/" >>"$tmp/trows"
		done
	done
	{ echo "## Replay of the example traces"
	  echo
	  echo "pagealloc-trace's engine; peers replay through --policy libc with their library preloaded. Median ns per operation of $RUNS runs; peak held and VSZ growth in MiB (peak held comes from glibc's mallinfo2 for a malloc: n/a for the other peers)."
	  echo
	  awk -F, -v peers="$(for p in $peers; do printf '%s ' "${p%%=*}"; done)" '
	function median(list,   n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{	key = $1 SUBSEP $2
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		ns[key] = ns[key] " " $16; ops[key] = $3; failed[key] = $4
		held[key] = $6 / 1048576; vsz[key] = $10 / 1048576 }
	END {
		np = split(peers, P, " "); for (k in P) ispeer[P[k]] = 1
		for (i = 1; i <= n; i++) {
			split(order[i], K, SUBSEP); m[order[i]] = median(ns[order[i]])
			if (ispeer[K[2]] && (!(K[1] in best) || m[order[i]] < best[K[1]])) best[K[1]] = m[order[i]]
		}
		print "| trace | allocator | ops | failed | ns/op | x best peer | peak held MiB | VSZ growth MiB |"
		print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
		for (i = 1; i <= n; i++) {
			split(order[i], K, SUBSEP)
			h = held[order[i]] > 0 ? sprintf("%.1f", held[order[i]]) : "n/a"
			printf "| %s | %s | %d | %d | %.1f | %s | %s | %.1f |\n", K[1], K[2], ops[order[i]], failed[order[i]],
			    m[order[i]], (best[K[1]] > 0 ? sprintf("%.2f", m[order[i]] / best[K[1]]) : ""), h, vsz[order[i]]
		}
	}' "$tmp/trows"
	  echo; } >>"$tmp/results.md"
fi

# ---- bump against an inlined pointer increment ----
if [ $have_valgrind = 1 ] && { [ -z "${BENCH_ONLY:-}" ] || echo " $BENCH_ONLY " | grep -q " bump "; }; then
	echo "== bump" >&2
	inl=$(instructions "" inline bump 100000 200000)
	bmp=$(instructions "" bump bump 100000 200000)
	{ echo "## bump against an inlined pointer increment"
	  echo
	  echo "Instructions per allocation (callgrind, two run lengths, loop included): allocations of 8..64 bytes, each written once, the pool emptied every 4096 (pagealloc_reset for the bump heap)."
	  echo
	  echo "| allocator | instr/alloc | x inline |"
	  echo "| --- | ---: | ---: |"
	  echo "| inline pointer increment | $inl | 1.00 |"
	  echo "| bump (pagealloc_alloc) | $bmp | $(awk -v a="$bmp" -v b="$inl" 'BEGIN { if (b > 0) printf "%.2f", a / b }') |"
	  echo; } >>"$tmp/results.md"
fi

# ---- python3 under the malloc replacement ----
# A dict of N str keys to two-item lists, then a pass over it; PYTHONMALLOC=
# malloc sends every object to malloc.  Each allocator's output must be the
# same.  PAGEALLOC_MALLOC_SO: libpagealloc-malloc.so (make bench sets it).
so=${PAGEALLOC_MALLOC_SO:-$dir/../preload/.libs/libpagealloc-malloc.so}
py=$(command -v python3 || true)
if [ -n "$py" ] && [ -f "$so" ] && { [ -z "${BENCH_ONLY:-}" ] || echo " $BENCH_ONLY " | grep -q " python3 "; }; then
	echo "== python3" >&2
	[ "$QUICK" = 1 ] && pyn=100000 || pyn=1500000
	script="d = {}
for i in range($pyn):
    d[str(i)] = [i, str(i * 2)]
print(sum(len(k) + v[0] % 7 for k, v in d.items()))"
	# NAME=PRELOAD=PAGEALLOC_POLICY: elastic is the module's default spec
	pyrows="elastic=$so= elastic/4K=$so=elastic mimalloc=$(lib libmimalloc2.0 libmimalloc.so.2)= glibc=="
	: >"$tmp/py"
	for r in $(seq "$RUNS"); do
		for a in $pyrows; do
			name=${a%%=*} rest=${a#*=}; pre=${rest%%=*} pol=${rest#*=}
			[ "$name" = glibc ] || [ -n "$pre" ] || continue
			t0=$(date +%s%N)
			res=$(LD_PRELOAD=$pre PAGEALLOC_POLICY=$pol PYTHONMALLOC=malloc "$py" -c "$script" 2>/dev/null || echo failed)
			t1=$(date +%s%N)
			echo "$name $(( (t1 - t0) / 1000000 )) $res" >>"$tmp/py"
		done
	done
	{ echo "## python3 under the malloc replacement"
	  echo
	  echo "python3 -c (a dict of $pyn str keys to lists, then a pass over it), PYTHONMALLOC=malloc, LD_PRELOAD of libpagealloc-malloc.so (elastic: PAGEALLOC_POLICY unset, the default elastic:page_size=256K; elastic/4K: PAGEALLOC_POLICY=elastic) or the peer; median wall of $RUNS runs, in turn."
	  echo
	  echo "| allocator | wall ms | x mimalloc | output |"
	  echo "| --- | ---: | ---: | --- |"
	  awk '{ t[$1] = t[$1] " " $2; out[$1] = (out[$1] == "" || out[$1] == $3) ? $3 : "differs" }
	       function median(s,   a, n, i, j, x) { n = split(s, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { x = a[j]; a[j] = a[j-1]; a[j-1] = x }
		return a[int((n + 1) / 2)] }
	       END { mi = ("mimalloc" in t) ? median(t["mimalloc"]) : 0
		for (k in t) { m = median(t[k]); printf "| %s | %d | %s | %s |\n", k, m, mi ? sprintf("%.2f", m / mi) : "", out[k] } }' "$tmp/py" | sort
	  echo; } >>"$tmp/results.md"
fi

# the worst cases of page and elastic
if [ -x "$dir/pa-wcet" ]; then
	echo "== wcet" >&2
	{ echo "## Worst cases (cycles by rdtsc, after tlsf-bsd's wcet test)"; echo
	  "$dir/pa-wcet"; echo; } >>"$tmp/results.md"
fi
# ---- the targets: ratios from the tables above, one run ----
# instr(W, NAME), wall(W, NAME): a row's figure in results.md, or "".
cell_of() {	# cell_of SECTION NAME COLUMN
	awk -F'|' -v sec="## $1" -v name="$2" -v col="$3" '
		/^## / { in_sec = ($0 == sec) }
		in_sec && $2 == " " name " " { gsub(/ /, "", $(col + 1)); print $(col + 1); exit }' "$tmp/results.md"
}
target() {	# target LABEL VALUE PEER LIMIT: a row of the targets table
	awk -v l="$1" -v a="$2" -v b="$3" -v lim="$4" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) { printf "| %s | n/a | %s | not measured |\n", l, lim; exit }
		r = a / b; printf "| %s | %.2f | %s | %s |\n", l, r, lim, r <= lim + 0 ? "met" : "missed" }'
}
{ echo "## Targets"
  echo
  echo "Each a ratio of two figures of this run (instructions: callgrind; wall: the median above)."
  echo
  echo "| target | ratio | limit | |"
  echo "| --- | ---: | ---: | --- |"
  for w in bt mixed; do
	mi=$(cell_of $w mimalloc 6); mw=$(cell_of $w mimalloc 2)
	case $w in bt) pg=page:page_size=64M ;; *) pg=page:page_size=64K ;; esac
	target "$w: elastic instr/pair / mimalloc" "$(cell_of $w elastic 6)" "$mi" 1
	target "$w: $pg instr/pair / mimalloc" "$(cell_of $w $pg 6)" "$mi" 1
	target "$w: elastic wall / mimalloc" "$(cell_of $w elastic 2)" "$mw" 1.1
  done
  target "python3: elastic wall under the malloc replacement / mimalloc" \
	"$(cell_of "python3 under the malloc replacement" elastic 2)" \
	"$(cell_of "python3 under the malloc replacement" mimalloc 2)" 1.1
  target "bt: cell:cell_size=16 wall / mimalloc" "$(cell_of bt cell:cell_size=16 2)" "$(cell_of bt mimalloc 2)" 0.8
  b=$(sed -n 's/^| bump (pagealloc_alloc) | \([0-9.]*\) .*/\1/p' "$tmp/results.md")
  i=$(sed -n 's/^| inline pointer increment | \([0-9.]*\) .*/\1/p' "$tmp/results.md")
  target "bump instr/alloc / inlined increment" "$b" "$i" 1.5
  worst=$(awk -F'|' '/^## Worst cases/ { w = 1 } w && $7 ~ /[0-9]/ && $2 !~ /mmap/ { gsub(/ /, "", $7); if ($7 + 0 > m) m = $7 + 0 } END { print m + 0 }' "$tmp/results.md")
  target "worst p99.9 cycles outside mmap calls / 2000" "$worst" 2000 1
  echo; } >>"$tmp/results.md"

# ---- where the instructions go: callgrind's top functions ----
if [ $have_valgrind = 1 ] && command -v callgrind_annotate >/dev/null 2>&1 && [ -z "${BENCH_ONLY:-}" ]; then
	echo "== top functions" >&2
	{ echo "## Top functions (callgrind, self instructions)"
	  for run in "elastic bt 12" "page:page_size=64M bt 12" "elastic mixed 4000" "page:page_size=64K mixed 4000"; do
		set -- $run
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.top" "$bin" "$1" "$2" "$3" >/dev/null 2>&1 || continue
		echo
		echo "$1 $2 $3:"
		echo
		echo '```'
		callgrind_annotate "$tmp/cg.top" 2>/dev/null | grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  [^ ]+:' |
			grep -v 'PROGRAM TOTALS' | head -n 8 | sed 's/ \[.*//'
		echo '```'
	  done
	  echo; } >>"$tmp/results.md"
fi

cp "$tmp/results.md" "$out/results.md"
cat "$out/results.md"
