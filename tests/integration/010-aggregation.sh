#!/bin/bash
# label: core
# Aggregation: jobs of one identity, server list and FQAN list share one
# stored proxy; another server list, the unique flag or another identity
# get their own; re-registering a job is idempotent; the last job's
# unregister deletes the file and the record.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/a1" 600
new_proxy alice "$T/a2" 600
new_proxy bob "$T/b1" 600
daemon_start

reg "$T/a1" localhost jobA
assert_response 0 "register jobA"
fa=$(kv Proxy_name)
assert_match "^$REPO/[0-9a-f]{64}\.[0-9]+$" "$fa" "jobA's file is <hash>.<n> in the repository"
assert_eq "$(proxy_end_time "$T/a1")" "$(kv End_time)" "End_time is the proxy's notAfter"
assert_match '^[0-9]+$' "$(kv Renewal_time)" "Renewal_time given"
assert_match '^[0-9]+$' "$(kv Start_time)" "Start_time given"
assert_eq localhost "$(kv Myproxy_server)" "Myproxy_server given"
status "$fa"
for k in Proxy_name Identity Myproxy_server Unique Jobs Start_time End_time \
    Renewal_time Last_attempt Last_result Last_error Failures; do
	grep -q "^$k=" <<< "$OUT" && ok "STATUS has $k" || fail "STATUS lacks $k: $OUT"
done
assert_eq "$fa" "$(kv Proxy_name)" "STATUS Proxy_name"
assert_eq "" "$(kv_all Fqan)" "no Fqan without VOMS"
assert_eq 0 "$(kv Failures)" "no failures yet"

# Same identity, same server, another proxy file: joins.
reg "$T/a2" localhost jobB
assert_response 0 "register jobB"
assert_eq "$fa" "$(kv Proxy_name)" "same identity and server: same file"
status "$fa"
assert_response 0 "status of the shared file"
assert_eq 2 "$(kv Jobs)" "two jobs on the shared file"
assert_eq "/C=XX/O=Test/CN=alice" "$(kv Identity)" "identity is the base subject"
assert_eq 0 "$(kv Unique)" "shared file is not unique"

# Idempotent re-register.
reg "$T/a1" localhost jobA
assert_response 0 "register jobA again"
assert_eq "$fa" "$(kv Proxy_name)" "re-register: same file"
status "$fa"
assert_eq 2 "$(kv Jobs)" "re-register adds no duplicate job"

# Another server list: another file, same hash prefix.
reg "$T/a1" localhost:7600 jobC
assert_response 0 "register jobC on another server"
fc=$(kv Proxy_name)
assert_ne "$fa" "$fc" "another server: another file"
assert_eq "${fa%.*}" "${fc%.*}" "same identity: same hash prefix"

reg "$T/a1" "localhost,localhost:7600" jobD
assert_response 0 "register jobD on a server list"
fd=$(kv Proxy_name)
assert_ne "$fa" "$fd" "server list differs from its first server"
assert_ne "$fc" "$fd" "server list differs from its second server"
status "$fd"
assert_eq "localhost,localhost:7600" "$(kv Myproxy_server)" "server list kept in order"

# Unique: own file.
reg "$T/a1" localhost jobE "Unique=1\\n"
assert_response 0 "register jobE unique"
fe=$(kv Proxy_name)
assert_ne "$fa" "$fe" "unique: own file"
status "$fe"
assert_eq 1 "$(kv Unique)" "STATUS says Unique=1"
assert_eq 1 "$(kv Jobs)" "unique file has one job"
# A later non-unique job never joins the unique one.
reg "$T/a2" localhost jobF
assert_eq "$fa" "$(kv Proxy_name)" "non-unique job joins the shared file, not the unique one"

# Another identity.
reg "$T/b1" localhost jobG
assert_response 0 "register bob's jobG"
fg=$(kv Proxy_name)
assert_ne "${fa%.*}" "${fg%.*}" "another identity: another hash"
status "$fg"
assert_eq "/C=XX/O=Test/CN=bob" "$(kv Identity)" "bob's identity"

list
assert_response 0 "list"
assert_eq "$(printf '%s\n' "$fa" "$fc" "$fd" "$fe" "$fg" | sort)" \
    "$(kv_all Proxy_name | sort)" "LIST shows the five stored proxies"
assert_eq "$(printf '%s\n' "$fa" "$fc" "$fd" "$fe" "$fg" | sed 's|.*/||' |
    sort)" "$(repo_files)" "the repository holds exactly those files"

for j in jobA jobB jobF; do
	jobget "$j"
	assert_eq "$fa" "$(kv Proxy_name)" "GET $j"
done

# Unregister: the file stays until its last job leaves.
unreg jobA
assert_response 0 "unregister jobA"
assert_file "$fa" "shared file kept (jobB, jobF left)"
unreg jobB "$fa"
assert_response 0 "unregister jobB with its file"
status "$fa"
assert_eq 1 "$(kv Jobs)" "one job left"
unreg jobF
assert_response 0 "unregister jobF, the last"
assert_file_gone "$fa" "last job gone: file deleted"
status "$fa"
assert_response 1908 "last job gone: record deleted"
jobget jobA
assert_response 1908 "GET of an unregistered job"
unreg jobA
assert_response 1908 "unregister twice"

for j in jobC jobD jobE jobG; do
	unreg "$j"
	assert_response 0 "unregister $j"
done
assert_eq "" "$(repo_files)" "repository empty of proxy files"
list
assert_eq "" "$(kv_all Proxy_name)" "LIST empty"

grep -q "jobG" "$DAEMON_LOG" && ok "requests are logged with the job id" ||
    fail "no log line names jobG"
daemon_stop
check_log_clean
