/*
 * json.c: JSON string output for proxy-renew --json (see json.h).
 * Writes to a FILE; stdio errors are checked once by the caller (ferror).
 */
#include <string.h>

#include "json.h"

static int
cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t
json_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && cont(p[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (left < 3 || !cont(p[1]) || !cont(p[2]))
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) ||	/* overlong */
		    (c == 0xed && p[1] > 0x9f))		/* surrogates */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3]))
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) ||	/* overlong */
		    (c == 0xf4 && p[1] > 0x8f))		/* above U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

void
json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	(void)fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			(void)fprintf(f, "\\%c", c);
		} else if (c == '\n') {
			(void)fputs("\\n", f);
		} else if (c == '\t') {
			(void)fputs("\\t", f);
		} else if (c == '\r') {
			(void)fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			(void)fprintf(f, "\\u%04x", c);
		} else if ((n = json_utf8_len(p + i, len - i)) == 0) {
			(void)fputs("\\ufffd", f);
		} else {
			(void)fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	(void)fputc('"', f);
}

void
json_str(FILE *f, const char *s)
{
	json_string(f, s, strlen(s));
}
