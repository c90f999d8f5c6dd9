/*
 * fuzz_servers.c: libFuzzer harness for the MyProxy server-list parser
 * (renew_parse_servers, behind Myproxy_server= and --myproxy-server).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "renew_contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	struct pr_error err;
	size_t n;
	char *spec;

	if ((spec = malloc(size + 1)) == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';	/* the parser takes a C string */
	(void)renew_parse_servers(spec, srv, RENEW_SERVERS_MAX, &n, &err);
	free(spec);
	return 0;
}
