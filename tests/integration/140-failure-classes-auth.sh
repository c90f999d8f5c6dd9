#!/bin/bash
# label: myproxy
# cost: 35
# 140-failure-classes-auth: the authentication failures a real
# myproxy-server gives, each with its class in STATUS (Failure_class=) and
# the server's own text in Last_error (rows of failure_class.c):
#  - the server's host certificate comes from a CA we do not trust, or has
#    been revoked (CRL in our CA dir): "GSS Major Status" (transient: the
#    server's or the CA dir's admin fixes it, the renewal retries);
#  - the server's certificate names another host: "Server identity does
#    not match expected identity" (transient, as a failed handshake);
#  - the server does not trust our service certificate (its CA is trusted
#    here, not there): "GSS Major Status" (transient, as above);
#  - bob's identity holds a credential stored by alice: "certificate
#    subject does not match credential" (needs-user-action);
#  - the credential does not name this service among its renewers
#    (myproxy-init -R somebody else): "no passphrase" (needs-user-action);
#  - the credential was stored with a passphrase: "invalid credential
#    passphrase" (needs-user-action);
#  - alice's certificate is revoked (CRL): "certificate revoked"
#    (needs-user-action).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice
# alice's credential stored under bob's identity
mp_init alice one -l /C=XX/O=Test/CN=bob -n -c 24 -t 12 < /dev/null
mp_start renewers
mp_init alice renewers -d -n -R "/C=XX/O=Test/CN=somebody else" -c 24 -t 12 \
    < /dev/null
mp_start pass
echo "a passphrase" | mp_init alice pass -d -S -c 24 -t 12
# "untrusted": its host certificate from another CA
mp_start untrusted
mp_stop untrusted
ca_init "$T/ca2" && ca_issue "$T/ca2" host host "$(mp_dn untrusted)" ||
    die "the other CA"
cp "$T/ca2/host/cert.pem" "$T/ca2/host/key.pem" "$T/ca/mp-untrusted/" ||
    die "the untrusted host certificate"
mp_start untrusted
# "otherhost": its certificate (from our CA) names another host
mp_start otherhost
mp_stop otherhost
ca_issue "$T/ca" mp-otherhost user /C=XX/O=Test/OU=otherhost/CN=otherhost ||
    die "the other host's certificate"
mp_start otherhost
mp_start revoked
mp_store alice revoked
for p in a-untrusted a-otherhost a-revoked-host a-renewers a-pass a-revoked; do
	new_proxy alice "$T/$p.pem" 20
done
new_proxy bob "$T/b.pem" 20
eng_start --backoff-min 1 --backoff-max 2 --lifetime 2

expect_class "$T/a-untrusted.pem" "$(mp_addr untrusted)" job-untrusted \
    transient "server's CA not trusted"
assert_match "GSS Major Status: Authentication Failed.*Cannot find trusted CA certificate" \
    "$(kv Last_error)" "server's CA not trusted: Last_error"

expect_class "$T/a-otherhost.pem" "$(mp_addr otherhost)" job-otherhost \
    transient "server's certificate names another host"
assert_match "Server authorization failed\. +Server identity does not match expected identity" \
    "$(kv Last_error)" "server's certificate names another host: Last_error"

expect_class "$T/b.pem" "$A1" job-bob needs-user-action \
    "credential stored by another identity"
assert_match "ERROR from myproxy-server: certificate subject does not match credential to be renewed" \
    "$(kv Last_error)" "credential stored by another identity: Last_error"

expect_class "$T/a-renewers.pem" "$(mp_addr renewers)" job-renewers \
    needs-user-action "service not among the credential's renewers"
assert_match "ERROR from myproxy-server: no passphrase authentication failed" \
    "$(kv Last_error)" "service not among the credential's renewers: Last_error"

expect_class "$T/a-pass.pem" "$(mp_addr pass)" job-pass needs-user-action \
    "credential stored with a passphrase"
assert_match "ERROR from myproxy-server: invalid credential passphrase" \
    "$(kv Last_error)" "credential stored with a passphrase: Last_error"

# The server does not trust our service certificate: a daemon whose
# service certificate (same DN) comes from a CA trusted here, not there.
# The server ends the handshake; the worker sees its write fail.
daemon_stop
ca_init "$T/ca3" "Another throwaway test CA" &&
    ca_issue "$T/ca3" svc3 service || die "the service's other CA"
mkdir -p "$T/cadir-both" &&
    cp "$MP_CADIR"/* "$T/ca3/certificates"/* "$T/cadir-both/" ||
    die "a CA directory trusting both"
new_proxy alice "$T/a-distrusted.pem" 20
daemon_start -t "$T/ca3/svc3/cert.pem" -k "$T/ca3/svc3/key.pem" \
    -C "$T/cadir-both" --backoff-min 1 --backoff-max 2 --lifetime 2
expect_class "$T/a-distrusted.pem" "$A1" job-distrusted transient \
    "our service certificate not trusted by the server"
assert_match "GSS Major Status: General failure.*SSL failed wrapping" \
    "$(kv Last_error)" \
    "our service certificate not trusted by the server: Last_error"
daemon_stop
eng_start --backoff-min 1 --backoff-max 2 --lifetime 2

ca_revoke "$T/ca" "$T/ca/mp-revoked/cert.pem" || die "CRL"
expect_class "$T/a-revoked-host.pem" "$(mp_addr revoked)" job-revoked-host \
    transient "server's certificate revoked"
assert_match "GSS Major Status: Authentication Failed.*The certificate has been revoked.*OU=revoked" \
    "$(kv Last_error)" "server's certificate revoked: Last_error"

ca_revoke "$T/ca" "$T/ca/mp-revoked/cert.pem" "$T/ca/alice/cert.pem" ||
    die "CRL"
expect_class "$T/a-revoked.pem" "$A1" job-revoked needs-user-action \
    "alice's certificate revoked"
assert_match "ERROR from myproxy-server: .*X509_verify_cert\(\) failed: certificate revoked" \
    "$(kv Last_error)" "alice's certificate revoked: Last_error"

daemon_alive "after the failures"
daemon_stop
check_log_clean
