/*
 * renew_util.h: small helpers shared by the files of pr_renew (renew.c,
 * svc_cred.c, wire.c). Private to src/renew: not part of the contract
 * headers. Defined in renew_contract.c.
 */
#ifndef PR_RENEW_UTIL_H
#define PR_RENEW_UTIL_H

#include <stddef.h>

/* snprintf into a fixed field; truncation of messages is acceptable. */
void	renew_fmt_field(char *dst, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

struct renew_result;
/* One failed server in res->errors (at most RENEW_SERVERS_MAX). */
void	renew_note_failure(struct renew_result *res, const char *server,
	    int rc, int unreachable, const char *msg);

/* res->code and res->msg from res->errors: "WHAT failed: srv: text; ...". */
void	renew_summarize_failure(struct renew_result *res, const char *what,
	    int n_skipped);

struct renew_server;
/*
 * pass[i] = 1 for each of the n_srv servers named in skip (cooling down),
 * unless that is every one of them: then none is passed over, all are
 * tried rather than none. Returns how many are passed over.
 */
size_t	renew_pass_over(const struct renew_server *srv, size_t n_srv,
	    const char *const *skip, size_t n_skip, unsigned char *pass);

#endif /* PR_RENEW_UTIL_H */
