# common.sh: what every integration test sources first.
# `source "$(dirname "$0")/lib/common.sh"` at the top of tests/integration/NNN-x.sh.
#
# Environment in: PR_BUILD_DIR (required: the CMake build dir), PR_SOURCE_DIR
# (default: two levels above this file), PR_KEEP_TMP=1 keeps the temp dir,
# PR_VALGRIND=1 runs the daemon under valgrind (errors and leaks fail).
#
# Set here (read-only by convention):
#   T            per-test temp dir (mktemp -d), removed on exit unless PR_KEEP_TMP=1
#   REPO SOCK    repository dir (made 0700) and socket path for the daemon
#   DAEMON_LOG   the daemon's stderr (-d logs there)
#   PRD PRCLI RAWSEND APICLIENT PRWORKER  paths of proxy-renewd,
#                proxy-renew, pr-rawsend, pr-apiclient, proxy-renewd-worker
#                in PR_BUILD_DIR
#   PROXY_RENEWD_SOCKET=$SOCK is exported (libproxyrenew's socket override),
#   and PROXY_RENEWD_WORKER=$PRWORKER when the worker is built
#
# Daemon:
#   daemon_start [ARGS...]  start "$PRD -d -r $REPO -s $SOCK ARGS" (and
#                --run-as-root when the test runs as root: PR_ROOT_ARGS) in the
#                background (prefix command from array DAEMON_WRAP, e.g. a
#                setpriv line); waits (30 s at most) until a LIST on the socket answers;
#                aborts the test loudly when it does not. Sets DAEMON_PID.
#   daemon_stop  SIGTERM, wait; fails unless exit 0 and the socket is gone.
#   daemon_refuses REGEX [ARGS...]  run the daemon in the foreground; fails
#                unless it exits non-zero within 10 s with REGEX in its output.
#   check_log_clean [REGEX]  fails on sanitizer/valgrind reports, crashes,
#                or lines matching the optional extra REGEX in DAEMON_LOG.
#   daemon_as_nobody  the next daemon_start runs the daemon as nobody (65534,
#                DAEMON_WRAP) on a repository and socket in NB=$T/nb, which
#                nobody owns (REPO, SOCK, PROXY_RENEWD_SOCKET set there);
#                needs root. AS_NOBODY is the setpriv prefix.
#   wait_log REGEX [SECS]  wait until DAEMON_LOG has a line matching REGEX.
#   wait_until SECS CMD...  run CMD every 0.1 s until it succeeds (SECS at
#                most); 0 when it did, 1 when time ran out.
#   proc_gone PID  no process PID (any more): for wait_until.
#   wait_next_second  wait until the wall clock's second changes: a proxy
#                made after it ends later than one made before (certificate
#                times count whole seconds).
#   notify_listen  a systemd notify socket $T/notify (tests/tools/
#                pr-notify-recv, stopped at exit) writing each message it
#                gets as a line of NLOG; waits until the socket is there.
#                NOTIFY_SOCKET is left to the test.
#   wait_notify REGEX [SECS]  wait (default 10 s) until a line of NLOG
#                matches REGEX.
#
# Running things (each sets OUT, ERR, RC; a sanitizer report on stderr is
# a failure):
#   run CMD...            any command, stdout/stderr captured
#   cli ARGS...           $PRCLI --socket $SOCK ARGS...
#   api ARGS...           $APICLIENT ARGS... (see tests/tools/pr-apiclient.c)
#   raw RAWSEND-ARGS...   $RAWSEND $SOCK ARGS...; OUT is the response payload
#   req BODY [RAWSEND-ARGS...]  raw with --body "Version=...\nBODY"
#   reg PROXY SERVER JOBID [MORE]  REGISTER by raw frame (MORE: extra
#                         "Key=v\n" lines, e.g. "Unique=1\n")
#   jobget JOBID / unreg JOBID [REPOFILE] / status REPOFILE / list
#                         GET, UNREGISTER, STATUS, LIST by raw frame
#   kv KEY [TEXT]         first value of KEY in TEXT (default OUT)
#   kv_all KEY [TEXT]     every value of KEY, one per line
#
# Assertions (record a failure and go on; the test exits 1 at the end):
#   ok DESC / fail DESC   record a pass / failure
#   die DESC              record a failure and end the test now
#   assert_eq EXPECTED ACTUAL DESC
#   assert_ne UNEXPECTED ACTUAL DESC
#   assert_match REGEX TEXT DESC     (grep -E over TEXT's lines)
#   assert_rc EXPECTED DESC          RC of the last run; EXPECTED "nz" = non-zero
#   assert_code EXPECTED [REGEX] -- CMD...   run CMD, check RC and (when
#                given) REGEX in stdout+stderr. EXPECTED: number or "nz".
#   assert_response CODE DESC       Response=CODE in OUT (after raw/req);
#                CODE may list alternatives: "22|1903"
#   assert_file_gone PATH DESC / assert_file PATH DESC
#
# Repository:
#   repo_snapshot         prints every entry of REPO (name, type, mode,
#                sha256) except the SQLite files, then a checksum of the
#                database's logical dump (sqlite3 .dump)
#   repo_save / repo_unchanged DESC  snapshot before, compare after
#   bad DESC CODE RAWSEND-ARGS...  one bad-input case: send the raw frame,
#                expect Response=CODE (with a Message= line when CODE is
#                not 0, and the Version line), the repository unchanged
#                since repo_save, and the daemon still alive
## Disks under the repository (root; each fails the test loudly, never skips):
#   repo_on_tmpfs SIZE WHAT      REPO on a small tmpfs at $DISK (ENOSPC)
#   repo_on_loop_ext4 SIZE WHAT  REPO on ext4 on a loop device at $DISK;
#   repo_disk_readonly           ... turned read-only under the running
#                daemon (trigger_fs_error: EROFS, open files included);
#   repo_disk_repair             ... unmounted, fsck -y, mounted rw again
#
# Credentials (lib/ca.sh is sourced): setup_ca makes a CA in $T/ca and user
# credentials alice and bob; new_proxy NAME OUT MINUTES [rfc|legacy].
#
# Summary: on exit prints "itest <name>: N passed, N failed" and exits 1
# when anything failed (or the script itself ended non-zero). No skips: a
# missing binary or tool is a failure.

