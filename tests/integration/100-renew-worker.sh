#!/bin/bash
# label: myproxy asan
# cost: 35
# 100-renew-worker: the renewal worker against real myproxy-servers: success,
# failover, both down, credential destroyed, service DN not authorised, no
# shortening, a server that never answers, broken contract, bad service key.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"

mp_setup
mp_start one
mp_start two
mp_store alice one
mp_store alice two
new_proxy alice "$T/cur.pem" 20
cur_end=$(proxy_end_time "$T/cur.pem")
A1=$(mp_addr one)
A2=$(mp_addr two)

# ---- success: same identity, about the requested lifetime, key matches
t0=$(now_ms)
worker_renew "$A1" "$T/cur.pem" "$T/new.pem" "Lifetime=7200"
t1=$(now_ms)
assert_eq 0 "$RC" "worker exit status on success"
assert_eq 0 "$(kv Response "$OUT_MSG")" "Response=0 on success"
assert_eq "$A1" "$(kv Server "$OUT_MSG")" "Server= names the server used"
assert_eq "/C=XX/O=Test/CN=alice" "$(kv Identity "$OUT_MSG")" "Identity="
subj=$(proxy_subject "$T/new.pem")
assert_match '^/C=XX/O=Test/CN=alice/CN=[0-9]+' "$subj" "new proxy is alice's"
end=$(proxy_end_time "$T/new.pem")
now=$(date +%s)
life=$((end - now))
if [ "$life" -gt 7000 ] && [ "$life" -le 7200 ]; then
	ok "new proxy lives about 2 h ($life s)"
else
	fail "new proxy lifetime $life s, expected about 7200"
fi
assert_eq "$end" "$(kv End_time "$OUT_MSG")" "End_time= is the new notAfter"
m1=$(openssl x509 -in "$T/new.pem" -noout -pubkey | sha256sum)
m2=$(openssl pkey -in "$T/new.pem" -pubout | sha256sum)
assert_eq "$m1" "$m2" "new proxy's key matches its certificate"
assert_eq 600 "$(stat -c %a "$T/new.pem")" "output file mode kept 0600"
assert_code 0 -- grid-proxy-info -f "$T/new.pem" -exists
echo "timing: one renewal through the worker took $((t1 - t0)) ms" >&2

# ---- a legacy (pre-RFC) current proxy authorises a renewal too
new_proxy alice "$T/legacy.pem" 20 legacy
worker_renew "$A1" "$T/legacy.pem" "$T/new.pem"
assert_eq 0 "$(kv Response "$OUT_MSG")" "legacy current proxy: renewed: \
$(kv Message "$OUT_MSG")"
assert_eq "/C=XX/O=Test/CN=alice" "$(kv Identity "$OUT_MSG")" \
    "legacy current proxy: same identity"

# ---- failover: first server down (connection refused), second used
worker_renew "localhost:1,$A2" "$T/cur.pem" "$T/new.pem"
assert_eq 0 "$(kv Response "$OUT_MSG")" "failover: renewed"
assert_eq "$A2" "$(kv Server "$OUT_MSG")" "failover: second server used"
assert_match '^localhost:1: ' "$(kv_all Server_error "$OUT_MSG")" \
    "failover: first server's error kept"
assert_eq localhost:1 "$(kv Unreachable "$OUT_MSG")" "failover: unreachable"
# cooling down: skipped, not tried
worker_renew "$A1,$A2" "$T/cur.pem" "$T/new.pem" "Skip=$A1"
assert_eq "$A2" "$(kv Server "$OUT_MSG")" "cool-down: skipped server not used"
assert_eq "" "$(kv Server_error "$OUT_MSG")" "cool-down: skipped, no error"

# ---- both down
mp_stop two
worker_renew "localhost:1,$A2" "$T/cur.pem" "$T/new.pem"
assert_eq 0 "$RC" "both down: worker still exits 0"
assert_ne 0 "$(kv Response "$OUT_MSG")" "both down: failure"
assert_match "localhost:1: .*Unable to connect.*; $A2: .*Unable to connect" \
    "$(kv Message "$OUT_MSG")" \
    "both down: every server's error in Message"
assert_eq 2 "$(kv_all Server_error "$OUT_MSG" | wc -l)" "both down: 2 errors"
assert_eq 0 "$(stat -c %s "$T/new.pem")" "both down: output file untouched"

# ---- credential destroyed on the server: the server's own text
mp_destroy alice one
worker_renew "$A1" "$T/cur.pem" "$T/new.pem"
assert_eq 1907 "$(kv Response "$OUT_MSG")" "destroyed: Response=1907"
assert_match "ERROR from myproxy-server: No credentials exist for username" \
    "$(kv Message "$OUT_MSG")" "destroyed: server's error text"
assert_eq 0 "$(stat -c %s "$T/new.pem")" "destroyed: output file untouched"

