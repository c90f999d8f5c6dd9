#!/bin/bash
# label: voms
# 203-voms-lost-role: a user who lost a role on the server cannot renew a
# proxy carrying that role: the renewal fails with the VOMS server's own
# message, and no weaker proxy is produced. A proxy without that role
# still renews. A user removed from a group fails the same way.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/voms.sh"

voms_driver_setup "$T" /testvo/sub /testvo/Role=production || die "set-up"

voms_proxy_init "$T/ca/alice" "$T/prod.pem" 1:00 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init prod"
voms_proxy_init "$T/ca/alice" "$T/sub.pem" 1:00 0:20 /testvo/sub ||
    die "voms-proxy-init sub"
make_proxy "$T/ca/alice" "$T/renewed.pem" 120 || die "make_proxy"

voms_revoke /C=XX/O=Test/CN=alice /testvo/Role=production || die "revoke"
voms_renew_refused "$T/prod.pem" "$T/renewed.pem" "$T/prod.new.pem" \
    "^error 1910: VOMS testvo: localhost:$VOMS_PORT: .*Unable to satisfy B/testvo:production request" \
    "a role the user lost"

voms_renew_ok "$T/sub.pem" "$T/renewed.pem" "$T/sub.new.pem" \
    "a proxy without the lost role"

voms_revoke /C=XX/O=Test/CN=alice /testvo/sub || die "revoke sub"
voms_renew_refused "$T/sub.pem" "$T/renewed.pem" "$T/sub.new2.pem" \
    "^error 1910: VOMS testvo: .*/testvo/sub" "a group the user left"
