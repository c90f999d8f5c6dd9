#!/bin/bash
# label: myproxy
# 115-engine-startup: the service credential at start-up. Given explicitly
# (-t/-k or X509_USER_CERT/KEY) it must be usable, else the daemon refuses
# to start with the reason; a missing worker executable is refused too.
# With no credential at all (nothing given, no /etc/grid-security/hostcert.pem)
# the daemon starts with renewal disabled, says so loudly, and logs each due
# proxy as not renewable, keeping it.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
export PROXY_RENEWD_WORKER=$WORKER
unset X509_USER_CERT X509_USER_KEY
C=$MP_SVC_CERT
K=$MP_SVC_KEY

cp "$K" "$T/loose-key.pem" && chmod 0644 "$T/loose-key.pem"
daemon_refuses "refusing to start: .*accessible by group or others" \
    -t "$C" -k "$T/loose-key.pem" -C "$MP_CADIR"
daemon_refuses "refusing to start: .*$T/nope.pem" -t "$T/nope.pem" -k "$K"
daemon_refuses "refusing to start: .*" -t "$C" -k "$T/ca/alice/key.pem"
X509_USER_CERT=$T/nope.pem X509_USER_KEY=$K \
    daemon_refuses "refusing to start: .*$T/nope.pem"
PROXY_RENEWD_WORKER=$T/no-worker \
    daemon_refuses "refusing to start: renewal worker $T/no-worker" -t "$C" -k "$K"
assert_file_gone "$SOCK" "no socket left by the refusals"

# ---- nothing given: renewal disabled
[ -e /etc/grid-security/hostcert.pem ] &&
    die "this machine has /etc/grid-security/hostcert.pem: cannot test the default"
daemon_start
assert_match "RENEWAL DISABLED: no service credential" "$(cat "$DAEMON_LOG")" \
    "loud warning at start-up"
new_proxy alice "$T/a.pem" 20
reg "$T/a.pem" localhost:7512 jobA
assert_response 0 "register while renewal is disabled"
fa=$(kv Proxy_name)
wait_log "$(basename "$fa") .*not renewable: renewal is disabled" 5 ||
    fail "due proxy not logged as not renewable"
status "$fa"
assert_eq 0 "$(kv Last_attempt)" "no attempt recorded"
assert_eq "$(eng_end "$fa")" "$(kv Renewal_time)" "kept until its expiry"
jobget jobA
assert_response 0 "GET still answers"
daemon_stop
check_log_clean
