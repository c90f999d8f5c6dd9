# myproxy.sh: real myproxy-server instances (Debian package) and the
# renewal worker, for the integration tests labelled myproxy.
# Source after common.sh: `source "$PR_LIB_DIR/myproxy.sh"`.
#
# Every server listens on 127.0.0.1 (name localhost, certificate
# CN=localhost) on a free port the kernel picks (-p 0, port read from -z),
# runs daemonized with a pid file (`-d` would serve one connection only) and
# is stopped by that pid when the test exits. Its files are in $T/mp/NAME:
# config, storage/ (0700), port, pid. Syslog gets its log lines.
#
#   mp_setup           a CA as setup_ca's (users alice and bob) and the service
#                      credential $T/ca/svc (MP_SVC_CERT, MP_SVC_KEY,
#                      MP_SVC_DN), MP_CADIR; sets WORKER
#   mp_start NAME [RENEWERS_DN [ACCEPTED_DN]]
#                      start (or restart on its old port) server NAME with
#                      its own host certificate /C=XX/O=Test/OU=NAME/CN=localhost;
#                      authorized_renewers = default_renewers = RENEWERS_DN
#                      (default the service DN); accepted_credentials =
#                      ACCEPTED_DN (default "*")
#   mp_dn NAME         the server's DN (for another server's accepted_credentials)
#   mp_port NAME       its port;  mp_addr NAME  "localhost:PORT"
#   mp_stop NAME       stop it (SIGTERM, then wait until gone)
#   mp_store USER NAME [CRED_HOURS [MAX_HOURS]]
#                      myproxy-init -d -n: USER's long-term credential under
#                      its DN, no passphrase (default 24 h, retrievals up to 12 h)
#   mp_init USER NAME ARGS...
#                      myproxy-init ARGS as USER to server NAME (stdin is
#                      the caller's: a passphrase for -S); dies on failure
#   mp_setup_alice [CRED_HOURS]
#                      mp_setup, server "one" started holding alice's
#                      credential (mp_store alice one CRED_HOURS); its
#                      address in A1
#   mp_setup_failures  mp_setup_alice, then the servers a renewal fails on:
#                      "notauth" (its renewers: somebody else) holding
#                      bob's credential, "short" holding alice's for 1 h
#                      (retrievals up to 12 h), and mp_hang_start
#   mp_store_timed USER NAME CRED_HOURS
#                      mp_store, the time around it noted for assert_cred_end
#   assert_cred_end END DESC
#                      END (Unix time) is CRED_HOURS after the last
#                      mp_store_timed (within a minute either side)
#   mp_destroy USER NAME   myproxy-destroy -d of USER's credential
#   mp_replicate FROM TO   copy FROM's credential store to TO (what
#                      myproxy-replicate does; Debian does not ship it)
#   mp_hang_start      a listener that accepts and never answers (socat);
#                      sets HANG_PORT; stopped at exit
#   worker_renew SERVERS CURRENT OUT [EXTRA_LINES]
#                      create OUT empty (0600), send one request frame to the
#                      worker (service credential of mp_setup), set RC (exit
#                      status) and OUT_MSG (result text, one key=value a line);
#                      with WR_NEW_KEY=FILE the worker gets that file's bytes
#                      through a pipe as fd 5 (add New_key_fd=1 to EXTRA_LINES)
#   frame BODY         print BODY as one frame (4-byte big-endian length)
#   mp_bench NAME CURRENT N PAR
#                      N worker renewals of CURRENT from server NAME, PAR at
#                      a time; prints "N ok in MS ms, R renewals/s, server
#                      CPU C ms/renewal"; sets BENCH_OK, BENCH_MS

MP_NAMES=()
MP_HANG_PID=
pr_full_stacks_

mp_cleanup_() {
	local n
	for n in "${MP_NAMES[@]}"; do
		mp_stop "$n" quiet
	done
	if [ -n "$MP_HANG_PID" ]; then
		kill -TERM -- "-$MP_HANG_PID" 2>/dev/null
		wait "$MP_HANG_PID" 2>/dev/null
		MP_HANG_PID=
	fi
}
# run our cleanup, then common.sh's (with the script's exit status)
trap 'mp_rc_=$?; mp_cleanup_; (exit $mp_rc_); pr_cleanup_' EXIT

mp_setup() {
	need_tool myproxy-server
	need_tool myproxy-init
	need_tool myproxy-destroy
	need_tool openssl
	need_tool grid-proxy-init
	# as setup_ca, with every subject explicit
	ca_init "$T/ca" || die "ca_init"
	ca_issue "$T/ca" alice user /C=XX/O=Test/CN=alice || die "ca_issue alice"
	ca_issue "$T/ca" bob user /C=XX/O=Test/CN=bob || die "ca_issue bob"
	export X509_CERT_DIR=$T/ca/certificates
	ca_issue "$T/ca" svc service "/C=XX/O=Test/CN=renewal service" ||
	    die "ca_issue svc"
	MP_SVC_CERT=$T/ca/svc/cert.pem
	MP_SVC_KEY=$T/ca/svc/key.pem
	MP_SVC_DN=$(proxy_subject "$MP_SVC_CERT") || die "service DN"
	MP_CADIR=$T/ca/certificates
	WORKER=$(pr_bin_ proxy-renewd-worker bin)
	need_bin "$WORKER" proxy-renewd-worker
	mkdir -p "$T/mp"
}

