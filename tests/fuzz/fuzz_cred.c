/*
 * fuzz_cred.c: libFuzzer harness for the proxy PEM inspector
 * (cred_inspect: certificates, key match, chain, VOMS ACs, identity).
 *
 * Differential: each input is inspected with a kept decoder (certificates
 * parsed without their keys, the daemon's and the inspector's way) and
 * with a one-call decoder (OpenSSL decodes every certificate's key as
 * usual); the two must agree on the code and, on success, the identity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"

#define FUZZ_NOW	1795465451	/* inside the seeds' validity */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cred_decoder *kept;
	struct cred_info a, b;
	struct pr_error err;
	int ra, rb;

	if (kept == NULL && (kept = cred_decoder_new()) == NULL)
		abort();
	ra = cred_inspect_with(kept, (const char *)data, size, FUZZ_NOW, &a,
	    &err);
	rb = cred_inspect((const char *)data, size, FUZZ_NOW, &b, &err);
	if (ra != rb || (ra == 0 && strcmp(a.identity, b.identity) != 0))
		abort();	/* the two ways of parsing disagree */
	cred_info_free(&a);
	cred_info_free(&b);
	return 0;
}
