#!/bin/bash
# label: core
# A stored proxy that reaches its end without a renewal (no MyProxy server
# here) is removed and its jobs answer 1909 until unregistered. At start-up
# leftover ".tmp.*" files are removed, and a repository file deleted behind
# the daemon's back is never handed out.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/long" 600
new_proxy bob "$T/bob" 600
daemon_start --backoff-min 1 --worker-timeout 5
end=$(( $(date +%s) + 8 ))
make_proxy_until "$T/ca/alice" "$T/short" "$end" || die "short proxy"

reg "$T/short" localhost:1 jobS
assert_response 0 "register a proxy with seconds left"
fs=$(kv Proxy_name)
assert_eq "$end" "$(kv End_time)" "its End_time"
reg "$T/long" localhost jobL
assert_response 0 "register a long proxy"
fl=$(kv Proxy_name)
reg "$T/bob" localhost jobB
assert_response 0 "register bob's proxy"
fb=$(kv Proxy_name)

while [ "$(date +%s)" -le $((end + 1)) ]; do sleep 0.5; done
jobget jobS
assert_response 1909 "GET after the proxy's end"
wait_until 5 [ ! -e "$fs" ]
assert_file_gone "$fs" "the expired proxy's file is removed"
list
if kv_all Proxy_name | grep -qx "$fs"; then
	fail "LIST still shows the expired file"
else
	ok "LIST no longer shows the expired file"
fi
jobget jobL
assert_response 0 "the other identity's job is unaffected"
unreg jobS
assert_response 0 "UNREGISTER of the expired job"
jobget jobS
assert_response 1908 "after UNREGISTER the job is unknown"
reg "$T/long" localhost:1 jobS2
assert_response 0 "a fresh proxy for the same server registers anew"
assert_file "$(kv Proxy_name)" "and gets a file"

daemon_stop
echo leftover > "$REPO/.tmp.leftover"
chmod 0600 "$REPO/.tmp.leftover"
rm -f "$fl"
daemon_start
assert_file_gone "$REPO/.tmp.leftover" "a leftover temp file is removed at start"
jobget jobL
if [ "$(kv Response)" = 0 ]; then
	fail "GET hands out a file deleted behind the daemon's back: $(kv Proxy_name)"
else
	ok "GET of a job whose file vanished answers $(kv Response)"
fi
jobget jobB
assert_response 0 "bob's job is intact"
assert_eq "$fb" "$(kv Proxy_name)" "bob's file"
list
for f in $(kv_all Proxy_name); do
	[ -f "$f" ] || fail "LIST shows a file that does not exist: $f"
done
ok "every file LIST shows exists"
daemon_alive "after recovery"
daemon_stop
check_log_clean
