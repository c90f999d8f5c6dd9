/*
 * test_failure_class.c: one test per row of the failure class table
 * (src/daemon/failure_class.c), each with a message as the daemon stores
 * it (the worker's summary holding the server's own text, taken from the
 * real servers: shared design myproxy-replies.md, tests 112, 140, 203,
 * 212, 216), plus the combination rule for several servers and the
 * coverage check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/failure_class.h"
#include "common/pr_error.h"

struct sample {
	const char *rule;	/* the row's text */
	int code;
	const char *msg;	/* a whole stored message */
	enum fclass cls;
};

static const struct sample samples[] = {
	{ "service certificate", PR_ERR_EXPIRED, "service certificate "
	  "/etc/grid-security/hostcert.pem expired at 2026-11-01", FCLASS_LOCAL },
	{ "service key", EACCES, "renewal failed: a:1: service key /k.pem: mode 0644 is open to "
	  "group or others", FCLASS_LOCAL },
	{ "CA directory", ENOENT, "CA directory /nope: not a directory",
	  FCLASS_LOCAL },
	{ "VOMS renewal is not available", PR_ERR_VOMS, "renewal failed: "
	  "localhost:7512: proxy carries VOMS attributes and VOMS renewal is "
	  "not available", FCLASS_LOCAL },
	{ "output file", EACCES, "output file /r/.tmp1: Permission denied",
	  FCLASS_LOCAL },
	{ "No space left on device", ENOSPC, "recording the attempt: "
	  "database or disk is full: No space left on device", FCLASS_LOCAL },
	{ "Read-only file system", EROFS, "repository: Read-only file system",
	  FCLASS_LOCAL },
	{ "Input/output error", EIO, "repository: Input/output error",
	  FCLASS_LOCAL },
	{ "worker died of signal", PR_ERR_GENERIC, "worker died of signal 11 "
	  "(SIGSEGV)", FCLASS_LOCAL },
	{ "worker exited with status", PR_ERR_GENERIC, "worker exited with "
	  "status 127 without a result", FCLASS_LOCAL },
	{ "malformed worker result", PR_ERR_PROTO_PARSE, "malformed worker "
	  "result: Response: not a number", FCLASS_LOCAL },
	{ "cooling down, not tried", PR_ERR_MYPROXY, "renewal failed (1 "
	  "server(s) cooling down, not tried): localhost:38815: ERROR from "
	  "myproxy-server: No credentials exist for username \"/CN=a\".",
	  FCLASS_TRANSIENT },
	{ "Connection refused", PR_ERR_GENERIC, "renewal failed: "
	  "localhost:17599: Unable to connect to 127.0.0.1:17599 Connection "
	  "refused", FCLASS_TRANSIENT },
	{ "Unable to connect", PR_ERR_GENERIC, "renewal failed: "
	  "nohost.invalid:7512: Unable to connect to nohost.invalid",
	  FCLASS_TRANSIENT },
	{ "cannot connect", PR_ERR_VOMS, "renewal failed: localhost:7512: "
	  "VOMS testvo: localhost:15001: cannot connect: Connection lost",
	  FCLASS_TRANSIENT },
	{ "no answer within", PR_ERR_TIMEOUT, "renewal failed: "
	  "localhost:7512: no answer within 30 s", FCLASS_TRANSIENT },
	{ "worker killed after its hard timeout", PR_ERR_TIMEOUT, "worker "
	  "killed after its hard timeout of 2 s", FCLASS_TRANSIENT },
	{ "Connection reset", PR_ERR_GENERIC, "renewal failed: localhost:7512: "
	  "Connection reset by peer", FCLASS_TRANSIENT },
	{ "GSS Major Status", PR_ERR_GENERIC, "renewal failed: localhost:7512: "
	  "authentication: Error authenticating: GSS Major Status: "
	  "Authentication Failed GSS Minor Status Error Chain: ... "
	  "globus_gsi_callback_module: The certificate has been revoked: "
	  "Serial number = ...", FCLASS_TRANSIENT },
	{ "Server identity does not match expected identity", PR_ERR_GENERIC,
	  "renewal failed: localhost:33913: authentication: Server "
	  "authorization failed.  Server identity does not match expected "
	  "identity. If the server identity is acceptable, set "
	  "MYPROXY_SERVER_DN=\"/C=XX/O=Test/OU=other/CN=otherhost\" and try "
	  "again.", FCLASS_TRANSIENT },
	{ "No credentials exist for username", PR_ERR_MYPROXY, "renewal "
	  "failed: localhost:7512: ERROR from myproxy-server: No credentials "
	  "exist for username \"/O=Grid/OU=Lab/CN=User Two\".", FCLASS_USER },
	{ "no credentials found for user", PR_ERR_MYPROXY, "ERROR from "
	  "myproxy-server: no credentials found for user /C=XX/O=Test/CN=bob, "
	  "owner \"/C=XX/O=Test/CN=bob\"", FCLASS_USER },
	{ "not authorized by server's authorized_renewers policy",
	  PR_ERR_MYPROXY, "renewal failed: localhost:7512: ERROR from "
	  "myproxy-server: \"/O=Grid/CN=rogue\" not authorized by server's "
	  "authorized_renewers policy", FCLASS_USER },
	{ "no passphrase", PR_ERR_MYPROXY, "renewal failed: localhost:7512: "
	  "ERROR from myproxy-server: no passphrase authentication failed (the "
	  "server did not accept the service certificate as a renewer: is its "
	  "DN in authorized_renewers ...?)", FCLASS_USER },
	{ "invalid credential passphrase", PR_ERR_MYPROXY, "renewal failed: "
	  "localhost:36703: ERROR from myproxy-server: invalid credential "
	  "passphrase", FCLASS_USER },
	{ "certificate subject does not match credential", PR_ERR_MYPROXY,
	  "renewal failed: localhost:7512: ERROR from myproxy-server: "
	  "certificate subject does not match credential to be renewed "
	  "authentication failed", FCLASS_USER },
	{ "certificate has expired", PR_ERR_MYPROXY, "renewal failed: "
	  "localhost:7512: ERROR from myproxy-server: X509_verify_cert() "
	  "failed: certificate has expired", FCLASS_USER },
	{ "certificate revoked", PR_ERR_MYPROXY, "renewal failed: "
	  "localhost:7512: ERROR from myproxy-server: X509_verify_cert() "
	  "failed: certificate revoked", FCLASS_USER },
	{ "new proxy would end earlier", PR_ERR_MYPROXY, "renewal failed: "
	  "localhost:7512: new proxy would end earlier (1800003600) than the "
	  "current one (1800036000)", FCLASS_USER },
	{ "Unable to satisfy", PR_ERR_VOMS, "renewal failed: localhost:7512: "
	  "VOMS testvo: localhost:15001: Unable to satisfy "
	  "B/testvo:production Request!", FCLASS_USER },
	{ "User unknown to this VO", PR_ERR_VOMS, "renewal failed: "
	  "localhost:7512: VOMS testvo: localhost:15001: testvo: User unknown "
	  "to this VO.", FCLASS_USER },
};
#define N_SAMPLES	(sizeof(samples) / sizeof(samples[0]))

