#!/bin/bash
# label: myproxy
# 102-renew-backup: MyProxy's primary–backup scheme: the backup accepts
# credentials only from the primary's DN and is filled by replicating the
# primary's store; renewal fails over to it when the primary is down and
# returns to the primary when it is back.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"

mp_setup
mp_start primary
mp_start backup "$MP_SVC_DN" "$(mp_dn primary)"
mp_store alice primary
mp_store bob primary
mp_replicate primary backup
P=$(mp_addr primary)
B=$(mp_addr backup)
new_proxy alice "$T/alice.pem" 20
new_proxy bob "$T/bob.pem" 20

# a user cannot store into the backup directly (only the primary's DN)
X509_USER_CERT=$T/ca/alice/cert.pem X509_USER_KEY=$T/ca/alice/key.pem \
    run myproxy-init -s localhost -p "$(mp_port backup)" -d -n -c 2 -t 1
assert_rc nz "backup refuses a store from a user"
assert_match "ERROR from myproxy-server" "$OUT
$ERR" "backup's refusal"

worker_renew "$P,$B" "$T/alice.pem" "$T/new.pem"
assert_eq "$P" "$(kv Server "$OUT_MSG")" "primary up: primary used"

mp_stop primary
for u in alice bob; do
	worker_renew "$P,$B" "$T/$u.pem" "$T/new-$u.pem"
	assert_eq 0 "$(kv Response "$OUT_MSG")" "primary down: $u renewed"
	assert_eq "$B" "$(kv Server "$OUT_MSG")" "primary down: $u from backup"
	assert_eq "$P" "$(kv Unreachable "$OUT_MSG")" \
	    "primary down: primary reported unreachable"
	assert_match "^/C=XX/O=Test/CN=$u/" "$(proxy_subject "$T/new-$u.pem")" \
	    "primary down: $u's proxy"
done

# cooling down: the dead primary is not tried again
worker_renew "$P,$B" "$T/alice.pem" "$T/new.pem" "Skip=$P"
assert_eq "$B" "$(kv Server "$OUT_MSG")" "cool-down: backup used"
assert_eq "" "$(kv Server_error "$OUT_MSG")" "cool-down: primary not tried"

# every server cooling down: all are tried anyway
worker_renew "$P,$B" "$T/alice.pem" "$T/new.pem" "Skip=$P
Skip=$B"
assert_eq "$B" "$(kv Server "$OUT_MSG")" "all cooling down: still renewed"

mp_start primary
worker_renew "$P,$B" "$T/alice.pem" "$T/new.pem"
assert_eq "$P" "$(kv Server "$OUT_MSG")" "primary back: primary used again"
