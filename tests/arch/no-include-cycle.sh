#!/bin/bash
# No include cycle between the project's headers: every '#include "x.h"'
# in src/ is an edge, and tsort(1) refuses a graph with a loop.
# usage: no-include-cycle.sh SRC_DIR
set -u
src=${1:?usage: $0 SRC_DIR}
edges=$(grep -rEo --include='*.[ch]' '^#[[:space:]]*include[[:space:]]*"[^"]+"' "$src" |
    sed -E 's|^([^:]*):#[[:space:]]*include[[:space:]]*"([^"]+)"|\1 \2|' |
    while read -r file inc; do
	# a .c includes its headers; name the file by its base name
	printf '%s %s\n' "$(basename "$file")" "$(basename "$inc")"
    done | awk '$1 != $2')
n=$(printf '%s\n' "$edges" | wc -l)
[ "$n" -ge 50 ] || { echo "FAIL: only $n include edges found in $src"; exit 1; }
if out=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) && [ -z "$out" ]; then
	echo "ok   $n include edges, no cycle"
	exit 0
fi
echo "FAIL: include cycle:"
echo "$out"
exit 1
