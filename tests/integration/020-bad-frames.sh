#!/bin/bash
# label: core
# The malformed-frame and malformed-request catalogue: each case gets its
# response code, leaves the repository exactly as it was, and the daemon
# keeps serving. One named case each.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/p1" 600
daemon_start --timeout 5

reg "$T/p1" localhost job1
assert_response 0 "setup: register job1"
f1=$(kv Proxy_name)
repo_save
V="Version=$PR_PROTO_VERSION\\n"

# ---- framing
bad "zero length" 1903 --len 0 --header-only
bad "length 2^32-1 (not allocated)" 1903 --len 4294967295 --header-only --wait 3
bad "length 2^31" 1903 --len 2147483648 --header-only --wait 3
bad "length over the frame max (1 MiB + 1)" 1903 --len 1048577 --header-only --wait 3
# A client that sends a body after an oversized length must still read its
# answer: closing with its bytes unread would reset the connection.
bad "length 2^32-1, body in the same write" 1903 --len 4294967295 \
    --body "${V}Command=4\\n" --one-write --wait 3
head -c 200000 /dev/zero | tr '\0' x > "$T/body-200k"
bad "length over the frame max, 200 kB sent after it" 1903 --len 1048577 \
    --body-file "$T/body-200k" --wait 3
bad "length over the frame max, 200 kB in the same write" 1903 \
    --len 1048577 --body-file "$T/body-200k" --one-write --wait 3
bad "body shorter than declared, then close" 1901 \
    --len 200 --body "${V}Command=4\\n" --shut-wr
bad "header only, then close" 1901 --len 50 --close-after-len
bad "NUL in the middle" 1903 --body "${V}Command=3\\n\\0Jobid=job1\\n"
bad "NUL in a value" 1903 --body "${V}Command=3\\nJobid=jo\\0b1\\n"
bad "two NULs at the end" 1903 --body "${V}Command=4\\n\\0"
bad "line without '='" 1903 --body "${V}Command=4\\ngarbage\\n"
bad "key not at line start" 1903 --body "${V}Command=3\\n Jobid=job1\\n"
bad "key after text on the line" 1903 --body "${V}Command=3\\nX Jobid=job1\\n"
bad "empty key" 1903 --body "${V}Command=4\\n=x\\n"
bad "duplicate key Jobid" 1903 --body "${V}Command=3\\nJobid=job1\\nJobid=job1\\n"
bad "duplicate key Command" 1903 --body "${V}Command=4\\nCommand=4\\n"
bad "Command not a number" 1903 --body "${V}Command=four\\n"
bad "Command with trailing junk" 1903 --body "${V}Command=4x\\n"
bad "Command overflowing" 1903 --body "${V}Command=99999999999999999999999\\n"

# ---- commands
bad "command 6 (gLite internal UPDATE_DB)" 1905 \
    --body "${V}Command=6\\nJobid=job1\\nProxy_name=$f1\\n"
bad "unknown command 99" 1905 --body "${V}Command=99\\n"
bad "command 0" 1905 --body "${V}Command=0\\n"
bad "negative command" 1903 --body "${V}Command=-1\\n"
bad "missing Command" 1905 --body "${V}Jobid=job1\\n"
bad "empty payload (just NUL)" 1905 --body ""
bad "REGISTER without Jobid" 1904 \
    --body "${V}Command=1\\nMyproxy_server=localhost\\nProxy_name=$T/p1\\n"
bad "REGISTER without Proxy_name" 1904 \
    --body "${V}Command=1\\nMyproxy_server=localhost\\nJobid=job2\\n"
bad "GET without Jobid" 1904 --body "${V}Command=3\\n"
bad "UNREGISTER without Jobid" 1904 --body "${V}Command=2\\nProxy_name=$f1\\n"
bad "STATUS without Proxy_name" 1904 --body "${V}Command=5\\n"

