/*
 * pr-renewcore: a program written for gLite's one-shot renewal, using only
 * <glite/security/proxyrenewal/renewal_core.h> and linked only with
 * libproxyrenew (tests 126): proves that such a program renews a proxy
 * with only the library name changed.
 *
 * usage: pr-renewcore [-s SERVER] [-p PORT] [-G VOMS_CONF] [-l] PROXY
 *   -s  MyProxy server, "host" or "host:port" (none: $MYPROXY_SERVER)
 *   -p  port argument (0: default)
 *   -G  ctx->voms_conf
 *   -l  ctx->log_dst = STDOUT (the library prints the failure)
 * Output: "code=N", then "new_proxy=PATH" or "error=<err_message>" (read
 * from the context field and from glite_renewal_core_get_err, which must
 * agree). Exit 0 on success, 1 on failure, 2 for usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glite/security/proxyrenewal/renewal_core.h>

int
main(int argc, char **argv)
{
	glite_renewal_core_context ctx = NULL;
	char *server = NULL, *voms_conf = NULL, *new_proxy = NULL;
	unsigned int port = 0;
	int c, ret, log_stdout = 0;

	while ((c = getopt(argc, argv, "s:p:G:l")) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'p': port = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'G': voms_conf = optarg; break;
		case 'l': log_stdout = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: pr-renewcore [-s SERVER] [-p PORT] "
		    "[-G VOMS_CONF] [-l] PROXY\n");
		return 2;
	}
	if (glite_renewal_core_init_ctx(&ctx) != 0) {
		fprintf(stderr, "glite_renewal_core_init_ctx failed\n");
		return 1;
	}
	ctx->log_dst = log_stdout ? GLITE_RENEWAL_LOG_STDOUT :
	    GLITE_RENEWAL_LOG_NONE;
	ctx->voms_conf = voms_conf;
	ctx->order_attributes = 1;
	ret = glite_renewal_core_renew(ctx, server, port, argv[optind],
	    &new_proxy);
	printf("code=%d\n", ret);
	if (ret == 0) {
		printf("new_proxy=%s\n", new_proxy);
		free(new_proxy);
	} else {
		printf("error=%s\n", ctx->err_message ? ctx->err_message : "");
		if (glite_renewal_core_get_err(ctx) != ctx->err_message)
			printf("get_err disagrees with err_message\n");
	}
	/* the *_err helpers on the caller's side */
	glite_renewal_core_set_err(ctx, "first %d", 1);
	glite_renewal_core_update_err(ctx, "second");
	printf("err_helpers=%s\n", glite_renewal_core_get_err(ctx));
	glite_renewal_core_reset_err(ctx);
	printf("after_reset=%s\n", ctx->err_message == NULL ? "NULL" : "set");
	glite_renewal_core_destroy_ctx(ctx);
	return ret == 0 ? 0 : 1;
}
