#!/bin/bash
# label: core
# cost: 25
# 135-metrics-large: `proxy-renew metrics` at 10,000 stored proxies. The
# METRICS reply with per-proxy series (about 7.5 MiB here) is beyond the
# 1 MiB every other reply keeps to: it has a bound of its own
# (PR_METRICS_REPLY_MAX_BYTES, 32 MiB) on both sides, so the request works
# and passes `promtool check metrics`, with one series per proxy in each
# per-proxy family, also as --json. Other replies stay bounded: STATUS of
# every proxy stops below 1 MiB and counts the rest in Omitted=.
# The repository is filled by bench/bench_fill (the schema's own SQL, as
# `make bench` does; 10,000 REGISTERs through the daemon would take long).
source "$(dirname "$0")/lib/common.sh"
need_tool promtool
need_tool jq
N=10000
FILL=$PR_BUILD_DIR/bench/bench_fill
need_bin "$FILL" bench_fill

setup_ca
new_proxy alice "$T/a.pem" 900
daemon_start --key-pool-size 0		# creates the schema
daemon_stop
"$FILL" "$REPO" "$N" "$N" "$T/a.pem" localhost:1 ||
    die "bench_fill of $N proxies"
daemon_start --key-pool-size 0
wait_log "repository $REPO: $N stored proxies, $N jobs" 30 ||
    fail "the daemon did not find the $N proxies"

cli metrics
assert_rc 0 "proxy-renew metrics at $N proxies ($(printf '%s' "$ERR" |
    head -n 2 | tr '\n' '|'))"
printf '%s\n' "$OUT" > "$T/m.txt"
bytes=$(wc -c < "$T/m.txt")
lines=$(wc -l < "$T/m.txt")
if [ "$bytes" -gt $((1024 * 1024)) ]; then
	ok "the metrics text is $bytes bytes in $lines lines: beyond 1 MiB"
else
	fail "the metrics text is $bytes bytes: the test does not pass 1 MiB"
fi
if out=$(promtool check metrics < "$T/m.txt" 2>&1); then
	ok "promtool check metrics passes at $N proxies"
else
	fail "promtool: $(printf '%s' "$out" | head -n 5 | tr '\n' '|')"
fi
for fam in not_after_timestamp_seconds next_renewal_timestamp_seconds \
    last_success_timestamp_seconds consecutive_failures jobs \
    credential_end_timestamp_seconds; do
	assert_eq "$N" "$(grep -c "^proxy_renewd_proxy_${fam}{file=" "$T/m.txt")" \
	    "one $fam series per proxy"
done
assert_eq "$N" "$(awk '$1 == "proxy_renewd_proxies{state=\"pending\"}" {
    print $2 }' "$T/m.txt")" "every proxy counted (pending)"

cli --json metrics
assert_rc 0 "proxy-renew --json metrics at $N proxies"
assert_eq "$N" "$(printf '%s' "$OUT" | jq '[.metrics[] |
    select(startswith("proxy_renewd_proxy_not_after_timestamp_seconds{"))] |
    length')" "--json: every proxy's series"

# every other reply keeps its 1 MiB bound: STATUS of all omits the rest
req "Command=9\\n"
assert_response 0 "STATUS of every proxy"
omitted=$(kv Omitted)
assert_match '^[1-9][0-9]*$' "$omitted" "STATUS_ALL: records past 1 MiB omitted"
assert_eq "$N" "$(( $(kv_all Proxy_name | wc -l) + omitted ))" \
    "STATUS_ALL: records shown + omitted = $N"
size=$(printf '%s' "$OUT" | wc -c)
if [ "$size" -le $((1024 * 1024)) ]; then
	ok "STATUS_ALL reply $size bytes: within 1 MiB"
else
	fail "STATUS_ALL reply $size bytes: beyond 1 MiB"
fi

# the small form for very large sites
daemon_stop
daemon_start --key-pool-size 0 --metrics-totals-only
cli metrics
assert_rc 0 "proxy-renew metrics, totals only"
printf '%s\n' "$OUT" > "$T/m.txt"
assert_eq 0 "$(grep -c '^proxy_renewd_proxy_' "$T/m.txt")" \
    "--metrics-totals-only: no per-proxy series"
small=$(wc -c < "$T/m.txt")
if [ "$small" -lt 65536 ]; then
	ok "totals only: $small bytes"
else
	fail "totals only: $small bytes"
fi
daemon_stop
check_log_clean
