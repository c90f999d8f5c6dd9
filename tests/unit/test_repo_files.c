/*
 * test_repo_files.c: the repository directory and atomic proxy files.
 * Focus: modes (0700 dir, 0600 files), refusal of wrong modes and symlinks,
 * atomic replacement seen by a concurrent reader, and injected faults
 * (ENOSPC on write, EIO on fsync/rename, EINTR and short writes) that must
 * leave the old file intact and no temp file behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.c"

#include "store/repo_files.h"

struct fx {
	char base[64];		/* mkdtemp parent */
	char dir[128];		/* base/repo, the repository */
	int dirfd;		/* from repo_open_dir */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pr_error err;

	assert_non_null(f);
	testdir_make(f->base, sizeof(f->base), "test_repo");
	snprintf(f->dir, sizeof(f->dir), "%s/repo", f->base);
	f->dirfd = repo_open_dir(f->dir, &err);
	assert_true(f->dirfd >= 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	repo_sys_reset();
	(void)close(f->dirfd);
	testdir_remove(f->base);
	free(f);
	return 0;
}

static int
count_temp(struct fx *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".tmp.", 5) == 0)
			n++;
	closedir(d);
	return n;
}

/* Whole content of dir/name into buf (NUL-terminated); returns its length. */
static size_t
slurp(struct fx *f, const char *name, char *buf, size_t size)
{
	int fd = openat(f->dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t off = 0;

	assert_true(fd >= 0);
	while ((n = read(fd, buf + off, size - 1 - off)) > 0)
		off += (size_t)n;
	assert_true(n == 0);
	close(fd);
	buf[off] = '\0';
	return off;
}

static mode_t
mode_of(struct fx *f, const char *name)
{
	struct stat sb;

	assert_int_equal(fstatat(f->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW), 0);
	return sb.st_mode & 07777;
}

/* ==== directory ==== */

static void
test_dir_created_0700(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char sub[160];
	struct pr_error err;
	mode_t old;
	int fd;

	assert_int_equal(stat(f->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	/* even under a permissive umask */
	snprintf(sub, sizeof(sub), "%s/open", f->base);
	old = umask(0);
	fd = repo_open_dir(sub, &err);
	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	close(fd);
	/* reopening an existing good directory works */
	assert_true((fd = repo_open_dir(f->dir, &err)) >= 0);
	close(fd);
}

static void
test_dir_refused(void **state)
{
	struct fx *f = *state;
	char path[160], link[160];
	struct pr_error err;

	snprintf(path, sizeof(path), "%s/loose", f->base);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(repo_open_dir(path, &err), -1);
	assert_non_null(strstr(err.msg, "chmod 0700"));
	assert_int_equal(chmod(path, 0750), 0);
	assert_int_equal(repo_open_dir(path, &err), -1);
	assert_int_equal(chmod(path, 0500), 0);
	assert_int_equal(repo_open_dir(path, &err), -1);

	snprintf(link, sizeof(link), "%s/link", f->base);
	assert_int_equal(symlink(f->dir, link), 0);
	assert_int_equal(repo_open_dir(link, &err), -1);
	assert_true(err.code == ELOOP || err.code == ENOTDIR);

	snprintf(path, sizeof(path), "%s/file", f->base);
	assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(repo_open_dir(path, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
}

static void
test_names(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { "", ".", "..", "../x", "a/b", "/x" };
	struct pr_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(repo_name_ok(bad[i]));
		assert_int_equal(repo_write_atomic(f->dirfd, bad[i], "x", 1,
		    &err), EINVAL);
		assert_int_equal(repo_remove(f->dirfd, bad[i], &err), EINVAL);
	}
	assert_false(repo_name_ok(NULL));
	assert_true(repo_name_ok("abc.0"));
	assert_int_equal(repo_write_atomic(f->dirfd, ".tmp.x", "x", 1, &err),
	    EINVAL);
}

/* ==== atomic writes ==== */

static void
test_write_replace(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	char buf[64];

	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "old", 3, &err), 0);
	assert_int_equal(mode_of(f, "h.0"), 0600);
	assert_int_equal(slurp(f, "h.0", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "old");
	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "newer", 5, &err),
	    0);
	assert_string_equal((slurp(f, "h.0", buf, sizeof(buf)), buf), "newer");
	assert_int_equal(mode_of(f, "h.0"), 0600);
	assert_int_equal(count_temp(f), 0);
	/* empty content is a valid (if useless) file */
	assert_int_equal(repo_write_atomic(f->dirfd, "h.1", "", 0, &err), 0);
	assert_int_equal(slurp(f, "h.1", buf, sizeof(buf)), 0);
}

static void
test_write_over_symlink(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	char target[160], buf[16];

	/* the link itself is replaced; its target is never written */
	snprintf(target, sizeof(target), "%s/target", f->base);
	assert_int_equal(close(open(target, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(symlinkat(target, f->dirfd, "s.0"), 0);
	assert_int_equal(repo_write_atomic(f->dirfd, "s.0", "data", 4, &err),
	    0);
	assert_int_equal(mode_of(f, "s.0"), 0600);	/* a regular file now */
	assert_int_equal(slurp(f, "s.0", buf, sizeof(buf)), 4);
	{
		struct stat sb;
		assert_int_equal(stat(target, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
}

/* Fault injection state. */
static int fail_errno;		/* errno to inject */
static int fail_after;		/* calls that succeed before the failure */
static int n_eintr;		/* EINTRs still to return */

static ssize_t
write_enospc(int fd, const void *buf, size_t n)
{
	if (fail_after-- <= 0) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, n < 3 ? n : 3);	/* a short write first */
}

static int
fsync_fail(int fd)
{
	(void)fd;
	errno = fail_errno;
	return -1;
}

static int
rename_fail(int a, const char *b, int c, const char *d)
{
	(void)a; (void)b; (void)c; (void)d;
	errno = fail_errno;
	return -1;
}

static void
check_old_intact(struct fx *f)
{
	char buf[64];

	assert_int_equal(slurp(f, "h.0", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "old");
	assert_int_equal(count_temp(f), 0);
}

static void
test_fault_enospc(void **state)
{
	struct fx *f = *state;
	struct pr_error err;

	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "old", 3, &err), 0);
	fail_after = 1;	/* 3 bytes written, then ENOSPC */
	repo_sys.write = write_enospc;
	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "a longer text",
	    13, &err), ENOSPC);
	assert_int_equal(err.code, ENOSPC);
	repo_sys_reset();
	check_old_intact(f);
}

static void
test_fault_fsync_eio(void **state)
{
	struct fx *f = *state;
	struct pr_error err;

	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "old", 3, &err), 0);
	fail_errno = EIO;
	repo_sys.fsync = fsync_fail;
	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "new", 3, &err),
	    EIO);
	repo_sys_reset();
	check_old_intact(f);
}

