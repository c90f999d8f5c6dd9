/*
 * log.h: daemon logging, to stderr in the foreground (-d) or syslog (daemon
 * facility) once detached. Never log key or proxy bytes; log client strings
 * through log_escape().
 * Library code (src/client, src/protocol) must not use this: it returns codes.
 */
#ifndef PR_LOG_H
#define PR_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Start logging with a tag ("proxy-renewd", "worker"); to_stderr for -d. */
void log_init(const char *tag, int to_stderr, int debug);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* + strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 when log_debug() writes: a caller skips preparing a debug-only line. */
int log_debug_on(void);
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copy s (len bytes, may contain anything) into out (size outsz) as printable
 * text: non-printables become \xNN, and the copy is capped with "..." when
 * too long. Returns out.
 */
char *log_escape(const char *s, size_t len, char *out, size_t outsz);

#endif /* PR_LOG_H */
