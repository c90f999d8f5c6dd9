#!/bin/bash
# label: myproxy
# cost: 33
# 139-readonly-disk-renewal: the repository's file system turns read-only
# under the running daemon (ext4 on a loop device, errors=remount-ro, an
# injected file-system error: EROFS on every write, files open for writing
# included) while renewals are due against a real myproxy-server:
# REGISTER answers a clear error (not 0, with Message=), GET of stored jobs
# still answers 0, a renewal in flight (its myproxy-server stopped while
# the disk fails) fails as local and leaves the old proxy, its next attempt
# kept in memory although the store still holds its lease; a proxy ending
# meanwhile cannot be expired (logged once, file kept, expired at restart,
# its job answering 1909); the renewal
# attempts are classed `local` (STATUS
# Failure_class and Held=, the metrics), the cause is logged once, and over
# 10 s the log grows by a few lines and the daemon uses little CPU (no retry
# storm) while attempts still go on at the backoff. Then recovery: daemon
# stopped, fsck -y, mounted read-write, restarted: every change answered 0
# is there, the old proxies are kept, integrity_check ok, renewals resume.
# Fails loudly when the loop device or the error injection cannot be set up.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/repo_check.sh"
repo_on_loop_ext4 32M "read-only repository under a running daemon"

WINDOW_SEC=10
MAX_LINES=40		# log lines in the window (a storm wrote 66,000/s)
MAX_CPU_TICKS=50	# utime+stime in the window: 5 % of a core at 100 Hz

mp_setup_alice
mp_start down
mp_stop down		# an address nobody answers: bob fails, due again soon
new_proxy alice "$T/a.pem" 20
new_proxy bob "$T/b.pem" 20
eng_args=(--lifetime 2 --backoff-min 1 --backoff-max 3)
eng_start "${eng_args[@]}"

eng_reg_renewed "$T/a.pem" "$A1" job-a1 30 ||
    die "alice not renewed before the fault"
fa=$FILE
reg "$T/a.pem" "$A1" job-a2
assert_response 0 "register a second job of alice"
reg "$T/b.pem" "$(mp_addr down)" job-b
assert_response 0 "register bob (server down)"
fb=$(kv Proxy_name)
wait_status "$fb" Failure_class transient 20 ||
    die "bob not failing transiently before the fault ($(kv Failure_class))"
answered=(job-a1 job-a2 job-b)
# a proxy of bob's (unique, server down) that ends while the disk is
# read-only: its expiry cannot be recorded either
make_proxy_until "$T/ca/bob" "$T/c.pem" "$(($(date +%s) + 18))" ||
    die "bob's short proxy"
reg "$T/c.pem" "$(mp_addr down)" job-c "Unique=1\\n"
assert_response 0 "register bob's short proxy"
fc=$(kv Proxy_name)
sum_a=$(sha256sum < "$fa")
sum_b=$(sha256sum < "$fb")

# ---- the file system goes read-only under the daemon, a renewal in flight:
# alice's worker waits for the stopped myproxy-server while the disk fails,
# then gets its new proxy and cannot write it
# (a renewal in the second of the last one would not end later: wait it out)
a_end=$(eng_end "$fa")
for i in $(seq 1 30); do
	[ "$(date +%s)" -gt "$((a_end - 7200))" ] && break
	sleep 0.1
done
mp_pid=$(cat "$T/mp/one/pid") || die "no pid of myproxy-server one"
at_exit "kill -CONT $mp_pid 2>/dev/null"
kill -STOP "$mp_pid" || die "cannot stop myproxy-server one"
mark=$(wc -l < "$DAEMON_LOG")
kill -USR1 "$DAEMON_PID"
for i in $(seq 1 100); do
	tail -n +"$((mark + 1))" "$DAEMON_LOG" |
	    grep -q "renewal of ${fa##*/} .*started" && break
	sleep 0.1
done
tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -q "renewal of ${fa##*/} .*started" ||
    die "alice's renewal did not start after SIGUSR1"
repo_disk_readonly
ok "repository file system read-only (EROFS) under the running daemon"
kill -CONT "$mp_pid"
for i in $(seq 1 300); do
	tail -n +"$((mark + 1))" "$DAEMON_LOG" |
	    grep -Eq "renewal of ${fa##*/} .*(FAILED|failed|renewed in)" && break
	sleep 0.1
done
attempt_a=$(tail -n +"$((mark + 1))" "$DAEMON_LOG" |
    grep -E "renewal of ${fa##*/} .*(FAILED|failed|renewed in)" | head -n 1)
assert_match "(FAILED|failed).*code 30, local" "$attempt_a" \
    "the renewal in flight failed as local when its result could not be written"
assert_eq "$sum_a" "$(sha256sum < "$fa")" "alice's proxy unchanged by it"
wait_log "repository .* cannot be written" 30 ||
    fail "the read-only repository is not logged"
wait_status "$fb" Failure_class local 20 ||
    fail "STATUS: bob's attempts not classed local ($(kv Failure_class))"
assert_match "Read-only file system" "$(kv Held)" "STATUS: Held= says why"
status "$fa"
assert_response 0 "STATUS of alice answers"
assert_eq local "$(kv Failure_class)" "STATUS: alice's renewals held as local"
cli metrics
assert_match '^proxy_renewd_repository_writable 0$' "$OUT" \
    "metrics: repository not writable"
assert_match '^proxy_renewd_renewal_attempts_total\{result="failure",class="local"\} [1-9]' \
    "$OUT" "metrics: local failures counted"

