#!/bin/bash
# label: myproxy
# 130-new-key-fd: the worker renews with a key made ahead (New_key_fd=1,
# the key on fd 5 through a pipe): MyProxy signs a request made from that
# key, the new proxy holds that very key (same modulus) in MyProxy's own
# layout (certificate, RSA PRIVATE KEY, chain) and passes the usual
# checks; a bad key is a clear failure that leaves the output empty; a
# renewal without it still makes its key in the exchange.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"

mp_setup_alice
new_proxy alice "$T/cur.pem" 20

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/key.pem" 2> /dev/null || die "openssl genpkey"
want=$(openssl pkey -in "$T/key.pem" -pubout | sha256sum)

layout() {	# the PEM blocks of a file, in order
	grep -- '-----BEGIN' "$1" | sed 's/-----BEGIN \(.*\)-----/\1/' |
	    tr ' ' _ | tr '\n' ' ' | sed 's/ $//'
}
worker_renew "$A1" "$T/cur.pem" "$T/plain.pem" "Lifetime=3600"
assert_eq 0 "$(kv Response "$OUT_MSG")" "no key fd: renewed"
plain_layout=$(layout "$T/plain.pem")

# ---- a key made ahead: used, not replaced
WR_NEW_KEY=$T/key.pem worker_renew "$A1" "$T/cur.pem" "$T/new.pem" \
    "New_key_fd=1
Lifetime=3600"
assert_eq 0 "$RC" "key fd: worker exit status"
assert_eq 0 "$(kv Response "$OUT_MSG")" "key fd: renewed: $(kv Message "$OUT_MSG")"
assert_match '^/C=XX/O=Test/CN=alice/CN=[0-9]+' "$(proxy_subject "$T/new.pem")" \
    "key fd: new proxy is alice's"
got=$(openssl x509 -in "$T/new.pem" -noout -pubkey | sha256sum)
assert_eq "$want" "$got" "key fd: the certificate is for the key handed"
got=$(openssl pkey -in "$T/new.pem" -pubout | sha256sum)
assert_eq "$want" "$got" "key fd: the file holds the key handed"
assert_match '^CERTIFICATE RSA_PRIVATE_KEY CERTIFICATE' "$plain_layout" \
    "MyProxy's own layout: certificate, RSA key, chain"
assert_eq "$plain_layout" "$(layout "$T/new.pem")" \
    "key fd: the same layout as MyProxy's own delegation"
assert_code 0 -- grid-proxy-info -f "$T/new.pem" -exists
assert_eq 600 "$(stat -c %a "$T/new.pem")" "key fd: output file mode kept 0600"

# ---- the renewed proxy renews again with a fresh key made ahead
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/key2.pem" 2> /dev/null || die "openssl genpkey"
cp "$T/new.pem" "$T/cur2.pem"
WR_NEW_KEY=$T/key2.pem worker_renew "$A1" "$T/cur2.pem" "$T/new2.pem" \
    "New_key_fd=1"
assert_eq 0 "$(kv Response "$OUT_MSG")" "key fd: a renewed proxy renews: $(kv Message "$OUT_MSG")"
assert_eq "$(openssl pkey -in "$T/key2.pem" -pubout | sha256sum)" \
    "$(openssl x509 -in "$T/new2.pem" -noout -pubkey | sha256sum)" \
    "key fd: second renewal used the second key"

# ---- bad keys: a clear failure, nothing written
printf 'not a key\n' > "$T/junk.pem"
WR_NEW_KEY=$T/junk.pem worker_renew "$A1" "$T/cur.pem" "$T/new.pem" \
    "New_key_fd=1"
assert_eq 1906 "$(kv Response "$OUT_MSG")" "junk key: bad credential"
assert_match "new key \(fd 5\): not an unencrypted PEM private key" \
    "$(kv Message "$OUT_MSG")" "junk key: says what is wrong"
assert_eq 0 "$(stat -c %s "$T/new.pem")" "junk key: output file untouched"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/ec.pem" 2> /dev/null || die "openssl genpkey EC"
WR_NEW_KEY=$T/ec.pem worker_renew "$A1" "$T/cur.pem" "$T/new.pem" \
    "New_key_fd=1"
assert_match "not an RSA key" "$(kv Message "$OUT_MSG")" "EC key refused"
: > "$T/empty.pem"
WR_NEW_KEY=$T/empty.pem worker_renew "$A1" "$T/cur.pem" "$T/new.pem" \
    "New_key_fd=1"
assert_ne 0 "$(kv Response "$OUT_MSG")" "empty key fd: failure"

# ---- no key handed: MyProxy's exchange makes it, as before
worker_renew "$A1" "$T/cur.pem" "$T/new.pem"
assert_eq 0 "$(kv Response "$OUT_MSG")" "no key fd: renewed"
assert_ne "$want" "$(openssl x509 -in "$T/new.pem" -noout -pubkey | sha256sum)" \
    "no key fd: a key of its own"
# an fd 5 left open without New_key_fd=1 is not read (closed at once)
WR_NEW_KEY=$T/key.pem worker_renew "$A1" "$T/cur.pem" "$T/new.pem"
assert_eq 0 "$(kv Response "$OUT_MSG")" "fd 5 without New_key_fd: renewed"
assert_ne "$want" "$(openssl x509 -in "$T/new.pem" -noout -pubkey | sha256sum)" \
    "fd 5 without New_key_fd: not used"
