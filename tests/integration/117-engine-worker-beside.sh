#!/bin/bash
# label: myproxy
# 117-engine-worker-beside: with PROXY_RENEWD_WORKER unset, the daemon and
# `proxy-renew renew` of the build tree run the proxy-renewd-worker that
# sits next to them (build/bin), and both renew through it; a copy of the
# daemon in a directory without a worker names the installed path it tried.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

mp_setup_alice
unset PROXY_RENEWD_WORKER
beside=$(dirname "$PRD")/proxy-renewd-worker
assert_file "$beside" "the worker is built next to the daemon"

# ---- the one-shot renewal of the command
new_proxy alice "$T/cur.pem" 20
run "$PRCLI" renew -s "$A1" -f "$T/cur.pem" -o "$T/out.pem" --lifetime 2 \
    --cert "$MP_SVC_CERT" --key "$MP_SVC_KEY" --CAdir "$MP_CADIR"
assert_rc 0 "proxy-renew renew without PROXY_RENEWD_WORKER"
assert_match '^/C=XX/O=Test/CN=alice/' "$(proxy_subject "$T/out.pem")" \
    "one-shot: renewed proxy of alice"

# ---- the daemon
daemon_start -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" -C "$MP_CADIR" \
    --lifetime 2 --myproxy-server "$A1"
assert_match "worker $beside\$" "$(grep -E 'renewal: service credential' \
    "$DAEMON_LOG")" "daemon: uses the worker next to itself"
eng_reg_renewed "$T/cur.pem" "$A1" job1 30 || fail "daemon: not renewed in 30 s"
daemon_stop

# ---- a daemon with no worker next to it falls back to the install path
installed=$(strings "$PRD" | grep -m 1 '/libexec/proxy-renewd/proxy-renewd-worker$')
assert_match '^/' "$installed" "the installed worker path is compiled in"
cp "$PRD" "$T/proxy-renewd"
if [ -x "$installed" ]; then
	PRD=$T/proxy-renewd daemon_start -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" \
	    -C "$MP_CADIR"
	assert_match "worker $installed\$" "$(grep -E 'renewal: service \
	    credential' "$DAEMON_LOG" | tail -n 1)" "copy: the installed worker"
	daemon_stop
else
	PRD=$T/proxy-renewd daemon_refuses "renewal worker $installed: " \
	    -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" -C "$MP_CADIR"
fi
check_log_clean