set -u

PR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${PR_SOURCE_DIR:=$(cd "$PR_LIB_DIR/../../.." && pwd)}"
PR_TEST_NAME=$(basename "$0" .sh)
PR_PASSED=0
PR_FAILED=0
DAEMON_PID=
DAEMON_WRAP=()
# The tests run as root: the daemon refuses root without --user unless told.
PR_ROOT_ARGS=()
[ "$(id -u)" -eq 0 ] && PR_ROOT_ARGS=(--run-as-root)
OUT= ERR= RC=0
PR_PROTO_VERSION='EDG Proxy Renewal 1.0'
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
PR_SANITIZER_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|==[0-9]+==ERROR'

# shellcheck source=ca.sh
source "$PR_LIB_DIR/ca.sh"

# pr_full_stacks_: sanitizer builds get full malloc stacks, so the known
# leaks of the Globus and VOMS libraries (src/renew/lsan-globus.supp) can be
# suppressed (lib/myproxy.sh and lib/voms.sh call it).
pr_full_stacks_() {
	export ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0
	export LSAN_OPTIONS=suppressions=$PR_SOURCE_DIR/src/renew/lsan-globus.supp
}

pr_log_() {
	printf '%s\n' "$*" >&2
}

ok() {
	PR_PASSED=$((PR_PASSED + 1))
	pr_log_ "ok   $*"
}

fail() {
	PR_FAILED=$((PR_FAILED + 1))
	pr_log_ "FAIL $*"
}

die() {
	fail "$*"
	exit 1
}

