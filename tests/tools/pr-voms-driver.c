/*
 * pr-voms-driver.c: test driver for the VOMS code against the real
 * voms-server (tests/integration/lib/voms.sh, voms_renew).
 *
 *   pr-voms-driver info FILE
 *       prints "n_acs N", then per AC "vo V", "uri U", "not_after T",
 *       "fqan F" lines (src/cred/voms_ac.c), exit 0; 1 with the error.
 *   pr-voms-driver renew OLD RENEWED OUT VOMSES VOMSDIR CERTDIR
 *       voms_client_renew_file(): writes the new proxy to OUT (0600) and exits
 *       0; exits 2 when OLD has no AC; 1 with "error CODE: MESSAGE".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "pr_error.h"
#include "proxy_assemble.h"
#include "voms_ac.h"
#include "voms_client.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf = malloc(1024 * 1024 + 1);
	n = buf != NULL ? fread(buf, 1, 1024 * 1024, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static int
info(const char *path)
{
	struct pem_cred c;
	struct voms_ac_list l;
	struct pr_error err;
	char *pem, *p, *nl;
	size_t len;
	int i;

	if ((pem = slurp(path, &len)) == NULL) {
		printf("error %d: cannot read %s\n", errno, path);
		return 1;
	}
	if (pem_cred_load(pem, len, 0, &c, &err) == -1 ||
	    voms_ac_parse_chain(c.cert, c.chain, &l, &err) == -1) {
		printf("error %d: %s\n", err.code, err.msg);
		free(pem);
		return 1;
	}
	printf("n_acs %d\n", l.n_acs);
	for (i = 0; i < l.n_acs; i++) {
		printf("vo %s\nuri %s\nnot_after %lld\n", l.acs[i].vo,
		    l.acs[i].uri, (long long)l.acs[i].not_after);
		for (p = l.acs[i].fqans; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			printf("fqan %.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		}
	}
	voms_ac_list_free(&l);
	pem_cred_free(&c);
	free(pem);
	return 0;
}

static int
renew(char **argv)
{
	struct voms_client_opts o;
	struct pr_error err;
	char *ren, *out = NULL;
	size_t ren_len, out_len = 0;
	int fd, rc;

	memset(&o, 0, sizeof(o));
	o.vomses = argv[3];
	o.vomsdir = argv[4];
	o.certdir = argv[5];
	o.timeout_sec = 10;
	pr_error_clear(&err);
	if ((ren = slurp(argv[1], &ren_len)) == NULL) {
		printf("error %d: cannot read input\n", errno);
		return 1;
	}
	/* the worker's entry point: the old proxy by path */
	rc = voms_client_renew_file(argv[0], ren, ren_len, &o, &out, &out_len,
	    &err);
	free(ren);
	if (rc == -1) {
		printf("error %d: %s\n", err.code, err.msg);
		return 1;
	}
	if (out == NULL)
		return 2;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, out, out_len) != (ssize_t)out_len || close(fd) == -1) {
		printf("error %d: cannot write %s\n", errno, argv[2]);
		free(out);
		return 1;
	}
	free(out);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "info") == 0)
		return info(argv[2]);
	if (argc == 8 && strcmp(argv[1], "renew") == 0)
		return renew(argv + 2);
	fprintf(stderr, "usage: pr-voms-driver info FILE | renew OLD RENEWED OUT "
	    "VOMSES VOMSDIR CERTDIR\n");
	return 64;
}
