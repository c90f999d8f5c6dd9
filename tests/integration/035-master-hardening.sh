#!/bin/bash
# label: core
# The master's own hardening (it reads private keys):
# no core dumps (RLIMIT_CORE 0) and not dumpable/ptrace-able (a
# non-dumpable process's /proc/PID belongs to root even when it runs as
# nobody); descriptors inherited from whoever started it are closed; a FIFO
# at the --config path is refused at once instead of blocking open(); a
# client's control characters never reach the log raw (whole lines are
# escaped); a request of many tiny lines is refused with 1903.
source "$(dirname "$0")/lib/common.sh"
daemon_as_nobody

# ---- a FIFO as the config file
mkfifo -m 0644 "$NB/conf.fifo"
chown 65534:65534 "$NB/conf.fifo"
daemon_refuses "conf.fifo.*(regular|FIFO)" --config "$NB/conf.fifo"

# ---- core limit, dumpable, inherited fds
ulimit -c unlimited 2>/dev/null || ulimit -c 4096 ||
    die "premise: cannot raise the core limit for the daemon to lower"
: > "$T/inherited"
exec 7>> "$T/inherited"
daemon_start
exec 7>&-
assert_eq 65534 "$(stat -c %u "$SOCK")" "premise: the daemon runs as nobody"
core=$(awk '/^Max core file size/ { print $5 " " $6 }' \
    "/proc/$DAEMON_PID/limits")
assert_eq "0 0" "$core" "RLIMIT_CORE is 0 (soft and hard)"
assert_eq 0 "$(stat -c %u "/proc/$DAEMON_PID/status")" \
    "not dumpable: /proc/PID owned by root although the daemon runs as nobody"
leaked=$(ls -l "/proc/$DAEMON_PID/fd" 2>/dev/null | grep -c "$T/inherited")
assert_eq 0 "$leaked" "the inherited fd 7 was closed"

# ---- control characters of a client's Proxy_name in error messages
req "Command=1\\nMyproxy_server=localhost\\nProxy_name=$NB/no\\x1b[31mRED\\x0dFAKE: line\\x07\\nJobid=j1\\n"
assert_response 2 "REGISTER of a missing file with control characters"
wait_log "RED" 5 || fail "the error did not reach the log"
assert_eq 0 "$(grep -c $'\x1b' "$DAEMON_LOG")" "no raw ESC in the log"
assert_eq 0 "$(grep -c $'\r' "$DAEMON_LOG")" "no raw CR in the log"
assert_eq 0 "$(grep -c $'\a' "$DAEMON_LOG")" "no raw BEL in the log"
assert_match 'no\\x1b\[31mRED\\x0dFAKE' "$(cat "$DAEMON_LOG")" \
    "the control characters are logged escaped"

# ---- a request of many tiny lines
{ printf 'Version=%s\nCommand=4\n' "$PR_PROTO_VERSION"
  head -c 300000 /dev/zero | tr '\0' 'a' | sed 's/a/a=\n/g'; } > "$T/lines"
raw --body-file "$T/lines"
assert_response 1903 "a request of 300,000 lines is refused"
assert_match "lines" "$(kv Message)" "and the Message says why"
list
assert_response 0 "the daemon still serves"

daemon_stop
check_log_clean