pr_cleanup_() {
	local rc=$?
	trap - EXIT
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ "$PR_FAILED" -eq 0 ]; then
		PR_FAILED=$((PR_FAILED + 1))
		pr_log_ "FAIL script ended with status $rc"
	fi
	if [ "$PR_FAILED" -ne 0 ] && [ -n "${DAEMON_LOG:-}" ] &&
	    [ -s "$DAEMON_LOG" ]; then
		pr_log_ "---- last lines of the daemon log ($DAEMON_LOG)"
		tail -n 40 "$DAEMON_LOG" >&2
		pr_log_ "----"
	fi
	if [ "${PR_KEEP_TMP:-0}" = 1 ]; then
		pr_log_ "kept $T"
	elif [ -n "${T:-}" ]; then
		rm -rf "$T"
	fi
	pr_log_ "itest $PR_TEST_NAME: $PR_PASSED passed, $PR_FAILED failed"
	[ "$PR_FAILED" -eq 0 ] && exit 0
	exit 1
}

# pr_bin_ NAME SUBDIR: the built binary, or empty.
pr_bin_() {
	local p=$PR_BUILD_DIR/$2/$1
	if [ ! -x "$p" ]; then
		p=$(find "$PR_BUILD_DIR" -type f -name "$1" -perm -u+x \
		    -not -path '*/CMakeFiles/*' 2>/dev/null | head -n 1)
	fi
	printf '%s' "$p"
}

# need_bin PATH DESC: fail the test loudly when PATH is not executable.
need_bin() {
	[ -n "$1" ] && [ -x "$1" ] || die "missing $2 (not built in $PR_BUILD_DIR?)"
}

# at_exit CMD: run CMD at exit, before the EXIT traps set earlier (the servers'
# and common.sh's cleanup), keeping the script's exit status for them.
at_exit() {
	local cmd=$1 prev
	eval "set -- $(trap -p EXIT)"
	prev=${3:-}
	trap "at_exit_rc_=\$?; $cmd; (exit \$at_exit_rc_); $prev" EXIT
}

# repo_on_tmpfs SIZE WHAT: put $REPO on a tmpfs of SIZE at $T/disk (unmounted
# at exit); fails the test loudly, naming WHAT, when it cannot be mounted.
repo_on_tmpfs() {
	[ "$(id -u)" = 0 ] || die "this test needs root (mount a tmpfs)"
	need_tool mount
	DISK=$T/disk
	mkdir "$DISK" || die "mkdir $DISK"
	mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$DISK" ||
	    die "cannot mount a $1 tmpfs at $DISK: $2 NOT tested"
	at_exit 'umount -l "$DISK" 2>/dev/null'
	REPO=$DISK/repo
	mkdir -m 0700 "$REPO" || die "mkdir $REPO"
}

# repo_on_loop_ext4 SIZE WHAT: put $REPO on an ext4 file system of SIZE
# (image $DISK_IMG on a loop device) mounted errors=remount-ro at $T/disk,
# so that repo_disk_readonly can turn it read-only under files held open
# for writing (a tmpfs cannot be remounted read-only then); unmounted and
# its loop device detached at exit, even on failure. Fails the test loudly,
# naming WHAT, when it cannot be set up.
repo_on_loop_ext4() {
	[ "$(id -u)" = 0 ] || die "this test needs root (a loop device): $2 NOT tested"
	need_tool mkfs.ext4
	need_tool fsck.ext4
	need_tool losetup
	need_tool findmnt
	DISK=$T/disk
	DISK_IMG=$T/ext4.img
	mkdir "$DISK" || die "mkdir $DISK"
	truncate -s "$1" "$DISK_IMG" && mkfs.ext4 -q -F "$DISK_IMG" ||
	    die "cannot make a $1 ext4 image: $2 NOT tested"
	at_exit repo_loop_release_
	mount -o loop,errors=remount-ro "$DISK_IMG" "$DISK" ||
	    die "cannot mount an ext4 image on a loop device at $DISK: $2 NOT tested"
	REPO=$DISK/repo
	mkdir -m 0700 "$REPO" || die "mkdir $REPO"
}

