/*
 * confine.h: what the renewal worker may do once it talks to servers.
 *
 * The worker (worker_main.c) and nothing else confines itself, after it
 * has read its request, opened what it was handed and checked the service
 * credential, and before the first byte goes to a MyProxy or VOMS server:
 *  1. resource limits (address space, open files, CPU time, file size);
 *  2. Landlock (kernels >= 5.13): read-only access to the trust anchors,
 *     the service certificate and key, the current proxy (by descriptor:
 *     that very file, nothing else of the repository) and what the loader,
 *     libc's resolver, OpenSSL and Globus read; nothing else. Without
 *     Landlock the worker says so on stderr and runs on (the daemon logs it
 *     once at start-up, confine_landlock_abi());
 *  3. seccomp: the allow-list in confine_seccomp.c (one table, derived from
 *     strace -f of the MyProxy, failover and VOMS renewals of the tests);
 *     any other system call traps to a handler that writes a failed result
 *     frame "worker killed by seccomp: syscall N (name)" on stdout and
 *     exits, so the parent records the attempt with that reason.
 * No-new-privileges, no core dumps, closed fds and a clean environment are
 * set earlier, by the worker's harden() and its parent.
 */
#ifndef PR_CONFINE_H
#define PR_CONFINE_H

#include <stddef.h>

#include "pr_error.h"

#define CONFINE_READ_PATHS_MAX	8
#define CONFINE_EXIT_SECCOMP	3	/* worker exit status after a trap */

struct confine_spec {
	/* files or directories read (NULL entries skipped) */
	const char *read_paths[CONFINE_READ_PATHS_MAX];
	int proxy_fd;		/* the current proxy, readable by itself; -1 */
	int result_fd;		/* where the trap handler writes its frame */
};

/* The kernel's Landlock ABI version, 0 when it has none (or it is off). */
int confine_landlock_abi(void);

/*
 * Landlock as in rule 2. 0 confined, 1 no Landlock here (unconfined, not
 * an error), or an errno with err.msg.
 */
int confine_landlock(const struct confine_spec *spec, struct pr_error *err);

/* Seccomp as in rule 3. 0 or an errno / PR_ERR_GENERIC with err.msg. */
int confine_seccomp(const struct confine_spec *spec, struct pr_error *err);

/*
 * Seccomp for the daemon's proxy inspector (inspect_child.c), which only
 * parses what it reads from stdin: memory, its pipes, the clock, the end
 * (confine_seccomp.c's second table). Any other call kills it (SIGSYS);
 * the daemon fails the request it was reading. 0 or an errno with err.
 */
int confine_seccomp_parser(struct pr_error *err);

/* The trap handler must not write a second frame after this. */
void confine_result_written(void);

/*
 * Rules 1-3 in order. Returns 0 (confined, or unconfined by Landlock
 * with the reason on stderr) or an error the worker reports as its result.
 */
int confine_worker(const struct confine_spec *spec, struct pr_error *err);

#endif /* PR_CONFINE_H */