mp_dn() {
	printf '/C=XX/O=Test/OU=%s/CN=localhost' "$1"
}

mp_port() {
	cat "$T/mp/$1/port"
}

mp_addr() {
	printf 'localhost:%s' "$(mp_port "$1")"
}

# mp_listens_ DIR: the server of DIR wrote its pid and port and accepts
mp_listens_() {
	[ -s "$1/pid" ] && [ -s "$1/port" ] &&
	    (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$1/port")") 2>/dev/null
}

mp_start() {
	local name=$1 renewers=${2:-$MP_SVC_DN} accepted=${3:-*}
	local d=$T/mp/$1 port=0
	if [ ! -d "$d" ]; then
		mkdir -p "$d" && mkdir -m 0700 "$d/storage" || die "mp_start $name"
		ca_issue "$T/ca" "mp-$name" host "$(mp_dn "$name")" ||
		    die "ca_issue mp-$name"
		MP_NAMES+=("$name")
	fi
	[ -f "$d/port" ] && port=$(cat "$d/port")
	cat > "$d/config" <<EOF
accepted_credentials "$accepted"
authorized_retrievers "*"
default_retrievers "*"
authorized_renewers "$renewers"
default_renewers "$renewers"
EOF
	rm -f "$d/pid"
	X509_USER_CERT=$T/ca/mp-$name/cert.pem \
	X509_USER_KEY=$T/ca/mp-$name/key.pem X509_CERT_DIR=$MP_CADIR \
	    myproxy-server -c "$d/config" -s "$d/storage" -l localhost \
	    -p "$port" -z "$d/port" -P "$d/pid" >> "$d/log" 2>&1 ||
	    die "myproxy-server $name did not start: $(tail -n 3 "$d/log")"
	wait_until 5 mp_listens_ "$d" ||
	    die "myproxy-server $name does not accept connections"
}

# Stopped means refusing connections: the child serving a connection
# inherited the listening socket and keeps it until it ends, so the
# server's own exit is not enough (a client then gets "Connection closed"
# instead of "Connection refused").
mp_stop() {
	local d=$T/mp/$1 pid port
	[ -s "$d/pid" ] || return 0
	pid=$(cat "$d/pid")
	port=$(cat "$d/port" 2>/dev/null)
	rm -f "$d/pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_until 5 proc_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		[ "${2:-}" = quiet ] || fail "myproxy-server $1 ignored SIGTERM"
	fi
	[ -z "$port" ] || wait_until 10 port_closed "$port" ||
	    [ "${2:-}" = quiet ] ||
	    fail "myproxy-server $1: port $port still listens after its exit"
}

mp_store() {
	mp_init "$1" "$2" -d -n -c "${3:-24}" -t "${4:-12}" < /dev/null
}

mp_init() {
	local user=$1 name=$2
	shift 2
	X509_USER_CERT=$T/ca/$user/cert.pem X509_USER_KEY=$T/ca/$user/key.pem \
	X509_CERT_DIR=$MP_CADIR myproxy-init -s localhost -p "$(mp_port "$name")" \
	    "$@" >> "$T/mp/$name/log" 2>&1 ||
	    die "myproxy-init of $user on $name: $(tail -n 3 "$T/mp/$name/log")"
}

mp_setup_alice() {
	mp_setup
	mp_start one
	mp_store alice one "$@"
	A1=$(mp_addr one)
}

mp_setup_failures() {
	mp_setup_alice
	mp_start notauth "/C=XX/O=Test/CN=somebody else"
	mp_start short
	mp_store bob notauth
	mp_store alice short 1 12
	mp_hang_start
}

mp_store_timed() {
	MP_STORED_FROM=$(date +%s)
	mp_store "$@"
	MP_STORED_TO=$(date +%s)
	MP_STORED_HOURS=$3
}

assert_cred_end() {
	local end=$1 desc=$2 secs=$((MP_STORED_HOURS * 3600))
	if [[ $end =~ ^[0-9]+$ ]] &&
	    [ "$end" -ge $((MP_STORED_FROM + secs - 60)) ] &&
	    [ "$end" -le $((MP_STORED_TO + secs + 60)) ]; then
		ok "$desc ($end)"
	else
		fail "$desc: '$end' not $MP_STORED_HOURS h after $MP_STORED_FROM..$MP_STORED_TO"
	fi
}

mp_destroy() {
	local user=$1 name=$2
	X509_USER_CERT=$T/ca/$user/cert.pem X509_USER_KEY=$T/ca/$user/key.pem \
	X509_CERT_DIR=$MP_CADIR myproxy-destroy -s localhost \
	    -p "$(mp_port "$name")" -d < /dev/null >> "$T/mp/$name/log" 2>&1 ||
	    die "myproxy-destroy of $user on $name"
}

