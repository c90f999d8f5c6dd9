#!/bin/bash
# label: voms
# 202-voms-server-down: the VOMS server is unreachable → the VOMS renewal
# fails with code 1910 (VOMS error) and a message naming the server and
# the refused connection; no proxy is written. When the server is back it
# succeeds. When the server moved (the AC's URI is dead, the vomses file
# names the new port), the vomses entry is used after the URI failed, and
# the error of the dead URI is not fatal.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/voms.sh"

voms_driver_setup "$T" /testvo/Role=production || die "set-up"

voms_proxy_init "$T/ca/alice" "$T/old.pem" 1:00 0:20 /testvo/Role=production ||
    die "voms-proxy-init"
make_proxy "$T/ca/alice" "$T/renewed.pem" 120 || die "make_proxy"
old_port=$VOMS_PORT

voms_stop
voms_renew_refused "$T/old.pem" "$T/renewed.pem" "$T/down.pem" \
    "^error 1910: VOMS testvo: localhost:$old_port: cannot connect: Connection refused" \
    "VOMS server down"

voms_start || die "voms_start"
voms_renew_ok "$T/old.pem" "$T/renewed.pem" "$T/back.pem" \
    "renewal with the server back"

# The server moves: the AC's URI (old port) is dead, vomses has the new one.
voms_move_port || die "voms_move_port"
assert_ne "$old_port" "$VOMS_PORT" "the server moved to another port"
voms_renew_ok "$T/old.pem" "$T/renewed.pem" "$T/moved.pem" \
    "failover from the AC URI to vomses" &&
    assert_match "^uri localhost:$VOMS_PORT\$" \
    "$("$VOMS_DRIVER" info "$T/moved.pem")" "fresh AC from the moved server"

# Both gone: both servers are named in the error.
voms_stop
voms_renew_refused "$T/old.pem" "$T/renewed.pem" "$T/none.pem" \
    "localhost:$old_port: cannot connect.*; localhost:$VOMS_PORT: cannot connect" \
    "no VOMS server at all: every server tried is named"
