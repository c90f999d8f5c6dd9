#!/bin/bash
# label: myproxy asan
# 111-engine-failover: the daemon's renewals fail over between MyProxy
# servers. Primary stopped: renewed from the secondary, the primary put in
# cool-down (logged) and skipped by the next renewal. Both down: failed
# attempts retried with backoff (--backoff-min 1 --backoff-max 2), the proxy
# kept; once a server is back the next retry succeeds and Failures resets.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
mp_start one
mp_start two
mp_store alice one
mp_store alice two
A1=$(mp_addr one)
A2=$(mp_addr two)
new_proxy alice "$T/cur.pem" 20
eng_start --lifetime 2 --cooldown 30 --backoff-min 1 --backoff-max 2

# ---- primary down: the secondary delivers; primary cooling down
mp_stop one
eng_reg_renewed "$T/cur.pem" "$A1,$A2" job1 30 ||
    fail "not renewed from the secondary"
file=$FILE
wait_log "renewed in" 5
assert_match "$A1 \(unreachable\), $A2 \(renewed\)" \
    "$(grep 'renewed in' "$DAEMON_LOG")" "log: primary unreachable, secondary used"
assert_match "server $A1 unreachable: skipped for 30 s" "$(cat "$DAEMON_LOG")" \
    "log: the primary's cool-down"
status "$file"
assert_eq 0 "$(kv Last_result)" "STATUS: success"

# the next renewal skips the primary (no connect attempt)
end=$(eng_end "$file")
wait_next_second
kill -USR1 "$DAEMON_PID"
wait_end_after "$file" "$end" 20 || fail "second renewal"
wait_log "skipped \(cooling down\): $A1" 5 ||
    fail "log: second renewal did not skip the cooling primary"
assert_match "servers tried: $A2 \(renewed\); skipped \(cooling down\): $A1" \
    "$(grep 'renewed in' "$DAEMON_LOG" | tail -n 1)" "log: only the secondary tried"

# ---- both down: failed attempts retried with backoff, proxy kept
mp_stop two
end=$(eng_end "$file")
sum=$(sha256sum < "$file")
kill -USR1 "$DAEMON_PID"
wait_status "$file" Failures '[3-9]|[1-9][0-9]+' 20 ||
    fail "no repeated failures (Failures=$(kv Failures))"
assert_match '^[1-9][0-9]*$' "$(kv Last_result)" "both down: a failure code"
assert_match "$A2" "$(kv Last_error)" "both down: Last_error names the servers"
assert_eq "$sum" "$(sha256sum < "$file")" "both down: proxy kept"
now=$(date +%s)
nxt=$(kv Renewal_time)
if [ "$nxt" -ge "$((now - 1))" ] && [ "$nxt" -le "$((now + 3))" ]; then
	ok "both down: next attempt within the backoff ($((nxt - now)) s)"
else
	fail "both down: next attempt in $((nxt - now)) s, expected <= 2"
fi
assert_match "FAILED .*next attempt" "$(grep 'FAILED' "$DAEMON_LOG")" \
    "log: failure with next attempt"
jobget job1
assert_response 0 "both down: GET still answers"

# ---- one is back: the next retry succeeds
mp_start two
wait_end_after "$file" "$end" 20 || fail "not renewed once the secondary is back"
wait_status "$file" Failures 0 5 || fail "Failures not reset"
assert_eq 0 "$(kv Last_result)" "back: success"
daemon_alive "after the outages"
daemon_stop
check_log_clean
