/*
 * keygen_child.c: the key generator, `proxy-renewd --keygen-child BITS`,
 * started by the master (keygen.c), never by hand. Plain OpenSSL.
 *
 * Protocol: each byte the master writes on our stdin asks for one key; we
 * answer on stdout with one frame (frame_io.h: 4-byte length, then an
 * unencrypted PEM RSA private key). EOF on stdin: the master is gone or
 * wants no more: exit 0.
 *
 * Rules:
 *  (1) Lowest CPU priority before the first key: SCHED_IDLE (the kernel
 *      runs us only when nothing else wants the CPU, renewal workers
 *      included) and nice 19; without SCHED_IDLE we refuse to run.
 *  (2) Not dumpable, no core, no new privileges, SIGKILL when the master
 *      dies; Landlock (confine.h): read-only system files, nothing of the
 *      repository, no writes; no files beyond stdin, stdout, stderr.
 *  (3) A key's text is cleansed once it is written to the master.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "frame_io.h"
#include "helper.h"
#include "keygen.h"

/* Rule (1), then the narrowing of every helper (rule 2, helper.h). */
static int
keygen_narrow(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (sched_setscheduler(0, SCHED_IDLE, &sp) == -1 ||
	    setpriority(PRIO_PROCESS, 0, 19) == -1) {
		fprintf(stderr, "proxy-renewd key generator: %s\n",
		    strerror(errno));
		return -1;
	}
	return helper_narrow("proxy-renewd key generator");
}

/* One key, one frame on stdout (rule 3). */
static int
keygen_one(int bits)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	BIO *b = BIO_new(BIO_s_mem());
	unsigned char hdr[FRAME_HEADER_BYTES];
	char *pem;
	long n = 0;
	int rc = -1;

	if (key != NULL && b != NULL && PEM_write_bio_PrivateKey_traditional(b,
	    key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (n = BIO_get_mem_data(b, &pem)) > 0 && n <= KEYGEN_KEY_MAX_BYTES) {
		frame_encode_len((uint32_t)n, hdr);
		rc = helper_write_all(1, hdr, sizeof(hdr)) == 0 &&
		    helper_write_all(1, pem, (size_t)n) == 0 ? 0 : -1;
		OPENSSL_cleanse(pem, (size_t)n);
	}
	BIO_free(b);
	EVP_PKEY_free(key);
	return rc;
}

int
keygen_child_main(const char *bits_arg)
{
	char *end;
	long bits = strtol(bits_arg, &end, 10);
	char c;
	ssize_t r;

	if (*end != '\0' || bits < KEYGEN_BITS_MIN || bits > KEYGEN_BITS_MAX) {
		fprintf(stderr, "proxy-renewd key generator: bad bits %s\n",
		    bits_arg);
		return 2;
	}
	if (keygen_narrow() != 0)
		return 1;
	for (;;) {
		while ((r = read(0, &c, 1)) == -1 && errno == EINTR)
			;
		if (r != 1)
			return 0;	/* the master is gone */
		if (keygen_one((int)bits) != 0)
			return 1;
	}
}
