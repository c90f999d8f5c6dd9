/*
 * pr-syscall-filter: run a command under a seccomp allow-list, the way
 * systemd applies SystemCallFilter= with SystemCallErrorNumber=EPERM: any
 * system call not listed fails with EPERM. The package test uses it to
 * prove the unit's filter is enough for the daemon and its workers.
 *
 * usage: pr-syscall-filter LISTFILE CMD [ARGS...]
 * LISTFILE: one system call name a line (names this kernel or libseccomp
 * does not know are ignored, as systemd ignores them). Sets no_new_privs
 * (which the filter needs unprivileged, as NoNewPrivileges=yes), loads the
 * filter for the native architecture, then execs CMD; children inherit it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <seccomp.h>

int
main(int argc, char **argv)
{
	char line[128];
	scmp_filter_ctx ctx;
	FILE *f;
	int nr, n = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: pr-syscall-filter LISTFILE CMD [ARGS...]\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL ||
	    (ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL) {
		perror("pr-syscall-filter");
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' ||
		    (nr = seccomp_syscall_resolve_name(line)) == __NR_SCMP_ERROR)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0) {
			fprintf(stderr, "pr-syscall-filter: %s: cannot allow\n",
			    line);
			return 1;
		}
		n++;
	}
	(void)fclose(f);
	if (n == 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    seccomp_load(ctx) != 0) {
		fprintf(stderr, "pr-syscall-filter: cannot load %d rules\n", n);
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
