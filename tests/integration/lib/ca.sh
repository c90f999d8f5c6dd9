# ca.sh: a throwaway test CA, certificates and proxies for the tests.
# Bash library: `source tests/integration/lib/ca.sh`. Needs openssl and,
# for proxies with a positive lifetime, grid-proxy-init (globus-proxy-utils).
# Nothing here is fit for any real use: keys are unencrypted, 30-day certs.
#
# Interface (each function returns non-zero and prints to stderr on failure;
# nothing is exported or set globally except the CA_* names listed here):
#
#   ca_init DIR [CN]
#       Creates a throwaway CA in DIR:
#         DIR/ca/cert.pem, DIR/ca/key.pem      the CA (CN "Throwaway test CA"
#                                              unless given: two CAs of one
#                                              name share a hash)
#         DIR/certificates/<hash>.0            trusted-certificates directory
#         DIR/certificates/<hash>.signing_policy  (Globus policy: the CA may
#                                              sign "/C=XX/O=Test/*")
#       <hash> is the new-style `openssl x509 -hash`. Use DIR/certificates as
#       X509_CERT_DIR. DIR is created when missing.
#
#   ca_issue DIR NAME KIND [SUBJECT]
#       Issues a certificate signed by the CA in DIR: writes DIR/NAME/cert.pem
#       (0644) and DIR/NAME/key.pem (0600, unencrypted 2048-bit RSA, PKCS#1).
#       KIND: host    default SUBJECT /C=XX/O=Test/CN=localhost,
#                     subjectAltName DNS:localhost, serverAuth+clientAuth
#             service like host (default SUBJECT /C=XX/O=Test/CN=renewal
#                     service), for the daemon's MyProxy client credential
#             user    default SUBJECT /C=XX/O=Test/CN=<NAME>; NO keyUsage
#                     extension (legacy proxies under OpenSSL 3 only
#                     validate without it). Set CA_USER_KEYUSAGE=1 to add
#                     keyUsage digitalSignature,keyEncipherment anyway.
#       SUBJECT is slash form, must lie under /C=XX/O=Test/ to be accepted by
#       Globus under the signing policy.
#
#   ca_issue_until DIR NAME UNIXTIME SUBJECT
#       Like ca_issue DIR NAME user SUBJECT, but the certificate ends at
#       UNIXTIME (openssl ca -enddate): a user credential that expires
#       while a test runs.
#
#   make_proxy DIR/NAME OUT MINUTES [rfc|legacy]
#       Writes a proxy of the credential in DIR/NAME to OUT (0600; proxy cert,
#       proxy key, user cert), valid for MINUTES from now (default rfc).
#       MINUTES > 0: made with grid-proxy-init (-valid H:M, -rfc/-old) with
#         X509_CERT_DIR=DIR/certificates, unless CA_PROXY_TOOL=openssl.
#       MINUTES <= 0: made with openssl (grid-proxy-init cannot): notBefore
#         is one hour before notAfter = now + MINUTES, so 0 or less gives an
#         already expired proxy.
#       The openssl path makes the same shapes: RFC 3820 proxies with a
#       critical proxyCertInfo (inheritAll) and subject <user>/CN=<number>,
#       legacy ones with subject <user>/CN=proxy.
#
#   make_proxy_until DIR/NAME OUT UNIXTIME [rfc|legacy]
#       Like make_proxy with openssl, but notAfter is UNIXTIME exactly (to the
#       second), notBefore one hour earlier: for proxies that expire while
#       a test runs.
#
#   proxy_end_time FILE
#       Prints the first certificate's notAfter as a Unix time.
#
#   proxy_subject FILE
#       Prints the first certificate's subject in slash form.
#
#   ca_revoke DIR CERT...
#       Writes DIR/certificates/<hash>.r0, a CRL of the CA in DIR (valid
#       30 days) revoking each CERT (issued by that CA) as of a minute
#       ago. It replaces the CRL written before: name every CERT to revoke.
#
# Variables read: CA_USER_KEYUSAGE, CA_PROXY_TOOL (see above).

ca_die_() {
	echo "ca.sh: $*" >&2
	return 1
}

