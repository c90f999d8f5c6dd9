#!/bin/bash
# label: package
# cost: 100
# cpus: 2
# 300-package: the Debian packages on this machine, end to end. Builds them
# (scripts/make-deb.sh, lintian errors fail), dpkg -i's the three, checks
# what postinst made (user, repository 0700, conffile, worker in libexec),
# verifies the unit (systemd-analyze verify), starts the installed daemon
# the way the unit does (its ExecStart, User=, UMask=, Type=notify through
# a real NOTIFY_SOCKET listener), registers through the installed command
# and through a program built against libproxyrenew-dev (pkg-config),
# lets it renew against a real myproxy-server, renews once more with the
# installed one-shot command (worker found in /usr/libexec), then removes
# (repository and conffile kept) and purges (both gone, no package file
# left). The daemon runs under the unit's SystemCallFilter= (expanded with
# systemd-analyze syscall-filter, loaded by tests/tools/pr-syscall-filter),
# so the renewal proves that set sufficient for the daemon and its worker.
# Runs as root; refuses to touch an already installed proxy-renewd.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"

[ "$(id -u)" -eq 0 ] || die "this test installs packages: it needs root"
for t in dpkg-buildpackage lintian systemd-analyze setpriv; do need_tool "$t"; done
PKGS=(proxy-renewd libproxyrenew1 libproxyrenew-dev)
SPOOL=/var/spool/proxy-renewd
installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'installed$'
}
for p in "${PKGS[@]}"; do
	installed "$p" && die "$p is installed already; this test would replace it"
done
[ -e "$SPOOL" ] && die "$SPOOL exists already; this test would purge it"
PKG_PID=
pkg_cleanup() {
	[ -n "$PKG_PID" ] && kill -KILL "$PKG_PID" 2>/dev/null
	dpkg -P "${PKGS[@]}" >/dev/null 2>&1
}
at_exit pkg_cleanup

# ---- build
t0=$(now_ms)
"$PR_SOURCE_DIR/scripts/make-deb.sh" "$T/deb" > "$T/make-deb.out" 2>&1
assert_eq 0 "$?" "make-deb: packages built, no lintian error: $(tail -n 5 "$T/make-deb.out" | tr '\n' '|')"
echo "timing: package build with lintian: $(($(now_ms) - t0)) ms" >&2
grep '^W: ' "$T/make-deb.out" | sed 's/^/lintian: /' >&2
assert_eq "" "$(grep '^E: ' "$T/make-deb.out")" "lintian: no errors"

# ---- install
run dpkg -i "$T/deb/proxy-renewd_"*.deb "$T/deb/libproxyrenew1_"*.deb \
    "$T/deb/libproxyrenew-dev_"*.deb
assert_rc 0 "dpkg -i: $ERR"
for p in "${PKGS[@]}"; do
	installed "$p" && ok "$p installed" || fail "$p not installed"
done
assert_match '^proxy-renewd:x:[0-9]+:' "$(getent passwd proxy-renewd)" "service user created"
PUID=$(id -u proxy-renewd)
[ "$PUID" -lt 1000 ] && ok "system uid ($PUID)" || fail "uid $PUID is not a system uid"
assert_eq "proxy-renewd 700" "$(stat -c '%U %a' "$SPOOL")" "repository $SPOOL: the user's, 0700"
assert_match '^ /etc/proxy-renewd.conf [0-9a-f]+$' \
    "$(dpkg-query -W -f='${Conffiles}' proxy-renewd)" "/etc/proxy-renewd.conf is a conffile"
assert_file /usr/libexec/proxy-renewd/proxy-renewd-worker "worker in /usr/libexec/proxy-renewd"
assert_match 'libproxyrenew.so.1 .*=> (/usr)?/lib/' "$(ldconfig -p)" "libproxyrenew.so.1 known to ld.so"
UNIT=/lib/systemd/system/proxy-renewd.service
run systemd-analyze verify "$UNIT"
assert_rc 0 "systemd-analyze verify: $OUT $ERR"
run systemd-analyze security --offline=true "$UNIT"
echo "systemd-analyze security (offline): $(grep -o 'Overall exposure level.*' <<< "$OUT")" >&2

