#!/bin/bash
# label: core
# REGISTER with proxy files that must be refused: each gets its code (errno
# for file problems, 1906 unusable credential, 1909 expired), through the
# raw protocol and the CLI, and the repository stays as it was.
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew
need_bin "$APICLIENT" pr-apiclient

setup_ca
new_proxy alice "$T/p1" 600
new_proxy alice "$T/p2" 600
new_proxy alice "$T/expired" -5
new_proxy alice "$T/expired_legacy" -1 legacy
daemon_start

reg "$T/p1" localhost job1
assert_response 0 "setup: register job1"
repo_save

# pem_block FILE N: the N-th PEM block (1-based) of FILE.
pem_block() {
	awk -v n="$2" '/-----BEGIN/{i++} i==n{print} /-----END/ && i==n{exit}' "$1"
}

ln -s "$T/p1" "$T/symlink"
mkdir "$T/dir"
mkfifo "$T/fifo"
head -c 3000 /dev/urandom > "$T/garbage"
: > "$T/empty"
{ pem_block "$T/p1" 1; pem_block "$T/p2" 2; pem_block "$T/p1" 3; } > "$T/wrongkey"
{ pem_block "$T/p1" 1; pem_block "$T/p1" 3; } > "$T/nokey"
{ pem_block "$T/p1" 1; pem_block "$T/p1" 2; } > "$T/nochain"
pem_block "$T/p1" 2 > "$T/keyonly"
{ cat "$T/p1"; head -c 1048576 /dev/zero | tr '\0' '#'; } > "$T/huge"
sed '3s/./X/' "$T/p1" > "$T/corrupt"
chmod 0600 "$T"/wrongkey "$T"/nokey "$T"/nochain "$T"/keyonly "$T"/huge "$T"/corrupt

# case DESC CODE FILE
case_reg() {
	bad "$1" "$2" --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=localhost\\nProxy_name=$3\\nJobid=bad-$RANDOM\\n"
}

case_reg "proxy file missing" 2 "$T/missing"
case_reg "proxy file is a symlink" 40 "$T/symlink"
case_reg "proxy file is a directory" 22 "$T/dir"
case_reg "proxy file is a FIFO (no hang)" 22 "$T/fifo"
case_reg "proxy file is garbage" 1906 "$T/garbage"
case_reg "proxy file is empty" 1906 "$T/empty"
case_reg "proxy file is corrupted PEM" 1906 "$T/corrupt"
case_reg "expired proxy" 1909 "$T/expired"
case_reg "expired legacy proxy" 1909 "$T/expired_legacy"
case_reg "key not matching the certificate" 1906 "$T/wrongkey"
case_reg "no private key" 1906 "$T/nokey"
case_reg "no chain (proxy without its issuer)" 1906 "$T/nochain"
case_reg "private key only" 1906 "$T/keyonly"
case_reg "file over 1 MiB" 27 "$T/huge"

# The same through the CLI: non-zero exit, the reason on stderr.
assert_code nz "No such file" -- "$PRCLI" --socket "$SOCK" -s localhost \
    -f "$T/missing" -j cli1 start
assert_code nz "[Ee]xpired" -- "$PRCLI" --socket "$SOCK" -s localhost \
    -f "$T/expired" -j cli2 start
assert_code nz "SSL|key" -- "$PRCLI" --socket "$SOCK" -s localhost \
    -f "$T/wrongkey" -j cli3 start
repo_unchanged "CLI refusals"

# And through the library: the gLite codes.
api register "$T/expired" localhost 0 api1
assert_eq code=1909 "$(sed -n 1p <<< "$OUT")" "RegisterProxy of an expired proxy: 1909"
api register "$T/symlink" localhost 0 api2
assert_eq code=40 "$(sed -n 1p <<< "$OUT")" "RegisterProxy of a symlink: ELOOP"
api register "$T/huge" localhost 0 api3
assert_eq code=27 "$(sed -n 1p <<< "$OUT")" "RegisterProxy of a huge file: EFBIG"
repo_unchanged "library refusals"

# A refused REGISTER of a job that is registered leaves it registered.
case_reg "garbage for a new job" 1906 "$T/garbage"
bad "garbage for the registered job1" 1906 --body "Version=$PR_PROTO_VERSION\\nCommand=1\\nMyproxy_server=localhost\\nProxy_name=$T/garbage\\nJobid=job1\\n"
jobget job1
assert_response 0 "job1 still registered"

daemon_stop
check_log_clean