# At exit: the daemon (it may hold the mount busy), the mount, and every
# loop device still backed by our image (none other).
repo_loop_release_() {
	local dev
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if findmnt -n "$DISK" > /dev/null 2>&1; then
		umount "$DISK" 2>/dev/null || umount -l "$DISK" ||
		    pr_log_ "cannot unmount $DISK"
	fi
	for dev in $(losetup -n -O NAME -j "$DISK_IMG" 2>/dev/null); do
		losetup -d "$dev" || pr_log_ "cannot detach $dev"
	done
}

# repo_disk_readonly: make the ext4 of repo_on_loop_ext4 read-only now, as a
# disk error does (ext4 trigger_fs_error with errors=remount-ro): every
# write fails with EROFS, files open for writing included. Dies loudly when
# it cannot, or when a write still succeeds.
repo_disk_readonly() {
	local dev knob
	dev=$(findmnt -n -o SOURCE "$DISK") || die "$DISK is not mounted"
	knob=/sys/fs/ext4/${dev##*/}/trigger_fs_error
	[ -w "$knob" ] || die "no $knob: cannot make $DISK read-only: NOT tested"
	echo 1 > "$knob" || die "writing $knob failed: NOT tested"
	if touch "$DISK/.probe" 2> "$T/probe.err"; then
		die "premise: $DISK still writable after trigger_fs_error"
	fi
	grep -q "Read-only file system" "$T/probe.err" ||
	    die "premise: a write on $DISK failed otherwise: $(cat "$T/probe.err")"
}

# repo_disk_repair: with the daemon stopped, unmount, fsck -y, mount
# read-write again; dies unless fsck fixed everything and writes work.
repo_disk_repair() {
	local rc
	umount "$DISK" || die "cannot unmount $DISK (daemon still running?)"
	fsck.ext4 -f -y "$DISK_IMG" > "$T/fsck.out" 2>&1
	rc=$?
	[ "$rc" -le 1 ] || die "fsck.ext4 -f -y: status $rc: $(tail -n 3 "$T/fsck.out")"
	mount -o loop,errors=remount-ro "$DISK_IMG" "$DISK" ||
	    die "cannot mount $DISK_IMG again"
	touch "$DISK/.probe" && rm -f "$DISK/.probe" ||
	    die "$DISK not writable after fsck and mount"
}

need_tool() {
	command -v "$1" >/dev/null || die "missing tool $1 (install it)"
}

[ -n "${PR_BUILD_DIR:-}" ] || { echo "PR_BUILD_DIR is not set" >&2; exit 1; }
PR_BUILD_DIR=$(cd "$PR_BUILD_DIR" && pwd) || exit 1
T=$(mktemp -d /tmp/pr-it.XXXXXX) || exit 1
trap pr_cleanup_ EXIT
trap 'exit 130' INT TERM
chmod 0755 "$T"
REPO=$T/repo
SOCK=$T/sock
DAEMON_LOG=$T/daemon.log
mkdir -m 0700 "$REPO"
export PROXY_RENEWD_SOCKET=$SOCK
# The daemon takes its default server from the environment: none here.
unset MYPROXY_SERVER
PRD=$(pr_bin_ proxy-renewd bin)
PRCLI=$(pr_bin_ proxy-renew bin)
RAWSEND=$(pr_bin_ pr-rawsend tests/tools)
APICLIENT=$(pr_bin_ pr-apiclient tests/tools)
PRWORKER=$(pr_bin_ proxy-renewd-worker bin)
# The daemon spawns its renewal worker from here (not the install path).
[ -n "$PRWORKER" ] && export PROXY_RENEWD_WORKER=$PRWORKER
# Sanitizer reports go to the daemon log; never let them be silenced.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

now_ms() {
	date +%s%3N
}

# ---- running things

run() {
	local o=$T/.out e=$T/.err
	[ -n "${1-}" ] || die "run: empty command (a binary not built?)"
	"$@" > "$o" 2> "$e"
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	if grep -Eq "$PR_SANITIZER_RE" "$e"; then
		fail "sanitizer report from: ${*:0:200}: $(grep -E -m 3 \
		    "$PR_SANITIZER_RE" "$e" | tr '\n' '|')"
	fi
	return 0
}

cli() {
	need_bin "$PRCLI" proxy-renew
	run "$PRCLI" --socket "$SOCK" "$@"
}

api() {
	need_bin "$APICLIENT" pr-apiclient
	run "$APICLIENT" "$@"
}

raw() {
	need_bin "$RAWSEND" pr-rawsend
	run "$RAWSEND" "$SOCK" "$@"
}

# req BODY [ARGS]: a well-framed request with the Version line prepended.
req() {
	local body=$1
	shift
	raw --body "Version=$PR_PROTO_VERSION\\n$body" "$@"
}

reg() {
	req "Command=1\\nMyproxy_server=$2\\nProxy_name=$1\\nJobid=$3\\n${4:-}"
}

jobget() {
	req "Command=3\\nJobid=$1\\n"
}

unreg() {
	if [ $# -gt 1 ]; then
		req "Command=2\\nJobid=$1\\nProxy_name=$2\\n"
	else
		req "Command=2\\nJobid=$1\\n"
	fi
}

status() {
	req "Command=5\\nProxy_name=$1\\n"
}

list() {
	req "Command=4\\n"
}

kv() {
	printf '%s\n' "${2-$OUT}" | sed -n "s/^$1=//p" | head -n 1
}

kv_all() {
	printf '%s\n' "${2-$OUT}" | sed -n "s/^$1=//p"
}

# ---- assertions

assert_eq() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		fail "$3: expected '$1', got '$2'"
	fi
}

assert_ne() {
	if [ "$1" != "$2" ]; then
		ok "$3"
	else
		fail "$3: got '$2', which it must not be"
	fi
}

assert_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		ok "$3"
	else
		fail "$3: /$1/ not found in: $(printf '%s' "$2" | head -c 600)"
	fi
}

