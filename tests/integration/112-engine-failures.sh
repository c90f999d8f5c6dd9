#!/bin/bash
# label: myproxy
# cost: 35
# 112-engine-failures: failed renewals through the daemon, each with its
# logged reason (the server's own text), recorded in STATUS, the stored
# proxy kept, and retried with backoff: credential destroyed on the server;
# service DN not authorised; stored credential ending before the current
# proxy (no shortening); a server that never answers (worker killed at
# --worker-timeout 2, in a daemon restarted with it: the server is still
# named and cooled down; with a budget that allows it, the worker gives up
# on the server itself and names it). The daemon survives all of it.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_failures
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 20
new_proxy alice "$T/long.pem" 600
eng_start --worker-timeout 30 --backoff-min 1 --backoff-max 2 --lifetime 2

# expect_failure FILE DESC REGEX: repeated failed attempts with REGEX in
# Last_error and in a FAILED log line, the file unchanged.
expect_failure() {
	local f=$1 desc=$2 re=$3 sum
	sum=$(sha256sum < "$f")
	wait_status "$f" Failures '[2-9]|[1-9][0-9]+' 20 ||
	    fail "$desc: not retried (Failures=$(kv Failures))"
	assert_match '^[1-9][0-9]*$' "$(kv Last_result)" "$desc: failure code"
	assert_match "$re" "$(kv Last_error)" "$desc: Last_error"
	assert_match "$re" "$(grep "FAILED" "$DAEMON_LOG" | grep -F "${f##*/}")" \
	    "$desc: logged reason"
	assert_eq "$sum" "$(sha256sum < "$f")" "$desc: stored proxy kept"
}

# ---- credential destroyed on the server
mp_destroy alice one
reg "$T/a.pem" "$(mp_addr one)" jobA
assert_response 0 "register (destroyed)"
fa=$(kv Proxy_name)
expect_failure "$fa" "destroyed" \
    "ERROR from myproxy-server.*No credentials exist for username"

# ---- service DN not authorised
reg "$T/b.pem" "$(mp_addr notauth)" jobB
assert_response 0 "register (not authorised)"
fb=$(kv Proxy_name)
expect_failure "$fb" "not authorised" "ERROR from myproxy-server.*authorized_renewers"

# ---- no shortening: the stored credential ends in 1 h, the proxy in 10 h
reg "$T/long.pem" "$(mp_addr short)" jobL
assert_response 0 "register (long)"
fl=$(kv Proxy_name)
long_end=$(eng_end "$fl")
status "$fl"
assert_eq 0 "$(kv Last_attempt)" "long proxy: not due yet"
kill -USR1 "$DAEMON_PID"
expect_failure "$fl" "no shortening" \
    "new proxy would end earlier \([0-9]+\) than the current one"
assert_eq "$long_end" "$(eng_end "$fl")" "no shortening: end unchanged"
jobget jobL
assert_eq "$long_end" "$(kv End_time)" "no shortening: GET End_time unchanged"

# ---- a server that never answers: the worker is killed at 2 s. Three
# entries of it: each gets 1 s of the 2 s budget, so only the kill ends it.
daemon_stop
eng_start --worker-timeout 2 --backoff-min 1 --backoff-max 2 --lifetime 2
H=localhost:$HANG_PORT
reg "$T/a.pem" "$H,$H,$H" jobH
assert_response 0 "register (hang)"
fh=$(kv Proxy_name)
t0=$(now_ms)
wait_status "$fh" Last_result 1911 15 || fail "hang: no timeout result"
t1=$(now_ms)
assert_match "worker killed after its hard timeout of 2 s" "$(kv Last_error)" \
    "hang: Last_error"
if [ $((t1 - t0)) -lt 8000 ]; then
	ok "hang: the attempt ended within the hard timeout ($((t1 - t0)) ms)"
else
	fail "hang: took $((t1 - t0)) ms"
fi
expect_failure "$fh" "hang" "hard timeout"
assert_match "hard timeout of 2 s while trying localhost:$HANG_PORT.*servers tried: localhost:$HANG_PORT \(unreachable\)" \
    "$(grep FAILED "$DAEMON_LOG" | grep -F "${fh##*/}" | head -n 1)" \
    "hang: the hanging server named in the log"
assert_match "MyProxy server localhost:$HANG_PORT unreachable: skipped for [0-9]+ s \(cool-down\)" \
    "$(grep -F "localhost:$HANG_PORT" "$DAEMON_LOG")" "hang: the server cools down"

# ---- one hanging server, a budget that leaves the worker time to say so:
# the worker gives up on it itself (its share of --worker-timeout 4 less
# the margin: 3 s) and names it; no kill
daemon_stop
eng_start --worker-timeout 4 --backoff-min 1 --backoff-max 2 --lifetime 2
reg "$T/a.pem" "$H" jobH1
assert_response 0 "register (one hanging server)"
fh1=$(kv Proxy_name)
wait_status "$fh1" Failures '[1-9][0-9]*' 20 || fail "hang (one): no attempt"
assert_match "localhost:$HANG_PORT: no answer within 3 s" "$(kv Last_error)" \
    "hang (one): the worker named the server"
assert_match "servers tried: localhost:$HANG_PORT \(unreachable\)" \
    "$(grep FAILED "$DAEMON_LOG" | grep -F "${fh1##*/}" | head -n 1)" \
    "hang (one): logged as unreachable"
daemon_alive "after the failures"
daemon_stop
assert_eq "" "$(cd "$REPO" && ls -A | grep '^\.tmp' || true)" "no temp file left"
check_log_clean
