/*
 * new_key.c: WORKER: a key made ahead becomes a certificate request
 * (new_key.h). Invariants:
 *  1. Every buffer that held the key is wiped before it is freed.
 *  2. The request holds the public key only; it is the one thing written
 *     anywhere (a memfd, never a file system).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "new_key.h"
#include "small_file.h"

/* All of fd up to EOF into buf (NUL-terminated); fd is closed. */
static int
read_key(int fd, char *buf, size_t size, size_t *len, struct pr_error *err)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(fd, buf + *len, size - 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len == size - 1)
			break;
	}
	(void)close(fd);
	buf[*len] = '\0';
	if (n == -1)
		return pr_error_set(err, errno, "new key (fd %d): read: %s",
		    RENEW_NEW_KEY_FD, strerror(errno));
	if (*len == size - 1)
		return pr_error_set(err, EFBIG, "new key (fd %d): more than "
		    "%d bytes", RENEW_NEW_KEY_FD, RENEW_NEW_KEY_MAX_BYTES);
	return 0;
}

static EVP_PKEY *
parse_key(const char *pem, size_t len, struct pr_error *err)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL,
	    (void *)"") : NULL;

	BIO_free(b);
	if (key == NULL)
		(void)pr_error_set(err, PR_ERR_SSL, "new key (fd %d): not an "
		    "unencrypted PEM private key", RENEW_NEW_KEY_FD);
	else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(key) < 1024) {
		(void)pr_error_set(err, PR_ERR_SSL, "new key (fd %d): not an "
		    "RSA key of 1024 bits or more", RENEW_NEW_KEY_FD);
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

/* PEM of the key as MyProxy writes its own ("RSA PRIVATE KEY"). */
static int
key_text(EVP_PKEY *key, struct new_key *k, struct pr_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (b == NULL || PEM_write_bio_PrivateKey_traditional(b, key, NULL,
	    NULL, 0, NULL, NULL) != 1 || (n = BIO_get_mem_data(b, &p)) <= 0 ||
	    (k->key_pem = malloc((size_t)n + 1)) == NULL) {
		BIO_free(b);
		return pr_error_set(err, PR_ERR_SSL, "new key: cannot encode");
	}
	memcpy(k->key_pem, p, (size_t)n);
	k->key_pem[n] = '\0';
	OPENSSL_cleanse(p, (size_t)n);
	BIO_free(b);
	k->nk.key_pem = k->key_pem;
	k->nk.key_len = (size_t)n;
	return 0;
}

/* The request (public key, signed with the key) into a memfd. */
static int
write_request(EVP_PKEY *key, struct new_key *k, struct pr_error *err)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = NULL;
	char *p;
	long n;
	int rc = PR_ERR_SSL;

	if (req != NULL && X509_REQ_set_version(req, 0) == 1 &&
	    X509_REQ_set_pubkey(req, key) == 1 &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0 &&
	    (b = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_X509_REQ(b, req) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		rc = 0;
	X509_REQ_free(req);
	if (rc != 0) {
		BIO_free(b);
		return pr_error_set(err, rc, "new key: cannot make the "
		    "certificate request");
	}
	if ((k->csr_fd = memfd_create("certreq", MFD_CLOEXEC)) == -1 ||
	    write(k->csr_fd, p, (size_t)n) != (ssize_t)n)
		rc = pr_error_set(err, errno, "new key: certificate request: "
		    "%s", strerror(errno));
	BIO_free(b);
	(void)snprintf(k->path, sizeof(k->path), "/proc/self/fd/%d",
	    k->csr_fd);
	k->nk.certreq_path = k->path;
	return rc;
}

int
new_key_take(int fd, struct new_key *k, struct pr_error *err)
{
	char buf[RENEW_NEW_KEY_MAX_BYTES + 1];
	EVP_PKEY *key = NULL;
	size_t len;
	int rc;

	memset(k, 0, sizeof(*k));
	k->csr_fd = -1;
	if ((rc = read_key(fd, buf, sizeof(buf), &len, err)) == 0 &&
	    (key = parse_key(buf, len, err)) == NULL)
		rc = err->code;
	explicit_bzero(buf, sizeof(buf));
	if (rc == 0 && (rc = key_text(key, k, err)) == 0)
		rc = write_request(key, k, err);
	EVP_PKEY_free(key);
	return rc;
}

void
new_key_free(struct new_key *k)
{
	if (k->key_pem != NULL)
		wipe_free(k->key_pem, k->nk.key_len);
	k->key_pem = NULL;
	if (k->csr_fd >= 0)
		(void)close(k->csr_fd);
	k->csr_fd = -1;
}
