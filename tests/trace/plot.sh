#!/bin/sh
# trace/plot.sh - --plot: one panel per trace, every policy's held bytes on
# one log axis in a line style of its own, and the live payload; the SVG is
# rendered with rsvg-convert (skip, 77, without it) and the PNG's size is
# what the SVG says.
. "${srcdir:-.}/trace/setup.sh"
command -v rsvg-convert >/dev/null 2>&1 || { echo "SKIP: no rsvg-convert (librsvg2-bin)"; exit 77; }
mixed=$data/mixed.trace

# png_size FILE: "WIDTHxHEIGHT" from the IHDR chunk (bytes 16-23, big-endian)
png_size() {
	od -An -tu1 -j16 -N8 "$1" |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 "x" $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

expect 0 "$T" -q -p all --plot "$tmp/p.svg" "$mixed" "$data/small.rep"
svg=$tmp/p.svg
# one panel per trace, not per trace and policy
test "$(grep -c '^<g class="panel"' "$svg")" -eq 2 || fail "not 2 panels: $(grep -c '^<g class="panel"' "$svg")"
has "$svg" '^<text x="70" y="18" font-weight="bold">mixed.trace: bytes held over operations \(log scale\)</text>$'
has "$svg" '^<text x="70" y="18" font-weight="bold">small.rep: bytes held over operations \(log scale\)</text>$'
# a log axis: ticks a power of 4 apart
has "$svg" '>1.0 KiB</text>$'
has "$svg" '>4.0 KiB</text>$'
has "$svg" '>16.0 KiB</text>$'
# in each panel, each policy's line has a style (colour and dashes) of its own
awk '/^<g class="panel"/ { p++ } /^<polyline / && !/stroke="#bbbbbb"/ {
	match($0, /stroke="[^"]*" stroke-width="[^"]*" stroke-dasharray="[^"]*"/)
	print p, substr($0, RSTART, RLENGTH) }' "$svg" >"$tmp/styles"
test "$(wc -l <"$tmp/styles")" -eq 14 || fail "not 7 policies' lines in each of 2 panels: $(wc -l <"$tmp/styles")"
test "$(sort -u "$tmp/styles" | wc -l)" -eq "$(wc -l <"$tmp/styles")" || fail "two lines of a panel share a style"
# the live payload, from a policy where nothing failed; failures said in the legend
test "$(grep -c '^<polyline fill="none" stroke="#bbbbbb" stroke-width="5.0"' "$svg")" -eq 2 || fail "not a live line per panel"
has "$svg" '>page \(4 failed!\)</text>$'
has "$svg" '>elastic</text>$'

# rendered: the PNG is as wide and high as the SVG says, and not empty
rsvg-convert -o "$tmp/p.png" "$svg" 2>"$tmp/rsvg.err" || fail "rsvg-convert: $(head -n 3 "$tmp/rsvg.err")"
test -s "$tmp/rsvg.err" && fail "rsvg-convert warned: $(head -n 3 "$tmp/rsvg.err")"
size=$(png_size "$tmp/p.png")
want=$(sed -n 's/^<svg .* width="\([0-9]*\)" height="\([0-9]*\)".*/\1x\2/p' "$svg")
test "$size" = "740x684" || fail "the PNG is $size, not 740x684"
test "$size" = "$want" || fail "the PNG is $size, the SVG says $want"
test "$(wc -c <"$tmp/p.png")" -gt 20000 || fail "the PNG is $(wc -c <"$tmp/p.png") bytes: nothing drawn?"

# one trace, one panel: the height follows
expect 0 "$T" -q -p elastic,libc --plot "$tmp/one.svg" "$mixed"
rsvg-convert -o "$tmp/one.png" "$tmp/one.svg" || fail "rsvg-convert one.svg"
size=$(png_size "$tmp/one.png")
test "$size" = "740x368" || fail "one trace: the PNG is $size, not 740x368"
exit $status
