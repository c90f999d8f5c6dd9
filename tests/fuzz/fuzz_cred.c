/*
 * fuzz_cred.c: libFuzzer harness for the proxy PEM inspector
 * (cred_inspect: certificates, key match, chain, VOMS ACs, identity).
 */
#include <stddef.h>
#include <stdint.h>

#include "cred.h"

#define FUZZ_NOW	1795465451	/* inside the seeds' validity */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cred_info info;
	struct pr_error err;

	if (cred_inspect((const char *)data, size, FUZZ_NOW, &info, &err) == 0)
		cred_info_free(&info);
	return 0;
}
