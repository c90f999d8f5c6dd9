/*
 * clock.h: the one monotonic clock of the project, in milliseconds.
 *
 * Every deadline and timer (the daemon's event loop, framed I/O, the
 * one-shot renewal, the client transport) counts in clock_mono_ms(), so a
 * deadline made in one place can be checked in another. Library-safe: no
 * allocation, no logging.
 */
#ifndef PR_CLOCK_H
#define PR_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_TIMEOUT_SEC_MAX	(10.0 * 365 * 86400)	/* cap for "forever" */

/* CLOCK_MONOTONIC in milliseconds. */
int64_t clock_mono_ms(void);

/* Seconds as milliseconds, rounded up; not positive (or NaN): 0. */
int64_t clock_sec_to_ms(double sec);

/*
 * The deadline timeout_sec from now (fractions count, rounded up to the
 * next millisecond); a timeout that is not positive (or NaN) is already
 * due, one above CLOCK_TIMEOUT_SEC_MAX is capped there.
 */
int64_t clock_deadline_ms(double timeout_sec);

/*
 * The one reader of a number of seconds from text (GLITE_PR_TIMEOUT and
 * the daemon's --timeout): decimal digits with an optional fraction
 * ("120", "0.5", ".5"), nothing else, above 0 and at most max_sec. Does
 * not depend on the locale. 0, or -1 with *out unchanged.
 */
int clock_parse_sec(const char *s, double max_sec, double *out);

/*
 * Seconds from now (wall clock) until Unix time when, between 0 and
 * max_sleep_sec: a timer armed for a wall-clock time sleeps at most that
 * long, so a step of the wall clock is noticed within it.
 */
int64_t clock_secs_until(int64_t when, int64_t max_sleep_sec);

/* Unix time t as "2026-11-30T23:57:31Z" in buf (the number if it fails). */
void clock_fmt_utc(int64_t t, char *buf, size_t size);

#endif /* PR_CLOCK_H */
