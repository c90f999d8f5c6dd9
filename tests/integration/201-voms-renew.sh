#!/bin/bash
# label: voms
# 201-voms-renew: VOMS AC renewal against the real voms-server. A proxy
# made by voms-proxy-init with several FQANs in a chosen order is renewed
# (fresh ACs fetched with the renewed proxy, new proxy assembled): the FQAN
# list is identical and in order, every AC's notAfter moves later, the
# result is a valid proxy of the same identity that voms-proxy-info -all
# accepts, and a proxy without ACs is left alone.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/voms.sh"

voms_driver_setup "$T" /testvo/sub /testvo/Role=production || die "set-up"
echo "voms setup: $VOMS_SETUP_MS ms"

# Old proxy: 1 h, ACs 20 min, FQANs in a non-default order.
voms_proxy_init "$T/ca/alice" "$T/old.pem" 1:00 0:20 \
    /testvo/sub /testvo/Role=production || die "voms-proxy-init"
"$VOMS_DRIVER" info "$T/old.pem" > "$T/old.info" || die "driver info old"
assert_match '^n_acs 1$' "$(cat "$T/old.info")" "the old proxy has an AC"

# The MyProxy renewal gives a plain proxy of the same user: 3 h (so the
# fresh ACs, asked for as long, end hours after the old ones' 20 min).
make_proxy "$T/ca/alice" "$T/renewed.pem" 180 || die "make_proxy"
t0=$(date +%s%3N)
voms_renew_ok "$T/old.pem" "$T/renewed.pem" "$T/new.pem" "renewal" ||
    die "renewal failed"
echo "VOMS renewal (contact + assembly + verification): $(( $(date +%s%3N) - t0 )) ms"
assert_eq 600 "$(stat -c %a "$T/new.pem")" "new proxy mode"

"$VOMS_DRIVER" info "$T/new.pem" > "$T/new.info" || die "driver info new"
assert_eq "$(grep '^fqan ' "$T/old.info")" "$(grep '^fqan ' "$T/new.info")" \
    "FQAN list unchanged"
assert_eq 3 "$(grep -c '^fqan ' "$T/new.info")" "3 FQANs"
assert_eq /testvo/sub/Role=NULL/Capability=NULL \
    "$(sed -n 's/^fqan //p' "$T/new.info" | head -1)" "order kept"
old_ac=$(sed -n 's/^not_after //p' "$T/old.info")
new_ac=$(sed -n 's/^not_after //p' "$T/new.info")
[ "$new_ac" -gt "$old_ac" ] && ok "AC notAfter moved later" ||
    fail "AC notAfter $new_ac not after $old_ac"
# ACs are asked for the renewed proxy's lifetime: about 3 h, not 20 min.
[ "$new_ac" -gt $(( $(date +%s) + 2 * 3600 )) ] &&
    ok "AC lifetime follows the renewed proxy" || fail "AC lifetime too short"

# A proxy of the same identity, signed by the renewed one, valid as long.
assert_eq "$(proxy_end_time "$T/renewed.pem")" "$(proxy_end_time "$T/new.pem")" \
    "X.509 notAfter of the renewed proxy"
assert_eq "$(proxy_subject "$T/renewed.pem")" \
    "$(openssl x509 -in "$T/new.pem" -noout -issuer -nameopt compat | sed 's/^issuer=//')" \
    "signed by the renewed proxy"
case $(proxy_subject "$T/new.pem") in
"$(proxy_subject "$T/renewed.pem")"/CN=[0-9]*) ok "subject: the renewed one's plus a CN" ;;
*) fail "subject $(proxy_subject "$T/new.pem")" ;;
esac
txt=$(openssl x509 -in "$T/new.pem" -noout -text)
assert_match 'Proxy Certificate Information: critical' "$txt" "proxyCertInfo"
assert_match 'Policy Language: Inherit all' "$txt" "inheritAll"
# The key in the file is the key of the first certificate.
assert_eq "$(openssl x509 -in "$T/new.pem" -noout -pubkey | openssl sha256)" \
    "$(openssl pkey -in "$T/new.pem" -pubout | openssl sha256)" "key matches"
# The chain verifies (RFC 3820 proxies allowed).
awk '/BEGIN CERT/{n++} n>1' "$T/new.pem" > "$T/chain.pem"
run openssl verify -allow_proxy_certs -CApath "$VOMS_CERTDIR" \
    -untrusted "$T/chain.pem" "$T/new.pem"
assert_rc 0 "the chain verifies"

run voms_info -all -file "$T/new.pem"
assert_rc 0 "voms-proxy-info accepts the renewed proxy"
assert_match '^type *: RFC' "$OUT" "voms-proxy-info: RFC proxy"
assert_eq "$(voms_info -fqan -file "$T/old.pem" 2>/dev/null)" \
    "$(sed -n 's/^attribute : //p' <<<"$OUT")" "voms-proxy-info: same FQANs"

# Renewing the renewed proxy again works too (proxy of a proxy chain).
make_proxy "$T/ca/alice" "$T/renewed2.pem" 240 || die "make_proxy 2"
if voms_renew_ok "$T/new.pem" "$T/renewed2.pem" "$T/new2.pem" \
    "second renewal"; then
	"$VOMS_DRIVER" info "$T/new2.pem" > "$T/new2.info" ||
	    fail "driver info new2"
	assert_eq "$(grep '^fqan ' "$T/old.info")" \
	    "$(grep '^fqan ' "$T/new2.info")" "FQANs on the second renewal"
fi

# The other order stays the other order.
voms_proxy_init "$T/ca/alice" "$T/rev.pem" 1:00 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init reverse"
voms_renew_ok "$T/rev.pem" "$T/renewed.pem" "$T/rev.new.pem" \
    "renewal of the reversed proxy" &&
    assert_eq "/testvo/Role=production/Capability=NULL
/testvo/sub/Role=NULL/Capability=NULL" \
    "$(voms_info -fqan -file "$T/rev.new.pem" 2>/dev/null | head -2)" \
    "reverse order kept"

# No AC: nothing to do (exit 2), nothing written.
make_proxy "$T/ca/alice" "$T/plain.pem" 30 || die "make_proxy plain"
voms_renew "$T/plain.pem" "$T/renewed.pem" "$T/plain.new.pem"
assert_eq 2 "$?" "a proxy without AC: nothing to do"
[ ! -e "$T/plain.new.pem" ] && ok "a proxy without AC: nothing written" ||
    fail "a proxy without AC: a file was written"
