#!/bin/bash
# label: core
# A longer proxy of the same identity replaces the stored file (same path,
# new content, later End_time); a shorter one joins without replacing; a
# stored proxy within the condor limit of expiry is not joined.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/p60" 60
new_proxy alice "$T/p120" 120
new_proxy alice "$T/p30" 30 legacy
new_proxy alice "$T/p20" 20
new_proxy alice "$T/p25" 25
daemon_start -c 1800

reg "$T/p60" localhost jobA
assert_response 0 "register jobA (60 min)"
f=$(kv Proxy_name)
e1=$(kv End_time)
assert_eq "$(proxy_end_time "$T/p60")" "$e1" "End_time of the 60 min proxy"
sum1=$(sha256sum < "$f")

reg "$T/p120" localhost jobB
assert_response 0 "register jobB (120 min)"
assert_eq "$f" "$(kv Proxy_name)" "longer proxy: same path"
e2=$(kv End_time)
assert_eq "$(proxy_end_time "$T/p120")" "$e2" "End_time is the longer proxy's"
[ "$e2" -gt "$e1" ] && ok "End_time later" || fail "End_time not later: $e1 -> $e2"
sum2=$(sha256sum < "$f")
assert_ne "$sum1" "$sum2" "file content replaced"
assert_eq "$(proxy_end_time "$T/p120")" "$(proxy_end_time "$f")" \
    "the file now holds the longer proxy"
assert_eq 600 "$(stat -c %a "$f")" "replaced file mode 0600"
jobget jobA
assert_eq "$e2" "$(kv End_time)" "jobA now sees the longer proxy too"
assert_eq "" "$(ls -A "$REPO" | grep -Ev '^repository\.(lock|db(-wal|-shm|-journal)?)$' |
    grep -v "^${f##*/}$")" "no temp file left in the repository"

reg "$T/p30" localhost jobC
assert_response 0 "register jobC (30 min, legacy)"
assert_eq "$f" "$(kv Proxy_name)" "shorter proxy joins the same file"
assert_eq "$e2" "$(kv End_time)" "shorter proxy: End_time unchanged"
assert_eq "$sum2" "$(sha256sum < "$f")" "shorter proxy: content unchanged"
status "$f"
assert_eq 3 "$(kv Jobs)" "three jobs"
assert_eq "$e2" "$(kv End_time)" "STATUS End_time"

# Condor limit: a stored proxy with 20 min left (< 1800 s) is not joined.
reg "$T/p20" localhost:7700 jobX
assert_response 0 "register jobX (20 min, within the condor limit)"
fx=$(kv Proxy_name)
reg "$T/p25" localhost:7700 jobY
assert_response 0 "register jobY (25 min)"
fy=$(kv Proxy_name)
assert_ne "$fx" "$fy" "stored proxy near expiry is not joined"
assert_eq "$(proxy_end_time "$T/p20")" "$(proxy_end_time "$fx")" \
    "the near-expiry stored proxy is not replaced either"
status "$fx"
assert_eq 1 "$(kv Jobs)" "jobX alone on its file"

daemon_stop
check_log_clean