ca_init() {
	local dir=${1-} cn=${2:-Throwaway test CA} hash
	[ -n "$dir" ] || { ca_die_ "usage: ca_init DIR [CN]"; return 1; }
	mkdir -p "$dir/ca" "$dir/certificates" || return 1
	chmod 0700 "$dir/ca" || return 1
	openssl genrsa -traditional -out "$dir/ca/key.pem" 2048 2>/dev/null ||
	    { ca_die_ "cannot make the CA key"; return 1; }
	chmod 0600 "$dir/ca/key.pem"
	openssl req -x509 -new -key "$dir/ca/key.pem" -sha256 -days 30 \
	    -subj "/C=XX/O=Test/CN=$cn" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -addext "subjectKeyIdentifier=hash" \
	    -out "$dir/ca/cert.pem" 2>/dev/null ||
	    { ca_die_ "cannot make the CA certificate"; return 1; }
	hash=$(openssl x509 -hash -noout -in "$dir/ca/cert.pem") || return 1
	cp "$dir/ca/cert.pem" "$dir/certificates/$hash.0" || return 1
	cat > "$dir/certificates/$hash.signing_policy" <<EOF || return 1
# $cn: may sign anything under /C=XX/O=Test/
access_id_CA      X509         '/C=XX/O=Test/CN=$cn'
pos_rights        globus       CA:sign
cond_subjects     globus       '"/C=XX/O=Test/*"'
EOF
	chmod 0644 "$dir/certificates/"*
}

# ca_ext_ KIND: the extension section for a certificate of that kind.
ca_ext_() {
	echo "[ext]"
	echo "basicConstraints=critical,CA:FALSE"
	echo "subjectKeyIdentifier=hash"
	echo "authorityKeyIdentifier=keyid"
	case $1 in
	host|service)
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth,clientAuth"
		echo "subjectAltName=DNS:localhost"
		;;
	user)
		if [ "${CA_USER_KEYUSAGE:-0}" = 1 ]; then
			echo "keyUsage=critical,digitalSignature,keyEncipherment"
		fi
		;;
	esac
}

ca_issue() {
	local dir=${1-} name=${2-} kind=${3-} subject=${4-} out serial
	if [ $# -lt 3 ]; then
		ca_die_ "usage: ca_issue DIR NAME host|user|service [SUBJECT]"
		return 1
	fi
	case $kind in
	host)    : "${subject:=/C=XX/O=Test/CN=localhost}" ;;
	service) : "${subject:=/C=XX/O=Test/CN=renewal service}" ;;
	user)    : "${subject:=/C=XX/O=Test/CN=$name}" ;;
	*)       ca_die_ "ca_issue: unknown kind '$kind'"; return 1 ;;
	esac
	[ -f "$dir/ca/key.pem" ] || { ca_die_ "ca_issue: no CA in $dir"; return 1; }
	out=$dir/$name
	mkdir -p "$out" || return 1
	(umask 077 && openssl genrsa -traditional -out "$out/key.pem" 2048 \
	    2>/dev/null) || { ca_die_ "cannot make key for $name"; return 1; }
	chmod 0600 "$out/key.pem"
	openssl req -new -key "$out/key.pem" -subj "$subject" \
	    -out "$out/req.pem" 2>/dev/null ||
	    { ca_die_ "cannot make request for $name"; return 1; }
	ca_ext_ "$kind" > "$out/ext.cnf"
	serial=0x$(openssl rand -hex 8) || return 1
	openssl x509 -req -in "$out/req.pem" -CA "$dir/ca/cert.pem" \
	    -CAkey "$dir/ca/key.pem" -set_serial "$serial" -sha256 -days 30 \
	    -extfile "$out/ext.cnf" -extensions ext -out "$out/cert.pem" \
	    2>/dev/null || { ca_die_ "cannot sign certificate for $name"; return 1; }
	chmod 0644 "$out/cert.pem"
	rm -f "$out/req.pem" "$out/ext.cnf"
}