assert_rc() {
	if [ "$1" = nz ] && [ "$RC" -ne 0 ]; then
		ok "$2 (exit $RC)"
	elif [ "$1" = "$RC" ]; then
		ok "$2"
	else
		fail "$2: exit status $RC, expected $1; stdout: $(printf '%s' \
		    "$OUT" | head -c 300); stderr: $(printf '%s' "$ERR" | head -c 300)"
	fi
}

assert_code() {
	local want=$1 re= desc
	shift
	if [ "$1" != -- ]; then
		re=$1
		shift
	fi
	[ "$1" = -- ] || die "assert_code: usage: assert_code N [REGEX] -- CMD..."
	shift
	desc="$*"
	run "$@"
	assert_rc "$want" "exit status of: ${desc:0:200}"
	if [ -n "$re" ]; then
		assert_match "$re" "$OUT
$ERR" "output of: ${desc:0:200}"
	fi
}

assert_response() {
	local got
	got=$(kv Response)
	if [ -n "$got" ] && [[ $got =~ ^($1)$ ]]; then
		ok "$2 (Response=$1)"
	else
		fail "$2: expected Response=$1, got '${got:-none}' (rawsend exit \
$RC); response: $(printf '%s' "$OUT" | tr '\n' '|' | head -c 400)"
	fi
}

assert_file() {
	if [ -f "$1" ]; then ok "$2"; else fail "$2: $1 is not a file"; fi
}

assert_file_gone() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "$2: $1 still exists"
	else
		ok "$2"
	fi
}

# ---- repository

