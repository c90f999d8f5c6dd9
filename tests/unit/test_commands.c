/*
 * test_commands.c: the request handlers of src/daemon/commands.c against a
 * real store and repository in a temporary directory, with proxies made in
 * memory: REGISTER (aggregation, unique, replacement by a longer proxy,
 * idempotence, the condor limit), UNREGISTER, GET (1908, 1909), LIST,
 * STATUS, RENEW_ALL, HISTORY, the error codes, expiry (by the scheduler
 * timer and at start-up), and a failed file write leaving nothing behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.c"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cred/cred.h"
#include "daemon/daemon.h"
#include "daemon/loop.h"
#include "protocol/message.h"
#include "store/repo_files.h"
#include "store/store.h"

#include "testcert.c"
#include "testdaemon.c"

static struct daemon D;
static struct conn C;
static char dir[64];
static struct tc_cred ca, alice, bob;
static struct pr_msg resp;
static int64_t now;

static int
group_setup(void **state)
{
	(void)state;
	now = (int64_t)time(NULL);
	tc_ca(&ca, "/C=XX/O=Test/CN=Test CA", now - 3600, now + 86400 * 30);
	tc_user(&alice, &ca, "/C=XX/O=Test/CN=alice", now - 3600,
	    now + 86400 * 30);
	tc_user(&bob, &ca, "/C=XX/O=Test/CN=bob", now - 3600, now + 86400 * 30);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	tc_cred_free(&ca);
	tc_cred_free(&alice);
	tc_cred_free(&bob);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	testdaemon_open(&D, dir, sizeof(dir), "test_commands");
	metrics_init(&D);
	memset(&C, 0, sizeof(C));
	C.d = &D;
	C.uid = getuid();
	C.pid = getpid();
	msg_init(&resp);
	repo_sys_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	repo_sys_reset();
	msg_free(&resp);
	testdaemon_close(&D, dir);
	return 0;
}

/* A proxy of user valid until not_after, written to dir/name; returns path. */
static const char *
proxy_file(const char *name, const struct tc_cred *user, int64_t not_after)
{
	static char path[128];
	struct tc_cred p;
	char *pem;
	size_t len;

	tc_proxy(&p, user, TC_PROXY_RFC, now - 60, not_after);
	pem = tc_pem(p.cert, p.key, 0, &user->cert, 1, &len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tc_write_file(path, pem, len);
	free(pem);
	tc_cred_free(&p);
	return path;
}

/* Send "Version=..\n" + body; parse the response into resp; its code. */
static int
request(const char *fmt, ...)
{
	char body[8192], *out;
	struct pr_error err;
	size_t out_len;
	int64_t code;
	va_list ap;
	int n, rc;

	n = snprintf(body, sizeof(body), "Version=EDG Proxy Renewal 1.0\n");
	va_start(ap, fmt);
	n += vsnprintf(body + n, sizeof(body) - n, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n + 1 < sizeof(body));
	rc = commands_handle(&D, &C, body, (size_t)n + 1, &out, &out_len);
	msg_free(&resp);
	assert_int_equal(msg_parse(out, out_len, &resp, &err), 0);
	free(out);
	assert_int_equal(msg_get_int(&resp, PR_KEY_RESPONSE, &code), 0);
	assert_int_equal(code, rc);
	assert_string_equal(msg_get(&resp, PR_KEY_VERSION),
	    "EDG Proxy Renewal 1.0");
	if (code != 0)
		assert_non_null(msg_get(&resp, PR_KEY_MESSAGE));
	return rc;
}

static int
reg(const char *proxy, const char *jobid, const char *extra)
{
	return request("Command=1\nMyproxy_server=localhost:7512\n"
	    "Proxy_name=%s\nJobid=%s\n%s", proxy, jobid, extra ? extra : "");
}

static char *
resp_name(void)
{
	const char *v = msg_get(&resp, PR_KEY_PROXY_NAME);

	assert_non_null(v);
	return strdup(v);
}

static int64_t
resp_int(const char *key)
{
	int64_t v;

	assert_int_equal(msg_get_int(&resp, key, &v), 0);
	return v;
}

/* T - max(condor + 300, L/4) for the proxy in resp (L from Start_time). */
static int64_t
expected_renewal(void)
{
	int64_t t = resp_int(PR_KEY_END_TIME), s = resp_int(PR_KEY_START_TIME);
	int64_t m = (t - s) / 4 > 2100 ? (t - s) / 4 : 2100;

	return t - m;
}

/* Renewal_time: the policy's time, earlier by at most the jitter (4 %). */
static void
assert_renewal_time(void)
{
	int64_t at = expected_renewal(), got = resp_int(PR_KEY_RENEWAL_TIME);
	int64_t left = resp_int(PR_KEY_END_TIME) - now;

	assert_true(got <= at);
	assert_true(got >= at - left * 4 / 100 - 1);
}

static int
file_count(void)
{
	int64_t n;

	assert_int_equal(request("Command=4\n"), 0);
	n = (int64_t)msg_count(&resp, PR_KEY_PROXY_NAME);
	return (int)n;
}

static void
test_register_and_get(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 12 * 3600);
	char *name, *base;
	struct stat st;

	(void)state;
	assert_int_equal(reg(p, "https://wms/1", NULL), 0);
	name = resp_name();
	base = strrchr(name, '/') + 1;
	assert_int_equal(strncmp(name, D.repo_path, strlen(D.repo_path)), 0);
	assert_int_equal(strlen(base), 64 + 2);
	assert_string_equal(base + 64, ".0");
	assert_int_equal(resp_int(PR_KEY_END_TIME), now + 12 * 3600);
	assert_true(resp_int(PR_KEY_START_TIME) >= now);
	assert_renewal_time();
	assert_string_equal(msg_get(&resp, PR_KEY_MYPROXY_SERVER),
	    "localhost:7512");
	assert_int_equal(lstat(name, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(request("Command=3\nJobid=https://wms/1\n"), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(request("Command=3\nJobid=https://wms/2\n"),
	    PR_ERR_NOT_REGISTERED);
	free(name);
}

/* Same identity, servers and FQANs share; unique, other servers, other
 * users and proxies within the condor limit do not. */
static void
test_aggregation(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 12 * 3600);
	char *first;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	first = resp_name();
	assert_int_equal(reg(p, "j2", NULL), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	assert_int_equal(reg(p, "j3", "Unique=1\n"), 0);
	assert_string_not_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	assert_int_equal(reg(p, "j4", NULL), 0);	/* not onto the unique one */
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	assert_int_equal(request("Command=1\nMyproxy_server=other\n"
	    "Proxy_name=%s\nJobid=j5\n", p), 0);
	assert_string_not_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	p = proxy_file("pb", &bob, now + 12 * 3600);
	assert_int_equal(reg(p, "j6", NULL), 0);
	assert_string_not_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	assert_int_equal(file_count(), 4);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", first), 0);
	assert_int_equal(resp_int("Jobs"), 3);
	assert_int_equal(resp_int("Unique"), 0);
	assert_string_equal(msg_get(&resp, "Identity"), "/C=XX/O=Test/CN=alice");
	free(first);
}

static void
test_condor_limit_no_sharing(void **state)
{
	const char *p = proxy_file("short", &alice, now + 1000);
	char *first;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	first = resp_name();
	/* less than the condor limit left: due at once */
	assert_true(resp_int(PR_KEY_RENEWAL_TIME) <= (int64_t)time(NULL));
	assert_true(resp_int(PR_KEY_RENEWAL_TIME) >= now);
	p = proxy_file("short2", &alice, now + 1200);
	assert_int_equal(reg(p, "j2", NULL), 0);
	assert_string_not_equal(msg_get(&resp, PR_KEY_PROXY_NAME), first);
	free(first);
}

/* A longer proxy replaces the stored file in place; a shorter one does not. */
static void
test_replace_longer(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	char *name, *before, *after;
	size_t len;
	struct pr_error err;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	name = resp_name();
	assert_int_equal(cred_read_file(name, 1 << 20, &before, &len, &err), 0);
	p = proxy_file("p2", &alice, now + 3 * 3600);
	assert_int_equal(reg(p, "j2", NULL), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(resp_int(PR_KEY_END_TIME), now + 6 * 3600);
	p = proxy_file("p3", &alice, now + 24 * 3600);
	assert_int_equal(reg(p, "j3", NULL), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(resp_int(PR_KEY_END_TIME), now + 24 * 3600);
	assert_int_equal(cred_read_file(name, 1 << 20, &after, &len, &err), 0);
	assert_string_not_equal(before, after);
	assert_int_equal(request("Command=3\nJobid=j1\n"), 0);
	assert_int_equal(resp_int(PR_KEY_END_TIME), now + 24 * 3600);
	free(before);
	free(after);
	free(name);
}

static void
test_idempotent(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	char *name;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	name = resp_name();
	assert_int_equal(reg(p, "j1", NULL), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(reg(p, "j1", "Unique=1\n"), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name), 0);
	assert_int_equal(resp_int("Jobs"), 1);
	assert_int_equal(file_count(), 1);
	free(name);
}

static void
test_unregister(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	char *name;
	struct stat st;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	assert_int_equal(reg(p, "j2", NULL), 0);
	name = resp_name();
	assert_int_equal(request("Command=2\nJobid=j1\nProxy_name=/etc/passwd\n"),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(request("Command=2\nJobid=j1\nProxy_name=%s\n",
	    strrchr(name, '/') + 1), 0);	/* bare name accepted */
	assert_int_equal(lstat(name, &st), 0);
	assert_int_equal(request("Command=2\nJobid=j1\n"), PR_ERR_NOT_REGISTERED);
	assert_int_equal(request("Command=2\nJobid=j2\nProxy_name=%s\n", name), 0);
	assert_int_equal(lstat(name, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(file_count(), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name),
	    PR_ERR_NOT_REGISTERED);
	free(name);
}

/* REGISTER of proxy for job: its repository path (to free), its record. */
static char *
reg_stored(const char *proxy, const char *job, struct store_proxy *sp)
{
	struct pr_error err;
	char *name;

	assert_int_equal(reg(proxy, job, NULL), 0);
	name = resp_name();
	assert_int_equal(store_get_proxy_by_file(D.store, strrchr(name, '/') + 1,
	    sp, &err), 0);
	return name;
}

static void
test_get_expired(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	struct store_proxy sp;
	struct pr_error err;
	char *name;

	(void)state;
	name = reg_stored(p, "j1", &sp);
	assert_int_equal(store_begin(D.store, &err), 0);
	assert_int_equal(store_record_replacement(D.store, sp.id, now - 1,
	    sp.obtained, sp.next_renewal, &err), 0);
	assert_int_equal(store_commit(D.store, &err), 0);
	assert_int_equal(request("Command=3\nJobid=j1\n"), PR_ERR_EXPIRED);
	store_proxy_free(&sp);
	free(name);
}

static void
test_status_and_renew_all(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 12 * 3600);
	char *name;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	name = resp_name();
	assert_int_equal(request("Command=5\nProxy_name=%s\n",
	    strrchr(name, '/') + 1), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(resp_int("Failures"), 0);
	assert_int_equal(resp_int("Last_attempt"), 0);
	assert_renewal_time();
	assert_int_equal(msg_count(&resp, "Fqan"), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s/../x/%s\n",
	    D.repo_path, strrchr(name, '/') + 1), PR_ERR_NOT_REGISTERED);
	assert_int_equal(request("Command=7\n"), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name), 0);
	assert_true(resp_int(PR_KEY_RENEWAL_TIME) <= (int64_t)time(NULL));
	free(name);
}

/*
 * The credential watch: REGISTER of a new proxy puts its identity on the
 * watch, due now (one row per identity: a second proxy of alice shares
 * it); STATUS shows what INFO said, Limited_by and, for a renewal that
 * came back shorter than asked, Limited_reason.
 */
static void
test_credential_watch(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	struct store_proxy sp;
	struct store_cred c;
	struct pr_error err;
	char *name;

	(void)state;
	name = reg_stored(p, "j1", &sp);
	assert_int_equal(store_cred_get(D.store, sp.identity_hash, &c, &err), 0);
	assert_true(c.next_check <= (int64_t)time(NULL));
	assert_int_equal(c.checked, 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name), 0);
	assert_int_equal(resp_int(PR_KEY_CRED_END_TIME), 0);
	assert_null(msg_get(&resp, PR_KEY_CRED_RENEW_ALLOWED));
	assert_string_equal(msg_get(&resp, PR_KEY_LIMITED_BY), "x509");
	/* what an INFO says: the stored credential ends with this proxy */
	c.cred_end = sp.not_after;
	free(c.server);
	c.server = strdup("mp:7512");
	c.renew_allowed = 1;
	c.next_check = now + 86400;
	assert_int_equal(store_cred_record(D.store, &c, now, &err), 0);
	store_cred_free(&c);
	/* a renewal at now that asked 12 h (--lifetime) and got 6 h */
	assert_int_equal(store_begin(D.store, &err), 0);
	assert_int_equal(store_record_renewal_success(D.store, &sp,
	    sp.not_after + 1, now, now + 3600, NULL, &err), 0);
	assert_int_equal(store_commit(D.store, &err), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name), 0);
	assert_int_equal(resp_int(PR_KEY_CRED_END_TIME), sp.not_after);
	assert_string_equal(msg_get(&resp, PR_KEY_CRED_SERVER), "mp:7512");
	assert_string_equal(msg_get(&resp, PR_KEY_CRED_RENEW_ALLOWED), "yes");
	assert_string_equal(msg_get(&resp, PR_KEY_LIMITED_BY),
	    "stored-credential");
	assert_non_null(strstr(msg_get(&resp, PR_KEY_LIMITED_REASON),
	    "asked for 12 h and got 6 h 00 min: the long-term credential"));
	/* a second proxy of alice (unique): the same row */
	assert_int_equal(reg(proxy_file("p2", &alice, now + 7 * 3600), "j2",
	    "Unique=1\n"), 0);
	assert_int_equal(store_cred_get(D.store, sp.identity_hash, &c, &err), 0);
	assert_int_equal(c.cred_end, sp.not_after);
	store_cred_free(&c);
	store_proxy_free(&sp);
	free(name);
}

static void
test_error_codes(void **state)
{
	char *p = strdup(proxy_file("p1", &alice, now + 6 * 3600));
	const char *old = proxy_file("old", &alice, now - 10);

	(void)state;
	assert_int_equal(request("Command=6\nJobid=x\n"), PR_ERR_UNKNOWN_COMMAND);
	assert_int_equal(request("Command=99\n"), PR_ERR_UNKNOWN_COMMAND);
	assert_int_equal(request("Jobid=x\n"), PR_ERR_UNKNOWN_COMMAND);
	assert_int_equal(request("Command=x\n"), PR_ERR_PROTO_PARSE);
	assert_int_equal(request("Command=3\nCommand=3\nJobid=x\n"),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(request("Command=3\n"), PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(request("Command=3\nJobid=\n"), PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(request("Command=1\nJobid=x\nMyproxy_server=m\n"),
	    PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(request("Command=5\n"), PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(request("Command=1\nProxy_name=%s\nJobid=x\n", p),
	    EINVAL);			/* no server, no default */
	assert_int_equal(reg("relative/p", "x", NULL), EINVAL);
	assert_int_equal(reg("/nonexistent/p", "x", NULL), ENOENT);
	assert_int_equal(reg(old, "x", NULL), PR_ERR_EXPIRED);
	assert_int_equal(request("Command=1\nMyproxy_server=a, b\n"
	    "Proxy_name=%s\nJobid=x\n", p), EINVAL);
	assert_int_equal(request("Command=1\nMyproxy_server=localhost:99999\n"
	    "Proxy_name=%s\nJobid=x\n", p), EINVAL);
	assert_int_equal(request("Command=1\nMyproxy_server=h:7512:1\n"
	    "Proxy_name=%s\nJobid=x\n", p), EINVAL);
	assert_int_equal(file_count(), 0);
	D.opts.myproxy_server = strdup("default:7512");
	assert_int_equal(request("Command=1\nProxy_name=%s\nJobid=x\n", p), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_MYPROXY_SERVER),
	    "default:7512");
	free(p);
}

/*
 * Without a renewal engine a due proxy waits for its expiry; at expiry its
 * file goes, its record stays: GET 1909, LIST skips it, STATUS says why.
 */
static void
test_expiry_by_timer(void **state)
{
	int64_t t0 = (int64_t)time(NULL);
	const char *p = proxy_file("p1", &alice, t0 + 2);
	char *name;
	struct stat st;
	int i;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	name = resp_name();
	assert_true(resp_int(PR_KEY_RENEWAL_TIME) <= (int64_t)time(NULL));
	assert_int_equal(loop_run_once(D.loop, 0), 0);	/* due: deferred */
	assert_int_equal(lstat(name, &st), 0);
	assert_int_equal(request("Command=3\nJobid=j1\n"), 0);
	for (i = 0; i < 50 && lstat(name, &st) == 0; i++)
		assert_int_equal(loop_run_once(D.loop, 200), 0);
	assert_int_equal(lstat(name, &st), -1);
	assert_int_equal(request("Command=3\nJobid=j1\n"), PR_ERR_EXPIRED);
	assert_int_equal(file_count(), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name), 0);
	assert_int_equal(resp_int("Last_result"), PR_ERR_EXPIRED);
	assert_int_equal(resp_int(PR_KEY_RENEWAL_TIME), 0);
	assert_int_equal(resp_int("Jobs"), 1);
	assert_int_equal(request("Command=2\nJobid=j1\n"), 0);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", name),
	    PR_ERR_NOT_REGISTERED);
	free(name);
}

/* A file deleted behind the daemon's back is expired at start-up. */
static void
test_recover_missing_file(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	char *gone, *kept;

	(void)state;
	assert_int_equal(reg(p, "j1", NULL), 0);
	gone = resp_name();
	p = proxy_file("pb", &bob, now + 6 * 3600);
	assert_int_equal(reg(p, "j2", NULL), 0);
	kept = resp_name();
	assert_int_equal(unlink(gone), 0);
	sched_recover(&D);
	assert_int_equal(request("Command=3\nJobid=j1\n"), PR_ERR_EXPIRED);
	assert_int_equal(request("Command=3\nJobid=j2\n"), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), kept);
	assert_int_equal(file_count(), 1);
	assert_int_equal(request("Command=5\nProxy_name=%s\n", gone), 0);
	assert_int_equal(resp_int("Last_result"), ENOENT);
	sched_recover(&D);		/* twice: nothing more happens */
	assert_int_equal(request("Command=5\nProxy_name=%s\n", gone), 0);
	assert_int_equal(resp_int("Failures"), 1);
	free(gone);
	free(kept);
}

static ssize_t
write_enospc(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = ENOSPC;
	return -1;
}

/* A failed write answers an error and leaves no record and no file. */
static void
test_write_failure_leaves_nothing(void **state)
{
	const char *p = proxy_file("p1", &alice, now + 6 * 3600);
	char cmd[160];

	(void)state;
	repo_sys.write = write_enospc;
	assert_int_not_equal(reg(p, "j1", NULL), 0);
	repo_sys_reset();
	assert_int_equal(file_count(), 0);
	assert_int_equal(request("Command=3\nJobid=j1\n"), PR_ERR_NOT_REGISTERED);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s' | grep -v "
	    "'^repository.db')\"", D.repo_path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(reg(p, "j1", NULL), 0);
}

/* The METRICS line carrying name (a whole sample name with labels). */
static const char *
metrics_line(const char *name)
{
	size_t i, n = msg_count(&resp, PR_KEY_METRICS), len = strlen(name);
	const char *v;

	for (i = 0; i < n; i++) {
		v = msg_get_nth(&resp, PR_KEY_METRICS, i);
		if (strncmp(v, name, len) == 0 && v[len] == ' ')
			return v + len + 1;
	}
	return NULL;
}

/* METRICS: totals, per-proxy series, request counters and histogram. */
static void
test_metrics(void **state)
{
	char name[256], *file;
	const char *v;

	(void)state;
	assert_int_equal(reg(proxy_file("p.pem", &alice, now + 7200), "job1",
	    NULL), 0);
	file = resp_name();
	metrics_note_request(&D, "GET", 0, 3);
	metrics_note_request(&D, "GET", 0, 3);
	metrics_note_request(&D, "GET", PR_ERR_NOT_REGISTERED, 2000);
	assert_int_equal(request("Command=8\n"), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_METRICS),
	    "# HELP proxy_renewd_build_info The daemon's version.");
	assert_string_equal(metrics_line("proxy_renewd_proxies{state=\"pending\"}"),
	    "1");
	assert_string_equal(metrics_line("proxy_renewd_jobs{state=\"pending\"}"),
	    "1");
	assert_string_equal(metrics_line("proxy_renewd_proxies{state=\"ok\"}"),
	    "0");
	snprintf(name, sizeof(name), "proxy_renewd_proxy_not_after_timestamp_"
	    "seconds{file=\"%s\"}", strrchr(file, '/') + 1);
	assert_non_null(v = metrics_line(name));
	assert_int_equal(atoll(v), now + 7200);
	assert_string_equal(metrics_line("proxy_renewd_requests_total{command="
	    "\"GET\",code=\"0\"}"), "2");
	assert_string_equal(metrics_line("proxy_renewd_requests_total{command="
	    "\"GET\",code=\"1908\"}"), "1");
	/* 3 ms: first in le=0.005; 2 s: only from le=5 on (cumulative) */
	assert_string_equal(metrics_line("proxy_renewd_request_duration_"
	    "seconds_bucket{command=\"GET\",le=\"0.0025\"}"), "0");
	assert_string_equal(metrics_line("proxy_renewd_request_duration_"
	    "seconds_bucket{command=\"GET\",le=\"0.005\"}"), "2");
	assert_string_equal(metrics_line("proxy_renewd_request_duration_"
	    "seconds_bucket{command=\"GET\",le=\"1\"}"), "2");
	assert_string_equal(metrics_line("proxy_renewd_request_duration_"
	    "seconds_bucket{command=\"GET\",le=\"5\"}"), "3");
	assert_string_equal(metrics_line("proxy_renewd_request_duration_"
	    "seconds_bucket{command=\"GET\",le=\"+Inf\"}"), "3");
	/* totals only: no per-proxy series */
	D.opts.metrics_totals_only = 1;
	assert_int_equal(request("Command=8\n"), 0);
	assert_null(metrics_line(name));
	assert_non_null(metrics_line("proxy_renewd_proxies{state=\"pending\"}"));
	free(file);
}

/* n failed attempts on the record of file (base name), text bytes each. */
static void
record_failures(const char *file, int n, size_t text)
{
	struct store_attempt a = { 0, 5, 1907, "transient", NULL, 0, 0, NULL };
	struct store_proxy p;
	struct pr_error err;
	char *big = malloc(text + 1);
	int i;

	assert_non_null(big);
	memset(big, 'x', text);
	big[text] = '\0';
	a.servers = text > 0 ? big : "a:1 unreachable: refused\nb:2 renewed";
	a.message = text > 0 ? big : "refused";
	for (i = 0; i < n; i++) {
		assert_int_equal(store_get_proxy_by_file(D.store, file, &p, &err),
		    0);
		a.at = now + i;
		assert_int_equal(store_record_failed_attempt(D.store, &p, a.at,
		    1907, "refused", now + 3600, &a, &err), 0);
		store_proxy_free(&p);
	}
	free(big);
}

/* HISTORY: by Jobid or Proxy_name, newest first, keys split, bounded. */
static void
test_history(void **state)
{
	char *name, *base;

	(void)state;
	assert_int_equal(reg(proxy_file("p1", &alice, now + 12 * 3600), "j1",
	    NULL), 0);
	name = resp_name();
	base = strrchr(name, '/') + 1;
	assert_int_equal(request("Command=10\nProxy_name=%s\n", name), 0);
	assert_int_equal(resp_int(PR_KEY_HISTORY_KEPT), 20);
	assert_int_equal(msg_count(&resp, PR_KEY_ATTEMPT_TIME), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_IDENTITY),
	    "/C=XX/O=Test/CN=alice");
	record_failures(base, 3, 0);
	assert_int_equal(request("Command=10\nJobid=j1\n"), 0);
	assert_string_equal(msg_get(&resp, PR_KEY_PROXY_NAME), name);
	assert_int_equal(msg_count(&resp, PR_KEY_ATTEMPT_TIME), 3);
	assert_int_equal(msg_count(&resp, PR_KEY_ATTEMPT_SERVER), 6);
	assert_int_equal(resp_int(PR_KEY_ATTEMPT_TIME), now + 2);  /* newest */
	assert_string_equal(msg_get_nth(&resp, PR_KEY_ATTEMPT_SERVER, 1),
	    "b:2 renewed");
	assert_int_equal(resp_int(PR_KEY_OMITTED), 0);
	/* neither key; unknown job; unknown file; a file outside */
	assert_int_equal(request("Command=10\n"), PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(request("Command=10\nJobid=nope\n"),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(request("Command=10\nProxy_name=%s/%064d.0\n",
	    D.repo_path, 0), PR_ERR_NOT_REGISTERED);
	assert_int_equal(request("Command=10\nProxy_name=/etc/passwd\n"),
	    PR_ERR_NOT_REGISTERED);
	/* rule (2) of history.c: older attempts past the bound are counted */
	store_set_history_keep(D.store, 1000);
	record_failures(base, 400, 2400);
	assert_int_equal(request("Command=10\nJobid=j1\n"), 0);
	assert_true(resp_int(PR_KEY_OMITTED) > 0);
	assert_int_equal(msg_count(&resp, PR_KEY_ATTEMPT_TIME) +
	    resp_int(PR_KEY_OMITTED), 403);
	assert_int_equal(resp_int(PR_KEY_ATTEMPT_TIME), now + 399);
	free(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_and_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_condor_limit_no_sharing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_longer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_renew_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential_watch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_error_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_by_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
