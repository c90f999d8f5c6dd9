#!/bin/bash
# label: myproxy
# 132-key-pool: keys made ahead. The daemon's generator child fills a
# small pool at the lowest CPU priority (SCHED_IDLE, nice 19); a renewal
# then takes one key (hit counted) and the new proxy holds exactly that key
# (its public key's SHA-256 is the one the daemon logged when it handed the
# key out), a key found nowhere on disk but in the new proxy; the pool asks
# for a new key to replace it; STATUS_ALL and METRICS show the pool; a
# generator killed is restarted; it is stopped while a worker runs; with --key-pool-size 0 there is no child,
# renewal still works (a miss is not even counted: no pool).
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice

status_all() {
	req "Command=9\\n"
}

pool_is() {	# KEY VALUE: STATUS_ALL shows KEY=VALUE
	status_all
	[ "$(kv "$1")" = "$2" ]
}

# Wait until STATUS_ALL shows KEY=VALUE (SCHED_IDLE: slow on a busy box).
wait_pool() {
	wait_until "${3:-300}" pool_is "$1" "$2"
}

generator_pid() {
	ps -o pid= --ppid "$DAEMON_PID" -o args= |
	    awk '/--keygen-child/ { print $1 }'
}

generator_state() {	# of the generator $gpid: T when stopped
	awk '{ print $3 }' "/proc/$gpid/stat"
}

generator_goes_on() {
	[ "$(generator_state)" != T ]
}

generator_stopped() {	# the daemon stops it right after starting a worker
	[ "$(generator_state)" = T ]
}

generator_gone() {	# $gpid: no such process (or a zombie not yet reaped)
	[ ! -e "/proc/$gpid" ] ||
	    [ "$(awk '{ print $3 }' "/proc/$gpid/stat" 2>/dev/null)" = Z ]
}

generator_new() {	# a generator runs, not $gpid
	local pid
	pid=$(generator_pid)
	[ -n "$pid" ] && [ "$pid" != "$gpid" ]
}

eng_start --myproxy-server "$A1" --key-pool-size 2 --key-pool-max-age 3600 \
    --worker-timeout 6
wait_pool Key_pool_size 2 || fail "pool not filled (2 keys) within 300 s: $OUT"
status_all
assert_eq 2 "$(kv Key_pool_capacity)" "STATUS_ALL: Key_pool_capacity"
assert_eq 2 "$(kv Key_pool_made)" "STATUS_ALL: Key_pool_made"
assert_eq 0 "$(kv Key_pool_hits)" "STATUS_ALL: no hit yet"
gpid=$(generator_pid)
assert_match '^[0-9]+$' "$gpid" "a generator child runs"
assert_match 'SCHED_IDLE' "$(chrt -p "$gpid")" "generator at SCHED_IDLE"
assert_eq 19 "$(awk '{ print $19 }' "/proc/$gpid/stat")" "generator at nice 19"
# the pool is full: the generator waits for a request, using no CPU
t0=$(awk '{ print $14 + $15 }' "/proc/$gpid/stat")
sleep 1
assert_eq "$t0" "$(awk '{ print $14 + $15 }' "/proc/$gpid/stat")" \
    "full pool: the generator uses no CPU"
run "$PR_BUILD_DIR/bin/proxy-renew" -s "$SOCK" metrics
for m in key_pool_keys key_pool_capacity key_pool_made_total \
    key_pool_hits_total key_pool_misses_total key_pool_discarded_total \
    key_pool_generator_restarts_total; do
	assert_match "proxy_renewd_$m [0-9]+" "$OUT" "METRICS: $m"
done

# ---- a renewal takes one key from the pool
new_proxy alice "$T/cur.pem" 20
eng_reg_renewed "$T/cur.pem" "$A1" job1 60 || fail "not renewed within 60 s"
file=$FILE
status_all
assert_eq 1 "$(kv Key_pool_hits)" "STATUS_ALL: one hit"
assert_eq 0 "$(kv Key_pool_misses)" "STATUS_ALL: no miss"
handed=$(sed -n 's/.*handed out the key with public key sha256 \([0-9a-f]*\).*/\1/p' \
    "$DAEMON_LOG" | head -n 1)
