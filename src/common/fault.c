/*
 * fault.c: see fault.h (built only with PR_FAULT_INJECT).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

void
fault_point(const char *name)
{
	const char *stop = getenv("PR_FAULT_STOP");

	if (stop != NULL && strcmp(stop, name) == 0)
		(void)raise(SIGKILL);
}
