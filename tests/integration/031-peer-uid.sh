#!/bin/bash
# label: core
# Only the daemon's own uid and root are served.
# 1. Daemon as root: a client as nobody cannot even connect (socket 0600).
# 2. Daemon as nobody (65534) in a directory it owns: a client of another
#    uid (65533) that keeps CAP_DAC_OVERRIDE gets through the socket's mode,
#    so only the SO_PEERCRED check stands between it and the daemon: it is
#    refused and logged, and changes nothing; root and nobody are served.
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew
need_bin "$APICLIENT" pr-apiclient
need_bin "$RAWSEND" pr-rawsend

need_tool setpriv
[ "$(id -u)" = 0 ] || die "this test needs root (setpriv to other uids)"
setup_ca
AS_OTHER=(setpriv --reuid=65533 --regid=65533 --clear-groups
    --inh-caps=+dac_override --ambient-caps=+dac_override)

# ---- 1. daemon as root
daemon_start
assert_eq 600 "$(stat -c %a "$SOCK")" "socket mode 0600"
run "${AS_NOBODY[@]}" "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n"
assert_rc 1 "nobody cannot connect to root's socket"
assert_match "Permission denied" "$ERR" "connect: EACCES"
run "${AS_NOBODY[@]}" "$PRCLI" --socket "$SOCK" list
assert_rc nz "proxy-renew as nobody fails"
daemon_stop

# ---- 2. daemon as nobody
daemon_as_nobody
new_proxy alice "$NB/p1" 600
chown 65534:65534 "$NB/p1"
daemon_start
assert_eq 65534 "$(stat -c %u "$SOCK")" "socket owned by nobody"

reg "$NB/p1" localhost job1
assert_response 0 "root is served by nobody's daemon"
f1=$(kv Proxy_name)
run "${AS_NOBODY[@]}" "$RAWSEND" "$SOCK" --body \
    "Version=$PR_PROTO_VERSION\\nCommand=3\\nJobid=job1\\n"
assert_response 0 "the daemon's own uid is served"
assert_eq "$f1" "$(kv Proxy_name)" "own uid: GET job1"
run "${AS_NOBODY[@]}" "$PRCLI" --socket "$SOCK" -j job1 get
assert_rc 0 "proxy-renew as the daemon's uid"
repo_save

# premise: uid 65533 with CAP_DAC_OVERRIDE can connect at all
run "${AS_OTHER[@]}" sh -c 'grep CapEff /proc/self/status'
assert_match '0000000000000002' "$OUT" "premise: the other uid keeps CAP_DAC_OVERRIDE"

for body in "Command=4\\n" "Command=3\\nJobid=job1\\n" \
    "Command=2\\nJobid=job1\\n" \
    "Command=1\\nMyproxy_server=localhost\\nProxy_name=$NB/p1\\nJobid=job9\\n"; do
	run "${AS_OTHER[@]}" "$RAWSEND" "$SOCK" --body \
	    "Version=$PR_PROTO_VERSION\\n$body"
	assert_ne 1 "$RC" "uid 65533 connected (${body%%\\n*}): $ERR"
	if grep -q '^Response=0$' <<< "$OUT"; then
		fail "uid 65533 was served (${body%%\\n*}): $(tr '\n' '|' <<< "$OUT")"
	else
		ok "uid 65533 refused (${body%%\\n*}): $(tr '\n' ' ' <<< "$OUT")"
	fi
	repo_unchanged "request from uid 65533 (${body%%\\n*})"
done
jobget job1
assert_response 0 "job1 still registered after the refused UNREGISTER"
jobget job9
assert_response 1908 "job9 was not registered by the refused REGISTER"

run "${AS_OTHER[@]}" "$PRCLI" --socket "$SOCK" list
assert_rc nz "proxy-renew as uid 65533 fails"
run "${AS_OTHER[@]}" env PROXY_RENEWD_SOCKET="$SOCK" "$APICLIENT" list
assert_rc 1 "the library as uid 65533 fails"

wait_log "65533" 2 && ok "the refusal is logged with the uid" ||
    fail "no log line naming uid 65533"
daemon_stop
check_log_clean
