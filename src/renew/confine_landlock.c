/*
 * confine_landlock.c: the worker's filesystem view (confine.h rule 2).
 *
 * Raw system calls (glibc has no wrappers); the kernel headers of the
 * build machine may predate the newer rights, so they are defined here and
 * only handled when the running kernel's ABI knows them. A path that does
 * not exist is skipped: a rule cannot be added for it and nothing can be
 * opened there anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#endif

#define FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/*
 * What the loader, libc (resolver, time zone, user database), OpenSSL and
 * Globus read during a renewal (strace -f of tests 100, 110, 111, 210),
 * beside the request's own paths. Read-only; /dev/null is written by
 * Globus (rights of its own below).
 */
static const char *const system_reads[] = {
	"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache",
	"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf",
	"/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols",
	"/etc/passwd", "/etc/group",
	"/etc/localtime", "/usr/share/zoneinfo", "/etc/ssl/openssl.cnf",
	"/etc/ssl/certs", "/etc/grid-security/gsi.conf", "/dev/urandom",
	"/dev/random",
};

static long
ll_create(const struct landlock_ruleset_attr *attr, size_t size, uint32_t fl)
{
	return syscall(SYS_landlock_create_ruleset, attr, size, fl);
}

int
confine_landlock_abi(void)
{
	long abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
}

/* The rights this kernel knows (newer ones are unknown to older ABIs). */
static uint64_t
handled_rights(int abi)
{
	uint64_t fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */

	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

/* Allow rights on the object fd refers to (a file gets file rights only). */
static int
add_fd_rule(int ruleset, int fd, uint64_t rights, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		rights &= FS_FILE_RIGHTS;
	pb.allowed_access = rights & handled;
	pb.parent_fd = fd;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

static int
add_path_rule(int ruleset, const char *path, uint64_t rights,
    uint64_t handled, struct pr_error *err)
{
	int fd, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return pr_error_set(err, errno, "landlock: %s: %s", path,
		    strerror(errno));
	}
	rc = add_fd_rule(ruleset, fd, rights, handled);
	if (rc == -1)
		rc = pr_error_set(err, errno, "landlock: rule for %s: %s",
		    path, strerror(errno));
	(void)close(fd);
	return rc;
}

static int
add_rules(int rs, const struct confine_spec *spec, uint64_t handled,
    struct pr_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < CONFINE_READ_PATHS_MAX; i++)
		if (spec->read_paths[i] != NULL)
			rc = add_path_rule(rs, spec->read_paths[i], FS_READ,
			    handled, err);
	for (i = 0; rc == 0 && i < sizeof(system_reads) /
	    sizeof(system_reads[0]); i++)
		rc = add_path_rule(rs, system_reads[i], FS_READ, handled, err);
	if (rc == 0)
		rc = add_path_rule(rs, "/dev/null", FS_READ |
		    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE,
		    handled, err);
	if (rc == 0 && spec->proxy_fd >= 0 &&
	    add_fd_rule(rs, spec->proxy_fd, LANDLOCK_ACCESS_FS_READ_FILE,
	    handled) == -1)
		rc = pr_error_set(err, errno, "landlock: rule for the current "
		    "proxy: %s", strerror(errno));
	return rc;
}

int
confine_landlock(const struct confine_spec *spec, struct pr_error *err)
{
	struct landlock_ruleset_attr attr;
	int abi = confine_landlock_abi(), rs, rc;

	if (abi == 0)
		return 1;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled_rights(abi);
	if ((rs = (int)ll_create(&attr, sizeof(attr), 0)) == -1)
		return pr_error_set(err, errno, "landlock: create ruleset: %s",
		    strerror(errno));
	rc = add_rules(rs, spec, attr.handled_access_fs, err);
	/* no_new_privs is already set (harden); restrict_self requires it */
	if (rc == 0 && syscall(SYS_landlock_restrict_self, rs, 0) == -1)
		rc = pr_error_set(err, errno, "landlock: restrict: %s",
		    strerror(errno));
	(void)close(rs);
	return rc;
}
