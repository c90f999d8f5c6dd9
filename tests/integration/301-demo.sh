#!/bin/bash
# label: voms
# 301-demo: the README's first command, `make demo` (scripts/demo.sh), runs
# to its end against the build under test: a proxy renewed from a real
# myproxy-server, a VOMS proxy renewed with its ACs from a real
# voms-server, the status table, check, history and metrics an admin reads.
# The demo's own checks decide (it exits non-zero on the first failure).
source "$(dirname "$0")/lib/common.sh"

run "$PR_SOURCE_DIR/scripts/demo.sh" "$PR_BUILD_DIR"
assert_rc 0 "make demo's script ran to its end"
assert_match "itest demo: [1-9][0-9]* passed, 0 failed" "$OUT$ERR" \
    "the demo's checks all passed"
assert_match "==> done: everything started here is stopped" "$OUT" \
    "the demo stopped what it started"
