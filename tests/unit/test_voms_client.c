/*
 * test_voms_client.c: the VOMS client logic (src/renew/voms_client.c)
 * with the VOMS C API replaced by stubs defined here: FQAN → request
 * translation, the request for a whole AC, server order (AC URI first,
 * then vomses, each once), failover and the error of every server tried,
 * the "cannot connect" diagnosis (a real refused connect on loopback), and
 * the cool-down: failed servers reported once as "voms:host:port" (the
 * refused one unreachable), skipped servers not contacted unless all of
 * the VO's servers are cooling.
 * The real server is exercised by the voms integration tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "cred/voms_ac.c"
#include "renew/proxy_assemble.c"
#include "renew/voms_client.c"

/* ---- stubs of the VOMS C API ---- */

/* voms_server_errors.cc (libvomsapi's C++ API): no server text here */
void
voms_server_errors(void *real, char *buf, size_t size)
{
	(void)real;
	if (size > 0)
		buf[0] = '\0';
}

static int stub_fail_port[4];		/* ports whose contact fails */
static int stub_fail_code = VERR_SERVERCODE;
static char stub_orders[512];		/* orders given, ','-joined */
static char stub_contacted[256];	/* "host:port " per contact */
static char stub_vomses_path[256];

struct vomsdata *
VOMS_Init(char *voms, char *cert)
{
	(void)voms;
	(void)cert;
	return calloc(1, sizeof(struct vomsdata));
}

void
VOMS_Destroy(struct vomsdata *vd)
{
	free(vd);
}

int
VOMS_LoadCredentials(X509 *cert, EVP_PKEY *pkey, STACK_OF(X509) *chain,
    struct vomsdata *vd, int *error)
{
	(void)cert, (void)pkey, (void)chain, (void)vd, (void)error;
	return 1;
}

int
VOMS_SetLifetime(int length, struct vomsdata *vd, int *error)
{
	(void)vd, (void)error;
	return length > 0;
}

int
VOMS_SetTimeout(int t, struct vomsdata *vd, int *error)
{
	(void)vd, (void)error;
	return t > 0;
}

int
VOMS_Ordering(char *order, struct vomsdata *vd, int *error)
{
	size_t n = strlen(stub_orders);

	(void)vd, (void)error;
	(void)snprintf(stub_orders + n, sizeof(stub_orders) - n, "%s%s",
	    n > 0 ? "," : "", order);
	return 1;
}

int
VOMS_ContactRaw(char *hostname, int port, char *servsubject, char *command,
    void **data, int *datalen, int *version, struct vomsdata *vd, int *error)
{
	size_t n = strlen(stub_contacted), i;

	(void)servsubject, (void)vd;
	(void)snprintf(stub_contacted + n, sizeof(stub_contacted) - n, "%s:%d ",
	    hostname, port);
	for (i = 0; i < 4; i++)
		if (stub_fail_port[i] == port) {
			*error = stub_fail_code;
			return 0;
		}
	*data = strdup(command);	/* echo the request as the "AC" */
	*datalen = (int)strlen(command);
	*version = 1;
	return 1;
}

char *
VOMS_ErrorMessage(struct vomsdata *vd, int error, char *buffer, int len)
{
	(void)vd;
	(void)snprintf(buffer, (size_t)len, "stub error %d", error);
	return buffer;
}

struct contactdata **
VOMS_FindByVO(struct vomsdata *vd, char *vo, char *system, char *user,
    int *error)
{
	static const char *hosts[] = { "localhost", "other" };
	static const int ports[] = { 1111, 2222 };
	static const char *dns[] = { "/CN=one", "/CN=two" };
	struct contactdata **cd;
	int i;

	(void)vd, (void)user, (void)error;
	(void)snprintf(stub_vomses_path, sizeof(stub_vomses_path), "%s", system);
	if (strcmp(vo, "testvo") != 0)
		return NULL;
	cd = calloc(3, sizeof(*cd));
	for (i = 0; i < 2; i++) {
		cd[i] = calloc(1, sizeof(**cd));
		cd[i]->nick = strdup(vo);
		cd[i]->host = strdup(hosts[i]);
		cd[i]->contact = strdup(dns[i]);
		cd[i]->vo = strdup(vo);
		cd[i]->port = ports[i];
	}
	return cd;
}

