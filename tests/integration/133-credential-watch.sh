#!/bin/bash
# label: myproxy
# 133-credential-watch: the long-term credential watch against a real
# myproxy-server. alice's credential is stored for 72 h (myproxy-init -c
# 72): REGISTER answers at once and a MyProxy INFO (worker, Mode=info,
# authenticated with the registered proxy) follows; STATUS shows
# Credential_end_time (72 h after it was stored), Credential_server,
# Credential_renew_allowed and Limited_by; the 7-day lead time gives the
# warning, the hook event credential-expiring and the metric exactly once,
# even after a second INFO for the same identity (a second, unique proxy);
# the 2-day lead is not reached. proxy-renew check says WARNING, status
# shows the credential's end in 80 columns. bob's server is down: his
# INFO fails, logged once, shown as Credential_error, not retried in a
# storm. carol's credential ends in 1 h: her renewal (asking 2 h) comes
# back shorter: Limited_by=stored-credential with the reason in words.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
need_tool promtool

mp_setup
mp_start one
mp_start down
mp_stop down
mp_store_timed alice one 72
new_proxy alice "$T/a.pem" 600
new_proxy alice "$T/a2.pem" 600
new_proxy bob "$T/b.pem" 600
ca_issue "$T/ca" carol user /C=XX/O=Test/CN=carol || die "carol"
mp_store carol one 1
new_proxy carol "$T/c.pem" 20
cat > "$T/hook.sh" <<'HOOK'
#!/bin/sh
printf '%s|%s|%s|%s|%s|%s\n' "$PROXY_RENEWD_EVENT" "$PROXY_RENEWD_FILE" \
    "$PROXY_RENEWD_IDENTITY" "$PROXY_RENEWD_CREDENTIAL_END_TIME" \
    "$PROXY_RENEWD_CREDENTIAL_SERVER" "$PROXY_RENEWD_WARNING_LEAD" \
    >> "$HOOK_OUT"
HOOK
chmod 0755 "$T/hook.sh"
export HOOK_OUT=$T/events
: > "$HOOK_OUT"
eng_start --hook "$T/hook.sh" --lifetime 2
A=/C=XX/O=Test/CN=alice
ANSWER="credential watch: $A: the stored credential on"
WARNING="credential watch: the long-term credential of $A stored on"

reg "$T/a.pem" "$(mp_addr one)" job-a
assert_response 0 "register alice"
fa=$(kv Proxy_name)
wait_status "$fa" Credential_end_time '[1-9][0-9]*' 30 ||
    fail "no Credential_end_time after REGISTER ($OUT)"
end=$(kv Credential_end_time)
assert_cred_end "$end" "Credential_end_time is 72 h after the credential was stored"
assert_eq "$(mp_addr one)" "$(kv Credential_server)" "Credential_server"
assert_eq server-default "$(kv Credential_renew_allowed)" \
    "no renewers policy of its own: the server's decides"
assert_eq x509 "$(kv Limited_by)" "Limited_by: the proxy's own chain"
assert_eq "" "$(kv Limited_reason)" "no short renewal: no Limited_reason"

wait_log "$WARNING" 20 || fail "no warning for the 7-day lead"
wait_until 10 grep -q '^credential-expiring|' "$HOOK_OUT"
IFS='|' read -r ev file ident cend cserver lead < \
    <(grep '^credential-expiring|' "$HOOK_OUT")
assert_eq "credential-expiring|$fa|$A" "$ev|$file|$ident" "hook: event, file, identity"
assert_eq "$end|$(mp_addr one)|604800" "$cend|$cserver|$lead" \
    "hook: CREDENTIAL_END_TIME, CREDENTIAL_SERVER, WARNING_LEAD (7 d)"

# a second proxy of alice (unique): a second INFO, no second warning
reg "$T/a2.pem" "$(mp_addr one)" job-a2 "Unique=1\\n"
assert_response 0 "register alice's unique proxy"
fa2=$(kv Proxy_name)
assert_ne "$fa" "$fa2" "a proxy file of its own"
wait_log_count 2 "$ANSWER" 20
assert_eq 2 "$(log_count "$ANSWER")" "two INFO answers for alice"
status "$fa2"
assert_eq "$end" "$(kv Credential_end_time)" "the unique proxy: same credential"

