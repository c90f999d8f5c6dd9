#!/usr/bin/env bash
# bench/idle.sh BUILD_DIR: what 200 idle connections of the same uid cost a
# well-behaved client (issue 9 defect 4): GET p50/p99 through libproxyrenew
# without them, then with 200 connections held open sending nothing
# (tests/tools/pr-idleconns). Target: p99 with them < 2x p99 without.
set -u
PR_BUILD_DIR=$(cd "${1:-build}" && pwd)
export PR_BUILD_DIR
N_GET=${N_GET:-5000}
N_IDLE=${N_IDLE:-200}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib/common.sh
source "$here/../tests/integration/lib/common.sh"

bench=$(pr_bin_ bench_get_p99 bench)
idle=$(pr_bin_ pr-idleconns tests/tools)
need_bin "$bench" bench_get_p99
need_bin "$idle" pr-idleconns
setup_ca
new_proxy alice "$T/alice.proxy" 720
daemon_start
echo "== GET latency, $N_GET GETs, without and with $N_IDLE idle connections"
base=$("$bench" "$T/alice.proxy" localhost:7512 "$N_GET") || die "bench failed"
echo "without: $base"
mkfifo "$T/idle.in"
"$idle" "$SOCK" "$N_IDLE" < "$T/idle.in" > "$T/idle.out" &
idle_pid=$!
exec 8> "$T/idle.in"
for i in $(seq 1 300); do
	grep -q '^connected' "$T/idle.out" && break
	sleep 0.1
done
grep -q '^connected' "$T/idle.out" || die "idle connections not set up"
loaded=$("$bench" "$T/alice.proxy" localhost:7512 "$N_GET") || die "bench failed"
echo "with $N_IDLE idle: $loaded"
exec 8>&-
wait "$idle_pid"
daemon_stop
p0=$(awk '{ print $4 }' <<< "$base")
p1=$(awk '{ print $4 }' <<< "$loaded")
ratio=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", b / a }')
echo "p99 ratio (with/without): $ratio (target < 2)"
awk -v r="$ratio" 'BEGIN { exit !(r < 2) }' && ok "p99 with idle connections < 2x" ||
    fail "p99 with idle connections is ${ratio}x"
