#!/bin/bash
# label: myproxy
# 121-metrics: the Prometheus text of a live daemon with one renewed proxy
# and one whose credential is gone: `proxy-renew metrics` (the METRICS
# request) and --metrics-file both pass `promtool check metrics`, carry the
# proxies by state, the failing one by class, the per-proxy series, the
# request counters and latency histogram; the file is 0644, rewritten every
# --metrics-interval (its heartbeat moves) and never left partial;
# --metrics-totals-only drops the per-proxy series.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
need_tool promtool

mp_setup_alice
mp_start gone
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 20
MF=$T/textfile/proxy-renewd.prom
mkdir -p "$T/textfile"
eng_start --backoff-min 1 --backoff-max 2 --lifetime 2 \
    --metrics-file "$MF" --metrics-interval 1

reg "$T/a.pem" "$(mp_addr one)" job-a
assert_response 0 "register the renewable proxy"
fa=$(kv Proxy_name)
reg "$T/b.pem" "$(mp_addr gone)" job-b
assert_response 0 "register the one without a credential"
fb=$(kv Proxy_name)
wait_status "$fa" Last_result 0 20 && wait_status "$fa" Last_attempt \
    '[1-9][0-9]*' 20 || fail "renewable proxy: not renewed"
wait_status "$fb" Failure_class needs-user-action 20 ||
    fail "no credential: not classified ($(kv Failure_class))"

# promtool_ok DESC: promtool check metrics accepts $T/m.txt
promtool_ok() {
	local out
	if out=$(promtool check metrics < "$T/m.txt" 2>&1); then
		ok "$1: promtool check metrics passes"
	else
		fail "$1: promtool: $(printf '%s' "$out" | head -n 5 | tr '\n' '|')"
	fi
}
# metric NAME_AND_LABELS: its value in $T/m.txt
metric() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$T/m.txt"
}

cli metrics
assert_rc 0 "proxy-renew metrics"
printf '%s\n' "$OUT" > "$T/m.txt"
promtool_ok "METRICS request"
assert_eq 1 "$(metric 'proxy_renewd_build_info{version="'"$(
    "$PRD" --version | awk '{print $2}')"'"}')" "build_info"
assert_eq 1 "$(metric 'proxy_renewd_proxies{state="ok"}')" "one proxy ok"
assert_eq 1 "$(metric 'proxy_renewd_proxies{state="failing"}')" \
    "one proxy failing"
assert_eq 1 "$(metric 'proxy_renewd_failing_proxies{class="needs-user-action"}')" \
    "the failing one needs the user"
assert_eq 0 "$(metric 'proxy_renewd_failing_proxies{class="transient"}')" \
    "none transient"
assert_eq "1 1" "$(metric 'proxy_renewd_jobs{state="ok"}') $(metric \
    'proxy_renewd_jobs{state="failing"}')" "jobs by state"
assert_eq "$(eng_end "$fa")" \
    "$(metric "proxy_renewd_proxy_not_after_timestamp_seconds{file=\"${fa##*/}\"}")" \
    "per-proxy not_after is the file's"
assert_match '^[1-9][0-9]*$' \
    "$(metric "proxy_renewd_proxy_consecutive_failures{file=\"${fb##*/}\"}")" \
    "per-proxy consecutive failures"
status "$fa"
assert_match '^[1-9][0-9]*$' "$(kv Last_success)" "STATUS Last_success after a renewal"
assert_eq "$(kv Last_success)" \
    "$(metric "proxy_renewd_proxy_last_success_timestamp_seconds{file=\"${fa##*/}\"}")" \
    "per-proxy last_success is the renewal's time"
status "$fb"
assert_eq 0 "$(kv Last_success)" "never renewed: STATUS Last_success 0"
assert_eq 0 \
    "$(metric "proxy_renewd_proxy_last_success_timestamp_seconds{file=\"${fb##*/}\"}")" \
    "never renewed: last_success 0, not its registration time"
assert_eq 2 "$(metric 'proxy_renewd_requests_total{command="REGISTER",code="0"}')" \
    "REGISTERs counted"
assert_match '^[1-9][0-9]*$' \
    "$(metric 'proxy_renewd_request_duration_seconds_count{command="STATUS"}')" \
    "STATUS latency histogram"
assert_match '^[1-9][0-9]*$' \
    "$(metric 'proxy_renewd_renewal_attempts_total{result="success",class=""}')" \
    "renewal attempts: successes"
assert_match '^[1-9][0-9]*$' \
    "$(metric 'proxy_renewd_renewal_attempts_total{result="failure",class="needs-user-action"}')" \
    "renewal attempts: failures by class"
assert_match '^[1-9][0-9]*$' "$(metric proxy_renewd_renewal_duration_seconds_count)" \
    "renewal duration histogram"
assert_match '^[1-9][0-9]*$' \
    "$(metric "proxy_renewd_server_attempts_total{kind=\"myproxy\",server=\"$(mp_addr one)\"}")" \
    "per server: attempts"
assert_eq 0 "$(metric "proxy_renewd_server_failures_total{kind=\"myproxy\",server=\"$(mp_addr one)\"}")" \
    "per server: the good one never failed"
assert_match '^[1-9][0-9]*$' \
    "$(metric "proxy_renewd_server_failures_total{kind=\"myproxy\",server=\"$(mp_addr gone)\"}")" \
    "per server: the one without the credential failed"
assert_eq 0 "$(metric "proxy_renewd_server_cooling_down{kind=\"myproxy\",server=\"$(mp_addr gone)\"}")" \
    "per server: a refusal does not cool down"
start=$(metric proxy_renewd_start_time_seconds)
assert_match '^[1-9][0-9]*$' "$start" "start time"

cli --json metrics
assert_rc 0 "proxy-renew --json metrics"
assert_eq "$(head -n 1 "$T/m.txt")" "$(printf '%s' "$OUT" | jq -r '.metrics[0]')" \
    "--json: the lines as an array"

# ---- the file: 0644, valid, rewritten (heartbeat moves), never partial
[ -f "$MF" ] || fail "metrics file not written"
assert_eq 644 "$(stat -c %a "$MF")" "metrics file mode"
cp "$MF" "$T/m.txt"
promtool_ok "metrics file"
hb1=$(metric proxy_renewd_heartbeat_timestamp_seconds)
rewritten=
for i in $(seq 1 50); do
	cp "$MF" "$T/m.txt"
	if [ "$(metric proxy_renewd_heartbeat_timestamp_seconds)" != "$hb1" ]; then
		rewritten=1
		break
	fi
	sleep 0.1
done
[ -n "$rewritten" ] && ok "metrics file rewritten with a new heartbeat" ||
    fail "metrics file not rewritten within 5 s (interval 1 s)"
promtool_ok "rewritten metrics file"
assert_eq "" "$(ls -A "$T/textfile" | grep -v '^proxy-renewd.prom$' || true)" \
    "no temporary file left beside it"

# ---- --metrics-totals-only
daemon_stop
eng_start --metrics-totals-only
cli metrics
printf '%s\n' "$OUT" > "$T/m.txt"
promtool_ok "totals only"
assert_eq 0 "$(grep -c '^proxy_renewd_proxy_' "$T/m.txt")" "no per-proxy series"
assert_eq 2 "$(( $(metric 'proxy_renewd_proxies{state="ok"}') + \
    $(metric 'proxy_renewd_proxies{state="failing"}') + \
    $(metric 'proxy_renewd_proxies{state="pending"}') ))" "totals still there"
daemon_stop
check_log_clean
