#!/bin/bash
# label: voms
# 200-voms-server: the test VOMS server itself. A real voms-server on a
# private MariaDB issues ACs with several FQANs in the requested order,
# voms-proxy-info -all accepts them, and a membership the user does not
# have is refused with the server's message.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/ca.sh"
source "$here/lib/voms.sh"

W=$(mktemp -d /tmp/pr-voms200.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

ca_init "$W/ca" || fail "ca_init"
ca_issue "$W/ca" alice user || fail "ca_issue alice"
ca_issue "$W/ca" bob user || fail "ca_issue bob"
voms_init "$W/voms" "$W/ca" testvo || fail "voms_init"
echo "voms setup (MariaDB + schema + voms-server): $VOMS_SETUP_MS ms"
voms_add_user /C=XX/O=Test/CN=alice /testvo/sub /testvo/Role=production ||
    fail "add alice"
voms_add_user /C=XX/O=Test/CN=bob /testvo/sub || fail "add bob"

voms_proxy_init "$W/ca/alice" "$W/a.pem" 1:00 0:30 \
    /testvo/sub /testvo/Role=production || fail "voms-proxy-init alice"
X509_CERT_DIR=$VOMS_CERTDIR X509_VOMS_DIR=$VOMS_VOMSDIR \
    voms-proxy-info -all -file "$W/a.pem" > "$W/a.info" 2>&1 ||
    { cat "$W/a.info"; fail "voms-proxy-info rejects the proxy"; }
got=$(sed -n 's/^attribute : //p' "$W/a.info")
want="/testvo/sub/Role=NULL/Capability=NULL
/testvo/Role=production/Capability=NULL
/testvo/Role=NULL/Capability=NULL"
[ "$got" = "$want" ] || fail "FQANs: got [$got] want [$want]"
grep -q "^uri *: localhost:$VOMS_PORT\$" "$W/a.info" || fail "AC uri"

# The reverse order gives the reverse list: the server keeps the order asked.
voms_proxy_init "$W/ca/alice" "$W/b.pem" 1:00 0:30 \
    /testvo/Role=production /testvo/sub || fail "voms-proxy-init alice 2"
got=$(X509_CERT_DIR=$VOMS_CERTDIR X509_VOMS_DIR=$VOMS_VOMSDIR \
    voms-proxy-info -fqan -file "$W/b.pem" 2>/dev/null | head -2)
[ "$got" = "/testvo/Role=production/Capability=NULL
/testvo/sub/Role=NULL/Capability=NULL" ] || fail "reverse order: [$got]"

# bob has no role: refused, with the server's reason.
if voms_proxy_init "$W/ca/bob" "$W/c.pem" 1:00 0:30 \
    /testvo/Role=production 2>/dev/null; then
	fail "bob got a role he does not have"
fi
grep -q "Unable to satisfy B/testvo:production" "$W/c.pem.log" ||
    { cat "$W/c.pem.log"; fail "no server message for the refused role"; }
echo "PASS 200-voms-server"
