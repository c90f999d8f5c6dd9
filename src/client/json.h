/*
 * json.h: the little JSON the proxy-renew command prints with --json.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so the output is always valid JSON whatever the daemon sent.
 */
#ifndef PR_JSON_H
#define PR_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s (len bytes) as a quoted JSON string. */
void json_string(FILE *f, const char *s, size_t len);
/* Write NUL-terminated s as a quoted JSON string. */
void json_str(FILE *f, const char *s);
/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t json_utf8_len(const unsigned char *p, size_t left);

#endif /* PR_JSON_H */
