#!/bin/bash
# label: myproxy
# 125-worker-confine: the renewal worker cannot touch what it was not
# handed. The probe worker (proxy-renewd-worker-probe, built with
# PR_WORKER_TEST_HOOKS, never installed) confines itself exactly as the real
# one, then does what PR_WORKER_TEST_PROBE says, as a hostile library
# would: opening another proxy of the repository or a file in /etc gets
# EACCES (Landlock), exec kills it (seccomp), and both masters (proxy-renew
# renew and the daemon) report it. A real renewal against a hanging server
# shows Seccomp: 2 and NoNewPrivs: 1 in /proc/<worker>/status, only fds
# 0-4 open, the limits set; and the worker dies with its master
# (kill -9).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
PROBE=$(pr_bin_ proxy-renewd-worker-probe bin/test)
need_bin "$PROBE" proxy-renewd-worker-probe
need_bin "$PRCLI" proxy-renew
mp_start one
mp_store alice one
A1=$(mp_addr one)
new_proxy alice "$T/cur.pem" 20
mkdir -m 0700 "$T/other"
new_proxy bob "$T/other/bob.pem" 20	# someone else's
SVC=(--cert "$MP_SVC_CERT" --key "$MP_SVC_KEY" --CAdir "$MP_CADIR")

# one-shot renewal through the probe worker; ERR holds the reason
probe_renew() {
	PROXY_RENEWD_WORKER=$PROBE PR_WORKER_TEST_PROBE=$1 run "$PRCLI" renew \
	    -s "$A1" -f "$T/cur.pem" -o "$T/out.pem" "${SVC[@]}"
}

# ---- the kernel: say what it has (the daemon logs it once at start)
eng_start --myproxy-server "$A1"
if wait_log "renewal workers are confined: Landlock ABI [0-9]+" 5; then
	ok "daemon: $(grep -Eo 'Landlock ABI [0-9]+' "$DAEMON_LOG" | head -1)"
else
	fail "this kernel has no Landlock (the file checks below cannot hold): \
$(grep -i landlock "$DAEMON_LOG" | head -1)"
fi
daemon_stop

# ---- the probe itself works: what it was handed it can read
probe_renew "open:$MP_CADIR"
assert_match "probe: open $MP_CADIR: succeeded" "$ERR" \
    "control: the CA directory is readable"
probe_renew "open:$T/cur.pem"
assert_match "probe: open $T/cur.pem: succeeded" "$ERR" \
    "control: its own current proxy (handed as fd 3) is readable"

# ---- Landlock: nothing else of the repository, nothing else of /etc
probe_renew "open:$T/other/bob.pem"
assert_rc nz "another proxy: renewal fails"
assert_match "probe: open $T/other/bob.pem: Permission denied" "$ERR" \
    "one-shot: another proxy file: EACCES"
probe_renew "open:/etc/hostname;open:/etc/grid-security"
assert_match "probe: open /etc/hostname: Permission denied" "$ERR" \
    "a file in /etc: EACCES"
assert_match "probe: open /etc/grid-security: Permission denied" "$ERR" \
    "/etc/grid-security (host key) : EACCES"
assert_eq "" "$(ls "$T"/out.pem* 2>/dev/null)" "no output left behind"

# ---- seccomp: exec kills the worker, the master says which call
probe_renew "exec:/bin/true"
assert_rc nz "exec: renewal fails"
assert_match "worker killed by seccomp: syscall 59" "$ERR" \
    "exec: reported as killed by seccomp (execve = 59)"

# ---- the daemon as master records the same as a failed attempt: bob's
# proxy is in the repository; alice's renewal (probe worker) tries to read it
new_proxy bob "$T/bob.pem" 600
probe_daemon() {	# PROBE-STEPS: a fresh daemon running the probe worker
	PR_WORKER_TEST_PROBE=$1 PROXY_RENEWD_WORKER=$PROBE daemon_start \
	    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" -C "$MP_CADIR" \
	    --myproxy-server "$A1"
}
probe_daemon ""
reg "$T/bob.pem" "$A1" jobb
assert_response 0 "daemon: register bob"
bobfile=$(kv Proxy_name)
daemon_stop
probe_daemon "open:$bobfile"
reg "$T/cur.pem" "$A1" job1
assert_response 0 "daemon: register alice"
file=$(kv Proxy_name)
wait_status "$file" Last_error ".*probe: open $bobfile: Permission denied.*" ||
    fail "daemon: Last_error is not the EACCES: $(kv Last_error)"
