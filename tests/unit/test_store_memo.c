/*
 * test_store_memo.c: GET from memory (store_memo.c, job_index.c,
 * proxy_memo.c) against a real repository.db. Every answer is compared
 * with SQLite's own (store_find_job + store_get_proxy); the cases are the
 * ways the memory could go wrong: a batch's dropped change, a rolled-back
 * transaction, a removal rolled back, a proxy deleted with its jobs and its
 * id handed out again, a renewal changing a row, the start-up load, and
 * the two tables themselves (growth, removal, shared keys, savepoints,
 * sparse proxy ids, names too long for a slot, server lists kept once).
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
#include <unistd.h>

#include <cmocka.h>

#include "testdir.c"

#include "store/job_index.h"
#include "store/proxy_memo.h"
#include "store/store.h"

#include "teststore.c"

/* GET's lookup: its code, and the same answer as SQLite's when found. */
static int
get(struct fx *f, const char *jobid, int64_t *proxy_id, int64_t *not_after)
{
	struct store_proxy got, want;
	struct pr_error err;
	int64_t id;
	int rc;

	rc = store_get_job_proxy(f->st, jobid, strlen(jobid), &got, &err);
	if (rc != 0) {
		assert_int_not_equal(store_find_job(f->st, jobid,
		    strlen(jobid), &id, &err), 0);
		return rc;
	}
	assert_int_equal(store_find_job(f->st, jobid, strlen(jobid), &id,
	    &err), 0);
	assert_int_equal(store_get_proxy(f->st, id, &want, &err), 0);
	assert_int_equal(got.id, want.id);
	assert_string_equal(got.file, want.file);
	assert_string_equal(got.servers, want.servers);
	assert_int_equal(got.obtained, want.obtained);
	assert_int_equal(got.not_after, want.not_after);
	assert_int_equal(got.next_renewal, want.next_renewal);
	if (proxy_id != NULL)
		*proxy_id = got.id;
	if (not_after != NULL)
		*not_after = got.not_after;
	store_proxy_free(&got);
	store_proxy_free(&want);
	return 0;
}

static int64_t
memo_jobs(struct fx *f)
{
	struct store_memo_stats ms;

	store_memo_stats(f->st, &ms);
	assert_true(ms.enabled);
	return ms.jobs;
}

static void
load_all(struct fx *f)
{
	struct pr_error err;
	int rc, steps = 0;

	while ((rc = store_memo_load(f->st, &err)) == 1)
		steps++;
	assert_int_equal(rc, 0);
	assert_true(steps < 100000);
}

static int
memo_setup(void **state)
{
	setup(state);
	assert_int_equal(store_memo_enable(((struct fx *)*state)->st), 0);
	load_all(*state);
	return 0;
}

static void
test_commit_and_batch_drop(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t p1, got;

	p1 = add_proxy(f, "aa", 0, "h:7512", "", 0, 4000000000LL);
	add_job(f, "autocommit", p1);	/* its own savepoint: committed */
	assert_int_equal(memo_jobs(f), 1);
	assert_int_equal(store_batch_join(f->st, &err), 0);
	add_job(f, "kept", p1);
	store_batch_keep(f->st);
	assert_int_equal(store_batch_join(f->st, &err), 0);
	add_job(f, "dropped", p1);
	store_batch_drop(f->st);
	assert_int_equal(memo_jobs(f), 1);	/* nothing before the commit */
	assert_int_equal(get(f, "kept", &got, NULL), 0);	/* SQLite's view */
	assert_int_equal(store_batch_commit(f->st, &err), 0);
	assert_int_equal(memo_jobs(f), 2);
	assert_int_equal(get(f, "kept", &got, NULL), 0);
	assert_int_equal(got, p1);
	assert_int_equal(get(f, "dropped", NULL, NULL), PR_ERR_NOT_REGISTERED);
	assert_int_equal(memo_jobs(f), 2);
}

