/*
 * test_batch.c: group commit of REGISTERs (batch.c) through
 * commands_submit, on a real store and repository in a temp dir:
 * answers wait for the commit and the changes are not durable before it;
 * one commit holds them all with one directory fsync; a failed commit
 * answers every waiting client with the error and leaves no file; a
 * client gone while waiting does not stop the others; a transaction of
 * another kind (UNREGISTER) first commits the open batch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "daemon/daemon.h"
#include "daemon/loop.h"
#include "protocol/message.h"
#include "store/repo_files.h"
#include "store/store.h"

#include "testcert.c"
#include "testdir.c"
#include "testdaemon.c"

#define N_CLIENTS	3

static struct daemon D;
static struct conn C[N_CLIENTS];
static char dir[64];
static int64_t now;
static int n_fsync;

struct answer {
	int n;		/* answers received */
	int code;	/* code of the last one */
};
static struct answer A[N_CLIENTS];

static int
setup(void **state)
{
	int i;

	(void)state;
	memset(A, 0, sizeof(A));
	for (i = 0; i < N_CLIENTS; i++) {
		memset(&C[i], 0, sizeof(C[i]));
		C[i].d = &D;
		C[i].uid = getuid();
		C[i].pid = getpid();
	}
	now = (int64_t)time(NULL);
	testdaemon_open(&D, dir, sizeof(dir), "test_batch");
	repo_sys_reset();
	n_fsync = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	repo_sys_reset();
	testdaemon_close(&D, dir);
	return 0;
}

/* A proxy of a new identity "/C=XX/O=Test/CN=<name>" in dir/<name>. */
static char *
identity_proxy(const char *name)
{
	struct tc_cred ca, user, p;
	char dn[64], path[128], *pem;
	size_t len;

	tc_ca(&ca, "/C=XX/O=Test/CN=CA", now - 3600, now + 86400);
	snprintf(dn, sizeof(dn), "/C=XX/O=Test/CN=%s", name);
	tc_user(&user, &ca, dn, now - 3600, now + 86400);
	tc_proxy(&p, &user, TC_PROXY_RFC, now - 60, now + 6 * 3600);
	pem = tc_pem(p.cert, p.key, 0, &user.cert, 1, &len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tc_write_file(path, pem, len);
	free(pem);
	tc_cred_free(&p);
	tc_cred_free(&user);
	tc_cred_free(&ca);
	return strdup(path);
}

static void
take_answer(struct conn *c, int code, char *out, size_t len, void *arg)
{
	struct answer *a = arg;

	(void)c;
	(void)len;
	assert_non_null(out);
	a->n++;
	a->code = code;
	free(out);
}

/* REGISTER jobid with proxy from client i; returns 1 when it waits. */
static int
submit(int i, const char *proxy, const char *jobid)
{
	char body[512], *out = NULL;
	size_t out_len = 0;
	int n, deferred, rc;

	n = snprintf(body, sizeof(body), "Version=EDG Proxy Renewal 1.0\n"
	    "Command=1\nMyproxy_server=localhost:7512\nProxy_name=%s\n"
	    "Jobid=%s\n", proxy, jobid);
	rc = commands_submit(&D, &C[i], body, (size_t)n + 1, &out, &out_len,
	    take_answer, &A[i], &deferred);
	if (!deferred) {
		free(out);
		A[i].n++;
		A[i].code = rc;
	}
	return deferred;
}

/*
 * Jobs on disk (what is durable): the daemon holds the database
 * exclusively, so count them in a copy of the database and its WAL.
 */
static int
committed_jobs(void)
{
	char cmd[512], path[160];
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/copy' && mkdir '%s/copy' && "
	    "cp '%s/repository.db' '%s/copy/db' && { [ ! -f "
	    "'%s/repository.db-wal' ] || cp '%s/repository.db-wal' "
	    "'%s/copy/db-wal'; }", dir, dir, D.repo_path, dir, D.repo_path,
	    D.repo_path, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/copy/db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM job", -1,
	    &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static int
count_fsync(int fd)
{
	n_fsync++;
	return fsync(fd);
}

static int
fsync_eio(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static void
test_one_commit_answers_all(void **state)
{
	char *p[N_CLIENTS], name[16], job[16];
	int i;

	(void)state;
	for (i = 0; i < N_CLIENTS; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		p[i] = identity_proxy(name);
	}
	repo_sys.fsync = count_fsync;
	for (i = 0; i < N_CLIENTS; i++) {
		snprintf(job, sizeof(job), "job%d", i);
		assert_int_equal(submit(i, p[i], job), 1);
	}
	/* nobody answered, nothing durable yet, not even fsynced */
	for (i = 0; i < N_CLIENTS; i++)
		assert_int_equal(A[i].n, 0);
	assert_int_equal(n_fsync, 0);
	assert_int_equal(committed_jobs(), 0);
	/* the end of the loop pass commits once */
	assert_int_equal(loop_run_once(D.loop, 0), 0);
	for (i = 0; i < N_CLIENTS; i++) {
		assert_int_equal(A[i].n, 1);
		assert_int_equal(A[i].code, 0);
	}
	assert_int_equal(committed_jobs(), N_CLIENTS);
	/* at the commit: one fsync per new file, one for the directory */
	assert_int_equal(n_fsync, N_CLIENTS + 1);
	for (i = 0; i < N_CLIENTS; i++)
		free(p[i]);
}

static void
test_failed_commit_answers_error(void **state)
{
	char *p[N_CLIENTS], name[16], job[16], cmd[160];
	int i;

	(void)state;
	for (i = 0; i < N_CLIENTS; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		p[i] = identity_proxy(name);
		snprintf(job, sizeof(job), "job%d", i);
		assert_int_equal(submit(i, p[i], job), 1);
	}
	repo_sys.fsync = fsync_eio;	/* the directory fsync fails */
	batch_flush(&D);
	repo_sys_reset();
	for (i = 0; i < N_CLIENTS; i++) {
		assert_int_equal(A[i].n, 1);
		assert_int_equal(A[i].code, EIO);
	}
	assert_int_equal(committed_jobs(), 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s' | grep -v "
	    "'^repository.db')\"", D.repo_path);
	assert_int_equal(system(cmd), 0);
	/* and the next batch works */
	assert_int_equal(submit(0, p[0], "again"), 1);
	batch_flush(&D);
	assert_int_equal(A[0].code, 0);
	assert_int_equal(committed_jobs(), 1);
	for (i = 0; i < N_CLIENTS; i++)
		free(p[i]);
}

static void
test_gone_client_and_other_transaction(void **state)
{
	char *p = identity_proxy("alice");
	char body[256], *out;
	size_t out_len;

	(void)state;
	assert_int_equal(submit(0, p, "a"), 1);
	assert_int_equal(submit(1, p, "b"), 1);
	batch_forget(&D, &C[0]);	/* client 0 hung up while waiting */
	/* UNREGISTER opens its own transaction: the batch commits first */
	snprintf(body, sizeof(body), "Version=EDG Proxy Renewal 1.0\n"
	    "Command=2\nJobid=b\n");
	assert_int_equal(commands_handle(&D, &C[2], body, strlen(body) + 1,
	    &out, &out_len), 0);
	free(out);
	assert_int_equal(A[0].n, 0);	/* gone: never answered */
	assert_int_equal(A[1].n, 1);
	assert_int_equal(A[1].code, 0);
	assert_int_equal(committed_jobs(), 1);	/* "a" stays, "b" left */
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_commit_answers_all,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_commit_answers_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gone_client_and_other_transaction, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
