#!/bin/bash
# label: core
# RFC 3820 and legacy Globus proxies, made by grid-proxy-init and by
# openssl, and proxies of proxies: all register, all have the same identity
# (the base subject; limited legacy proxies too), so with one server they
# share one stored proxy; the
# stored file is a usable proxy (grid-proxy-info reads it).
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew
need_bin "$APICLIENT" pr-apiclient

setup_ca
new_proxy alice "$T/rfc" 600 rfc
new_proxy alice "$T/legacy" 660 legacy
CA_PROXY_TOOL=openssl new_proxy alice "$T/ossl_rfc" 300 rfc
CA_PROXY_TOOL=openssl new_proxy alice "$T/ossl_legacy" 300 legacy
# A proxy of a proxy (RFC), made by grid-proxy-init from the first one.
X509_CERT_DIR=$T/ca/certificates grid-proxy-init -q -rfc -cert "$T/rfc" \
    -key "$T/rfc" -out "$T/rfc2" -valid 5:00 < /dev/null >&2 ||
    die "grid-proxy-init of a proxy of a proxy"
assert_match "CN=alice/CN=[0-9]+/CN=[0-9]+$" "$(proxy_subject "$T/rfc2")" \
    "premise: rfc2 is a second-level proxy"
# A limited legacy proxy: CN=limited proxy.
X509_CERT_DIR=$T/ca/certificates grid-proxy-init -q -old -limited \
    -cert "$T/ca/alice/cert.pem" -key "$T/ca/alice/key.pem" \
    -out "$T/limited" -valid 5:00 < /dev/null >&2 || die "limited proxy"
assert_match "CN=alice/CN=limited proxy$" "$(proxy_subject "$T/limited")" \
    "premise: a limited legacy proxy"
daemon_start

declare -A file
for p in rfc legacy ossl_rfc ossl_legacy rfc2 limited; do
	reg "$T/$p" localhost "job-$p"
	assert_response 0 "register a $p proxy"
	file[$p]=$(kv Proxy_name)
	status "${file[$p]}"
	assert_eq "/C=XX/O=Test/CN=alice" "$(kv Identity)" "$p: identity is the base subject"
done
for p in legacy ossl_rfc ossl_legacy rfc2 limited; do
	assert_eq "${file[rfc]}" "${file[$p]}" "$p joins the rfc one (same identity)"
done
status "${file[rfc]}"
assert_eq 6 "$(kv Jobs)" "six jobs on one file"
assert_eq "$(proxy_end_time "$T/legacy")" "$(kv End_time)" \
    "the longest (legacy, 11 h) proxy is stored"
run env X509_CERT_DIR="$T/ca/certificates" grid-proxy-info -f "${file[rfc]}" -identity
assert_rc 0 "grid-proxy-info reads the stored proxy"
assert_eq "/C=XX/O=Test/CN=alice" "$OUT" "stored proxy's identity"

# Legacy and RFC of one user on separate servers: separate files, same hash.
reg "$T/legacy" localhost:7601 job-l2
fl=$(kv Proxy_name)
reg "$T/rfc" localhost:7602 job-r2
fr=$(kv Proxy_name)
assert_ne "$fl" "$fr" "separate servers, separate files"
assert_eq "${fl%.*}" "${fr%.*}" "legacy and RFC: same identity hash"

# The same through the library and the CLI.
api register "$T/ossl_legacy" localhost 0 job-api
assert_eq "code=0
${file[rfc]}" "$OUT" "RegisterProxy of an openssl legacy proxy"
cli -s localhost -f "$T/rfc2" -j job-cli start
assert_eq "${file[rfc]}" "$OUT" "proxy-renew start with a proxy of a proxy"

daemon_stop
check_log_clean
