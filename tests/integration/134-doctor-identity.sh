#!/bin/bash
# label: myproxy
# 134-doctor-identity: proxy-renewd --doctor --identity FILE against real
# myproxy-servers: MyProxy INFO (the worker's Mode=info, with the user's
# proxy) gives the stored credential's end; whether this service may renew
# it comes from the credential's own renewers policy (myproxy-init -R:
# naming the service passes, naming another DN fails with the -R hint), or,
# without one, from a trial renewal: a server whose authorized_renewers
# match the service passes, one whose authorized_renewers do not fails
# with a hint naming authorized_renewers. A proxy without a stored
# credential fails too. The repository is left as it was.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

ROGUE=/C=XX/O=Test/CN=rogue
mp_setup
mp_start one
mp_start rogue "$ROGUE"
mp_store alice one 72
mp_store alice rogue 72
ca_issue "$T/ca" carol user /C=XX/O=Test/CN=carol || die "carol"
ca_issue "$T/ca" dave user /C=XX/O=Test/CN=dave || die "dave"
# store_with_renewer USER SERVER DN: myproxy-init -x -R DN (a policy of its
# own; without -x, -R takes a CN and stores "*/CN=..." )
store_with_renewer() {
	X509_USER_CERT=$T/ca/$1/cert.pem X509_USER_KEY=$T/ca/$1/key.pem \
	X509_CERT_DIR=$MP_CADIR myproxy-init -s localhost -p "$(mp_port "$2")" \
	    -d -n -c 72 -t 12 -x -R "$3" < /dev/null >> "$T/mp/$2/log" 2>&1 ||
	    die "myproxy-init -R of $1: $(tail -n 3 "$T/mp/$2/log")"
}
store_with_renewer carol one "$MP_SVC_DN"
store_with_renewer dave one "$ROGUE"
new_proxy alice "$T/a.pem" 600
new_proxy bob "$T/b.pem" 600
new_proxy carol "$T/c.pem" 600
new_proxy dave "$T/d.pem" 600
eng_start --myproxy-server "$(mp_addr one)"
reg "$T/a.pem" "$(mp_addr one)" job-a
fa=$(kv Proxy_name)
# the daemon's own INFO of alice (after REGISTER) is done before the snapshot
wait_status "$fa" Credential_end_time '[1-9][0-9]*' 30 ||
    fail "the daemon's INFO of alice did not come"

doctor() {	# SERVERS PROXY
	run "$PRD" --doctor -r "$REPO" -s "$SOCK" -C "$MP_CADIR" \
	    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" --myproxy-server "$1" \
	    --identity "$2"
}

repo_save
doctor "$(mp_addr one)" "$T/a.pem"
assert_eq 0 "$RC" "authorized_renewers match: exit 0 ($(printf '%s' "$OUT" | grep -A1 FAIL))"
assert_match "^\[ OK \] stored credential: /C=XX/O=Test/CN=alice on $(mp_addr one) ends in (2 days 2[0-3]|3 days 0) h" \
    "$OUT" "the stored credential's end, by INFO"
assert_match "^\[ OK \] may renew: no renewers policy of its own; a trial renewal by this service \($MP_SVC_DN\) from $(mp_addr one) worked" \
    "$OUT" "no policy of its own: a trial renewal says yes"
# the repository file name works as well
doctor "$(mp_addr one)" "${fa##*/}"
assert_eq 0 "$RC" "by repository file name: exit 0"

doctor "$(mp_addr rogue)" "$T/a.pem"
assert_eq 1 "$RC" "authorized_renewers do not match the service: exit 1"
assert_match "^\[FAIL\] may renew: no renewers policy of its own, and the server refused a trial renewal by this service \($MP_SVC_DN\): .*authorized_renewers" \
    "$OUT" "the server's refusal, in its words"
assert_match "^ +hint: the server's authorized_renewers and default_renewers" \
    "$OUT" "hint: what to change"

doctor "$(mp_addr one)" "$T/c.pem"
assert_eq 0 "$RC" "a policy of its own naming the service: exit 0"
assert_match "^\[ OK \] may renew: its renewers policy '$MP_SVC_DN' names this service" \
    "$OUT" "INFO's policy names the service"

doctor "$(mp_addr one)" "$T/d.pem"
assert_eq 1 "$RC" "a policy of its own naming another DN: exit 1"
assert_match "^\[FAIL\] may renew: its renewers policy '$ROGUE' does not name this service" \
    "$OUT" "INFO's policy names someone else"
assert_match "^ +hint: its owner stores it again allowing this service: myproxy-init -d -n -x -R '$MP_SVC_DN'" \
    "$OUT" "hint: myproxy-init -R with the service's DN"

doctor "$(mp_addr one)" "$T/b.pem"
assert_eq 1 "$RC" "no credential stored: exit 1"
assert_match "^\[FAIL\] stored credential: MyProxy INFO with $T/b.pem: .*no credentials found for user /C=XX/O=Test/CN=bob" \
    "$OUT" "no credential: the server's words"
repo_unchanged "the doctor changed nothing"
daemon_stop
check_log_clean
