#!/usr/bin/env bash
# bench/idle.sh BUILD_DIR: what 200 idle connections of the same uid cost a
# well-behaved client: GET p50/p99 through libproxyrenew without them, then
# with N_IDLE connections held open sending nothing (tests/tools/pr-idleconns),
# REPS times in alternation (the two sides see the same machine), and the
# daemon's CPU per GET on each side (utime+stime, which the other tenants of a
# shared machine do not move the way they move a p99).
# Target: the median over the repetitions of p99 with / p99 without < 2.
# Knobs: N_GET (default 10000), N_IDLE (200), REPS (5).
set -u
PR_BUILD_DIR=$(cd "${1:-build}" && pwd)
export PR_BUILD_DIR
N_GET=${N_GET:-10000}
N_IDLE=${N_IDLE:-200}
REPS=${REPS:-5}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib/common.sh
source "$here/../tests/integration/lib/common.sh"
source "$here/lib.sh"

bench=$(pr_bin_ bench_get_p99 bench)
idle=$(pr_bin_ pr-idleconns tests/tools)
need_bin "$bench" bench_get_p99
need_bin "$idle" pr-idleconns
need_tool jq
setup_ca
new_proxy alice "$T/alice.proxy" 720
daemon_start

# measure NAME REP: N_GET GETs; records p50, p99 and the daemon's CPU per GET.
measure() {
	local c0 c1 line us
	c0=$(proc_cpu_ticks "$DAEMON_PID")
	line=$("$bench" "$T/alice.proxy" localhost:7512 "$N_GET") ||
	    die "bench_get_p99 failed"
	c1=$(proc_cpu_ticks "$DAEMON_PID")
	us=$(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / N_GET ))
	rec "$1" "$2" p50_ms="$(awk '{ print $2 }' <<< "$line")" \
	    p99_ms="$(awk '{ print $4 }' <<< "$line")" cpu_us_per_get="$us" \
	    load1="$(cut -d' ' -f1 /proc/loadavg)"
	printf '  rep %s %-8s %s, daemon CPU %s us/GET, load %s\n' "$2" "$1:" \
	    "$line" "$us" "$(cut -d' ' -f1 /proc/loadavg)"
}

# idle_hold: N_IDLE connections that send nothing, until idle_release.
idle_hold() {
	local i
	rm -f "$T/idle.in" "$T/idle.out"
	mkfifo "$T/idle.in"
	"$idle" "$SOCK" "$N_IDLE" < "$T/idle.in" > "$T/idle.out" &
	IDLE_PID=$!
	exec 8> "$T/idle.in"
	for i in $(seq 1 300); do
		grep -q '^connected' "$T/idle.out" && return 0
		sleep 0.1
	done
	die "idle connections not set up"
}

idle_release() {
	exec 8>&-
	wait "$IDLE_PID"
}

echo "== GET latency, $N_GET GETs, without and with $N_IDLE idle connections, $REPS reps"
for r in $(seq 1 "$REPS"); do
	measure without "$r"
	idle_hold
	measure with "$r"
	idle_release
done
daemon_stop
ratios=$(jq -rs '[group_by(.rep)[] | (map(select(.name == "with"))[0].p99_ms /
    map(select(.name == "without"))[0].p99_ms)] | sort |
    map(. * 100 | round / 100)' "$RAW")
ratio=$(jq -r '.[length / 2 | floor]' <<< "$ratios")
read -r cpu0 cpu0_min _ < <(med without cpu_us_per_get)
read -r cpu1 cpu1_min _ < <(med with cpu_us_per_get)
read -r p0 p0_min _ < <(med without p99_ms)
read -r p1 p1_min _ < <(med with p99_ms)
echo "p99 ratios (with/without) per rep, sorted: $(jq -c . <<< "$ratios")"
echo "p99 ms median (best): $p0 ($p0_min) without, $p1 ($p1_min) with"
echo "daemon CPU us per GET median (best): $cpu0 ($cpu0_min) without, $cpu1 ($cpu1_min) with"
echo "median p99 ratio: $ratio (target < 2), load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v r="$ratio" 'BEGIN { exit !(r < 2) }' &&
    ok "median p99 with $N_IDLE idle connections < 2x" ||
    fail "median p99 with $N_IDLE idle connections is ${ratio}x"
