/*
 * cred.h: inspection of proxy credentials with OpenSSL (no Globus here).
 * Used by the master to check what clients register and what workers
 * return. Lower layer: fills struct pr_error, never logs.
 */
#ifndef PR_CRED_H
#define PR_CRED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pr_error.h"

#define CRED_HASH_HEX_LEN 64	/* SHA-256 of the identity, lower-case hex */
#define CRED_CERTS_MAX	32	/* certificates in one proxy file */

struct cred_info {
	char *subject;		/* subject of the first (proxy) certificate, "/C=../CN=.." */
	char *identity;		/* base subject: end-entity subject, proxy CNs stripped */
	char identity_hash[CRED_HASH_HEX_LEN + 1];	/* file name prefix */
	int64_t not_before;	/* of the first certificate, Unix time */
	int64_t not_after;	/* earliest notAfter of all certificates in the file */
	int64_t ac_not_after;	/* earliest VOMS AC notAfter; 0 when no AC */
	char *fqans;		/* VOMS FQANs in order, '\n'-separated; "" when none
				   (as in the AC, e.g. "/vo/Role=NULL/Capability=NULL") */
	int n_certs;		/* certificates in the file */
	int is_legacy;		/* first cert is a legacy Globus proxy (CN=proxy/limited proxy) */
};

/*
 * Read a proxy file safely: O_NOFOLLOW|O_CLOEXEC, fstat on the open fd must
 * show a regular file of at most max_bytes. *buf is NUL-terminated, caller
 * frees. Errors: errno codes (ENOENT, EACCES, ELOOP for a symlink, EFBIG,
 * EINVAL not regular) with err.msg naming the path.
 */
int cred_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
    struct pr_error *err);

/*
 * Inspect a PEM proxy: it must hold a certificate, its private key and (for a
 * proxy) the issuing chain; the key must match the first certificate; it must
 * not be expired at `now`. Fills *info (free with cred_info_free).
 * Errors: PR_ERR_SSL (unparsable, no key, key mismatch, no chain, a proxy
 * not signed by the next certificate), PR_ERR_EXPIRED, PR_ERR_VOMS (a VOMS
 * AC extension that cannot be parsed), ENOMEM; err.msg says which.
 * VOMS ACs are parsed, not verified, and their expiry is not checked here:
 * see cred_expiry. PEM order may be cert, key, chain (grid-proxy-init) or
 * any order keeping the certificates leaf first.
 */
struct cred_decoder;

int cred_inspect(const char *pem, size_t len, time_t now, struct cred_info *info,
    struct pr_error *err);

/*
 * OpenSSL key decoders made once (OpenSSL 3 otherwise builds one per key
 * read, most of the cost of an inspection): worth it from the second
 * inspection on. Not thread-safe: one per thread. NULL when OpenSSL
 * cannot make one.
 */
struct cred_decoder *cred_decoder_new(void);
void cred_decoder_free(struct cred_decoder *dec);

/* cred_inspect with the decoder dec (the daemon keeps one); NULL: a fresh one. */
int cred_inspect_with(struct cred_decoder *dec, const char *pem, size_t len,
    time_t now, struct cred_info *info, struct pr_error *err);

/*
 * cred_inspect_with remembering the last successful inspections by the
 * SHA-256 of the PEM text (cred_memo.c): the same bytes are not parsed
 * again, only their expiry is checked against now. Not thread-safe.
 * m NULL: cred_inspect.
 */
struct cred_memo;
struct cred_memo *cred_memo_new(void);
void cred_memo_free(struct cred_memo *m);
int cred_inspect_memo(struct cred_memo *m, const char *pem, size_t len,
    time_t now, struct cred_info *info, struct pr_error *err);
/* Its decoder, for inspections not worth remembering (m NULL: NULL). */
struct cred_decoder *cred_memo_decoder(struct cred_memo *m);

/*
 * Its halves, for an inspection made elsewhere (the daemon's inspector
 * process): cred_memo_find gives the remembered inspection of these bytes
 * (0, or the expiry error) or CRED_MEMO_MISS, and fills *key, their
 * digest, so that the bytes are hashed once: cred_memo_keep remembers a
 * successful inspection under it, cred_memo_inspect parses here (with the
 * memo's decoder) and keeps a success.
 */
#define CRED_MEMO_MISS	(-1)
struct cred_memo_key {
	unsigned char md[32];	/* SHA-256 of the PEM text */
	int ok;			/* 0: no digest (nothing is kept) */
};
int cred_memo_find(struct cred_memo *m, const char *pem, size_t len,
    time_t now, struct cred_memo_key *key, struct cred_info *info,
    struct pr_error *err);
void cred_memo_keep(struct cred_memo *m, const struct cred_memo_key *key,
    const struct cred_info *info);
int cred_memo_inspect(struct cred_memo *m, const struct cred_memo_key *key,
    const char *pem, size_t len, time_t now, struct cred_info *info,
    struct pr_error *err);

/*
 * cred_read_file + cred_inspect, with the path in err.msg
 * ("proxy /path: private key does not match certificate"). The buffer that
 * held the key is cleansed before it is freed.
 */
int cred_inspect_file(const char *path, size_t max_bytes, time_t now,
    struct cred_info *info, struct pr_error *err);

/* The earliest of not_after and ac_not_after (when there is an AC). */
int64_t cred_expiry(const struct cred_info *info);

void cred_info_free(struct cred_info *info);

#endif /* PR_CRED_H */
