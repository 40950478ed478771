#!/bin/sh
# trace/mallocs.sh - other mallocs by name (-p mimalloc,jemalloc,tcmalloc)
# and by library (-p NAME=PATH.so): each replays in a program of its own
# with the library preloaded, with held bytes from its own figures (or its
# RSS), in a row of its name; a library that is missing or has no malloc
# fails its row alone.  A malloc that is not installed is skipped; exit 77
# when none is.
. "${srcdir:-.}/trace/setup.sh"

# 20000 allocations of 1 to 3000 bytes, a third of them freed: some MiB held
awk 'BEGIN { for (i = 0; i < 20000; i++) { printf "a %d %d\n", i, (i * 37) % 3000 + 1
	if (i % 3 == 2) printf "f %d\n", i - 1 } }' >"$tmp/big.trace"

# where the tool looks: the C library's directory and the usual ones
libdir=$(dirname "$(ldd "$T" | awk '$1 == "libc.so.6" { print $3 }')")
find_lib() {
	for d in $libdir /usr/local/lib /usr/lib /lib; do
		for f in "$@"; do
			test -r "$d/$f" && { echo "$d/$f"; return 0; }
		done
	done
	return 1
}
mallocs= paths=
for m in "mimalloc libmimalloc.so.2" "jemalloc libjemalloc.so.2" \
	"tcmalloc libtcmalloc_minimal.so.4 libtcmalloc.so.4"; do
	set -- $m
	name=$1
	shift
	if p=$(find_lib "$@"); then
		mallocs="$mallocs,$name"
		paths="$paths $name=$p"
	else
		echo "SKIP: $name: not installed"
	fi
done
test -n "$mallocs" || { echo "SKIP: no mimalloc, jemalloc or tcmalloc"; exit 77; }
mallocs=${mallocs#,}

# ---- by name: real figures in a row of each name, --verify too ----
expect 0 "$T" -q --verify -p "libc,$mallocs" "$tmp/big.trace"
for name in $(echo "$mallocs" | tr , ' '); do
	# held from the allocator: MiB, not "0 B"; utilization below 100%
	has "$tmp/out" "^big.trace +$name +26666 +0 +19\\.1 MiB +[0-9.]+ MiB +[0-9]{2}\\.[0-9]%"
done
expect 0 "$T" -q -p "$mallocs" --json "$tmp/big.trace"
for name in $(echo "$mallocs" | tr , ' '); do
	has "$tmp/out" "\"policy\": \"$name\", \"ops\": 26666, \"failed\": 0, \"peak_live_bytes\": 19989297, \"peak_held_bytes\": [1-9][0-9]{6,}, "
done

# ---- by library: NAME=PATH.so, a path or a name the loader finds ----
for np in $paths; do
	name=${np%%=*}
	path=${np#*=}
	expect 0 "$T" -q -p "elastic,my$name=$path,$name=$(basename "$path")" "$tmp/big.trace"
	has "$tmp/out" "^big.trace +my$name=$path +26666 +0 +19\\.1 MiB +[0-9.]+ MiB "
	has "$tmp/out" "^big.trace +$name=$(basename "$path") +26666 +0 +19\\.1 MiB "
	has "$tmp/out" "^big.trace +elastic +26666 +0 "
done

# ---- a missing library, or one without malloc: that row's error alone ----
zlib=$(find_lib libz.so.1)
expect 1 "$T" -q -p "elastic,gone=/nonexistent/libgone.so,z=$zlib" "$tmp/big.trace"
has "$tmp/out" "^big.trace +elastic +26666 +0 "
has "$tmp/out" "^big.trace +gone=/nonexistent/libgone.so +error: /nonexistent/libgone.so: No such file or directory$"
has "$tmp/out" "^big.trace +z=$zlib +error: $zlib: not loaded, or it has no malloc$"
has "$tmp/err" "^pagealloc-trace: $tmp/big.trace: gone=/nonexistent/libgone.so: /nonexistent/libgone.so: No such file or directory$"

exit $status
