#!/bin/bash
# label: voms asan
# 210-voms-engine-renew: the daemon (-A -V -G) renews a VOMS proxy through
# its worker against a real myproxy-server and a real voms-server. The
# proxy (40 min, ACs 20 min: below the condor limit, so due at once) is
# replaced in place by one whose FQAN list is identical and in the same
# (non-default) order, whose AC ends later, and which voms-proxy-info -all
# accepts; STATUS lists the FQANs in order; End_time is the earliest of
# X.509 and AC expiry; the log says VOMS is on and the renewal worked;
# `proxy-renew history` names the new end and the new ACs' end.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub /testvo/Role=production
ok "voms-server up in $VOMS_SETUP_MS ms"
echo "timing: VOMS server setup (MariaDB + schema + voms): $VOMS_SETUP_MS ms" >&2
# the role before the group: not the server's default order
voms_proxy_init "$T/ca/alice" "$T/cur.pem" 0:40 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init"
old_fqans=$(vinfo -fqan -file "$T/cur.pem")
old_ac=$(vinfo -actimeleft -file "$T/cur.pem")
assert_eq "/testvo/Role=production/Capability=NULL
/testvo/sub/Role=NULL/Capability=NULL
/testvo/Role=NULL/Capability=NULL" "$old_fqans" "old proxy: FQANs in the asked order"
cur_end=$(eng_end "$T/cur.pem")
sleep 1		# fresh ACs end strictly later

eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2 \
    --myproxy-server "$A1"
assert_match "VOMS attributes renewed too \(-A\): vomsdir $VOMS_VOMSDIR, vomses $VOMS_VOMSES" \
    "$(cat "$DAEMON_LOG")" "start-up log: VOMS on, with -V and -G"
t0=$(now_ms)
reg "$T/cur.pem" "$A1" job1
assert_response 0 "register the VOMS proxy"
file=$(kv Proxy_name)
ac_end=$(( $(date +%s) + old_ac ))
reg_end=$(kv End_time)
if [ "$reg_end" -le "$ac_end" ] && [ "$reg_end" -lt "$cur_end" ]; then
	ok "REGISTER: End_time is the AC's expiry, before the X.509 one"
else
	fail "REGISTER: End_time $reg_end (AC ~$ac_end, X.509 $cur_end)"
fi
wait_end_after "$file" "$cur_end" 40 || fail "not renewed within 40 s"
wait_log "renewal of .* renewed in [0-9]+ ms" 5 || fail "no success line"
t1=$(now_ms)
echo "timing: register to renewed VOMS proxy: $((t1 - t0)) ms" >&2
grep -E -o "renewed in [0-9]+ ms" "$DAEMON_LOG" | head -n 1 |
    sed 's/^/timing: VOMS renewal, daemon log: /' >&2

assert_eq "$old_fqans" "$(vinfo -fqan -file "$file")" \
    "renewed: FQANs identical, in order"
if vinfo -all -file "$file" > "$T/all.txt"; then
	ok "voms-proxy-info -all accepts the renewed proxy"
else
	fail "voms-proxy-info -all rejects the renewed proxy: $(head -c 300 "$T/all.txt")"
fi
new_ac=$(vinfo -actimeleft -file "$file")
if [ "${new_ac:-0}" -gt "$((old_ac + 600))" ]; then
	ok "AC ends later ($old_ac s -> $new_ac s left)"
else
	fail "AC time left $old_ac s -> ${new_ac:-none} s"
fi
vinfo -acexists testvo -file "$file" && ok "renewed: testvo AC present" ||
    fail "renewed: no testvo AC"
assert_match '^/C=XX/O=Test/CN=alice(/CN=[0-9]+)+$' "$(proxy_subject "$file")" \
    "renewed: same identity"
assert_eq 600 "$(stat -c %a "$file")" "renewed file mode 0600"

status "$file"
assert_eq 0 "$(kv Last_result)" "STATUS: Last_result=0"
assert_eq "$(vinfo -fqan -file "$file")" "$(kv_all Fqan)" \
    "STATUS: Fqan= lines in order"
x509_end=$(eng_end "$file")
ac_end=$(( $(date +%s) + new_ac ))
end=$(kv End_time)
want=$x509_end
[ "$ac_end" -lt "$want" ] && want=$ac_end
if [ "$end" -ge "$((want - 2))" ] && [ "$end" -le "$want" ]; then
	ok "STATUS: End_time is the earliest of X.509 and AC expiry"
else
	fail "STATUS: End_time $end, X.509 $x509_end, AC ~$ac_end"
fi
jobget job1
assert_eq "$file" "$(kv Proxy_name)" "GET: same path"
need_tool jq
cli --json history "$file"
assert_eq "$end" "$(jq '.attempts[0].end_time' <<< "$OUT")" \
    "history: the renewal's new end is STATUS End_time"
h_ac=$(jq '.attempts[0].ac_end_time' <<< "$OUT")
if [ "${h_ac:-0}" -ge "$((ac_end - 2))" ] && [ "${h_ac:-0}" -le "$ac_end" ]; then
	ok "history: the new ACs' end ($h_ac)"
else
	fail "history: ac_end_time ${h_ac:-none}, AC ends ~$ac_end"
fi
cli history "$file"
assert_match "VOMS AC end " "$OUT" "history text: the AC end"

# a second renewal on request keeps them too (renewing a renewed proxy)
wait_next_second
kill -USR1 "$DAEMON_PID"
wait_log_count 2 'renewed in|FAILED' 30
assert_eq 2 "$(log_count 'renewed in')" "SIGUSR1: renewed again"
assert_eq "$old_fqans" "$(vinfo -fqan -file "$file")" \
    "second renewal: FQANs identical, in order"
daemon_alive "after VOMS renewals"
daemon_stop
check_log_clean "FAILED"
