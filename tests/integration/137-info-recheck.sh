#!/bin/bash
# label: myproxy
# cost: 70
# 137-info-recheck: a renewal that comes back shorter than asked is
# followed by a MyProxy INFO within --credential-short-delay (default
# 5 min; 3 s here), against a real myproxy-server. carol's credential is
# stored for 1 h; her registered proxy (40 min, not due yet with
# --condor-limit 60) gets its INFO after REGISTER, then renew-all renews
# it asking 2 h and getting the credential's hour: Limited_by is
# stored-credential, and a second INFO comes 3 s after that renewal (not
# at once, not a day later), and no third one follows.
# The periodic INFO: with --credential-check-interval 60 (default a day)
# alice's credential (24 h, her proxy 10 h) is asked again 60 s after
# the INFO that followed her REGISTER.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

DELAY=3
C=/C=XX/O=Test/CN=carol
STARTED="credential watch: INFO for $C started"
mp_setup_alice
ca_issue "$T/ca" carol user "$C" || die "carol"
mp_store carol one 1
new_proxy carol "$T/c.pem" 40
new_proxy alice "$T/a.pem" 600
eng_start --lifetime 2 --condor-limit 60 --key-pool-size 0 \
    --credential-short-delay "$DELAY" --credential-check-interval 60

reg "$T/a.pem" "$A1" job-a
assert_response 0 "register alice"
fa=$(kv Proxy_name)
wait_status "$fa" Credential_checked '[1-9][0-9]*' 30 ||
    fail "alice: no INFO after REGISTER ($(kv Credential_error))"
a1=$(kv Credential_checked)

reg "$T/c.pem" "$A1" job-c
assert_response 0 "register carol"
fc=$(kv Proxy_name)
wait_status "$fc" Credential_checked '[1-9][0-9]*' 30 ||
    fail "no INFO after REGISTER ($(kv Credential_error))"
c1=$(kv Credential_checked)
assert_eq 0 "$(kv Last_attempt)" "not due yet: no renewal before renew-all"
assert_eq 1 "$(log_count "$STARTED")" "one INFO after REGISTER"

cli renew-all
assert_rc 0 "renew-all"
wait_status "$fc" Limited_by stored-credential 30 ||
    fail "the renewal is not limited by the stored credential ($(kv \
    Limited_by), $(kv Last_error))"
assert_eq 0 "$(kv Last_result)" "the short renewal itself worked"
renewed=$(kv Last_success)
assert_match '^the last renewal asked for 2 h and got' "$(kv Limited_reason)" \
    "Limited_reason: shorter than asked"

# checked_after_ FILE T: STATUS of FILE says an INFO answered after T
checked_after_() {
	status "$1"
	[ "$(kv Credential_checked)" -gt "$2" ]
}

# the INFO that follows: wait for it (at most 60 s), then judge its time
wait_until 60 checked_after_ "$fc" "$c1"
checked=$(kv Credential_checked)
if [ "$checked" -gt "$c1" ]; then
	ok "a second INFO after the short renewal"
else
	fail "no INFO within 60 s of the short renewal (--credential-short-delay $DELAY)"
fi
after=$((checked - renewed))
if [ "$after" -ge $((DELAY - 1)) ] && [ "$after" -le $((DELAY + 15)) ]; then
	ok "the INFO came $after s after the renewal (delay $DELAY s)"
else
	fail "the INFO came $after s after the renewal, not about $DELAY s"
fi
assert_eq 2 "$(log_count "$STARTED")" "two INFOs: REGISTER, short renewal"
first_renewed=$(grep -n "renewal of ${fc##*/} .*: renewed in" "$DAEMON_LOG" |
    head -n 1 | cut -d: -f1)
second_info=$(grep -n -- "$STARTED" "$DAEMON_LOG" | sed -n 2p | cut -d: -f1)
if [ -n "$first_renewed" ] && [ -n "$second_info" ] &&
    [ "$second_info" -gt "$first_renewed" ]; then
	ok "log: the second INFO started after the renewal"
else
	fail "log: renewal at line '$first_renewed', second INFO at '$second_info'"
fi
# its answer set the next check a day (or the proxy's end) away: no third
status "$fc"
assert_eq "$checked" "$(kv Credential_checked)" "no third INFO at once"
assert_eq 2 "$(log_count "$STARTED")" "still two INFOs"

# alice: the next INFO one interval (60 s) after the first
wait_until 90 checked_after_ "$fa" "$a1"
a2=$(kv Credential_checked)
if [ "$a2" -ge $((a1 + 59)) ] && [ "$a2" -le $((a1 + 75)) ]; then
	ok "alice: asked again $((a2 - a1)) s later (interval 60 s)"
else
	fail "alice: asked again $((a2 - a1)) s later, not after 60 s"
fi
assert_eq 2 "$(log_count "credential watch: INFO for /C=XX/O=Test/CN=alice started")" \
    "alice: two INFOs"
daemon_stop
check_log_clean
