/*
 * confine.c: the worker's confinement in order (confine.h): resource
 * limits, Landlock, seccomp.
 *
 * Sanitizer builds (make check-asan) keep the limits but the address
 * space, and neither Landlock nor seccomp: at exit LeakSanitizer reads its
 * suppressions file and /proc/self, and stops the process with clone +
 * ptrace; a report runs the symbolizer; the shadow memory takes terabytes
 * of address space. They say so on stderr. Test 125 runs on the normal
 * build, where all of it is on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "confine.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_SANITIZER 1
#endif
#endif
#ifndef CONFINE_SANITIZER
#define CONFINE_SANITIZER 0
#endif

/*
 * Limits: a worker waiting on a MyProxy server had VmPeak 21 MiB (Globus,
 * VOMS, libstdc++, OpenSSL mapped), it opens fewer than 16 files at once,
 * uses well under a second of CPU and writes one proxy of a few KiB. The
 * limits are far above that, so only a runaway hits them.
 */
#define LIMIT_AS_BYTES		(1024UL * 1024 * 1024)
#define LIMIT_NOFILE		64
#define LIMIT_CPU_SEC		60
#define LIMIT_FSIZE_BYTES	(1024UL * 1024)

static int
set_limit(int res, const char *name, rlim_t v, struct pr_error *err)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl) == -1)
		return pr_error_set(err, errno, "setrlimit %s: %s", name,
		    strerror(errno));
	return 0;
}

static int
confine_limits(struct pr_error *err)
{
	int rc;

	if ((rc = set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", LIMIT_NOFILE,
	    err)) != 0 ||
	    (rc = set_limit(RLIMIT_CPU, "RLIMIT_CPU", LIMIT_CPU_SEC, err)) != 0 ||
	    (rc = set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", LIMIT_FSIZE_BYTES,
	    err)) != 0)
		return rc;
	if (!CONFINE_SANITIZER)
		rc = set_limit(RLIMIT_AS, "RLIMIT_AS", LIMIT_AS_BYTES, err);
	return rc;
}

int
confine_worker(const struct confine_spec *spec, struct pr_error *err)
{
	int rc;

	if ((rc = confine_limits(err)) != 0)
		return rc;
	if (CONFINE_SANITIZER) {
		(void)fprintf(stderr, "proxy-renewd-worker: sanitizer build: "
		    "no Landlock, no seccomp\n");
		return 0;
	}
	rc = confine_landlock(spec, err);
	if (rc == 1)
		(void)fprintf(stderr, "proxy-renewd-worker: no Landlock here "
		    "(kernel without it, disabled, or refused by a system "
		    "call filter): running without filesystem confinement\n");
	else if (rc != 0)
		return rc;
	return confine_seccomp(spec, err);
}
