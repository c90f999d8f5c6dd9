# voms.sh: a real VOMS server (Debian voms-server + voms-mysql-plugin) on a
# private MariaDB instance, for the voms-labelled integration tests.
# Bash library: `source tests/integration/lib/voms.sh` (after common.sh,
# which sources ca.sh and gives port_listening).
#
# Everything lives under one directory; the database listens on a unix
# socket only (skip-networking); voms listens on a free high port (on all
# interfaces: contact it only as localhost). Nothing is installed system-wide.
#
# Interface (each function returns non-zero and prints to stderr on failure):
#
#   voms_init DIR CADIR [VO]
#       CADIR is a ca_init directory. Issues the server certificate
#       CADIR/vomshost (CN=localhost) when missing, starts MariaDB in DIR/db,
#       creates the VOMS schema (the plugin's own SQL) and VO VO (default
#       "testvo") with groups /VO and /VO/sub and roles "production" and
#       "VO-Admin", writes DIR/vomses and DIR/vomsdir/VO/localhost.lsc, and
#       starts voms-server. Adds voms_shutdown to the shell's EXIT trap.
#       Sets VOMS_DIR VOMS_VO VOMS_PORT VOMS_VOMSES VOMS_VOMSDIR VOMS_CERTDIR
#       VOMS_SERVER_DN VOMS_SETUP_MS (wall time of the whole setup).
#   voms_add_user DN [FQAN ...]
#       Registers DN (issued by the lab CA) as a member of /VO and of each
#       FQAN given as /VO/group or /VO/group/Role=role.
#   voms_revoke DN FQAN
#       Removes one membership (group or group+role) of DN.
#   voms_start / voms_stop
#       Start or stop voms-server only (the database keeps running).
#   voms_move_port
#       Stops voms-server, rewrites DIR/vomses with a new free port and
#       starts it there (ACs issued before keep the old URI: failover).
#   voms_shutdown
#       Stops voms-server and MariaDB (idempotent).
#   voms_proxy_init CREDDIR OUT VALID ACLIFE FQAN ...
#       voms-proxy-init -rfc for the credential in CREDDIR (cert.pem,
#       key.pem), proxy valid VALID (h:mm), ACs valid ACLIFE (h:mm), one
#       -voms VO:FQAN per FQAN in that order. Output goes to OUT.log.
#   voms_sql SQL
#       Runs SQL in the VO database (as the database root user).
#   voms_driver_setup DIR FQAN...
#       The set-up of the driver tests (20x): ca_init DIR/ca with user
#       alice, voms_init DIR/voms (VO testvo), alice added with the FQANs.
#       Sets VOMS_DRIVER, the pr-voms-driver built in PR_BUILD_DIR.
#   voms_renew OLD RENEWED OUT
#       VOMS_DRIVER renews the ACs of OLD onto RENEWED into OUT, with
#       VOMS_VOMSES VOMS_VOMSDIR VOMS_CERTDIR; its output goes to OUT.log.
#   voms_renew_ok OLD RENEWED OUT DESC
#       voms_renew, recorded as passed, or as failed with its log (common.sh
#       ok/fail); returns its status.
#   voms_renew_refused OLD RENEWED OUT REGEX DESC
#       voms_renew must fail with REGEX (grep -E) in its log and write no OUT.
#   voms_info ARGS...
#       voms-proxy-info ARGS with the lab's CA and vomsdir.
#
# Files: DIR/db (datadir), DIR/mysql.sock, DIR/mysqld.err, DIR/voms.log,
# DIR/voms.out (the server's stdout/stderr), DIR/voms.pass (0640).

pr_full_stacks_		# common.sh: libvomsapi's known leaks suppressed
VOMS_PLUGIN=${VOMS_PLUGIN:-/usr/lib/voms/libvomsmysql.so}
VOMS_SCHEMA=${VOMS_SCHEMA:-/usr/share/voms/voms-mysql.data}

voms_die_() {
	echo "voms.sh: $*" >&2
	return 1
}

voms_now_ms_() {
	date +%s%3N
}

# voms_free_port_: prints a TCP port in 20000-59999 nobody listens on.
voms_free_port_() {
	local p i
	for i in $(seq 50); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		port_listening "$p" || { echo "$p"; return 0; }
	done
	voms_die_ "no free port found"
}

