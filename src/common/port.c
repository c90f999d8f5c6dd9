/*
 * port.c: the one reader of a TCP port number (port.h).
 */
#include "port.h"

int
port_parse(const char *s, size_t len, int *port)
{
	long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if ((v = v * 10 + (s[i] - '0')) > 65535)
			return -1;
	}
	if (v < 1)
		return -1;
	*port = (int)v;
	return 0;
}
