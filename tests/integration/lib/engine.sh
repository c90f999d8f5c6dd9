# engine.sh: the daemon's renewal engine against real myproxy-servers, for
# tests/integration/11x-*.sh. Source after common.sh and myproxy.sh, after
# mp_setup.
#
#   eng_start ARGS...     daemon_start with the build tree's worker
#                         (PROXY_RENEWD_WORKER), the service credential and
#                         CA directory of mp_setup, then ARGS
#   eng_end FILE          earliest notAfter of FILE (0 when unreadable)
#   wait_end_after FILE T [SECS]   wait (default 20 s) until FILE's notAfter
#                         is later than T; 0 when it happened
#   wait_status FILE KEY REGEX [SECS]  poll STATUS of FILE until KEY's value
#                         matches REGEX (default 20 s); 0 when it did; OUT
#                         holds the last STATUS response
#   eng_reg_renewed PROXY SERVERS JOBID [SECS]
#                         REGISTER PROXY (Response=0 asserted; FILE is its
#                         repository file), then wait_end_after FILE
#                         PROXY's notAfter (default 30 s); 0 when renewed
#   wait_worker [SECS]    wait (default 10 s) until a renewal worker of the
#                         daemon runs; 0 when one does
#   expect_class PROXY SERVERS JOB CLASS DESC
#                         REGISTER PROXY for JOB at SERVERS (Response=0
#                         asserted), SIGUSR1 (renew now: for a proxy not
#                         due yet), wait (20 s) for a failed attempt and
#                         assert STATUS Failure_class=CLASS; OUT holds that
#                         STATUS (kv Last_error: the server's text)
#   log_count REGEX       lines of DAEMON_LOG matching REGEX
#   wait_log_count N REGEX [SECS]  wait (default 10 s) until N lines of
#                         DAEMON_LOG match REGEX; 0 when they did
#
# For the 21x-voms-engine tests (voms.sh sourced too):
#
#   eng_voms_setup FQAN...  mp_setup, myproxy-server "one" holding alice's
#                         credential (its address in A1), voms_init in
#                         $T/voms (VO testvo), alice added with the FQANs;
#                         dies on failure
#   vinfo ARGS...         voms-proxy-info ARGS with the lab's CA and vomsdir,
#                         stderr dropped

eng_start() {
	export PROXY_RENEWD_WORKER=$WORKER
	daemon_start -t "$MP_SVC_CERT" -k "$MP_SVC_KEY" -C "$MP_CADIR" "$@"
}

eng_end() {
	proxy_end_time "$1" 2>/dev/null || echo 0
}

eng_end_after_() {
	[ "$(eng_end "$1")" -gt "$2" ]
}

wait_end_after() {
	wait_until "${3:-20}" eng_end_after_ "$1" "$2"
}

eng_status_is_() {
	status "$1"
	[[ $(kv "$2") =~ ^($3)$ ]]
}

wait_status() {
	wait_until "${4:-20}" eng_status_is_ "$1" "$2" "$3"
}

eng_reg_renewed() {
	local end
	end=$(eng_end "$1")
	reg "$1" "$2" "$3"
	assert_response 0 "register $3"
	FILE=$(kv Proxy_name)
	wait_end_after "$FILE" "$end" "${4:-30}"
}

eng_worker_runs_() {
	pgrep -P "$DAEMON_PID" -f proxy-renewd-worker > /dev/null
}

wait_worker() {
	wait_until "${1:-10}" eng_worker_runs_
}

expect_class() {
	local p=$1 servers=$2 job=$3 cls=$4 desc=$5 f
	reg "$p" "$servers" "$job"
	assert_response 0 "$desc: register"
	f=$(kv Proxy_name)
	kill -USR1 "$DAEMON_PID"
	if wait_status "$f" Failures '[1-9][0-9]*' 20; then
		assert_eq "$cls" "$(kv Failure_class)" "$desc: Failure_class"
	else
		fail "$desc: no failed attempt (Failures=$(kv Failures))"
	fi
}

log_count() {
	grep -Ec -- "$1" "$DAEMON_LOG"
}

eng_log_count_ge_() {
	[ "$(log_count "$2")" -ge "$1" ]
}

wait_log_count() {
	wait_until "${3:-10}" eng_log_count_ge_ "$1" "$2"
}

eng_voms_setup() {
	mp_setup_alice
	voms_init "$T/voms" "$T/ca" testvo || die "voms_init"
	voms_add_user /C=XX/O=Test/CN=alice "$@" || die "voms_add_user"
}

vinfo() {
	X509_CERT_DIR=$MP_CADIR X509_VOMS_DIR=$VOMS_VOMSDIR voms-proxy-info \
	    "$@" 2>/dev/null
}
