#!/usr/bin/env bash
# bench/run.sh BUILD_DIR: make bench. Measures the targets of issue 10 and
# writes bench/RESULTS.md (tables), bench/results.json (every raw number)
# and bench/plots/*.png (gnuplot). Everything runs on loopback in a temp
# dir (real daemon, real myproxy-server) and is stopped at exit.
#
# Sections (BENCH_SECTIONS, default all: "cred history requests getratio
# burst outage"):
#   cred      cred_inspect per parse: OpenSSL's own calls (baseline), a
#             decoder per call, one reused, a memo hit
#   history   a recorded failed attempt (its own transaction) with the
#             audit trail kept (20 per proxy) and without (--history 0),
#             and reading a proxy's 20 rows (bench_history, in $T)
#   requests  for each size in SIZES: a repository of N jobs on N/10
#             identities (bench_fill), then alternating repetitions of GET
#             (8 clients, 1 client), REGISTER joining an identity (8, 1)
#             and REGISTER of new identities (8); time to the first answer
#             after a restart, RSS; at the largest size CPU and wake-ups
#             over IDLE_SECS with nothing due
#   getratio  GET (8 clients, N_RATIO each) at the smallest and the largest
#             of SIZES, the two daemons one after the other, RATIO_REPS
#             times (default REPS, at least 9: each is seconds, and a
#             ratio of two rates on this machine swings +-15 % from one
#             repetition to the next)
#   burst     BURST_N identities due at once (RENEW_ALL), the daemon
#             against BURST_N myproxy-logon runs 4 at a time, same server,
#             alternating; renewals over time. The daemon twice: "ours"
#             with no idle time before (--key-pool-size 0: every key made
#             in the exchange, as with an empty pool), "ours_pool" after
#             its key pool (KEYPOOL keys, default 2048) holds BURST_N keys
#   outage    OUTAGE_IDS identities x 10 unique registrations due at once,
#             after the key pool holds them all (filling 2,000 keys takes
#             minutes of idle CPU; BENCH_OUTAGE=0 leaves it out)
# The burst's sides run in the order ours, ours_pool, logon in odd
# repetitions and the reverse in even ones.
# Knobs: BENCH_QUICK=1 (small sizes, 10 s idle, no outage: a few minutes on
# 2 cores), BENCH_1M=0 (leaves out the 1,000,000-job point the targets
# name), BENCH_OUTAGE=0, REPS (default 3), SIZES,
# N_GET, N_REG, N_NEW, N_RATIO, IDLE_SECS, BURST_N, OUTAGE_IDS, KEYPOOL. BENCH_MERGE=FILE
# (a results.json of an earlier run) adds its measurements this run did not
# make (by name, e.g. get8.1000000) to the report, listed in RESULTS.md;
# BENCH_MERGE_SERIES=DIR its renewal series (burst plot).
set -u
PR_BUILD_DIR=$(cd "${1:-build}" && pwd)
export PR_BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib/common.sh
source "$here/../tests/integration/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$here/lib.sh"

REPS=${REPS:-3}
RATIO_REPS=${RATIO_REPS:-$((REPS > 9 ? REPS : 9))}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_1M:=0}" "${BENCH_OUTAGE:=0}"
	: "${SIZES:=1000 10000}" "${N_GET:=4000}" "${N_REG:=1000}"
	: "${N_NEW:=300}" "${IDLE_SECS:=10}" "${BURST_N:=20}" "${N_RATIO:=20000}"
else
	: "${SIZES:=1000 10000 100000}" "${N_GET:=20000}" "${N_REG:=3000}"
	: "${N_NEW:=1000}" "${IDLE_SECS:=60}" "${BURST_N:=50}" "${N_RATIO:=100000}"
fi
[ "${BENCH_1M:-1}" = 1 ] && SIZES="$SIZES 1000000"
: "${OUTAGE_IDS:=200}" "${KEYPOOL:=2048}"
SECTIONS=${BENCH_SECTIONS:-cred history requests getratio burst outage}
BREQ=$PR_BUILD_DIR/bench/bench_requests
for b in bench_requests bench_fill bench_certs bench_cred bench_history; do
	need_bin "$PR_BUILD_DIR/bench/$b" "$b"
