/*
 * port.h: the one reader of a TCP port number from text (MyProxy and VOMS
 * contacts "host:port", proxy-renew -p). Library-safe.
 */
#ifndef PR_PORT_H
#define PR_PORT_H

#include <stddef.h>

/* The len bytes of s are decimal digits only, valued 1..65535: 0, else -1. */
int port_parse(const char *s, size_t len, int *port);

#endif /* PR_PORT_H */