mp_replicate() {
	cp -p "$T/mp/$1/storage/"* "$T/mp/$2/storage/" ||
	    die "mp_replicate $1 $2"
}

# mp_hang_listens_: the listener of mp_hang_start runs and accepts
mp_hang_listens_() {
	kill -0 "$MP_HANG_PID" 2>/dev/null || return 1
	(exec 3<>"/dev/tcp/127.0.0.1/$HANG_PORT") 2>/dev/null
}

mp_hang_start() {
	local i
	need_tool socat
	for i in $(seq 1 20); do
		HANG_PORT=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$HANG_PORT") 2>/dev/null && continue
		setsid socat "TCP-LISTEN:$HANG_PORT,bind=127.0.0.1,reuseaddr,fork" \
		    SYSTEM:'sleep 300' 2>/dev/null &
		MP_HANG_PID=$!
		wait_until 3 mp_hang_listens_ && return 0
		kill -TERM -- "-$MP_HANG_PID" 2>/dev/null
		wait "$MP_HANG_PID" 2>/dev/null
		MP_HANG_PID=
	done
	die "cannot start the hanging listener"
}

frame() {
	local n
	n=$(printf '%s' "$1" | wc -c)
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) \
	    $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
	printf '%s' "$1"
}

worker_renew() {
	local servers=$1 cur=$2 out=$3 extra=${4:-} body= kvp
	rm -f "$out"
	install -m 0600 /dev/null "$out" || die "cannot create $out"
	# defaults, unless EXTRA_LINES sets the key
	for kvp in "Servers=$servers" "Proxy=$cur" "Out=$out" \
	    "Cert=$MP_SVC_CERT" "Key=$MP_SVC_KEY" "CAdir=$MP_CADIR"; do
		printf '%s\n' "$extra" | grep -q "^${kvp%%=*}=" ||
		    body+="$kvp"$'\n'
	done
	[ -n "$extra" ] && body+="$extra"$'\n'
	if [ -n "${WR_NEW_KEY:-}" ]; then
		frame "$body" | "$WORKER" > "$T/.wres" 2> "$T/.werr" \
		    5< <(cat "$WR_NEW_KEY")
	else
		frame "$body" | "$WORKER" > "$T/.wres" 2> "$T/.werr"
	fi
	RC=${PIPESTATUS[1]}
	OUT_MSG=$(tail -c +5 "$T/.wres" | tr -d '\0')
}

# one renewal for mp_bench (run by xargs in a child bash)
mp_bench_one_() {
	local out=$MPB_DIR/out.$1 n body
	install -m 0600 /dev/null "$out" || return 1
	body="Servers=$MPB_ADDR
Proxy=$MPB_CUR
Out=$out
Cert=$MP_SVC_CERT
Key=$MP_SVC_KEY
CAdir=$MP_CADIR
"
	n=${#body}
	{ printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) \
	    $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
	  printf '%s' "$body"; } | "$WORKER" | tail -c +5 | tr -d '\0' |
	    grep -c '^Response=0$'
	rm -f "$out"
}

# CPU (utime+stime of it and its reaped children) of a pid, in ms.
mp_cpu_ms_() {
	local f
	read -ra f < "/proc/$1/stat" || return 1
	echo $(( (f[13] + f[14] + f[15] + f[16]) * 1000 / $(getconf CLK_TCK) ))
}

# CPU of this shell's reaped children, in ms, from `times` output in file $1
# (`times` itself must run in this shell, not in a command substitution).
mp_children_cpu_ms_() {
	tail -n 1 "$1" | awk '{ t = 0; for (i = 1; i <= 2; i++) {
	    split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
	    printf "%d\n", t * 1000 }'
}

mp_bench() {
	local name=$1 cur=$2 n=$3 par=$4 pid c0 c1 t0 t1 k0 k1
	pid=$(cat "$T/mp/$name/pid")
	export MPB_DIR=$T/bench MPB_ADDR MPB_CUR=$cur MP_SVC_CERT MP_SVC_KEY \
	    MP_CADIR WORKER
	MPB_ADDR=$(mp_addr "$name")
	export -f mp_bench_one_
	mkdir -p "$MPB_DIR"
	c0=$(mp_cpu_ms_ "$pid")
	times > "$T/.times0"
	t0=$(now_ms)
	BENCH_OK=$(seq 1 "$n" | xargs -P "$par" -I{} bash -c 'mp_bench_one_ {}' |
	    grep -c '^1$')
	t1=$(now_ms)
	c1=$(mp_cpu_ms_ "$pid")
	times > "$T/.times1"
	k0=$(mp_children_cpu_ms_ "$T/.times0")
	k1=$(mp_children_cpu_ms_ "$T/.times1")
	BENCH_MS=$((t1 - t0))
	printf '%s ok of %s in %s ms with %s workers: %s.%s renewals/s, CPU per renewal: server %s ms, client side (worker + shell) %s ms\n' \
	    "$BENCH_OK" "$n" "$BENCH_MS" "$par" \
	    $((n * 1000 / BENCH_MS)) $(((n * 10000 / BENCH_MS) % 10)) \
	    $(((c1 - c0) / n)) $(((k1 - k0) / n))
}
