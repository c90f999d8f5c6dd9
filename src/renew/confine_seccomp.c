/*
 * confine_seccomp.c: the worker's system call allow-list (confine.h
 * rule 3) and the trap that reports a call outside it.
 *
 * The table below is THE list: derived from strace -f of the worker in the
 * MyProxy, failover and VOMS renewals of tests 100, 101, 102, 110-112,
 * 201, 204 and 210, plus what glibc's resolver does for a DNS name (UDP
 * to the name server) and the syscalls glibc may use instead of the ones
 * seen (stat family, select family, dup family). No fork, clone, exec,
 * ptrace, kill, listen, accept, chmod, unlink, rename, mkdir: a renewal
 * never needs them (bind only serves the netlink socket: no listen).
 *
 * A call outside the list raises SIGSYS (SCMP_ACT_TRAP, not KILL, so that
 * the number reaches the parent: si_syscall is not visible to a waitpid):
 * the handler writes one result frame and _exits. A handler replaced by
 * hostile code still cannot run the call: the kernel never executes it.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>

#include "confine.h"

#define ARGS_MAX 4

struct allow {
	int nr;			/* SCMP_SYS(name) */
	int arg;		/* -1: any arguments; else this argument ... */
	uint64_t vals[ARGS_MAX];	/* ... equals one of these (0 ends) */
};

#define ANY(name)	{ SCMP_SYS(name), -1, { 0 } }

static const struct allow allow_list[] = {
	/* memory, threads' futexes (libstdc++, OpenSSL locks) */
	ANY(brk), ANY(mmap), ANY(munmap), ANY(mprotect), ANY(mremap),
	ANY(madvise), ANY(futex),
	/* files: the ones Landlock lets through, and fds already open */
	ANY(openat), ANY(read), ANY(readv), ANY(pread64), ANY(write),
	ANY(writev), ANY(lseek), ANY(close), ANY(fstat), ANY(newfstatat),
	ANY(stat), ANY(lstat), ANY(statx), ANY(access), ANY(faccessat),
	ANY(faccessat2), ANY(readlink), ANY(readlinkat), ANY(getdents64),
	ANY(fcntl), ANY(dup), ANY(dup2), ANY(dup3), ANY(ftruncate),
	ANY(fsync), ANY(fdatasync), ANY(umask), ANY(getcwd), ANY(fstatfs),
	/* isatty() (Globus on /dev/null), non-blocking connect */
	{ SCMP_SYS(ioctl), 1, { TCGETS, FIONREAD, FIONBIO } },
	/*
	 * network: TCP to the servers, UDP to a name server, nscd, and the
	 * route netlink socket getaddrinfo(AI_ADDRCONFIG) binds and queries
	 */
	{ SCMP_SYS(socket), 0, { AF_INET, AF_INET6, AF_UNIX, AF_NETLINK } },
	ANY(bind), ANY(connect), ANY(setsockopt), ANY(getsockopt), ANY(getsockname),
	ANY(getpeername), ANY(sendto), ANY(recvfrom), ANY(sendmsg),
	ANY(recvmsg), ANY(sendmmsg), ANY(shutdown), ANY(poll), ANY(ppoll),
	ANY(select), ANY(pselect6),
	/* time, identity, limits (read only: raising a hard one is EPERM) */
	ANY(clock_gettime), ANY(clock_getres), ANY(gettimeofday), ANY(time),
	ANY(nanosleep), ANY(clock_nanosleep), ANY(getpid), ANY(gettid),
	ANY(getppid), ANY(getuid), ANY(geteuid), ANY(getgid), ANY(getegid),
	ANY(getrandom), ANY(uname), ANY(sysinfo), ANY(prlimit64),
	ANY(sched_yield), ANY(sched_getaffinity),
	/* signals and the end */
	ANY(rt_sigaction), ANY(rt_sigprocmask), ANY(rt_sigreturn),
	ANY(sigaltstack), ANY(restart_syscall), ANY(exit), ANY(exit_group),
};

