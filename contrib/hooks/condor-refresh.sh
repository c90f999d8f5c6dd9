#!/bin/sh
# condor-refresh.sh: a proxy-renewd --hook for an HTCondor schedd that
# keeps its jobs' proxies fresh: on "renewed" it hands the renewed proxy
# to every job that was submitted with it, with condor_qedit (the job's
# x509userproxy attribute points at the repository file, so the schedd
# re-reads it; condor_qedit of X509UserProxy triggers the refresh to the
# execute nodes). Other events are ignored.
#
#   proxy-renewd ... --hook '/usr/share/proxy-renewd/hooks/condor-refresh.sh'
#
# Settings: PROXY_RENEWD_CONDOR_QEDIT (default condor_qedit),
#           PROXY_RENEWD_CONDOR_Q (default condor_q).
set -eu

[ "${PROXY_RENEWD_EVENT:-}" = renewed ] || exit 0
qedit=${PROXY_RENEWD_CONDOR_QEDIT:-condor_qedit}
q=${PROXY_RENEWD_CONDOR_Q:-condor_q}
file=$PROXY_RENEWD_FILE

# Jobs whose proxy is this repository file (constraint quoted for ClassAds).
constraint="X509UserProxy == \"$file\""
$q -allusers -constraint "$constraint" -af ClusterId ProcId |
while read -r cluster proc; do
	[ -n "$cluster" ] || continue
	# Re-setting the attribute makes the schedd refresh the proxy now.
	$qedit "$cluster.$proc" X509UserProxy "\"$file\"" >/dev/null
done
