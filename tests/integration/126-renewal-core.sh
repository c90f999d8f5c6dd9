#!/bin/bash
# label: voms
# 126-renewal-core: gLite's renewal_core API in libproxyrenew, driven by
# pr-renewcore (written only against renewal_core.h, linked only with
# libproxyrenew) against a real myproxy-server and voms-server: a plain
# proxy renewed (host + port argument, "host:port", $MYPROXY_SERVER), a
# VOMS proxy renewed with its FQANs in order (ctx->voms_conf), the new file
# beside the current one and the caller's; server down, no credential
# stored, expired proxy: a code, the reason in err_message, no file left;
# log_dst STDOUT; the *_err helpers; the proxy itself as the credential
# when X509_USER_CERT/KEY are unset (refused by myproxy-server 6 as
# "self-authz": the path works, the server's policy forbids it).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

CORE=$(pr_bin_ pr-renewcore tests/tools)
need_bin "$CORE" pr-renewcore
eng_voms_setup /testvo/sub
export X509_USER_CERT=$MP_SVC_CERT X509_USER_KEY=$MP_SVC_KEY
export X509_CERT_DIR=$MP_CADIR X509_VOMS_DIR=$VOMS_VOMSDIR
PORT=$(mp_port one)

core() { run "$CORE" "$@"; }
# leftovers CUR: temporary or result files beside CUR
leftovers() { ls "$1".myproxy.* 2>/dev/null | tr '\n' ' '; }

# ---- a plain proxy: host and port argument
new_proxy alice "$T/cur.pem" 20
cur_end=$(eng_end "$T/cur.pem")
core -s localhost -p "$PORT" "$T/cur.pem"
assert_rc 0 "plain proxy renewed"
assert_eq 0 "$(kv code)" "code=0"
new=$(kv new_proxy)
assert_match "^$T/cur.pem.myproxy.[A-Za-z0-9]{6}\$" "$new" \
    "new proxy file beside the current one"
assert_eq 600 "$(stat -c %a "$new")" "new proxy mode 0600"
assert_match '^/C=XX/O=Test/CN=alice/' "$(proxy_subject "$new")" \
    "new proxy: same identity"
[ "$(eng_end "$new")" -gt "$cur_end" ] && ok "new proxy ends later" ||
    fail "new proxy does not end later"
assert_eq "$(proxy_end_time "$T/cur.pem")" "$cur_end" "current proxy untouched"
assert_eq "first 1; second" "$(kv err_helpers)" "set_err + update_err"
assert_eq NULL "$(kv after_reset)" "reset_err clears err_message"
rm -f "$new"

# ---- "host:port", and the server from $MYPROXY_SERVER
core -s "localhost:$PORT" "$T/cur.pem"
assert_rc 0 "host:port renewed"
rm -f "$(kv new_proxy)"
MYPROXY_SERVER="localhost:$PORT" core "$T/cur.pem"
assert_rc 0 "MYPROXY_SERVER renewed"
rm -f "$(kv new_proxy)"
core -s "localhost:$PORT" -p 1 "$T/cur.pem"
assert_rc nz "host:port and a different port argument: refused"
assert_match "disagree" "$(kv error)" "conflicting port: reason"

# ---- a VOMS proxy: ACs renewed, FQANs in order
voms_proxy_init "$T/ca/alice" "$T/vcur.pem" 0:40 0:20 /testvo/sub ||
    die "voms-proxy-init"
old_fqans=$(vinfo -fqan -file "$T/vcur.pem")
old_ac=$(vinfo -actimeleft -file "$T/vcur.pem")
sleep 1		# fresh ACs end strictly later
core -s "localhost:$PORT" -G "$VOMS_VOMSES" "$T/vcur.pem"
assert_rc 0 "VOMS proxy renewed: $(kv error)"
vnew=$(kv new_proxy)
assert_eq "$old_fqans" "$(vinfo -fqan -file "$vnew")" "same FQANs, same order"
new_ac=$(vinfo -actimeleft -file "$vnew")
[ "${new_ac:-0}" -gt "$old_ac" ] && ok "fresh AC ($old_ac -> $new_ac s)" ||
    fail "AC not renewed ($old_ac -> $new_ac s)"
rm -f "$vnew"

# ---- failures: a code, the reason, nothing left behind
core -s localhost:1 "$T/cur.pem"
assert_rc nz "server down: fails"
assert_match "localhost:1: " "$(kv error)" "server down: the server's error"
assert_eq "" "$(leftovers "$T/cur.pem")" "server down: no file left"

new_proxy bob "$T/bob.pem" 20	# bob stored nothing in MyProxy
core -s "localhost:$PORT" "$T/bob.pem"
assert_eq 1907 "$(kv code)" "no credential stored: 1907"
assert_match "ERROR from myproxy-server" "$(kv error)" \
    "no credential: the server's refusal"
assert_eq "" "$(leftovers "$T/bob.pem")" "no credential: no file left"

new_proxy alice "$T/expired.pem" 0
core -s "localhost:$PORT" "$T/expired.pem"
assert_eq 1909 "$(kv code)" "expired proxy: 1909"
assert_eq "" "$(leftovers "$T/expired.pem")" "expired: no file left"

core -l -s localhost:1 "$T/cur.pem"
assert_match "^proxy renewal: .*localhost:1" "$OUT" \
    "log_dst STDOUT: the library prints the failure"
core -s localhost:1 "$T/cur.pem"
assert_eq "" "$(printf '%s\n' "$OUT" | grep '^proxy renewal' || true)" \
    "log_dst NONE (default): silent"

# ---- no X509_USER_CERT/KEY: the proxy itself is the credential (as gLite);
# it reaches the server and authenticates, and myproxy-server 6 refuses a
# renewer that is the credential's own owner ("self-authz")
mp_start self "*"
mp_store alice self
unset X509_USER_CERT X509_USER_KEY
core -s "localhost:$(mp_port self)" "$T/cur.pem"
assert_eq 1907 "$(kv code)" "proxy itself as credential: refused by the server"
assert_match "self-authz" "$(kv error)" \
    "proxy itself: the server's own reason (it authenticated the proxy)"
assert_eq "" "$(leftovers "$T/cur.pem")" "proxy itself: no file left"