done
need_tool jq
need_tool gnuplot
mkdir -p "$T/id" "$T/series"
SERVER=localhost:7512
echo "bench: temp dir $T, sections: $SECTIONS, sizes: $SIZES, reps: $REPS" >&2

# ---- set-up shared by the sections

# The CA and every test identity. All share one RSA-2048 key (bench_certs).
bench_identities() {
	mp_setup
	"$PR_BUILD_DIR/bench/bench_certs" "$T/ca" "$T/id" join 1 720 ||
	    die "bench_certs join"
	for r in $(seq 1 "$REPS"); do
		"$PR_BUILD_DIR/bench/bench_certs" "$T/ca" "$T/id" "new${r}_" \
		    "$N_NEW" 720 || die "bench_certs new"
	done
}

# Start the daemon on the current repository; sets START_MS (exec to first
# answered GET of job 0, which every filled repository has) and LOAD_MS
# (exec to the log line saying GET's memory is loaded; GETs before it are
# answered from SQLite, so the measurements wait for it).
start_timed() {
	local t0 i n0
	n0=$(grep -c 'GET memory:' "$DAEMON_LOG" 2>/dev/null)
	t0=$(now_ms)
	# no key pool here (nothing is renewed; its filling would wake the
	# daemon during the idle measurement)
	"$PRD" -F -r "$REPO" -s "$SOCK" "${PR_ROOT_ARGS[@]}" --key-pool-size 0 \
	    --myproxy-server "$SERVER" \
	    >> "$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 1 3000); do
		"$BREQ" get 1 1 1 > /dev/null 2>&1 && break
		kill -0 "$DAEMON_PID" 2>/dev/null || die "daemon died at start"
		sleep 0.01
	done
	START_MS=$(($(now_ms) - t0))
	for i in $(seq 1 12000); do
		[ "$(grep -c 'GET memory:' "$DAEMON_LOG")" -gt "${n0:-0}" ] && break
		kill -0 "$DAEMON_PID" 2>/dev/null || die "daemon died at start"
		sleep 0.01
	done
	LOAD_MS=$(($(now_ms) - t0))
	grep 'GET memory:' "$DAEMON_LOG" | tail -1 | grep -q 'loaded in' ||
	    die "GET memory not loaded within 120 s"
}

# Set the repository aside instead of deleting it (the temp dir goes at
# exit): on ext4 without a journal (this machine's disk) a new file's
# inode skips those deleted in the last 1-6 minutes, one inode table read
# each, and after 100,000 deleted files that was 20 % of the daemon's CPU
# for REGISTER of new identities.
fresh_repo() {
	[ -d "$REPO" ] && { mv "$REPO" "$(mktemp -d "$T/old.XXXXXX")/" ||
	    die "mv $REPO"; }
	mkdir -m 0700 "$REPO" || die "mkdir $REPO"
}

# A fresh repository with N jobs on N/10 identities.
fill_repo() {
	local n=$1
	fresh_repo
	daemon_start --myproxy-server "$SERVER"	# creates the schema
	daemon_stop
	"$PR_BUILD_DIR/bench/bench_fill" "$REPO" "$n" $((n / 10 > 0 ? n / 10 : 1)) \
	    "$T/id/join1.proxy" "$SERVER" || die "bench_fill $n"
}

# stored_identities PREFIX N: myproxy-server "one" started, holding the
# credentials of N new identities PREFIX1..PREFIXN (proxies in $T/ca, 10 h),
# stored 4 at a time; an empty repository.
stored_identities() {
	local i
	mp_start one
	"$PR_BUILD_DIR/bench/bench_certs" "$T/ca" "$T/ca" "$1" "$2" 600 ||
	    die "bench_certs $1"
	for i in $(seq 1 "$2"); do
		mp_store "$1$i" one > /dev/null &
		[ $((i % 4)) -eq 0 ] && wait
	done
	wait
	fresh_repo
}

