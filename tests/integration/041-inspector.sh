#!/bin/bash
# label: core
# 041-inspector: REGISTER's proxies are parsed in the inspector child
# (privsep): a child with no new privileges, no file writes and a seccomp
# filter runs beside the master; a new
# proxy goes through it (METRICS counts it), the same bytes again are a
# memo hit; the loop answers other requests while a REGISTER waits for a
# stopped inspector; an inspector killed while reading a proxy fails that
# one request with a clear error, a new inspector starts and the next
# REGISTER works; a client gone while its REGISTER waits does not undo it
# (it is stored, unanswered); after more than 3 deaths in a row the master
# inspects itself, then starts a new inspector; a daemon stopped while a
# REGISTER waits fails it (answered, once the 5 s of grace end) and stores
# nothing; --inspectors 2 runs two children, 0 none (the master parses).
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew

setup_ca
for i in 1 2 3 4 5 6 7; do
	new_proxy alice "$T/p$i" 600
done
daemon_start

inspector_pid() {
	ps -o pid= -o args= --ppid "$DAEMON_PID" |
	    awk '/--inspect-child/ { print $1 }'
}

metric() {	# NAME: its value in METRICS
	cli metrics
	printf '%s\n' "$OUT" | sed -n "s/^proxy_renewd_$1 //p"
}

waiting_is() {
	[ "$(metric inspector_waiting)" = "$1" ]
}

new_inspector() {	# an inspector runs, not $ipid
	local pid
	pid=$(inspector_pid)
	[ -n "$pid" ] && [ "$pid" != "$ipid" ]
}

# REGISTER FILE JOB in the background; its answer lands in $T/bg.JOB.
reg_bg() {
	"$RAWSEND" "$SOCK" --wait 60 --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=localhost\\nProxy_name=$1\\nJobid=$2\\n" \
	    > "$T/bg.$2" 2>&1 &
	BG=$!
}

ipid=
wait_until 10 new_inspector || fail "no inspector child"
ipid=$(inspector_pid)
assert_match '^[0-9]+$' "$ipid" "an inspector child runs"
assert_eq 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$ipid/status")" \
    "inspector: no new privileges"
assert_eq 0 "$(awk '/^Max file size/ { print $4 }' "/proc/$ipid/limits")" \
    "inspector: may write no file"
assert_eq 2 "$(awk '/^Seccomp:/ { print $2 }' "/proc/$ipid/status")" \
    "inspector: under a seccomp filter"

reg "$T/p1" localhost job1
assert_response 0 "a new proxy, inspected by the child"
assert_eq 1 "$(metric inspector_inspected_total)" "METRICS: one inspection"
assert_eq 0 "$(metric inspector_inline_total)" "METRICS: none in the master"
reg "$T/p1" localhost job1b
assert_response 0 "the same bytes again"
assert_eq 1 "$(metric inspector_inspected_total)" "the same bytes: memo hit"

# A REGISTER waits for a stopped inspector; the loop goes on meanwhile.
kill -STOP "$ipid"
reg_bg "$T/p2" job2
wait_until 10 waiting_is 1 || fail "REGISTER not waiting for the inspector"
jobget job1
assert_response 0 "GET answered while a REGISTER waits"
# killed while reading it: that request fails, a new inspector starts
kill -KILL "$ipid"
wait "$BG"
OUT=$(cat "$T/bg.job2")
assert_response 1906 "REGISTER whose inspector died"
assert_match 'proxy inspector' "$(kv Message)" "the error names the inspector"
wait_until 10 new_inspector || fail "no new inspector after a death"
ipid=$(inspector_pid)
wait_log "proxy inspector exited; starting a new one" ||
    fail "log: the new start"
reg "$T/p2" localhost job2
assert_response 0 "REGISTER after the restart"
assert_eq 1 "$(metric inspector_restarts_total)" "METRICS: one restart"

# A client gone while its REGISTER waits: it is stored all the same.
kill -STOP "$ipid"
reg_bg "$T/p3" job3
wait_until 10 waiting_is 1 || fail "REGISTER 3 not waiting"
kill "$BG"
wait "$BG" 2>/dev/null
kill -CONT "$ipid"
wait_until 10 waiting_is 0 || fail "REGISTER 3 still waiting"
jobget job3
assert_response 0 "a client gone while waiting: its job is registered"
assert_file "$(kv Proxy_name)" "its proxy is stored"

# More than 3 deaths in a row: the master inspects, then a new child.
for i in 1 2 3 4; do
	kill -KILL "$ipid"
	[ "$i" = 4 ] && break
	wait_until 10 new_inspector || fail "no inspector after death $i"
	ipid=$(inspector_pid)
done
wait_log "4 times in a row; inspecting in the master" ||
    fail "log: inspecting in the master"
reg "$T/p4" localhost job4
assert_response 0 "REGISTER inspected in the master"
assert_eq 1 "$(metric inspector_inline_total)" "METRICS: one in the master"
wait_until 10 new_inspector || fail "no inspector after the back-off"
ipid=$(inspector_pid)
reg "$T/p5" localhost job5
assert_response 0 "REGISTER through the new inspector"
assert_eq 4 "$(metric inspector_inspected_total)" "METRICS: inspected again"

# A daemon stopped while a REGISTER waits: it fails, nothing is stored.
repo_save
kill -STOP "$ipid"
reg_bg "$T/p6" job6
wait_until 10 waiting_is 1 || fail "REGISTER 6 not waiting"
daemon_stop
wait "$BG"
OUT=$(cat "$T/bg.job6")
assert_response 1902 "REGISTER waiting at shutdown"
assert_match 'stopping' "$(kv Message)" "it says the daemon is stopping"
repo_unchanged "shutdown with a REGISTER waiting"
daemon_start
jobget job6
assert_response 1908 "the job of a REGISTER failed at shutdown is unknown"
jobget job3
assert_response 0 "job3 still registered after the restart"
daemon_stop

# --inspectors 2: two children share the work; 0: none, the master parses.
daemon_start --inspectors 2
wait_until 10 sh -c "[ \$(ps -o args= --ppid $DAEMON_PID | grep -c -- --inspect-child) = 2 ]" ||
    fail "--inspectors 2: not two children"
reg "$T/p6" localhost job6
assert_response 0 "REGISTER with two inspectors"
reg "$T/p7" localhost job7
assert_response 0 "another REGISTER with two inspectors"
assert_eq 2 "$(metric inspector_inspected_total)" "two inspectors: the REGISTERs parsed by children"
daemon_stop
new_proxy bob "$T/p8" 600
daemon_start --inspectors 0
assert_eq 0 "$(ps -o args= --ppid "$DAEMON_PID" | grep -c -- --inspect-child)" \
    "--inspectors 0: no child"
reg "$T/p8" localhost job8
assert_response 0 "REGISTER parsed by the master"
assert_eq 0 "$(metric inspector_inspected_total)" "--inspectors 0: none sent"
check_log_clean
