#!/bin/sh
# traces/record.sh - record the example traces again, from real programs
# that Debian provides (gcc, python3, sort), into DIR (default: this one):
#     sh traces/record.sh [DIR]
# from a build tree (PAGEALLOC_TRACE: the tool, default tools/pagealloc-trace;
# PAGEALLOC_TRACE_LIBDIR: where libpagealloc-record.so is, default
# tools/.libs).  The traces differ a little from run to run and from one
# version of each program to the next.
set -e
here=$(cd "$(dirname "$0")" && pwd)
dir=$(cd "${1:-$here}" && pwd)
T=${PAGEALLOC_TRACE:-$PWD/tools/pagealloc-trace}
: "${PAGEALLOC_TRACE_LIBDIR:=$PWD/tools/.libs}"
export PAGEALLOC_TRACE_LIBDIR
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A compiler run: cc1 compiling the elastic policy at -O2.  gcc runs cc1
# and as in child processes: keep cc1's trace, the biggest.
"$T" record -q -o gcc.trace -- gcc -O2 -D_GNU_SOURCE -I"$here/../include" \
	-I"$here/../lib" -c "$here/../lib/elastic.c" -o elastic.o
cc1=$(ls -S gcc.trace.* | head -n 1)
gzip -9 -c "$cc1" >"$dir/gcc-cc1.trace.gz"

# A scripting language: python3 starts, reads a text, counts its words,
# builds a JSON table and parses 30000 small JSON documents.
# PYTHONMALLOC=malloc: every object comes from malloc, not pymalloc's pools.
PYTHONMALLOC=malloc "$T" record -q -o "$dir/python3-json.trace.gz" -- /usr/bin/python3 -c '
import collections, json, re
words = re.findall(r"\w+", open("/usr/share/common-licenses/GPL-3").read())
counts = collections.Counter(w.lower() for w in words)
table = json.dumps([{"word": w, "count": n} for w, n in counts.most_common()])
total = 0
for i in range(30000):
    total += len(json.loads("{\"id\": %d, \"tags\": [\"a\", \"b\"], \"v\": 1.5}" % i)["tags"])
print(len(table), total)' >/dev/null

# A sort of a large file: 300000 lines of numbers and words.
awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++) printf "%d %s%d\n", int(rand() * 1e9), "w", i % 977 }' >numbers
"$T" record -q -o "$dir/sort.trace.gz" -- sort -k2,2 -k1n numbers >/dev/null
ls -l "$dir"/*.trace.gz
