/*
 * hex.h: lower-case hex digits, the form of the digests that name files
 * (proxy files: SHA-256 of the identity; gLite's: MD5), said once.
 */
#ifndef PR_HEX_H
#define PR_HEX_H

#include <stddef.h>

/* 1 when the first n characters of s are [0-9a-f] (a NUL stops: 0). */
static inline int
hex_lower_run(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

#endif /* PR_HEX_H */
