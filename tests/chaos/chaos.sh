#!/bin/bash
# tests/chaos/chaos.sh BUILD_DIR: the crash test (make chaos; make check
# runs CYCLES=20). BUILD_DIR must be built with -DPR_FAULT_INJECT=ON.
#
# The real daemon renews against a real myproxy-server (proxies of 20
# minutes: due at once) while a client does REGISTER (shared and unique),
# UNREGISTER and GET, logging every answer. Each cycle ends the daemon
# one way, chosen at random:
#   kill      kill -9 of the daemon at a random moment
#   workers   kill -9 of its renewal workers, then of the daemon
#   register-written, unregister-committed, expire-committed
#             the daemon kills itself at that fault point (fault.h): the
#             windows where a file and its record part
# then restarts it and checks: every change answered 0 is there (a job
# answered 0 to REGISTER is served, one answered 0 to UNREGISTER is not),
# a change that got no answer may be either way; no worker outlives its
# daemon (waited for up to the worker timeout); after a clean stop the
# repository is consistent (lib/repo_check.sh: integrity_check, every file
# a valid private proxy with a matching key, files == live records, no
# temp file). CYCLES (default 20), CHAOS_SEED (default: random, printed).
set -u
PR_BUILD_DIR=$(cd "${1:?usage: chaos.sh BUILD_DIR}" && pwd)
export PR_BUILD_DIR
CYCLES=${CYCLES:-20}
CHAOS_SEED=${CHAOS_SEED:-$RANDOM}
RANDOM=$CHAOS_SEED
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib/common.sh
source "$here/../integration/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/repo_check.sh"
PR_TEST_NAME=chaos
echo "chaos: $CYCLES cycles, CHAOS_SEED=$CHAOS_SEED" >&2

mp_setup
mp_start one
mp_store alice one
mp_store bob one
A1=$(mp_addr one)
new_proxy alice "$T/alice" 20
new_proxy bob "$T/bob" 20
declare -A STATE	# job -> reg | unreg | unknown
declare -A RETIRED	# jobs unregistered at the end of the last cycle
JOBS=()
WORKER_TIMEOUT=10
FAULT_HITS=0

