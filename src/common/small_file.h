/*
 * small_file.h: the one safe read of a small regular file (a proxy, a
 * service certificate or key, a config file), and the one wipe of a buffer
 * that held a secret.
 *
 * Rules of small_file_read():
 *  (1) Opened with O_NOFOLLOW (a symbolic link is ELOOP) and O_NONBLOCK (a
 *      FIFO cannot hang the caller); anything but a regular file is EINVAL.
 *  (2) The size is checked against max_bytes before anything is allocated
 *      (EFBIG); a file that grows while read is EAGAIN.
 *  (3) The copy is NUL-terminated (*len does not count the NUL).
 *  (4) Messages read "WHAT PATH: problem" (what: "proxy", "service key").
 *  (5) Library-safe: no logging, no exit; ENOMEM is returned.
 * A buffer that held a key is released with wipe_free().
 */
#ifndef PR_SMALL_FILE_H
#define PR_SMALL_FILE_H

#include <sys/stat.h>

#include <stddef.h>

#include "pr_error.h"

/*
 * Read path whole into *buf (caller frees), *len bytes. st, when not
 * NULL, gets the fstat() of the file read (owner and mode checks).
 */
int small_file_read(const char *what, const char *path, size_t max_bytes,
    char **buf, size_t *len, struct stat *st, struct pr_error *err);

/*
 * The same from an open descriptor (read from its current offset; not
 * closed); name stands for the path in messages.
 */
int small_file_read_fd(const char *what, const char *name, int fd,
    size_t max_bytes, char **buf, size_t *len, struct stat *st,
    struct pr_error *err);

/* Overwrite the len bytes of buf with zeros the compiler keeps, then free. */
void wipe_free(void *buf, size_t len);

#endif /* PR_SMALL_FILE_H */
