#!/bin/bash
# label: voms
# 200-voms-server: the test VOMS server itself. A real voms-server on a
# private MariaDB issues ACs with several FQANs in the requested order,
# voms-proxy-info -all accepts them, and a membership the user does not
# have is refused with the server's message.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/voms.sh"

ca_init "$T/ca" || die "ca_init"
ca_issue "$T/ca" alice user || die "ca_issue alice"
ca_issue "$T/ca" bob user || die "ca_issue bob"
voms_init "$T/voms" "$T/ca" testvo || die "voms_init"
echo "voms setup (MariaDB + schema + voms-server): $VOMS_SETUP_MS ms"
voms_add_user /C=XX/O=Test/CN=alice /testvo/sub /testvo/Role=production ||
    die "add alice"
voms_add_user /C=XX/O=Test/CN=bob /testvo/sub || die "add bob"

voms_proxy_init "$T/ca/alice" "$T/a.pem" 1:00 0:30 \
    /testvo/sub /testvo/Role=production || die "voms-proxy-init alice"
run voms_info -all -file "$T/a.pem"
assert_rc 0 "voms-proxy-info -all accepts the proxy"
assert_eq "/testvo/sub/Role=NULL/Capability=NULL
/testvo/Role=production/Capability=NULL
/testvo/Role=NULL/Capability=NULL" "$(sed -n 's/^attribute : //p' <<<"$OUT")" \
    "FQANs in the order asked"
assert_match "^uri *: localhost:$VOMS_PORT\$" "$OUT" "AC uri"

# The reverse order gives the reverse list: the server keeps the order asked.
voms_proxy_init "$T/ca/alice" "$T/b.pem" 1:00 0:30 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init alice 2"
assert_eq "/testvo/Role=production/Capability=NULL
/testvo/sub/Role=NULL/Capability=NULL" \
    "$(voms_info -fqan -file "$T/b.pem" 2>/dev/null | head -2)" \
    "reverse order asked, reverse order given"

# bob has no role: refused, with the server's reason.
if voms_proxy_init "$T/ca/bob" "$T/c.pem" 1:00 0:30 \
    /testvo/Role=production 2>/dev/null; then
	fail "bob got a role he does not have"
else
	assert_match "Unable to satisfy B/testvo:production" \
	    "$(cat "$T/c.pem.log")" "a role bob does not have: refused, with why"
fi
