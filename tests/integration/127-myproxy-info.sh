#!/bin/bash
# label: myproxy
# 127-myproxy-info: the MyProxy INFO request of the credential watch
# (myproxy_info() in the worker's myproxy_client.c, driven by
# pr-myproxy-info) against a real myproxy-server, authenticated with the
# user's own proxy: the stored credential's end time (here 72 h after it
# was stored) and owner; no credential stored; a server that is down
# (unreachable).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
INFO=$PR_BUILD_DIR/tests/tools/pr-myproxy-info
need_bin "$INFO" pr-myproxy-info

mp_setup
mp_start one
mp_store_timed alice one 72
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 20
A=/C=XX/O=Test/CN=alice

run "$INFO" "$(mp_addr one)" "$A" "$T/a.pem" "$MP_CADIR"
assert_eq 0 "$RC" "INFO with alice's proxy ($OUT)"
end=$(printf '%s\n' "$OUT" | sed -n 's/^End_time=//p')
assert_cred_end "$end" "stored credential ends 72 h after it was stored"
assert_match "^Owner=$A\$" "$OUT" "owner"
assert_match '^Creds=1$' "$OUT" "one credential"

run "$INFO" "$(mp_addr one)" /C=XX/O=Test/CN=bob "$T/b.pem" "$MP_CADIR"
assert_eq 1 "$RC" "bob has no credential stored"
assert_match '^error 1907: ERROR from myproxy-server: no credentials found for user /C=XX/O=Test/CN=bob' \
    "$OUT" "the server's own text"
assert_match '^Unreachable=0$' "$OUT" "a refusal, not unreachable"

mp_start down
mp_stop down
run "$INFO" "$(mp_addr down)" "$A" "$T/a.pem" "$MP_CADIR"
assert_eq 1 "$RC" "server down"
assert_match 'Connection refused' "$OUT" "server down: why"
assert_match '^Unreachable=1$' "$OUT" "server down: unreachable"
