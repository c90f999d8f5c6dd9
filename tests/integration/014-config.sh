#!/bin/bash
# label: core
# Settings: --check-config, bad values, the config file and its precedence
# (default < MYPROXY_SERVER < config file < command line), SIGHUP reload
# (a broken file keeps the old settings), --max-frame, and detaching
# without -d (--pid-file, SIGTERM removes the socket).
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/p1" 600
need_bin "$PRD" proxy-renewd

# server_of JOB: register JOB without a server, print the stored server.
server_of() {
	req "Command=1\\nProxy_name=$T/p1\\nJobid=$1\\n"
	assert_response 0 "register $1 without a server"
	status "$(kv Proxy_name)"
	kv Myproxy_server
}

assert_code 0 "configuration OK" -- "$PRD" -n -r "$REPO" -s "$SOCK"
assert_code nz "condor-limit" -- "$PRD" -n -r "$REPO" -s "$SOCK" -c abc
assert_code nz "condor-limit" -- "$PRD" -n -r "$REPO" -s "$SOCK" -c -5
assert_code nz -- "$PRD" -n -r "$REPO" -s "$SOCK" --no-such-option
assert_code nz "timeout" -- "$PRD" -n -r "$REPO" -s "$SOCK" --timeout 0

printf 'nonsense line\n' > "$T/broken.conf"
assert_code nz "broken.conf:1" -- "$PRD" -n -r "$REPO" -s "$SOCK" \
    --config "$T/broken.conf"
printf 'no-such-key = 1\n' > "$T/unknown.conf"
assert_code nz "unknown.conf:1" -- "$PRD" -n -r "$REPO" -s "$SOCK" \
    --config "$T/unknown.conf"
daemon_refuses "broken.conf:1" --config "$T/broken.conf"

# Precedence.
MYPROXY_SERVER=localhost:7004 daemon_start
assert_eq localhost:7004 "$(server_of job-env)" "MYPROXY_SERVER is the default"
daemon_stop
cat > "$T/prd.conf" <<EOF
# test configuration
myproxy-server = localhost:7001
max-frame = 4096
EOF
MYPROXY_SERVER=localhost:7004 daemon_start --config "$T/prd.conf"
assert_eq localhost:7001 "$(server_of job-conf)" "the config file beats the environment"

# --max-frame from the config file.
pad=$(head -c 3900 /dev/zero | tr '\0' x)
req "Command=4\\nX=$pad\\n"
assert_response 0 "a request under max-frame"
pad=$(head -c 4100 /dev/zero | tr '\0' x)
repo_save
bad "a request over max-frame (4096)" 1903 \
    --body "Version=$PR_PROTO_VERSION\\nCommand=4\\nX=$pad\\n"
bad "a length over max-frame (4097)" 1903 --len 4097 --header-only

# SIGHUP reload.
sed -i 's/7001/7002/' "$T/prd.conf"
kill -HUP "$DAEMON_PID"
wait_log "reload" 5 && ok "reload logged" || fail "no reload line in the log"
assert_eq localhost:7002 "$(server_of job-hup)" "SIGHUP: the new default is used"
printf 'max-frame = lots\n' >> "$T/prd.conf"
kill -HUP "$DAEMON_PID"
wait_log "prd.conf:[0-9]+" 5 && ok "a broken config file is reported with file:line" ||
    fail "no file:line for the broken config in the log"
assert_eq localhost:7002 "$(server_of job-hup2)" "broken reload keeps the old settings"
daemon_alive "after a broken reload"
daemon_stop

sed -i '$d' "$T/prd.conf"
daemon_start --config "$T/prd.conf" --myproxy-server localhost:7003
assert_eq localhost:7003 "$(server_of job-cmdline)" "the command line beats the config file"
daemon_stop

# Without -d: detach, pid file, SIGTERM.
run timeout 10 "$PRD" -r "$REPO" -s "$SOCK" "${PR_ROOT_ARGS[@]}" \
    --pid-file "$T/prd.pid"
assert_rc 0 "proxy-renewd without -d returns once detached"
wait_until 5 [ -S "$SOCK" ]
list
assert_response 0 "the detached daemon answers"
pid=$(cat "$T/prd.pid" 2>/dev/null)
assert_match '^[0-9]+$' "$pid" "pid file written"
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	DAEMON_PID=$pid		# killed at exit should the test fail here
	kill -TERM "$pid"
	wait_until 5 proc_gone "$pid"
	kill -0 "$pid" 2>/dev/null && fail "detached daemon ignores SIGTERM"
	assert_file_gone "$SOCK" "detached daemon removed its socket"
	kill -0 "$pid" 2>/dev/null || DAEMON_PID=
else
	fail "no detached daemon running (pid '$pid')"
fi
check_log_clean