void
VOMS_DeleteContacts(struct contactdata **list)
{
	int i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

int
VOMS_Retrieve(X509 *cert, STACK_OF(X509) *chain, int how, struct vomsdata *vd,
    int *error)
{
	(void)cert, (void)chain, (void)how, (void)vd;
	*error = VERR_SIGN;
	return 0;
}

/* ---- tests ---- */

static void
reset_stubs(void)
{
	memset(stub_fail_port, 0, sizeof(stub_fail_port));
	stub_fail_code = VERR_SERVERCODE;
	stub_orders[0] = stub_contacted[0] = stub_vomses_path[0] = '\0';
}

static void
test_fqan_request(void **state)
{
	static const struct {
		const char *fqan, *cmd, *order;
	} ok[] = {
		{ "/testvo/Role=production/Capability=NULL", "B/testvo:production", "/testvo:production" },
		{ "/testvo/sub/Role=NULL/Capability=NULL", "G/testvo/sub", "/testvo/sub" },
		{ "/testvo/Role=NULL/Capability=NULL", "G/testvo", "/testvo" },
		{ "/testvo/sub", "G/testvo/sub", "/testvo/sub" },
		{ "/testvo/a/b/Role=admin", "B/testvo/a/b:admin", "/testvo/a/b:admin" },
	};
	static const char *bad[] = {
		"", "/", "testvo", "/testvo/Role=", "/testvo,/x", "/testvo:x",
		"/test vo", "/testvo/Role=a/b", "/testvo/Role=a/Capability=NULL/x\n",
		"/Role=x",
	};
	char cmd[64], order[64], small[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(voms_client_fqan_request(ok[i].fqan, cmd,
		    sizeof(cmd), order, sizeof(order)), 0);
		assert_string_equal(cmd, ok[i].cmd);
		assert_string_equal(order, ok[i].order);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(voms_client_fqan_request(bad[i], cmd,
		    sizeof(cmd), order, sizeof(order)), -1);
	assert_int_equal(voms_client_fqan_request(ok[0].fqan, small,
	    sizeof(small), order, sizeof(order)), -1);
}

static struct voms_ac
make_ac(const char *uri, const char *fqans)
{
	struct voms_ac ac;

	memset(&ac, 0, sizeof(ac));
	ac.vo = (char *)"testvo";
	ac.uri = (char *)uri;
	ac.fqans = (char *)fqans;
	return ac;
}

static void
test_build_request(void **state)
{
	struct voms_ac ac = make_ac("localhost:1111",
	    "/testvo/sub/Role=NULL/Capability=NULL\n"
	    "/testvo/Role=production/Capability=NULL\n"
	    "/testvo/Role=NULL/Capability=NULL");
	struct voms_request req;
	struct pr_error err;

	(void)state;
	assert_int_equal(build_request(&ac, &req, &err), 0);
	assert_string_equal(req.cmd, "G/testvo/sub,B/testvo:production,G/testvo");
	assert_int_equal(req.n_orders, 3);
	assert_string_equal(req.orders[1], "/testvo:production");
	ac.fqans = (char *)"/testvo\nnot-an-fqan";
	assert_int_equal(build_request(&ac, &req, &err), -1);
	assert_int_equal(err.code, PR_ERR_VOMS);
}

static void
test_servers(void **state)
{
	struct voms_ac ac = make_ac("localhost:1111", "/testvo");
	struct voms_client_opts o;
	struct voms_server srv[VOMS_CLIENT_SERVERS_MAX];
	int n;

	(void)state;
	reset_stubs();
	memset(&o, 0, sizeof(o));
	o.vomses = "/some/vomses";
	memset(srv, 0, sizeof(srv));
	n = servers_for(&ac, &o, srv);
	assert_int_equal(n, 2);
	assert_string_equal(stub_vomses_path, "/some/vomses");
	assert_string_equal(srv[0].host, "localhost");
	assert_int_equal(srv[0].port, 1111);
	assert_string_equal(srv[0].dn, "/CN=one");	/* learnt from vomses */
	assert_string_equal(srv[1].host, "other");
	assert_int_equal(srv[1].port, 2222);

	ac.uri = (char *)"third:3333";		/* URI first, then vomses */
	memset(srv, 0, sizeof(srv));
	n = servers_for(&ac, &o, srv);
	assert_int_equal(n, 3);
	assert_string_equal(srv[0].host, "third");
	assert_string_equal(srv[0].dn, "");
	ac.uri = (char *)"noport";		/* unusable URI: vomses only */
	memset(srv, 0, sizeof(srv));
	assert_int_equal(servers_for(&ac, &o, srv), 2);
}

static void
test_failover(void **state)
{
	struct voms_ac ac = make_ac("localhost:1111",
	    "/testvo/Role=production/Capability=NULL\n/testvo/sub");
	struct voms_client_opts o;
	struct pem_cred cred;
	struct pr_error err;
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	reset_stubs();
	memset(&o, 0, sizeof(o));
	memset(&cred, 0, sizeof(cred));
	o.vomses = "/v";
	stub_fail_port[0] = 1111;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), 0);
	assert_string_equal(stub_contacted, "localhost:1111 other:2222 ");
	assert_int_equal(len, strlen("B/testvo:production,G/testvo/sub"));
	assert_memory_equal(der, "B/testvo:production,G/testvo/sub", len);
	assert_string_equal(stub_orders,
	    "/testvo:production,/testvo/sub,/testvo:production,/testvo/sub");
	free(der);

	reset_stubs();
	stub_fail_port[0] = 1111;
	stub_fail_port[1] = 2222;
	der = NULL;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), -1);
	assert_null(der);
	assert_int_equal(err.code, PR_ERR_VOMS);
	assert_string_equal(err.msg, "VOMS testvo: localhost:1111: stub error 20; "
	    "other:2222: stub error 20");
}

