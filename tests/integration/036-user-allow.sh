#!/bin/bash
# 035-user-allow: who the daemon runs as and whom it serves.
# --user: started as root it drops to the user (all ids and groups, no way
# back) before it creates anything; root without --user (or --run-as-root)
# and an unknown user are refused. --allow-user/--allow-group: a second uid
# and a group member are served through the library and the command, a
# third uid is refused by SO_PEERCRED; the socket is 0666 with allowed
# users, 0660 of the group with one group only.
# Runs as root; makes a throwaway service user and group (removed at exit).
source "$(dirname "$0")/lib/common.sh"

[ "$(id -u)" -eq 0 ] || die "this test needs root (it creates a user)"
need_tool useradd
need_tool setpriv
SVC=prt$$
useradd --system --user-group --no-create-home --shell /usr/sbin/nologin \
    "$SVC" || die "useradd $SVC"
at_exit 'userdel "$SVC" 2>/dev/null; groupdel "$SVC" 2>/dev/null'
SUID=$(id -u "$SVC")
SGID=$(id -g "$SVC")
chown "$SVC:" "$REPO"
mkdir -m 0755 "$T/run"
chown "$SVC:" "$T/run"
SOCK=$T/run/sock

# as UID GID [GROUPS] -- CMD: run CMD with exactly those credentials
as() {
	local u=$1 g=$2 gs=$3
	shift 4
	if [ -n "$gs" ]; then
		setpriv --reuid="$u" --regid="$g" --groups="$gs" "$@"
	else
		setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
	fi
}

# as_root_plain CMD...: CMD without the tests' --run-as-root
as_root_plain() {
	local -a PR_ROOT_ARGS=()
	"$@"
}

# ---- refusals
as_root_plain daemon_refuses "refusing to run as root: give --user NAME"
daemon_refuses "--user no-such-user-$$: no such user" --user "no-such-user-$$"
assert_eq "" "$(ls -A "$REPO")" "refused starts left the repository empty"

# ---- --user drop
as_root_plain daemon_start --user "$SVC"
read -r _ ru eu su fu < <(grep '^Uid:' "/proc/$DAEMON_PID/status")
assert_eq "$SUID $SUID $SUID $SUID" "$ru $eu $su $fu" "--user: every uid is the user's"
read -r _ rg eg sg fg < <(grep '^Gid:' "/proc/$DAEMON_PID/status")
assert_eq "$SGID $SGID $SGID $SGID" "$rg $eg $sg $fg" "--user: every gid is the user's"
assert_eq "$SGID" "$(grep '^Groups:' "/proc/$DAEMON_PID/status" | awk '{$1=""; print $0}' | xargs)" \
    "--user: supplementary groups are the user's (initgroups)"
assert_eq "0000000000000000" "$(grep '^CapEff:' "/proc/$DAEMON_PID/status" | awk '{print $2}')" \
    "--user: no capabilities left"
assert_eq "$SVC 600" "$(stat -c '%U %a' "$SOCK")" "socket: the user's, 0600"
assert_eq "$SVC" "$(stat -c '%U' "$REPO/repository.db")" "store created as the user"
assert_match "running as user $SVC \\(uid $SUID\\)" "$(cat "$DAEMON_LOG")" "drop logged"
PROXY_RENEWD_DAEMON_UID=$SVC cli list
assert_rc 0 "root is served"
as "$SUID" "$SGID" "" -- env PROXY_RENEWD_DAEMON_UID="$SUID" "$PRCLI" \
    --socket "$SOCK" list > /dev/null
assert_eq 0 "$?" "the daemon's user is served"
as 65534 65534 "" -- "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n" > "$T/o" 2>&1
assert_match "Permission denied" "$(cat "$T/o")" \
    "another uid cannot connect (0600 socket, no allow list)"
daemon_stop

# ---- --allow-user (nobody) and --allow-group (the service group)
setup_ca
new_proxy alice "$T/alice.pem" 60
chmod 0644 "$T/alice.pem"
as_root_plain daemon_start --user "$SVC" --allow-user nobody \
    --allow-group "$SVC"
assert_eq "666" "$(stat -c '%a' "$SOCK")" "allowed users: socket 0666"
CL=(env PROXY_RENEWD_DAEMON_UID="$SVC" PROXY_RENEWD_SOCKET="$SOCK")
as 65534 65534 "" -- "${CL[@]}" "$PRCLI" -s localhost:7512 \
    -f "$T/alice.pem" -j job-nobody start > "$T/o" 2>&1
assert_eq 0 "$?" "second uid (nobody, --allow-user) registers: $(cat "$T/o")"
as 65534 65534 "" -- "${CL[@]}" "$APICLIENT" get job-nobody > "$T/o" 2>&1
assert_eq 0 "$?" "second uid: GET through the library: $(cat "$T/o")"
as 3 3 "" -- "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n" > "$T/o" 2>&1
assert_match "^EOF$" "$(cat "$T/o")" "third uid (3) refused"
assert_match "refused connection from uid 3 .*allowed users and groups" \
    "$(cat "$DAEMON_LOG")" "third uid: refusal logged"
as 3 3 "$SGID" -- "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n" > "$T/o" 2>&1
assert_match "^Response=0$" "$(cat "$T/o")" "uid 3 with the allowed group as a supplementary group: served"
as 3 "$SGID" "" -- "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n" > "$T/o" 2>&1
assert_match "^Response=0$" "$(cat "$T/o")" "uid 3 with the allowed group as its gid: served"
daemon_stop

# ---- one group only: 0660 of that group
as_root_plain daemon_start --user "$SVC" --allow-group "$SVC"
assert_eq "$SVC 660" "$(stat -c '%G %a' "$SOCK")" "one allowed group: socket 0660 of it"
as 65534 65534 "" -- "$RAWSEND" "$SOCK" --body "Version=$PR_PROTO_VERSION\\nCommand=4\\n" > "$T/o" 2>&1
assert_match "Permission denied|EOF" "$(cat "$T/o")" "nobody: refused"
daemon_stop
daemon_refuses "--allow-group: no such group 'no-such-group-$$'" \
    --allow-group "no-such-group-$$"
check_log_clean
