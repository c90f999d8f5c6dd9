#!/bin/bash
# label: myproxy
# 131-history: the renewal audit trail against a real myproxy-server.
# A success and, with the server stopped, transient failures are both in
# `proxy-renew history FILE` / `-j JOB history` (text within 80 columns,
# --json checked with jq) with their fields: time, servers tried with the
# outcome, duration, new end, result, class, message; --history 3 keeps
# the last 3, newest first; the library call (edg_wlpr_GetHistory) gives
# the same; STATUS Last_success is the success's time; `proxy-renew list`
# shows the last result and class; an unknown job or file answers 1908 and
# a usage error 2; another uid is refused; the rows go with the proxy.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
need_tool jq
need_tool setpriv
need_tool sqlite3
[ "$(id -u)" = 0 ] || die "this test needs root (setpriv to another uid)"

mp_setup_alice
new_proxy alice "$T/a.pem" 20
eng_start --backoff-min 1 --backoff-max 2 --lifetime 2 --history 3

reg "$T/a.pem" "$A1" job-a
assert_response 0 "register"
fa=$(kv Proxy_name)
wait_status "$fa" Last_success '[1-9][0-9]*' 30 || fail "not renewed"
assert_eq 0 "$(kv Last_result)" "renewed"
t_ok=$(kv Last_success)
assert_eq "$(kv Last_attempt)" "$t_ok" "Last_success is the renewal's time"
end_ok=$(eng_end "$fa")
cli --json status "$fa"
assert_eq "$t_ok" "$(jq '.last_success' <<< "$OUT")" "status --json: last_success, a number"
cli --json status
assert_eq "$t_ok" "$(jq '.proxies[0].last_success' <<< "$OUT")" \
    "status --json (all): last_success"
cli status "$fa"
assert_match "^Last_success: +[0-9-]+ [0-9:]+ UTC \($t_ok\)$" \
    "$(grep '^Last_success:' <<< "$OUT")" "status: Last_success as a time"

# ---- the success
cli --json history "$fa"
assert_rc 0 "history --json"
jq -e . > /dev/null <<< "$OUT" && ok "history --json is JSON" ||
    fail "history --json is not JSON: $OUT"
assert_eq "1 3 $fa" "$(jq -r '"\(.attempts | length) \(.history_kept) \(.proxy_name)"' <<< "$OUT")" \
    "one attempt, 3 kept, the file"
assert_eq "$t_ok 0  $end_ok 0" \
    "$(jq -r '.attempts[0] | "\(.time) \(.result) \(.class) \(.end_time) \(.ac_end_time)"' <<< "$OUT")" \
    "success: time, result, no class, new end (no ACs)"
assert_eq "$A1 renewed" "$(jq -r '.attempts[0].servers | join("|")' <<< "$OUT")" \
    "success: the server that renewed"
assert_match '^[1-9][0-9]*$' "$(jq -r '.attempts[0].duration_ms' <<< "$OUT")" \
    "success: a duration"

# ---- failures: the server stopped gives transient, retried every 1-2 s
mp_stop one
kill -USR1 "$DAEMON_PID"
wait_status "$fa" Failures '[1-9][0-9]*' 20 || fail "no failed attempt"
cli --json history "$fa"
assert_eq "transient true" \
    "$(jq -r '"\(.attempts[0].class) \(any(.attempts[1:][]; .result == 0 and .time == '"$t_ok"'))"' <<< "$OUT")" \
    "the failure (newest) and the success below it, both kept"
wait_status "$fa" Failures '[4-9]|[1-9][0-9]+' 40 ||
    fail "no 4 failed attempts (Failures=$(kv Failures))"
assert_eq transient "$(kv Failure_class)" "STATUS: transient"
assert_eq "$t_ok" "$(kv Last_success)" "Last_success stays the success's"

cli --json -j job-a history
assert_rc 0 "-j job-a history --json"
assert_eq 3 "$(jq '.attempts | length' <<< "$OUT")" "--history 3: the last 3 kept"
assert_eq true "$(jq '[.attempts[].time] | . == (sort | reverse)' <<< "$OUT")" \
    "newest first"
assert_eq "transient 0" \
    "$(jq -r '.attempts[0] | "\(.class) \(.end_time)"' <<< "$OUT")" \
    "failure: class, no new end"
assert_ne 0 "$(jq -r '.attempts[0].result' <<< "$OUT")" "failure: its code"
assert_match "^$A1 unreachable: .*Connection refused" \
    "$(jq -r '.attempts[0].servers[0]' <<< "$OUT")" "failure: the server, unreachable, its text"
assert_match "Connection refused" "$(jq -r '.attempts[0].message' <<< "$OUT")" \
    "failure: the message"
assert_eq 0 "$(jq '[.attempts[] | select(.result == 0)] | length' <<< "$OUT")" \
    "the success was pruned (3 failures since)"

cli history "$fa"
assert_rc 0 "history FILE"
assert_match "transient" "$OUT" "text: the class"
assert_match "$A1 unreachable" "$OUT" "text: the server"
long=$(awk 'length > 80' <<< "$OUT")
assert_eq "" "$long" "text within 80 columns"

# the library call, by file and by job
api history "$fa"
assert_eq "code=0" "$(sed -n 1p <<< "$OUT")" "edg_wlpr_GetHistory by file"
assert_eq 3 "$(grep -c '^Attempt_time=' <<< "$OUT")" "edg_wlpr_GetHistory: 3 attempts"
api history - job-a
assert_eq "code=0" "$(sed -n 1p <<< "$OUT")" "edg_wlpr_GetHistory by job"

# list: the last result and class
cli list
assert_rc 0 "list"
assert_match "^[0-9]+ +transient +$fa$" "$(sed -n 2p <<< "$OUT")" \
    "list: the last result and class"

# ---- unknown job or file, usage
cli -j no-such-job history
assert_rc 1 "unknown job: exit 1"
assert_match "not registered|1908" "$ERR" "unknown job: the reason"
cli --json history "$REPO/0000000000000000000000000000000000000000000000000000000000000000.0"
assert_rc 1 "unknown file: exit 1"
assert_eq 1908 "$(jq -r .response <<< "$OUT")" "unknown file: 1908 in --json"
req "Command=10\\n"
assert_response 1904 "HISTORY without Proxy_name or Jobid"
cli history
assert_rc 2 "history without FILE or -j: usage"

# ---- another uid: refused by SO_PEERCRED, as for STATUS
AS_OTHER=(setpriv --reuid=65533 --regid=65533 --clear-groups
    --inh-caps=+dac_override --ambient-caps=+dac_override)
run "${AS_OTHER[@]}" "$RAWSEND" "$SOCK" --body \
    "Version=$PR_PROTO_VERSION\\nCommand=10\\nProxy_name=$fa\\n"
assert_ne 1 "$RC" "uid 65533 connected: $ERR"
if grep -q '^Response=0$' <<< "$OUT" || grep -q '^Attempt_time=' <<< "$OUT"; then
	fail "uid 65533 was served its history: $(tr '\n' '|' <<< "$OUT")"
else
	ok "uid 65533 refused: $(tr '\n' ' ' <<< "$OUT")"
fi
run "${AS_OTHER[@]}" "$PRCLI" --socket "$SOCK" history "$fa"
assert_rc nz "proxy-renew history as uid 65533 fails"

# ---- the rows go with the proxy
unreg job-a
assert_response 0 "unregister the last job"
daemon_alive "after the history requests"
daemon_stop
assert_eq 0 "$(sqlite3 "$REPO/repository.db" 'SELECT count(*) FROM attempt')" \
    "no attempt rows left after the proxy went"
check_log_clean