voms_mysql_() {
	mariadb --no-defaults -S "$VOMS_DIR/mysql.sock" -u root "$@"
}

voms_sql() {
	voms_mysql_ -N -B -D "voms_$VOMS_VO" -e "$1"
}

voms_db_start_() {
	local d=$VOMS_DIR i user=()
	[ "$(id -u)" = 0 ] && user=(--user=root)
	# A private tmpdir: parallel tests' servers must not share /tmp's temp tables.
	mkdir -p "$d/tmp" || return 1
	mariadb-install-db --no-defaults --datadir="$d/db" "${user[@]}" \
	    --tmpdir="$d/tmp" \
	    --auth-root-authentication-method=socket --skip-test-db \
	    > "$d/install-db.log" 2>&1 ||
	    { cat "$d/install-db.log" >&2; voms_die_ "mariadb-install-db failed"; return 1; }
	mariadbd --no-defaults --datadir="$d/db" --socket="$d/mysql.sock" \
	    --skip-networking --pid-file="$d/mysqld.pid" "${user[@]}" \
	    --tmpdir="$d/tmp" \
	    --log-error="$d/mysqld.err" --innodb-buffer-pool-size=16M \
	    > /dev/null 2>&1 &
	VOMS_DB_PID=$!
	for i in $(seq 200); do
		voms_mysql_ -e 'SELECT 1' > /dev/null 2>&1 && return 0
		kill -0 "$VOMS_DB_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$d/mysqld.err" >&2
	voms_die_ "MariaDB did not start"
}

# voms_db_create_ CADN: the schema, the query account, the VO skeleton.
voms_db_create_() {
	local db=voms_$VOMS_VO pass
	pass=$(openssl rand -hex 12) || return 1
	(umask 027 && echo "$pass" > "$VOMS_DIR/voms.pass") || return 1
	chmod 0640 "$VOMS_DIR/voms.pass" || return 1
	voms_mysql_ -e "CREATE DATABASE $db" || return 1
	voms_mysql_ -D "$db" < "$VOMS_SCHEMA" ||
	    { voms_die_ "cannot load $VOMS_SCHEMA"; return 1; }
	voms_mysql_ -D "$db" <<EOF || { voms_die_ "cannot fill the VO database"; return 1; }
CREATE USER 'voms'@'localhost' IDENTIFIED BY '$pass';
GRANT SELECT, LOCK TABLES ON $db.* TO 'voms'@'localhost';
INSERT INTO ca VALUES (1, '/O=VOMS/O=System/CN=Dummy Certificate Authority', 'dummy');
INSERT INTO ca VALUES (6, '$1', 'lab CA');
INSERT INTO groups VALUES (1, '/$VOMS_VO', 1, 1);
INSERT INTO groups VALUES (2, '/$VOMS_VO/sub', 1, 0);
INSERT INTO roles VALUES (1, 'VO-Admin');
INSERT INTO roles VALUES (2, 'production');
INSERT INTO seqnumber VALUES ('00');
INSERT INTO version (version) VALUES (2);
EOF
}

voms_start() {
	local i
	[ -n "$VOMS_DIR" ] || { voms_die_ "voms_init first"; return 1; }
	voms --debug --vo "$VOMS_VO" --port "$VOMS_PORT" --uri "localhost:$VOMS_PORT" \
	    --dbname "voms_$VOMS_VO" --username voms \
	    --passfile "$VOMS_DIR/voms.pass" --sqlloc "$VOMS_PLUGIN" \
	    --contactstring localhost --mysql-socket "$VOMS_DIR/mysql.sock" \
	    --x509_user_cert "$VOMS_HOSTCRED/cert.pem" \
	    --x509_user_key "$VOMS_HOSTCRED/key.pem" \
	    --x509_cert_dir "$VOMS_CERTDIR" --logfile "$VOMS_DIR/voms.log" \
	    --loglevel 4 --newformat --timeout 86400 \
	    >> "$VOMS_DIR/voms.out" 2>&1 < /dev/null &
	VOMS_PID=$!
	for i in $(seq 200); do
		port_listening "$VOMS_PORT" && return 0
		kill -0 "$VOMS_PID" 2>/dev/null || break
		sleep 0.05
	done
	tail -20 "$VOMS_DIR/voms.out" >&2
	VOMS_PID=
	voms_die_ "voms-server did not start on port $VOMS_PORT"
}

