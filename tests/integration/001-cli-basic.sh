#!/bin/bash
# label: core
# The proxy-renew command against the real daemon: start (register), get,
# list, status, stop (unregister), in plain and --json output.
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew

need_tool jq
setup_ca
new_proxy alice "$T/p1" 600
daemon_start

cli -s localhost -f "$T/p1" -j https://wms.example.org:9000/job1 start
assert_rc 0 "start job1"
file1=$OUT
assert_match "^$REPO/[0-9a-f]{64}\.[0-9]+$" "$file1" "start prints the repository file"
assert_file "$file1" "repository file exists"
assert_eq 600 "$(stat -c %a "$file1" 2>/dev/null)" "repository file mode 0600"
assert_eq "$(proxy_end_time "$T/p1")" "$(proxy_end_time "$file1")" \
    "stored proxy is the registered one"

cli -j https://wms.example.org:9000/job1 get
assert_rc 0 "get job1"
assert_eq "$file1" "$OUT" "get prints the same repository file"

cli list
assert_rc 0 "list"
assert_eq "LAST   CLASS             FILE" "$(sed -n 1p <<< "$OUT")" "list: header"
assert_eq "-      -                 $file1" "$(sed -n 2p <<< "$OUT")" \
    "list shows the one stored proxy, not attempted yet, no class"
assert_eq 2 "$(wc -l <<< "$OUT")" "list: one line per proxy"

cli status "$file1"
assert_rc 0 "status"
assert_match "/C=XX/O=Test/CN=alice" "$OUT" "status shows the identity"
assert_match "localhost" "$OUT" "status shows the server"

cli --json -j https://wms.example.org:9000/job1 get
assert_rc 0 "get --json"
jq -e . >/dev/null 2>&1 <<< "$OUT" && ok "get --json is JSON" ||
    fail "get --json is not JSON: $OUT"
assert_match "$file1" "$OUT" "get --json names the file"

cli --json list
assert_rc 0 "list --json"
jq -e . >/dev/null 2>&1 <<< "$OUT" && ok "list --json is JSON" ||
    fail "list --json is not JSON: $OUT"
assert_match "$file1" "$OUT" "list --json names the file"
assert_eq "$file1 0 0 " "$(jq -r '.records[0] | "\(.proxy_name) \(.last_attempt) \(.last_result) \(.failure_class)"' <<< "$OUT")" \
    "list --json: the record's last attempt, result and class"

cli --json status "$file1"
assert_rc 0 "status --json"
jq -e . >/dev/null 2>&1 <<< "$OUT" && ok "status --json is JSON" ||
    fail "status --json is not JSON: $OUT"
assert_match "CN=alice" "$OUT" "status --json shows the identity"

# gLite option order, with -p port: the server is sent as host:port.
cli -s localhost -p 7513 -f "$T/p1" -j job2 start
assert_rc 0 "start job2 with -p"
file2=$OUT
assert_ne "$file1" "$file2" "another server list is another stored proxy"
req "Command=5\nProxy_name=$file2\n"
assert_eq localhost:7513 "$(kv Myproxy_server)" "the port is honoured"

# -u: the unique flag.
cli -s localhost -f "$T/p1" -j job-u -u start
assert_rc 0 "start -u"
assert_ne "$file1" "$OUT" "start -u gets its own file"
fu=$OUT
cli -j job-u stop
assert_rc 0 "stop job-u"
assert_file_gone "$fu" "unique file deleted"

cli -j job2 stop
assert_rc 0 "stop job2"
assert_file_gone "$file2" "stop of the last job deletes the file"
cli -j job2 get
assert_rc nz "get after stop fails"
assert_match "not registered|1908" "$ERR" "get after stop: error text on stderr"

cli -j https://wms.example.org:9000/job1 -f "$file1" stop
assert_rc 0 "stop job1 with its file"
assert_file_gone "$file1" "file1 deleted"
cli list
assert_rc 0 "list of an empty repository"
assert_eq "" "$OUT" "nothing stored"

cli -j nosuchjob get
assert_rc nz "get of an unknown job"
cli -s localhost -f "$T/missing" -j job3 start
assert_rc nz "start with a missing file"
assert_match "No such file|2" "$ERR" "missing file: reason on stderr"

# Command=7 (ours): renew everything now.
req "Command=7\\n"
assert_response 0 "RENEW_ALL answered 0"
cli renew-all
assert_rc 0 "proxy-renew renew-all"

# No daemon: a clear error, non-zero.
run "$PRCLI" --socket "$T/nosock" list
assert_rc nz "list without a daemon"
assert_match "." "$ERR" "an error message without a daemon"

daemon_stop
check_log_clean
