#!/bin/bash
# label: voms
# 215-voms-import-glite: --import-glite on a gLite-format repository built
# here (doc/glite-repository.md): alice's shared proxy with three jobs (a
# .jobs file), her unique proxy (old-format jobid= tokens), her VOMS proxy
# (fqans=, two jobs), a free slot, an expired proxy, a malformed line, a
# file whose name is not its identity's MD5, and bob's proxy. Refused while
# a gLite daemon answers or our daemon runs; then imported (report checked),
# the gLite directory unchanged, a second run changes nothing; the daemon
# then answers GET for every job with the gLite path and renews every
# imported proxy (VOMS ones with their FQANs); a new job of alice joins the
# imported shared proxy (aggregation kept). The gLite repository is built
# at our repository's path and moved aside first, as the README's switch
# does, so GET must answer the very paths gLite gave.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"
source "$PR_LIB_DIR/engine.sh"
source "$PR_LIB_DIR/voms.sh"

eng_voms_setup /testvo/sub
mp_store bob one
md5() { printf '%s' "$1" | md5sum | cut -c1-32; }
MA=$(md5 /C=XX/O=Test/CN=alice)
MB=$(md5 /C=XX/O=Test/CN=bob)

# ---- the gLite repository, built where ours will be (the README's switch:
# the gLite directory is moved aside and ours takes its path)
GL=$REPO
new_proxy alice "$GL/$MA.0" 20
new_proxy alice "$GL/$MA.1" 30
new_proxy alice "$GL/$MA.3" -10
voms_proxy_init "$T/ca/alice" "$GL/$MA.4" 0:40 0:20 /testvo/sub ||
    die "voms-proxy-init"