static void
test_fault_rename(void **state)
{
	struct fx *f = *state;
	struct pr_error err;

	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "old", 3, &err), 0);
	fail_errno = EIO;
	repo_sys.rename_at = rename_fail;
	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "new", 3, &err),
	    EIO);
	repo_sys_reset();
	check_old_intact(f);
}

static ssize_t
write_eintr(int fd, const void *buf, size_t n)
{
	if (n_eintr > 0) {
		n_eintr--;
		errno = EINTR;
		return -1;
	}
	n_eintr = 1;	/* every other call is interrupted */
	return write(fd, buf, n < 2 ? n : 2);
}

static int n_fsync_eintr;	/* EINTRs fsync still returns */

static int
fsync_eintr(int fd)
{
	if (n_fsync_eintr > 0) {
		n_fsync_eintr--;
		errno = EINTR;
		return -1;
	}
	return fsync(fd);
}

static void
test_fault_eintr(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	char buf[64];

	n_eintr = 3;
	n_fsync_eintr = 2;
	repo_sys.write = write_eintr;
	repo_sys.fsync = fsync_eintr;
	assert_int_equal(repo_write_atomic(f->dirfd, "h.0", "interrupted", 11,
	    &err), 0);
	repo_sys_reset();
	assert_int_equal(slurp(f, "h.0", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "interrupted");
	assert_int_equal(n_fsync_eintr, 0);
	assert_int_equal(count_temp(f), 0);
}

/* A reader never sees a mix or a partial file while the writer replaces it. */
static void
test_atomic_concurrent(void **state)
{
	struct fx *f = *state;
	static char a[8192], b[20000], got[32768];
	struct pr_error err;
	pid_t pid;
	int status, i, fd;
	ssize_t n;
	size_t off;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	assert_int_equal(repo_write_atomic(f->dirfd, "c.0", a, sizeof(a), &err),
	    0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 0; i < 3000; i++) {
			if ((fd = openat(f->dirfd, "c.0", O_RDONLY)) == -1)
				_exit(2);	/* the name must always exist */
			off = 0;
			while ((n = read(fd, got + off, sizeof(got) - off)) > 0)
				off += (size_t)n;
			close(fd);
			if (!((off == sizeof(a) && memcmp(got, a, off) == 0) ||
			    (off == sizeof(b) && memcmp(got, b, off) == 0)))
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; waitpid(pid, &status, WNOHANG) == 0; i++)
		assert_int_equal(repo_write_atomic(f->dirfd, "c.0",
		    i % 2 ? a : b, i % 2 ? sizeof(a) : sizeof(b), &err), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_temp(f), 0);
}

/* ==== remove, temp files ==== */

static void
test_remove(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	struct stat sb;

	assert_int_equal(repo_write_atomic(f->dirfd, "r.0", "x", 1, &err), 0);
	assert_int_equal(repo_remove(f->dirfd, "r.0", &err), 0);
	assert_int_equal(fstatat(f->dirfd, "r.0", &sb, 0), -1);
	assert_int_equal(repo_remove(f->dirfd, "r.0", &err), 0);	/* ENOENT */
}

static void
test_temp_commit_and_clean(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	char *name, buf[64];
	int fd;

	fd = repo_create_temp(f->dirfd, &name, &err);
	assert_true(fd >= 0);
	assert_int_equal(strncmp(name, ".tmp.", 5), 0);
	assert_int_equal(mode_of(f, name), 0600);
	assert_int_equal(write(fd, "worker", 6), 6);
	close(fd);
	assert_int_equal(repo_commit_temp(f->dirfd, name, "w.0", &err), 0);
	assert_string_equal((slurp(f, "w.0", buf, sizeof(buf)), buf), "worker");
	assert_int_equal(count_temp(f), 0);
	free(name);

	/* commit refuses names that are not a temp file / a plain name */
	assert_int_equal(repo_commit_temp(f->dirfd, "w.0", "x.0", &err),
	    EINVAL);
	fd = repo_create_temp(f->dirfd, &name, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(repo_commit_temp(f->dirfd, name, "../x", &err),
	    EINVAL);

	/* a failed rename removes the temp file */
	fail_errno = ENOSPC;
	repo_sys.rename_at = rename_fail;
	assert_int_equal(repo_commit_temp(f->dirfd, name, "w.0", &err), ENOSPC);
	repo_sys_reset();
	assert_int_equal(count_temp(f), 0);
	free(name);

	/* a temp file that is not private (or not a file) is refused */
	fd = repo_create_temp(f->dirfd, &name, &err);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(repo_commit_temp(f->dirfd, name, "w.0", &err), EPERM);
	assert_int_equal(count_temp(f), 0);
	free(name);
	assert_int_equal(mkdirat(f->dirfd, ".tmp.dir", 0700), 0);
	assert_int_equal(repo_commit_temp(f->dirfd, ".tmp.dir", "w.0", &err),
	    EPERM);
	assert_int_equal(unlinkat(f->dirfd, ".tmp.dir", AT_REMOVEDIR), 0);
	assert_string_equal((slurp(f, "w.0", buf, sizeof(buf)), buf), "worker");

	/* leftovers from a crash */
	fd = repo_create_temp(f->dirfd, &name, &err);
	close(fd);
	free(name);
	fd = repo_create_temp(f->dirfd, &name, &err);
	close(fd);
	free(name);
	assert_int_equal(count_temp(f), 2);
	assert_true(repo_is_temp_name(".tmp.0123456789ab"));
	assert_false(repo_is_temp_name("w.0"));
	assert_false(repo_is_temp_name("repository.db"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_created_0700, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dir_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replace, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_over_symlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fault_enospc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fault_fsync_eio, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fault_rename, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fault_eintr, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_atomic_concurrent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_commit_and_clean,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
