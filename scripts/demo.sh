#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: the main job on a local default, end to end.
#
# Creates a throwaway CA and certificates, starts a real myproxy-server on
# 127.0.0.1, stores alice's long-term credential in it (no passphrase,
# renewable by the service), starts proxy-renewd with the service
# credential, registers a 20-minute proxy for a job (less than the condor
# limit left, so it is due at once), waits for the renewal and shows the
# repository file's expiry before and after and the daemon's log lines,
# renews a VOMS proxy with its ACs, and shows what an admin monitors
# (status table, check, history, metrics).
# Everything runs in a temp dir and is stopped at exit (PR_KEEP_TMP=1 keeps it).
set -u
PR_BUILD_DIR=$(cd "${1:-build}" && pwd)
export PR_BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
# The integration tests' helpers: CA, daemon and myproxy-server control.
# shellcheck source=../tests/integration/lib/common.sh
source "$here/../tests/integration/lib/common.sh"
# shellcheck source=../tests/integration/lib/myproxy.sh
source "$PR_LIB_DIR/myproxy.sh"
# shellcheck source=../tests/integration/lib/voms.sh
source "$PR_LIB_DIR/voms.sh"
# shellcheck source=../tests/integration/lib/engine.sh
source "$PR_LIB_DIR/engine.sh"	# eng_start, vinfo

say() { printf '\n==> %s\n' "$*"; }
show_time() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S UTC'; }

say "throwaway CA, user alice, service and server certificates in $T/ca"
mp_setup
say "myproxy-server on 127.0.0.1"
mp_start main
server=$(mp_addr main)
echo "listening on $server"
say "alice stores her long-term credential (myproxy-init -d -n)"
mp_store alice main 24 12
echo "stored for $(proxy_subject "$T/ca/alice/cert.pem")"

say "alice's job proxy: 20 minutes left (less than the condor limit)"
new_proxy alice "$T/alice.proxy" 20
before=$(proxy_end_time "$T/alice.proxy")
echo "proxy ends $(show_time "$before")"

say "a VOMS server (voms-server + private MariaDB) for VO testvo"
voms_init "$T/voms" "$T/ca" testvo || die "voms_init"
voms_add_user /C=XX/O=Test/CN=alice /testvo/sub /testvo/Role=production ||
    die "voms_add_user"
echo "up in $VOMS_SETUP_MS ms on localhost:$VOMS_PORT; alice is in /testvo/sub with Role=production"

say "proxy-renewd: repository $REPO, socket $SOCK"
eng_start --myproxy-server "$server" \
    -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES"

say "proxy-renew -s $server -f alice.proxy -j https://wms.example.org/job/1 start"
cli -s "$server" -f "$T/alice.proxy" -j https://wms.example.org/job/1 start
assert_rc 0 "register"
file=$OUT
echo "$file"

say "waiting for the renewal"
deadline=$((SECONDS + 60))
after=$before
while [ $SECONDS -lt $deadline ]; do
	[ -f "$file" ] && after=$(proxy_end_time "$file" 2>/dev/null || echo "$before")
	[ "$after" -gt $((before + 600)) ] && break
	sleep 1
done
echo "before: $(show_time "$before")"
echo "after:  $(show_time "$after")"
[ "$after" -gt $((before + 600)) ] || die "the proxy was not renewed within 60 s"
ok "the job's proxy was renewed from MyProxy"
echo "subject: $(proxy_subject "$file")"

say "proxy-renew status $file"
cli status "$file"
printf '%s\n' "$OUT"

say "the daemon's log"
grep -v '^====' "$DAEMON_LOG" | tail -n 15

say "a VOMS proxy for job 2: 40 minutes, ACs for 20 minutes, role first"
voms_proxy_init "$T/ca/alice" "$T/alice-voms.proxy" 0:40 0:20 \
    /testvo/Role=production /testvo/sub || die "voms-proxy-init"
echo "FQANs:"; vinfo -fqan -file "$T/alice-voms.proxy"
echo "AC time left: $(vinfo -actimeleft -file "$T/alice-voms.proxy") s"
cli -s "$server" -f "$T/alice-voms.proxy" -j https://wms.example.org/job/2 start
assert_rc 0 "register the VOMS proxy"
vfile=$OUT
echo "$vfile (a file of its own: other FQANs)"
old_ac=$(vinfo -actimeleft -file "$T/alice-voms.proxy")
say "waiting for the VOMS renewal"
new_ac=$old_ac
for i in $(seq 1 60); do
	new_ac=$(vinfo -actimeleft -file "$vfile" || echo 0)
	[ "${new_ac:-0}" -gt $((old_ac + 600)) ] && break
	sleep 1
done
[ "${new_ac:-0}" -gt $((old_ac + 600)) ] || die "the VOMS proxy was not renewed within 60 s"
echo "renewed FQANs (same list, same order):"; vinfo -fqan -file "$vfile"
echo "AC time left: $old_ac s before, $new_ac s after"
ok "the job's VOMS proxy was renewed with its ACs"
grep "renewal of" "$DAEMON_LOG" | tail -n 2

# What a site admin looks at (README "Monitoring").
say "proxy-renew status (every stored proxy, most urgent first)"
cli status
assert_rc 0 "status table"
printf '%s\n' "$OUT"
say "proxy-renew check (a Nagios/ARGO probe: exit 0 OK, 1 WARNING, 2 CRITICAL)"
echo "(alice stored her credential for 24 h, within the 7-day warning lead:"
echo " the probe warns that it runs out soon, as CRED END shows above)"
cli check
assert_eq 1 "$RC" "check warns of the stored credential's end (exit 1)"
printf '%s\n' "$OUT"
say "proxy-renew history $vfile"
cli history "$vfile"
assert_rc 0 "history"
printf '%s\n' "$OUT"
say "proxy-renew metrics (Prometheus text; a few of its lines)"
cli metrics
assert_rc 0 "metrics"
grep -E '^proxy_renewd_(proxies|renewal_attempts_total)\b' <<< "$OUT"
cli -j https://wms.example.org/job/2 stop

say "proxy-renew -j https://wms.example.org/job/1 stop"
cli -j https://wms.example.org/job/1 stop
assert_rc 0 "unregister"
daemon_stop
say "done: everything started here is stopped"
