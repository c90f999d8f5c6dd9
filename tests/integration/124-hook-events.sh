#!/bin/bash
# label: myproxy
# cost: 33
# 124-hook-events: --hook against real myproxy-servers: every event fires
# once per occurrence with the documented PROXY_RENEWD_* variables:
# renewed (alice renewed), needs-user-action (bob's credential gone: once,
# not on every retry; retried at the longest backoff and logged as a
# warning once), renewal-failed (at --hook-failures 3 failures in a row,
# once), proxy-expired (carol's short proxy whose server is down).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice
mp_start gone
mp_start down
mp_stop down
ca_issue "$T/ca" carol user || die "carol"
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 600
cat > "$T/hook.sh" <<'HOOK'
#!/bin/sh
# one line per event; stdin must be at EOF
read -r x && echo "stdin had data" >> "$HOOK_OUT.err"
printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$PROXY_RENEWD_EVENT" \
    "$PROXY_RENEWD_FILE" "$PROXY_RENEWD_IDENTITY" "$PROXY_RENEWD_JOBS" \
    "$PROXY_RENEWD_END_TIME" "$PROXY_RENEWD_FAILURES" \
    "$PROXY_RENEWD_FAILURE_CLASS" "$PROXY_RENEWD_MESSAGE" >> "$HOOK_OUT"
HOOK
chmod 0755 "$T/hook.sh"
export HOOK_OUT=$T/events
: > "$HOOK_OUT"
eng_start --backoff-min 1 --backoff-max 3 --lifetime 2 \
    --hook "$T/hook.sh" --hook-failures 3

# events EVENT FILE: how many lines the hook wrote for them
events() {
	grep -c "^$1|$2|" "$HOOK_OUT" || true
}
events_ge() {	# EVENT FILE N: at least N such events
	[ "$(events "$1" "$2")" -ge "$3" ]
}
wait_events() {	# EVENT FILE N
	wait_until 20 events_ge "$@"
}

reg "$T/a.pem" "$(mp_addr one)" job-a
fa=$(kv Proxy_name)
wait_events renewed "$fa" 1 || fail "renewed: no event"
IFS='|' read -r ev file ident jobs end fails cls msg < <(grep "^renewed|$fa|" "$HOOK_OUT")
assert_eq "/C=XX/O=Test/CN=alice" "$ident" "renewed: PROXY_RENEWD_IDENTITY"
assert_eq 1 "$jobs" "renewed: PROXY_RENEWD_JOBS"
assert_eq "$(eng_end "$fa")" "$end" "renewed: PROXY_RENEWD_END_TIME is the new end"
assert_eq "0||" "$fails|$cls|$msg" "renewed: no failure facts"

reg "$T/b.pem" "$(mp_addr gone)" job-b
fb=$(kv Proxy_name)
kill -USR1 "$DAEMON_PID"
wait_events needs-user-action "$fb" 1 || fail "needs-user-action: no event"
wait_status "$fb" Failures '[3-9]|[1-9][0-9]+' 30 || fail "bob: not retried"
wait_events renewal-failed "$fb" 1 || fail "renewal-failed: no event"
assert_eq 1 "$(events needs-user-action "$fb")" "needs-user-action: once"
assert_eq 1 "$(events renewal-failed "$fb")" "renewal-failed: once"
IFS='|' read -r ev file ident jobs end fails cls msg < <(grep "^renewal-failed|$fb|" "$HOOK_OUT")
assert_eq "3|needs-user-action" "$fails|$cls" "renewal-failed: failures and class"
assert_match "No credentials exist for username" "$msg" \
    "renewal-failed: PROXY_RENEWD_MESSAGE is the server's text"
status "$fb"
assert_eq 3 "$(( $(kv Renewal_time) - $(kv Last_attempt) ))" \
    "needs-user-action: retried at the longest backoff (3 s)"
