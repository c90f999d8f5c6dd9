/*
 * worker_path.c: the one place that decides which proxy-renewd-worker the
 * daemon and proxyrenew_renew() run.
 *
 * The executable's own directory is as trusted as the executable, so a
 * worker found there (the build tree, or a relocated install) is used
 * before the compiled-in libexec path; an installed proxy-renewd in
 * /usr/sbin has none next to it and falls through to libexec.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker_path.h"

#ifndef PR_WORKER_PATH
#define PR_WORKER_PATH "/usr/libexec/proxy-renewd/" WORKER_EXE_NAME
#endif

/* "<dir of /proc/self/exe>/proxy-renewd-worker" into buf; 0 or -1. */
static int
beside_self(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;
	int w;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	w = snprintf(buf, len, "%s/%s", self, WORKER_EXE_NAME);
	if (w < 0 || (size_t)w >= len)
		return -1;
	return 0;
}

const char *
worker_path_find(char *buf, size_t len)
{
	const char *e = getenv(WORKER_PATH_ENV);

	if (e != NULL && *e != '\0')
		return e;
	if (beside_self(buf, len) == 0 && access(buf, X_OK) == 0)
		return buf;
	(void)snprintf(buf, len, "%s", PR_WORKER_PATH);
	return buf;
}
