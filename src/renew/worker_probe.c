/*
 * worker_probe.c: TEST BUILD ONLY (PR_WORKER_TEST_HOOKS; the executable
 * proxy-renewd-worker-probe, never installed). After the worker has
 * confined itself it does what PR_WORKER_TEST_PROBE says, as a hostile
 * library would, so that the tests prove the confinement holds:
 *   open:PATH   open PATH for reading (expected: EACCES from Landlock)
 *   exec:PATH   execve PATH (expected: killed by seccomp)
 * Steps are separated by ';'. A step that works is reported as a failed
 * renewal "probe: open PATH: succeeded"; otherwise the result is
 * "probe: open PATH: <strerror>" with the last errno as Response.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pr_error.h"

int worker_test_probe(char *msg, size_t size);

/* One step; returns errno (0: it worked). */
static int
probe_step(const char *step, char *msg, size_t size, size_t *off)
{
	char *argv[2] = { NULL, NULL };
	const char *what = "open";
	int fd, e;

	if (strncmp(step, "open:", 5) == 0) {
		fd = open(step + 5, O_RDONLY | O_CLOEXEC);
		e = fd == -1 ? errno : 0;
		if (fd != -1)
			(void)close(fd);
	} else if (strncmp(step, "exec:", 5) == 0) {
		what = "exec";
		argv[0] = (char *)(step + 5);
		(void)execv(step + 5, argv);
		e = errno;
	} else {
		what = "unknown step";
		e = EINVAL;
	}
	if (*off < size)
		*off += (size_t)snprintf(msg + *off, size - *off, "%sprobe: %s "
		    "%s: %s", *off > 0 ? "; " : "", what, strchr(step, ':') ?
		    strchr(step, ':') + 1 : step, e == 0 ? "succeeded" :
		    strerror(e));
	return e;
}

int
worker_test_probe(char *msg, size_t size)
{
	const char *env = getenv("PR_WORKER_TEST_PROBE");
	char steps[1024], *step, *save = NULL;
	size_t off = 0;
	int rc = 0, e;

	if (env == NULL || env[0] == '\0')
		return 0;
	(void)snprintf(steps, sizeof(steps), "%s", env);
	for (step = strtok_r(steps, ";", &save); step != NULL;
	    step = strtok_r(NULL, ";", &save)) {
		e = probe_step(step, msg, size, &off);
		rc = e == 0 ? PR_ERR_GENERIC : (rc == PR_ERR_GENERIC ? rc : e);
	}
	return rc != 0 ? rc : PR_ERR_GENERIC;
}
