#!/bin/bash
# label: myproxy
# cost: 35
# 113-engine-expiry: a proxy that cannot be renewed (its MyProxy server has
# no credential for it) is retried with backoff until it expires; then its
# file is removed, GET answers 1909 and LIST no longer shows it, while a
# proxy of the same short life whose server works is renewed in time. A
# renewal still in flight (a server that never answers) does not postpone
# the expiry, and is stopped with the daemon.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
mp_start one
mp_store bob one
A1=$(mp_addr one)
end=$(( $(date +%s) + 25 ))
make_proxy_until "$T/ca/alice" "$T/a.pem" "$end" || die "alice's proxy"
make_proxy_until "$T/ca/bob" "$T/b.pem" "$end" || die "bob's proxy"
eng_start -c 60 --backoff-min 1 --backoff-max 2 --lifetime 1

reg "$T/a.pem" "$A1" jobA
assert_response 0 "register alice (no credential on the server)"
fa=$(kv Proxy_name)
reg "$T/b.pem" "$A1" jobB
assert_response 0 "register bob"
fb=$(kv Proxy_name)
# alice again, own record, at a server that never answers: its renewal is
# still in flight at the expiry, which must not wait for it
# (three entries of it: 3 x 30 s, so the worker outlives this test)
mp_hang_start
H=localhost:$HANG_PORT
reg "$T/a.pem" "$H,$H,$H" jobH "Unique=1\\n"
assert_response 0 "register alice at a hanging server"
fh=$(kv Proxy_name)

wait_end_after "$fb" "$end" 20 || fail "bob: not renewed before expiry"
wait_status "$fa" Failures '[2-9]|[1-9][0-9]+' 15 || fail "alice: not retried"
assert_match "No credentials exist" "$(kv Last_error)" "alice: the reason"
jobget jobA
assert_response 0 "alice: GET answers before the expiry"

# the expiry: file removed, 1909, not listed; the record's audit trail
# stays (why it expired) until its last job is unregistered
wait_log "$(basename "$fa") .*expired without a successful renewal" 40 ||
    fail "alice: no expiry line in the log"
assert_file_gone "$fa" "alice: file removed at expiry"
now=$(date +%s)
if [ "$now" -ge "$end" ] && [ "$now" -le $((end + 5)) ]; then
	ok "alice: expired on time ($((now - end)) s after notAfter)"
else
	fail "alice: expiry handled $((now - end)) s after notAfter"
fi
jobget jobA
assert_response 1909 "alice: GET after expiry"
need_tool jq
cli --json -j jobA history
assert_rc 0 "alice: history after the expiry"
assert_match '^([2-9]|[1-9][0-9]+)$' "$(jq '.attempts | length' <<< "$OUT")" \
    "alice: the failed attempts are still there"
assert_eq needs-user-action "$(jq -r '[.attempts[].class] | unique | join(",")' <<< "$OUT")" \
    "alice: each one needs the user"
assert_match "No credentials exist" "$(jq -r '.attempts[0].servers[0]' <<< "$OUT")" \
    "alice: the server's own text"
wait_log "$(basename "$fh") .*expired without a successful renewal" 3 ||
    fail "in-flight renewal: no expiry at notAfter"
assert_file_gone "$fh" "in-flight renewal: file removed at expiry"
jobget jobH
assert_response 1909 "in-flight renewal: GET after expiry"
list
assert_eq "$fb" "$(kv_all Proxy_name)" "LIST shows only bob's proxy"
n=$(log_count "FAILED.*$(basename "$fa")")
sleep 3
assert_eq "$n" "$(log_count "FAILED.*$(basename "$fa")")" \
    "alice: no attempts after the expiry"

jobget jobB
assert_response 0 "bob: GET after alice's expiry"
assert_eq "$fb" "$(kv Proxy_name)" "bob: same path"
unreg jobA
assert_response 0 "alice: unregister the expired job"
cli -j jobA history
assert_rc 1 "alice: no history once the record is gone"
assert_match "not registered|1908" "$ERR" "alice: history after unregister: 1908"
daemon_alive "after the expiry"
daemon_stop
assert_match "renewal of $(basename "$fh") abandoned at shutdown" \
    "$(cat "$DAEMON_LOG")" "the hanging worker was stopped with the daemon"
assert_eq "" "$(cd "$REPO" && ls -A | grep '^\.tmp' || true)" "no temp file left"

check_log_clean