static void
test_rollbacks(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t p1, id, left;

	p1 = add_proxy(f, "aa", 0, "h:7512", "", 0, 4000000000LL);
	add_job(f, "a", p1);
	add_job(f, "b", p1);
	assert_int_equal(memo_jobs(f), 2);
	/* an addition rolled back never reaches memory */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_job(f, "c", p1);
	store_rollback(f->st);
	assert_int_equal(get(f, "c", NULL, NULL), PR_ERR_NOT_REGISTERED);
	assert_int_equal(memo_jobs(f), 2);
	/* a removal rolled back: answered by SQLite, then held again */
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_remove_job(f->st, "a", 1, &id, &left, &err), 0);
	assert_int_equal(get(f, "a", NULL, NULL), PR_ERR_NOT_REGISTERED);
	store_rollback(f->st);
	assert_int_equal(memo_jobs(f), 1);
	assert_int_equal(get(f, "a", &id, NULL), 0);
	assert_int_equal(id, p1);
	assert_int_equal(memo_jobs(f), 2);
	/* added and removed in one transaction: gone */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_job(f, "d", p1);
	assert_int_equal(store_remove_job(f->st, "d", 1, &id, &left, &err), 0);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(get(f, "d", NULL, NULL), PR_ERR_NOT_REGISTERED);
	assert_int_equal(memo_jobs(f), 2);
}

/* The proxy's jobs go with it, and its id, handed out again, is not theirs. */
static void
test_delete_proxy_id_reused(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t p1, p2, p3, got;

	p1 = add_proxy(f, "aa", 0, "h:7512", "", 0, 4000000000LL);
	p2 = add_proxy(f, "bb", 0, "h:7512", "", 0, 4000000000LL);
	add_job(f, "one", p1);
	add_job(f, "two", p2);
	add_job(f, "three", p2);
	assert_int_equal(get(f, "two", &got, NULL), 0);
	assert_int_equal(got, p2);
	assert_int_equal(store_delete_proxy(f->st, p2, &err), 0);
	assert_int_equal(memo_jobs(f), 1);
	p3 = add_proxy(f, "cc", 0, "h:7512", "", 0, 4000000000LL);
	assert_int_equal(p3, p2);	/* SQLite's max + 1 */
	assert_int_equal(get(f, "two", NULL, NULL), PR_ERR_NOT_REGISTERED);
	assert_int_equal(get(f, "three", NULL, NULL), PR_ERR_NOT_REGISTERED);
	assert_int_equal(get(f, "one", &got, NULL), 0);
	assert_int_equal(got, p1);
	/* the last job's removal deletes the proxy too (store.h rule 3) */
	add_job(f, "four", p3);
	assert_int_equal(get(f, "four", &got, NULL), 0);
	assert_int_equal(store_remove_job(f->st, "four", 4, &got, &got, &err), 0);
	assert_int_equal(get(f, "four", NULL, NULL), PR_ERR_NOT_REGISTERED);
}

/* A renewal changes the row: GET says so at once. */
static void
test_row_changed(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t p1, n, na;

	p1 = add_proxy(f, "aa", 0, "h:7512", "", 0, 4000000000LL);
	add_job(f, "a", p1);
	assert_int_equal(get(f, "a", NULL, &na), 0);
	assert_int_equal(na, 4000000000LL);
	assert_int_equal(store_record_replacement(f->st, p1, 4100000000LL,
	    4000000100LL, 4099990000LL, &err), 0);
	assert_int_equal(get(f, "a", NULL, &na), 0);
	assert_int_equal(na, 4100000000LL);
	assert_int_equal(store_make_all_due(f->st, 4000000200LL, &n, &err), 0);
	assert_int_equal(get(f, "a", NULL, NULL), 0);
}

