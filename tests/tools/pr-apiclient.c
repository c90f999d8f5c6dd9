/*
 * pr-apiclient: calls the gLite proxy renewal C API exactly as a gLite job
 * manager would, using only <glite/security/proxyrenewal/renewal.h>; the
 * integration tests use it to prove API compatibility of libproxyrenew.
 *
 * usage: pr-apiclient register FILE SERVER|- PORT JOBID [unique]
 *        pr-apiclient get JOBID
 *        pr-apiclient unregister JOBID [REPOFILE]
 *        pr-apiclient list
 *        pr-apiclient status REPOFILE
 *        pr-apiclient history REPOFILE|- [JOBID]   (ours, not gLite's)
 *        pr-apiclient errtext CODE
 * ("-" for SERVER passes NULL.) The socket is the library's default or
 * $PROXY_RENEWD_SOCKET.
 *
 * Output: first line "code=<return value>"; on failure a second line
 * "error=<edg_wlpr_GetErrorText(code)>"; on success the returned string
 * (repository file, '\n'-separated list preceded by "count=<n>", status
 * text). Exit 0 when the call returned 0, else 1 (2 for usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glite/security/proxyrenewal/renewal.h>

static void
usage(void)
{
	fprintf(stderr, "usage: pr-apiclient register FILE SERVER|- PORT JOBID "
	    "[unique] | get JOBID | unregister JOBID [REPOFILE] | list | "
	    "status REPOFILE | history REPOFILE|- [JOBID] | errtext CODE\n");
	exit(2);
}

static int
report(int code, char *text)
{
	printf("code=%d\n", code);
	if (code != 0) {
		const char *e = edg_wlpr_GetErrorText(code);

		printf("error=%s\n", e != NULL ? e : "(null)");
	} else if (text != NULL) {
		fputs(text, stdout);
		if (*text != '\0' && text[strlen(text) - 1] != '\n')
			putchar('\n');
	}
	free(text);
	return code == 0 ? 0 : 1;
}

static int
do_register(int argc, char **argv)
{
	const char *server;
	char *repo = NULL, *end;
	unsigned long port;
	int flags = 0, code;

	if (argc < 6 || argc > 7)
		usage();
	server = strcmp(argv[3], "-") == 0 ? NULL : argv[3];
	port = strtoul(argv[4], &end, 10);
	if (*end != '\0' || port > 65535)
		usage();
	if (argc == 7) {
		if (strcmp(argv[6], "unique") != 0)
			usage();
		flags |= EDG_WLPR_FLAG_UNIQUE;
	}
	code = glite_renewal_RegisterProxy(argv[2], server, (unsigned int)port,
	    argv[5], flags, &repo);
	return report(code, code == 0 ? repo : NULL);
}

static int
do_list(void)
{
	char *list = NULL;
	int count = -1, code;

	code = edg_wlpr_GetList(&count, &list);
	if (code != 0)
		return report(code, NULL);
	printf("code=0\ncount=%d\n", count);
	if (list != NULL) {
		fputs(list, stdout);
		if (*list != '\0' && list[strlen(list) - 1] != '\n')
			putchar('\n');
	}
	free(list);
	return 0;
}

int
main(int argc, char **argv)
{
	char *out = NULL;
	int code;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "register") == 0)
		return do_register(argc, argv);
	if (strcmp(argv[1], "get") == 0 && argc == 3) {
		code = glite_renewal_GetProxy(argv[2], &out);
		return report(code, code == 0 ? out : NULL);
	}
	if (strcmp(argv[1], "unregister") == 0 && (argc == 3 || argc == 4)) {
		code = glite_renewal_UnregisterProxy(argv[2],
		    argc == 4 ? argv[3] : NULL);
		return report(code, NULL);
	}
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return do_list();
	if (strcmp(argv[1], "status") == 0 && argc == 3) {
		code = edg_wlpr_GetStatus(argv[2], &out);
		return report(code, code == 0 ? out : NULL);
	}
	if (strcmp(argv[1], "history") == 0 && (argc == 3 || argc == 4)) {
		code = edg_wlpr_GetHistory(strcmp(argv[2], "-") == 0 ? NULL :
		    argv[2], argc == 4 ? argv[3] : NULL, &out);
		return report(code, code == 0 ? out : NULL);
	}
	if (strcmp(argv[1], "errtext") == 0 && argc == 3) {
		const char *t = edg_wlpr_GetErrorText(atoi(argv[2]));

		printf("%s\n", t != NULL ? t : "(null)");
		return 0;
	}
	usage();
	return 2;
}