# voms_kill_wait_ PID TICKS: SIGTERM to PID, up to TICKS x 50 ms for it to
# end, then SIGKILL; reaped.
voms_kill_wait_() {
	local i
	kill "$1" 2>/dev/null
	for i in $(seq "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

voms_stop() {
	[ -n "$VOMS_PID" ] || return 0
	voms_kill_wait_ "$VOMS_PID" 100
	VOMS_PID=
	return 0
}

voms_write_vomses_() {
	printf '"%s" "localhost" "%s" "%s" "%s"\n' "$VOMS_VO" "$VOMS_PORT" \
	    "$VOMS_SERVER_DN" "$VOMS_VO" > "$VOMS_VOMSES"
}

voms_move_port() {
	voms_stop
	VOMS_PORT=$(voms_free_port_) || return 1
	voms_write_vomses_ || return 1
	voms_start
}

voms_shutdown() {
	voms_stop
	[ -n "$VOMS_DB_PID" ] || return 0
	voms_kill_wait_ "$VOMS_DB_PID" 200
	VOMS_DB_PID=
	return 0
}

voms_init() {
	local dir=$1 cadir=$2 t0 cadn hostdn
	[ $# -ge 2 ] || { voms_die_ "usage: voms_init DIR CADIR [VO]"; return 1; }
	t0=$(voms_now_ms_)
	mkdir -p "$dir" || return 1
	VOMS_DIR=$(cd "$dir" && pwd) || return 1
	VOMS_VO=${3:-testvo}
	VOMS_CERTDIR=$(cd "$cadir" && pwd)/certificates
	VOMS_HOSTCRED=$(cd "$cadir" && pwd)/vomshost
	VOMS_VOMSES=$VOMS_DIR/vomses
	VOMS_VOMSDIR=$VOMS_DIR/vomsdir
	VOMS_PID= VOMS_DB_PID=
	if [ ! -f "$VOMS_HOSTCRED/cert.pem" ]; then
		ca_issue "$cadir" vomshost host || return 1
	fi
	cadn=$(openssl x509 -in "$cadir/ca/cert.pem" -noout -subject \
	    -nameopt compat | sed 's/^subject=//') || return 1
	VOMS_SERVER_DN=$(openssl x509 -in "$VOMS_HOSTCRED/cert.pem" -noout \
	    -subject -nameopt compat | sed 's/^subject=//') || return 1
	hostdn=$VOMS_SERVER_DN
	VOMS_PORT=$(voms_free_port_) || return 1
	case $(trap -p EXIT) in *voms_shutdown*) ;; *) at_exit voms_shutdown ;; esac
	voms_db_start_ || return 1
	voms_db_create_ "$cadn" || return 1
	mkdir -p "$VOMS_VOMSDIR/$VOMS_VO" || return 1
	printf '%s\n%s\n' "$hostdn" "$cadn" > "$VOMS_VOMSDIR/$VOMS_VO/localhost.lsc" ||
	    return 1
	voms_write_vomses_ || return 1
	voms_start || return 1
	VOMS_SETUP_MS=$(( $(voms_now_ms_) - t0 ))
}

# voms_fqan_ids_ FQAN: prints "gid rid" (rid NULL for a plain group).
voms_fqan_ids_() {
	local fqan=$1 group role gid rid=NULL
	group=${fqan%%/Role=*}
	if [ "$group" != "$fqan" ]; then
		role=${fqan#*/Role=}
		role=${role%%/*}
		rid=$(voms_sql "SELECT rid FROM roles WHERE role='$role'") || return 1
		[ -n "$rid" ] || { voms_die_ "unknown role $role"; return 1; }
	fi
	gid=$(voms_sql "SELECT gid FROM groups WHERE dn='$group'") || return 1
	[ -n "$gid" ] || { voms_die_ "unknown group $group"; return 1; }
	echo "$gid $rid"
}

voms_add_user() {
	local dn=$1 uid ids fqan
	[ $# -ge 1 ] || { voms_die_ "usage: voms_add_user DN [FQAN ...]"; return 1; }
	shift
	voms_sql "INSERT INTO usr (dn, ca, cn, mail) VALUES ('$dn', 6, '${dn##*CN=}', 'nobody@example.org')" ||
	    return 1
	uid=$(voms_sql "SELECT userid FROM usr WHERE dn='$dn'") || return 1
	voms_sql "INSERT INTO m (userid, gid, rid) VALUES ($uid, 1, NULL)" || return 1
	for fqan in "$@"; do
		ids=$(voms_fqan_ids_ "$fqan") || return 1
		set -- $ids
		if [ "$1" != 1 ] || [ "$2" != NULL ]; then
			voms_sql "INSERT INTO m (userid, gid, rid) VALUES ($uid, $1, $2)" ||
			    return 1
		fi
	done
}

voms_revoke() {
	local dn=$1 uid ids cond
	[ $# -eq 2 ] || { voms_die_ "usage: voms_revoke DN FQAN"; return 1; }
	ids=$(voms_fqan_ids_ "$2") || return 1
	uid=$(voms_sql "SELECT userid FROM usr WHERE dn='$dn'") || return 1
	set -- $ids
	if [ "$2" = NULL ]; then cond="rid IS NULL"; else cond="rid = $2"; fi
	voms_sql "DELETE FROM m WHERE userid = $uid AND gid = $1 AND $cond"
}

voms_proxy_init() {
	local cred=$1 out=$2 valid=$3 aclife=$4 args=() f
	[ $# -ge 5 ] || { voms_die_ "usage: voms_proxy_init CREDDIR OUT VALID ACLIFE FQAN..."; return 1; }
	shift 4
	for f in "$@"; do
		args+=(-voms "$VOMS_VO:$f")
	done
	rm -f "$out"
	if ! X509_CERT_DIR=$VOMS_CERTDIR X509_VOMS_DIR=$VOMS_VOMSDIR \
	    X509_VOMSES=$VOMS_VOMSES RANDFILE=$VOMS_DIR/.rnd \
	    voms-proxy-init -rfc -bits 2048 -cert "$cred/cert.pem" \
	    -key "$cred/key.pem" -certdir "$VOMS_CERTDIR" \
	    -vomses "$VOMS_VOMSES" -out "$out" -valid "$valid" \
	    -vomslife "$aclife" "${args[@]}" < /dev/null > "$out.log" 2>&1; then
		cat "$out.log" >&2
		voms_die_ "voms-proxy-init failed for $cred"
		return 1
	fi
	chmod 0600 "$out"
}

voms_driver_setup() {
	local dir=$1
	shift
	ca_init "$dir/ca" || return 1
	ca_issue "$dir/ca" alice user || voms_die_ "ca_issue alice" || return
	voms_init "$dir/voms" "$dir/ca" testvo || return 1
	voms_add_user /C=XX/O=Test/CN=alice "$@" ||
	    voms_die_ "voms_add_user alice" || return
	VOMS_DRIVER=$PR_BUILD_DIR/tests/tools/pr-voms-driver
	[ -x "$VOMS_DRIVER" ] || voms_die_ "$VOMS_DRIVER is not built"
}

voms_renew() {
	"$VOMS_DRIVER" renew "$1" "$2" "$3" "$VOMS_VOMSES" "$VOMS_VOMSDIR" \
	    "$VOMS_CERTDIR" > "$3.log" 2>&1
}

voms_renew_ok() {
	if voms_renew "$1" "$2" "$3"; then
		ok "$4"
		return 0
	fi
	fail "$4: $(cat "$3.log")"
	return 1
}

voms_renew_refused() {
	if voms_renew "$1" "$2" "$3"; then
		fail "$5: the renewal succeeded"
		return
	fi
	assert_match "$4" "$(cat "$3.log")" "$5: refused, saying why"
	if [ -e "$3" ]; then
		fail "$5: a proxy was written"
	else
		ok "$5: no proxy written"
	fi
}

voms_info() {
	X509_CERT_DIR=$VOMS_CERTDIR X509_VOMS_DIR=$VOMS_VOMSDIR \
	    voms-proxy-info "$@"
}
