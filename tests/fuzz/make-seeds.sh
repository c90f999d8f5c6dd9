#!/bin/bash
# tests/fuzz/make-seeds.sh: how the committed seed corpora were made (rerun
# only to refresh them). Real inputs: proxies from the throwaway test CA
# (grid-proxy-init, RFC and legacy), the real VOMS proxy of
# tests/unit/testcert.c and its AC extension, gLite request frames as the
# clients send them, the shipped config file, server lists, worker results
# as the worker writes them. Test credentials only: nothing here is secret.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
C=$here/corpus
source "$here/../integration/lib/ca.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ca_init "$tmp/ca"
ca_issue "$tmp/ca" alice user
make_proxy "$tmp/ca/alice" "$C/cred/rfc-proxy.pem" 600 rfc
make_proxy "$tmp/ca/alice" "$C/cred/legacy-proxy.pem" 600 legacy
cat "$tmp/ca/alice/cert.pem" "$tmp/ca/alice/key.pem" > "$C/cred/user-cert-key.pem"

V='Version=EDG Proxy Renewal 1.0'
req() { printf '%s\n%b\0' "$V" "$2" > "$C/request/$1"; }
req register "Command=1\nMyproxy_server=myproxy.example.org:7512\nProxy_name=/tmp/x509up_u1000\nJobid=https://wms.example.org:9000/abc\n"
req register-unique "Command=1\nMyproxy_server=a:7512,b\nProxy_name=/tmp/p\nJobid=j\nUnique=1\n"
req unregister "Command=2\nJobid=https://wms.example.org:9000/abc\n"
req get "Command=3\nJobid=https://wms.example.org:9000/abc\n"
req list "Command=4\n"
req status "Command=5\nProxy_name=/var/spool/proxy-renewd/0a.0\n"
req renew-all "Command=7\n"

cp "$here/../../etc/proxy-renewd.conf" "$C/config/proxy-renewd.conf"
printf 'workers = 8\ntimeout = 30\nmyproxy-server = a.example.org:7512,b\n' \
    > "$C/config/small.conf"

printf 'myproxy.example.org' > "$C/servers/one"
printf 'a.example.org:7512,b.example.org:7513,c' > "$C/servers/three"
printf 'voms:voms.example.org:15000' > "$C/servers/voms"

printf 'Response=0\nIdentity=/C=XX/O=Test/CN=Alice\nServer=a:7512\nEnd_time=1795552151\n' \
    > "$C/result/success"
printf 'Code=0\nSubject=/C=XX/O=Test/CN=Alice/CN=1\nIdentity=/C=XX/O=Test/CN=Alice\nIdentity_hash=%s\nNot_before=1795465451\nNot_after=1795552151\nAc_not_after=1795508951\nN_certs=2\nLegacy=0\nFqan=/testvo/Role=NULL/Capability=NULL\nFqan=/testvo/sub/Role=admin/Capability=NULL\n' \
    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef > "$C/inspect/reply"
printf 'Code=1909\nMessage=proxy expired at 5 (now 6)\n' > "$C/inspect/error"
{ printf '1795465451\n'; cat "$C/cred/rfc-proxy.pem"; } > "$C/inspect/request"
printf 'Response=1907\nMessage=all servers failed\nServer_error=a:7512: connection refused\nUnreachable=a:7512\nServer_error=b:7512: bad password\n' \
    > "$C/result/failure"