rm -f "$GL/$MA.4.log"
old_fqans=$(vinfo -fqan -file "$GL/$MA.4")
assert_match "^/testvo/sub/Role=NULL" "$old_fqans" "VOMS proxy: the asked FQAN first"
new_proxy bob "$GL/$MB.0" 20
MX=0123456789abcdef0123456789abcdef	# not anyone's MD5
cp "$GL/$MA.0" "$GL/$MX.0"
now=$(date +%s)
e0=$(eng_end "$GL/$MA.0")
fq=$(echo "$old_fqans" | paste -sd:)	# gLite joined them with ':' 
cat > "$GL/$MA.data" <<DATA
suffix=0, unique=0, voms_exts=0, server=$A1, next_renewal=$now, end_time=$e0
suffix=1, unique=1, voms_exts=0, server=$A1, next_renewal=$now, end_time=$e0, jobid=job-au
suffix=2, unique=0, voms_exts=0, server=, next_renewal=0, end_time=0
suffix=3, unique=0, voms_exts=0, server=$A1, next_renewal=$now, end_time=$now, jobid=job-expired
this is not a record
suffix=4, unique=0, voms_exts=1, server=$A1, next_renewal=$now, end_time=$e0, fqans=$fq
DATA
printf 'job-a1\njob-a2\njob-a3\n' > "$GL/$MA.0.jobs"
printf 'job-av1\njob-av2\n' > "$GL/$MA.4.jobs"
echo "suffix=0, unique=0, voms_exts=0, server=$A1, next_renewal=$now, end_time=$e0, jobid=job-b1" > "$GL/$MB.data"
echo "suffix=0, unique=0, voms_exts=0, server=$A1, next_renewal=$now, end_time=$e0, jobid=job-x" > "$GL/$MX.data"
chmod 0600 "$GL"/*
GL=$T/glite-renewd.gLite
mv "$REPO" "$GL"
mkdir -m 0700 "$REPO"
gl_snapshot() {
	(cd "$GL" && find . -printf '%p %m %s %T@\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}
GL_BEFORE=$(gl_snapshot)
import() {
	run "$PRD" -r "$REPO" "${PR_ROOT_ARGS[@]}" --import-glite "$GL"
}

# ---- refusals: a gLite daemon answering, our daemon running
chown 65534 "$GL"
GSOCK=/tmp/dgpr_renew_65534
[ -e "$GSOCK" ] && die "$GSOCK exists: cannot play the gLite daemon"
socat UNIX-LISTEN:"$GSOCK",fork /dev/null &
SOCAT_PID=$!
wait_until 5 [ -S "$GSOCK" ]
import
assert_rc 1 "refused while a gLite daemon answers"
assert_match "a daemon answers on $GSOCK" "$ERR" "refusal names the gLite socket"
kill "$SOCAT_PID"; wait "$SOCAT_PID" 2>/dev/null; rm -f "$GSOCK"
chown 0 "$GL"
eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2
import
assert_rc 1 "refused while our daemon runs"
assert_match "refusing to start: .*lock|already|pid" "$ERR" "refusal names the lock"
daemon_stop
assert_eq "$GL_BEFORE" "$(gl_snapshot)" "refusals: gLite directory unchanged"

# ---- the import
import
assert_rc 0 "import: $ERR"
echo "$OUT" | sed 's/^/report: /' >&2
assert_match "^imported $MA.0: 3 jobs, /C=XX/O=Test/CN=alice, server $A1\$" "$OUT" "shared proxy, 3 jobs"
assert_match "^imported $MA.1: 1 jobs, .*, unique\$" "$OUT" "unique proxy (jobid= tokens)"
assert_match "^imported $MA.4: 2 jobs, .*, VOMS\$" "$OUT" "VOMS proxy"
assert_match "^imported $MB.0: 1 jobs, /C=XX/O=Test/CN=bob" "$OUT" "bob's proxy"
assert_match "^skipped $MA.3: expired\$" "$OUT" "expired entry reported"
assert_match "^skipped $MA.data line 5: " "$OUT" "malformed line reported"
assert_match "^skipped $MX.0: its file name is not the MD5" "$OUT" "name mismatch reported"
assert_match "4 proxies with 7 jobs imported, 0 already imported, 3 skipped\$" "$OUT" "summary"
assert_eq "$GL_BEFORE" "$(gl_snapshot)" "import: gLite directory unchanged"
assert_eq 600 "$(stat -c %a "$REPO/$MA.0")" "imported file 0600"
# (repository.lock is the lock itself, rewritten by every locker)
before=$(repo_snapshot | grep -v '^repository.lock ')
import
assert_rc 0 "second import"
assert_match "0 proxies with 0 jobs imported, 4 already imported, 3 skipped\$" "$OUT" "second import: nothing new"
assert_eq "$before" "$(repo_snapshot | grep -v '^repository.lock ')" \
    "second import: repository unchanged"

# ---- served: GET paths and renewals
eng_start -A -V "$VOMS_VOMSDIR" -G "$VOMS_VOMSES" --lifetime 2
for j in job-a1:$MA.0 job-a2:$MA.0 job-a3:$MA.0 job-au:$MA.1 \
    job-av1:$MA.4 job-av2:$MA.4 job-b1:$MB.0; do
	jobget "${j%%:*}"
	assert_eq "$REPO/${j#*:}" "$(kv Proxy_name)" \
	    "GET ${j%%:*}: the path the gLite daemon gave"
done
jobget job-expired
assert_response 1908 "the expired entry's job is not registered"
for f in $MA.0 $MA.1 $MA.4 $MB.0; do
	wait_end_after "$REPO/$f" "$e0" 60 && ok "$f renewed" ||
	    fail "$f not renewed within 60 s"
done
assert_eq "$old_fqans" "$(vinfo -fqan -file "$REPO/$MA.4")" \
    "renewed VOMS proxy keeps its FQANs, in order"
new_proxy alice "$T/new.pem" 60
reg "$T/new.pem" "$A1" job-new
assert_response 0 "a new job of alice"
assert_eq "$REPO/$MA.0" "$(kv Proxy_name)" "it joins the imported shared proxy"
daemon_stop
check_log_clean
