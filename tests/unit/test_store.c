/*
 * test_store.c: the SQLite repository metadata (store.c is included so the
 * query plans of its prepared statements can be checked: every request-path
 * statement must use an index, never a full scan).
 * Focus: insert/find/share/unique, next suffix, last job removal deletes the
 * proxy (store.h rule 3), transactions, 10k jobs, reopen persistence, file
 * modes, and job ids with high bytes and 4096 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.c"

#include "store/store.c"

#include "teststore.c"

static int
find_job(struct fx *f, const char *jobid, int64_t *id)
{
	struct pr_error err;

	return store_find_job(f->st, jobid, strlen(jobid), id, &err);
}

static void
test_insert_find(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t id, got;

	id = add_proxy(f, "aa", 0, "localhost:7512", "/vo\n/vo/Role=x", 0, 5000);
	add_job(f, "https://wms/1", id);
	assert_int_equal(find_job(f, "https://wms/1", &got), 0);
	assert_int_equal(got, id);
	assert_int_equal(find_job(f, "https://wms/2", &got),
	    PR_ERR_NOT_REGISTERED);

	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_string_equal(p.identity, "/C=XX/O=Test/CN=Alice");
	assert_string_equal(p.identity_hash, "aa");
	assert_string_equal(p.file, "aa.0");
	assert_string_equal(p.servers, "localhost:7512");
	assert_string_equal(p.fqans, "/vo\n/vo/Role=x");
	assert_int_equal(p.is_unique, 0);
	assert_int_equal(p.not_after, 5000);
	assert_int_equal(p.obtained, 5000 - 43200);
	assert_int_equal(p.next_renewal, 5000 - 1800);
	assert_int_equal(p.n_jobs, 1);
	assert_int_equal(p.failures, 0);
	assert_string_equal(p.last_error, "");
	store_proxy_free(&p);

	assert_int_equal(store_get_proxy_by_file(f->st, "aa.0", &p, &err), 0);
	assert_int_equal(p.id, id);
	store_proxy_free(&p);
	assert_int_equal(store_get_proxy_by_file(f->st, "aa.1", &p, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_get_proxy(f->st, id + 100, &p, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_null(p.file);
}

static void
test_share(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t a, b;

	a = add_proxy(f, "hh", 0, "s1", "", 0, 1000);
	b = add_proxy(f, "hh", 1, "s1", "", 0, 2000);
	(void)add_proxy(f, "hh", 2, "s1", "", 1, 9000);	/* unique */
	(void)add_proxy(f, "hh", 3, "s2", "", 0, 9000);	/* other server */
	(void)add_proxy(f, "hh", 4, "s1", "/vo", 0, 9000);	/* other fqans */
	(void)add_proxy(f, "gg", 0, "s1", "", 0, 9000);	/* other identity */

	assert_int_equal(store_find_shareable(f->st, "hh", "s1", "", 500, &p,
	    &err), 0);
	assert_int_equal(p.id, b);	/* the longest-lived */
	store_proxy_free(&p);
	assert_int_equal(store_find_shareable(f->st, "hh", "s1", "", 1999, &p,
	    &err), 0);
	assert_int_equal(p.id, b);
	store_proxy_free(&p);
	assert_int_equal(store_find_shareable(f->st, "hh", "s1", "", 2000, &p,
	    &err), PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_find_shareable(f->st, "hh", "s3", "", 0, &p,
	    &err), PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_find_shareable(f->st, "hh", "s1", "/vo", 0, &p,
	    &err), 0);
	assert_string_equal(p.file, "hh.4");
	store_proxy_free(&p);
	/* FQAN order matters */
	assert_int_equal(store_find_shareable(f->st, "hh", "s1", "/vo\n/x", 0,
	    &p, &err), PR_ERR_NOT_REGISTERED);
	assert_true(a != b);
}

