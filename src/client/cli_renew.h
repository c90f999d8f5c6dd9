/*
 * cli_renew.h: `proxy-renew renew`, one renewal through MyProxy without the
 * daemon (proxyrenew_renew()).
 */
#ifndef PR_CLI_RENEW_H
#define PR_CLI_RENEW_H

/*
 * argv[0] is "renew"; options follow:
 *   -s SERVERS -f CURRENT -o OUT [--lifetime HOURS] [--timeout SECONDS]
 *   [--cert FILE --key FILE --CAdir DIR]
 * Prints Myproxy_server= and End_time= on success (exit 0); on failure the
 * reason with its code on stderr, exit 1 (2 for usage errors).
 */
int cli_renew(int argc, char **argv);

#endif /* PR_CLI_RENEW_H */
