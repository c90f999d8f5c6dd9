#!/bin/bash
# label: myproxy
# 123-doctor: proxy-renewd --doctor against a real myproxy-server: a sound
# setup passes (exit 0, TLS to the server verified); a service key readable
# by others, an expired service certificate, a server that is down, a
# stale CRL in the CA directory, a wall clock before the program was
# written or before the service certificate's start (faketime) and a
# repository open to others each give a FAIL line naming it with a hint,
# and exit 1. The doctor changes nothing.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
mp_start one
mp_start down
mp_stop down
eng_start --myproxy-server "$(mp_addr one)"

# doctor ARGS: run it like the daemon (same repository, socket, credential)
doctor() {
	run "$PRD" --doctor -r "$REPO" -s "$SOCK" -C "$MP_CADIR" "$@"
}

repo_save
doctor -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" --myproxy-server "$(mp_addr one)"
assert_eq 0 "$RC" "sound setup: exit 0 ($(printf '%s' "$OUT" | grep FAIL))"
assert_eq 0 "$(printf '%s\n' "$OUT" | grep -c '^\[FAIL\]')" "sound: no FAIL"
assert_match '\[ OK \] service credential: .*valid for [0-9]+ more days' "$OUT" \
    "sound: service credential"
assert_match "\[ OK \] MyProxy TLS: $(mp_addr one): TLS handshake .*OU=one/CN=localhost verified" \
    "$OUT" "sound: TLS to the server verified"
assert_match '\[ OK \] socket: ' "$OUT" "sound: the running daemon's socket"
assert_match '^doctor: 0 failed' "$(printf '%s\n' "$OUT" | tail -n 1)" "summary"
repo_unchanged "the doctor changed nothing"

cp "$MP_SVC_KEY" "$T/open-key.pem"
chmod 0644 "$T/open-key.pem"
doctor -t "$MP_SVC_CERT" -k "$T/open-key.pem"
assert_eq 1 "$RC" "key readable by others: exit 1"
assert_match "\[FAIL\] service credential: service key $T/open-key.pem: mode 0644" \
    "$OUT" "key mode: named"
assert_match 'hint: .*chmod 600' "$OUT" "key mode: hint"

make_proxy "$T/ca/svc" "$T/expired.pem" 0 || die "expired credential"
doctor -t "$T/expired.pem" -k "$T/expired.pem"
assert_eq 1 "$RC" "expired service certificate: exit 1"
assert_match '\[FAIL\] service credential: service certificate .* has expired' \
    "$OUT" "expired certificate: named"

doctor -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" \
    --myproxy-server "$(mp_addr one),$(mp_addr down)"
assert_eq 1 "$RC" "a server down: exit 1"
assert_match "\[FAIL\] MyProxy: $(mp_addr down): cannot connect \(127.0.0.1: Connection refused\)" \
    "$OUT" "server down: named"
assert_match "\[ OK \] MyProxy TLS: $(mp_addr one)" "$OUT" "the other one still OK"

# a CRL whose nextUpdate has passed (fetch-crl stopped), signed by the CA
cp -a "$MP_CADIR" "$T/cadir-stale"
hash=$(openssl x509 -hash -noout -in "$T/ca/ca/cert.pem")
mkdir -p "$T/crl" && : > "$T/crl/index.txt" && echo 01 > "$T/crl/crlnumber"
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n' \
    "$T/crl/index.txt" "$T/crl/crlnumber" > "$T/crl/ca.cnf"
openssl ca -gencrl -config "$T/crl/ca.cnf" -keyfile "$T/ca/ca/key.pem" \
    -cert "$T/ca/ca/cert.pem" -crl_lastupdate 20200101000000Z \
    -crl_nextupdate 20200102000000Z -out "$T/cadir-stale/$hash.r0" \
    2>/dev/null || die "cannot make the stale CRL"
run "$PRD" --doctor -r "$REPO" -s "$SOCK" -C "$T/cadir-stale" \
    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY"
assert_eq 1 "$RC" "a stale CRL: exit 1"
assert_match "\[FAIL\] CA directory: $T/cadir-stale: 1 of 1 CRLs stale \(e.g. $hash.r0\)" \
    "$OUT" "stale CRL: named"
assert_match 'hint: .*fetch-crl' "$OUT" "stale CRL: hint"

# the clock: libfaketime preloaded into the doctor (as in 019)
need_tool faketime
faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$faketime_lib" ] || die "missing libfaketime.so.1 (install faketime)"
# doctor_at FAKETIME: the doctor with the wall clock as FAKETIME says
doctor_at() {
	run env LD_PRELOAD="$faketime_lib" FAKETIME="$1" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$PRD" --doctor -r "$REPO" -s "$SOCK" -C "$MP_CADIR" \
	    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY"
}
doctor_at "@2025-06-01 00:00:00"
assert_eq 1 "$RC" "clock in 2025: exit 1"
assert_match '\[FAIL\] clock: the wall clock \(17487[0-9]+\) is before this program was written' \
    "$OUT" "clock in 2025: named"
assert_match 'hint: set the system clock \(NTP\): certificates are judged by it' \
    "$OUT" "clock in 2025: hint"
doctor_at -1d
assert_eq 1 "$RC" "clock a day behind: exit 1"
assert_match "\[FAIL\] clock: the wall clock is before the service certificate's start \(8[0-9]{4} s early\)" \
    "$OUT" "clock a day behind: named"
doctor -t "$MP_SVC_CERT" -k "$MP_SVC_KEY"
assert_match '\[ OK \] clock: wall clock plausible' "$OUT" "clock right: OK"

daemon_stop
chmod 0755 "$REPO"
doctor -t "$MP_SVC_CERT" -k "$MP_SVC_KEY"
assert_eq 1 "$RC" "repository open to others: exit 1"
assert_match "\[FAIL\] repository: $REPO: mode 0755, wider than 0700" "$OUT" \
    "repository mode: named"
chmod 0700 "$REPO"
check_log_clean
