/*
 * fuzz_config.c: libFuzzer harness for the configuration file parser
 * (options_parse_text), over the defaults as options_load starts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options o;
	struct pr_error err;

	memset(&o, 0, sizeof(o));
	options_defaults(&o);
	(void)options_parse_text("fuzz.conf", (const char *)data, size, &o,
	    &err);
	options_free(&o);
	return 0;
}