reg "$T/a.pem" "$A1" job-a3
code=$(kv Response)
if [ "$code" != 0 ] && [ -n "$code" ]; then
	ok "REGISTER (join) on the read-only repository refused (Response=$code)"
	assert_match "Read-only|read-only|cannot be written" "$(kv Message)" \
	    "with a Message saying why"
else
	fail "REGISTER on a read-only repository answered '${code}'"
fi
reg "$T/b.pem" "$A1" job-b2 "Unique=1\\n"
code=$(kv Response)
[ "$code" != 0 ] && [ -n "$code" ] &&
    ok "REGISTER of a new proxy refused (Response=$code)" ||
    fail "REGISTER of a new proxy on a read-only repository answered '${code}'"
for j in job-a1 job-a2 job-b; do
	jobget "$j"
	assert_response 0 "GET $j on the read-only repository"
done
cli renew-all
assert_rc nz "renew-all cannot make anything due on a read-only repository"

# ---- no retry storm: log lines and CPU over a window, attempts still made
pid=$DAEMON_PID
l0=$(wc -l < "$DAEMON_LOG")
c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep "$WINDOW_SEC"	# a measurement window, not a synchronisation
c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
l1=$(wc -l < "$DAEMON_LOG")
tail -n +"$((l0 + 1))" "$DAEMON_LOG" | head -n "$((l1 - l0))" > "$T/window.log"
attempts=$(grep -Ec "renewal of .*(failed again|not recorded)" "$T/window.log")
attempts_a=$(grep -Ec "renewal of ${fa##*/} .*(failed again|not recorded)" "$T/window.log")
echo "in $WINDOW_SEC s read-only: $((l1 - l0)) log lines, $((c1 - c0)) CPU ticks, $attempts attempts, $attempts_a of alice" >&2
[ "$((l1 - l0))" -le "$MAX_LINES" ] &&
    ok "log bounded: $((l1 - l0)) lines in $WINDOW_SEC s" ||
    fail "log storm: $((l1 - l0)) lines in $WINDOW_SEC s: $(sort "$T/window.log" |
    cut -c 25- | sort | uniq -c | sort -rn | head -n 3 | tr '\n' '|')"
[ "$((c1 - c0))" -le "$MAX_CPU_TICKS" ] &&
    ok "CPU low: $((c1 - c0)) ticks in $WINDOW_SEC s" ||
    fail "CPU storm: $((c1 - c0)) ticks in $WINDOW_SEC s"
# one attempt per hold period (backoff 1 s doubling to 3 s: 3 or 4 in the
# window; 2 leaves room for a loaded machine)
[ "$attempts" -ge 2 ] && ok "attempts go on at the backoff ($attempts)" ||
    fail "only $attempts attempts in $WINDOW_SEC s (held for good?)"
# alice's lease (the worker's timeout, 130 s) is still in the store: her
# next attempt is kept in memory, not lost with the unwritten record
[ "$attempts_a" -ge 1 ] && ok "alice retried at the backoff despite her lease ($attempts_a)" ||
    fail "alice not retried in $WINDOW_SEC s: waiting for her lease in the store"
assert_eq 1 "$(tail -n +"$((mark + 1))" "$DAEMON_LOG" |
    grep -c "cannot be written")" "the cause logged once"
# bob's short proxy ends now: its expiry fails, logged once, and holds
c_end=$(eng_end "$fc")
for i in $(seq 1 150); do
	[ "$(date +%s)" -gt "$((c_end + 4))" ] && break
	sleep 0.1
done
[ "$(date +%s)" -gt "$((c_end + 4))" ] ||
    fail "premise: bob's short proxy has not ended 4 s ago"
n_exp=$(tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -c "${fc##*/}: expiring")
[ "$n_exp" -le 1 ] && ok "an expiry that cannot be recorded logged at most once ($n_exp)" ||
    fail "the failed expiry logged $n_exp times"
assert_file "$fc" "its file stays until the expiry is recorded"
daemon_alive "read-only repository"

# ---- recovery
daemon_stop
repo_disk_repair
ok "file system checked (fsck -y) and mounted read-write again"
assert_eq ok "$(sqlite3 -readonly "$REPO/repository.db" 'PRAGMA integrity_check;' 2>&1)" \
    "integrity_check after fsck"
assert_eq "$sum_a" "$(sha256sum < "$fa")" "alice's renewed proxy kept"
assert_eq "$sum_b" "$(sha256sum < "$fb")" "bob's proxy kept"
# temp files the read-only disk did not let the daemon remove: the start-up
# check removes them (repo_check below finds none left)
left=$(repo_files | grep '^\.tmp\.' || true)
eng_start "${eng_args[@]}"
for t in $left; do
	assert_match "$t: stale temporary file removed" "$(cat "$DAEMON_LOG")" \
	    "temp file left by the read-only disk removed at start-up"
done
for j in "${answered[@]}"; do
	jobget "$j"
	assert_response 0 "$j (answered 0) present after the restart"
done
jobget job-c
assert_response 1909 "job-c (answered 0, its proxy ended meanwhile) answers expired"
reg "$T/a.pem" "$A1" job-a3
assert_response 0 "REGISTER answers 0 again"
wait_status "$fb" Failure_class transient 20 ||
    fail "bob's attempts not recorded again ($(kv Failure_class))"
assert_eq "" "$(kv Held)" "STATUS: no Held= after recovery"
daemon_stop
repo_check "after the restart"
check_log_clean
