/*
 * cli_monitor.h: the proxy-renew commands for operators that read every
 * stored record at once (STATUS_ALL): `status` without argument and the
 * monitoring probe `check`.
 */
#ifndef PR_CLI_MONITOR_H
#define PR_CLI_MONITOR_H

/*
 * One line per stored proxy, most urgent first (failing ones, then by end
 * time), within 80 columns; with json one JSON object. Exit 0, or 1 when
 * the daemon could not be asked (reason on stderr).
 */
int cli_status_all(const char *socket_path, int json);

/*
 * argv[0] is "check"; options: --socket PATH, --critical-left SECS,
 * --stale SECS, --warn-failures N, --timeout SECS. Prints one Nagios/ARGO
 * status line with perfdata; exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
int cli_check(int argc, char **argv, const char *socket_path);

#endif /* PR_CLI_MONITOR_H */
