#!/bin/bash
# label: voms
# 204-voms-worker: the renewal worker renews a VOMS proxy end to end: real
# myproxy-server (alice's long-term credential) and real voms-server. With
# Voms=1 the result keeps the FQANs in order, with ACs that end later, and
# voms-proxy-info -all accepts it. Without Voms=1 a VOMS proxy is not
# renewed (no silently stripped proxy). VOMS down → 1910 with the reason;
# a lost role → 1910 with the server's message; nothing written.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/voms.sh"

mp_setup_alice
voms_init "$T/voms" "$T/ca" testvo || die "voms_init"
ok "voms-server up in $VOMS_SETUP_MS ms"
voms_add_user /C=XX/O=Test/CN=alice /testvo/sub /testvo/Role=production ||
    die "voms_add_user"
voms_proxy_init "$T/ca/alice" "$T/cur.pem" 0:40 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init"
vinfo() { X509_VOMS_DIR=$VOMS_VOMSDIR voms-proxy-info "$@" 2>/dev/null; }
old_fqans=$(vinfo -fqan -file "$T/cur.pem")
old_ac=$(vinfo -acexists testvo -actimeleft -file "$T/cur.pem")
VOMS_LINES="Voms=1
Vomsdir=$VOMS_VOMSDIR
Vomses=$VOMS_VOMSES"
sleep 1

t0=$(now_ms)
worker_renew "$A1" "$T/cur.pem" "$T/new.pem" "Lifetime=7200
$VOMS_LINES"
t1=$(now_ms)
assert_eq 0 "$(kv Response "$OUT_MSG")" "VOMS renewal succeeds ($((t1 - t0)) ms)"
assert_eq "$old_fqans" "$(vinfo -fqan -file "$T/new.pem")" "FQANs identical, in order"
if vinfo -all -file "$T/new.pem" > "$T/new.vpi"; then
	ok "voms-proxy-info -all accepts the renewed proxy"
else
	fail "voms-proxy-info -all rejects the renewed proxy"
fi
new_ac=$(vinfo -actimeleft -file "$T/new.pem")
if [ "$new_ac" -gt "$old_ac" ] && [ "$new_ac" -gt 7000 ]; then
	ok "AC lives longer ($old_ac s -> $new_ac s)"
else
	fail "AC time left $old_ac s -> $new_ac s"
fi
assert_match '^/C=XX/O=Test/CN=alice(/CN=[0-9]+)+$' \
    "$(proxy_subject "$T/new.pem")" "a proxy of the renewed proxy"
assert_eq "$(proxy_end_time "$T/new.pem")" "$(kv End_time "$OUT_MSG")" "End_time="

worker_renew "$A1" "$T/cur.pem" "$T/plain.pem" ""
assert_eq 1910 "$(kv Response "$OUT_MSG")" "without Voms=1: 1910, never stripped"
assert_eq 0 "$(stat -c %s "$T/plain.pem")" "without Voms=1: nothing written"

voms_stop
worker_renew "$A1" "$T/cur.pem" "$T/down.pem" "$VOMS_LINES"
assert_eq 1910 "$(kv Response "$OUT_MSG")" "VOMS down: 1910"
assert_match "localhost:$VOMS_PORT: cannot connect: Connection refused" \
    "$OUT_MSG" "VOMS down: the reason is given"
assert_eq 0 "$(stat -c %s "$T/down.pem")" "VOMS down: nothing written"
voms_start || die "voms_start"

voms_revoke /C=XX/O=Test/CN=alice /testvo/Role=production || die "revoke"
worker_renew "$A1" "$T/cur.pem" "$T/lost.pem" "$VOMS_LINES"
assert_eq 1910 "$(kv Response "$OUT_MSG")" "lost role: 1910"
assert_match "Unable to satisfy B/testvo:production" "$OUT_MSG" \
    "lost role: the server's message"
assert_eq 0 "$(stat -c %s "$T/lost.pem")" "lost role: nothing written"
