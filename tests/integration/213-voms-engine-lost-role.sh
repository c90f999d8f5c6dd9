#!/bin/bash
# label: voms
# 213-voms-engine-lost-role: alice loses a role on the VOMS server. The
# daemon's renewal of her proxy carrying that role fails with the server's
# own message (1910 in STATUS Last_error and in the log), the proxy is kept
# as it was (never a silently weaker one) and retried; her other proxy,
# without the role, is renewed normally.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub /testvo/Role=production
voms_proxy_init "$T/ca/alice" "$T/prod.pem" 0:40 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init prod"
voms_proxy_init "$T/ca/alice" "$T/sub.pem" 0:40 0:20 /testvo/sub ||
    die "voms-proxy-init sub"
sub_end=$(eng_end "$T/sub.pem")
voms_revoke /C=XX/O=Test/CN=alice /testvo/Role=production || die "revoke"

eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2 \
    --backoff-min 1 --backoff-max 2
reg "$T/prod.pem" "$A1" job-prod
assert_response 0 "register the proxy with the role"
fprod=$(kv Proxy_name)
sum=$(sha256sum < "$fprod")
reg "$T/sub.pem" "$A1" job-sub
assert_response 0 "register the proxy without it"
fsub=$(kv Proxy_name)
assert_ne "$fprod" "$fsub" "different FQANs: different files"

wait_status "$fprod" Failures '[2-9]|[1-9][0-9]+' 30 ||
    fail "lost role: no repeated attempts (Failures=$(kv Failures))"
assert_eq 1910 "$(kv Last_result)" "lost role: Last_result=1910"
assert_match "VOMS testvo: localhost:$VOMS_PORT: .*Unable to satisfy B/testvo:production" \
    "$(kv Last_error)" "lost role: Last_error has the VOMS server's message"
assert_eq needs-user-action "$(kv Failure_class)" "lost role: Failure_class"
assert_match "renewal of ${fprod##*/} .*FAILED .*code 1910.*Unable to satisfy B/testvo:production" \
    "$(grep FAILED "$DAEMON_LOG" | head -n 1)" "lost role: the log has it too"
assert_eq "$sum" "$(sha256sum < "$fprod")" "lost role: proxy kept as it was"
assert_match "/testvo/Role=production" "$(vinfo -fqan -file "$fprod")" \
    "lost role: the kept proxy still carries the role"
jobget job-prod
assert_response 0 "lost role: GET answers with the kept proxy"

wait_status "$fsub" Last_attempt '[1-9][0-9]+' 60 ||
    fail "other proxy: no attempt"
assert_eq 0 "$(kv Last_result)" "other proxy: Last_result=0 ($(kv Last_error))"
[ "$(eng_end "$fsub")" -gt "$sub_end" ] && ok "other proxy renewed" ||
    fail "other proxy not renewed"
assert_eq "/testvo/sub/Role=NULL/Capability=NULL
/testvo/Role=NULL/Capability=NULL" "$(vinfo -fqan -file "$fsub")" \
    "other proxy: its FQANs"
daemon_alive "end"
daemon_stop
check_log_clean
