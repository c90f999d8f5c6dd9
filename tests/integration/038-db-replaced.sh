#!/bin/bash
# label: core
# repository.db removed or replaced under the running
# daemon. SQLite would go on writing into the inode it opened, so changes
# answered 0 would be lost at the next start; the daemon must notice and
# stop answering 0 to changes.
source "$(dirname "$0")/lib/common.sh"

setup_ca
new_proxy alice "$T/a" 600
new_proxy bob "$T/b" 600
daemon_start
reg "$T/a" localhost jobA
assert_response 0 "register jobA"

# replaced by a copy (as a restore from backup would)
cp -p "$REPO/repository.db" "$T/copy.db"
mv "$T/copy.db" "$REPO/repository.db"
reg "$T/b" localhost jobB
assert_ne 0 "$(kv Response)" "REGISTER after repository.db was replaced is not answered 0"
assert_match "replaced" "$(kv Message)" "the Message says the file was replaced"
unreg jobA
assert_ne 0 "$(kv Response)" "UNREGISTER after repository.db was replaced is not answered 0"
wait_log "repository.db was replaced" 5 && ok "logged" || fail "not logged"

# removed
rm -f "$REPO/repository.db"
reg "$T/b" localhost jobC
assert_ne 0 "$(kv Response)" "REGISTER after repository.db was removed is not answered 0"
assert_match "removed" "$(kv Message)" "the Message says the file was removed"
daemon_stop
check_log_clean
