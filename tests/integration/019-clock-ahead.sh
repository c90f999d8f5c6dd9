#!/bin/bash
# label: core
# A clock far ahead must not delete still-valid proxies
# for good at start-up. The daemon, started with its clock ten years ahead
# (faketime), finds every stored proxy "expired" although the repository
# was written moments ago: it refuses to start with a loud reason naming
# both times, and deletes nothing. With the clock right it starts and
# serves as before. --trust-clock (the downtime was real) lets it start and
# expire them, saying so.
source "$(dirname "$0")/lib/common.sh"
need_tool faketime
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKETIME_LIB" ] || die "missing libfaketime.so.1 (install faketime)"

setup_ca
new_proxy alice "$T/a" 600
daemon_start
reg "$T/a" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)
daemon_stop
repo_save

# libfaketime preloaded (the faketime command would stand between the test
# and the daemon's pid); an ASan build must not insist on coming first
FAKE_AHEAD=(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+3650d
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
DAEMON_WRAP=("${FAKE_AHEAD[@]}")
daemon_refuses "clock"
DAEMON_WRAP=()
assert_file "$fa" "jobA's proxy file kept"
repo_unchanged "start with the clock ten years ahead"

daemon_start
jobget jobA
assert_response 0 "jobA served with the clock right"
daemon_stop

DAEMON_WRAP=("${FAKE_AHEAD[@]}")
daemon_start --trust-clock
DAEMON_WRAP=()
wait_log "clock check: .*--trust-clock" 5 && ok "--trust-clock: logged" ||
    fail "--trust-clock: no clock check line"
wait_until 5 [ ! -e "$fa" ]
assert_file_gone "$fa" "--trust-clock: the proxy expired (the downtime was real)"
daemon_stop
check_log_clean
