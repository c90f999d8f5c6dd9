#!/bin/bash
# label: voms
# 211-voms-engine-ac-expiry: an AC shorter than its proxy drives the
# schedule. A 3 h proxy with a 20 min AC is due at once (by its X.509 part
# it would wait over 2 h): End_time is the AC's expiry. Without -A the
# daemon warns at registration, and its attempts fail with 1910 (never a
# proxy stripped of its ACs); restarted with -A the retry renews it with
# fresh ACs. A proxy whose AC lives as long as it does is not due.
# STATUS says what ends the short one: Limited_by=voms-ac.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub
voms_proxy_init "$T/ca/alice" "$T/short.pem" 3:00 0:20 /testvo/sub ||
    die "voms-proxy-init short AC"
voms_proxy_init "$T/ca/alice" "$T/long.pem" 3:00 3:00 /testvo/sub ||
    die "voms-proxy-init long AC"
x509_end=$(eng_end "$T/short.pem")
ac_left=$(vinfo -actimeleft -file "$T/short.pem")
fqans=$(vinfo -fqan -file "$T/short.pem")
sum=$(sha256sum < "$T/short.pem")

# ---- without -A: a warning, then failed attempts (1910), proxy kept
eng_start --lifetime 4 --backoff-min 1 --backoff-max 2
reg "$T/short.pem" "$A1" job1
assert_response 0 "register: 3 h proxy, 20 min AC"
file=$(kv Proxy_name)
now=$(date +%s)
end=$(kv End_time)
if [ "$end" -le "$((now + ac_left))" ] && [ "$end" -ge "$((now + ac_left - 5))" ]; then
	ok "End_time is the AC's expiry ($((end - now)) s left, X.509 $((x509_end - now)) s)"
else
	fail "End_time $end: AC ends ~$((now + ac_left)), X.509 $x509_end"
fi
assert_match "^[0-9]+$" "$(kv Renewal_time)" "Renewal_time given"
reg_renewal=$(kv Renewal_time)
status "$file"
assert_eq voms-ac "$(kv Limited_by)" "STATUS Limited_by: the AC ends the proxy"
[ "$reg_renewal" -le "$((now + 1))" ] && ok "due at once by the AC" ||
    fail "Renewal_time $reg_renewal, now $now"
assert_match "VOMS attributes end at $end, before its X.509 part \($x509_end\); without -A" \
    "$(cat "$DAEMON_LOG")" "warning at registration without -A"
wait_status "$file" Failures '[2-9]|[1-9][0-9]+' 20 ||
    fail "without -A: no repeated attempts (Failures=$(kv Failures))"
assert_eq 1910 "$(kv Last_result)" "without -A: Last_result=1910"
assert_match "VOMS renewal is not available" "$(kv Last_error)" \
    "without -A: Last_error says why"
assert_eq "$sum" "$(sha256sum < "$file")" "without -A: proxy kept as it was"
daemon_stop

# ---- with -A: the pending retry renews it, with fresh ACs
: > "$T/mark"
eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 4 \
    --backoff-min 1 --backoff-max 2
wait_status "$file" Last_result 0 30 || fail "-A: not renewed (Last_error=$(kv Last_error))"
assert_eq 0 "$(kv Failures)" "-A: Failures reset"
assert_eq "$fqans" "$(vinfo -fqan -file "$file")" "-A: FQANs kept"
new_ac=$(vinfo -actimeleft -file "$file")
if [ "${new_ac:-0}" -gt 10000 ]; then
	ok "-A: fresh AC (${new_ac} s left)"
else
	fail "-A: AC has ${new_ac:-no} s left"
fi
new_x509=$(eng_end "$file")
[ "$new_x509" -gt "$x509_end" ] && ok "-A: X.509 part renewed too" ||
    fail "-A: X.509 end $new_x509, was $x509_end"
assert_eq 0 "$(grep -c 'VOMS attributes end at' <(sed -n '/-A -V/,$p' "$DAEMON_LOG"))" \
    "-A: no warning"

# ---- an AC as long as the proxy: not due (Unique: not joined with job1)
reg "$T/long.pem" "$A1" job2 "Unique=1\\n"
assert_response 0 "register: 3 h proxy, 3 h AC"
f2=$(kv Proxy_name)
assert_ne "$file" "$f2" "unique: its own file"
now=$(date +%s)
if [ "$(kv Renewal_time)" -gt "$((now + 3600))" ]; then
	ok "3 h AC: next renewal in $(( $(kv Renewal_time) - now )) s"
else
	fail "3 h AC: Renewal_time $(kv Renewal_time), now $now"
fi
sleep 1
status "$f2"
assert_eq 0 "$(kv Last_attempt)" "3 h AC: no attempt"
daemon_alive "end"
daemon_stop
check_log_clean
