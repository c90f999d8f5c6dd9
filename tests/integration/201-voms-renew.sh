#!/bin/bash
# label: voms
# 201-voms-renew: VOMS AC renewal against the real voms-server. A proxy
# made by voms-proxy-init with several FQANs in a chosen order is renewed
# (fresh ACs fetched with the renewed proxy, new proxy assembled): the FQAN
# list is identical and in order, every AC's notAfter moves later, the
# result is a valid proxy of the same identity that voms-proxy-info -all
# accepts, and a proxy without ACs is left alone.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/ca.sh"
source "$here/lib/voms.sh"

W=$(mktemp -d /tmp/pr-voms201.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
info() { X509_CERT_DIR=$VOMS_CERTDIR X509_VOMS_DIR=$VOMS_VOMSDIR "$@"; }

voms_driver_setup "$W" /testvo/sub /testvo/Role=production || fail "set-up"
echo "voms setup: $VOMS_SETUP_MS ms"

# Old proxy: 1 h, ACs 20 min, FQANs in a non-default order.
voms_proxy_init "$W/ca/alice" "$W/old.pem" 1:00 0:20 \
    /testvo/sub /testvo/Role=production || fail "voms-proxy-init"
"$W/drv" info "$W/old.pem" > "$W/old.info" || fail "driver info old"
grep -q '^n_acs 1$' "$W/old.info" || fail "old proxy has no AC"
sleep 2		# so that fresh ACs end strictly later

# The MyProxy renewal gives a plain proxy of the same user: 3 h.
make_proxy "$W/ca/alice" "$W/renewed.pem" 180 || fail "make_proxy"
t0=$(date +%s%3N)
voms_renew "$W/old.pem" "$W/renewed.pem" "$W/new.pem" ||
    { cat "$W/new.pem.log"; fail "renewal failed"; }
echo "VOMS renewal (contact + assembly + verification): $(( $(date +%s%3N) - t0 )) ms"
[ "$(stat -c %a "$W/new.pem")" = 600 ] || fail "new proxy mode"

"$W/drv" info "$W/new.pem" > "$W/new.info" || fail "driver info new"
[ "$(grep '^fqan ' "$W/old.info")" = "$(grep '^fqan ' "$W/new.info")" ] ||
    { diff "$W/old.info" "$W/new.info"; fail "FQAN list changed"; }
[ "$(grep -c '^fqan ' "$W/new.info")" = 3 ] || fail "expected 3 FQANs"
[ "$(sed -n 's/^fqan //p' "$W/new.info" | head -1)" = \
    /testvo/sub/Role=NULL/Capability=NULL ] || fail "order not kept"
old_ac=$(sed -n 's/^not_after //p' "$W/old.info")
new_ac=$(sed -n 's/^not_after //p' "$W/new.info")
[ "$new_ac" -gt "$old_ac" ] || fail "AC notAfter $new_ac not after $old_ac"
# ACs are asked for the renewed proxy's lifetime: about 3 h, not 20 min.
[ "$new_ac" -gt $(( $(date +%s) + 2 * 3600 )) ] || fail "AC lifetime too short"

# A proxy of the same identity, signed by the renewed one, valid as long.
[ "$(proxy_end_time "$W/new.pem")" = "$(proxy_end_time "$W/renewed.pem")" ] ||
    fail "X.509 notAfter differs from the renewed proxy's"
[ "$(openssl x509 -in "$W/new.pem" -noout -issuer -nameopt compat | sed 's/^issuer=//')" = \
    "$(proxy_subject "$W/renewed.pem")" ] || fail "not signed by the renewed proxy"
case $(proxy_subject "$W/new.pem") in
"$(proxy_subject "$W/renewed.pem")"/CN=[0-9]*) ;;
*) fail "subject $(proxy_subject "$W/new.pem")" ;;
esac
openssl x509 -in "$W/new.pem" -noout -text > "$W/new.txt"
grep -q 'Proxy Certificate Information: critical' "$W/new.txt" || fail "no proxyCertInfo"
grep -q 'Policy Language: Inherit all' "$W/new.txt" || fail "not inheritAll"
# The key in the file is the key of the first certificate.
[ "$(openssl x509 -in "$W/new.pem" -noout -pubkey | openssl sha256)" = \
    "$(openssl pkey -in "$W/new.pem" -pubout | openssl sha256)" ] || fail "key mismatch"
# The chain verifies (RFC 3820 proxies allowed).
awk '/BEGIN CERT/{n++} n>1' "$W/new.pem" > "$W/chain.pem"
openssl verify -allow_proxy_certs -CApath "$VOMS_CERTDIR" \
    -untrusted "$W/chain.pem" "$W/new.pem" > /dev/null || fail "chain does not verify"

info voms-proxy-info -all -file "$W/new.pem" > "$W/new.vpi" 2>&1 ||
    { cat "$W/new.vpi"; fail "voms-proxy-info rejects the renewed proxy"; }
grep -q '^type *: RFC' "$W/new.vpi" || fail "voms-proxy-info: not RFC"
[ "$(sed -n 's/^attribute : //p' "$W/new.vpi")" = \
    "$(info voms-proxy-info -fqan -file "$W/old.pem" 2>/dev/null)" ] ||
    fail "voms-proxy-info FQANs differ"

# Renewing the renewed proxy again works too (proxy of a proxy chain).
sleep 1
make_proxy "$W/ca/alice" "$W/renewed2.pem" 240 || fail "make_proxy 2"
voms_renew "$W/new.pem" "$W/renewed2.pem" "$W/new2.pem" ||
    { cat "$W/new2.pem.log"; fail "second renewal failed"; }
"$W/drv" info "$W/new2.pem" > "$W/new2.info" || fail "driver info new2"
[ "$(grep '^fqan ' "$W/new2.info")" = "$(grep '^fqan ' "$W/old.info")" ] ||
    fail "FQANs changed on the second renewal"

# The other order stays the other order.
voms_proxy_init "$W/ca/alice" "$W/rev.pem" 1:00 0:20 \
    /testvo/Role=production /testvo/sub || fail "voms-proxy-init reverse"
voms_renew "$W/rev.pem" "$W/renewed.pem" "$W/rev.new.pem" ||
    { cat "$W/rev.new.pem.log"; fail "renewal of the reversed proxy"; }
[ "$(info voms-proxy-info -fqan -file "$W/rev.new.pem" 2>/dev/null | head -2)" = \
    "/testvo/Role=production/Capability=NULL
/testvo/sub/Role=NULL/Capability=NULL" ] || fail "reverse order lost"

# No AC: nothing to do (exit 2), nothing written.
make_proxy "$W/ca/alice" "$W/plain.pem" 30 || fail "make_proxy plain"
voms_renew "$W/plain.pem" "$W/renewed.pem" "$W/plain.new.pem"
[ $? = 2 ] && [ ! -e "$W/plain.new.pem" ] || fail "proxy without AC was touched"
echo "PASS 201-voms-renew"