# ---- service DN not authorised (server lists another renewer)
mp_start notauth "/C=XX/O=Test/CN=somebody else"
mp_store alice notauth
worker_renew "$(mp_addr notauth)" "$T/cur.pem" "$T/new.pem"
assert_eq 1907 "$(kv Response "$OUT_MSG")" "not authorised: Response=1907"
assert_match "ERROR from myproxy-server.*authorized_renewers" \
    "$(kv Message "$OUT_MSG")" "not authorised: server's text and a hint"

# ---- stored credential ends before the current proxy: refused
mp_start short
mp_store alice short 1 12
new_proxy alice "$T/long.pem" 180
worker_renew "$(mp_addr short)" "$T/long.pem" "$T/new.pem"
assert_ne 0 "$(kv Response "$OUT_MSG")" "no shortening: failure"
assert_match "new proxy would end earlier \([0-9]+\) than the current one \([0-9]+\)" \
    "$(kv Message "$OUT_MSG")" "no shortening: reason"
assert_eq 0 "$(stat -c %s "$T/new.pem")" "no shortening: output untouched"

# ---- a server that accepts and never answers: per-server timeout
mp_hang_start
t0=$(now_ms)
worker_renew "localhost:$HANG_PORT" "$T/cur.pem" "$T/new.pem" "Server_timeout=2"
t1=$(now_ms)
assert_eq 1911 "$(kv Response "$OUT_MSG")" "hang: Response=1911"
assert_match "^localhost:$HANG_PORT: no answer within 2 s" \
    "$(kv Server_error "$OUT_MSG")" "hang: timeout reported"
if [ $((t1 - t0)) -ge 1900 ] && [ $((t1 - t0)) -lt 8000 ]; then
	ok "hang: bounded by the timeout ($((t1 - t0)) ms)"
else
	fail "hang: took $((t1 - t0)) ms, expected about 2000"
fi
worker_renew "localhost:$HANG_PORT,$(mp_addr short)" "$T/cur.pem" "$T/new.pem" \
    "Server_timeout=2"
assert_eq 0 "$(kv Response "$OUT_MSG")" "hang then good server: renewed"
assert_eq "localhost:$HANG_PORT" "$(kv Unreachable "$OUT_MSG")" \
    "hang: server reported unreachable"

# ---- broken contract: exit 2 with a reason, nothing written
worker_renew "$(mp_addr short)" "$T/cur.pem" "$T/new.pem"
printf 'x' > "$T/new.pem"
frame "Servers=$(mp_addr short)
Proxy=$T/cur.pem
Out=$T/new.pem
" | "$WORKER" > "$T/res" 2>/dev/null
assert_eq 2 "${PIPESTATUS[1]}" "non-empty output file: exit 2"
assert_match "not an empty regular file" "$(tr -d '\0' < "$T/res")" \
    "non-empty output file: reason"
ln -s "$T/cur.pem" "$T/link.pem"
frame "Servers=$(mp_addr short)
Proxy=$T/cur.pem
Out=$T/link.pem
" | "$WORKER" > /dev/null 2>&1
assert_eq 2 "${PIPESTATUS[1]}" "symlink output file: exit 2"
printf '\377\377\377\377' | "$WORKER" > /dev/null 2>&1
assert_eq 2 "${PIPESTATUS[1]}" "huge frame length: exit 2"
frame "Proxy=$T/cur.pem" | "$WORKER" > /dev/null 2>&1
assert_eq 2 "${PIPESTATUS[1]}" "missing keys: exit 2"

worker_renew "$(mp_addr short)" "$T/cur.pem" "$T/new.pem" "Lifetime=12x"
assert_eq 2 "$RC" "bad Lifetime: exit 2"
assert_match "Lifetime must be a number" "$(kv Message "$OUT_MSG")" \
    "bad Lifetime: reason"
worker_renew "$(mp_addr short)" "$T/cur.pem" "$T/new.pem" "Server_timeout=0"
assert_eq 2 "$RC" "Server_timeout=0: exit 2"

# ---- an expired current proxy cannot authorise anything
new_proxy alice "$T/expired.pem" 0
worker_renew "$(mp_addr short)" "$T/expired.pem" "$T/new.pem"
assert_eq 0 "$RC" "expired current proxy: exit 0"
assert_eq 1909 "$(kv Response "$OUT_MSG")" "expired current proxy: 1909"

# ---- service key readable by others: refused with the reason
cp "$MP_SVC_KEY" "$T/badkey.pem"
chmod 0644 "$T/badkey.pem"
worker_renew "$(mp_addr short)" "$T/cur.pem" "$T/new.pem" "Key=$T/badkey.pem"
assert_match "accessible by group or others.*silently ignore.*chmod 600" \
    "$(kv Message "$OUT_MSG")" "loose service key: clear message"
assert_ne 0 "$(kv Response "$OUT_MSG")" "loose service key: failure"
