#!/bin/bash
# label: voms
# 212-voms-engine-server-down: the VOMS server is down when a VOMS proxy is
# due. The renewal fails as a whole (1910, the reason in STATUS and the
# log: the VOMS server cannot be reached), the proxy is kept untouched and
# the attempt is retried with backoff; once voms-server is back the next
# retry renews it with its FQANs, and the failure count resets. The MyProxy
# server is not put in cool-down for a VOMS failure, the VOMS server is
# (--cooldown). When the server moves (the AC's URI dead), the vomses entry
# given with -G is used, and a later renewal of a proxy whose AC names the
# dead URI skips it while it cools down; the doctor names the VOMS
# server down, then reaches it; the metrics count each VOMS
# server's attempts (those that gave an AC too), failures and cool-down.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub /testvo/Role=production
voms_proxy_init "$T/ca/alice" "$T/cur.pem" 0:40 0:20 \
    /testvo/sub /testvo/Role=production || die "voms-proxy-init"
fqans=$(vinfo -fqan -file "$T/cur.pem")
# the other order (another repository file), its AC's URI the first port
voms_proxy_init "$T/ca/alice" "$T/cur2.pem" 0:40 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init cur2"
cur_end=$(eng_end "$T/cur.pem")

voms_stop
eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2 \
    --backoff-min 1 --backoff-max 2 --cooldown 60
reg "$T/cur.pem" "$A1" job1
assert_response 0 "register"
file=$(kv Proxy_name)
sum=$(sha256sum < "$file")
wait_status "$file" Failures '[2-9]|[1-9][0-9]+' 30 ||
    fail "VOMS down: no repeated attempts (Failures=$(kv Failures))"
assert_eq 1910 "$(kv Last_result)" "VOMS down: Last_result=1910"
assert_match "VOMS testvo: localhost:$VOMS_PORT: cannot connect: Connection refused" \
    "$(kv Last_error)" "VOMS down: Last_error names the VOMS server and why"
assert_eq transient "$(kv Failure_class)" "VOMS down: Failure_class"
assert_match "FAILED .*code 1910.*localhost:$VOMS_PORT: cannot connect.*proxy kept" \
    "$(grep 'FAILED' "$DAEMON_LOG" | head -n 1)" "VOMS down: logged"
assert_eq "$sum" "$(sha256sum < "$file")" "VOMS down: proxy kept"
assert_eq 0 "$(log_count "server $A1 unreachable")" \
    "VOMS down: the MyProxy server is not cooled down"
[ "$(log_count "VOMS server localhost:$VOMS_PORT unreachable: skipped for 60 s \(cool-down\)")" -ge 1 ] &&
    ok "VOMS down: the VOMS server is cooled down" ||
    fail "VOMS down: no cool-down of the VOMS server logged"
now=$(date +%s)
nxt=$(kv Renewal_time)
if [ "$nxt" -ge "$((now - 1))" ] && [ "$nxt" -le "$((now + 3))" ]; then
	ok "VOMS down: next attempt within the backoff ($((nxt - now)) s)"
else
	fail "VOMS down: next attempt at $nxt, now $now"
fi
jobget job1
assert_response 0 "VOMS down: GET still answers"
# voms_doctor: proxy-renewd --doctor with the daemon's VOMS settings
voms_doctor() {
	run "$PRD" --doctor -r "$REPO" -s "$SOCK" -C "$MP_CADIR" \
	    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" -A -V "$VOMS_VOMSDIR" \
	    -G "$VOMS_VOMSES"
}
voms_doctor
assert_eq 1 "$RC" "VOMS down: the doctor fails"
assert_match "^\[FAIL\] VOMS $VOMS_VO: localhost:$VOMS_PORT: cannot connect" "$OUT" \
    "VOMS down: the doctor names the VOMS server (vomses entry)"
assert_match "^\[ OK \] vomsdir: $VOMS_VOMSDIR\$" "$OUT" "the doctor: vomsdir"

voms_start || die "voms_start"
wait_status "$file" Last_result 0 30 ||
    fail "VOMS back: not renewed (Last_error=$(kv Last_error))"
