#!/bin/bash
# label: core
# The client library and proxy-renew check who listens on
# the socket (SO_PEERCRED) before sending anything. A fake daemon of another
# uid bound at the socket path (possible for /tmp/dgpr_renew_<uid> while the
# real daemon is down) answers GET with a planted proxy; the clients refuse
# to talk to it with a clear error, and send it nothing. With
# PROXY_RENEWD_DAEMON_UID naming that uid, they trust it. A real daemon of
# the client's own uid is still used.
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew
need_bin "$APICLIENT" pr-apiclient
need_tool setpriv
need_tool socat
[ "$(id -u)" = 0 ] || die "this test needs root (setpriv to another uid)"

FK=$T/fk
mkdir -m 0700 "$FK"
chown 65534:65534 "$FK"
FAKE=$FK/sock
GOT=$FK/got
# The fake answers at once with Response=0 and a planted Proxy_name, then
# appends whatever the client sends to $GOT.
body='Version=EDG Proxy Renewal 1.0\nResponse=0\nProxy_name=/tmp/planted\n'
len=$(printf "$body" | wc -c)
hdr=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' 0 0 0 "$len")
printf "$hdr$body" > "$FK/answer"
: > "$GOT"
chown 65534:65534 "$FK/answer" "$GOT"
timeout 300 setpriv --reuid=65534 --regid=65534 --clear-groups \
    socat UNIX-LISTEN:"$FAKE",fork,mode=0666 \
    SYSTEM:"cat $FK/answer; cat >> $GOT" 2>> "$T/fake.log" &
FAKE_PID=$!
for i in $(seq 1 100); do
	[ -S "$FAKE" ] && socat -u OPEN:/dev/null UNIX-CONNECT:"$FAKE" \
	    2>/dev/null && break
	sleep 0.1
done
[ -S "$FAKE" ] || die "the fake daemon did not start"
[ "$(stat -c %u "$FAKE")" = 65534 ] || die "premise: fake socket owned by 65534"

# premise: a client that does not check is fooled (rawsend does not check)
run "$RAWSEND" "$FAKE" --body "Version=$PR_PROTO_VERSION\\nCommand=3\\nJobid=j\\n"
assert_eq /tmp/planted "$(kv Proxy_name)" "premise: the fake answers a raw client"
: > "$GOT"

run "$PRCLI" --socket "$FAKE" -j job1 get
assert_rc nz "proxy-renew refuses a socket served by uid 65534"
assert_match "uid 65534" "$ERR" "the error names the peer's uid"
assert_match "PROXY_RENEWD_DAEMON_UID" "$ERR" "the error names the setting"
if grep -q planted <<< "$OUT"; then fail "the planted proxy was printed"; else ok "nothing planted printed"; fi
run env PROXY_RENEWD_SOCKET="$FAKE" "$APICLIENT" get job1
assert_rc 1 "the library refuses a socket served by uid 65534"
if grep -q planted <<< "$OUT"; then fail "the library returned the planted proxy"; else ok "library: nothing planted"; fi
run "$PRCLI" --socket "$FAKE" -s localhost -f /dev/null -j job1 start
assert_rc nz "REGISTER to the fake refused"
assert_eq 0 "$(stat -c %s "$GOT")" "the fake received no byte"

# The operator names the daemon's uid: then it is trusted.
run env PROXY_RENEWD_DAEMON_UID=65534 "$PRCLI" --socket "$FAKE" -j job1 get
assert_rc 0 "PROXY_RENEWD_DAEMON_UID=65534 trusts that uid"
assert_eq /tmp/planted "$OUT" "and uses its answer"
run env PROXY_RENEWD_DAEMON_UID=nobody PROXY_RENEWD_SOCKET="$FAKE" \
    "$APICLIENT" get job1
assert_rc 0 "PROXY_RENEWD_DAEMON_UID takes a user name"
run env PROXY_RENEWD_DAEMON_UID=65533 "$PRCLI" --socket "$FAKE" -j job1 get
assert_rc nz "another configured uid does not trust 65534"
run env PROXY_RENEWD_DAEMON_UID=bogus-user-x "$PRCLI" --socket "$FAKE" -j job1 get
assert_rc nz "an unknown user name trusts nobody"
assert_match "PROXY_RENEWD_DAEMON_UID" "$ERR" "and says which setting is wrong"
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null

# The real daemon of our own uid (root) is used.
daemon_start
cli list
assert_rc 0 "proxy-renew talks to the daemon of its own uid"
api list
assert_rc 0 "the library talks to the daemon of its own uid"
daemon_stop
check_log_clean
