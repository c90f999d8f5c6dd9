/*
 * worker_run.c: one worker run in the caller's process, waiting for it
 * (renew_worker_run, renew_contract.h): the one-shot renewal of
 * libproxyrenew (renew_oneshot.c) and proxy-renewd --doctor's questions
 * about one identity (doctor_cred.c). The daemon's event loop uses the
 * runner instead (src/daemon/runner.c).
 *
 * Rules: the worker is bounded by one deadline covering the request, the
 * answer and its exit; past it, it is SIGKILLed and always reaped (no
 * zombie left behind). No SIGPIPE (socketpair + MSG_NOSIGNAL), no exit,
 * no logging.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "frame_io.h"
#include "renew_contract.h"
#include "worker_path.h"

/* The worker gets the current proxy and the output file as fds 3, 4. */
static int
spawn_worker(int child_fd, const int *fds, pid_t *pid, struct pr_error *err)
{
	char buf[PATH_MAX];

	return renew_worker_spawn_fds(worker_path_find(buf, sizeof(buf)),
	    child_fd, fds[0], fds[1], -1, pid, err);
}

/* Reap the worker; kill it first when it is past the deadline. */
static int
reap_worker(pid_t pid, int64_t deadline_ms, int *status)
{
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;	/* ECHILD: SIGCHLD ignored by the caller */
		if (clock_mono_ms() >= deadline_ms) {
			(void)kill(pid, SIGKILL);
			while ((r = waitpid(pid, status, 0)) == -1 &&
			    errno == EINTR)
				;
			return r == pid ? 0 : -1;
		}
		(void)usleep(10000);
	}
}

/* Send the request, read the result frame into *res. */
static int
exchange(int fd, const unsigned char *req, size_t req_len,
    int64_t deadline_ms, struct renew_result *res, struct pr_error *err)
{
	char *body;
	size_t len;
	int rc;

	if ((rc = frame_send(fd, req, req_len, deadline_ms, err)) != 0)
		return pr_error_prefix(err, "renewal worker: sending the "
		    "request");
	(void)shutdown(fd, SHUT_WR);
	rc = frame_recv(fd, RENEW_FRAME_MAX_BYTES, deadline_ms, &body, &len,
	    err);
	if (rc != 0)
		return pr_error_prefix(err, "renewal worker: no complete "
		    "result");
	rc = renew_result_parse(body, len, res, err);
	free(body);
	return rc;
}

int
renew_worker_run(const unsigned char *req, size_t req_len, const int *fds,
    int timeout_sec, struct renew_result *res, struct pr_error *err)
{
	int64_t deadline_ms = clock_deadline_ms(timeout_sec);
	int sv[2], rc, status = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return pr_error_set(err, errno, "socketpair: %s",
		    strerror(errno));
	rc = spawn_worker(sv[1], fds, &pid, err);
	(void)close(sv[1]);
	if (rc != 0) {
		(void)close(sv[0]);
		return rc;
	}
	rc = exchange(sv[0], req, req_len, deadline_ms, res, err);
	(void)close(sv[0]);
	/* a worker that failed to answer gets no grace period */
	if (reap_worker(pid, rc == 0 ? deadline_ms : 0, &status) == 0 &&
	    rc != 0 && rc != PR_ERR_TIMEOUT && WIFSIGNALED(status))
		rc = pr_error_set(err, PR_ERR_GENERIC, "renewal worker killed "
		    "by signal %d", WTERMSIG(status));
	return rc;
}

