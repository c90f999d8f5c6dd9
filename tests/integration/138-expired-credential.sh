#!/bin/bash
# label: myproxy
# cost: 45
# 138-expired-credential: the credential stored in a real myproxy-server
# expires (its user certificate ends 40 s after the test starts; the
# registered proxy comes from a longer certificate of the same DN). The
# credential watch saw its end (Credential_end_time); the renewal after it
# fails with the server's "certificate has expired": needs-user-action in
# STATUS with the server's text, the next attempt only at the longest
# backoff (--backoff-max 600 s, though --backoff-min is 1 s: no retry
# storm), the failure logged once as a warning.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
mp_start one
end=$(( $(date +%s) + 40 ))
ca_issue_until "$T/ca" alice-short "$end" /C=XX/O=Test/CN=alice ||
    die "the short certificate"
mp_store alice-short one 1
new_proxy alice "$T/a.pem" 600
eng_start --lifetime 2 --key-pool-size 0 --backoff-min 1 --backoff-max 600

reg "$T/a.pem" "$(mp_addr one)" job-a
assert_response 0 "register alice (not due: 10 h left)"
fa=$(kv Proxy_name)
wait_status "$fa" Credential_end_time '[1-9][0-9]*' 30 ||
    fail "no INFO answer ($(kv Credential_error))"
assert_eq "$end" "$(kv Credential_end_time)" \
    "Credential_end_time: the stored credential's certificate ends then"

# after its end: renew now
past_end_() {
	[ "$(date +%s)" -gt "$end" ]
}
wait_until 60 past_end_ || die "the clock did not pass $end"
cli renew-all
assert_rc 0 "renew-all after the stored credential's end"
wait_status "$fa" Failures '[1-9][0-9]*' 30 ||
    fail "no failed attempt ($(kv Last_error))"
assert_eq needs-user-action "$(kv Failure_class)" "Failure_class"
assert_match "certificate has expired" "$(kv Last_error)" \
    "Last_error: the server's own text"
now=$(date +%s)
next=$(kv Renewal_time)
if [ "$next" -ge $((now + 500)) ]; then
	ok "next attempt at the longest backoff ($((next - now)) s)"
else
	fail "next attempt in $((next - now)) s, not at --backoff-max 600"
fi
assert_eq 1 "$(kv Failures)" "one failed attempt recorded"
assert_eq 1 "$(log_count "renewal of ${fa##*/} .*FAILED.*needs-user-action")" \
    "the failure logged once as a warning"
daemon_stop
check_log_clean
