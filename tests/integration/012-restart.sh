#!/bin/bash
# label: core
# Durability: what was answered 0 survives SIGTERM and a restart, and also
# SIGKILL (the stale socket left behind is replaced at the next start).
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600 legacy
daemon_start

reg "$T/a" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)
reg "$T/a" localhost jobA2
assert_response 0 "register jobA2"
reg "$T/b" localhost:7600 "https://wms.example.org:9000/jobB"
assert_response 0 "register jobB"
fb=$(kv Proxy_name)
status "$fa"
st_a=$(grep -Ev '^(Version|Renewal_time)=' <<< "$OUT")
list
list_before=$(kv_all Proxy_name | sort)
sum_a=$(sha256sum < "$fa")

daemon_stop
assert_file "$fa" "file kept across stop"
daemon_start

jobget jobA
assert_response 0 "GET jobA after restart"
assert_eq "$fa" "$(kv Proxy_name)" "jobA's file after restart"
jobget https://wms.example.org:9000/jobB
assert_eq "$fb" "$(kv Proxy_name)" "jobB's file after restart"
status "$fa"
assert_eq "$st_a" "$(grep -Ev '^(Version|Renewal_time)=' <<< "$OUT")" \
    "STATUS unchanged by the restart"
list
assert_eq "$list_before" "$(kv_all Proxy_name | sort)" "LIST unchanged by the restart"
assert_eq "$sum_a" "$(sha256sum < "$fa")" "file content unchanged"

# SIGKILL: no cleanup at all; the answered REGISTER must still be there.
reg "$T/a" localhost jobK
assert_response 0 "register jobK"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
[ -S "$SOCK" ] && ok "SIGKILL leaves a stale socket" ||
    fail "no socket left after SIGKILL (test premise)"
daemon_start
ok "daemon starts over a stale socket"
jobget jobK
assert_response 0 "GET jobK after SIGKILL and restart"
assert_eq "$fa" "$(kv Proxy_name)" "jobK on the shared file"

unreg https://wms.example.org:9000/jobB
assert_response 0 "unregister jobB after restart"
assert_file_gone "$fb" "jobB's file deleted"
daemon_stop
daemon_start
jobget https://wms.example.org:9000/jobB
assert_response 1908 "unregister is durable too"
status "$fa"
assert_eq 3 "$(kv Jobs)" "jobA, jobA2, jobK remain"

daemon_stop
check_log_clean
