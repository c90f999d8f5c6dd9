/*
 * cooldown.c: servers that could not be reached are skipped for a while.
 * A MyProxy server ("host:port") or VOMS server ("voms:host:port")
 * reported unreachable by a worker is passed to later workers as Skip=
 * for the cool-down period; a success from it ends its cool-down.
 *
 * Rules:
 *  (1) At most COOL_MAX servers are remembered; a new one replaces the
 *      entry ending first.
 *  (2) When every server of a list is cooling down none is skipped: the
 *      cool-down must not turn a live server into an outage (the worker
 *      applies the same rule per VO for VOMS servers).
 *  (3) Times are loop_now_ms() (monotonic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "renew_contract.h"
#include "xmalloc.h"

#define COOL_MAX	64	/* servers remembered as cooling down */

struct cooldown {
	char name[RENEW_SERVER_NAME_MAX];	/* "host:port", "voms:host:port" */
	int64_t until_ms;			/* loop_now_ms() clock */
};

static struct cooldown *
cool_find(struct cooldown_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].name, name) == 0)
			return &t->e[i];
	return NULL;
}

static int
is_voms(const char *name)
{
	return strncmp(name, RENEW_VOMS_NAME_PREFIX,
	    strlen(RENEW_VOMS_NAME_PREFIX)) == 0;
}

static void
cool_set(struct cooldown_table *t, const char *name, int64_t period_sec)
{
	struct cooldown *c;
	size_t i, old = 0, plen = strlen(RENEW_VOMS_NAME_PREFIX);

	if (period_sec <= 0)
		return;
	if (t->e == NULL)
		t->e = xcalloc(COOL_MAX, sizeof(*t->e));
	if ((c = cool_find(t, name)) == NULL) {
		if (t->n < COOL_MAX) {
			c = &t->e[t->n++];
		} else {	/* rule (1) */
			for (i = 1; i < t->n; i++)
				if (t->e[i].until_ms < t->e[old].until_ms)
					old = i;
			c = &t->e[old];
		}
		(void)snprintf(c->name, sizeof(c->name), "%s", name);
	}
	c->until_ms = loop_now_ms() + period_sec * 1000;
	log_info("%s server %s unreachable: skipped for %lld s (cool-down)",
	    is_voms(name) ? "VOMS" : "MyProxy", name + (is_voms(name) ? plen :
	    0), (long long)period_sec);
}

static void
cool_clear(struct cooldown_table *t, const char *name)
{
	struct cooldown *c = cool_find(t, name);

	if (c != NULL && c->until_ms > loop_now_ms()) {
		log_info("MyProxy server %s answered: cool-down ended", name);
		c->until_ms = 0;
	}
}

void
cool_note_result(struct cooldown_table *t, const struct renew_result *res,
    int64_t period_sec)
{
	size_t i;

	for (i = 0; i < res->n_errors; i++)
		if (res->errors[i].is_unreachable)
			cool_set(t, res->errors[i].server, period_sec);
	for (i = 0; i < res->n_voms_ok; i++)
		cool_clear(t, res->voms_ok[i]);
	if (res->code == 0)
		cool_clear(t, res->server);
}

/* "name (n s left)" appended to why. */
static void
why_add(char *why, size_t size, const char *name, int64_t left_ms)
{
	size_t off = strlen(why);

	if (off < size)
		(void)snprintf(why + off, size - off, "%s%s (%lld s left)",
		    off ? ", " : "", name, (long long)((left_ms + 999) / 1000));
}

size_t
cool_skip_servers(struct cooldown_table *t, const struct renew_server *srv,
    size_t n, const char **skip, char *why, size_t why_size)
{
	struct cooldown *c;
	size_t i, n_skip = 0;
	int64_t now = loop_now_ms();

	why[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((c = cool_find(t, srv[i].name)) == NULL ||
		    c->until_ms <= now)
			continue;
		skip[n_skip++] = srv[i].name;
		why_add(why, why_size, srv[i].name, c->until_ms - now);
	}
	if (n_skip == n) {	/* rule (2) */
		why[0] = '\0';
		return 0;
	}
	return n_skip;
}

size_t
cool_skip_voms(struct cooldown_table *t, const char **skip, size_t n_skip,
    size_t max, char *why, size_t why_size)
{
	size_t i;
	int64_t now = loop_now_ms();

	for (i = 0; i < t->n && n_skip < max; i++) {
		if (t->e[i].until_ms <= now || !is_voms(t->e[i].name))
			continue;
		skip[n_skip++] = t->e[i].name;
		why_add(why, why_size, t->e[i].name, t->e[i].until_ms - now);
	}
	return n_skip;
}

void
cool_free(struct cooldown_table *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

int64_t
cool_left_ms(const struct cooldown_table *t, const char *name)
{
	int64_t now = loop_now_ms();
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].name, name) == 0)
			return t->e[i].until_ms > now ? t->e[i].until_ms - now : 0;
	return 0;
}

const char *
cool_nth_cooling(const struct cooldown_table *t, size_t *i)
{
	int64_t now = loop_now_ms();

	for (; *i < t->n; (*i)++)
		if (t->e[*i].until_ms > now)
			return t->e[(*i)++].name;
	return NULL;
}