repo_snapshot() {
	local f name db=$REPO/repository.db
	for f in "$REPO"/* "$REPO"/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		name=${f##*/}
		case $name in
		repository.db|repository.db-wal|repository.db-shm|\
		repository.db-journal|repository.lock)
			continue ;;
		esac
		if [ -f "$f" ] && [ ! -L "$f" ]; then
			printf '%s %s %s\n' "$name" "$(stat -c %a "$f")" \
			    "$(sha256sum < "$f" | cut -c1-64)"
		else
			printf '%s %s %s\n' "$name" "$(stat -c %F "$f")" \
			    "$(stat -c %a "$f")"
		fi
	done | LC_ALL=C sort
	# the daemon holds the database exclusively (locking_mode=EXCLUSIVE):
	# dump a copy of it and its WAL (taken between requests: consistent)
	if [ -f "$db" ]; then
		rm -rf "$T/.snapdb" && mkdir "$T/.snapdb" &&
		    cp "$db" "$T/.snapdb/db" &&
		    { [ ! -f "$db-wal" ] || cp "$db-wal" "$T/.snapdb/db-wal"; } ||
		    die "repo_snapshot: cannot copy the database"
		printf 'db %s\n' "$(sqlite3 "$T/.snapdb/db" .dump 2>&1 |
		    sha256sum | cut -c1-64)"
	fi
}

repo_save() {
	need_tool sqlite3
	PR_REPO_BEFORE=$(repo_snapshot)
}

repo_unchanged() {
	local now
	now=$(repo_snapshot)
	if [ "$now" = "$PR_REPO_BEFORE" ]; then
		ok "$1: repository unchanged"
	else
		fail "$1: repository changed: $(diff <(echo "$PR_REPO_BEFORE") \
		    <(echo "$now") | tr '\n' '|')"
	fi
}

bad() {
	local desc=$1 code=$2
	shift 2
	raw "$@"
	assert_response "$code" "$desc"
	if [ "$RC" = 4 ]; then
		fail "$desc: $ERR"
	fi
	if [ "$(kv Response)" != 0 ] && [ -z "$(kv Message)" ]; then
		fail "$desc: error response without a Message= line"
	fi
	if [ -n "$(kv Response)" ] && [ "$(kv Version)" != "$PR_PROTO_VERSION" ]; then
		fail "$desc: response Version is '$(kv Version)'"
	fi
	repo_unchanged "$desc"
	daemon_alive "$desc"
}

# repo_files: the proxy files in REPO (not the database), sorted.
repo_files() {
	(cd "$REPO" && ls -A | grep -Ev '^repository\.(db|lock)' | LC_ALL=C sort)
}

# ---- daemon

daemon_start() {
	local i
	need_bin "$PRD" proxy-renewd
	need_bin "$RAWSEND" pr-rawsend
	printf '==== daemon_start %s\n' "$*" >> "$DAEMON_LOG"
	local vg=()
	if [ "${PR_VALGRIND:-0}" = 1 ]; then
		need_tool valgrind
		vg=(valgrind -q --error-exitcode=99 --leak-check=full
		    --errors-for-leak-kinds=definite --trace-children=no)
	fi
	"${DAEMON_WRAP[@]}" "${vg[@]}" "$PRD" -d -r "$REPO" -s "$SOCK" \
	    "${PR_ROOT_ARGS[@]}" "$@" >> "$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 1 300); do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID"
			die "daemon exited at start with status $?: $(tail -n 5 \
			    "$DAEMON_LOG" | tr '\n' '|')"
		fi
		if [ -S "$SOCK" ] && "$RAWSEND" "$SOCK" --wait 2 --body \
		    "Version=$PR_PROTO_VERSION\\nCommand=4\\n" 2>/dev/null |
		    grep -q '^Response=0$'; then
			return 0
		fi
		sleep 0.1
	done
	die "daemon did not answer on $SOCK within 30 s"
}

daemon_as_nobody() {
	need_tool setpriv
	[ "$(id -u)" = 0 ] || die "this test needs root (setpriv to nobody)"
	NB=$T/nb
	mkdir -m 0700 "$NB" "$NB/repo" || die "mkdir $NB"
	chown -R 65534:65534 "$NB" || die "chown $NB"
	REPO=$NB/repo
	SOCK=$NB/sock
	export PROXY_RENEWD_SOCKET=$SOCK
	DAEMON_WRAP=("${AS_NOBODY[@]}")
}