# A client in the background: N operations on jobs of cycle C, one
# "OP JOB CODE" line per answer ("-" for none) in $T/answers.C.
client() {
	local c=$1 n=$2 i job who extra out code prev=
	for i in $(seq 1 "$n"); do
		job=c$c-$i
		who=alice
		[ $((RANDOM % 2)) = 0 ] && who=bob
		extra=
		[ $((RANDOM % 3)) = 0 ] && extra='Unique=1\n'
		out=$("$RAWSEND" "$SOCK" --wait 5 --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=$A1\\nProxy_name=$T/$who\\nJobid=$job\\n$extra" 2>/dev/null)
		code=$(sed -n 's/^Response=//p' <<< "$out")
		echo "R $job ${code:--}" >> "$T/answers.$c"
		if [ -n "$prev" ] && [ $((RANDOM % 2)) = 0 ]; then
			out=$("$RAWSEND" "$SOCK" --wait 5 --body "Version=$PR_PROTO_VERSION\\nCommand=2\\nJobid=$prev\\n" 2>/dev/null)
			code=$(sed -n 's/^Response=//p' <<< "$out")
			echo "U $prev ${code:--}" >> "$T/answers.$c"
		fi
		"$RAWSEND" "$SOCK" --wait 5 --body "Version=$PR_PROTO_VERSION\\nCommand=3\\nJobid=$job\\n" >/dev/null 2>&1
		prev=$job
	done
}

# What the answers of cycle C say about each job.
note_answers() {
	local op job code
	[ -f "$T/answers.$1" ] || return 0
	while read -r op job code; do
		[ -n "${STATE[$job]+x}" ] || JOBS+=("$job")
		case $op/$code in
		R/0) STATE[$job]=reg ;;
		U/0) STATE[$job]=unreg ;;
		R/-|U/-) STATE[$job]=unknown ;;
		R/*) [ -n "${STATE[$job]+x}" ] || STATE[$job]=unreg ;;
		esac
	done < "$T/answers.$1"
}

worker_pids() {
	pgrep -f "^$WORKER( |$)" 2>/dev/null || true
}

wait_no_orphans() {
	local i
	for i in $(seq 1 $((WORKER_TIMEOUT * 10 + 50))); do
		[ -z "$(worker_pids)" ] && return 0
		sleep 0.1
	done
	fail "cycle $1: workers outlived their daemon: $(worker_pids | tr '\n' ' ')"
	kill -9 $(worker_pids) 2>/dev/null
}

# An expiring proxy whose renewal cannot work (no such server): it is
# expired (and its file removed) within seconds, the expire-committed window.
expiring_job() {
	local c=$1 end=$(( $(date +%s) + 3 ))
	make_proxy_until "$T/ca/alice" "$T/exp.$c" "$end" || die "make_proxy_until"
	"$RAWSEND" "$SOCK" --wait 5 --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=localhost:1\\nProxy_name=$T/exp.$c\\nJobid=e$c\\nUnique=1\\n" > "$T/exp.out" 2>/dev/null
	echo "R e$c $(sed -n 's/^Response=//p' "$T/exp.out")" >> "$T/answers.$c"
}

# Unregister the jobs checked so far (answers noted), so the repository
# stays small however many cycles run.
retire_jobs() {
	local job keep=()
	# those retired last cycle were checked once more: forget them
	for job in "${JOBS[@]}"; do
		if [ -n "${RETIRED[$job]+x}" ]; then
			unset "STATE[$job]"
		else
			keep+=("$job")
		fi
	done
	JOBS=("${keep[@]}")
	RETIRED=()
	for job in "${JOBS[@]}"; do
		RETIRED[$job]=1
		[ "${STATE[$job]}" = unreg ] && continue
		unreg "$job"
		case $(kv Response) in
		0|1908) STATE[$job]=unreg ;;
		*) fail "UNREGISTER $job answered '$(kv Response)'" ;;
		esac
	done
}

check_jobs() {
	local c=$1 job got bad=0
	for job in "${JOBS[@]}"; do
		jobget "$job"
		got=$(kv Response)
		case ${STATE[$job]}/$got in
		reg/0|reg/1909|unreg/1908|unknown/0|unknown/1908|unknown/1909) ;;
		*) fail "cycle $c: $job is ${STATE[$job]} but GET answers '$got'"
		   bad=1 ;;
		esac
	done
	[ "$bad" = 0 ] && ok "cycle $c: all ${#JOBS[@]} jobs as answered"
}

for c in $(seq 1 "$CYCLES"); do
	modes=(kill kill workers register-written unregister-committed expire-committed)
	mode=${modes[$((RANDOM % ${#modes[@]}))]}
	case $mode in
	kill|workers) unset PR_FAULT_STOP ;;
	*) export PR_FAULT_STOP=$mode ;;
	esac
	eng_start --lifetime 1 --worker-timeout $WORKER_TIMEOUT --myproxy-server "$A1"
	unset PR_FAULT_STOP
	[ "$mode" = expire-committed ] && expiring_job "$c"
	client "$c" 8 &
	cpid=$!
	case $mode in
	kill)
		sleep "0.$((RANDOM % 10))"
		kill -9 "$DAEMON_PID" 2>/dev/null ;;
	workers)
		sleep "0.$((RANDOM % 10))"
		kill -9 $(worker_pids) 2>/dev/null
		sleep "0.$((RANDOM % 5))"
		kill -9 "$DAEMON_PID" 2>/dev/null ;;
	*)
		# the daemon kills itself at the fault point; a cycle whose
		# requests never reach it ends with a plain kill -9
		for i in $(seq 1 100); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -9 "$DAEMON_PID" 2>/dev/null; then
			echo "chaos: cycle $c: $mode not reached; killed" >&2
		else
			FAULT_HITS=$((FAULT_HITS + 1))
			echo "chaos: cycle $c: the daemon stopped at $mode" >&2
		fi ;;
	esac
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	wait "$cpid"
	note_answers "$c"
	wait_no_orphans "$c"
	eng_start --lifetime 1 --worker-timeout $WORKER_TIMEOUT --myproxy-server "$A1"
	check_jobs "$c"
	retire_jobs
	daemon_stop
	repo_check "cycle $c ($mode)"
done
echo "chaos: $CYCLES cycles, $FAULT_HITS stopped at a fault point, CHAOS_SEED=$CHAOS_SEED" >&2
check_log_clean
