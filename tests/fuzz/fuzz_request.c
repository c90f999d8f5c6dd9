/*
 * fuzz_request.c: libFuzzer harness for the daemon's request parsing: the
 * frame header (frame_decode_len) and the strict request parser
 * (request_parse) on whatever follows, as server.c feeds them.
 */
#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "pr_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_request req;
	struct pr_error err;
	size_t len;

	if (size >= FRAME_HEADER_BYTES)
		(void)frame_decode_len(data, PR_FRAME_MAX_BYTES_DEFAULT, &len,
		    &err);
	if (request_parse((const char *)data, size, &req, &err) == 0)
		request_free(&req);
	return 0;
}