daemon_alive() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		ok "${1:-check}: daemon alive"
	else
		die "${1:-check}: daemon is gone"
	fi
}

daemon_stop() {
	local rc
	[ -n "$DAEMON_PID" ] || die "daemon_stop: no daemon running"
	kill -TERM "$DAEMON_PID" || die "daemon_stop: kill failed"
	if ! wait_until 10 proc_gone "$DAEMON_PID"; then
		fail "daemon did not exit within 10 s of SIGTERM"
		kill -KILL "$DAEMON_PID"
	fi
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	assert_eq 0 "$rc" "daemon exit status after SIGTERM"
	assert_file_gone "$SOCK" "socket removed after SIGTERM"
}

daemon_refuses() {
	local re=$1 log=$T/refuse.log rc
	shift
	need_bin "$PRD" proxy-renewd
	timeout 10 "${DAEMON_WRAP[@]}" "$PRD" -d -r "$REPO" -s "$SOCK" \
	    "${PR_ROOT_ARGS[@]}" "$@" > "$log" 2>&1
	rc=$?
	cat "$log" >> "$DAEMON_LOG"
	if [ "$rc" -eq 124 ]; then
		fail "daemon $* did not refuse to start (still running after 10 s)"
	elif [ "$rc" -eq 0 ]; then
		fail "daemon $* exited 0, expected a refusal"
	else
		ok "daemon $* refused to start (exit $rc)"
	fi
	assert_match "$re" "$(cat "$log")" "daemon's reason for refusing"
}

check_log_clean() {
	local bad=$PR_SANITIZER_RE
	bad="$bad|Segmentation fault|core dumped"
	bad="$bad|[Aa]ssertion|double free|stack smashing|Invalid read"
	bad="$bad|Invalid write|definitely lost"
	[ $# -gt 0 ] && [ -n "$1" ] && bad="$bad|$1"
	if grep -Eq -- "$bad" "$DAEMON_LOG" 2>/dev/null; then
		fail "daemon log has unexpected lines: $(grep -E -- "$bad" \
		    "$DAEMON_LOG" | head -n 5 | tr '\n' '|')"
	else
		ok "daemon log clean"
	fi
}

wait_until() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

wait_log() {
	wait_until "${2:-10}" grep -Eq -- "$1" "$DAEMON_LOG"
}

proc_gone() {
	! kill -0 "$1" 2>/dev/null
}

# port_listening PORT: something listens on TCP PORT, IPv4 or IPv6
# (/proc/net/tcp{,6}: no tool needed, and no connection made).
port_listening() {
	awk -v p=":$(printf '%04X' "$1")" 'FNR > 1 && $4 == "0A" &&
	    substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
	    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

port_closed() {
	! port_listening "$1"
}

pr_clock_past_() {
	[ "$(date +%s)" -gt "$1" ]
}

wait_next_second() {
	wait_until 2 pr_clock_past_ "$(date +%s)"
}

notify_listen() {
	local recv
	recv=$(pr_bin_ pr-notify-recv tests/tools)
	need_bin "$recv" pr-notify-recv
	NLOG=$T/notify.log
	: > "$NLOG"
	"$recv" "$T/notify" "$NLOG" &
	NOTIFY_RECV_PID=$!
	at_exit 'kill $NOTIFY_RECV_PID 2>/dev/null'
	wait_until 5 [ -S "$T/notify" ] || die "no notify socket $T/notify"
}

wait_notify() {
	wait_until "${2:-10}" grep -Eq -- "$1" "$NLOG"
}

# ---- credentials

setup_ca() {
	need_tool openssl
	need_tool grid-proxy-init
	ca_init "$T/ca" || die "ca_init"
	ca_issue "$T/ca" alice user || die "ca_issue alice"
	ca_issue "$T/ca" bob user || die "ca_issue bob"
	export X509_CERT_DIR=$T/ca/certificates
}

new_proxy() {
	make_proxy "$T/ca/$1" "$2" "$3" "${4:-rfc}" || die "make_proxy $*"
}