static void
test_file_unique(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;

	(void)add_proxy(f, "aa", 0, "s", "", 0, 100);
	memset(&p, 0, sizeof(p));
	p.identity = (char *)"x";
	p.identity_hash = (char *)"aa";
	p.file = (char *)"aa.0";
	assert_int_equal(store_insert_proxy(f->st, &p, &err), EEXIST);
}

static void
test_next_suffix(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t id0;
	int n;

	assert_int_equal(store_next_suffix(f->st, "aa", &n, &err), 0);
	assert_int_equal(n, 0);
	id0 = add_proxy(f, "aa", 0, "s", "", 0, 100);
	(void)add_proxy(f, "aa", 1, "s", "", 0, 100);
	(void)add_proxy(f, "aa", 3, "s", "", 0, 100);
	(void)add_proxy(f, "ab", 2, "s", "", 0, 100);
	assert_int_equal(store_next_suffix(f->st, "aa", &n, &err), 0);
	assert_int_equal(n, 2);
	(void)add_proxy(f, "aa", 2, "s", "", 0, 100);
	assert_int_equal(store_next_suffix(f->st, "aa", &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_delete_proxy(f->st, id0, &err), 0);
	assert_int_equal(store_next_suffix(f->st, "aa", &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_next_suffix(f->st, "ab", &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_next_suffix(f->st, "a", &n, &err), 0);
	assert_int_equal(n, 0);
}

static void
test_remove_last_job(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t id, pid, left, np, nj;

	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	add_job(f, "j1", id);
	add_job(f, "j2", id);
	assert_int_equal(store_remove_job(f->st, "j1", 2, &pid, &left, &err), 0);
	assert_int_equal(pid, id);
	assert_int_equal(left, 1);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.n_jobs, 1);
	store_proxy_free(&p);

	assert_int_equal(store_remove_job(f->st, "j2", 2, &pid, &left, &err), 0);
	assert_int_equal(left, 0);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_count(f->st, &np, &nj, &err), 0);
	assert_int_equal(np, 0);
	assert_int_equal(nj, 0);
	assert_int_equal(store_remove_job(f->st, "j2", 2, &pid, &left, &err),
	    PR_ERR_NOT_REGISTERED);
	/* the daemon may still delete it explicitly: not an error */
	assert_int_equal(store_delete_proxy(f->st, id, &err), 0);
}

static void
test_add_job_errors(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t id;

	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	add_job(f, "j1", id);
	assert_int_equal(store_add_job(f->st, "j1", 2, id, &err), EEXIST);
	assert_int_equal(store_add_job(f->st, "j9", 2, id + 1, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.n_jobs, 1);	/* the failures changed nothing */
	store_proxy_free(&p);
	assert_int_equal(find_job(f, "j9", &id), PR_ERR_NOT_REGISTERED);
}

static void
test_delete_proxy(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t id, other, got, np, nj;

	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	other = add_proxy(f, "bb", 0, "s", "", 0, 100);
	add_job(f, "j1", id);
	add_job(f, "j2", id);
	add_job(f, "k1", other);
	assert_int_equal(store_delete_proxy(f->st, id, &err), 0);
	assert_int_equal(find_job(f, "j1", &got), PR_ERR_NOT_REGISTERED);
	assert_int_equal(find_job(f, "j2", &got), PR_ERR_NOT_REGISTERED);
	assert_int_equal(find_job(f, "k1", &got), 0);
	assert_int_equal(store_count(f->st, &np, &nj, &err), 0);
	assert_int_equal(np, 1);
	assert_int_equal(nj, 1);
}

static void
test_transactions(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t id, got, np, nj;

	assert_int_equal(store_begin(f->st, &err), 0);
	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	add_job(f, "j1", id);
	store_rollback(f->st);
	assert_int_equal(find_job(f, "j1", &got), PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_count(f->st, &np, &nj, &err), 0);
	assert_int_equal(np, 0);

	assert_int_equal(store_begin(f->st, &err), 0);
	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	add_job(f, "j1", id);
	/* a failing step inside leaves the rest of the transaction alone */
	assert_int_equal(store_add_job(f->st, "j1", 2, id, &err), EEXIST);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(find_job(f, "j1", &got), 0);
	assert_int_equal(got, id);
	/* nested begin is refused */
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_not_equal(store_begin(f->st, &err), 0);
	store_rollback(f->st);
}

static void
test_schedule(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t a, b, id, when;

	assert_int_equal(store_next_due(f->st, &id, &when, &err),
	    PR_ERR_NOT_REGISTERED);
	a = add_proxy(f, "aa", 0, "s", "", 0, 10000);	/* due 8200 */
	b = add_proxy(f, "bb", 0, "s", "", 0, 5000);	/* due 3200 */
	assert_int_equal(store_next_due(f->st, &id, &when, &err), 0);
	assert_int_equal(id, b);
	assert_int_equal(when, 3200);

	assert_int_equal(store_get_proxy(f->st, b, &p, &err), 0);
	assert_int_equal(store_record_failed_attempt(f->st, &p, 3200,
	    PR_ERR_MYPROXY, "myproxy localhost: refused", 3260, NULL, &err), 0);
	assert_int_equal(store_record_failed_attempt(f->st, &p, 3260,
	    PR_ERR_MYPROXY, "again", 3380, NULL, &err), 0);
	store_proxy_free(&p);
	assert_int_equal(store_get_proxy(f->st, b, &p, &err), 0);
	assert_int_equal(p.failures, 2);
	assert_int_equal(p.last_result, PR_ERR_MYPROXY);
	assert_string_equal(p.last_error, "again");
	assert_int_equal(p.last_attempt, 3260);
	assert_int_equal(p.next_renewal, 3380);

	assert_int_equal(store_record_renewal_success(f->st, &p, 20000, 3380,
	    18000, NULL, &err), 0);
	store_proxy_free(&p);
	assert_int_equal(store_get_proxy(f->st, b, &p, &err), 0);
	assert_int_equal(p.failures, 0);
	assert_int_equal(p.last_result, 0);
	assert_string_equal(p.last_error, "");
	assert_int_equal(p.not_after, 20000);
	assert_int_equal(p.obtained, 3380);
	store_proxy_free(&p);
	assert_int_equal(store_next_due(f->st, &id, &when, &err), 0);
	assert_int_equal(id, a);
	assert_int_equal(when, 8200);
	/* unscheduled (0) proxies are never due */
	assert_int_equal(store_expire(f->st, a, 10000, PR_ERR_EXPIRED, "x",
	    &err), 0);
	assert_int_equal(store_expire(f->st, b, 10000, PR_ERR_EXPIRED, "x",
	    &err), 0);
	assert_int_equal(store_next_due(f->st, &id, &when, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_expire(f->st, b + 10, 1, 1, "x", &err),
	    PR_ERR_NOT_REGISTERED);
}

/* The renewal intents record a result only on the record it was for. */
static void
test_renewal_intents(void **state)
{
	struct fx *f = *state;
	struct store_proxy p, q;
	struct pr_error err;
	int64_t a, b, n;

	a = add_proxy(f, "aa", 0, "s", "", 0, 10000);	/* due 8200 */
	b = add_proxy(f, "bb", 0, "s", "", 0, 5000);
	assert_int_equal(store_get_proxy(f->st, a, &p, &err), 0);
	/* a lease never postpones the expiry */
	assert_int_equal(store_lease_for_renewal(f->st, a, 99999, &err), 0);
	assert_int_equal(store_get_proxy(f->st, a, &q, &err), 0);
	assert_int_equal(q.next_renewal, 10000);
	store_proxy_free(&q);
	/* a success must outlive the current record */
	assert_int_equal(store_record_renewal_success(f->st, &p, 10000, 9000,
	    9500, NULL, &err), PR_ERR_NOT_REGISTERED);
	/* another record behind the same id (servers changed): discarded */
	free(p.servers);
	p.servers = strdup("other");
	assert_int_equal(store_record_renewal_success(f->st, &p, 20000, 9000,
	    9500, NULL, &err), PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_record_failed_attempt(f->st, &p, 9000, 1907,
	    "x", 9500, NULL, &err), PR_ERR_NOT_REGISTERED);
	/* expired meanwhile: discarded, and it stays expired */
	free(p.servers);
	p.servers = strdup("s");
	assert_int_equal(store_expire(f->st, a, 3000, PR_ERR_EXPIRED, "gone",
	    &err), 0);
	assert_int_equal(store_record_failed_attempt(f->st, &p, 9000, 1907,
	    "x", 9500, NULL, &err), PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_lease_for_renewal(f->st, a, 9500, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_get_proxy(f->st, a, &q, &err), 0);
	assert_int_equal(q.next_renewal, 0);
	assert_int_equal(q.not_after, 3000);
	assert_string_equal(q.last_error, "gone");
	store_proxy_free(&q);
	store_proxy_free(&p);
	/* RENEW_ALL: only the proxies not expired become due */
	assert_int_equal(store_make_all_due(f->st, 4000, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_get_proxy(f->st, b, &q, &err), 0);
	assert_int_equal(q.next_renewal, 4000);
	store_proxy_free(&q);
}

static void
test_jobid_bytes(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	static char big[4097];
	char high[129];
	int64_t id, got, left;
	int i;

	id = add_proxy(f, "aa", 0, "s", "", 0, 100);
	for (i = 0; i < 128; i++)
		high[i] = (char)(0x80 + i);
	high[128] = '\0';
	memset(big, 'x', sizeof(big));
	assert_int_equal(store_add_job(f->st, high, 128, id, &err), 0);
	assert_int_equal(store_add_job(f->st, big, 4096, id, &err), 0);
	/* a prefix or an extension is another job */
	assert_int_equal(store_find_job(f->st, high, 127, &got, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_find_job(f->st, big, 4095, &got, &err),
	    PR_ERR_NOT_REGISTERED);

	/* survives a reopen byte for byte */
	store_close(f->st);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(store_find_job(f->st, high, 128, &got, &err), 0);
	assert_int_equal(got, id);
	assert_int_equal(store_find_job(f->st, big, 4096, &got, &err), 0);

	assert_int_equal(store_add_job(f->st, big, 4097, id, &err), EINVAL);
	assert_int_equal(store_find_job(f->st, big, 4097, &got, &err), EINVAL);
	assert_int_equal(store_add_job(f->st, "a\nb", 3, id, &err), EINVAL);
	assert_int_equal(store_add_job(f->st, "a\0b", 3, id, &err), EINVAL);
	assert_int_equal(store_add_job(f->st, "", 0, id, &err), EINVAL);
	assert_int_equal(store_remove_job(f->st, "a\nb", 3, &got, &left, &err),
	    EINVAL);
}

static void
test_10k_jobs(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t ids[100], got, np, nj;
	char jobid[96];
	int i;

	assert_int_equal(store_begin(f->st, &err), 0);
	for (i = 0; i < 100; i++)
		ids[i] = add_proxy(f, "hash", i, "s", "", 0, 100000 + i);
	for (i = 0; i < 10000; i++) {
		snprintf(jobid, sizeof(jobid),
		    "https://wms.example.org:9000/%08d_job", i);
		add_job(f, jobid, ids[i % 100]);
	}
	assert_int_equal(store_commit(f->st, &err), 0);
	for (i = 0; i < 10000; i++) {
		snprintf(jobid, sizeof(jobid),
		    "https://wms.example.org:9000/%08d_job", i);
		assert_int_equal(find_job(f, jobid, &got), 0);
		assert_int_equal(got, ids[i % 100]);
	}
	assert_int_equal(store_count(f->st, &np, &nj, &err), 0);
	assert_int_equal(np, 100);
	assert_int_equal(nj, 10000);
}

static int
count_cb(const struct store_proxy *p, void *arg)
{
	int *n = arg;

	(*n)++;
	return p->not_after == 300;	/* stop there */
}

static void
test_reopen_and_modes(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	struct stat sb;
	char path[128];
	int64_t id, got;
	int n = 0;

	id = add_proxy(f, "aa", 0, "s", "", 1, 100);
	(void)add_proxy(f, "aa", 1, "s", "", 0, 200);
	(void)add_proxy(f, "aa", 2, "s", "", 0, 300);
	add_job(f, "j1", id);
	assert_int_equal(store_foreach_proxy(f->st, count_cb, &n, &err), 0);
	assert_int_equal(n, 3);
	store_close(f->st);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(find_job(f, "j1", &got), 0);
	assert_int_equal(store_get_proxy(f->st, got, &p, &err), 0);
	assert_int_equal(p.is_unique, 1);
	assert_int_equal(p.n_jobs, 1);
	store_proxy_free(&p);

	snprintf(path, sizeof(path), "%s/repository.db", f->dir);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/repository.db-wal", f->dir);
	assert_int_equal(lstat(path, &sb), 0);	/* WAL mode */
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void
test_db_file_refused(void **state)
{
	struct fx *f = *state;
	struct store *st;
	struct pr_error err;
	char path[128], other[128];

	snprintf(path, sizeof(path), "%s/repository.db", f->dir);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(store_open(f->dir, &st, &err), EPERM);
	assert_non_null(strstr(err.msg, "chmod 0600"));
	assert_null(st);
	assert_int_equal(chmod(path, 0600), 0);

	/* a loose -wal file is refused too */
	snprintf(other, sizeof(other), "%s/repository.db-wal", f->dir);
	assert_int_equal(close(open(other, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(chmod(other, 0644), 0);
	assert_int_equal(store_open(f->dir, &st, &err), EPERM);
	assert_non_null(strstr(err.msg, "-wal"));
	assert_int_equal(unlink(other), 0);

	snprintf(other, sizeof(other), "%s/real.db", f->dir);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(store_open(f->dir, &st, &err), ELOOP);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
}

/* Invariant (1): request-path statements never scan a table. */
static void
test_query_plans(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = S_FIND_JOB; i < S_COUNT; i++)
		if (i != S_ALL_PROXIES && i != S_COUNT_PROXIES &&
		    i != S_COUNT_JOBS)	/* LIST/STATUS counts: full walks */
			assert_no_scan(f->st->db, stmt_sql[i]);
}

/*
 * repository.db removed or replaced under the open store
 * is noticed at the next transaction, and stays noticed.
 */
static void
test_db_replaced(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	char db[128], aside[128], cmd[600];

	snprintf(db, sizeof(db), "%s/repository.db", f->dir);
	snprintf(aside, sizeof(aside), "%s/aside.db", f->dir);
	assert_int_equal(store_begin(f->st, &err), 0);
	add_proxy(f, "aa", 0, "s", "", 0, 100);
	assert_int_equal(store_commit(f->st, &err), 0);
	/* replaced by a copy: same content, another inode */
	snprintf(cmd, sizeof(cmd), "cp -p %s %s && mv %s %s", db, aside, aside,
	    db);
	assert_int_equal(system(cmd), 0);
	pr_error_clear(&err);
	assert_int_not_equal(store_begin(f->st, &err), 0);
	assert_non_null(strstr(err.msg, "replaced"));
	assert_int_not_equal(store_begin(f->st, &err), 0);
	/* removed */
	assert_int_equal(unlink(db), 0);
	assert_int_not_equal(store_begin(f->st, &err), 0);
	assert_non_null(strstr(err.msg, "removed"));
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_insert_find),
		T(test_share),
		T(test_file_unique),
		T(test_next_suffix),
		T(test_remove_last_job),
		T(test_add_job_errors),
		T(test_delete_proxy),
		T(test_transactions),
		T(test_schedule),
		T(test_renewal_intents),
		T(test_jobid_bytes),
		T(test_10k_jobs),
		T(test_reopen_and_modes),
		T(test_db_file_refused),
		T(test_query_plans),
		T(test_db_replaced),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
