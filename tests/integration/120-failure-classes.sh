#!/bin/bash
# label: myproxy
# 120-failure-classes: each failure a real myproxy-server gives gets its
# class in STATUS (Failure_class=, from the table in failure_class.c):
# credential destroyed, service DN not an authorized renewer, stored
# credential ending before the current proxy: needs-user-action; server
# stopped, server hanging (given up on by the worker): transient; a
# success: empty. (The VOMS cases are checked in 212 and 213.)
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_failures
mp_start down
mp_stop down
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 20
new_proxy alice "$T/long.pem" 600
new_proxy alice "$T/ok.pem" 20
eng_start --worker-timeout 3 --backoff-min 1 --backoff-max 2 --lifetime 2

reg "$T/ok.pem" "$(mp_addr one)" job-ok
assert_response 0 "success: register"
fok=$(kv Proxy_name)
status "$fok"
assert_eq "" "$(kv Failure_class)" "before any attempt: no class"
wait_status "$fok" Last_attempt '[1-9][0-9]*' 20 || fail "success: not renewed"
assert_eq 0 "$(kv Last_result)" "success: Last_result"
assert_eq "" "$(kv Failure_class)" "success: no class"

mp_destroy alice one
expect_class "$T/a.pem" "$(mp_addr one)" job-destroyed needs-user-action \
    "credential destroyed"
expect_class "$T/b.pem" "$(mp_addr notauth)" job-notauth needs-user-action \
    "not an authorized renewer"
expect_class "$T/long.pem" "$(mp_addr short)" job-short needs-user-action \
    "stored credential ends first"
expect_class "$T/ok.pem" "$(mp_addr down)" job-down transient "server stopped"
assert_match "Connection refused" "$(kv Last_error)" "server stopped: reason"
expect_class "$T/ok.pem" "localhost:$HANG_PORT" job-hang transient \
    "server hangs"
assert_match "localhost:$HANG_PORT: no answer within 2 s" "$(kv Last_error)" \
    "server hangs: reason (the worker gave up on it, named)"
# one server down, the other without the credential: not (yet) the user's
expect_class "$T/a.pem" "$(mp_addr down),$(mp_addr one)" job-mixed transient \
    "down + destroyed"

daemon_alive "after the failures"
daemon_stop
check_log_clean
