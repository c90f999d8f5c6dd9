#!/bin/bash
# label: myproxy
# 122-check-status: `proxy-renew check` (Nagios/ARGO exit codes) and
# `proxy-renew status` without argument against a live daemon renewing
# from real myproxy-servers, one scenario per verdict: OK (renewed),
# WARNING (a credential gone: needs-user-action), CRITICAL (failing and
# expiring within --critical-left; failing for longer than --stale; the
# daemon not answering), UNKNOWN (bad arguments). The status table lists
# the failing proxies first.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice 240	# 10 days: beyond the 7-day credential lead time of check
mp_start gone
mp_start down
mp_stop down
new_proxy alice "$T/ok.pem" 20
new_proxy bob "$T/long.pem" 600
new_proxy alice "$T/short.pem" 20
eng_start --backoff-min 1 --backoff-max 2 --lifetime 2

# check_is CODE DESC [ARGS]: proxy-renew check exits CODE, one line
check_is() {
	local code=$1 desc=$2
	shift 2
	cli check "$@"
	assert_eq "$code" "$RC" "check: $desc: exit status ($OUT)"
	assert_eq 1 "$(printf '%s\n' "$OUT" | wc -l)" "check: $desc: one line"
	assert_match '\| proxies=[0-9]+;;;0 jobs=' "$OUT" "check: $desc: perfdata"
}

reg "$T/ok.pem" "$(mp_addr one)" job-ok
fok=$(kv Proxy_name)
wait_status "$fok" Last_attempt '[1-9][0-9]*' 20 || fail "ok: not renewed"
check_is 0 "renewed" --critical-left 3600
assert_match '^PROXY-RENEWD OK - 1 proxies, 1 jobs, 0 failing' "$OUT" "OK line"

reg "$T/long.pem" "$(mp_addr gone)" job-long
flong=$(kv Proxy_name)
# SIGUSR1 renews alice again too: only once the clock has passed her last
# renewal's second, so her new proxy ends later (else "would end earlier")
status "$fok"
last=$(kv Last_attempt)
until [ "$(date +%s)" -gt "$last" ]; do sleep 0.1; done
kill -USR1 "$DAEMON_PID"
wait_status "$flong" Failure_class needs-user-action 20 ||
    fail "credential gone: not classified"
check_is 1 "needs-user-action" --critical-left 3600
assert_match "^PROXY-RENEWD WARNING .*CN=bob \(${flong##*/}\): needs-user-action" \
    "$OUT" "WARNING names the proxy and why"

reg "$T/short.pem" "$(mp_addr down)" job-short
fshort=$(kv Proxy_name)
wait_status "$fshort" Failure_class transient 20 || fail "server down: not failing"
check_is 2 "failing, expiring soon" --critical-left 3600
assert_match "^PROXY-RENEWD CRITICAL .*\(${fshort##*/}\): expires in [0-9]+m without a successful renewal" \
    "$OUT" "CRITICAL names the proxy and why"
check_is 1 "same, lower threshold" --critical-left 60
# failing since they were obtained, for longer than --stale (1 s: once
# the clock is 2 s past the last one's Start_time)
status "$fshort"
wait_until 5 pr_clock_past_ $(( $(kv Start_time) + 1 )) || fail "clock stuck"
check_is 2 "failing longer than --stale" --critical-left 60 --stale 1
assert_match "^PROXY-RENEWD CRITICAL .*: no successful renewal since [^ ]+ while due" \
    "$OUT" "CRITICAL: no successful renewal for longer than --stale"
req "Command=9\\n"
assert_match "localhost:$(mp_port down)" "$(kv_all Cooling)" \
    "STATUS_ALL names the server cooling down (a WARNING of its own)"

cli -j some-job status
assert_rc 2 "status -j: usage error (status is by file), not the table"
assert_match "status takes a proxy FILE, not -j" "$ERR" "status -j: says why"
cli status
assert_rc 0 "status without argument"
assert_eq 4 "$(printf '%s\n' "$OUT" | wc -l)" "status: header + 3 proxies"
assert_eq 0 "$(printf '%s\n' "$OUT" | awk 'length > 80' | wc -l)" \
    "status: within 80 columns"
assert_match 'transient$' "$(printf '%s\n' "$OUT" | sed -n 2p)" \
    "status: the failing proxy ending first comes first"
assert_match 'needs-user-action$' "$(printf '%s\n' "$OUT" | sed -n 3p)" \
    "status: then the other failing one"
assert_match ' ok +-$' "$(printf '%s\n' "$OUT" | sed -n 4p)" \
    "status: the healthy one last"
cli --json status
assert_eq 3 "$(printf '%s' "$OUT" | jq '.proxies | length')" "status --json: 3"
assert_eq "$fshort" "$(printf '%s' "$OUT" | jq -r '.proxies[0].proxy_name')" \
    "status --json: same order"

cli check --stale nonsense
assert_eq 3 "$RC" "check: bad arguments: UNKNOWN"
daemon_stop
cli check
assert_eq 2 "$RC" "check: daemon gone: exit status"
assert_match '^PROXY-RENEWD CRITICAL - the daemon does not answer' "$OUT" \
    "CRITICAL: daemon gone"
check_log_clean
