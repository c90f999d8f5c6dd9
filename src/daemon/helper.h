/*
 * helper.h: the master's helper children, the key generator (keygen.c) and
 * the proxy inspector (inspector.c): this program run again with an
 * argument naming the role, a pipe on its stdin and one on its stdout,
 * nothing else open. Said once here: the pipes, the start, the reaping,
 * and the narrowing every helper does before its first request.
 */
#ifndef PR_HELPER_H
#define PR_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* This program's path (not /proc/self/exe: the same under valgrind). */
void	helper_exe(char *buf, size_t size);

/* pipe2 with both ends close-on-exec and p[ours] non-blocking; 0 or -1. */
int	helper_pipe(int p[2], int ours);

/*
 * Start `exe argv...` with in_fd as its stdin and out_fd as its stdout,
 * default signal dispositions and an empty signal mask, and SIGKILL as its
 * parent-death signal from before exec: a child the master has stopped
 * (keygen_pause) before it ran a line still dies with the master. 0 and
 * *pid, or an errno value (fork's; a failed exec is the child's exit 127).
 */
int	helper_spawn(const char *exe, char *const argv[], int in_fd,
	    int out_fd, pid_t *pid);

/* In a child: all len bytes to fd (blocking), EINTR retried; 0 or -1. */
int	helper_write_all(int fd, const void *buf, size_t len);

/* A restart's delay after k deaths in a row: 1 s doubling, at most 5 min. */
int64_t	helper_backoff_ms(int k);

/* SIGKILL and wait for pid (> 0): its wait status. */
int	helper_reap(pid_t pid);

/*
 * In the child, before its first request (the parent-death signal is
 * helper_spawn's): not dumpable, no core, no new privileges, no file writes
 * (RLIMIT_FSIZE 0), no fds beyond 0-2, OpenSSL's config and random source
 * loaded, then Landlock (confine.h): read-only system files, nothing of
 * the repository. 0, or -1 with the reason on stderr after `who`.
 */
int	helper_narrow(const char *who);

#endif /* PR_HELPER_H */
