#!/bin/bash
# label: core
# Clients that stall never delay others: a client that connects and sends
# nothing, one that sends half a frame, one that dribbles a byte at a time,
# and a crowd of silent ones; each stalled client is dropped after the read
# timeout (--timeout 2 here) with a log line.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/p1" 600
daemon_start --timeout 2
reg "$T/p1" localhost job1
assert_response 0 "setup: register job1"
f1=$(kv Proxy_name)

# fast_get DESC: a GET answered in under 500 ms while others stall.
fast_get() {
	local t0 t1
	t0=$(now_ms)
	jobget job1
	t1=$(now_ms)
	assert_response 0 "$1: GET answered"
	assert_eq "$f1" "$(kv Proxy_name)" "$1: GET's file"
	if [ $((t1 - t0)) -lt 500 ]; then
		ok "$1: GET took $((t1 - t0)) ms"
	else
		fail "$1: GET took $((t1 - t0)) ms (a stalled client delays others)"
	fi
}

# stalled NAME RAWSEND-ARGS...: start a stalled client in the background.
stalled() {
	local name=$1
	shift
	( s=$(now_ms); "$RAWSEND" "$SOCK" --wait 15 "$@" > "$T/$name.out" 2>&1
	  echo "rc=$? ms=$(( $(now_ms) - s ))" >> "$T/$name.out" ) &
	pids+=($!)
}
pids=()

# dropped NAME DESC: the stalled client ended after about the timeout,
# without a success response.
dropped() {
	local ms
	ms=$(sed -n 's/^rc=.* ms=//p' "$T/$1.out")
	if [ -z "$ms" ]; then
		fail "$2: client still waiting"
		return
	fi
	if [ "$ms" -ge 1500 ] && [ "$ms" -le 6000 ]; then
		ok "$2: dropped after $ms ms"
	else
		fail "$2: dropped after $ms ms, expected about 2000"
	fi
	if grep -q '^Response=0$' "$T/$1.out"; then
		fail "$2: got a success response: $(tr '\n' '|' < "$T/$1.out")"
	else
		assert_match '^(EOF|Response=1911|Response=1901)$' \
		    "$(cat "$T/$1.out")" "$2: EOF or a timeout code"
	fi
}

stalled silent --nothing
sleep 0.3
fast_get "silent client connected"

stalled half --len 100 --body "Version=$PR_PROTO_VERSION\\nComm" --no-nul
stalled header --len 100 --header-only
sleep 0.3
fast_get "half frame and bare header pending"

stalled dribble --body "Version=$PR_PROTO_VERSION\\nCommand=3\\nJobid=job1\\n" \
    --dribble 0.25
for i in $(seq 1 30); do
	stalled "crowd$i" --nothing
done
sleep 0.5
fast_get "a dribbling client and 30 silent ones pending"

wait "${pids[@]}"
dropped silent "silent client"
dropped half "half frame"
dropped header "bare header"
dropped dribble "dribbling client (the timeout covers the whole request)"
n=0
for i in $(seq 1 30); do
	grep -q '^rc=' "$T/crowd$i.out" && ! grep -q '^Response=0$' \
	    "$T/crowd$i.out" && n=$((n + 1))
done
assert_eq 30 "$n" "all 30 silent clients dropped"

wait_log "[Tt]ime(d)? ?out" 2 && ok "the timeout is logged" ||
    fail "no timeout line in the daemon log"
fast_get "after the drops"
daemon_stop

# The timeout also comes from GLITE_PR_TIMEOUT, as in gLite.
GLITE_PR_TIMEOUT=1 daemon_start
pids=()
stalled envsilent --nothing
wait "${pids[@]}"
ms=$(sed -n 's/^rc=.* ms=//p' "$T/envsilent.out")
if [ "$ms" -ge 700 ] && [ "$ms" -le 4000 ]; then
	ok "GLITE_PR_TIMEOUT=1: dropped after $ms ms"
else
	fail "GLITE_PR_TIMEOUT=1: dropped after $ms ms"
fi
daemon_stop
check_log_clean