# bob's server is down: one failed INFO, logged once
reg "$T/b.pem" "$(mp_addr down)" job-b
fb=$(kv Proxy_name)
wait_status "$fb" Credential_error '.*Connection refused.*' 30 ||
    fail "bob: no Credential_error ($(kv Credential_error))"
assert_eq 0 "$(kv Credential_end_time)" "bob: end unknown"

# carol: renewed at once (20 min left), but only up to her credential's end
reg "$T/c.pem" "$(mp_addr one)" job-c
fc=$(kv Proxy_name)
wait_status "$fc" Limited_by stored-credential 30 ||
    fail "carol: Limited_by '$(kv Limited_by)' ($(kv Last_error))"
assert_match '^the last renewal asked for 2 h and got (0 h 5[0-9]|1 h 00) min: the long-term credential stored in MyProxy ends then \(' \
    "$(kv Limited_reason)" "carol: Limited_reason in words"
assert_eq 0 "$(kv Last_result)" "carol: the short renewal itself worked"
# first seen with 1 h left: one warning, for the most urgent lead (2 d)
wait_until 20 grep -q "^credential-expiring|$fc|" "$HOOK_OUT"
assert_eq "172800" "$(grep "^credential-expiring|$fc|" "$HOOK_OUT" | cut -d'|' -f6)" \
    "carol: one event, WARNING_LEAD 2 d"

cli metrics
printf '%s\n' "$OUT" > "$T/m.txt"
if out=$(promtool check metrics < "$T/m.txt" 2>&1); then
	ok "promtool check metrics passes"
else
	fail "promtool: $(printf '%s' "$out" | head -n 5 | tr '\n' '|')"
fi
assert_eq "$end" "$(awk -v k="proxy_renewd_proxy_credential_end_timestamp_seconds{file=\"${fa##*/}\"}" \
    '$1 == k { print $2 }' "$T/m.txt")" "metric: credential end of alice's proxy"

cli check
assert_eq 1 "$RC" "check: WARNING"
assert_match "^PROXY-RENEWD WARNING .*the credential stored in MyProxy ends in (2d2[0-3]h|3d00h)" \
    "$OUT" "check names the credential ending"
cli check --credential-left 1800
assert_eq 0 "$RC" "check: a shorter lead: OK ($OUT)"
cli status
assert_eq 0 "$(printf '%s\n' "$OUT" | awk 'length > 80' | wc -l)" \
    "status: within 80 columns"
assert_match 'CRED END' "$(printf '%s\n' "$OUT" | head -n 1)" "status: column"
assert_match ' (2d2[0-3]h|3d00h) ' "$OUT" "status: alice's credential ends in 3 days"
cli status "$fa"
assert_match "^Credential_end_time: +20[0-9-]+ [0-9:]+ UTC \($end\)\$" "$OUT" \
    "status FILE: the credential's end as a time"
assert_match "^Credential_server: +$(mp_addr one)\$" "$OUT" "status FILE: its server"
cli --json status
assert_eq "$end" "$(printf '%s' "$OUT" | jq -r --arg f "$fa" \
    '.proxies[] | select(.proxy_name == $f) | .credential_end_time')" \
    "status --json: credential_end_time"

# exactly once, also after the second INFO (the log line and the hook
# event come from the same call); bob's failure not repeated
assert_eq 1 "$(log_count "$WARNING")" "one warning for alice"
assert_eq 1 "$(grep -c "^credential-expiring|$fa|" "$HOOK_OUT")" \
    "one hook event for alice"
assert_eq 1 "$(log_count "MyProxy INFO for /C=XX/O=Test/CN=bob .* failed")" \
    "bob's failed INFO logged once"
assert_eq 0 "$(log_count "credential watch: the long-term credential of /C=XX/O=Test/CN=bob")" \
    "no warning for bob"
daemon_stop
check_log_clean
