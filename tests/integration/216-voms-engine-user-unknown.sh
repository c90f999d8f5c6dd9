#!/bin/bash
# label: voms
# 216-voms-engine-user-unknown: alice is removed from the VO on a real
# voms-server (her row deleted from its database). The daemon's renewal of
# her VOMS proxy fails with the server's own "User unknown to this VO":
# needs-user-action in STATUS (Failure_class=) with that text in
# Last_error, the proxy kept as it was.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub
voms_proxy_init "$T/ca/alice" "$T/a.pem" 0:40 0:20 /testvo/sub ||
    die "voms-proxy-init"
uid=$(voms_sql "SELECT userid FROM usr WHERE dn='/C=XX/O=Test/CN=alice'") &&
    [ -n "$uid" ] || die "alice's userid"
voms_sql "DELETE FROM m WHERE userid = $uid" &&
    voms_sql "DELETE FROM usr WHERE userid = $uid" || die "remove alice"

eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2 \
    --backoff-min 1 --backoff-max 2
reg "$T/a.pem" "$A1" job-a
assert_response 0 "register alice's VOMS proxy"
fa=$(kv Proxy_name)
sum=$(sha256sum < "$fa")
wait_status "$fa" Failures '[1-9][0-9]*' 30 ||
    fail "no failed attempt (Failures=$(kv Failures))"
assert_eq needs-user-action "$(kv Failure_class)" "Failure_class"
assert_match "VOMS testvo: localhost:$VOMS_PORT: .*User unknown to this VO" \
    "$(kv Last_error)" "Last_error: the VOMS server's own text"
assert_eq "$sum" "$(sha256sum < "$fa")" "the proxy kept as it was"
daemon_alive "end"
daemon_stop
check_log_clean
