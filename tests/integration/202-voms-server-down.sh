#!/bin/bash
# label: voms
# 202-voms-server-down: the VOMS server is unreachable → the VOMS renewal
# fails with code 1910 (VOMS error) and a message naming the server and
# the refused connection; no proxy is written. When the server is back it
# succeeds. When the server moved (the AC's URI is dead, the vomses file
# names the new port), the vomses entry is used after the URI failed, and
# the error of the dead URI is not fatal.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/ca.sh"
source "$here/lib/voms.sh"

W=$(mktemp -d /tmp/pr-voms202.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

voms_driver_setup "$W" /testvo/Role=production || fail "set-up"

voms_proxy_init "$W/ca/alice" "$W/old.pem" 1:00 0:20 /testvo/Role=production ||
    fail "voms-proxy-init"
make_proxy "$W/ca/alice" "$W/renewed.pem" 120 || fail "make_proxy"
old_port=$VOMS_PORT

voms_stop
if voms_renew "$W/old.pem" "$W/renewed.pem" "$W/down.pem"; then
	fail "renewal succeeded with the VOMS server down"
fi
cat "$W/down.pem.log"
grep -q "^error 1910: VOMS testvo: localhost:$old_port: cannot connect: Connection refused" \
    "$W/down.pem.log" || fail "unclear error for a server that is down"
[ ! -e "$W/down.pem" ] || fail "a proxy was written although VOMS failed"

voms_start || fail "voms_start"
voms_renew "$W/old.pem" "$W/renewed.pem" "$W/back.pem" ||
    { cat "$W/back.pem.log"; fail "renewal failed with the server back"; }

# The server moves: the AC's URI (old port) is dead, vomses has the new one.
voms_move_port || fail "voms_move_port"
[ "$VOMS_PORT" != "$old_port" ] || fail "port did not change"
voms_renew "$W/old.pem" "$W/renewed.pem" "$W/moved.pem" ||
    { cat "$W/moved.pem.log"; fail "no failover from the AC URI to vomses"; }
"$W/drv" info "$W/moved.pem" | grep -q "^uri localhost:$VOMS_PORT\$" ||
    fail "fresh AC not from the moved server"

# Both gone: both servers are named in the error.
voms_stop
if voms_renew "$W/old.pem" "$W/renewed.pem" "$W/none.pem"; then
	fail "renewal succeeded with no server"
fi
grep -q "localhost:$old_port: cannot connect.*; localhost:$VOMS_PORT: cannot connect" \
    "$W/none.pem.log" || { cat "$W/none.pem.log"; fail "servers tried not all named"; }
echo "PASS 202-voms-server-down"
