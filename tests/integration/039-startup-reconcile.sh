#!/bin/bash
# label: core
# A proxy file can outlive its record (a kill between a
# REGISTER's file write and its commit, between an UNREGISTER's commit and
# the unlink, between an expiry's commit and the unlink). Start-up
# reconciles files and records both ways and logs each file it removes:
# unreferenced proxy files, files of records already expired, stale temp
# files; a record whose file vanished is expired (1909). Files that are not
# the daemon's (other names) are left alone.
source "$(dirname "$0")/lib/common.sh"
need_tool sqlite3

setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600
daemon_start
reg "$T/a" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)
reg "$T/b" localhost jobB
assert_response 0 "register jobB"
fb=$(kv Proxy_name)
reg "$T/a" localhost jobC "Unique=1\\n"
assert_response 0 "register jobC (unique)"
fc=$(kv Proxy_name)
daemon_stop

db=$REPO/repository.db
# UNREGISTER committed, killed before the unlink: jobB's file has no record
sqlite3 "$db" "DELETE FROM job WHERE job_id = 'jobB';
    DELETE FROM proxy WHERE file = '${fb##*/}';" || die "sqlite3 delete"
# expiry committed, killed before the unlink: jobC's record is expired
sqlite3 "$db" "UPDATE proxy SET next_renewal = 0, not_after = 1000
    WHERE file = '${fc##*/}';" || die "sqlite3 expire"
# REGISTER's file written, killed before the commit: a file of no record
orphan=$REPO/$(printf '%064d' 7).0
cp "$T/b" "$orphan" && chmod 0600 "$orphan"
# a worker's temp file
printf 'half a proxy' > "$REPO/.tmp.0123456789ab"
chmod 0600 "$REPO/.tmp.0123456789ab"
# not ours to judge
printf 'notes\n' > "$REPO/README"
# jobA's file lost: its record must be expired, not handed out
cp -p "$fa" "$T/fa.saved"
daemon_start
assert_file_gone "$fb" "unreferenced file of the committed UNREGISTER removed"
assert_file_gone "$fc" "file of the expired record removed"
assert_file_gone "$orphan" "file of the uncommitted REGISTER removed"
assert_file_gone "$REPO/.tmp.0123456789ab" "stale temp file removed"
assert_file "$REPO/README" "a file of another name is left alone"
assert_file "$fa" "jobA's file kept"
for f in "$fb" "$fc" "$orphan" "$REPO/.tmp.0123456789ab"; do
	wait_log "${f##*/}.*removed|removed.*${f##*/}" 5 &&
	    ok "logged: ${f##*/}" || fail "no log line for ${f##*/}"
done
wait_log "README" 5 && ok "the unknown file is named in the log" ||
    fail "no log line for README"
jobget jobA
assert_response 0 "jobA still served"
jobget jobB
assert_response 1908 "jobB stays unregistered"
jobget jobC
assert_response 1909 "jobC expired"
daemon_stop

# records whose file vanished are expired at start-up
rm -f "$fa"
daemon_start
jobget jobA
assert_response 1909 "jobA's record expired when its file vanished"
daemon_stop
check_log_clean
