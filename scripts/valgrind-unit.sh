#!/bin/sh
# Runs every unit test binary under valgrind; any error or definite leak fails.
# Runs JOBS (default: the number of CPUs) at once: valgrind is CPU-bound and
# single-threaded, and the longest unit test alone takes minutes under it.
set -eu
build=${1:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# one test: its log next to it, and a .valgrind.ok marker if it passed
run_one() {
	rm -f "$1.valgrind.ok"
	if valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite "$1" >"$1.valgrind.log" 2>&1; then
		: >"$1.valgrind.ok"
	fi
}

if [ "${1:-}" = --one ]; then
	run_one "$2"
	exit 0
fi
units() {
	for t in "$build"/tests/unit/test_*; do
		case $t in *.valgrind.*) continue ;; esac
		if [ -x "$t" ]; then printf '%s\n' "$t"; fi
	done
}
units | xargs -r -n 1 -P "$jobs" "$0" --one
n=0
fail=0
for t in $(units); do
	n=$((n + 1))
	if [ ! -e "$t.valgrind.ok" ]; then	# failed, or never ran
		echo "valgrind: FAILED: $t (see $t.valgrind.log)"
		cat "$t.valgrind.log"
		fail=$((fail + 1))
	fi
done
echo "valgrind: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
