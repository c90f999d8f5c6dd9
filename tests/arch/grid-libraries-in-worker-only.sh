#!/bin/bash
# Globus, MyProxy and VOMS live in the worker only: no file outside
# src/renew/ includes their headers, and the master (proxy-renewd) and the
# client library do not link them (readelf NEEDED). The worker does, which
# shows the check can see them.
# usage: grid-libraries-in-worker-only.sh SRC_DIR BIN... -- WORKER
set -u
src=$1
shift
bins=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do bins+=("$1"); shift; done
shift
worker=${1:?usage: $0 SRC BIN... -- WORKER}
hdr='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](globus|myproxy|voms/|voms_api|gssapi|gssapi\.h|globus_|openssl_globus)'
lib='lib(globus|myproxy|vomsapi|gssapi)'
rc=0

bad=$(grep -rEn --include='*.[ch]' --include='*.cc' "$hdr" "$src" |
    grep -v "^$src/renew/")
if [ -n "$bad" ]; then
	echo "FAIL: Globus/MyProxy/VOMS headers outside src/renew/:"
	echo "$bad"
	rc=1
else
	echo "ok   no Globus/MyProxy/VOMS header outside src/renew/"
fi
grep -rEqn --include='*.[ch]' --include='*.cc' "$hdr" "$src/renew" ||
    { echo "FAIL: the pattern finds no grid header even in src/renew/"; rc=1; }

for bin in "${bins[@]}"; do
	needed=$(readelf -d "$bin" | awk '/\(NEEDED\)/ { print $NF }')
	[ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $bin"; rc=1; }
	if printf '%s\n' "$needed" | grep -Eq "$lib"; then
		echo "FAIL: $bin links $(printf '%s\n' "$needed" | grep -E "$lib" | tr '\n' ' ')"
		rc=1
	else
		echo "ok   $bin links no Globus/MyProxy/VOMS library"
	fi
done
readelf -d "$worker" | grep NEEDED | grep -Eq "$lib" &&
    echo "ok   the worker links them (the check sees them)" ||
    { echo "FAIL: the worker links no grid library: the check is blind"; rc=1; }
exit $rc