assert_eq 0 "$(kv Failures)" "VOMS back: Failures reset"
assert_eq "" "$(kv Last_error)" "VOMS back: no Last_error"
[ "$(eng_end "$file")" -gt "$cur_end" ] && ok "VOMS back: proxy renewed" ||
    fail "VOMS back: proxy not renewed"
assert_eq "$fqans" "$(vinfo -fqan -file "$file")" "VOMS back: FQANs in order"
cli --json history "$file"
assert_rc 0 "VOMS back: history"
assert_match "voms:localhost:$VOMS_PORT gave AC" \
    "$(jq -r '.attempts[0].servers[]' <<< "$OUT")" \
    "VOMS back: the history's newest attempt names the VOMS server that gave the AC"
vinfo -all -file "$file" > /dev/null && ok "VOMS back: voms-proxy-info -all" ||
    fail "VOMS back: voms-proxy-info -all rejects it"
voms_doctor
assert_match "^\[ OK \] VOMS $VOMS_VO: localhost:$VOMS_PORT: every address" "$OUT" \
    "VOMS back: the doctor reaches it"

# ---- the server moved: the AC's URI is dead, the vomses entry (-G) works
old_port=$VOMS_PORT
voms_move_port || die "voms_move_port"
end=$(eng_end "$file")
n=$(log_count 'renewed in')
wait_next_second
kill -USR1 "$DAEMON_PID"
wait_log_count $((n + 1)) 'renewed in' 30
[ "$(eng_end "$file")" -gt "$end" ] &&
    ok "moved: renewed through the vomses entry (port $old_port -> $VOMS_PORT)" ||
    fail "moved: not renewed ($(grep FAILED "$DAEMON_LOG" | tail -n 1))"
assert_eq "$fqans" "$(vinfo -fqan -file "$file")" "moved: FQANs in order"

# ---- cool-down: the dead URI localhost:$old_port is not tried again
reg "$T/cur2.pem" "$A1" job2
assert_response 0 "moved: register the second proxy"
file2=$(kv Proxy_name)
[ "$file2" != "$file" ] && ok "moved: second proxy, own file" ||
    fail "moved: second proxy aggregated with the first"
line=
for i in $(seq 1 150); do
	line=$(grep -F "renewal of ${file2##*/} " "$DAEMON_LOG" | grep -E 'renewed in|FAILED' |
	    head -n 1)
	[ -n "$line" ] && break
	sleep 0.2
done
assert_match "renewed in .*skipped \(cooling down\): .*voms:localhost:$old_port \([0-9]+ s left\)" \
    "$line" "cool-down: the dead VOMS URI skipped, renewed through the vomses entry"
printf '%s\n' "$line" | grep -q "voms:localhost:$old_port (unreachable)" &&
    fail "cool-down: the dead VOMS URI contacted again: $line" ||
    ok "cool-down: the dead VOMS URI not contacted"
assert_eq "/testvo/Role=production/Capability=NULL" \
    "$(vinfo -fqan -file "$file2" | head -n 1)" "cool-down: FQANs in order"
cli metrics
assert_match "^proxy_renewd_server_cooling_down\{kind=\"voms\",server=\"localhost:$old_port\"\} 1\$" \
    "$OUT" "metrics: the dead VOMS server cooling down"
assert_match "^proxy_renewd_server_failures_total\{kind=\"voms\",server=\"localhost:$old_port\"\} [1-9][0-9]*\$" \
    "$OUT" "metrics: the dead VOMS server's failures counted"
assert_match "^proxy_renewd_server_attempts_total\{kind=\"voms\",server=\"localhost:$VOMS_PORT\"\} [1-9][0-9]*\$" \
    "$OUT" "metrics: the moved VOMS server's ACs counted"
assert_match "^proxy_renewd_server_failures_total\{kind=\"voms\",server=\"localhost:$VOMS_PORT\"\} 0\$" \
    "$OUT" "metrics: the moved VOMS server never failed"
daemon_alive "end"
daemon_stop
check_log_clean