/* Rows written before the daemon started are loaded, chunk by chunk. */
static void
test_start_up_load(void **state)
{
	struct fx *f = *state;
	struct store_memo_stats ms;
	struct pr_error err;
	char hash[16], job[64];
	int64_t ids[100], got;
	int i;

	assert_int_equal(store_begin(f->st, &err), 0);
	for (i = 0; i < 100; i++) {
		snprintf(hash, sizeof(hash), "h%02d", i);
		ids[i] = add_proxy(f, hash, 0, "h:7512", "", 0, 4000000000LL);
	}
	for (i = 0; i < 10000; i++) {
		snprintf(job, sizeof(job), "https://wms/%05d", i);
		add_job(f, job, ids[i % 100]);
	}
	assert_int_equal(store_commit(f->st, &err), 0);
	store_close(f->st);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(store_memo_enable(f->st), 0);
	assert_int_equal(get(f, "https://wms/00007", &got, NULL), 0);
	load_all(f);
	store_memo_stats(f->st, &ms);
	assert_true(ms.loaded);
	assert_int_equal(ms.jobs, 10000);
	assert_int_equal(ms.proxies, 100);
	for (i = 0; i < 10000; i += 7) {
		snprintf(job, sizeof(job), "https://wms/%05d", i);
		assert_int_equal(get(f, job, &got, NULL), 0);
		assert_int_equal(got, ids[i % 100]);
	}
	assert_int_equal(get(f, "https://wms/10000", NULL, NULL),
	    PR_ERR_NOT_REGISTERED);
}

/* The index's table alone: growth, removal, shared keys, savepoints. */
static void
test_job_index_table(void **state)
{
	struct job_index *ix = job_index_new();
	struct job_key k, shared = { 77, 5 };
	uint64_t i;

	(void)state;
	assert_non_null(ix);
	for (i = 1; i <= 100000; i++) {
		k.a = i * 0x9e3779b97f4a7c15ULL;
		k.b = (uint32_t)i;
		job_index_put(ix, &k, (int64_t)(i % 1000) + 1);
	}
	for (i = 2; i <= 100000; i += 2) {
		k.a = i * 0x9e3779b97f4a7c15ULL;
		k.b = (uint32_t)i;
		job_index_remove(ix, &k);
	}
	assert_int_equal(job_index_count(ix), 50000);
	for (i = 1; i <= 100000; i++) {
		k.a = i * 0x9e3779b97f4a7c15ULL;
		k.b = (uint32_t)i;
		assert_int_equal(job_index_find(ix, &k),
		    i % 2 ? (int64_t)(i % 1000) + 1 : 0);
	}
	/* two jobs, one key: ambiguous for good (SQLite answers) */
	job_index_put(ix, &shared, 3);
	job_index_put(ix, &shared, 3);
	assert_int_equal(job_index_find(ix, &shared), 3);
	job_index_put(ix, &shared, 4);
	assert_int_equal(job_index_find(ix, &shared), 0);
	job_index_remove(ix, &shared);
	job_index_put(ix, &shared, 3);
	assert_int_equal(job_index_find(ix, &shared), 0);
	/* savepoints: ROLLBACK TO drops what came after */
	k.a = 1ULL << 40;
	k.b = 1;
	job_index_savepoint(ix);
	job_index_pend(ix, &k, 9);
	job_index_savepoint(ix);
	shared.a = 1ULL << 41;
	job_index_pend(ix, &shared, 9);
	job_index_rollback_to(ix);
	job_index_release(ix);
	job_index_release(ix);
	assert_int_equal(job_index_find(ix, &k), 0);
	job_index_commit(ix);
	assert_int_equal(job_index_find(ix, &k), 9);
	assert_int_equal(job_index_find(ix, &shared), 0);
	job_index_free(ix);
}

/* Is id's record there? If so it must be the one given. */
static int
memo_has(const struct proxy_memo *pm, int64_t id, const char *file,
    const char *servers, int64_t not_after)
{
	struct proxy_memo_rec r;

	if (!proxy_memo_get(pm, id, &r))
		return 0;
	assert_string_equal(r.file, file);
	assert_string_equal(r.servers, servers);
	assert_int_equal(r.not_after, not_after);
	assert_int_equal(r.obtained, not_after - 100);
	assert_int_equal(r.next_renewal, not_after - 50);
	return 1;
}

