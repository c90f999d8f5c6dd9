/*
 * repo_files.h: the repository directory and its proxy files.
 *
 * Rules:
 *  (1) The directory is owned by the daemon's uid and has mode 0700;
 *      files are 0600, created O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC.
 *  (2) A proxy file is only ever replaced whole: temp file in the same
 *      directory, write, fsync, rename over the target, fsync the directory.
 *      Readers see the old or the new file, never a partial one.
 *  (3) Temp files are named ".tmp.*"; startup removes leftovers.
 *  (4) Names are plain file names (no '/', not "." or ".."): nothing outside
 *      the directory is ever touched.
 * System calls go through repo_sys so tests can inject ENOSPC/EIO/EINTR.
 */
#ifndef PR_REPO_FILES_H
#define PR_REPO_FILES_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

#include "pr_error.h"

/* Replaceable system calls (fault injection in tests). */
struct repo_syscalls {
	int (*open_at)(int dirfd, const char *name, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*fsync)(int fd);
	int (*rename_at)(int olddirfd, const char *oldname, int newdirfd,
	    const char *newname);
	int (*unlink_at)(int dirfd, const char *name, int flags);
};
extern struct repo_syscalls repo_sys;	/* defaults to the real calls */
void repo_sys_reset(void);

/*
 * Create dir if missing (mode 0700), then check on the open fd: a directory,
 * not a symlink, owned by our euid, mode exactly 0700. Returns an O_DIRECTORY
 * fd, or -1 with err naming the problem and the fix.
 */
int repo_open_dir(const char *dir, struct pr_error *err);

/* True if name is a plain file name we may create/remove in the repository. */
int repo_name_ok(const char *name);

/* Atomically create or replace dirfd/name with data (rule 2). */
int repo_write_atomic(int dirfd, const char *name, const void *data, size_t len,
    struct pr_error *err);

/*
 * repo_write_atomic without the directory fsync: the file's data is
 * durable, its name only after repo_sync_dir(dirfd) (group commit: one
 * directory fsync for the files of many requests).
 */
int repo_write_unsynced(int dirfd, const char *name, const void *data,
    size_t len, struct pr_error *err);
int repo_sync_dir(int dirfd, struct pr_error *err);

/*
 * A new file whose data is not durable yet either: written and renamed,
 * write-back only started. Nothing may refer to it durably before
 * repo_fsync_file(dirfd, name) and repo_sync_dir(dirfd) returned 0 (group
 * commit: the files of a batch are fsynced together, which costs the disk
 * less than one by one). A crash before that leaves an unreferenced file,
 * which the start-up reconciliation removes. Never for replacing a file.
 */
int repo_create_deferred(int dirfd, const char *name, const void *data,
    size_t len, struct pr_error *err);
int repo_fsync_file(int dirfd, const char *name, struct pr_error *err);

/* Remove dirfd/name (ENOENT is not an error); fsync the directory. */
int repo_remove(int dirfd, const char *name, struct pr_error *err);

/* True for a temp file name (".tmp.*"); start-up removes leftovers. */
int repo_is_temp_name(const char *name);

/*
 * Create an empty temp file for a worker to fill: returns an fd and its name
 * (caller frees). The master later validates and repo_commit_temp()s it.
 */
int repo_create_temp(int dirfd, char **name, struct pr_error *err);
/*
 * Can a file be created in dirfd? 0, or the errno that says why not (EROFS,
 * ENOSPC, EIO...): what a "disk I/O error" of SQLite does not tell.
 */
int repo_probe_write(int dirfd);
/*
 * fsync the temp file, rename it over name and fsync the directory.
 * If the fsync or rename fails the temp file is removed.
 */
int repo_commit_temp(int dirfd, const char *tmpname, const char *name,
    struct pr_error *err);

#endif /* PR_REPO_FILES_H */
