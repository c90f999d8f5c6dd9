/*
 * svc_cred.c: the service ("host") credential the daemon presents to
 * MyProxy: default paths and the start-up / per-worker usability check.
 *
 * Why check the key mode ourselves: the Globus GSI libraries skip a key
 * file that group or others can access without saying so; the MyProxy
 * server then only sees an anonymous client and answers with a misleading
 * passphrase error. We refuse such a key with a message that names the fix.
 * OpenSSL only; no Globus, no logging.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pr_limits.h"
#include "renew_contract.h"
#include "renew_util.h"
#include "small_file.h"

#define SVC_FILE_MAX_BYTES (256 * 1024)

void
renew_service_cred_defaults(struct service_cred *svc)
{
	const char *e;

	if (svc->cert == NULL)
		svc->cert = (e = getenv("X509_USER_CERT")) != NULL && *e != '\0' ?
		    e : RENEW_DEFAULT_CERT;
	if (svc->key == NULL)
		svc->key = (e = getenv("X509_USER_KEY")) != NULL && *e != '\0' ?
		    e : RENEW_DEFAULT_KEY;
	if (svc->cadir == NULL)
		svc->cadir = (e = getenv("X509_CERT_DIR")) != NULL && *e != '\0' ?
		    e : RENEW_DEFAULT_CADIR;
}

/* Read a service file (small_file_read); is_key adds owner and mode checks. */
static int
read_svc_file(const char *what, const char *path, int is_key, char **out,
    size_t *out_len, struct pr_error *err)
{
	struct stat st;
	int rc;

	rc = small_file_read(what, path, SVC_FILE_MAX_BYTES, out, out_len, &st,
	    err);
	if (rc != 0 || !is_key)
		return rc;
	if (st.st_uid != geteuid())
		rc = pr_error_set(err, EACCES, "service key %s: owned by uid "
		    "%u, not by us (uid %u)", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
	else if ((st.st_mode & 077) != 0)
		rc = pr_error_set(err, EACCES, "service key %s: mode %04o is "
		    "accessible by group or others; the Globus libraries "
		    "silently ignore such a key (MyProxy would then see no "
		    "credential): chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	if (rc != 0) {
		wipe_free(*out, *out_len);
		*out = NULL;
		*out_len = 0;
	}
	return rc;
}

static int
check_cert_key(const char *cert_path, const char *key_path, X509 *cert,
    EVP_PKEY *key, time_t now, struct pr_error *err)
{
	char name[512];

	if (X509_check_private_key(cert, key) != 1)
		return pr_error_set(err, PR_ERR_SSL, "service key %s does not "
		    "match certificate %s", key_path, cert_path);
	if (X509_cmp_time(X509_get0_notAfter(cert), &now) <= 0) {
		(void)X509_NAME_oneline(X509_get_subject_name(cert), name,
		    sizeof(name));
		return pr_error_set(err, PR_ERR_EXPIRED, "service certificate "
		    "%s (%s) has expired", cert_path, name);
	}
	if (X509_cmp_time(X509_get0_notBefore(cert), &now) > 0)
		return pr_error_set(err, PR_ERR_SSL, "service certificate %s "
		    "is not valid yet", cert_path);
	return 0;
}

int
renew_check_service_cred(const struct service_cred *svc, time_t now,
    struct pr_error *err)
{
	BIO *cbio = NULL, *kbio = NULL;
	char *cbuf = NULL, *kbuf = NULL;
	size_t clen = 0, klen = 0;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	struct stat st;
	int rc;

	if ((rc = read_svc_file("service certificate", svc->cert, 0, &cbuf,
	    &clen, err)) != 0 ||
	    (rc = read_svc_file("service key", svc->key, 1, &kbuf, &klen,
	    err)) != 0)
		goto done;
	if ((cbio = BIO_new_mem_buf(cbuf, (int)clen)) == NULL ||
	    (kbio = BIO_new_mem_buf(kbuf, (int)klen)) == NULL) {
		rc = pr_error_set(err, ENOMEM, "service credential: out of "
		    "memory");
		goto done;
	}
	if ((cert = PEM_read_bio_X509(cbio, NULL, NULL, NULL)) == NULL) {
		rc = pr_error_set(err, PR_ERR_SSL, "service certificate %s: "
		    "no PEM certificate", svc->cert);
		goto done;
	}
	/* an empty passphrase callback: an encrypted key fails here */
	if ((key = PEM_read_bio_PrivateKey(kbio, NULL, NULL, "")) == NULL) {
		rc = pr_error_set(err, PR_ERR_SSL, "service key %s: no "
		    "unencrypted PEM private key", svc->key);
		goto done;
	}
	if ((rc = check_cert_key(svc->cert, svc->key, cert, key, now, err)) != 0)
		goto done;
	if (svc->cadir != NULL && (stat(svc->cadir, &st) == -1 ||
	    !S_ISDIR(st.st_mode)))
		rc = pr_error_set(err, ENOENT, "CA directory %s: not a "
		    "directory", svc->cadir);
done:
	ERR_clear_error();
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(cbio);
	BIO_free(kbio);
	wipe_free(cbuf, clen);
	wipe_free(kbuf, klen);
	return rc;
}

int
renew_service_dn(const char *cert_path, char *dn, size_t size,
    struct pr_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509 *cert = NULL;
	int rc;

	dn[0] = '\0';
	if ((rc = read_svc_file("service certificate", cert_path, 0, &buf,
	    &len, err)) != 0)
		return rc;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		rc = pr_error_set(err, PR_ERR_SSL, "service certificate %s: "
		    "no PEM certificate", cert_path);
	else
		(void)X509_NAME_oneline(X509_get_subject_name(cert), dn,
		    (int)size);
	ERR_clear_error();
	X509_free(cert);
	BIO_free(bio);
	free(buf);
	return rc;
}
