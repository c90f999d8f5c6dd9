#!/bin/bash
# label: myproxy
# Expiry must not wait for a worker slot. With the one
# worker held by a renewal from a server that never answers
# (four entries of a server that never answers, --worker-timeout 120), a
# second proxy that cannot be renewed reaches its notAfter: its file is
# removed and its job answers 1909 at its expiry (allowed: 20 s of a loaded
# machine), not when the busy worker is done.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
mp_hang_start
H=localhost:$HANG_PORT
new_proxy alice "$T/a.pem" 20
end=$(( $(date +%s) + 8 ))
make_proxy_until "$T/ca/bob" "$T/b.pem" "$end" || die "bob's proxy"
eng_start --workers 1 --worker-timeout 120 --backoff-min 1 --backoff-max 2

# four entries of the hanging server: the worker stays busy for minutes
reg "$T/a.pem" "$H,$H,$H,$H" jobA
assert_response 0 "register alice at a server that never answers"
wait_worker 10 && ok "the only worker is busy with alice" ||
    die "premise: no worker started for alice"
reg "$T/b.pem" "$H" jobB
assert_response 0 "register bob (expires in 8 s; the only worker is busy)"
fb=$(kv Proxy_name)
wait_until 40 [ ! -e "$fb" ]
now=$(date +%s)
assert_file_gone "$fb" "bob's file removed at its expiry"
[ "$now" -le $((end + 20)) ] && ok "at its expiry ($((now - end)) s after)" ||
    fail "removed $((now - end)) s after notAfter"
jobget jobB
assert_response 1909 "jobB expired"
daemon_stop
check_log_clean
