#!/bin/bash
# label: myproxy asan
# 116-engine-bad-worker: the daemon trusts nothing a worker does. With a fake
# worker (PROXY_RENEWD_WORKER, a shell script driven by $FAKE_DIR/mode) that
# exits without a result, dies of a signal, sends a malformed result, or
# claims success with an empty file, another identity's proxy or a shorter
# proxy, each attempt is one logged failure, the stored proxy is kept, no
# temp file is left and the daemon lives on; a good result is committed.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup
export FAKE_DIR=$T/fake
mkdir -p "$FAKE_DIR"
cat > "$FAKE_DIR/worker" <<'SH'
#!/bin/bash
# fake proxy-renewd-worker: read the request frame, act as $FAKE_DIR/mode says
n=$(head -c 4 | od -An -tu1 | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4 }')
req=$(head -c "$n")
out=$(printf '%s\n' "$req" | sed -n 's/^Out=//p')
mode=$(cat "$FAKE_DIR/mode")
reply() {
	local n=${#1}
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) \
	    $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
	printf '%s' "$1"
}
ok_reply() {
	reply "Response=0
Identity=/C=XX/O=Test/CN=alice
Server=localhost:7512
End_time=$(date +%s)0
"
}
case $mode in
exit1)	exit 1 ;;
segv)	kill -SEGV $$ ;;
garbage) reply "this is not key=value" ;;
huge)	printf '\x7f\xff\xff\xff'; sleep 1 ;;
empty)	ok_reply ;;
bob)	cat "$FAKE_DIR/bob.pem" > "$out"; ok_reply ;;
shorter) cat "$FAKE_DIR/short.pem" > "$out"; ok_reply ;;
good)	cat "$FAKE_DIR/good.pem" > "$out"; ok_reply ;;
esac
exit 0
SH
chmod +x "$FAKE_DIR/worker"
new_proxy alice "$T/cur.pem" 20
new_proxy alice "$FAKE_DIR/short.pem" 10
new_proxy alice "$FAKE_DIR/good.pem" 120
new_proxy bob "$FAKE_DIR/bob.pem" 120
echo exit1 > "$FAKE_DIR/mode"
WORKER=$FAKE_DIR/worker eng_start --backoff-min 60 --worker-timeout 5
reg "$T/cur.pem" localhost:7512 job1
assert_response 0 "register"
file=$(kv Proxy_name)
sum=$(sha256sum < "$file")

# set_mode MODE: the fake's next mode, in one rename (a worker running now
# reads the old mode or the new one, never an empty file)
set_mode() {
	echo "$1" > "$FAKE_DIR/mode.new" && mv "$FAKE_DIR/mode.new" "$FAKE_DIR/mode"
}

# attempt MODE REGEX: one attempt with the fake in MODE fails with REGEX
n_attempt=0
attempt() {
	local mode=$1 re=$2
	set_mode "$mode"
	n_attempt=$((n_attempt + 1))
	[ "$n_attempt" -gt 1 ] && kill -USR1 "$DAEMON_PID"
	wait_status "$file" Failures "$n_attempt" 15 ||
	    fail "$mode: no failed attempt recorded (Failures=$(kv Failures))"
	assert_match "$re" "$(kv Last_error)" "$mode: Last_error"
	assert_match "$re" "$(grep FAILED "$DAEMON_LOG" | tail -n 1)" "$mode: logged"
	assert_eq "$sum" "$(sha256sum < "$file")" "$mode: stored proxy kept"
	assert_eq "" "$(cd "$REPO" && ls -A | grep '^\.tmp' || true)" \
	    "$mode: no temp file left"
	daemon_alive "$mode"
}
attempt exit1 "worker exited with status 1 without a result"
attempt segv "worker died of signal 11"
attempt garbage "worker result|malformed|parse"
attempt huge "without a well-formed result"
attempt empty "result rejected by the daemon"
attempt bob "result rejected by the daemon: new proxy is for /C=XX/O=Test/CN=bob"
attempt shorter "result rejected by the daemon: new proxy would end earlier"

set_mode good
kill -USR1 "$DAEMON_PID"
wait_status "$file" Failures 0 15 || fail "good: not committed"
assert_eq "$(sha256sum < "$FAKE_DIR/good.pem")" "$(sha256sum < "$file")" \
    "good: the worker's proxy is the repository file"
jobget job1
assert_eq "$(eng_end "$FAKE_DIR/good.pem")" "$(kv End_time)" "good: GET End_time"
daemon_stop
check_log_clean
