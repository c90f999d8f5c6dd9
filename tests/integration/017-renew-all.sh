#!/bin/bash
# label: myproxy
# Command=7 (RENEW_ALL) and SIGUSR1 make the daemon attempt every stored
# proxy now. With no MyProxy server listening (localhost:1) each attempt
# fails: STATUS shows the attempt, a non-zero result, the reason and the
# failure count, while the stored proxy, its jobs and GET stay as they were.
# Labelled myproxy: it needs the renewal engine, not a server.
source "$(dirname "$0")/lib/common.sh"

need_bin "$PRWORKER" proxy-renewd-worker
setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600
ca_issue "$T/ca" svc service || die "service credential"
daemon_start --worker-timeout 5 --backoff-min 1 --cooldown 0 \
    -C "$T/ca/certificates" -t "$T/ca/svc/cert.pem" -k "$T/ca/svc/key.pem"

reg "$T/a" localhost:1 jobA
assert_response 0 "register alice"
fa=$(kv Proxy_name)
reg "$T/b" localhost:1 jobB
assert_response 0 "register bob"
fb=$(kv Proxy_name)
status "$fa"
assert_eq 0 "$(kv Last_attempt)" "no attempt yet"
sum_a=$(sha256sum < "$fa")

# wait_attempt FILE DESC: STATUS shows a failed attempt within 10 s.
wait_attempt() {
	local i
	for i in $(seq 1 50); do
		status "$1"
		[ "$(kv Last_attempt)" != 0 ] && [ -n "$(kv Last_attempt)" ] &&
		    [ "$(kv Last_result)" != 0 ] && break
		sleep 0.2
	done
	assert_match '^[1-9][0-9]*$' "$(kv Last_attempt)" "$2: Last_attempt set"
	assert_match '^[1-9][0-9]*$' "$(kv Last_result)" "$2: a failure code"
	assert_match '.' "$(kv Last_error)" "$2: a reason"
	assert_match '^[1-9][0-9]*$' "$(kv Failures)" "$2: failures counted"
}

req "Command=7\\n"
assert_response 0 "RENEW_ALL"
wait_attempt "$fa" "RENEW_ALL, alice"
wait_attempt "$fb" "RENEW_ALL, bob"
assert_eq "$sum_a" "$(sha256sum < "$fa")" "a failed renewal keeps the stored proxy"
jobget jobA
assert_response 0 "GET after a failed renewal"
assert_eq "$fa" "$(kv Proxy_name)" "same file"

reg "$T/a" localhost:2 jobC
fc=$(kv Proxy_name)
kill -USR1 "$DAEMON_PID"
wait_attempt "$fc" "SIGUSR1"
daemon_alive "after the renewals"
daemon_stop
check_log_clean
