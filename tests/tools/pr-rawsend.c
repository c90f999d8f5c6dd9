/*
 * pr-rawsend: send one arbitrary, possibly malformed, frame to a unix
 * socket and print the response payload; the tests' tool for the
 * malformed-frame catalogue.
 *
 * usage: pr-rawsend SOCK [options]
 *   --body STR         payload text; escapes \n \t \\ \0 \xNN are decoded
 *   --body-file F      payload read from file F (raw bytes)
 *   --no-nul           do not append the NUL that gLite senders append
 *   --len N            declared length (0..4294967295); default: actual
 *   --partial N        send only the first N payload bytes
 *   --header-only      send the 4-byte length only
 *   --nothing          connect and send nothing at all
 *   --shut-wr          shutdown(SHUT_WR) after sending
 *   --one-write        length and payload in one write: the receiver finds
 *                      the payload queued as soon as it reads the length
 *   --close-after-len  same as --header-only --shut-wr
 *   --sleep-before-body S  pause S seconds (may be fractional) between the
 *                      length and the payload (gLite writes them apart)
 *   --dribble S        send the payload one byte at a time, S seconds apart
 *   --wait S           give up reading after S seconds (default 10)
 *
 * Output: the response payload on stdout with its trailing NUL removed,
 * or the single line "EOF" when the peer closed without a complete frame.
 * Exit: 0 a response was read and then a clean EOF, 2 EOF, 3 read timeout,
 * 4 a response but then a reset or more bytes (the daemon closes right
 * after its one reply), 1 usage or error.
 * Invariant: the response length is bounded (16 MiB) before allocation.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool_connect.h"

#define RESPONSE_MAX_BYTES	(16u * 1024 * 1024)
#define BODY_FILE_MAX_BYTES	(64u * 1024 * 1024)

struct opts {
	const char *sock;	/* socket path */
	char *body;		/* payload bytes, malloc'ed */
	size_t body_len;	/* bytes in body (NUL included unless no_nul) */
	int has_len;		/* --len given */
	uint32_t len;		/* declared length */
	long partial;		/* payload bytes to send, -1 all */
	int header_only;
	int nothing;
	int shut_wr;
	int one_write;
	double sleep_body_sec;	/* pause before the payload */
	double dribble_sec;	/* pause between payload bytes, 0 none */
	double wait_sec;	/* read timeout */
};

static void
usage(void)
{
	fprintf(stderr, "usage: pr-rawsend SOCK [--body STR | --body-file F] "
	    "[--no-nul] [--len N] [--partial N] [--header-only] [--nothing] "
	    "[--shut-wr] [--one-write] [--close-after-len] [--sleep-before-body S] "
	    "[--dribble S] [--wait S]\n");
	exit(1);
}

static void
die(const char *what)
{
	fprintf(stderr, "pr-rawsend: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode escapes of s into a new buffer; *len gets its length. */
static char *
unescape(const char *s, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *out;

	if ((out = malloc(n + 2)) == NULL)
		die("malloc");
	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			out[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case '0': out[o++] = '\0'; break;
		case '\\': out[o++] = '\\'; break;
		case 'x':
			if (i + 2 < n + 1 && hexval(s[i + 1]) >= 0 &&
			    hexval(s[i + 2]) >= 0) {
				out[o++] = (char)(hexval(s[i + 1]) * 16 +
				    hexval(s[i + 2]));
				i += 2;
				break;
			}
			/* FALLTHROUGH */
		default:
			out[o++] = '\\';
			out[o++] = s[i];
		}
	}
	*len = o;
	return out;
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die(path);
	if (fstat(fd, &st) == -1)
		die(path);
	if (st.st_size < 0 || (uintmax_t)st.st_size > BODY_FILE_MAX_BYTES) {
		fprintf(stderr, "pr-rawsend: %s: too large\n", path);
		exit(1);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		die("malloc");
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die(path);
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
}

static double
parse_sec(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || *end || d < 0 || d > 86400)
		usage();
	return d;
}

static long long
parse_num(const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > max)
		usage();
	return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i, no_nul = 0;
	char *b;

	memset(o, 0, sizeof(*o));
	o->partial = -1;
	o->wait_sec = 10;
	if (argc < 2)
		usage();
	o->sock = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (!strcmp(a, "--body") && more) {
			free(o->body);
			o->body = unescape(argv[++i], &o->body_len);
		} else if (!strcmp(a, "--body-file") && more) {
			free(o->body);
			o->body = read_file(argv[++i], &o->body_len);
		} else if (!strcmp(a, "--no-nul")) {
			no_nul = 1;
		} else if (!strcmp(a, "--len") && more) {
			o->has_len = 1;
			o->len = (uint32_t)parse_num(argv[++i], UINT32_MAX);
		} else if (!strcmp(a, "--partial") && more) {
			o->partial = (long)parse_num(argv[++i], LONG_MAX);
		} else if (!strcmp(a, "--header-only")) {
			o->header_only = 1;
		} else if (!strcmp(a, "--nothing")) {
			o->nothing = 1;
		} else if (!strcmp(a, "--shut-wr")) {
			o->shut_wr = 1;
		} else if (!strcmp(a, "--one-write")) {
			o->one_write = 1;
		} else if (!strcmp(a, "--close-after-len")) {
			o->header_only = o->shut_wr = 1;
		} else if (!strcmp(a, "--sleep-before-body") && more) {
			o->sleep_body_sec = parse_sec(argv[++i]);
		} else if (!strcmp(a, "--dribble") && more) {
			o->dribble_sec = parse_sec(argv[++i]);
		} else if (!strcmp(a, "--wait") && more) {
			o->wait_sec = parse_sec(argv[++i]);
		} else
			usage();
	}
	if (o->body == NULL && (o->body = malloc(1)) == NULL)
		die("malloc");
	if (!no_nul) {
		if ((b = realloc(o->body, o->body_len + 1)) == NULL)
			die("realloc");
		o->body = b;
		o->body[o->body_len++] = '\0';
	}
	if (o->body_len > UINT32_MAX) {
		fprintf(stderr, "pr-rawsend: body too large\n");
		exit(1);
	}
	if (!o->has_len)
		o->len = (uint32_t)o->body_len;
	if (o->partial >= 0 && (size_t)o->partial < o->body_len)
		o->body_len = (size_t)o->partial;
}

