#!/bin/bash
# label: core
# Connections that send nothing must not lock out the
# other clients of their uid. 200 idle connections of the daemon's uid
# (more than the 128 per uid): the well-behaved client's requests are all
# answered; the idle connections pushed out are answered 1902 with a
# Message= rather than closed mute; a client dribbling one byte a second
# is dropped after the short request deadline with 1911 and a Message=.
# Connection log lines are rate-limited (with a count of those suppressed).
source "$(dirname "$0")/lib/common.sh"
IDLE=$(pr_bin_ pr-idleconns tests/tools)
need_bin "$IDLE" pr-idleconns

# idle_start NAME ARGS...: pr-idleconns in the background, stdin held open
# by a FIFO; waits until it says all are connected.
idle_start() {
	local name=$1 i
	shift
	mkfifo "$T/$name.in"
	"$IDLE" "$SOCK" "$@" < "$T/$name.in" > "$T/$name.out" 2>&1 &
	eval "${name}_PID=\$!"
	exec {fd}> "$T/$name.in"
	eval "${name}_FD=\$fd"
	for i in $(seq 1 300); do
		grep -q '^connected' "$T/$name.out" && return 0
		kill -0 "$(eval echo \$${name}_PID)" 2>/dev/null || break
		sleep 0.1
	done
	die "$name: not connected: $(cat "$T/$name.out")"
}

# idle_stop NAME: close its stdin, wait for its summary.
idle_stop() {
	local fd pid
	fd=$(eval echo \$${1}_FD)
	pid=$(eval echo \$${1}_PID)
	exec {fd}>&-
	wait "$pid"
}

daemon_start --timeout 120
idle_start hog 200
n_ok=0
for i in $(seq 1 20); do
	list
	[ "$(kv Response)" = 0 ] && n_ok=$((n_ok + 1))
done
assert_eq 20 "$n_ok" "20 LISTs answered 0 while 200 idle connections are open"
idle_stop hog
summary=$(cat "$T/hog.out")
pushed=$(sed -n 's/^code 1902 //p' <<< "$summary")
[ "${pushed:-0}" -ge 72 ] && ok "idle connections pushed out got 1902 ($pushed)" ||
    fail "idle connections pushed out without 1902: $(tr '\n' '|' <<< "$summary")"
assert_eq 0 "$(sed -n 's/^eof //p' <<< "$summary")" "none was closed mute"
assert_match "connections" "$(sed -n 's/^message //p' <<< "$summary")" \
    "the Message says why"

# A client dribbling one byte a second is dropped at the request deadline,
# long before --timeout (120 s).
idle_start slow 1 --dribble 1
for i in $(seq 1 300); do
	grep -q "sent .* bytes within" "$DAEMON_LOG" && break
	sleep 0.1
done
idle_stop slow
assert_match "^code 1911 1$" "$(cat "$T/slow.out")" \
    "the dribbling client was answered 1911"
assert_match "within [0-9]+ s" "$(sed -n 's/^message //p' "$T/slow.out")" \
    "with a Message= naming the deadline"

# Rate limit of connection log lines: 400 connections closed at once.
before=$(grep -c "closed without a request" "$DAEMON_LOG")
idle_start burst 400
idle_stop burst
wait_log "connection log lines suppressed" 10 ||
    fail "no line counting the suppressed connection log lines"
after=$(grep -c "closed without a request" "$DAEMON_LOG")
[ $((after - before)) -lt 200 ] && ok "connection log lines rate-limited ($((after - before)) of 400)" ||
    fail "$((after - before)) connection log lines for 400 connections"
list
assert_response 0 "the daemon still serves"
daemon_stop
check_log_clean
