#!/bin/bash
# label: myproxy
# cpus: 2
# 103-renew-parallel: workers running at the same time against one
# myproxy-server all succeed (no shared state between worker processes);
# prints the throughput (renewals/s with 4 workers) for the notes.
source "$(dirname "$0")/lib/common.sh"
source "$PR_LIB_DIR/myproxy.sh"

mp_setup_alice
new_proxy alice "$T/cur.pem" 20
mp_bench one "$T/cur.pem" 4 1 >&2
assert_eq 4 "$BENCH_OK" "4 sequential renewals"
mp_bench one "$T/cur.pem" 16 4 >&2
assert_eq 16 "$BENCH_OK" "16 renewals, 4 workers at a time"
