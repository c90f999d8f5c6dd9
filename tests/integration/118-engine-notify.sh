#!/bin/bash
# label: myproxy
# 118-engine-notify: the systemd notification protocol, received by a real
# datagram listener (tests/tools/pr-notify-recv) set as NOTIFY_SOCKET:
# READY=1 first and only once the socket answers, STATUS with the counts
# and the last renewal, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1
# then READY=1 around SIGHUP, STOPPING=1 at SIGTERM; a daemon that fails to
# start sends no READY.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

notify_listen
export NOTIFY_SOCKET=$T/notify

# ---- a failed start says nothing
mkdir -m 0755 "$T/badrepo"
daemon_refuses "0700" -r "$T/badrepo"
assert_eq "" "$(cat "$NLOG")" "failed start: no notification"

mp_setup_alice
export WATCHDOG_USEC=400000
eng_start --lifetime 2 --myproxy-server "$A1"
wait_notify "READY=1" || fail "no READY=1"
first=$(head -n 1 "$NLOG")
assert_match "^$DAEMON_PID READY=1#$DAEMON_PID STATUS=0 proxies, 0 jobs; last renewal none yet#" \
    "$(head -n 2 "$NLOG" | tr '\n' '#')" "READY=1 first, then STATUS, from the daemon"
assert_match "^$DAEMON_PID READY=1" "$first" "the first message is READY=1"
assert_match "systemd watchdog: pinging every 200 ms" "$(cat "$DAEMON_LOG")" \
    "watchdog period logged"
n0=$(grep -c "WATCHDOG=1" "$NLOG")
wait_notify "WATCHDOG=1" 2 || fail "no WATCHDOG=1"
watchdogs_from() {	# N: NLOG holds N WATCHDOG=1 or more
	[ "$(grep -c "WATCHDOG=1" "$NLOG")" -ge "$1" ]
}
wait_until 3 watchdogs_from $((n0 + 3)) &&
    ok "WATCHDOG=1 repeats" || fail "WATCHDOG=1 does not repeat"

# ---- a renewal shows in STATUS
new_proxy alice "$T/cur.pem" 20
reg "$T/cur.pem" "$A1" job1
assert_response 0 "register"
wait_notify "STATUS=1 proxies, 1 jobs; last renewal 20[0-9-]+T" 30 ||
    fail "no STATUS after the renewal"

# ---- SIGHUP: RELOADING=1 then READY=1
before=$(wc -l < "$NLOG")
kill -HUP "$DAEMON_PID"
wait_log "reloaded settings" 5 || fail "no reload"
wait_notify "RELOADING=1" 5 || fail "no RELOADING=1"
after=$(tail -n +$((before + 1)) "$NLOG" | grep -v WATCHDOG | cut -d' ' -f2- |
    tr '\n' '#')
assert_match "^RELOADING=1\\|STATUS=reloading settings#READY=1#STATUS=1 proxies" \
    "$after" "SIGHUP: RELOADING=1, then READY=1 and STATUS"

# ---- SIGTERM: STOPPING=1
pid=$DAEMON_PID
daemon_stop
wait_notify "STOPPING=1" 5 || fail "no STOPPING=1"
assert_eq 2 "$(grep -c ' READY=1$' "$NLOG")" "READY=1 twice: start-up and reload"
assert_eq "" "$(cut -d' ' -f1 "$NLOG" | grep -vx "$pid")" \
    "every message from the daemon itself"
check_log_clean
