#!/bin/bash
# label: core
# One daemon per repository. A second daemon on the same
# repository (with its own socket, or the same one) refuses to start, names
# the first daemon's pid, and touches nothing: the first daemon's in-flight
# temp file (a renewal being written) and its proxy files stay.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/a" 600
daemon_start
reg "$T/a" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)

# What a renewal in flight looks like: a worker's temp file.
printf 'in flight\n' > "$REPO/.tmp.0123456789ab"
chmod 0600 "$REPO/.tmp.0123456789ab"
repo_save

daemon_refuses "pid $DAEMON_PID" -s "$T/sock2"
assert_file_gone "$T/sock2" "the second daemon bound no socket"
daemon_refuses "pid $DAEMON_PID"
assert_file "$REPO/.tmp.0123456789ab" "the in-flight temp file was kept"
repo_unchanged "second daemons"
jobget jobA
assert_response 0 "the first daemon still serves"
assert_eq "$fa" "$(kv Proxy_name)" "jobA's file unchanged"

# After the first daemon stops, the repository is free again.
daemon_stop
SOCK=$T/sock2
daemon_start
jobget jobA
assert_response 0 "a new daemon takes over the repository"
daemon_stop
check_log_clean
