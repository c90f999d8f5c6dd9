#!/bin/bash
# The worker's engine (renew_run and friends), its MyProxy and VOMS code are
# linked into proxy-renewd-worker only: no symbol they define may appear in
# proxy-renewd or libproxyrenew.so, as a global or a local (nm lists both).
# usage: worker-code-not-in-master.sh BINARY... -- WORKER_ARCHIVE...
set -u
bins=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do bins+=("$1"); shift; done
shift
[ ${#bins[@]} -gt 0 ] && [ $# -gt 0 ] || { echo "usage: $0 BIN... -- ARCHIVE..."; exit 2; }

# Every global function the worker archives define (a static function or
# static inline of OpenSSL may share its name with one of the master's, and
# sanitizer builds keep such locals out of line), plus the names
# the issue names, so that an empty list cannot pass.
worker_syms=$( { nm --defined-only "$@" 2>/dev/null |
    awk '$2 ~ /^[TW]$/ { print $3 }'; echo renew_run; } | sort -u)
n=$(printf '%s\n' "$worker_syms" | wc -l)
[ "$n" -ge 5 ] || { echo "FAIL: only $n worker symbols found in $*"; exit 1; }
for must in renew_run myproxy_fetch voms_client_renew voms_server_errors; do
	printf '%s\n' "$worker_syms" | grep -qx "$must" ||
	    { echo "FAIL: $must not defined by the worker archives"; exit 1; }
done

rc=0
for bin in "${bins[@]}"; do
	[ -f "$bin" ] || { echo "FAIL: $bin missing"; rc=1; continue; }
	found=$(nm --defined-only "$bin" 2>/dev/null; nm -D --defined-only "$bin" 2>/dev/null)
	bad=$(printf '%s\n' "$found" | awk '{ print $NF }' | sort -u |
	    comm -12 - <(printf '%s\n' "$worker_syms"))
	if [ -n "$bad" ]; then
		echo "FAIL: $bin holds worker-only code: $(echo $bad)"
		rc=1
	else
		echo "ok   $bin: none of the $n worker symbols"
	fi
done
exit $rc
