/*
 * clock.c: CLOCK_MONOTONIC in milliseconds (see clock.h).
 */
#include <stdio.h>
#include <time.h>

#include "clock.h"

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_sec_to_ms(double sec)
{
	double ms;
	int64_t whole;

	if (!(sec > 0))		/* also NaN */
		return 0;
	if (sec > CLOCK_TIMEOUT_SEC_MAX)
		sec = CLOCK_TIMEOUT_SEC_MAX;
	ms = sec * 1e3;
	whole = (int64_t)ms;		/* no libm: -lproxyrenew alone */
	return (double)whole < ms ? whole + 1 : whole;
}

int64_t
clock_deadline_ms(double timeout_sec)
{
	return clock_mono_ms() + clock_sec_to_ms(timeout_sec);
}

int
clock_parse_sec(const char *s, double max_sec, double *out)
{
	double v = 0, scale = 1;
	int digits = 0, dot = 0;

	if (s == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot) {
			dot = 1;
		} else if (*s >= '0' && *s <= '9' && digits < 30) {
			if (dot)
				v += (*s - '0') * (scale /= 10);
			else
				v = v * 10 + (*s - '0');
			digits++;
		} else {
			return -1;	/* sign, blank, exponent, 31st digit */
		}
	}
	if (digits == 0 || !(v > 0) || v > max_sec)
		return -1;
	*out = v;
	return 0;
}

void
clock_fmt_utc(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "%lld", (long long)t);
}

int64_t
clock_secs_until(int64_t when, int64_t max_sleep_sec)
{
	int64_t delay = when - (int64_t)time(NULL);

	if (delay < 0)
		delay = 0;
	return delay > max_sleep_sec ? max_sleep_sec : delay;
}