# ---- job ids
long4097=$(head -c 4097 /dev/zero | tr '\0' j)
bad "Jobid of 4097 bytes" 1903 --body "${V}Command=1\\nMyproxy_server=localhost\\nProxy_name=$T/p1\\nJobid=$long4097\\n"
bad "GET of a 4097-byte Jobid" 1903 --body "${V}Command=3\\nJobid=$long4097\\n"
long_path=/$(head -c 4200 /dev/zero | tr '\0' p)
bad "Proxy_name over 4 KiB" 1903 --body "${V}Command=1\\nMyproxy_server=localhost\\nProxy_name=$long_path\\nJobid=job3\\n"
long_srv=$(head -c 4200 /dev/zero | tr '\0' s)
bad "Myproxy_server over 4 KiB" 1903 --body "${V}Command=1\\nMyproxy_server=$long_srv\\nProxy_name=$T/p1\\nJobid=job3\\n"

# ---- server lists (malformed: refused, as 22 EINVAL or 1903)
for srv in "localhost:99999" "localhost:abc" "localhost:" ":7512" \
    "localhost, localhost:7600" "localhost,,localhost" "local host" \
    "localhost:7512:1"; do
	bad "Myproxy_server '$srv'" "22|1903" --body "${V}Command=1\\nMyproxy_server=$srv\\nProxy_name=$T/p1\\nJobid=job-srv\\n"
	if [ "$(kv Response)" = 0 ]; then
		# accepted by mistake: undo, so the next cases start clean
		unreg job-srv
		repo_save
	fi
done

# ---- accepted oddities (the repository changes; checked separately)
raw --body "${V}Command=4\\n" --no-nul
assert_response 0 "payload without the trailing NUL is accepted"
assert_eq "$f1" "$(kv Proxy_name)" "LIST without NUL lists job1's file"
raw --body "${V}Command=4\\nSome_future_key=1\\n"
assert_response 0 "unknown keys are ignored"
raw --body "Command=4\\n" --sleep-before-body 0.3
assert_response 0 "length and payload in two writes, no Version"
raw --body "${V}Command=4" --no-nul
assert_response 0 "last line without newline"
repo_unchanged "accepted LIST variants"

for n in 600 4096; do
	id="https://wms.example.org:9000/$(head -c "$n" /dev/zero | tr '\0' x)"
	id=${id:0:$n}
	reg "$T/p1" localhost "$id"
	assert_response 0 "REGISTER with a $n-byte Jobid"
	jobget "$id"
	assert_response 0 "GET with a $n-byte Jobid"
	assert_eq "$f1" "$(kv Proxy_name)" "$n-byte Jobid: file"
	jobget "${id:0:$((n - 1))}"
	assert_response 1908 "a $((n - 1))-byte prefix of it is another job"
	unreg "$id"
	assert_response 0 "UNREGISTER with a $n-byte Jobid"
done
repo_unchanged "after long job ids came and went"

odd='job\x01\x7f\xff\xfe with spaces, commas; and = signs'
reg "$T/p1" localhost "$odd"
assert_response 0 "REGISTER with control bytes, 8-bit bytes, ',' and '=' in the Jobid"
jobget "$odd"
assert_eq "$f1" "$(kv Proxy_name)" "GET of the odd Jobid"
jobget 'job\x01\x7f\xff\xfe with spaces, commas; and = sign'
assert_response 1908 "odd Jobid minus one byte is unknown"
unreg "$odd"
assert_response 0 "UNREGISTER of the odd Jobid"
repo_unchanged "after the odd Jobid came and went"

# A frame of exactly the maximum size is read in full.
{
	printf 'Version=%s\nCommand=4\n' "$PR_PROTO_VERSION"
	head -c 1048200 /dev/zero | tr '\0' x | fold -w 8000 | sed 's/^/X=/'
} | head -c 1048575 > "$T/big"
printf '\n' >> "$T/big"
truncate -s 1048575 "$T/big"
printf '\n' >> "$T/big"
raw --body-file "$T/big" --no-nul
assert_eq 1048576 "$(stat -c %s "$T/big")" "test premise: a 1 MiB payload"
assert_response 0 "a payload of exactly 1 MiB is accepted"
bad "a payload of 1 MiB plus the NUL" 1903 --body-file "$T/big"

daemon_alive "end"
daemon_stop
check_log_clean