static void
memo_put(struct proxy_memo *pm, int64_t id, const char *file,
    const char *servers, int64_t not_after)
{
	proxy_memo_put(pm, id, file, servers, not_after - 100, not_after,
	    not_after - 50);
}

/*
 * The proxy table alone: sparse ids (a daemon that ran for months holds
 * ids far above its count), growth, removal by shifting back, names too
 * long for a slot, replacement, forgetting everything.
 */
static void
test_proxy_memo_table(void **state)
{
	struct proxy_memo *pm = proxy_memo_new();
	char longname[300], file[80];
	size_t table;
	int64_t i;

	(void)state;
	assert_non_null(pm);
	/* ids 1,000,000 apart: every one kept */
	for (i = 1; i <= 20000; i++) {
		(void)snprintf(file, sizeof(file), "%064llx.%lld",
		    (unsigned long long)i, (long long)(i % 7));
		memo_put(pm, i * 1000000, file, "myproxy.example.org:7512",
		    i + 1000);
	}
	assert_int_equal(proxy_memo_count(pm), 20000);
	for (i = 2; i <= 20000; i += 2)
		proxy_memo_forget(pm, i * 1000000);
	assert_int_equal(proxy_memo_count(pm), 10000);
	for (i = 1; i <= 20000; i++) {
		(void)snprintf(file, sizeof(file), "%064llx.%lld",
		    (unsigned long long)i, (long long)(i % 7));
		assert_int_equal(memo_has(pm, i * 1000000, file,
		    "myproxy.example.org:7512", i + 1000), i % 2);
		assert_int_equal(memo_has(pm, i * 1000000 + 1, file, "", 0),
		    0);
	}
	/* a name too long for a slot: a block of its own, counted */
	table = proxy_memo_bytes(pm);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memo_put(pm, 3, longname, "myproxy.example.org:7512", 77);
	assert_true(proxy_memo_bytes(pm) >= table + sizeof(longname));
	assert_true(memo_has(pm, 3, longname, "myproxy.example.org:7512",
	    77));
	/* replaced, inline again: the block released */
	memo_put(pm, 3, "f.1", "myproxy.example.org:7512", 78);
	assert_int_equal(proxy_memo_bytes(pm), table);
	assert_true(memo_has(pm, 3, "f.1", "myproxy.example.org:7512", 78));
	/* a long server list is kept once, whatever the number of proxies */
	memo_put(pm, 4, "f.2", longname, 79);
	table = proxy_memo_bytes(pm);
	for (i = 5; i < 1005; i++)
		memo_put(pm, i, "f.3", longname, 80);
	assert_int_equal(proxy_memo_bytes(pm), table);
	assert_true(memo_has(pm, 1004, "f.3", longname, 80));
	/* beyond the lists kept once, a block each; answers the same */
	for (i = 0; i < 40; i++) {
		(void)snprintf(file, sizeof(file), "s%lld:7512", (long long)i);
		memo_put(pm, 2000 + i, "f.4", file, 81);
	}
	for (i = 0; i < 40; i++) {
		(void)snprintf(file, sizeof(file), "s%lld:7512", (long long)i);
		assert_true(memo_has(pm, 2000 + i, "f.4", file, 81));
	}
	for (i = 4; i < 1005; i++)
		proxy_memo_forget(pm, i);
	for (i = 2000; i < 2040; i++)
		proxy_memo_forget(pm, i);
	assert_int_equal(proxy_memo_count(pm), 10001);
	proxy_memo_forget(pm, 0);
	assert_int_equal(proxy_memo_count(pm), 0);
	assert_false(memo_has(pm, 1000000, "", "", 0));
	memo_put(pm, (int64_t)1 << 40, "f.2", "s", 79);
	assert_true(memo_has(pm, (int64_t)1 << 40, "f.2", "s", 79));
	proxy_memo_free(pm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_and_batch_drop,
		    memo_setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollbacks, memo_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delete_proxy_id_reused,
		    memo_setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_changed, memo_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_start_up_load, setup,
		    teardown),
		cmocka_unit_test(test_job_index_table),
		cmocka_unit_test(test_proxy_memo_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
