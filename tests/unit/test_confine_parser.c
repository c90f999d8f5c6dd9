/*
 * test_confine_parser.c: the proxy inspector's seccomp allow-list
 * (confine_seccomp_parser): in a forked child, what the inspector does
 * (allocate, write to its pipe, read the clock) goes on; a call it never
 * needs (socket, fork, execve, kill) ends the child with SIGSYS.
 * Under valgrind (make check-valgrind), which has no seccomp system call,
 * the filter cannot load: the test then checks that loading fails (the
 * inspector refuses to run unfiltered), the only case where it may.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "renew/confine.h"

enum act { ACT_ALLOWED, ACT_SOCKET, ACT_FORK, ACT_EXECVE, ACT_KILL };

#define NOT_LOADED	2	/* the child's exit status: no filter */

/* In a child: the filter, then act; exit 0 if still alive. */
static int
run_child(enum act act)
{
	struct pr_error err;
	char *argv[] = { "/bin/true", NULL };
	struct timespec ts;
	pid_t pid;
	void *p;
	int st = 0;

	if ((pid = fork()) == 0) {
		if (confine_seccomp_parser(&err) != 0)
			_exit(NOT_LOADED);
		switch (act) {
		case ACT_ALLOWED:
			p = malloc(1 << 20);	/* mmap */
			memset(p, 1, 1 << 20);
			free(p);
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			(void)!write(2, "", 0);
			break;
		case ACT_SOCKET:
			(void)socket(AF_INET, SOCK_STREAM, 0);
			break;
		case ACT_FORK:
			(void)fork();
			break;
		case ACT_EXECVE:
			(void)execve(argv[0], argv, NULL);
			break;
		case ACT_KILL:
			(void)kill(getppid(), 0);
			break;
		}
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* The filter did not load: only valgrind may cause that. */
static int
not_loaded(int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) != NOT_LOADED)
		return 0;
	if (!RUNNING_ON_VALGRIND)
		fail_msg("confine_seccomp_parser failed outside valgrind");
	return 1;
}

static void
test_allowed(void **state)
{
	int st;

	(void)state;
	st = run_child(ACT_ALLOWED);
	if (not_loaded(st))
		return;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_forbidden(void **state)
{
	enum act acts[] = { ACT_SOCKET, ACT_FORK, ACT_EXECVE, ACT_KILL };
	size_t i;
	int st;

	(void)state;
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		st = run_child(acts[i]);
		if (not_loaded(st))
			continue;
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
