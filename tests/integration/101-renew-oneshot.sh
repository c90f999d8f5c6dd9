#!/bin/bash
# label: myproxy
# 101-renew-oneshot: `proxy-renew renew` (proxyrenew_renew() in
# libproxyrenew, running the worker) against real myproxy-servers: success
# written atomically, failover, both down, refusal text, no shortening,
# worker hard timeout, usage errors.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"

mp_setup
export PR_TEST_TAG=$T	# marks the workers this test starts
need_bin "$PRCLI" proxy-renew
export PROXY_RENEWD_WORKER=$WORKER
mp_start one
mp_start two
mp_store alice one
mp_store alice two
new_proxy alice "$T/cur.pem" 20
A1=$(mp_addr one)
A2=$(mp_addr two)
SVC=(--cert "$MP_SVC_CERT" --key "$MP_SVC_KEY" --CAdir "$MP_CADIR")

# ---- success
t0=$(now_ms)
run "$PRCLI" renew -s "$A1" -f "$T/cur.pem" -o "$T/out.pem" --lifetime 3 \
    "${SVC[@]}"
t1=$(now_ms)
assert_rc 0 "renew: success"
assert_eq "$A1" "$(kv Myproxy_server)" "renew: server printed"
end=$(proxy_end_time "$T/out.pem")
assert_eq "$end" "$(kv End_time)" "renew: End_time printed = file's notAfter"
life=$((end - $(date +%s)))
if [ "$life" -gt 10600 ] && [ "$life" -le 10800 ]; then
	ok "renew: lives about --lifetime 3 h ($life s)"
else
	fail "renew: lifetime $life s, expected about 10800"
fi
assert_match '^/C=XX/O=Test/CN=alice/' "$(proxy_subject "$T/out.pem")" \
    "renew: same identity"
assert_eq 600 "$(stat -c %a "$T/out.pem")" "renew: output mode 0600"
assert_code 0 -- grid-proxy-info -f "$T/out.pem" -exists
assert_eq "" "$(ls "$T" | grep 'out\.pem\.')" "renew: no temporary file left"
echo "timing: one renewal through proxy-renew renew took $((t1 - t0)) ms" >&2

# ---- renewing the renewed proxy in place (out = current)
cp "$T/out.pem" "$T/inplace.pem"
run "$PRCLI" renew -s "$A1" -f "$T/inplace.pem" -o "$T/inplace.pem" \
    --lifetime 4 "${SVC[@]}"
assert_rc 0 "renew in place"
assert_ne "$end" "$(proxy_end_time "$T/inplace.pem")" "renew in place: new end"

# ---- failover and both down
run "$PRCLI" renew -s "localhost:1,$A2" -f "$T/cur.pem" -o "$T/fo.pem" \
    "${SVC[@]}"
assert_rc 0 "failover: renewed"
assert_eq "$A2" "$(kv Myproxy_server)" "failover: second server used"
mp_stop one
mp_stop two
echo keep > "$T/keep.pem"
run "$PRCLI" renew -s "$A1,$A2" -f "$T/cur.pem" -o "$T/keep.pem" "${SVC[@]}"
assert_rc 1 "both down: exit 1"
assert_match "$A1: .*Unable to connect.*; $A2: .*Unable to connect" "$ERR" \
    "both down: each server's error on stderr"
assert_eq keep "$(cat "$T/keep.pem")" "both down: output untouched"
assert_eq "" "$(ls "$T" | grep 'keep\.pem\.')" "both down: no temporary left"

# ---- the server's refusal text
mp_start two
mp_destroy alice two
run "$PRCLI" renew -s "$A2" -f "$T/cur.pem" -o "$T/x.pem" "${SVC[@]}"
assert_rc 1 "destroyed: exit 1"
assert_match "\(1907\).*No credentials exist" "$ERR" "destroyed: code and server text"

# ---- no shortening
mp_start short
mp_store alice short 1 12
new_proxy alice "$T/long.pem" 180
run "$PRCLI" renew -s "$(mp_addr short)" -f "$T/long.pem" -o "$T/x.pem" \
    "${SVC[@]}"
assert_rc 1 "no shortening: exit 1"
assert_match "would end earlier" "$ERR" "no shortening: reason"

# ---- the worker's hard timeout (server accepts, never answers)
mp_hang_start
t0=$(now_ms)
run "$PRCLI" renew -s "localhost:$HANG_PORT" -f "$T/cur.pem" -o "$T/x.pem" \
    --timeout 2 "${SVC[@]}"
t1=$(now_ms)
assert_rc 1 "hang: exit 1"
assert_match "\(1911\)" "$ERR" "hang: timeout code"
if [ $((t1 - t0)) -ge 1900 ] && [ $((t1 - t0)) -lt 8000 ]; then
	ok "hang: killed at the hard timeout ($((t1 - t0)) ms)"
else
	fail "hang: took $((t1 - t0)) ms"
fi
# only this test's workers: other tests run workers of the same build in parallel
left=
for pid in $(pgrep -f "^$WORKER" || true); do
	tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null |
	    grep -qx "PR_TEST_TAG=$T" && left="$left $pid"
done
assert_eq "" "$left" "hang: no worker left running"

# ---- usage and a missing worker
run "$PRCLI" renew -s "$A1" -f "$T/cur.pem"
assert_rc 2 "usage: -o missing"
run "$PRCLI" renew -s "$A1, $A2" -f "$T/cur.pem" -o "$T/x.pem" "${SVC[@]}"
assert_rc 1 "space in server list: refused"
assert_match "invalid character" "$ERR" "space in server list: reason"
PROXY_RENEWD_WORKER=$T/nonexistent run "$PRCLI" renew -s "$A1" \
    -f "$T/cur.pem" -o "$T/x.pem" "${SVC[@]}"
assert_rc 1 "missing worker: exit 1"
assert_match "cannot run the renewal worker" "$ERR" "missing worker: reason"
