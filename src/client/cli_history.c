/*
 * cli_history.c: `proxy-renew history FILE` / `-j JOB history`: the
 * renewal audit trail of one stored proxy (the HISTORY reply,
 * doc/protocol.md), as a table readable at 80 columns or as one JSON
 * object. Pure output: the request is made by proxy-renew.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_history.h"
#include "cli_monitor.h"
#include "json.h"
#include "message.h"

#define HIST_WIDTH	80	/* columns of the text output */
#define DETAIL_INDENT	"    "	/* a detail line of an attempt */
#define WRAP_INDENT	"      "	/* its continuation lines */

/* One attempt of the reply: the index of its Attempt_time= and the next. */
struct span {
	size_t from, to;	/* kv[from] is Attempt_time, kv[to] is not ours */
};

/* The first value of key within the span, or "". */
static const char *
span_get(const struct pr_msg *m, const struct span *s, const char *key)
{
	size_t i;

	for (i = s->from; i < s->to; i++)
		if (strcmp(m->kv[i].key, key) == 0)
			return m->kv[i].value;
	return "";
}

/* The span of the attempt starting at or after *i; 0 when none is left. */
static int
next_span(const struct pr_msg *m, size_t *i, struct span *s)
{
	size_t k;

	for (; *i < m->n_kv; (*i)++)
		if (strcmp(m->kv[*i].key, PR_KEY_ATTEMPT_TIME) == 0)
			break;
	if (*i >= m->n_kv)
		return 0;
	s->from = *i;
	for (k = *i + 1; k < m->n_kv; k++)
		if (strcmp(m->kv[k].key, PR_KEY_ATTEMPT_TIME) == 0 ||
		    strcmp(m->kv[k].key, PR_KEY_OMITTED) == 0)
			break;
	s->to = *i = k;
	return 1;
}

void
cli_wrap(FILE *f, const char *first, const char *rest, const char *text,
    size_t width)
{
	const char *indent = first, *p = text;
	size_t room, n, cut;

	while (*p == ' ')
		p++;
	do {
		room = width > strlen(indent) + 10 ? width - strlen(indent) : 10;
		n = strlen(p);
		cut = n;
		if (n > room) {
			for (cut = room; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)	/* one long word: cut it, not a char */
				for (cut = room; cut > 1 &&
				    ((unsigned char)p[cut] & 0xc0) == 0x80; cut--)
					;
		}
		(void)fprintf(f, "%s%.*s\n", indent, (int)cut, p);
		for (p += cut; *p == ' '; p++)
			;
		indent = rest;
	} while (*p != '\0');
}

/* "2026-12-01 00:07:24" (UTC), or "-" for 0. */
static void
fmt_utc(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(buf, size, "-");
}

