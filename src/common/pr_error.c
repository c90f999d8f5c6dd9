/*
 * pr_error.c: error values and the gLite error texts.
 * Safe for library use: no allocation, no logging.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pr_error.h"

/* Indexed by code - PR_ERR_BASE - 1; the texts gLite clients print. */
static const char *const pr_err_texts[] = {
	"Unexpected EOF from peer",
	"Generic error",
	"Cannot parse protocol messages",
	"Obligatory element not found in message",
	"Unknown protocol command",
	"SSL error",
	"Error from Myproxy server",
	"Proxy not registered",
	"Proxy expired",
	"VOMS error",
	"Operation timed out",
	"System error",
};
_Static_assert(sizeof(pr_err_texts) / sizeof(pr_err_texts[0]) ==
    PR_ERR_LAST - PR_ERR_BASE, "one text per gLite code");

int
pr_error_set(struct pr_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);	/* truncation is fine */
	va_end(ap);
	return code;
}

int
pr_error_prefix(struct pr_error *err, const char *what)
{
	size_t n = strlen(what) + 2, old;	/* "what: " */

	if (err == NULL)
		return 0;
	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	old = strnlen(err->msg, sizeof(err->msg) - 1);
	if (old > sizeof(err->msg) - 1 - n)	/* truncation is fine */
		old = sizeof(err->msg) - 1 - n;
	memmove(err->msg + n, err->msg, old);
	err->msg[n + old] = '\0';
	memcpy(err->msg, what, n > 2 ? n - 2 : 0);
	if (n >= 2) {
		err->msg[n - 2] = ':';
		err->msg[n - 1] = ' ';
	}
	return err->code;
}

void
pr_error_clear(struct pr_error *err)
{
	if (err == NULL)
		return;
	err->code = PR_OK;
	err->msg[0] = '\0';
}

const char *
pr_strerror(int code)
{
	if (code == 0)
		return "Success";
	if (code > PR_ERR_BASE && code <= PR_ERR_LAST)
		return pr_err_texts[code - PR_ERR_BASE - 1];
	if (code > 0 && code < PR_ERR_BASE)
		return strerror(code);
	return "Unknown error";
}
