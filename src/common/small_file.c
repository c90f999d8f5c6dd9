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

static int
open_regular(const char *what, const char *path, size_t max_bytes,
    struct stat *st, struct pr_error *err)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			return -pr_error_set(err, ELOOP, "%s %s: is a symbolic "
			    "link", what, path);
		return -pr_error_set(err, errno, "%s %s: open: %s", what, path,
		    strerror(errno));
	}
	if (fstat(fd, st) == -1)
		pr_error_set(err, errno, "%s %s: fstat: %s", what, path,
		    strerror(errno));
	else if (!S_ISREG(st->st_mode))
		pr_error_set(err, EINVAL, "%s %s: not a regular file", what,
		    path);
	else if (st->st_size < 0 ||
	    (unsigned long long)st->st_size > max_bytes)
		pr_error_set(err, EFBIG, "%s %s: %lld bytes, more than the "
		    "limit of %zu", what, path, (long long)st->st_size,
		    max_bytes);
	else
		return fd;
	(void)close(fd);
	return -err->code;
}

int
small_file_read(const char *what, const char *path, size_t max_bytes,
    char **bufp, size_t *lenp, struct stat *stp, struct pr_error *err)
{
	struct pr_error own;
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, rc;

	*bufp = NULL;
	*lenp = 0;
	if (err == NULL)
		err = &own;
	if ((fd = open_regular(what, path, max_bytes, &st, err)) < 0)
		return -fd;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)close(fd);
		return pr_error_set(err, ENOMEM, "%s %s: out of memory", what,
		    path);
	}
	rc = read_fd(fd, what, path, buf, (size_t)st.st_size, &len, err);
	(void)close(fd);	/* read-only fd: nothing to lose */
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

void
wipe_free(void *buf, size_t len)
{
	if (buf == NULL)
		return;
	explicit_bzero(buf, len);
	free(buf);
}
