#!/bin/bash
# label: core
# Disk faults: the repository on a small tmpfs. A full disk
# (ENOSPC) and a read-only remount make changes fail with a clear code and
# Message=, never 0; what was stored stays readable and consistent (old
# proxies kept, integrity_check ok, every file valid); once the disk is
# writable again the daemon stores again, and everything answered 0 is
# there after a restart. A repository remounted read-only (possible only
# while the daemon is stopped: it holds files open for writing) makes the
# daemon refuse to start with a clear reason, and nothing is lost. The test
# fails loudly if it cannot mount or remount.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/repo_check.sh"
repo_on_tmpfs 2m "disk faults"

setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600
daemon_start
reg "$T/a" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)
sum_a=$(sha256sum < "$fa")
answered=(jobA)

# ---- full disk
dd if=/dev/zero of="$DISK/fill" bs=4k 2>/dev/null
[ "$(df --output=avail -B1 "$DISK" | tail -n 1)" -lt 8192 ] ||
    die "premise: the tmpfs is not full"
reg "$T/b" localhost jobB
code=$(kv Response)
if [ "$code" = 0 ]; then
	fail "REGISTER on a full disk answered 0"
else
	ok "REGISTER of a new proxy on a full disk refused (Response=$code)"
	[ -n "$(kv Message)" ] && ok "with a Message: $(kv Message)" ||
	    fail "no Message= with code $code"
fi
for j in jobA2 jobA3; do
	reg "$T/a" localhost $j
	[ "$(kv Response)" = 0 ] && answered+=($j)
done
jobget jobA
assert_response 0 "GET jobA on a full disk"
assert_eq "$sum_a" "$(sha256sum < "$fa")" "jobA's file unchanged"
daemon_alive "full disk"

rm -f "$DISK/fill"
reg "$T/b" localhost jobB
assert_response 0 "REGISTER after space came back"
answered+=(jobB)
daemon_stop
repo_check "after ENOSPC"

# ---- read-only remount (the daemon stopped: nothing may be open for writing)
mount -o remount,ro "$DISK" || die "cannot remount $DISK read-only: NOT tested"
daemon_refuses "[Rr]ead-only|readonly|EROFS|denied"
mount -o remount,rw "$DISK" || die "cannot remount $DISK read-write"
repo_check "after the read-only start attempt"
daemon_start
reg "$T/b" localhost jobD "Unique=1\\n"
assert_response 0 "REGISTER after the disk is writable again"
answered+=(jobD)

daemon_stop
daemon_start
for j in "${answered[@]}"; do
	jobget "$j"
	assert_response 0 "$j (answered 0) present after restart"
done
daemon_stop
repo_check "after restart"
check_log_clean