/* A refused connection is named as such, not as an SSL handshake error. */
static void
test_unreachable(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char uri[64], why[200];
	struct voms_ac ac;
	struct voms_client_opts o;
	struct pem_cred cred;
	struct pr_error err;
	struct renew_server_error se;
	unsigned char *der = NULL;
	size_t len, n_se = 0;
	int fd, port;

	(void)state;
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd);				/* now nobody listens there */

	assert_int_equal(probe_connect("127.0.0.1", port, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "cannot connect: Connection refused");

	reset_stubs();
	stub_fail_port[0] = port;
	stub_fail_code = VERR_COMM;
	(void)snprintf(uri, sizeof(uri), "127.0.0.1:%d", port);
	ac = make_ac(uri, "/othervo");
	ac.vo = (char *)"othervo";		/* no vomses entry */
	memset(&o, 0, sizeof(o));
	memset(&cred, 0, sizeof(cred));
	o.vomses = "/v";
	o.errors = &se;
	o.errors_max = 1;
	o.n_errors = &n_se;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), -1);
	assert_non_null(strstr(err.msg, "cannot connect: Connection refused"));
	assert_int_equal(err.code, PR_ERR_VOMS);
	assert_int_equal(n_se, 1);		/* a cool-down candidate */
	(void)snprintf(why, sizeof(why), "voms:%s", uri);
	assert_string_equal(se.server, why);
	assert_int_equal(se.is_unreachable, 1);
}

/* Skip= "voms:host:port": passed over unless every server of the VO is. */
static void
test_cooldown(void **state)
{
	const char *skip1[] = { "1.2.3.4:1111", "voms:localhost:1111" };
	const char *skip2[] = { "voms:other:2222", "voms:localhost:1111" };
	struct voms_ac ac = make_ac("localhost:1111", "/testvo/sub");
	struct renew_server_error errs[2];
	struct voms_client_opts o;
	struct pem_cred cred;
	struct pr_error err;
	unsigned char *der = NULL;
	size_t len = 0, n_errs = 0;

	(void)state;
	reset_stubs();
	memset(&o, 0, sizeof(o));
	memset(&cred, 0, sizeof(cred));
	memset(errs, 0, sizeof(errs));
	o.vomses = "/v";
	o.errors = errs;
	o.errors_max = 2;
	o.n_errors = &n_errs;
	/* no skip: the failed one is reported (not unreachable: a refusal) */
	stub_fail_port[0] = 1111;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), 0);
	free(der);
	assert_string_equal(stub_contacted, "localhost:1111 other:2222 ");
	assert_int_equal(n_errs, 1);
	assert_string_equal(errs[0].server, "voms:localhost:1111");
	assert_string_equal(errs[0].msg, "stub error 20");
	assert_int_equal(errs[0].code, PR_ERR_VOMS);
	assert_int_equal(errs[0].is_unreachable, 0);
	/* localhost:1111 cooling (the MyProxy-style name is not it) */
	reset_stubs();
	o.skip = skip1;
	o.n_skip = 1;
	der = NULL;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), 0);
	free(der);
	assert_string_equal(stub_contacted, "localhost:1111 ");
	o.n_skip = 2;
	reset_stubs();
	stub_fail_port[0] = 2222;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), -1);
	assert_string_equal(stub_contacted, "other:2222 ");
	assert_string_equal(err.msg, "VOMS testvo: other:2222: stub error 20 "
	    "(1 server(s) cooling down, not tried)");
	assert_int_equal(n_errs, 2);		/* each server once */
	assert_string_equal(errs[1].server, "voms:other:2222");
	/* all of the VO cooling: all tried, in order */
	reset_stubs();
	o.skip = skip2;
	stub_fail_port[0] = 1111;
	assert_int_equal(fetch_ac(&ac, &cred, &o, 3600, &der, &len, &err), 0);
	free(der);
	assert_string_equal(stub_contacted, "localhost:1111 other:2222 ");
	assert_int_equal(n_errs, 2);		/* no room, no duplicate */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fqan_request),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_cooldown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
