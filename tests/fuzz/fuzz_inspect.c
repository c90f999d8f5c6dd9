/*
 * fuzz_inspect.c: libFuzzer harness for both sides of the proxy
 * inspector's frames (inspect_wire.h): the master's strict reading of a
 * reply (the inspector parses hostile files, so it is untrusted), and the
 * inspector's reading of a request.
 */
#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "inspect_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cred_info info;
	struct pr_error err, result;
	const char *pem;
	size_t pem_len;
	int64_t now;
	int code;

	if (inspect_reply_parse((const char *)data, size, &code, &result,
	    &info, &err) == 0 && code == 0)
		cred_info_free(&info);
	(void)inspect_request_parse((const char *)data, size, &now, &pem,
	    &pem_len, &err);
	return 0;
}
