/*
 * clock.c: CLOCK_MONOTONIC in milliseconds (see clock.h).
 */
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
clock_deadline_ms(double timeout_sec)
{
	double ms;
	int64_t whole;

	if (!(timeout_sec > 0))		/* also NaN */
		timeout_sec = 0;
	if (timeout_sec > CLOCK_TIMEOUT_SEC_MAX)
		timeout_sec = CLOCK_TIMEOUT_SEC_MAX;
	ms = timeout_sec * 1e3;
	whole = (int64_t)ms;		/* no libm: -lproxyrenew alone */
	if ((double)whole < ms)
		whole++;
	return clock_mono_ms() + whole;
}
