#!/bin/bash
# label: core
# Many clients at once: 40 concurrent REGISTERs of one identity (raw frames
# and the library) all succeed and aggregate into one stored proxy with 40
# jobs; 40 concurrent UNREGISTERs empty it; nothing is lost or duplicated.
source "$(dirname "$0")/lib/common.sh"

need_bin "$APICLIENT" pr-apiclient
setup_ca
new_proxy alice "$T/p1" 600
new_proxy alice "$T/p2" 600 legacy
daemon_start
reg "$T/p1" localhost seed
assert_response 0 "seed job"
f=$(kv Proxy_name)

pids=()
for i in $(seq 1 30); do
	"$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=localhost\\nProxy_name=$T/p$((i % 2 + 1))\\nJobid=job$i\\n" \
	    > "$T/r$i.out" 2>&1 &
	pids+=($!)
done
for i in $(seq 31 40); do
	"$APICLIENT" register "$T/p1" localhost 0 "job$i" > "$T/r$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
n_ok=0
for i in $(seq 1 40); do
	if grep -qx "Proxy_name=$f" "$T/r$i.out" || grep -qx "$f" "$T/r$i.out"; then
		n_ok=$((n_ok + 1))
	else
		fail "job$i: $(tr '\n' '|' < "$T/r$i.out")"
	fi
done
assert_eq 40 "$n_ok" "40 concurrent REGISTERs joined the seed's file"
if grep -Eq "$PR_SANITIZER_RE" "$T"/r*.out; then
	fail "sanitizer report from a client: $(grep -Eh -m 3 "$PR_SANITIZER_RE" "$T"/r*.out)"
fi
status "$f"
assert_eq 41 "$(kv Jobs)" "41 jobs on the file"
list
assert_eq "$f" "$(kv_all Proxy_name)" "one stored proxy"

pids=()
for i in $(seq 1 40); do
	"$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=2\\nJobid=job$i\\n" \
	    > "$T/u$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
n_ok=$(cat "$T"/u*.out | grep -cx 'Response=0')
assert_eq 40 "$n_ok" "40 concurrent UNREGISTERs answered 0"
status "$f"
assert_eq 1 "$(kv Jobs)" "the seed job remains"
unreg seed
assert_response 0 "unregister the seed"
assert_eq "" "$(repo_files)" "repository empty"
daemon_stop
check_log_clean
