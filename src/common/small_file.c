/*
 * small_file.c: the one safe read of a small regular file (small_file.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "small_file.h"

/* Up to size bytes; one byte more means the file grew: EAGAIN. */
static int
read_fd(int fd, const char *what, const char *path, char *buf, size_t size,
    size_t *len, struct pr_error *err)
{
	size_t off = 0;
	ssize_t n;
	char extra;

	while (off < size) {
		n = read(fd, buf + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return pr_error_set(err, errno, "%s %s: read: %s",
			    what, path, strerror(errno));
		if (n == 0)
			break;	/* it shrank: what is there is the file */
		off += (size_t)n;
	}
	if (off == size) {
		do
			n = read(fd, &extra, 1);
		while (n == -1 && errno == EINTR);
		if (n != 0)
			return pr_error_set(err, EAGAIN,
			    "%s %s: file changed while reading", what, path);
	}
	*len = off;
	return 0;
}

/* fd is a regular file of at most max_bytes: 0, or the code with err. */
static int
check_regular(int fd, const char *what, const char *path, size_t max_bytes,
    struct stat *st, struct pr_error *err)
{
	if (fstat(fd, st) == -1)
		return pr_error_set(err, errno, "%s %s: fstat: %s", what, path,
		    strerror(errno));
	if (!S_ISREG(st->st_mode))
		return pr_error_set(err, EINVAL, "%s %s: not a regular file",
		    what, path);
	if (st->st_size < 0 || (unsigned long long)st->st_size > max_bytes)
		return pr_error_set(err, EFBIG, "%s %s: %lld bytes, more than "
		    "the limit of %zu", what, path, (long long)st->st_size,
		    max_bytes);
	return 0;
}

int
small_file_read_fd(const char *what, const char *name, int fd,
    size_t max_bytes, char **bufp, size_t *lenp, struct stat *stp,
    struct pr_error *err)
{
	struct pr_error own;
	struct stat st;
	char *buf;
	size_t len = 0;
	int rc;

	*bufp = NULL;
	*lenp = 0;
	if (err == NULL)
		err = &own;
	if ((rc = check_regular(fd, what, name, max_bytes, &st, err)) != 0)
		return rc;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return pr_error_set(err, ENOMEM, "%s %s: out of memory", what,
		    name);
	rc = read_fd(fd, what, name, buf, (size_t)st.st_size, &len, err);
	if (rc != 0) {
		wipe_free(buf, (size_t)st.st_size);
		return rc;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	if (stp != NULL)
		*stp = st;
	return 0;
}

int
small_file_read(const char *what, const char *path, size_t max_bytes,
    char **bufp, size_t *lenp, struct stat *stp, struct pr_error *err)
{
	struct pr_error own;
	int fd, rc;

	*bufp = NULL;
	*lenp = 0;
	if (err == NULL)
		err = &own;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			return pr_error_set(err, ELOOP, "%s %s: is a symbolic "
			    "link", what, path);
		return pr_error_set(err, errno, "%s %s: open: %s", what, path,
		    strerror(errno));
	}
	rc = small_file_read_fd(what, path, fd, max_bytes, bufp, lenp, stp,
	    err);
	(void)close(fd);	/* read-only fd: nothing to lose */
	return rc;
}

void
wipe_free(void *buf, size_t len)
{
	if (buf == NULL)
		return;
	explicit_bzero(buf, len);
	free(buf);
}