/* Write all of buf; 0, or -1 when the peer is gone (it may have answered). */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EPIPE || errno == ECONNRESET))
			return -1;
		if (w == -1)
			die("write");
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
sleep_sec(double sec)
{
	struct timespec ts;

	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The payload, all at once or byte by byte; 0, or -1 when the peer left. */
static int
send_body(int fd, const struct opts *o)
{
	size_t i;

	if (o->dribble_sec <= 0)
		return write_all(fd, o->body, o->body_len);
	for (i = 0; i < o->body_len; i++) {
		if (i > 0)
			sleep_sec(o->dribble_sec);
		if (write_all(fd, o->body + i, 1) == -1)
			return -1;
	}
	return 0;
}

/* --one-write: the length and the payload in a single write. */
static int
send_joined(int fd, const unsigned char hdr[4], const struct opts *o)
{
	char *buf = malloc(o->body_len + 4);
	int gone;

	if (buf == NULL)
		die("malloc");
	memcpy(buf, hdr, 4);
	memcpy(buf + 4, o->body, o->body_len);
	gone = write_all(fd, buf, o->body_len + 4);
	free(buf);
	return gone;
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Read exactly len bytes before deadline: 0, 2 on EOF (errno ECONNRESET
 * for a reset, else 0), 3 on timeout.
 */
static int
read_exact(int fd, unsigned char *buf, size_t len, double deadline)
{
	struct pollfd pfd;
	size_t got = 0;
	ssize_t r;
	double left;
	int pr;

	while (got < len) {
		left = deadline - now_sec();
		if (left <= 0)
			return 3;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pr = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr == -1)
			die("poll");
		if (pr == 0)
			continue;
		r = read(fd, buf + got, len - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == ECONNRESET)
			return 2;
		if (r == -1)
			die("read");
		if (r == 0) {
			errno = 0;
			return 2;
		}
		got += (size_t)r;
	}
	return 0;
}

/* After the reply: the daemon's close must read as EOF, not as a reset. */
static int
read_end(int fd, double deadline)
{
	unsigned char extra;

	switch (read_exact(fd, &extra, 1, deadline)) {
	case 0:
		fprintf(stderr, "pr-rawsend: bytes after the response\n");
		return 4;
	case 2:
		if (errno != ECONNRESET)
			return 0;
		fprintf(stderr, "pr-rawsend: connection reset after the "
		    "response\n");
		return 4;
	default:
		fprintf(stderr, "pr-rawsend: no EOF after the response\n");
		return 3;
	}
}

static int
read_response(int fd, double wait_sec)
{
	unsigned char hdr[4], *buf;
	double deadline = now_sec() + wait_sec;
	uint32_t n;
	int rc;

	if ((rc = read_exact(fd, hdr, 4, deadline)) != 0)
		goto out;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n > RESPONSE_MAX_BYTES) {
		fprintf(stderr, "pr-rawsend: response length %u too large\n", n);
		return 1;
	}
	if ((buf = malloc(n + 1)) == NULL)
		die("malloc");
	if ((rc = read_exact(fd, buf, n, deadline)) != 0) {
		free(buf);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\0')
		n--;
	fwrite(buf, 1, n, stdout);
	if (n > 0 && buf[n - 1] != '\n')
		putchar('\n');
	free(buf);
	return read_end(fd, deadline);
out:
	puts(rc == 2 ? "EOF" : "TIMEOUT");
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	unsigned char hdr[4];
	int fd, gone = 0, rc;

	signal(SIGPIPE, SIG_IGN);
	parse_opts(argc, argv, &o);
	if ((fd = tool_connect(o.sock)) == -1)
		die(o.sock);
	if (!o.nothing) {
		hdr[0] = (unsigned char)(o.len >> 24);
		hdr[1] = (unsigned char)(o.len >> 16);
		hdr[2] = (unsigned char)(o.len >> 8);
		hdr[3] = (unsigned char)o.len;
		if (o.one_write && !o.header_only)
			gone = send_joined(fd, hdr, &o);
		else
			gone = write_all(fd, (char *)hdr, sizeof(hdr));
		if (!gone && !o.header_only && o.sleep_body_sec > 0)
			sleep_sec(o.sleep_body_sec);
		if (!gone && !o.header_only && !o.one_write)
			gone = send_body(fd, &o);
	}
	if (!gone && o.shut_wr && shutdown(fd, SHUT_WR) == -1 &&
	    errno != ENOTCONN)
		die("shutdown");
	fflush(stdout);
	rc = read_response(fd, o.wait_sec);
	fflush(stdout);
	close(fd);
	free(o.body);
	return rc;
}