ca_issue_until() {
	local dir=${1-} name=${2-} end=${3-} subject=${4-} out w
	[ $# -eq 4 ] || { ca_die_ "usage: ca_issue_until DIR NAME UNIXTIME SUBJECT"; return 1; }
	out=$dir/$name
	mkdir -p "$out" && w=$(mktemp -d) || return 1
	: > "$w/index.txt"
	echo 01 > "$w/serial"
	printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\n' "$w" > "$w/ca.cnf"
	printf 'new_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\n' \
	    "$w" "$w" >> "$w/ca.cnf"
	printf 'policy = p\nunique_subject = no\n[p]\n' >> "$w/ca.cnf"
	ca_ext_ user >> "$w/ca.cnf"
	if ! (umask 077 && openssl genrsa -traditional -out "$out/key.pem" 2048 \
	    2>/dev/null) || ! openssl req -new -key "$out/key.pem" \
	    -subj "$subject" -out "$w/req.pem" 2>/dev/null ||
	    ! openssl ca -batch -config "$w/ca.cnf" -cert "$dir/ca/cert.pem" \
	    -keyfile "$dir/ca/key.pem" -in "$w/req.pem" -out "$out/cert.pem" \
	    -preserveDN -notext -extensions ext -extfile "$w/ca.cnf" \
	    -startdate "$(ca_utc_ $((end - 3600)))" -enddate "$(ca_utc_ "$end")" \
	    > "$w/log" 2>&1; then
		cat "$w/log" >&2
		rm -rf "$w"
		ca_die_ "cannot issue the certificate of $name"
		return 1
	fi
	chmod 0644 "$out/cert.pem"
	rm -rf "$w"
}

# ca_utc_ UNIXTIME: openssl ca date format.
ca_utc_() {
	date -u -d "@$1" +%Y%m%d%H%M%SZ
}

# make_proxy_openssl_ CREDDIR OUT NOT_AFTER STYLE
make_proxy_openssl_() {
	local cred=$1 out=$2 end=$3 style=$4 w subj cn
	w=$(mktemp -d) || return 1
	subj=$(openssl x509 -in "$cred/cert.pem" -noout -subject -nameopt compat \
	    | sed 's/^subject=//') || { rm -rf "$w"; return 1; }
	if [ "$style" = legacy ]; then
		cn=proxy
	else
		cn=$(( (RANDOM << 15 | RANDOM) + 1 ))
	fi
	: > "$w/index.txt"
	echo 01 > "$w/serial"
	cat > "$w/ca.cnf" <<EOF
[ca]
default_ca = pca
[pca]
database = $w/index.txt
new_certs_dir = $w
serial = $w/serial
default_md = sha256
policy = pol
unique_subject = no
email_in_dn = no
[pol]
[proxy]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
EOF
	if [ "$style" != legacy ]; then
		echo "proxyCertInfo=critical,language:id-ppl-inheritAll" >> "$w/ca.cnf"
	fi
	(umask 077 && openssl genrsa -traditional -out "$w/key.pem" 2048 \
	    2>/dev/null) || { rm -rf "$w"; ca_die_ "proxy key"; return 1; }
	openssl req -new -key "$w/key.pem" -subj "/CN=x" -out "$w/req.pem" \
	    2>/dev/null || { rm -rf "$w"; ca_die_ "proxy request"; return 1; }
	if ! openssl ca -batch -config "$w/ca.cnf" -cert "$cred/cert.pem" \
	    -keyfile "$cred/key.pem" -in "$w/req.pem" -out "$w/cert.pem" \
	    -subj "$subj/CN=$cn" -preserveDN -notext -extensions proxy \
	    -extfile "$w/ca.cnf" -startdate "$(ca_utc_ $((end - 3600)))" \
	    -enddate "$(ca_utc_ "$end")" > "$w/log" 2>&1; then
		cat "$w/log" >&2
		rm -rf "$w"
		ca_die_ "openssl ca failed for the proxy"
		return 1
	fi
	(umask 077 && cat "$w/cert.pem" "$w/key.pem" "$cred/cert.pem" > "$out") ||
	    { rm -rf "$w"; return 1; }
	chmod 0600 "$out"
	rm -rf "$w"
}

make_proxy() {
	local cred=${1-} out=${2-} minutes=${3-} style=${4:-rfc} cadir flag
	if [ $# -lt 3 ]; then
		ca_die_ "usage: make_proxy DIR/NAME OUT MINUTES [rfc|legacy]"
		return 1
	fi
	case $style in
	rfc) flag=-rfc ;;
	legacy) flag=-old ;;
	*) ca_die_ "make_proxy: unknown style '$style'"; return 1 ;;
	esac
	[ -f "$cred/cert.pem" ] && [ -f "$cred/key.pem" ] ||
	    { ca_die_ "make_proxy: no credential in $cred"; return 1; }
	cadir=$(cd "$cred/.." && pwd)/certificates
	rm -f "$out"
	if [ "$minutes" -le 0 ] || [ "${CA_PROXY_TOOL:-}" = openssl ]; then
		make_proxy_openssl_ "$cred" "$out" \
		    $(( $(date +%s) + minutes * 60 )) "$style"
		return
	fi
	command -v grid-proxy-init >/dev/null ||
	    { ca_die_ "grid-proxy-init not found (globus-proxy-utils)"; return 1; }
	if ! X509_CERT_DIR=$cadir grid-proxy-init -q $flag -bits 2048 \
	    -cert "$cred/cert.pem" -key "$cred/key.pem" -certdir "$cadir" \
	    -out "$out" -valid "$((minutes / 60)):$((minutes % 60))" \
	    < /dev/null >&2; then
		ca_die_ "grid-proxy-init failed for $cred"
		return 1
	fi
	chmod 0600 "$out"
}

