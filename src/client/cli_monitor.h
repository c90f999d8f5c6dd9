/*
 * cli_monitor.h: the proxy-renew commands for operators that read every
 * stored record at once (STATUS_ALL): `status` without argument and the
 * monitoring probe `check`.
 */
#ifndef PR_CLI_MONITOR_H
#define PR_CLI_MONITOR_H

#include <stdint.h>
#include <stdio.h>

#include "message.h"

/* A reply's decimal value (msg_strtoi64); 0 when absent or malformed. */
int64_t cli_num(const char *v);

/*
 * One line per stored proxy, most urgent first (failing ones, then by end
 * time), within 80 columns; with json one JSON object. Exit 0, or 1 when
 * the daemon could not be asked (reason on stderr).
 */
int cli_status_all(const char *socket_path, int json);

/*
 * The LIST reply in resp: a header and one line per stored proxy, its
 * last result (ok, a code, - before any attempt) and failure class in
 * fixed columns before the repository file; with json one JSON object
 * (the paths as "proxies", each record with those fields as "records").
 */
void cli_list_print(FILE *f, const struct pr_msg *resp, int json);

/*
 * argv[0] is "check"; options: --socket PATH, --critical-left SECS,
 * --stale SECS, --warn-failures N, --timeout SECS. Prints one Nagios/ARGO
 * status line with perfdata; exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
int cli_check(int argc, char **argv, const char *socket_path);

#endif /* PR_CLI_MONITOR_H */
