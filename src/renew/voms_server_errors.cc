/*
 * voms_server_errors.cc: vomsdata::ServerErrors() through the public C++
 * API of libvomsapi, for the C code of voms_client.c (see the header).
 * The C API's struct vomsdata keeps the C++ object in its `real` member;
 * the C and C++ headers both define a struct vomsdata, so this file
 * includes only the C++ one and takes `real` as it is.
 */
#include <cstdio>
#include <string>

#include <voms/voms_api.h>

#include "voms_server_errors.h"

extern "C" void
voms_server_errors(void *real, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (real == nullptr)
		return;
	try {
		std::string s = static_cast<vomsdata *>(real)->ServerErrors();

		(void)std::snprintf(buf, size, "%s", s.c_str());
	} catch (...) {
		buf[0] = '\0';	/* out of memory: the C API's text stays */
	}
}