got=$(openssl x509 -in "$file" -noout -pubkey | openssl pkey -pubin \
    -outform DER | sha256sum | cut -d' ' -f1)
assert_match '^[0-9a-f]{64}$' "$handed" "the daemon logged the key it handed"
assert_eq "$handed" "$got" "the new proxy's certificate is for the pooled key"
assert_eq "$got" "$(openssl pkey -in "$file" -pubout -outform DER |
    sha256sum | cut -d' ' -f1)" "the new proxy holds the pooled key"
assert_match "key from the pool" \
    "$(grep 'renewal of .* started: worker' "$DAEMON_LOG")" \
    "log: the renewal used a key from the pool"
# the key is on no disk but in the new proxy: look for a line of its PEM
line=$(sed -n '/BEGIN RSA PRIVATE KEY/,/END/p' "$file" | sed -n 5p)
assert_match '^[A-Za-z0-9+/]{64}$' "$line" "a line of the pooled key"
where=$(grep -rlF -- "$line" "$T" /tmp /var/tmp /dev/shm 2>/dev/null | sort -u)
assert_eq "$file" "$where" "the pooled key is in the new proxy only"
# the pool asks for a key to replace the one handed out
wait_pool Key_pool_size 2 || fail "pool not refilled within 300 s"
assert_eq 3 "$(kv Key_pool_made)" "refilled: 3 keys made in all"


# ---- no key is made while a renewal worker runs: the generator is stopped
mp_hang_start
new_proxy alice "$T/hang.pem" 20
reg "$T/hang.pem" "localhost:$HANG_PORT" jobh
assert_response 0 "register at a server that never answers"
wait_worker 10 || fail "no worker started for the hanging renewal"
wait_until 10 generator_stopped
assert_eq T "$(generator_state)" "a worker runs: the generator is stopped"
wait_log "FAILED in" 60 || fail "the hanging renewal did not end"
wait_until 5 generator_goes_on
assert_ne T "$(generator_state)" "no worker runs: the generator goes on"

# ---- a killed generator is restarted
kill -KILL "$gpid"
wait_log "key pool: generator exited; restarting it" 10 ||
    fail "generator death not noticed"
wait_until 10 generator_new
assert_ne "$gpid" "$(generator_pid)" "a new generator runs"
run "$PR_BUILD_DIR/bin/proxy-renew" -s "$SOCK" metrics
assert_match "proxy_renewd_key_pool_generator_restarts_total 1" "$OUT" \
    "METRICS: one restart"
gpid=$(generator_pid)
[ -n "$gpid" ] || fail "no generator before the daemon stops"
daemon_stop
if wait_until 10 generator_gone; then
	ok "generator gone with the daemon"
else
	fail "generator $gpid outlived the daemon"
fi

# ---- no pool: no generator, renewal as before
rm -rf "$REPO" && mkdir -m 0700 "$REPO"
eng_start --myproxy-server "$A1" --key-pool-size 0
assert_eq "" "$(generator_pid)" "size 0: no generator"
new_proxy alice "$T/cur2.pem" 20
eng_reg_renewed "$T/cur2.pem" "$A1" job2 60 ||
    fail "size 0: not renewed within 60 s"
file=$FILE
status_all
assert_eq 0 "$(kv Key_pool_capacity)" "size 0: capacity 0"
assert_eq 0 "$(kv Key_pool_hits)" "size 0: no hit"
assert_eq 0 "$(kv Key_pool_misses)" "size 0: no miss counted"
assert_match "key made in the exchange" "$(grep 'renewal of .* started: worker' \
    "$DAEMON_LOG" | tail -n 1)" "size 0: key made in the exchange"
m1=$(openssl x509 -in "$file" -noout -pubkey | sha256sum)
m2=$(openssl pkey -in "$file" -pubout | sha256sum)
assert_eq "$m1" "$m2" "size 0: key matches its certificate"
daemon_stop
check_log_clean
