/*
 * cli_history.h: the output of `proxy-renew history` (the HISTORY reply).
 */
#ifndef PR_CLI_HISTORY_H
#define PR_CLI_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include "message.h"

/*
 * The audit trail in resp (a HISTORY reply with Response=0): the file and
 * identity, then one block per attempt, newest first (a line of time,
 * result, class, duration, new end; then the VOMS AC end, one line per
 * server, the message), within 80 columns; with json one JSON object.
 */
void cli_history_print(FILE *f, const struct pr_msg *resp, int json);

/*
 * text in lines of at most width bytes: the first starts with first, the
 * others with rest; broken at spaces, a longer word cut (not inside a
 * UTF-8 character). Always at least one line.
 */
void cli_wrap(FILE *f, const char *first, const char *rest, const char *text,
    size_t width);

#endif /* PR_CLI_HISTORY_H */
