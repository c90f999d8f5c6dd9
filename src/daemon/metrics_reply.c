/*
 * metrics_reply.c: the METRICS request (proxy-renew metrics): the text of
 * metrics.c, one Metrics= line per exposition line.
 *
 * Rules:
 *  (1) The reply has a bound of its own, PR_METRICS_REPLY_MAX_BYTES (the
 *      client reads as much for METRICS, 1 MiB for every other reply):
 *      per-proxy series grow with the site. Past it the daemon answers
 *      an error naming the size and the way out (--metrics-totals-only,
 *      --metrics-file), never a cut text.
 *  (2) Requests stay bounded as before (--max-frame): only this reply is
 *      larger.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "message.h"
#include "pr_limits.h"

/* Version=, Response= and the frame header, with room to spare. */
#define METRICS_REPLY_SLACK_BYTES	1024

int
metrics_reply_check(size_t text_len, size_t n_lines, size_t max_bytes,
    struct pr_error *err)
{
	size_t per_line = strlen(PR_KEY_METRICS) + 1;	/* "Metrics=" */
	size_t bytes = text_len + METRICS_REPLY_SLACK_BYTES;

	if (n_lines > (SIZE_MAX - bytes) / per_line ||
	    bytes + n_lines * per_line > max_bytes)
		return pr_error_set(err, PR_ERR_GENERIC, "the metrics are %zu "
		    "bytes in %zu lines, more than a METRICS reply carries "
		    "(%zu bytes): start the daemon with --metrics-totals-only "
		    "(no per-proxy series), or read the per-proxy series from "
		    "--metrics-file", text_len, n_lines, max_bytes);
	return 0;
}

int
metrics_command(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	char *text, *line, *nl;
	size_t len, n_lines = 0;
	int rc;

	(void)req;
	if ((rc = metrics_render(d, &text, &len, err)) != 0)
		return rc;
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		n_lines++;
	if ((rc = metrics_reply_check(len, n_lines, PR_METRICS_REPLY_MAX_BYTES,
	    err)) != 0) {
		free(text);
		return rc;
	}
	for (line = text; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		if (msg_add(body, PR_KEY_METRICS, line) != 0)
			fatalx("msg_add %s failed", PR_KEY_METRICS);
	}
	free(text);
	return 0;
}