/* "412 ms", "3.2 s", "95 s". */
static void
fmt_ms(int64_t ms, char *buf, size_t size)
{
	if (ms < 1000)
		(void)snprintf(buf, size, "%lld ms", (long long)ms);
	else if (ms < 10000)
		(void)snprintf(buf, size, "%lld.%lld s", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
	else
		(void)snprintf(buf, size, "%lld s", (long long)(ms / 1000));
}

static void
hist_attempt(FILE *f, const struct pr_msg *m, const struct span *s)
{
	char when[32], end[32], took[32], res[24], line[1100];
	const char *cls = span_get(m, s, PR_KEY_ATTEMPT_CLASS);
	const char *msg = span_get(m, s, PR_KEY_ATTEMPT_MESSAGE);
	int64_t result = cli_num(span_get(m, s, PR_KEY_ATTEMPT_RESULT));
	int64_t ac = cli_num(span_get(m, s, PR_KEY_ATTEMPT_AC_END_TIME));
	size_t i;

	fmt_utc(cli_num(m->kv[s->from].value), when, sizeof(when));
	fmt_utc(cli_num(span_get(m, s, PR_KEY_ATTEMPT_END_TIME)), end, sizeof(end));
	fmt_ms(cli_num(span_get(m, s, PR_KEY_ATTEMPT_DURATION_MS)), took,
	    sizeof(took));
	(void)snprintf(res, sizeof(res), result == 0 ? "ok" : "%lld",
	    (long long)result);
	(void)fprintf(f, "%-19s  %-6s  %-17s  %8s  %s\n", when, res,
	    cls[0] ? cls : "-", took, end);
	if (ac > 0) {
		fmt_utc(ac, end, sizeof(end));
		(void)fprintf(f, DETAIL_INDENT "VOMS AC end %s\n", end);
	}
	for (i = s->from; i < s->to; i++)
		if (strcmp(m->kv[i].key, PR_KEY_ATTEMPT_SERVER) == 0)
			cli_wrap(f, DETAIL_INDENT, WRAP_INDENT, m->kv[i].value,
			    HIST_WIDTH);
	if (result != 0 && msg[0] != '\0') {
		(void)snprintf(line, sizeof(line), "message: %s", msg);
		cli_wrap(f, DETAIL_INDENT, WRAP_INDENT, line, HIST_WIDTH);
	}
}

static void
hist_text(FILE *f, const struct pr_msg *m)
{
	const char *file = msg_get(m, PR_KEY_PROXY_NAME), *base;
	int64_t kept = cli_num(msg_get(m, PR_KEY_HISTORY_KEPT));
	int64_t omitted = cli_num(msg_get(m, PR_KEY_OMITTED));
	struct span s;
	size_t i = 0, n = 0;

	base = file != NULL && strrchr(file, '/') ? strrchr(file, '/') + 1 :
	    file != NULL ? file : "";
	(void)fprintf(f, "file      %s\n", base);
	cli_wrap(f, "identity  ", "          ", msg_get(m, PR_KEY_IDENTITY) ?
	    msg_get(m, PR_KEY_IDENTITY) : "", HIST_WIDTH);
	while (next_span(m, &i, &s))
		n++;
	if (kept == 0) {
		(void)fprintf(f, "no attempts are kept (the daemon runs with "
		    "--history 0)\n");
		return;
	}
	(void)fprintf(f, "%zu attempt%s (the last %lld are kept), newest "
	    "first, times in UTC\n", n, n == 1 ? "" : "s", (long long)kept);
	if (n == 0)
		return;
	(void)fprintf(f, "%-19s  %-6s  %-17s  %8s  %s\n", "TIME", "RESULT",
	    "CLASS", "TOOK", "NEW END");
	for (i = 0; next_span(m, &i, &s);)
		hist_attempt(f, m, &s);
	if (omitted > 0)
		(void)fprintf(f, "(%lld older not shown: the reply would be too "
		    "large)\n", (long long)omitted);
}

static void
json_num_field(FILE *f, const char *name, const char *value)
{
	(void)fprintf(f, ",\"%s\":%lld", name, (long long)cli_num(value));
}

static void
json_str_field(FILE *f, const char *name, const char *value)
{
	(void)fprintf(f, ",\"%s\":", name);
	json_str(f, value != NULL ? value : "");
}

static void
hist_json_attempt(FILE *f, const struct pr_msg *m, const struct span *s)
{
	size_t i, n = 0;

	(void)fprintf(f, "{\"time\":%lld", (long long)cli_num(m->kv[s->from].value));
	json_num_field(f, "duration_ms", span_get(m, s,
	    PR_KEY_ATTEMPT_DURATION_MS));
	json_num_field(f, "result", span_get(m, s, PR_KEY_ATTEMPT_RESULT));
	json_str_field(f, "class", span_get(m, s, PR_KEY_ATTEMPT_CLASS));
	(void)fprintf(f, ",\"servers\":[");
	for (i = s->from; i < s->to; i++) {
		if (strcmp(m->kv[i].key, PR_KEY_ATTEMPT_SERVER) != 0)
			continue;
		(void)fprintf(f, n++ ? "," : "");
		json_string(f, m->kv[i].value, m->kv[i].value_len);
	}
	(void)fprintf(f, "]");
	json_num_field(f, "end_time", span_get(m, s, PR_KEY_ATTEMPT_END_TIME));
	json_num_field(f, "ac_end_time", span_get(m, s,
	    PR_KEY_ATTEMPT_AC_END_TIME));
	json_str_field(f, "message", span_get(m, s, PR_KEY_ATTEMPT_MESSAGE));
	(void)fprintf(f, "}");
}

static void
hist_json(FILE *f, const struct pr_msg *m)
{
	struct span s;
	size_t i = 0, n = 0;

	(void)fprintf(f, "{\"command\":\"history\",\"response\":0");
	json_str_field(f, "proxy_name", msg_get(m, PR_KEY_PROXY_NAME));
	json_str_field(f, "identity", msg_get(m, PR_KEY_IDENTITY));
	json_num_field(f, "end_time", msg_get(m, PR_KEY_END_TIME));
	json_num_field(f, "history_kept", msg_get(m, PR_KEY_HISTORY_KEPT));
	json_num_field(f, "omitted", msg_get(m, PR_KEY_OMITTED));
	(void)fprintf(f, ",\"attempts\":[");
	while (next_span(m, &i, &s)) {
		(void)fprintf(f, n++ ? "," : "");
		hist_json_attempt(f, m, &s);
	}
	(void)fprintf(f, "]}\n");
}

void
cli_history_print(FILE *f, const struct pr_msg *resp, int json)
{
	if (json)
		hist_json(f, resp);
	else
		hist_text(f, resp);
}
