/*
 * fuzz_result.c: libFuzzer harness for the master's strict reading of a
 * renewal worker's result (renew_result_parse): the worker is untrusted.
 */
#include <stddef.h>
#include <stdint.h>

#include "renew_contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct renew_result res;
	struct pr_error err;

	(void)renew_result_parse((const char *)data, size, &res, &err);
	return 0;
}
