#!/bin/bash
# label: myproxy asan
# 110-engine-renew: the daemon renews a registered proxy through its worker
# against a real myproxy-server: a proxy with 20 minutes left (below the
# condor limit) is renewed at once; the repository file (same path) then
# holds alice's proxy for about --lifetime hours; GET, STATUS and the log
# say so; the schedule survives a restart; SIGUSR1 and renew-all renew now,
# and a renewal in flight when SIGUSR1 comes is done once more after it.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice
new_proxy alice "$T/cur.pem" 20
eng_start --lifetime 2 --myproxy-server "$A1"

t0=$(now_ms)
eng_reg_renewed "$T/cur.pem" "$A1" job1 30 || fail "not renewed within 30 s"
file=$FILE
t1=$(now_ms)
echo "timing: register to renewed file: $((t1 - t0)) ms" >&2
wait_log "renewal of .* renewed in [0-9]+ ms" 5 || fail "no success line"
grep -E -o "renewed in [0-9]+ ms" "$DAEMON_LOG" | head -n 1 |
    sed 's/^/timing: daemon log: /' >&2

end=$(eng_end "$file")
life=$((end - $(date +%s)))
if [ "$life" -gt 7000 ] && [ "$life" -le 7200 ]; then
	ok "renewed proxy lives about 2 h ($life s)"
else
	fail "renewed proxy lifetime $life s, expected about 7200"
fi
assert_match '^/C=XX/O=Test/CN=alice/CN=[0-9]+' "$(proxy_subject "$file")" \
    "same identity"
m1=$(openssl x509 -in "$file" -noout -pubkey | sha256sum)
m2=$(openssl pkey -in "$file" -pubout | sha256sum)
assert_eq "$m1" "$m2" "renewed file: key matches its certificate"
assert_eq 600 "$(stat -c %a "$file")" "renewed file mode 0600"
assert_eq "" "$(cd "$REPO" && ls -A | grep '^\.tmp' || true)" \
    "no temp file left"

jobget job1
assert_response 0 "GET after renewal"
assert_eq "$file" "$(kv Proxy_name)" "GET: same path"
assert_eq "$end" "$(kv End_time)" "GET: End_time is the new expiry"

status "$file"
assert_eq 0 "$(kv Last_result)" "STATUS: Last_result=0"
assert_eq "" "$(kv Last_error)" "STATUS: no Last_error"
assert_eq 0 "$(kv Failures)" "STATUS: Failures=0"
assert_match '^[1-9][0-9]+$' "$(kv Last_attempt)" "STATUS: Last_attempt set"
assert_eq "$end" "$(kv End_time)" "STATUS: End_time"
# L = 2 h, L/4 = 1800 < condor 1800 + 300: renew 2100 s before the end,
# made earlier by sched_jitter by at most 4 % of the time left (< 2 h)
next=$(kv Renewal_time)
if [ "$next" -le "$((end - 2100))" ] && [ "$next" -ge "$((end - 2100 - 288))" ]
then
	ok "STATUS: next renewal at T - (condor + 300), less the jitter"
else
	fail "STATUS: next renewal $next, expected $((end - 2100)) less at most 288 s"
fi
start=$(kv Start_time)
assert_match "$A1 \(renewed\)" "$(grep 'renewed in' "$DAEMON_LOG")" \
    "log names the server"
assert_match "alice.*next renewal" "$(grep 'renewed in' "$DAEMON_LOG")" \
    "log names the identity and next renewal"

# ---- the schedule survives a restart: nothing due, nothing attempted
daemon_stop
eng_start --lifetime 2
status "$file"
assert_eq "$next" "$(kv Renewal_time)" "restart: same next renewal"
assert_eq "$start" "$(kv Start_time)" "restart: same Start_time"
sleep 1
assert_eq 1 "$(log_count 'renewed in')" "restart: no renewal when none due"

# ---- SIGUSR1, then renew-all: renewed now (a second later: a later end)
kill -USR1 "$DAEMON_PID"
wait_end_after "$file" "$end" 20 || fail "SIGUSR1: not renewed"
end2=$(eng_end "$file")
wait_next_second
cli renew-all
assert_rc 0 "proxy-renew renew-all"
wait_end_after "$file" "$end2" 20 || fail "renew-all: not renewed"
# the file is renamed in the commit, the line is logged just after it
wait_log_count 3 'renewed in' 5
assert_eq 3 "$(log_count 'renewed in')" "three renewals logged"
status "$file"
assert_eq 0 "$(kv Failures)" "no failures"

# ---- SIGUSR1 while the proxy's renewal is in flight (its server stopped):
# that attempt began before the signal, so the proxy is renewed once more
# when it ends
mp_pid=$(cat "$T/mp/one/pid") || die "no pid of myproxy-server one"
at_exit "kill -CONT $mp_pid 2>/dev/null"
kill -STOP "$mp_pid" || die "cannot stop myproxy-server one"
wait_next_second	# a renewal must end later than the last one
mark=$(wc -l < "$DAEMON_LOG")
started_() {
	tail -n +"$((mark + 1))" "$DAEMON_LOG" |
	    grep -c "renewal of ${file##*/} .*started"
}
started_one_() { [ "$(started_)" -ge 1 ]; }
kill -USR1 "$DAEMON_PID"
wait_until 10 started_one_ || die "SIGUSR1: the renewal did not start"
kill -USR1 "$DAEMON_PID"
wait_log "renew all: 1 in flight, each done again when it ends" 10 ||
    fail "SIGUSR1 during a renewal: the renewal in flight is not named"
kill -CONT "$mp_pid"
wait_log_count 5 'renewed in' 30
assert_eq 5 "$(log_count 'renewed in')" \
    "SIGUSR1 during a renewal: renewed again after the attempt in flight"
assert_eq 2 "$(started_)" "SIGUSR1 during a renewal: one more attempt"
status "$file"
assert_eq 1 "$(( $(kv Renewal_time) > $(date +%s) + 600 ))" \
    "SIGUSR1 during a renewal: then scheduled as usual, not again"
daemon_alive "after renewals"
daemon_stop
check_log_clean "FAILED"
