#!/bin/bash
# label: voms
# 203-voms-lost-role: a user who lost a role on the server cannot renew a
# proxy carrying that role: the renewal fails with the VOMS server's own
# message, and no weaker proxy is produced. A proxy without that role
# still renews. A user removed from a group fails the same way.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/ca.sh"
source "$here/lib/voms.sh"

W=$(mktemp -d /tmp/pr-voms203.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

voms_driver_setup "$W" /testvo/sub /testvo/Role=production || fail "set-up"

voms_proxy_init "$W/ca/alice" "$W/prod.pem" 1:00 0:20 \
    /testvo/Role=production /testvo/sub || fail "voms-proxy-init prod"
voms_proxy_init "$W/ca/alice" "$W/sub.pem" 1:00 0:20 /testvo/sub ||
    fail "voms-proxy-init sub"
make_proxy "$W/ca/alice" "$W/renewed.pem" 120 || fail "make_proxy"

voms_revoke /C=XX/O=Test/CN=alice /testvo/Role=production || fail "revoke"
if voms_renew "$W/prod.pem" "$W/renewed.pem" "$W/prod.new.pem"; then
	fail "renewed a role the user lost"
fi
cat "$W/prod.new.pem.log"
grep -q "^error 1910: VOMS testvo: localhost:$VOMS_PORT: .*Unable to satisfy B/testvo:production request" \
    "$W/prod.new.pem.log" || fail "the server's message is missing"
[ ! -e "$W/prod.new.pem" ] || fail "a weaker proxy was written"

voms_renew "$W/sub.pem" "$W/renewed.pem" "$W/sub.new.pem" ||
    { cat "$W/sub.new.pem.log"; fail "proxy without the role did not renew"; }

voms_revoke /C=XX/O=Test/CN=alice /testvo/sub || fail "revoke sub"
if voms_renew "$W/sub.pem" "$W/renewed.pem" "$W/sub.new2.pem"; then
	fail "renewed a group the user left"
fi
cat "$W/sub.new2.pem.log"
grep -q "^error 1910: VOMS testvo: .*/testvo/sub" "$W/sub.new2.pem.log" ||
    fail "no server message for the lost group"
echo "PASS 203-voms-lost-role"
