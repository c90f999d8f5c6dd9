/*
 * voms_server_errors.h: the VOMS server's own error text, which only the
 * C++ API of libvomsapi gives (vomsdata::ServerErrors(); the C API says
 * "The server returned an error."). voms_server_errors.cc is the
 * project's one C++ file; worker only, like the rest of pr_voms.
 */
#ifndef PR_VOMS_SERVER_ERRORS_H
#define PR_VOMS_SERVER_ERRORS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The text of the last server error into buf ("" when none); never throws.
 * real: the C API's vomsdata->real, the library's C++ vomsdata; NULL: "".
 */
void	voms_server_errors(void *real, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PR_VOMS_SERVER_ERRORS_H */