/*
 * The proxy inspector's list (confine_seccomp_parser): it only computes on
 * what it reads from stdin and answers on stdout. Derived from strace -f
 * of the daemon's inspector over 1,000 REGISTERs of new identities and
 * bad files: after its narrowing it reads and writes its pipes, allocates,
 * and reads /etc/localtime once (glibc's tzset; files stay Landlock's).
 */
static const struct allow parser_list[] = {
	ANY(brk), ANY(mmap), ANY(munmap), ANY(mprotect), ANY(mremap),
	ANY(madvise), ANY(futex),
	ANY(read), ANY(readv), ANY(write), ANY(writev), ANY(close),
	ANY(openat), ANY(fstat), ANY(newfstatat), ANY(lseek),
	ANY(clock_gettime), ANY(gettimeofday), ANY(getpid), ANY(gettid),
	ANY(getrandom), ANY(sched_yield),
	ANY(rt_sigaction), ANY(rt_sigprocmask), ANY(rt_sigreturn),
	ANY(sigaltstack), ANY(restart_syscall), ANY(exit), ANY(exit_group),
};

static int trap_fd = -1;
static volatile sig_atomic_t result_written;

void
confine_result_written(void)
{
	result_written = 1;
}

/* Decimal digits of v at p (async-signal-safe); returns the end. */
static char *
put_uint(char *p, unsigned int v)
{
	char tmp[12];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* One result frame (message.h) naming the call, then _exit. */
static void
on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char frame[160], *p = frame + 4;
	size_t len;

	(void)sig;
	(void)uctx;
	if (!result_written && trap_fd >= 0) {
		p = put_str(p, "Response=");
		p = put_uint(p, PR_ERR_GENERIC);
		p = put_str(p, "\nMessage=worker killed by seccomp: syscall ");
		p = put_uint(p, (unsigned int)si->si_syscall);
		p = put_str(p, "\n");
		len = (size_t)(p - frame) - 4;
		frame[0] = 0;
		frame[1] = 0;
		frame[2] = (char)(len >> 8);
		frame[3] = (char)(len & 0xff);
		(void)!write(trap_fd, frame, len + 4);
	}
	_exit(CONFINE_EXIT_SECCOMP);
}

static int
add_allow(scmp_filter_ctx ctx, const struct allow *a)
{
	struct scmp_arg_cmp cmp;
	size_t i;
	int rc = 0;

	if (a->arg < 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	for (i = 0; rc == 0 && i < ARGS_MAX && a->vals[i] != 0; i++) {
		/* every field named: SCMP_CMP() leaves datum_b to clang's
		 * -Wmissing-field-initializers */
		memset(&cmp, 0, sizeof(cmp));
		cmp.arg = (unsigned int)a->arg;
		cmp.op = SCMP_CMP_EQ;
		cmp.datum_a = a->vals[i];
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr, 1,
		    &cmp);
	}
	return rc;
}

static int
install_trap(int fd, struct pr_error *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	(void)sigfillset(&sa.sa_mask);
	trap_fd = fd;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return pr_error_set(err, errno, "seccomp: SIGSYS handler: %s",
		    strerror(errno));
	return 0;
}

/* Load list[0..n-1] on top of default; 0 or an errno with err.msg. */
static int
load_list(uint32_t def, const struct allow *list, size_t n,
    struct pr_error *err)
{
	scmp_filter_ctx ctx;
	size_t i;
	int rc = 0;

	if ((ctx = seccomp_init(def)) == NULL)
		return pr_error_set(err, ENOMEM, "seccomp: init failed");
	for (i = 0; rc == 0 && i < n; i++)
		rc = add_allow(ctx, &list[i]);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return pr_error_set(err, -rc, "seccomp: %s", strerror(-rc));
	return 0;
}

int
confine_seccomp_parser(struct pr_error *err)
{
	return load_list(SCMP_ACT_KILL_PROCESS, parser_list,
	    sizeof(parser_list) / sizeof(parser_list[0]), err);
}

int
confine_seccomp(const struct confine_spec *spec, struct pr_error *err)
{
	if (install_trap(spec->result_fd, err) != 0)
		return err->code;
	return load_list(SCMP_ACT_TRAP, allow_list,
	    sizeof(allow_list) / sizeof(allow_list[0]), err);
}
