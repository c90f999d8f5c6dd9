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
#   log_count REGEX       lines of DAEMON_LOG matching REGEX
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

wait_end_after() {
	local f=$1 t=$2 secs=${3:-20} i
	for i in $(seq 1 $((secs * 10))); do
		[ "$(eng_end "$f")" -gt "$t" ] && return 0
		sleep 0.1
	done
	return 1
}

wait_status() {
	local f=$1 key=$2 re=$3 secs=${4:-20} i
	for i in $(seq 1 $((secs * 5))); do
		status "$f"
		[[ $(kv "$key") =~ ^($re)$ ]] && return 0
		sleep 0.2
	done
	return 1
}

log_count() {
	grep -Ec -- "$1" "$DAEMON_LOG"
}

eng_voms_setup() {
	mp_setup
	mp_start one
	mp_store alice one
	A1=$(mp_addr one)
	voms_init "$T/voms" "$T/ca" testvo || die "voms_init"
	voms_add_user /C=XX/O=Test/CN=alice "$@" || die "voms_add_user"
}

vinfo() {
	X509_CERT_DIR=$MP_CADIR X509_VOMS_DIR=$VOMS_VOMSDIR voms-proxy-info \
	    "$@" 2>/dev/null
}
