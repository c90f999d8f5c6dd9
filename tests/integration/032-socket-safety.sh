#!/bin/bash
# label: core
# Socket and repository safety at start-up: a second daemon on a live
# socket, a regular file, a symlink, a directory or a foreign-owned stale
# socket at the socket path all make the daemon refuse to start and leave
# the path alone; a stale socket of ours is replaced; SIGTERM and SIGINT
# remove the socket; a repository with mode 0755, a symlink, a regular file
# or another uid's directory is refused; a missing one is created 0700.
source "$(dirname "$0")/lib/common.sh"

mkdir -m 0700 "$T/repo2"

# ---- a live daemon owns the socket
daemon_start
ino=$(stat -c %i "$SOCK")
daemon_refuses "running|in use|answer|already|exists" -r "$T/repo2"
assert_eq "$ino" "$(stat -c %i "$SOCK")" "the live socket was not replaced"
list
assert_response 0 "the first daemon still serves"
daemon_stop

# ---- things at the socket path that are not a stale socket of ours
echo "not a socket" > "$SOCK"
daemon_refuses "socket|exists|not" -r "$T/repo2"
assert_eq "not a socket" "$(cat "$SOCK")" "regular file untouched"
rm -f "$SOCK"

echo target > "$T/target"
ln -s "$T/target" "$SOCK"
daemon_refuses "socket|symlink|symbolic|link|exists" -r "$T/repo2"
[ -L "$SOCK" ] && ok "symlink left in place" || fail "symlink removed"
assert_eq target "$(cat "$T/target")" "symlink target untouched"
rm -f "$SOCK"

ln -s "$T/nowhere" "$SOCK"
daemon_refuses "socket|symlink|symbolic|link|exists" -r "$T/repo2"
[ -L "$SOCK" ] && ok "dangling symlink left in place" || fail "dangling symlink removed"
assert_file_gone "$T/nowhere" "nothing created through the dangling symlink"
rm -f "$SOCK"

mkdir "$SOCK"
daemon_refuses "socket|directory|exists" -r "$T/repo2"
[ -d "$SOCK" ] && ok "directory left in place" || fail "directory removed"
rmdir "$SOCK"

# ---- a stale socket: ours is replaced, a foreign one is refused
daemon_start
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
[ -S "$SOCK" ] || fail "premise: SIGKILL left no stale socket"
chown 65534:65534 "$SOCK"
daemon_refuses "owner|uid|foreign|belongs|owned" -r "$T/repo2"
assert_eq 65534 "$(stat -c %u "$SOCK")" "foreign stale socket left alone"
chown 0:0 "$SOCK"
daemon_start
ok "a stale socket of ours is replaced"
kill -INT "$DAEMON_PID"
wait_until 5 proc_gone "$DAEMON_PID"
wait "$DAEMON_PID"
assert_eq 0 "$?" "exit status after SIGINT"
DAEMON_PID=
assert_file_gone "$SOCK" "SIGINT removes the socket"

# ---- repository checks
chmod 0755 "$REPO"
daemon_refuses "0755|mode|permission|0700"
assert_file_gone "$SOCK" "no socket left by the refused start"
chmod 0700 "$REPO"

echo x > "$T/repofile"
daemon_refuses "director|repository" -r "$T/repofile"

ln -s "$REPO" "$T/repolink"
daemon_refuses "symlink|symbolic|link" -r "$T/repolink"

mkdir -m 0700 "$T/repo-nobody"
chown 65534:65534 "$T/repo-nobody"
daemon_refuses "own|uid" -r "$T/repo-nobody"

mkdir -m 0755 "$T/parent"
daemon_start -r "$T/parent/new-repo"
assert_eq 700 "$(stat -c %a "$T/parent/new-repo")" "a missing repository is created 0700"
daemon_stop

long=$T/$(head -c 120 /dev/zero | tr '\0' s)
daemon_refuses "long|socket" -s "$long"

daemon_start
ok "starts again with everything in order"
daemon_stop
check_log_clean