/* One row: its sample is decided by that very row, with that class. */
static void
test_row(void **state)
{
	const struct sample *s = *state;
	const struct fclass_rule *r = NULL;

	assert_int_equal(fclass_classify(s->code, s->msg, &r), s->cls);
	assert_non_null(r);
	assert_string_equal(r->text, s->rule);
	assert_true(r->reason != NULL && r->reason[0] != '\0');
}

/* Every row has its sample (a new row needs its test). */
static void
test_every_row_tested(void **state)
{
	const struct fclass_rule *rules;
	unsigned n, i;
	size_t j;

	(void)state;
	rules = fclass_rules(&n);
	assert_int_equal(n, N_SAMPLES);
	for (i = 0; i < n; i++) {
		for (j = 0; j < N_SAMPLES; j++)
			if (strcmp(samples[j].rule, rules[i].text) == 0)
				break;
		assert_true(j < N_SAMPLES);
	}
}

/* Two servers: one down, one without the credential: transient. */
static void
test_several_servers_strongest(void **state)
{
	(void)state;
	assert_int_equal(fclass_classify(PR_ERR_MYPROXY, "renewal failed: "
	    "a:7512: ERROR from myproxy-server: No credentials exist for "
	    "username \"/CN=x\".; b:7512: Unable to connect to b Connection "
	    "refused", NULL), FCLASS_TRANSIENT);
	assert_int_equal(fclass_classify(PR_ERR_MYPROXY, "renewal failed: "
	    "a:7512: Connection refused; b:7512: service key /k: mode 0644",
	    NULL), FCLASS_LOCAL);
}

/* Success has no class; unknown texts are transient; errno fallbacks. */
static void
test_defaults(void **state)
{
	const struct fclass_rule *r = (const void *)1;

	(void)state;
	assert_int_equal(fclass_classify(0, "whatever", &r), FCLASS_NONE);
	assert_null(r);
	assert_int_equal(fclass_classify(PR_ERR_MYPROXY, "something new", &r),
	    FCLASS_TRANSIENT);
	assert_null(r);
	assert_int_equal(fclass_classify(PR_ERR_MYPROXY, NULL, NULL),
	    FCLASS_TRANSIENT);
	assert_int_equal(fclass_classify(ENOSPC, "disk", NULL), FCLASS_LOCAL);
	assert_int_equal(fclass_classify(EROFS, "", NULL), FCLASS_LOCAL);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(fclass_name(FCLASS_NONE), "");
	assert_string_equal(fclass_name(FCLASS_TRANSIENT), "transient");
	assert_string_equal(fclass_name(FCLASS_USER), "needs-user-action");
	assert_string_equal(fclass_name(FCLASS_LOCAL), "local");
	assert_string_equal(fclass_name(FCLASS__COUNT), "");
}

int
main(void)
{
	struct CMUnitTest tests[N_SAMPLES + 4];
	size_t i;

	for (i = 0; i < N_SAMPLES; i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(test_row,
		    (void *)&samples[i]);
		tests[i].name = samples[i].rule;
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_every_row_tested);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(
	    test_several_servers_strongest);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	return _cmocka_run_group_tests("failure_class", tests, i, NULL, NULL);
}