make_proxy_until() {
	local cred=${1-} out=${2-} end=${3-} style=${4:-rfc}
	if [ -z "$end" ]; then
		ca_die_ "usage: make_proxy_until DIR/NAME OUT UNIXTIME [rfc|legacy]"
		return 1
	fi
	case $style in
	rfc|legacy) ;;
	*) ca_die_ "make_proxy_until: unknown style '$style'"; return 1 ;;
	esac
	rm -f "$out"
	make_proxy_openssl_ "$cred" "$out" "$end" "$style"
}

proxy_end_time() {
	local d
	d=$(openssl x509 -in "$1" -noout -enddate) || return 1
	date -u -d "${d#notAfter=}" +%s
}

proxy_subject() {
	openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject=//'
}

ca_revoke() {
	local dir=${1-} w c ser end subj hash rc=0
	[ $# -ge 2 ] || { ca_die_ "usage: ca_revoke DIR CERT..."; return 1; }
	shift
	w=$(mktemp -d) || return 1
	: > "$w/index.txt"
	echo 01 > "$w/crlnumber"
	# index.txt rows as `openssl ca` keeps them: R, end, revoked at, serial
	for c in "$@"; do
		ser=$(openssl x509 -in "$c" -noout -serial) &&
		end=$(openssl x509 -in "$c" -noout -enddate) &&
		subj=$(openssl x509 -in "$c" -noout -subject -nameopt compat) &&
		end=$(date -u -d "${end#notAfter=}" +%y%m%d%H%M%SZ) || rc=1
		printf 'R\t%s\t%s\t%s\tunknown\t%s\n' "$end" \
		    "$(date -u -d '-1 min' +%y%m%d%H%M%SZ)" "${ser#serial=}" \
		    "${subj#subject=}" >> "$w/index.txt"
	done
	printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\n' "$w" > "$w/ca.cnf"
	printf 'crlnumber = %s/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n' \
	    "$w" >> "$w/ca.cnf"
	hash=$(openssl x509 -in "$dir/ca/cert.pem" -noout -hash) || rc=1
	[ "$rc" = 0 ] && openssl ca -config "$w/ca.cnf" -gencrl \
	    -cert "$dir/ca/cert.pem" -keyfile "$dir/ca/key.pem" \
	    -out "$dir/certificates/$hash.r0" 2>/dev/null || rc=1
	rm -rf "$w"
	[ "$rc" = 0 ] || ca_die_ "ca_revoke: cannot write the CRL"
}