# gets_with_cpu NAME CPU_NAME REP N JOBS: N GETs of 8 clients (reqs NAME)
# and the daemon's own CPU per GET (rec CPU_NAME), which the machine's load
# and the clients' share of the CPUs change less than the rate.
gets_with_cpu() {
	local c0 c1
	c0=$(proc_cpu_ticks "$DAEMON_PID")
	reqs "$1" "$3" get 8 "$4" "$5"
	c1=$(proc_cpu_ticks "$DAEMON_PID")
	rec "$2" "$3" n="$4" us_per_get="$(awk -v t=$((c1 - c0)) -v n="$4" \
	    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
}

reqs() {	# NAME REP ARGS...: run bench_requests, record its line
	local name=$1 rep=$2 line
	shift 2
	line=$("$BREQ" "$@") || die "bench_requests $name failed"
	rec_line "$name" "$rep" "$line" rate p50_ms p90_ms p99_ms max_ms \
	    client_us idle_pct
	printf '  %-28s rep %s: %s\n' "$name" "$rep" "$line" >&2
}

# ---- sections

sec_cred() {
	local r line
	for r in $(seq 1 "$REPS"); do
		line=$("$PR_BUILD_DIR/bench/bench_cred" "$T/id/join1.proxy" 4000) ||
		    die "bench_cred"
		rec_line cred "$r" "$line" openssl_ms fresh_ms reused_ms memo_hit_ms
		echo "  cred rep $r: $line" >&2
	done
}

sec_history() {
	local r line d
	for r in $(seq 1 "$REPS"); do
		d=$T/history.$r
		mkdir -m 0700 "$d" || die "mkdir $d"
		line=$("$PR_BUILD_DIR/bench/bench_history" "$d" 2000) ||
		    die "bench_history"
		rec_line history "$r" "$line" none_ms kept_ms read_ms
		echo "  history rep $r: $line" >&2
	done
}

sec_requests_size() {
	local n=$1 r new pid
	echo "== requests at $n jobs" >&2
	fill_repo "$n"
	start_timed
	rec "start.$n" 1 first_answer_ms="$START_MS" memory_loaded_ms="$LOAD_MS"
	echo "  first answer after the start: $START_MS ms; GET memory loaded after $LOAD_MS ms" >&2
	grep 'GET memory:' "$DAEMON_LOG" | tail -1 >&2
	pid=$DAEMON_PID
	"$BREQ" register 1 1 "warm" "$SERVER" "$T/id/join1.proxy" > /dev/null ||
	    die "first join"
	for r in $(seq 1 "$REPS"); do
		gets_with_cpu "get8.$n" "getcpu.$n" "$r" "$N_GET" "$n"
		reqs "join8.$n" "$r" register 8 "$N_REG" "j8r$r" "$SERVER" \
		    "$T/id/join1.proxy"
		reqs "get1.$n" "$r" get 1 $((N_GET / 4)) "$n"
		reqs "join1.$n" "$r" register 1 $((N_REG / 4)) "j1r$r" "$SERVER" \
		    "$T/id/join1.proxy"
		new=$(ls "$T/id/new${r}_"*.proxy)
		# shellcheck disable=SC2086 # one argument per file
		reqs "new8.$n" "$r" register 8 "$N_NEW" "n8r$r" "$SERVER" $new
	done
	rec "mem.$n" 1 rss_kb="$(proc_kb "$pid" VmRSS)" \
	    hwm_kb="$(proc_kb "$pid" VmHWM)"
	echo "  RSS $(proc_kb "$pid" VmRSS) kB, peak $(proc_kb "$pid" VmHWM) kB" >&2
	LAST_PID=$pid
}

