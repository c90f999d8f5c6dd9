#!/bin/bash
# tests/fuzz/run.sh BUILD_DIR SECONDS: for each libFuzzer harness built in
# BUILD_DIR/fuzz (make fuzz, make check-fuzz): replay its committed corpus
# (tests/fuzz/corpus/NAME, every file once), then fuzz it for SECONDS with
# the corpus as seeds (new inputs go to a temp dir, not into the tree).
# Prints one line per harness: executions, exec/s, coverage (libFuzzer's
# cov: edges and ft: features), corpus size. A crash, leak, sanitizer
# report or a missing harness fails (exit 1); the input is kept as
# BUILD_DIR/fuzz/crash-NAME-*.
set -u
B=$(cd "${1:?usage: run.sh BUILD_DIR SECONDS}" && pwd)
SECS=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
NAMES="request cred voms_ac config servers result inspect"
rc=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $NAMES; do
	bin=$B/fuzz/fuzz_$f
	log=$tmp/$f.log
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz_$f: not built ($bin)"
		rc=1
		continue
	fi
	if ! "$bin" -runs=0 "$here/corpus/$f" > "$log" 2>&1; then
		echo "FAIL fuzz_$f: replaying corpus/$f:"
		tail -n 30 "$log"
		rc=1
		continue
	fi
	mkdir "$tmp/$f"
	if ! "$bin" -max_total_time="$SECS" -print_final_stats=1 \
	    -artifact_prefix="$B/fuzz/crash-$f-" "$tmp/$f" "$here/corpus/$f" \
	    > "$log" 2>&1; then
		echo "FAIL fuzz_$f: see the report below"
		tail -n 40 "$log"
		rc=1
		continue
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<< "$last")
	echo "ok   fuzz_$f: ${SECS}s, $execs execs, $rate exec/s, cov $cov edges, ft $ft, corpus $corp (seeds $(ls "$here/corpus/$f" | wc -l))"
done
exit $rc
