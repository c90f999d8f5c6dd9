#!/bin/bash
# label: core
# Unknown jobs and hostile Proxy_name values: GET/UNREGISTER of an unknown
# job answer 1908; UNREGISTER with another job's file or a path outside the
# repository answers 1908 and deletes nothing; STATUS of such paths 1908;
# REGISTER without a MyProxy server and without a default answers 22, and
# with a daemon default the default is used.
source "$(dirname "$0")/lib/common.sh"
need_bin "$PRCLI" proxy-renew
need_bin "$APICLIENT" pr-apiclient

setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600
daemon_start

reg "$T/a" localhost jobA
assert_response 0 "setup: register jobA"
fa=$(kv Proxy_name)
reg "$T/b" localhost jobB
assert_response 0 "setup: register jobB"
fb=$(kv Proxy_name)
echo "precious" > "$T/victim"
cp "$fa" "$T/copy-of-a"
ln -s "$fa" "$T/link-to-a"
repo_save
V="Version=$PR_PROTO_VERSION\\n"

bad "GET of an unknown job" 1908 --body "${V}Command=3\\nJobid=nosuchjob\\n"
bad "UNREGISTER of an unknown job" 1908 --body "${V}Command=2\\nJobid=nosuchjob\\n"
bad "UNREGISTER of an unknown job naming a real file" 1908 \
    --body "${V}Command=2\\nJobid=nosuchjob\\nProxy_name=$fa\\n"
bad "UNREGISTER with another job's file" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$fb\\n"
bad "UNREGISTER with a path outside the repository" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$T/victim\\n"
bad "UNREGISTER with a copy of the right file outside the repository" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$T/copy-of-a\\n"
bad "UNREGISTER with a symlink to the right file" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$T/link-to-a\\n"
bad "UNREGISTER with ../ out of the repository" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$REPO/../victim\\n"
bad "UNREGISTER with the database as Proxy_name" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$REPO/repository.db\\n"
bad "UNREGISTER with the repository itself" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=$REPO\\n"
bad "UNREGISTER with a relative ../ name" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=../victim\\n"
bad "UNREGISTER with a relative name of another job's file" 1908 \
    --body "${V}Command=2\\nJobid=jobA\\nProxy_name=${fb##*/}\\n"
bad "STATUS of a path outside the repository" 1908 \
    --body "${V}Command=5\\nProxy_name=$T/victim\\n"
bad "STATUS of the database" 1908 \
    --body "${V}Command=5\\nProxy_name=$REPO/repository.db\\n"
assert_eq precious "$(cat "$T/victim")" "the file outside the repository is intact"
assert_file "$T/copy-of-a" "the copy is intact"

bad "REGISTER without Myproxy_server and no default" 22 \
    --body "${V}Command=1\\nProxy_name=$T/a\\nJobid=jobC\\n"
bad "REGISTER with an empty Myproxy_server and no default" 22 \
    --body "${V}Command=1\\nMyproxy_server=\\nProxy_name=$T/a\\nJobid=jobC\\n"
assert_code nz -- "$PRCLI" --socket "$SOCK" -f "$T/a" -j jobC start
repo_unchanged "CLI start without a server"

# The CLI and the library answer the same codes.
cli -j nosuchjob get
assert_rc nz "CLI get of an unknown job"
assert_match "[Nn]ot registered" "$ERR" "CLI: 'not registered' on stderr"
cli -j jobA -f "$fb" stop
assert_rc nz "CLI stop with another job's file"
api unregister jobA "$T/victim"
assert_eq code=1908 "$(sed -n 1p <<< "$OUT")" "library: outside path 1908"
repo_unchanged "CLI and library refusals"

daemon_stop
assert_file "$fa" "jobA's file is still there"

# With a daemon default, a REGISTER without a server uses it.
daemon_start --myproxy-server localhost:7999
req "Command=1\\nProxy_name=$T/a\\nJobid=jobE\\n"
assert_response 0 "REGISTER without a server, daemon default given"
fe=$(kv Proxy_name)
status "$fe"
assert_eq localhost:7999 "$(kv Myproxy_server)" "the daemon default server is used"
api register "$T/a" - 0 jobF
assert_eq "code=0
$fe" "$OUT" "RegisterProxy(server NULL) uses the default too"
daemon_stop

check_log_clean