# CPU and wake-ups of the daemon over IDLE_SECS, nothing due, no client.
sec_idle() {
	local n=$1 c0 c1 w0 w1
	sleep 1		# let the last connection's close settle
	c0=$(proc_cpu_ticks "$DAEMON_PID") w0=$(proc_wakeups "$DAEMON_PID")
	sleep "$IDLE_SECS"
	c1=$(proc_cpu_ticks "$DAEMON_PID") w1=$(proc_wakeups "$DAEMON_PID")
	rec "idle.$n" 1 secs="$IDLE_SECS" cpu_ticks=$((c1 - c0)) \
	    wakeups=$((w1 - w0))
	echo "  idle $IDLE_SECS s at $n jobs: $((c1 - c0)) ticks, $((w1 - w0)) wake-ups" >&2
}

# GET at the smallest and the largest of SIZES, one daemon after the other
# on repositories filled once, REPS times (small, large; large, small; ...),
# N_RATIO GETs each: the ratio the target names, without the drift of a machine
# whose speed changes from one minute to the next (sec_requests measures
# the sizes minutes apart).
sec_getratio() {
	local small=${SIZES%% *} large=${SIZES##* } n r repo=$REPO
	echo "== GET at $small and $large jobs, alternating" >&2
	for n in $small $large; do
		fill_repo "$n"
		mv "$REPO" "$T/ratio.$n" || die "mv $REPO"
	done
	for r in $(seq 1 "$RATIO_REPS"); do
		# small first in odd repetitions, large first in even ones
		for n in $( ((r % 2)) && echo "$small $large" || echo "$large $small"); do
			REPO=$T/ratio.$n
			start_timed
			gets_with_cpu "ratio.$n" "ratiocpu.$n" "$r" "$N_RATIO" "$n"
			daemon_stop
		done
	done
	REPO=$repo
}

sec_requests() {
	local n last=
	for n in $SIZES; do
		sec_requests_size "$n"
		last=$n
		[ "$n" = "${SIZES##* }" ] && sec_idle "$n"
		daemon_stop
	done
}

# Completion times (ms after $2) of renewals logged after line $1.
renew_times() {
	tail -n +"$(($1 + 1))" "$DAEMON_LOG" | grep -E 'renewed in|FAILED in' |
	    while read -r stamp _; do
		echo $(( $(date -u -d "${stamp%Z}" +%s%3N) - $2 ))
	done
}

# Wait until the key pool holds N keys (at most SECS); prints the ms waited.
wait_pool() {
	local n=$1 secs=$2 t0 have
	t0=$(now_ms)
	while :; do
		req "Command=9\\n" > /dev/null
		have=$(kv Key_pool_size)
		[ "${have:-0}" -ge "$n" ] && break
		[ $(($(now_ms) - t0)) -gt $((secs * 1000)) ] &&
		    die "key pool: ${have:-0} of $n keys after $secs s"
		sleep 0.5
	done
	echo $(($(now_ms) - t0))
}

# Wait (at most SECS) until N renewals are logged after line MARK. The
# poll is slow (every second): its CPU is charged to the daemon's side of
# a CPU-bound burst (perf, 12-02: every 0.25 s it took 2.4 % of the CPU
# samples of the daemon's side, against 1.1 % for myproxy-logon's own
# bash and date); the end time is read from the log's millisecond stamps
# (renew_done_ms), not from when we looked.
wait_renewals() {	# MARK N SECS
	local t0
	t0=$(now_ms)
	while [ "$(tail -n +"$(($1 + 1))" "$DAEMON_LOG" |
	    grep -Ec 'renewed in|FAILED in')" -lt "$2" ]; do
		[ $(($(now_ms) - t0)) -gt $(($3 * 1000)) ] && return 1
		sleep 1
	done
}

# ms after T0 of the last renewal logged after line MARK (0: none).
renew_done_ms() {	# MARK T0
	renew_times "$1" "$2" | sort -n | tail -n 1 | grep . || echo 0
}

burst_ours() {	# REP SIDE: every registered proxy due now (RENEW_ALL)
	local rep=$1 side=$2 mark t0 ms
	mark=$(wc -l < "$DAEMON_LOG")
	t0=$(now_ms)
	kill -USR1 "$DAEMON_PID"
	wait_renewals "$mark" "$BURST_N" 300 ||
	    echo "  burst $side rep $rep: not all renewed in 300 s" >&2
	ms=$(renew_done_ms "$mark" "$t0")
	[ "$ms" -gt 0 ] || die "burst $side rep $rep: no renewal logged"
	{ echo "0 0"; renew_times "$mark" "$t0" | sort -n |
	    awk '{ print $1 / 1000, NR }'; } > "$T/series/$side.$rep.dat"
	rec "burst.$side" "$rep" n="$BURST_N" ms="$ms" \
	    rate="$(awk -v n="$BURST_N" -v ms="$ms" 'BEGIN { printf "%.2f", n * 1000 / ms }')" \
	    failed="$(tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -c 'FAILED in')"
	echo "  burst $side rep $rep: $BURST_N in $ms ms" >&2
}

logon_one_() {	# I T0: one myproxy-logon renewal, prints ms since T0 when done
	X509_USER_CERT=$MP_SVC_CERT X509_USER_KEY=$MP_SVC_KEY \
	X509_CERT_DIR=$MP_CADIR myproxy-logon -s localhost -p "$BL_PORT" \
	    -l "/C=XX/O=Test/CN=bu$1" -a "$T/ca/bu$1.proxy" -t 12 \
	    -o "$T/lo.$1" -n < /dev/null > /dev/null 2>&1 &&
	    echo $(( $(date +%s%3N) - $2 ))
}

burst_logon() {	# REP
	local rep=$1 t0 t1 ok
	export -f logon_one_
	export BL_PORT MP_SVC_CERT MP_SVC_KEY MP_CADIR T
	BL_PORT=$(mp_port one)
	t0=$(now_ms)
	seq 1 "$BURST_N" | xargs -P 4 -I{} bash -c "logon_one_ {} $t0" |
	    sort -n > "$T/lo.times"
	# the end is the last completion, as for the daemon's side
	t1=$((t0 + $(tail -n 1 "$T/lo.times" | grep . || echo 1)))
	ok=$(wc -l < "$T/lo.times")
	{ echo "0 0"; awk '{ print $1 / 1000, NR }' "$T/lo.times"; } \
	    > "$T/series/logon.$rep.dat"
	rec burst.logon "$rep" n="$BURST_N" ms=$((t1 - t0)) failed=$((BURST_N - ok)) \
	    rate="$(awk -v n="$ok" -v ms=$((t1 - t0)) 'BEGIN { printf "%.2f", n * 1000 / ms }')"
	echo "  burst myproxy-logon x4 rep $rep: $ok of $BURST_N in $((t1 - t0)) ms" >&2
}

sec_burst() {
	local i r
	echo "== renewal burst: $BURST_N identities" >&2
	stored_identities bu "$BURST_N"
	eng_start --myproxy-server "$(mp_addr one)"
	for i in $(seq 1 "$BURST_N"); do
		reg "$T/ca/bu$i.proxy" "$(mp_addr one)" "burst$i"
		[ "$(kv Response)" = 0 ] || die "register bu$i: $(kv Message)"
	done
	daemon_stop
	for r in $(seq 1 "$REPS"); do
		# the order flips every repetition: a trend in the machine's
		# load favours no side
		if [ $((r % 2)) -eq 1 ]; then
			burst_cold "$r"
			burst_pooled "$r"
			burst_logon "$r"
		else
			burst_logon "$r"
			burst_pooled "$r"
			burst_cold "$r"
		fi
	done
	mp_stop one
}

burst_cold() {	# REP: no idle time: no key made ahead
	eng_start --myproxy-server "$(mp_addr one)" --key-pool-size 0
	burst_ours "$1" ours
	daemon_stop
}

burst_pooled() {	# REP: idle time: the pool holds a key for every renewal
	local ms gen g0
	eng_start --myproxy-server "$(mp_addr one)" --key-pool-size "$KEYPOOL"
	ms=$(wait_pool "$BURST_N" 1800) || die "key pool not filled"
	rec burst.pool_fill "$1" n="$BURST_N" ms="$ms"
	echo "  key pool: $BURST_N keys after $ms ms" >&2
	gen=$(ps -o pid= -o args= --ppid "$DAEMON_PID" |
	    awk '/--keygen-child/ { print $1 }')
	g0=$(proc_cpu_ticks "$gen")
	burst_ours "$1" ours_pool
	# the SCHED_IDLE generator's CPU while the burst ran (it is asked
	# to refill as keys are taken)
	rec burst.generator "$1" cpu_ticks=$(($(proc_cpu_ticks "$gen") - g0))
	echo "  generator CPU during the burst: $(($(proc_cpu_ticks "$gen") - g0)) ticks" >&2
	daemon_stop
}

sec_outage() {
	[ "${BENCH_OUTAGE:-1}" = 1 ] || { echo "== outage: left out (BENCH_OUTAGE=0)" >&2; return 0; }
	echo "== outage: $OUTAGE_IDS identities x 10 registrations" >&2
	local i k mark t0 t1 fill n=$((OUTAGE_IDS * 10))
	stored_identities ou "$OUTAGE_IDS"
	eng_start --myproxy-server "$(mp_addr one)" --key-pool-size "$KEYPOOL"
	for i in $(seq 1 "$OUTAGE_IDS"); do
		for k in $(seq 1 10); do
			reg "$T/ca/ou$i.proxy" "$(mp_addr one)" "out$i.$k" "Unique=1\\n"
		done
	done
	fill=$(wait_pool "$n" 3600) || die "key pool not filled"
	echo "  key pool: $n keys after $fill ms" >&2
	mark=$(wc -l < "$DAEMON_LOG")
	t0=$(now_ms)
	kill -USR1 "$DAEMON_PID"
	wait_renewals "$mark" "$n" 3600 || echo "  outage: not all renewed in 1 h" >&2
	t1=$((t0 + $(renew_done_ms "$mark" "$t0")))
	rec outage 1 n="$n" ms=$((t1 - t0)) failed="$(tail -n +"$((mark + 1))" \
	    "$DAEMON_LOG" | grep -c 'FAILED in')" pool_fill_ms="$fill" \
	    load1="$(cut -d' ' -f1 /proc/loadavg)"
	{ echo "0 0"; renew_times "$mark" "$t0" | sort -n |
	    awk '{ print $1 / 1000, NR }'; } > "$T/series/outage.1.dat"
	echo "  outage: $n in $((t1 - t0)) ms" >&2
	daemon_stop
}

# ---- run

rec machine 1 nproc="$(nproc)" \
    load1_start="$(cut -d' ' -f1 /proc/loadavg)" \
    fsync_per_s="$(fsync_rate)" keygen_ms="$(keygen_ms)" \
    mem_mb="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
bench_identities
for s in $SECTIONS; do
	"sec_$s"
done
rec machine_end 1 load1_end="$(cut -d' ' -f1 /proc/loadavg)" \
    keygen_ms="$(keygen_ms)"
if [ -n "${BENCH_MERGE:-}" ]; then
	jq -c --slurpfile now <(jq -s 'map(.name) | unique' "$RAW") \
	    '.measurements[] | select(.name as $k | ($now[0] | index($k)) ==
	    null) | .merged = 1' "$BENCH_MERGE" >> "$RAW" ||
	    die "BENCH_MERGE $BENCH_MERGE"
	# the earlier run's renewal series, for the burst plot
	[ -n "${BENCH_MERGE_SERIES:-}" ] && cp -n "$BENCH_MERGE_SERIES"/* "$T/series/"
fi
BENCH_DISK="$(df -T "$T" | awk 'NR == 2 { print $2 " on " $1 }')" \
    "$here/report.sh" "$RAW" "$T/series" "$here" || die "report"
ok "bench ran; see bench/RESULTS.md"
