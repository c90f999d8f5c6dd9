# repo_check.sh: the repository's consistency, for the crash and disk-fault
# tests (tests/chaos/, tests/integration/040-*). Source after common.sh.
#
#   repo_check DESC   with the daemon stopped (it holds the database
#                     exclusively): PRAGMA integrity_check is ok; every
#                     proxy file is 0600, parses, its key matches its
#                     certificate and its subject is a test user's; the
#                     proxy files are exactly those of the live (not
#                     expired) records (no unreferenced file, no record's
#                     file missing); no temp file is left. Records a
#                     failure per problem.

repo_check() {
	local desc=$1 f listed files bad=0 ic m1 m2
	need_tool sqlite3
	ic=$(sqlite3 -readonly "$REPO/repository.db" 'PRAGMA integrity_check;' 2>&1)
	[ "$ic" = ok ] || { fail "$desc: integrity_check: $ic"; bad=1; }
	listed=$(sqlite3 -readonly "$REPO/repository.db" "SELECT file FROM proxy
	    WHERE NOT (next_renewal = 0 AND not_after <= $(date +%s));" |
	    LC_ALL=C sort)
	files=$(repo_files | grep -v '^\.tmp\.' | LC_ALL=C sort)
	if [ "$listed" != "$files" ]; then
		fail "$desc: files and records differ: $(diff <(echo "$listed") \
		    <(echo "$files") | grep '^[<>]' | tr '\n' ' ')"
		bad=1
	fi
	if repo_files | grep -q '^\.tmp\.'; then
		fail "$desc: temp files left while idle: $(repo_files | grep '^\.tmp\.' | tr '\n' ' ')"
		bad=1
	fi
	for f in $files; do
		f=$REPO/$f
		m1=$(openssl x509 -in "$f" -noout -pubkey 2>/dev/null | sha256sum)
		m2=$(openssl pkey -in "$f" -pubout 2>/dev/null | sha256sum)
		if [ "$(stat -c %a "$f")" != 600 ] || [ "$m1" != "$m2" ] ||
		    ! proxy_subject "$f" | grep -Eq '^/C=XX/O=Test/CN=(alice|bob)'; then
			fail "$desc: ${f##*/} is not a valid private proxy of a test user"
			bad=1
		fi
	done
	[ "$bad" = 0 ] && ok "$desc: repository consistent ($(wc -w <<< "$files") files)"
}