# ---- run it as the unit does (its SystemCallFilter= too)

# sf_expand NAME...: the system calls of groups (@x, recursively) and names
sf_expand() {
	local x
	for x in "$@"; do
		case $x in
		@*) sf_expand $(systemd-analyze syscall-filter "$x" 2>/dev/null |
		    sed -n '2,$p' | sed 's/^ *//' | grep -v -e '^#' -e '^$') ;;
		*) echo "$x" ;;
		esac
	done
}
# unit_syscalls UNIT: the allow-list its SystemCallFilter= lines build, in
# order (an allow list, then ~ removals and additions)
unit_syscalls() {
	local v set=""
	while IFS= read -r v; do
		if [ "${v#\~}" != "$v" ]; then
			set=$(comm -23 <(echo "$set" | sort -u) \
			    <(sf_expand ${v#\~} | sort -u))
		else
			set=$(printf '%s\n%s\n' "$set" "$(sf_expand $v)" |
			    grep -v '^$' | sort -u)
		fi
	done < <(sed -n 's/^SystemCallFilter=//p' "$1")
	echo "$set"
}
mp_setup_alice
mkdir -m 0700 "$T/svc"
cp "$MP_SVC_CERT" "$MP_SVC_KEY" "$T/svc/"
chmod 0600 "$T/svc/key.pem"
chown -R proxy-renewd: "$T/svc"
cat >> /etc/proxy-renewd.conf <<CONF
cert = $T/svc/cert.pem
key = $T/svc/key.pem
CAdir = $MP_CADIR
myproxy-server = $A1
CONF
SYSF=$(pr_bin_ pr-syscall-filter tests/tools)
need_bin "$SYSF" pr-syscall-filter
unit_syscalls "$UNIT" > "$T/syscalls.txt"
n_sc=$(wc -l < "$T/syscalls.txt")
[ "$n_sc" -gt 200 ] && ok "unit's system call allow-list: $n_sc names" ||
    fail "unit's allow-list has only $n_sc names"
assert_eq "" "$(grep -x -e setuid -e setresuid -e mount -e reboot "$T/syscalls.txt")" \
    "the allow-list excludes @privileged (setuid, mount, reboot)"
run "$SYSF" "$T/syscalls.txt" /usr/sbin/chroot / /bin/true
assert_rc nz "the filter is in force: chroot (in @privileged) fails under it"
run "$SYSF" "$T/syscalls.txt" /bin/true
assert_rc 0 "an allowed program runs under it"
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
user=$(sed -n 's/^User=//p' "$UNIT")
group=$(sed -n 's/^Group=//p' "$UNIT")
umask_=$(sed -n 's/^UMask=//p' "$UNIT")
assert_eq "proxy-renewd proxy-renewd 0077" "$user $group $umask_" "unit: User, Group, UMask"
assert_match '^/usr/sbin/proxy-renewd ' "$exec_start" "unit: ExecStart runs the installed daemon"
notify_listen
chmod 0666 "$T/notify"
DAEMON_LOG=$T/pkg-daemon.log
# shellcheck disable=SC2086  # ExecStart is split into words, as systemd does
(umask "$umask_" && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=120000000 \
    setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
    "$SYSF" "$T/syscalls.txt" $exec_start) >> "$DAEMON_LOG" 2>&1 &
PKG_PID=$!
wait_notify 'READY=1' 10
assert_match "READY=1" "$(cat "$NLOG")" "installed daemon: READY=1 over NOTIFY_SOCKET"
PSOCK=/tmp/dgpr_renew_$PUID
assert_eq "proxy-renewd 600" "$(stat -c '%U %a' "$PSOCK")" "socket $PSOCK: the user's, 0600"

# as the daemon's user (the job manager of a default install): default socket
asuser() {
	setpriv --reuid=proxy-renewd --regid=proxy-renewd --init-groups \
	    env -u PROXY_RENEWD_SOCKET HOME=/ "$@"
}
new_proxy alice "$T/cur.pem" 20
new_proxy alice "$T/api.pem" 20
chown proxy-renewd: "$T/cur.pem" "$T/api.pem"
cur_end=$(eng_end "$T/cur.pem")
run asuser /usr/bin/proxy-renew -s "$A1" -f "$T/cur.pem" -j pkg-job1 start
assert_rc 0 "installed proxy-renew: start: $ERR"
file=$OUT
assert_match "^$SPOOL/[0-9a-f]{64}\\.[0-9]+\$" "$file" "registered into $SPOOL"
cc -o "$T/apiclient" "$PR_SOURCE_DIR/tests/tools/pr-apiclient.c" \
    $(pkg-config --cflags --libs proxyrenew) 2> "$T/cc.err"
assert_eq 0 "$?" "a program builds against libproxyrenew-dev: $(cat "$T/cc.err")"
assert_match "libproxyrenew.so.1 => (/usr)?/lib/" "$(ldd "$T/apiclient")" \
    "it runs with the installed libproxyrenew1"
run asuser "$T/apiclient" register "$T/api.pem" localhost "${A1#*:}" pkg-job2
assert_rc 0 "installed library: register: $OUT"
run asuser "$T/apiclient" get pkg-job1
assert_rc 0 "installed library: get"
assert_eq "$file" "$(sed -n 2p <<< "$OUT")" "GET returns the registered path"
wait_end_after "$file" "$cur_end" 60 && ok "the installed daemon renewed it" ||
    fail "not renewed within 60 s"
assert_eq "proxy-renewd 600" "$(stat -c '%U %a' "$file")" "renewed file: the user's, 0600"
# The renewal can come before pkg-job2's REGISTER (a pooled key makes it
# fast), and pkg-job2 then joins the renewed proxy or gets its own: wait for
# the status line that counts both jobs (refreshed at least every 30 s).
st='STATUS=[12] proxies, 2 jobs; last renewal 20'
wait_notify "$st" 40
assert_match "$st" "$(cat "$NLOG")" "STATUS reports the renewal"
run asuser /usr/bin/proxy-renew renew -s "$A1" -f "$T/cur.pem" \
    -o "$T/svc/oneshot.pem" --cert "$T/svc/cert.pem" --key "$T/svc/key.pem" \
    --CAdir "$MP_CADIR"
assert_rc 0 "installed one-shot renewal (worker from /usr/libexec): $ERR"
kill -TERM "$PKG_PID"
wait "$PKG_PID"
assert_eq 0 "$?" "installed daemon: exit 0 on SIGTERM"
PKG_PID=
assert_match "STOPPING=1" "$(cat "$NLOG")" "STOPPING=1 sent"
assert_file_gone "$PSOCK" "socket removed"
DAEMON_LOG=$DAEMON_LOG check_log_clean

# ---- remove, then purge
run dpkg -r "${PKGS[@]}"
assert_rc 0 "dpkg -r: $ERR"
assert_file "$file" "remove keeps the repository's proxies"
assert_file /etc/proxy-renewd.conf "remove keeps the conffile"
assert_file_gone /usr/sbin/proxy-renewd "remove: daemon gone"
run dpkg -P "${PKGS[@]}"
assert_rc 0 "dpkg -P: $ERR"
assert_file_gone "$SPOOL" "purge removes the repository"
assert_file_gone /etc/proxy-renewd.conf "purge removes the conffile"
for p in "${PKGS[@]}"; do
	dpkg-query -W "$p" >/dev/null 2>&1 && fail "$p still known to dpkg" ||
	    ok "$p gone"
done
left=$(ls -d /usr/libexec/proxy-renewd /usr/include/glite/security/proxyrenewal \
    /usr/lib/*/libproxyrenew* /lib/systemd/system/proxy-renewd.service \
    /etc/systemd/system/multi-user.target.wants/proxy-renewd.service 2>/dev/null)
assert_eq "" "$left" "nothing of the packages left"
