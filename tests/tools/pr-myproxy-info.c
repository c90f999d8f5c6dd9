/*
 * pr-myproxy-info.c: test driver for myproxy_info() (the MyProxy INFO of
 * the credential watch, src/renew/myproxy_client.c) against a real
 * myproxy-server.
 *
 *   pr-myproxy-info HOST:PORT USERNAME PROXY CADIR
 *       prints "End_time=T", "Start_time=T", "Creds=N", "Owner=DN",
 *       "Renewers=POLICY", exit 0; else "error CODE: MESSAGE" and
 *       "Unreachable=0|1", exit 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "myproxy_client.h"

int
main(int argc, char **argv)
{
	struct renew_server srv;
	struct myproxy_cred_info info;
	struct pr_error err;
	size_t n;
	int unreachable = 0, rc;

	if (argc != 5) {
		(void)fprintf(stderr, "usage: pr-myproxy-info HOST:PORT USERNAME "
		    "PROXY CADIR\n");
		return 2;
	}
	pr_error_clear(&err);
	if (renew_parse_servers(argv[1], &srv, 1, &n, &err) != 0) {
		(void)printf("error %d: %s\n", err.code, err.msg);
		return 2;
	}
	rc = myproxy_info(&srv, argv[2], argv[3], argv[4], 10, &info,
	    &unreachable, &err);
	if (rc != 0) {
		(void)printf("error %d: %s\nUnreachable=%d\n", rc, err.msg,
		    unreachable);
		return 1;
	}
	(void)printf("End_time=%lld\nStart_time=%lld\nCreds=%d\nOwner=%s\n"
	    "Renewers=%s\n", (long long)info.end_time,
	    (long long)info.start_time, info.n_creds, info.owner,
	    info.renewers);
	return 0;
}
