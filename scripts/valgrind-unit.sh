#!/bin/sh
# Runs every unit test binary under valgrind; any error or definite leak fails.
set -eu
build=${1:-build}
fail=0
n=0
for t in "$build"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	if ! valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite "$t" >"$t.valgrind.log" 2>&1; then
		echo "valgrind: FAILED: $t (see $t.valgrind.log)"
		cat "$t.valgrind.log"
		fail=$((fail + 1))
	fi
done
echo "valgrind: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