assert_eq 1 "$(grep "FAILED" "$DAEMON_LOG" | grep -c "${fb##*/}")" \
    "needs-user-action: one warning, not one per attempt"
assert_match "needs-user-action: no credential is stored" \
    "$(grep "FAILED" "$DAEMON_LOG" | grep "${fb##*/}")" "the warning says why"
assert_match "failed again \(failure [0-9]+, code 1907, needs-user-action" \
    "$(grep "${fb##*/}" "$DAEMON_LOG" | grep "failed again" | tail -n 1)" \
    "repeats at info"

end_c=$(( $(date +%s) + 12 ))
make_proxy_until "$T/ca/carol" "$T/c.pem" "$end_c" || die "carol's proxy"
reg "$T/c.pem" "$(mp_addr down)" job-c
fc=$(kv Proxy_name)
wait_events proxy-expired "$fc" 1 || fail "proxy-expired: no event"
IFS='|' read -r ev file ident jobs end fails cls msg < <(grep "^proxy-expired|$fc|" "$HOOK_OUT")
assert_eq "/C=XX/O=Test/CN=carol|$end_c" "$ident|$end" "proxy-expired: facts"
assert_eq 0 "$(events proxy-expired "$fa")" "alice did not expire"
assert_eq "" "$(cat "$HOOK_OUT.err" 2>/dev/null)" "stdin at EOF in every hook"
daemon_stop
check_log_clean

# ---- the shipped example hooks, with this run's needs-user-action facts
IFS='|' read -r ev file ident jobs end fails cls msg < <(grep "^needs-user-action|$fb|" "$HOOK_OUT")
hook_env=(PROXY_RENEWD_EVENT="$ev" PROXY_RENEWD_FILE="$file"
    PROXY_RENEWD_IDENTITY="$ident" PROXY_RENEWD_JOBS="$jobs"
    PROXY_RENEWD_END_TIME="$end" PROXY_RENEWD_CREDENTIAL_END_TIME=0
    PROXY_RENEWD_FAILURES="$fails" PROXY_RENEWD_FAILURE_CLASS="$cls"
    PROXY_RENEWD_MESSAGE="$msg")
run env "${hook_env[@]}" PROXY_RENEWD_MAILTO=grid-admin@example.org \
    PROXY_RENEWD_MAILER="tee $T/mail" \
    sh "$PR_SOURCE_DIR/contrib/hooks/mail-admin.sh"
assert_eq 0 "$RC" "mail-admin.sh runs"
assert_match '^To: grid-admin@example.org$' "$(cat "$T/mail")" "mail: recipient"
assert_match "^Subject: proxy-renewd on .*: needs-user-action for /C=XX/O=Test/CN=bob\$" \
    "$(cat "$T/mail")" "mail: subject"
assert_match "No credentials exist for username" "$(cat "$T/mail")" \
    "mail: the server's text"
# condor-refresh.sh: condor_q / condor_qedit stand-ins record their calls
printf '#!/bin/sh\necho "$@" >> %s/q.calls\necho 12 0\n' "$T" > "$T/condor_q"
printf '#!/bin/sh\necho "$@" >> %s/qedit.calls\n' "$T" > "$T/condor_qedit"
chmod 0755 "$T/condor_q" "$T/condor_qedit"
run env PROXY_RENEWD_EVENT=renewed PROXY_RENEWD_FILE="$fa" \
    PROXY_RENEWD_CONDOR_Q="$T/condor_q" PROXY_RENEWD_CONDOR_QEDIT="$T/condor_qedit" \
    sh "$PR_SOURCE_DIR/contrib/hooks/condor-refresh.sh"
assert_eq 0 "$RC" "condor-refresh.sh runs"
assert_match "X509UserProxy == \"$fa\"" "$(cat "$T/q.calls")" \
    "condor: the jobs of this proxy"
assert_eq "12.0 X509UserProxy \"$fa\"" "$(cat "$T/qedit.calls")" \
    "condor: the job's proxy refreshed"