ok "daemon: failed attempt recorded: $(kv Last_error)"
daemon_stop
rm -rf "${REPO:?}"/* "$REPO"/.[!.]*
probe_daemon "exec:/bin/true"
reg "$T/cur.pem" "$A1" job1
wait_status "$file" Last_error "worker killed by seccomp: syscall 59" ||
    fail "daemon: seccomp kill not recorded: $(kv Last_error)"
ok "daemon: seccomp kill recorded as a failed attempt"
daemon_stop

# ---- a real renewal, caught alive on a server that never answers
mp_hang_start
# worker_of PID: the worker child of PID, once it has confined itself
worker_of() {
	local i w
	for i in $(seq 1 100); do
		w=$(pgrep -P "$1" -f proxy-renewd-worker | head -n 1)
		if [ -n "$w" ] && grep -q '^Seccomp:[[:space:]]*2' \
		    "/proc/$w/status" 2>/dev/null; then
			echo "$w"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# gone PID SECS: the process has exited (a zombie counts) within SECS
gone() {
	local i st
	for i in $(seq 1 $(($2 * 10))); do
		st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.1
	done
	return 1
}
"$PRCLI" renew -s "localhost:$HANG_PORT" -f "$T/cur.pem" -o "$T/out.pem" \
    --timeout 120 "${SVC[@]}" > /dev/null 2>&1 &
CLI=$!
if W=$(worker_of "$CLI"); then
	st=$(cat "/proc/$W/status")
	assert_match $'Seccomp:\t2' "$st" "worker: Seccomp: 2 (filter)"
	assert_match $'NoNewPrivs:\t1' "$st" "worker: NoNewPrivs: 1"
	ls -l "/proc/$W/fd" >&2
	assert_eq "$T/cur.pem" "$(readlink "/proc/$W/fd/3")" \
	    "worker: fd 3 is the current proxy"
	assert_match "^$T/out.pem.[A-Za-z0-9]{6}\$" \
	    "$(readlink "/proc/$W/fd/4")" "worker: fd 4 is the output file"
	assert_eq "" "$(for f in /proc/$W/fd/*; do readlink "$f"; done |
	    grep "^$T" | grep -v "^$T/cur.pem\$" | grep -v "^$T/out.pem")" \
	    "worker: no other file of ours open"
	assert_match "Max open files +64 +64" "$(cat "/proc/$W/limits")" \
	    "worker: RLIMIT_NOFILE 64"
	assert_match "Max cpu time +60 +60" "$(cat "/proc/$W/limits")" \
	    "worker: RLIMIT_CPU 60 s"
	assert_match "Max core file size +0 +0" "$(cat "/proc/$W/limits")" \
	    "worker: no core dumps"
	kill -KILL "$CLI"
	if gone "$W" 3; then
		ok "one-shot master killed: worker gone within 3 s"
	else
		fail "one-shot master killed: worker $W still running"
	fi
else
	fail "no confined worker under proxy-renew renew (pid $CLI)"
fi
wait "$CLI" 2>/dev/null

# ---- kill -9 of the daemon during a renewal (and what
# the daemon's worker holds)
rm -rf "${REPO:?}"/* "$REPO"/.[!.]*
eng_start --myproxy-server "localhost:$HANG_PORT" --worker-timeout 120
reg "$T/cur.pem" "localhost:$HANG_PORT" job2
assert_response 0 "hanging server: register"
file=$(kv Proxy_name)
if W=$(worker_of "$DAEMON_PID"); then
	# the daemon hands the worker its proxy and temp file as fds 3 and 4
	assert_eq "$file" "$(readlink "/proc/$W/fd/3")" \
	    "daemon's worker: fd 3 is the repository proxy"
	assert_match "^$REPO/\.tmp\." "$(readlink "/proc/$W/fd/4")" \
	    "daemon's worker: fd 4 is the repository temp file"
	assert_match $'NoNewPrivs:\t1' "$(cat "/proc/$W/status")" \
	    "daemon's worker: NoNewPrivs: 1 (and Seccomp: 2, waited for)"
	# the helpers too, the key generator even while stopped (as the
	# master stops it while workers run)
	helpers=$(pgrep -P "$DAEMON_PID" -f -- '--keygen-child|--inspect-child')
	assert_eq 2 "$(wc -w <<< "$helpers")" "daemon's helpers: generator, inspector"
	kill -STOP $helpers
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	if gone "$W" 3; then
		ok "daemon killed -9: its worker is gone within 3 s"
	else
		fail "daemon killed -9: worker $W still running"
	fi
	for h in $helpers; do
		if gone "$h" 3; then
			ok "daemon killed -9: helper $h (stopped) is gone within 3 s"
		else
			kill -KILL "$h"
			fail "daemon killed -9: helper $h still there"
		fi
	done
else
	fail "the daemon started no confined worker for the hanging server"
fi
