/*
 * log.c: the daemon's (and worker's) logging: stderr in the foreground,
 * syslog(LOG_DAEMON) once detached. One process-wide state, set once by
 * log_init() before any other thread of work starts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char *tag;
	int to_stderr;
	int debug;
} log_state = { "proxy-renewd", 1, 0 };

void
log_init(const char *tag, int to_stderr, int debug)
{
	log_state.tag = tag;
	log_state.to_stderr = to_stderr;
	log_state.debug = debug;
	if (!to_stderr)
		openlog(tag, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * Control characters and bytes >= 0x7f become \xNN in place of the whole
 * line, whatever argument brought them (a client's Proxy_name inside an
 * error message): no forged log lines, no terminal escapes.
 */
static void
log_escape_line(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *in != '\0' && o + 5 <= outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
}

static void
log_vwrite(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char raw[2048], line[4 * sizeof(raw)];

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);	/* long lines are cut */
	log_escape_line(raw, line, sizeof(line));
	if (log_state.to_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s%s%s\n", stamp,
		    ts.tv_nsec / 1000000, log_state.tag, (long)getpid(), line,
		    suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
	} else if (suffix) {
		syslog(prio, "%s: %s", line, suffix);
	} else {
		syslog(prio, "%s", line);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

int
log_debug_on(void)
{
	return log_state.debug;
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_state.debug)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

char *
log_escape(const char *s, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outsz == 0)
		return out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + need + 4 > outsz) {	/* room for "..." and NUL */
			if (o + 4 <= outsz) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
