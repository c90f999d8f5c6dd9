#!/bin/bash
# label: myproxy
# cost: 55
# 136-renewals-first: the credential watch's MyProxy INFO never takes a
# worker ahead of a due renewal, and never keeps a renewal waiting, with a
# real daemon, worker and myproxy-server (the rule is credwatch_may_start(),
# unit-tested in test_credwatch_policy).
# (a) --workers 1: hank's renewal holds the only worker (his server never
#     answers); meanwhile alice, bob and carol register, each with a
#     renewal due at once and an INFO pending. When the worker is free,
#     the three renewals run first (meanwhile the metrics show them
#     waiting), and only then the INFOs (the log's order). hank's own INFO is not sent at all while his server cools
#     down after the hang (it would only hold the worker again): it is
#     recorded as a failed INFO, STATUS Credential_error says why.
# (b) --workers 2: an INFO of hank (not due, his server never answers)
#     holds one worker; alice's renewal, due at her REGISTER, runs in the
#     other and is done while that INFO still hangs; alice's own INFO
#     waits for hank's to end (one INFO at a time).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice
ca_issue "$T/ca" carol user /C=XX/O=Test/CN=carol || die "carol"
ca_issue "$T/ca" hank user /C=XX/O=Test/CN=hank || die "hank"
mp_store bob one
mp_store carol one
mp_hang_start
H=localhost:$HANG_PORT
INFO_STARTED="credential watch: INFO for /C=XX/O=Test/CN=[a-z]+ started"

# line first|last REGEX: the number of the first or last line of
# DAEMON_LOG after line $MARK matching REGEX (awk: parentheses as [(]);
# empty when none
line() {
	awk -v m="$MARK" -v re="$2" -v which="$1" 'NR > m && $0 ~ re {
	    n = NR; if (which == "first") { print n; exit } }
	    END { if (which == "last" && n) print n }' "$DAEMON_LOG"
}
# n_after REGEX: lines of DAEMON_LOG after line $MARK matching REGEX
n_after() {
	tail -n +$((MARK + 1)) "$DAEMON_LOG" | grep -Ec -- "$1"
}
n_after_ge_() {
	[ "$(n_after "$2")" -ge "$1" ]
}
# wait_count REGEX N SECS: until N lines after $MARK match REGEX
wait_count() {
	wait_until "$3" n_after_ge_ "$2" "$1"
}
# before A B DESC: line A comes before line B (both found)
before() {
	if [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; then
		ok "$3"
	else
		fail "$3 (lines '$1' and '$2')"
	fi
}

# ---- (a) one worker: due renewals before pending INFOs
for u in hank alice bob carol; do
	new_proxy "$u" "$T/$u.pem" 20
done
MARK=0
eng_start --workers 1 --worker-timeout 20 --key-pool-size 0 --lifetime 2 \
    --backoff-min 600 --backoff-max 1200	# hank: no retry while the test runs
reg "$T/hank.pem" "$H" job-h
assert_response 0 "register hank (his server never answers)"
fh=$(kv Proxy_name)
wait_count "renewal of ${fh##*/} \(.*\) started" 1 10 ||
    die "premise: hank's renewal did not take the worker"
declare -A file
for u in alice bob carol; do
	reg "$T/$u.pem" "$A1" "job-$u"
	assert_response 0 "register $u while the only worker hangs"
	file[$u]=$(kv Proxy_name)
done
assert_eq 0 "$(n_after "$INFO_STARTED")" \
    "no INFO started while hank's renewal holds the worker"
cli metrics
assert_match '^proxy_renewd_workers_busy 1$' "$OUT" "metrics: the one worker busy"
assert_match '^proxy_renewd_renewals_waiting 3$' "$OUT" \
    "metrics: three renewals due, waiting for the worker"
for u in alice bob carol; do
	wait_status "${file[$u]}" Last_success '[1-9][0-9]*' 60 ||
	    fail "$u not renewed ($(kv Last_error))"
done
wait_count "$INFO_STARTED" 3 60 || fail "not every INFO ran (3 expected)"
wait_status "$fh" Credential_error '.*not asked: every server .* cooling down.*' 30 ||
    fail "(a) hank: no Credential_error for the INFO not sent ($(kv Credential_error))"
assert_eq 0 "$(n_after 'INFO for /C=XX/O=Test/CN=hank started')" \
    "(a) no INFO to hank's server while it cools down"
hank_done=$(line first "renewal of ${fh##*/} .*FAILED")
last_renewal=$(line last "renewal of [0-9a-f.]+ [(]/C=XX/O=Test/CN=(alice|bob|carol)[)]: renewed in")
first_info=$(line first "$INFO_STARTED")
before "$hank_done" "$last_renewal" \
    "(a) the renewals waited for the busy worker only"
before "$last_renewal" "$first_info" \
    "(a) every due renewal ran before the first INFO"
for u in alice bob carol; do
	wait_status "${file[$u]}" Credential_end_time '[1-9][0-9]*' 30 ||
	    fail "(a) $u: no INFO answer after the renewals"
done
daemon_stop

# ---- (b) two workers: a hanging INFO keeps no renewal waiting
REPO=$T/repo2
mkdir -m 0700 "$REPO" || die "repo2"
new_proxy hank "$T/hank2.pem" 600
new_proxy alice "$T/alice2.pem" 20
MARK=$(wc -l < "$DAEMON_LOG")
eng_start --workers 2 --worker-timeout 20 --key-pool-size 0 --lifetime 2
reg "$T/hank2.pem" "$H" job-h2
assert_response 0 "register hank's long proxy (no renewal due)"
wait_count "credential watch: INFO for /C=XX/O=Test/CN=hank started" 1 15 ||
    die "premise: no INFO for hank"
reg "$T/alice2.pem" "$A1" job-a2
assert_response 0 "register alice (renewal due at once) during hank's INFO"
fa=$(kv Proxy_name)
wait_status "$fa" Last_success '[1-9][0-9]*' 30 ||
    fail "(b) alice not renewed ($(kv Last_error))"
wait_count "MyProxy INFO for /C=XX/O=Test/CN=hank .* failed" 1 30 ||
    fail "(b) hank's INFO did not end"
wait_count "credential watch: INFO for /C=XX/O=Test/CN=alice started" 1 30 ||
    fail "(b) no INFO for alice"
renewed=$(line first "renewal of ${fa##*/} .*: renewed in")
hank_info_end=$(line first "MyProxy INFO for /C=XX/O=Test/CN=hank .* failed")
alice_info=$(line first "credential watch: INFO for /C=XX/O=Test/CN=alice started")
before "$renewed" "$hank_info_end" \
    "(b) alice's renewal was done while hank's INFO still hung"
before "$hank_info_end" "$alice_info" \
    "(b) one INFO at a time: alice's after hank's"
daemon_stop
check_log_clean
