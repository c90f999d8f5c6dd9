/*
 * new_key.h: WORKER: the new proxy's key when the parent made it ahead
 * (New_key_fd=1, the daemon's key pool): read from a descriptor, turned
 * into the certificate request MyProxy signs (myproxy_request_cert takes a
 * file name: the request goes into a memfd, named /proc/self/fd/N, which
 * the worker's Landlock rules let it read), and the key in the PEM form
 * MyProxy's own delegation writes. Plain OpenSSL; no Globus.
 * Lower layer: fills struct pr_error, never logs.
 */
#ifndef PR_NEW_KEY_H
#define PR_NEW_KEY_H

#include "renew_engine.h"

struct new_key {
	struct renew_new_key nk;	/* what renew_run() gets */
	char path[32];			/* /proc/self/fd/N of the request */
	int csr_fd;			/* the memfd; -1 none */
	char *key_pem;			/* nk.key_pem, wiped at the end */
};

/*
 * Read one unencrypted PEM private key (RSA, at least 1024 bits) from fd
 * (at most RENEW_NEW_KEY_MAX_BYTES, then EOF) and close fd; make the
 * certificate request. 0, or PR_ERR_SSL / an errno with err.msg. Free
 * with new_key_free() either way.
 */
int new_key_take(int fd, struct new_key *k, struct pr_error *err);

void new_key_free(struct new_key *k);

#endif /* PR_NEW_KEY_H */
