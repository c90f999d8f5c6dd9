/*
 * pr-idleconns: hold N connections to a unix socket open without sending a
 * request (or dribbling one byte every S seconds), the hostile client that
 * must not lock others out; tests and bench use it.
 *
 * usage: pr-idleconns SOCK N [--dribble S]
 * Prints "connected N" once all N are connected, then waits until stdin
 * reaches EOF, reading whatever the daemon answers. At the end prints
 *   answered K      connections that got a response frame
 *   eof K           connections closed without a response
 *   open K          connections still open
 *   code C K        K responses with Response=C
 *   message TEXT    the first Message= seen
 * Exit 0, or 1 on usage/connect errors.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool_connect.h"

#define MAX_CONNS	4096
#define RESP_MAX	4096
#define MAX_CODES	16

struct idle {
	int fd;			/* -1 once finished */
	char buf[RESP_MAX];
	size_t got;
	size_t sent;		/* dribbled bytes */
};

static const char dribble_frame[] =
    "\0\0\0\x29" "Version=EDG Proxy Renewal 1.0\nCommand=4\n\0";

static int n_answered, n_eof, codes[MAX_CODES][2], n_codes;
static char first_message[512];

static void
note_response(const char *p, size_t len)
{
	const char *r = memmem(p, len, "Response=", 9), *m;
	int code, i;

	n_answered++;
	code = r != NULL ? atoi(r + 9) : -1;
	for (i = 0; i < n_codes && codes[i][0] != code; i++)
		;
	if (i == n_codes && n_codes < MAX_CODES)
		codes[n_codes++][0] = code;
	if (i < MAX_CODES)
		codes[i][1]++;
	if (first_message[0] == '\0' &&
	    (m = memmem(p, len, "Message=", 8)) != NULL)
		(void)sscanf(m + 8, "%511[^\n]", first_message);
}

/* Read what is there; finish the connection on a whole frame or EOF. */
static void
idle_read(struct idle *c)
{
	ssize_t n = read(c->fd, c->buf + c->got, sizeof(c->buf) - c->got);
	size_t want;

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->got += (size_t)n;
	want = c->got >= 4 ? 4 + ((size_t)(unsigned char)c->buf[2] << 8 |
	    (unsigned char)c->buf[3]) : 0;
	if (c->got >= 4 && c->got >= want) {
		note_response(c->buf + 4, want - 4);
	} else if (n <= 0) {
		n_eof++;
	} else if (c->got < sizeof(c->buf)) {
		return;
	}
	(void)close(c->fd);
	c->fd = -1;
}

int
main(int argc, char **argv)
{
	static struct idle conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 1];
	double dribble = 0;
	time_t last = time(NULL);
	int n, i, k, n_open, stdin_open = 1;

	if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--dribble") == 0)) {
		fprintf(stderr, "usage: pr-idleconns SOCK N [--dribble S]\n");
		return 1;
	}
	n = atoi(argv[2]);
	if (argc == 5)
		dribble = atof(argv[4]);
	if (n < 1 || n > MAX_CONNS)
		return 1;
	for (i = 0; i < n; i++)
		if ((conns[i].fd = tool_connect(argv[1])) == -1) {
			fprintf(stderr, "pr-idleconns: connect %d: %s\n", i,
			    strerror(errno));
			return 1;
		}
	printf("connected %d\n", n);
	fflush(stdout);
	while (stdin_open) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, 200) == -1 && errno != EINTR)
			return 1;
		if (pfd[0].revents != 0) {
			char b[64];

			if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
				stdin_open = 0;
		}
		for (i = 0; i < n; i++)
			if (conns[i].fd != -1 && pfd[i + 1].revents != 0)
				idle_read(&conns[i]);
		if (dribble > 0 && difftime(time(NULL), last) >= dribble) {
			last = time(NULL);
			for (i = 0; i < n; i++)
				if (conns[i].fd != -1 && conns[i].sent <
				    sizeof(dribble_frame) - 1 && send(conns[i].fd,
				    dribble_frame + conns[i].sent, 1,
				    MSG_NOSIGNAL) == 1)
					conns[i].sent++;
		}
	}
	for (i = 0, n_open = 0; i < n; i++)
		n_open += conns[i].fd != -1;
	printf("answered %d\neof %d\nopen %d\n", n_answered, n_eof, n_open);
	for (k = 0; k < n_codes; k++)
		printf("code %d %d\n", codes[k][0], codes[k][1]);
	printf("message %s\n", first_message);
	return 0;
}
