#!/bin/bash
# label: voms
# 214-voms-engine-roles: aggregation keys on the ordered FQAN list. Jobs of
# alice with different roles get different repository files; a job with
# the same FQANs in the same order shares the file; the same FQANs in
# another order do not. After renew-all every file still carries its own
# FQAN list, in its order.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub /testvo/Role=production \
    /testvo/Role=VO-Admin
# 2 h proxies and ACs: nothing due until renew-all
voms_proxy_init "$T/ca/alice" "$T/prod.pem" 2:00 2:00 /testvo/Role=production ||
    die "voms-proxy-init prod"
voms_proxy_init "$T/ca/alice" "$T/admin.pem" 2:00 2:00 /testvo/Role=VO-Admin ||
    die "voms-proxy-init admin"
voms_proxy_init "$T/ca/alice" "$T/prod2.pem" 2:00 2:00 /testvo/Role=production ||
    die "voms-proxy-init prod2"
voms_proxy_init "$T/ca/alice" "$T/ps.pem" 2:00 2:00 /testvo/Role=production \
    /testvo/sub || die "voms-proxy-init production,sub"
voms_proxy_init "$T/ca/alice" "$T/sp.pem" 2:00 2:00 /testvo/sub \
    /testvo/Role=production || die "voms-proxy-init sub,production"

eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 3
declare -A file fq
for j in prod admin prod2 ps sp; do
	reg "$T/$j.pem" "$A1" "job-$j"
	assert_response 0 "register job-$j"
	file[$j]=$(kv Proxy_name)
	fq[$j]=$(vinfo -fqan -file "$T/$j.pem")
done
assert_ne "${file[prod]}" "${file[admin]}" "different roles: different files"
assert_eq "${file[prod]}" "${file[prod2]}" "same FQANs, same order: shared"
assert_ne "${file[ps]}" "${file[sp]}" "same FQANs, other order: not shared"
assert_ne "${file[prod]}" "${file[ps]}" "a role vs role + group: not shared"
status "${file[prod]}"
assert_eq 2 "$(kv Jobs)" "shared file: 2 jobs"
assert_eq "${fq[prod]}" "$(kv_all Fqan)" "STATUS Fqan of the shared file"
status "${file[sp]}"
assert_eq "${fq[sp]}" "$(kv_all Fqan)" "STATUS Fqan in the registered order"
assert_ne "${fq[ps]}" "${fq[sp]}" "(the two orders differ indeed)"
assert_eq 4 "$(repo_files | wc -l)" "four repository files"

cli renew-all
assert_rc 0 "renew-all"
for j in prod admin ps sp; do
	wait_status "${file[$j]}" Last_attempt '[1-9][0-9]+' 40 ||
	    fail "job-$j: no attempt"
	assert_eq 0 "$(kv Last_result)" "job-$j: renewed ($(kv Last_error))"
	assert_eq "${fq[$j]}" "$(vinfo -fqan -file "${file[$j]}")" \
	    "job-$j: its own FQANs, in order, after renewal"
done
for j in prod admin prod2 ps sp; do
	jobget "job-$j"
	assert_eq "${file[$j]}" "$(kv Proxy_name)" "GET job-$j: its file"
done
daemon_alive "end"
daemon_stop
check_log_clean "FAILED"
