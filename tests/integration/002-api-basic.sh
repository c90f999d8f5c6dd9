#!/bin/bash
# label: core
# The gLite C API (pr-apiclient, built only against renewal.h and linked
# only with libproxyrenew) against the real daemon: RegisterProxy,
# GetProxy, GetList, GetStatus, UnregisterProxy, GetErrorText; codes.
source "$(dirname "$0")/lib/common.sh"
need_bin "$APICLIENT" pr-apiclient

setup_ca
new_proxy alice "$T/p1" 600
daemon_start

job=https://wms.example.org:9000/api-job-1
api register "$T/p1" localhost 0 "$job"
assert_rc 0 "RegisterProxy"
assert_eq code=0 "$(sed -n 1p <<< "$OUT")" "RegisterProxy returns 0"
file1=$(sed -n 2p <<< "$OUT")
assert_match "^$REPO/[0-9a-f]{64}\.[0-9]+$" "$file1" "repository file returned"
assert_file "$file1" "repository file exists"

api get "$job"
assert_eq "code=0
$file1" "$OUT" "GetProxy returns the same file"

api list
assert_eq "code=0
count=1
$file1" "$OUT" "GetList: one stored proxy"

api status "$file1"
assert_rc 0 "GetStatus"
assert_match "^Identity=/C=XX/O=Test/CN=alice$" "$OUT" "GetStatus: Identity"
assert_match "^Jobs=1$" "$OUT" "GetStatus: Jobs=1"
assert_match "^End_time=$(proxy_end_time "$T/p1")$" "$OUT" "GetStatus: End_time"
assert_match "^Myproxy_server=localhost(:7512)?$" "$OUT" "GetStatus: server"

# port is honoured: host + port -> host:port, another stored proxy.
api register "$T/p1" localhost 7600 api-job-2
assert_rc 0 "RegisterProxy with a port"
file2=$(sed -n 2p <<< "$OUT")
assert_ne "$file1" "$file2" "other server, other file"
api status "$file2"
assert_match "^Myproxy_server=localhost:7600$" "$OUT" "port sent as host:port"

# UNIQUE flag: own file although identity and server match.
api register "$T/p1" localhost 0 api-job-3 unique
assert_rc 0 "RegisterProxy UNIQUE"
file3=$(sed -n 2p <<< "$OUT")
assert_ne "$file1" "$file3" "unique gets its own file"
api status "$file3"
assert_match "^Unique=1$" "$OUT" "GetStatus: Unique=1"

api list
assert_eq "code=0" "$(sed -n 1p <<< "$OUT")" "GetList after three"
assert_eq 3 "$(sed -n 's/^count=//p' <<< "$OUT")" "GetList count 3"
assert_eq "$(printf '%s\n' "$file1" "$file2" "$file3" | sort)" \
    "$(sed -n '3,$p' <<< "$OUT" | sort)" "GetList lists the three files"

# Errors: the gLite codes and texts.
api get no-such-job
assert_rc 1 "GetProxy of an unknown job fails"
assert_eq "code=1908" "$(sed -n 1p <<< "$OUT")" "GetProxy unknown job: 1908"
api unregister no-such-job
assert_eq "code=1908" "$(sed -n 1p <<< "$OUT")" "UnregisterProxy unknown job: 1908"
api unregister "$job" "$file2"
assert_eq "code=1908" "$(sed -n 1p <<< "$OUT")" \
    "UnregisterProxy with another job's file: 1908"
assert_file "$file1" "file1 kept"
assert_file "$file2" "file2 kept"
api register "$T/missing" localhost 0 api-job-4
assert_eq "code=2" "$(sed -n 1p <<< "$OUT")" "RegisterProxy of a missing file: ENOENT"
api status "$REPO/nonexistent.0"
assert_eq "code=1908" "$(sed -n 1p <<< "$OUT")" "GetStatus of an unknown file: 1908"

api errtext 1908
assert_match "[Pp]roxy not registered" "$OUT" "GetErrorText(1908)"
api errtext 1905
assert_match "[Uu]nknown protocol command" "$OUT" "GetErrorText(1905)"
api errtext 2
assert_match "No such file" "$OUT" "GetErrorText(ENOENT) is strerror"

# Relative file names are made absolute by the library.
run bash -c 'cd "$1" && exec "$2" register p1 localhost 0 api-job-5' _ \
    "$T" "$APICLIENT"
assert_eq code=0 "$(sed -n 1p <<< "$OUT")" "RegisterProxy of a relative path"

for j in "$job" api-job-2 api-job-3 api-job-5; do
	api unregister "$j"
	assert_eq code=0 "$OUT" "UnregisterProxy $j"
done
assert_file_gone "$file1" "file1 deleted with its last job"
assert_file_gone "$file2" "file2 deleted"
assert_file_gone "$file3" "file3 deleted"
api list
assert_eq "code=0
count=0" "$OUT" "GetList of an empty repository"

# No daemon at the socket: an errno code (ENOENT/ECONNREFUSED), not a crash.
PROXY_RENEWD_SOCKET=$T/nosock run "$APICLIENT" list
assert_rc 1 "GetList without a daemon fails"
assert_match "^code=(2|111)$" "$(sed -n 1p <<< "$OUT")" "GetList without a daemon: errno"

daemon_stop
check_log_clean
