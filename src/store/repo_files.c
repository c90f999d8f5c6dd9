/*
 * repo_files.c: the repository directory and the proxy files in it.
 *
 * Owns: creating and checking the directory, writing proxy files atomically,
 * removing them, temp files for workers (repo_reconcile.c removes stale
 * ones at start-up).
 * Keeps the rules of repo_files.h:
 *  (1) directory 0700 owned by our euid, checked with fstat on the open fd;
 *      files 0600 created O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC;
 *  (2) a file is replaced only by rename of a complete, fsync'ed temp file,
 *      followed by an fsync of the directory;
 *  (3) temp files are ".tmp.<12 random hex>"; a failed write removes its own;
 *  (4) every name is checked by repo_name_ok: nothing outside the directory.
 * Every system call that can fail on a full or broken disk goes through
 * repo_sys, so tests inject ENOSPC, EIO and EINTR. Lower layer: fills struct
 * pr_error, never logs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo_files.h"

#define REPO_TMP_PREFIX		".tmp."
#define REPO_TMP_RAND_BYTES	6	/* 12 hex digits */
#define REPO_TMP_TRIES		16	/* name collisions before giving up */
#define REPO_NAME_MAX_BYTES	255

/* ==== the system call table ==== */

static int
sys_open_at(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static int
sys_rename_at(int olddirfd, const char *oldname, int newdirfd,
    const char *newname)
{
	return renameat(olddirfd, oldname, newdirfd, newname);
}

static const struct repo_syscalls repo_sys_real = {
	.open_at = sys_open_at,
	.write = write,
	.fsync = fsync,
	.rename_at = sys_rename_at,
	.unlink_at = unlinkat,
};

struct repo_syscalls repo_sys = {
	.open_at = sys_open_at,
	.write = write,
	.fsync = fsync,
	.rename_at = sys_rename_at,
	.unlink_at = unlinkat,
};

void
repo_sys_reset(void)
{
	repo_sys = repo_sys_real;
}

static int
sys_fsync(int fd)
{
	int rc;

	do
		rc = repo_sys.fsync(fd);
	while (rc == -1 && errno == EINTR);
	return rc;
}

/* ==== the directory ==== */

static int
check_dir_fd(int fd, const char *dir, struct pr_error *err)
{
	struct stat sb;

	if (fstat(fd, &sb) == -1)
		return pr_error_set(err, errno, "repository %s: fstat: %s", dir,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return pr_error_set(err, ENOTDIR,
		    "repository %s: not a directory", dir);
	if (sb.st_uid != geteuid())
		return pr_error_set(err, EPERM, "repository %s: owned by uid %u, "
		    "not %u: chown %u %s", dir, (unsigned)sb.st_uid,
		    (unsigned)geteuid(), (unsigned)geteuid(), dir);
	if ((sb.st_mode & 07777) != 0700)
		return pr_error_set(err, EPERM, "repository %s: mode %04o, must "
		    "be 0700: chmod 0700 %s", dir, (unsigned)(sb.st_mode & 07777),
		    dir);
	return 0;
}

int
repo_open_dir(const char *dir, struct pr_error *err)
{
	mode_t old;
	int fd, rc;

	old = umask(077);
	rc = mkdir(dir, 0700);
	(void)umask(old);
	if (rc == -1 && errno != EEXIST) {
		pr_error_set(err, errno, "repository %s: mkdir: %s", dir,
		    strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			pr_error_set(err, errno, "repository %s: not a directory "
			    "(a symbolic link?): use a real directory", dir);
		else
			pr_error_set(err, errno, "repository %s: open: %s", dir,
			    strerror(errno));
		return -1;
	}
	if (check_dir_fd(fd, dir, err) != 0) {
		(void)close(fd);	/* read-only directory fd */
		return -1;
	}
	return fd;
}

int
repo_name_ok(const char *name)
{
	size_t len;

	if (name == NULL || (len = strlen(name)) == 0 ||
	    len > REPO_NAME_MAX_BYTES)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	return strchr(name, '/') == NULL;
}

/* ==== temp files ==== */

int
repo_is_temp_name(const char *name)
{
	return strncmp(name, REPO_TMP_PREFIX, strlen(REPO_TMP_PREFIX)) == 0;
}

static int
random_temp_name(char *buf, size_t size)
{
	unsigned char r[REPO_TMP_RAND_BYTES];
	size_t i, off;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	off = (size_t)snprintf(buf, size, "%s", REPO_TMP_PREFIX);
	for (i = 0; i < sizeof(r) && off + 3 <= size; i++, off += 2)
		(void)snprintf(buf + off, size - off, "%02x", r[i]);
	return 0;
}

/* Create a fresh temp file: fd, and its name in buf. */
static int
open_temp(int dirfd, char *buf, size_t size, struct pr_error *err)
{
	int fd, i;

	for (i = 0; i < REPO_TMP_TRIES; i++) {
		if (random_temp_name(buf, size) != 0) {
			pr_error_set(err, errno, "repository: getrandom: %s",
			    strerror(errno));
			return -1;
		}
		fd = repo_sys.open_at(dirfd, buf, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1)
			return fd;
		if (errno != EEXIST && errno != EINTR)
			break;
	}
	pr_error_set(err, errno, "repository: create temp file: %s",
	    strerror(errno));
	return -1;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = repo_sys.write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;	/* no progress: do not spin */
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Remove a temp file after a failure; keeps the caller's errno. */
static void
drop_temp(int dirfd, const char *tmp)
{
	int saved = errno;

	(void)repo_sys.unlink_at(dirfd, tmp, 0);	/* best effort */
	errno = saved;
}

static int
fsync_dir(int dirfd, const char *what, struct pr_error *err)
{
	if (sys_fsync(dirfd) == -1)
		return pr_error_set(err, errno, "repository: fsync directory "
		    "after %s: %s", what, strerror(errno));
	return 0;
}

/* ==== public ==== */

int
repo_write_atomic(int dirfd, const char *name, const void *data, size_t len,
    struct pr_error *err)
{
	int rc;

	if ((rc = repo_write_unsynced(dirfd, name, data, len, err)) != 0)
		return rc;
	return fsync_dir(dirfd, name, err);
}

int
repo_sync_dir(int dirfd, struct pr_error *err)
{
	return fsync_dir(dirfd, "renames", err);
}

/*
 * Write data to a temp file and rename it to name. sync: fsync the data
 * first; else only start its write-back (the caller fsyncs it later, see
 * repo_create_deferred). The directory is never fsynced here.
 */
static int
write_renamed(int dirfd, const char *name, const void *data, size_t len,
    int sync, struct pr_error *err)
{
	char tmp[sizeof(REPO_TMP_PREFIX) + 2 * REPO_TMP_RAND_BYTES];
	int fd, rc;

	if (!repo_name_ok(name) || repo_is_temp_name(name))
		return pr_error_set(err, EINVAL, "repository: bad file name");
	if ((fd = open_temp(dirfd, tmp, sizeof(tmp), err)) == -1)
		return err != NULL ? err->code : EIO;
	if (write_all(fd, data, len) == -1) {
		rc = pr_error_set(err, errno, "repository %s: write: %s", name,
		    strerror(errno));
		goto fail;
	}
	if (sync && sys_fsync(fd) == -1) {
		rc = pr_error_set(err, errno, "repository %s: fsync: %s", name,
		    strerror(errno));
		goto fail;
	}
	/* a hint: the later fsync finds the data written, its block
	 * allocation in the journal commit an earlier fsync made */
	if (!sync)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (close(fd) == -1) {
		fd = -1;
		rc = pr_error_set(err, errno, "repository %s: close: %s", name,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (repo_sys.rename_at(dirfd, tmp, dirfd, name) == -1) {
		rc = pr_error_set(err, errno, "repository %s: rename: %s", name,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		(void)close(fd);	/* the file is being discarded */
	drop_temp(dirfd, tmp);
	return rc;
}

int
repo_write_unsynced(int dirfd, const char *name, const void *data, size_t len,
    struct pr_error *err)
{
	return write_renamed(dirfd, name, data, len, 1, err);
}

int
repo_create_deferred(int dirfd, const char *name, const void *data,
    size_t len, struct pr_error *err)
{
	return write_renamed(dirfd, name, data, len, 0, err);
}

int
repo_fsync_file(int dirfd, const char *name, struct pr_error *err)
{
	int fd, rc = 0;

	if (!repo_name_ok(name))
		return pr_error_set(err, EINVAL, "repository: bad file name");
	fd = repo_sys.open_at(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0);
	if (fd == -1)
		return pr_error_set(err, errno, "repository %s: open: %s", name,
		    strerror(errno));
	if (sys_fsync(fd) == -1)
		rc = pr_error_set(err, errno, "repository %s: fsync: %s", name,
		    strerror(errno));
	(void)close(fd);	/* read-only fd */
	return rc;
}

int
repo_remove(int dirfd, const char *name, struct pr_error *err)
{
	if (!repo_name_ok(name))
		return pr_error_set(err, EINVAL, "repository: bad file name");
	if (repo_sys.unlink_at(dirfd, name, 0) == -1) {
		if (errno == ENOENT)
			return 0;
		return pr_error_set(err, errno, "repository %s: unlink: %s",
		    name, strerror(errno));
	}
	return fsync_dir(dirfd, name, err);
}

int
repo_create_temp(int dirfd, char **name, struct pr_error *err)
{
	char tmp[sizeof(REPO_TMP_PREFIX) + 2 * REPO_TMP_RAND_BYTES];
	int fd;

	*name = NULL;
	if ((fd = open_temp(dirfd, tmp, sizeof(tmp), err)) == -1)
		return -1;
	if ((*name = strdup(tmp)) == NULL) {
		pr_error_set(err, ENOMEM, "repository: out of memory");
		(void)close(fd);	/* discarded */
		drop_temp(dirfd, tmp);
		return -1;
	}
	return fd;
}

int
repo_probe_write(int dirfd)
{
	char tmp[sizeof(REPO_TMP_PREFIX) + 2 * REPO_TMP_RAND_BYTES];
	struct pr_error err;
	int fd;

	if ((fd = open_temp(dirfd, tmp, sizeof(tmp), &err)) == -1)
		return err.code;
	(void)close(fd);	/* empty, never renamed */
	drop_temp(dirfd, tmp);
	return 0;
}

/* A worker's temp file: regular, ours, no group/other access. */
static int
check_temp_fd(int fd, const char *tmpname, struct pr_error *err)
{
	struct stat sb;

	if (fstat(fd, &sb) == -1)
		return pr_error_set(err, errno, "repository %s: fstat: %s",
		    tmpname, strerror(errno));
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0)
		return pr_error_set(err, EPERM, "repository %s: not a private "
		    "regular file of ours", tmpname);
	return 0;
}

int
repo_commit_temp(int dirfd, const char *tmpname, const char *name,
    struct pr_error *err)
{
	int fd, rc;

	if (!repo_name_ok(tmpname) || !repo_is_temp_name(tmpname) ||
	    !repo_name_ok(name) || repo_is_temp_name(name))
		return pr_error_set(err, EINVAL, "repository: bad file name");
	/* The worker wrote it; make its data durable before it is visible. */
	fd = repo_sys.open_at(dirfd, tmpname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0);
	if (fd == -1)
		return pr_error_set(err, errno, "repository %s: open: %s",
		    tmpname, strerror(errno));
	rc = check_temp_fd(fd, tmpname, err);
	if (rc == 0 && sys_fsync(fd) == -1)
		rc = pr_error_set(err, errno, "repository %s: fsync: %s",
		    tmpname, strerror(errno));
	(void)close(fd);	/* read-only */
	if (rc != 0) {
		drop_temp(dirfd, tmpname);
		return rc;
	}
	if (repo_sys.rename_at(dirfd, tmpname, dirfd, name) == -1) {
		rc = pr_error_set(err, errno, "repository %s: rename: %s", name,
		    strerror(errno));
		drop_temp(dirfd, tmpname);
		return rc;
	}
	return fsync_dir(dirfd, name, err);
}
