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

# GET from memory: loaded at start, holding the three jobs (metrics)
wait_log 'GET memory: 3 jobs and 2 proxies in [0-9.]+ MiB, loaded in' ||
    fail "GET memory loaded at start: $(grep 'GET memory' "$DAEMON_LOG")"
get_memory() {
	cli metrics
	awk -v k="proxy_renewd_get_memory_$1" '$1 == k { print $2 }' <<< "$OUT"
}
assert_eq "1 3 2" "$(get_memory loaded) $(get_memory jobs) $(get_memory proxies)" \
    "metrics: GET memory loaded, 3 jobs, 2 proxies"
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
wait_log 'GET memory: 3 jobs and 1 proxies' ||
    fail "GET memory after the unregister: $(grep 'GET memory' "$DAEMON_LOG" | tail -1)"
jobget jobK
assert_response 0 "GET jobK from memory"
unreg jobK
assert_response 0 "unregister jobK"
jobget jobK
assert_response 1908 "jobK gone from memory too"
assert_eq 2 "$(get_memory jobs)" "metrics: 2 jobs in memory"
status "$fa"
assert_eq 2 "$(kv Jobs)" "jobA, jobA2 remain"

daemon_stop
check_log_clean
