#!/usr/bin/env bash
# bench/run.sh BUILD_DIR: the numbers quoted in the issue notes and README.
#  1. requests/s of REGISTER and GET through libproxyrenew with N_JOBS jobs
#     registered (default 10000), against the real daemon on a temp socket;
#  2. MyProxy renewals: time of one renewal and renewals/s with 4 workers
#     against one local myproxy-server (mp_bench in tests/integration/lib).
# Everything runs on loopback in a temp dir and is stopped at exit.
set -u
PR_BUILD_DIR=$(cd "${1:-build}" && pwd)
export PR_BUILD_DIR
N_JOBS=${N_JOBS:-10000}
N_GET=${N_GET:-20000}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib/common.sh
source "$here/../tests/integration/lib/common.sh"

bench=$PR_BUILD_DIR/bench/bench_requests
need_bin "$bench" bench_requests
setup_ca
new_proxy alice "$T/alice.proxy" 720
daemon_start --myproxy-server localhost:7512
echo "== requests: $N_JOBS jobs, $N_GET GETs (one client, sequential)"
"$bench" "$T/alice.proxy" localhost:7512 "$N_JOBS" "$N_GET" ||
    die "bench_requests failed"
daemon_stop

echo "== MyProxy renewals through the worker (real myproxy-server, loopback)"
source "$PR_LIB_DIR/myproxy.sh"
mp_setup
mp_start bench
mp_store alice bench
new_proxy alice "$T/cur.pem" 20
echo "one at a time:"
mp_bench bench "$T/cur.pem" 10 1 || die "mp_bench 1 failed"
echo "4 workers in parallel:"
mp_bench bench "$T/cur.pem" 40 4 || die "mp_bench 4 failed"
ok "benchmarks ran"
