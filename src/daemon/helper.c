/*
 * helper.c: starting, reaping and narrowing the master's helper children
 * (helper.h).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "confine.h"
#include "helper.h"

extern char **environ;

void
helper_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		(void)snprintf(buf, size, "/proc/self/exe");
	else
		buf[n] = '\0';
}

int
helper_pipe(int p[2], int ours)
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(p[ours], F_SETFL, O_NONBLOCK) == -1) {
		(void)close(p[0]);
		(void)close(p[1]);
		return -1;
	}
	return 0;
}

int
helper_spawn(const char *exe, char *const argv[], int in_fd, int out_fd,
    pid_t *pid)
{
	pid_t parent = getpid(), p;
	sigset_t none;
	int sig;

	(void)sigemptyset(&none);
	if ((p = fork()) == -1)
		return errno;
	if (p > 0) {
		*pid = p;
		return 0;
	}
	/* the child: system calls only until exec (the master may have threads) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent ||	/* the master died before that */
	    dup2(in_fd, 0) == -1 || dup2(out_fd, 1) == -1)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);	/* fails for KILL/STOP: fine */
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)execve(exe, argv, environ);
	_exit(127);
}

int
helper_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	(300 * 1000)

int64_t
helper_backoff_ms(int k)
{
	int64_t ms = BACKOFF_MIN_MS;

	while (k-- > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

int
helper_reap(pid_t pid)
{
	int st = 0;

	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return st;
}

int
helper_narrow(const char *who)
{
	struct rlimit none = { 0, 0 };
	struct confine_spec spec;
	struct pr_error err;
	int rc;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    setrlimit(RLIMIT_CORE, &none) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &none) == -1 ||
	    close_range(3, ~0U, 0) == -1) {
		fprintf(stderr, "%s: %s\n", who, strerror(errno));
		return -1;
	}
	/* config and random source before Landlock hides them */
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    RAND_status() != 1) {
		fprintf(stderr, "%s: OpenSSL initialisation failed\n", who);
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.proxy_fd = -1;
	spec.result_fd = -1;
	pr_error_clear(&err);
	if ((rc = confine_landlock(&spec, &err)) != 0 && rc != 1) {
		fprintf(stderr, "%s: %s\n", who, err.msg);
		return -1;
	}
	return 0;
}
