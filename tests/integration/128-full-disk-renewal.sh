#!/bin/bash
# label: myproxy
# 128-full-disk-renewal: renewals while the repository is full (a 2 MiB
# tmpfs filled up): attempts that cannot be recorded do not make the proxy
# due again at once (no retry storm): the schedule is held in memory with
# backoff, the cause is logged once, STATUS says Failure_class=local with
# Held=, the metrics say repository_writable 0; when space is back the
# daemon records again, logs it once and the class is the servers' again.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
repo_on_tmpfs 2m "full disk"

mp_setup
mp_start down
mp_stop down
new_proxy alice "$T/a.pem" 30
eng_start --backoff-min 1 --backoff-max 4
reg "$T/a.pem" "$(mp_addr down)" job-a
assert_response 0 "register"
fa=$(kv Proxy_name)
wait_status "$fa" Failure_class transient 20 || fail "not failing transiently"

dd if=/dev/zero of="$DISK/fill" bs=4k 2>/dev/null
[ "$(df --output=avail -B1 "$DISK" | tail -n 1)" -lt 8192 ] ||
    die "premise: the tmpfs is not full"
wait_log "repository .* cannot be written" 30 || fail "the hold is not logged"
# three attempts after the hold began, each logged with its time
hold_line=$(grep -n "cannot be written" "$DAEMON_LOG" | head -n 1 | cut -d: -f1)
started() {
	tail -n +"$hold_line" "$DAEMON_LOG" | grep -c "renewal of ${fa##*/} .*started" || true
}
for i in $(seq 1 200); do [ "$(started)" -ge 3 ] && break; sleep 0.1; done
[ "$(started)" -ge 3 ] || fail "renewals not retried during the hold"
times=$(tail -n +"$hold_line" "$DAEMON_LOG" | grep "renewal of ${fa##*/} .*started" |
    head -n 3 | sed -E 's/^[0-9-]+T([0-9]+):([0-9]+):([0-9.]+)Z.*/\1 \2 \3/' |
    awk '{ print $1 * 3600 + $2 * 60 + $3 }')
gaps=$(printf '%s\n' "$times" | awk 'NR > 1 { printf "%s%.2f", sep, $1 - prev; sep = " " } { prev = $1 }')
if printf '%s\n' "$times" | awk 'NR > 1 && $1 - prev < 0.7 { bad = 1 } { prev = $1 } END { exit bad }'; then
	ok "attempts during the hold are spaced by the backoff (gaps $gaps s)"
else
	fail "retry storm: attempts $gaps s apart"
fi
assert_eq 1 "$(log_count 'cannot be written')" "the cause logged once"
assert_eq 0 "$(log_count "recording the attempt")" \
    "no warning per attempt on top of it"
status "$fa"
assert_eq local "$(kv Failure_class)" "STATUS: local while held"
assert_match "No space left on device|full" "$(kv Held)" "STATUS: Held= says why"
cli metrics
assert_match 'proxy_renewd_repository_writable 0' "$OUT" "metrics: not writable"
daemon_alive "full disk"

rm -f "$DISK/fill"
wait_log "writable again" 30 || fail "recovery not logged"
wait_status "$fa" Failure_class transient 20 ||
    fail "class not back to the servers' ($(kv Failure_class))"
assert_eq "" "$(kv Held)" "STATUS: no Held= after recovery"
daemon_stop
check_log_clean
