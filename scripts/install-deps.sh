#!/bin/sh
# Installs the Debian packages proxy-renewd needs to build and test.
# Idempotent: installs only what is missing. Uses sudo when not root.
set -eu

PKGS="build-essential cmake pkg-config libssl-dev libsqlite3-dev libcmocka-dev
openssl sqlite3 libmyproxy-dev myproxy myproxy-server globus-proxy-utils
globus-gsi-cert-utils-progs voms-clients voms-dev voms-server voms-mysql-plugin
mariadb-server mariadb-client util-linux procps psmisc valgrind jq socat
clang libclang-rt-14-dev faketime
gnuplot-nox libsystemd-dev systemd debhelper dpkg-dev fakeroot lintian passwd
prometheus libseccomp-dev e2fsprogs mount"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Servers must not start on install: the tests start their own on loopback.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends $missing
