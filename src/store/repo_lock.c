/*
 * repo_lock.c: the repository lock file (see repo_lock.h). Lower layer:
 * fills struct pr_error, never logs.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repo_lock.h"

#define PID_TEXT_MAX	24	/* "-9223372036854775808\n" fits */

/* The pid recorded in the lock file, or -1 if there is none yet. */
static long
lock_holder(int fd)
{
	char buf[PID_TEXT_MAX];
	ssize_t n;
	char *end;
	long pid;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || pid <= 0 || (*end != '\n' && *end))
		return -1;
	return pid;
}

static int
lock_busy(int fd, const char *dir, struct pr_error *err)
{
	long pid = lock_holder(fd);

	if (pid > 0)
		return pr_error_set(err, EBUSY, "repository %s is in use by "
		    "another proxy-renewd (pid %ld, lock %s/%s)", dir, pid, dir,
		    REPO_LOCK_NAME);
	return pr_error_set(err, EBUSY, "repository %s is in use by another "
	    "proxy-renewd that is starting (lock %s/%s)", dir, dir,
	    REPO_LOCK_NAME);
}

int
repo_lock(int dirfd, const char *dir, struct pr_error *err)
{
	struct stat sb;
	int fd, rc;

	fd = openat(dirfd, REPO_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1) {
		pr_error_set(err, errno, "repository %s: lock file %s: %s", dir,
		    REPO_LOCK_NAME, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != geteuid()) {
		pr_error_set(err, EPERM, "repository %s: %s is not a regular "
		    "file of ours: remove it", dir, REPO_LOCK_NAME);
		(void)close(fd);	/* not ours: nothing was written */
		return -1;
	}
	do
		rc = flock(fd, LOCK_EX | LOCK_NB);
	while (rc == -1 && errno == EINTR);
	if (rc == -1) {
		if (errno == EWOULDBLOCK)
			lock_busy(fd, dir, err);
		else
			pr_error_set(err, errno, "repository %s: flock %s: %s",
			    dir, REPO_LOCK_NAME, strerror(errno));
		(void)close(fd);	/* someone else's lock: keep it */
		return -1;
	}
	if (repo_lock_write_pid(fd, err) != 0) {
		(void)close(fd);	/* releases the lock */
		return -1;
	}
	return fd;
}

int
repo_lock_write_pid(int lockfd, struct pr_error *err)
{
	char buf[PID_TEXT_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(lockfd, 0) == -1 ||
	    pwrite(lockfd, buf, (size_t)n, 0) != (ssize_t)n)
		return pr_error_set(err, errno, "repository lock: write pid: %s",
		    strerror(errno));
	return 0;
}
