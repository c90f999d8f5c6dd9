#!/bin/bash
# label: myproxy
# cost: 45
# cpus: 2
# 114-engine-parallel: N proxies (default 50; PR_ENGINE_N) of U identities
# (default 5; PR_ENGINE_USERS; each registered N/U times with Unique=1, so
# every registration is its own record, file and renewal), then all made
# due at once (SIGUSR1): every one is renewed, by at most --workers (4)
# workers at a time and more than one at a time (counted from the daemon's
# log: "started" lines against completion lines). Prints the renewals per
# second the daemon sustained ("timing:" line). Fewer identities than
# proxies only keep the set-up (key generation) short.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

N=${PR_ENGINE_N:-50}
U=${PR_ENGINE_USERS:-5}
# a sanitizer build's worker is about ten times slower: fewer proxies
if [ -z "${PR_ENGINE_N:-}" ] && grep -q __asan_init "$PRD"; then
	N=16
	echo "sanitizer build: $N proxies" >&2
fi
[ "$U" -le "$N" ] || U=$N
W=4
mp_setup
mp_start one
A1=$(mp_addr one)

# users u1..uU: certificate, stored credential, a 10 h proxy (not due)
mk_user() {
	ca_issue "$T/ca" "u$1" user "/C=XX/O=Test/CN=user $1" &&
	    make_proxy "$T/ca/u$1" "$T/u$1.pem" 600 &&
	    mp_store "u$1" one
}
t0=$(now_ms)
for i in $(seq 1 "$U"); do
	mk_user "$i" > /dev/null 2>&1 &
	[ $((i % 4)) -eq 0 ] && wait
done
wait
echo "timing: setup of $U users: $(($(now_ms) - t0)) ms" >&2
for i in $(seq 1 "$U"); do
	[ -s "$T/u$i.pem" ] || die "user $i: no proxy"
done

eng_start -j "$W" --myproxy-server "$A1"
declare -A ends
for i in $(seq 1 "$N"); do
	u[$i]=$(( (i - 1) % U + 1 ))
	reg "$T/u${u[$i]}.pem" "$A1" "job$i" "Unique=1\\n"
	[ "$(kv Response)" = 0 ] || fail "register $i: $(kv Message)"
	f[$i]=$(kv Proxy_name)
	ends[$i]=$(eng_end "${f[$i]}")
done
[ "$(list; kv_all Proxy_name | wc -l)" -eq "$N" ] || fail "LIST: not $N proxies"
assert_eq 0 "$(log_count 'renewed in|FAILED')" "nothing due before SIGUSR1"

t0=$(now_ms)
kill -USR1 "$DAEMON_PID"
for s in $(seq 1 1200); do
	[ "$(log_count 'renewed in|FAILED')" -ge "$N" ] && break
	sleep 0.1
done
t1=$(now_ms)
ms=$((t1 - t0))
assert_eq "$N" "$(log_count 'renewed in')" "all $N renewed"
assert_eq 0 "$(log_count 'FAILED')" "no failures"
echo "timing: $N renewals through the daemon with $W workers in $ms ms:" \
    "$((N * 1000 / ms)).$(((N * 10000 / ms) % 10)) renewals/s" >&2

bad=0
for i in $(seq 1 "$N"); do
	[ "$(eng_end "${f[$i]}")" -gt "${ends[$i]}" ] || bad=$((bad + 1))
	[[ $(proxy_subject "${f[$i]}") == "/C=XX/O=Test/CN=user ${u[$i]}/"* ]] ||
	    bad=$((bad + 1))
done
assert_eq 0 "$bad" "every file renewed with its own identity"

# concurrency from the log: +1 per start, -1 per completion
max=$(grep -E ': renewal of .*(started: worker|renewed in|FAILED in)' \
    "$DAEMON_LOG" | awk '/started: worker/ { n++; if (n > m) m = n; next }
    { n-- } END { print m + 0 }')
if [ "$max" -le "$W" ] && [ "$max" -ge 2 ]; then
	ok "at most $W workers at once, in parallel (max $max)"
else
	fail "concurrent workers: max $max, expected 2..$W"
fi
daemon_alive "after $N renewals"
daemon_stop
check_log_clean
