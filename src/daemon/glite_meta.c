/*
 * glite_meta.c: reading the gLite repository's metadata lines and job
 * lists (doc/glite-repository.md) into plain structs.
 *
 * A line is a list of "key=value" tokens separated by ", " (gLite reads
 * them with ",\n" as separators, so a value never holds a comma). Known
 * keys at most once each, except jobid= (the old format's job list);
 * unknown keys are an error, so a line we do not understand is reported
 * rather than half-imported. Numbers go through the one checked reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "glite_meta.h"
#include "hex.h"
#include "xmalloc.h"

int
glite_is_data_name(const char *name)
{
	return hex_lower_run(name, GLITE_MD5_HEX_LEN) &&
	    strcmp(name + GLITE_MD5_HEX_LEN, ".data") == 0;
}

void
glite_jobids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void
glite_record_free(struct glite_record *r)
{
	free(r->server);
	free(r->fqans);
	glite_jobids_free(r->jobids, r->n_jobids);
	memset(r, 0, sizeof(*r));
}

static int
push_id(char ***ids, size_t *n, const char *s, size_t len,
    struct pr_error *err)
{
	if (len == 0)
		return pr_error_set(err, EINVAL, "empty job id");
	if (*n >= GLITE_JOBS_MAX)
		return pr_error_set(err, EINVAL, "more than %d job ids",
		    GLITE_JOBS_MAX);
	*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
	(*ids)[(*n)++] = xstrndup(s, len);
	return 0;
}

/* One "key=value" token into r; seen[] catches repeated keys. */
static int
record_token(struct glite_record *r, const char *key, size_t klen,
    const char *v, unsigned *seen, struct pr_error *err)
{
	static const char *const keys[] = { "suffix", "unique", "voms_exts",
	    "server", "next_renewal", "end_time", "fqans", "jobid" };
	int64_t num;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == klen && memcmp(keys[i], key, klen) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return pr_error_set(err, EINVAL, "unknown key '%.*s'",
		    (int)(klen > 32 ? 32 : klen), key);
	if (i == 7)
		return push_id(&r->jobids, &r->n_jobids, v, strlen(v), err);
	if (*seen & (1u << i))
		return pr_error_set(err, EINVAL, "%s= twice", keys[i]);
	*seen |= 1u << i;
	if (i == 3 || i == 6) {
		*(i == 3 ? &r->server : &r->fqans) = xstrdup(v);
		return 0;
	}
	if (opt_strtonum(v, 0, i < 3 ? INT32_MAX : INT64_MAX, &num) != 0)
		return pr_error_set(err, EINVAL, "%s=: '%.32s' is not a "
		    "number", keys[i], v);
	if (i == 0)
		r->suffix = (int)num;
	else if (i == 1)
		r->is_unique = num != 0;
	else if (i == 2)
		r->voms_exts = num != 0;
	else if (i == 4)
		r->next_renewal = num;
	else
		r->end_time = num;
	return 0;
}

int
glite_record_parse(const char *line, struct glite_record *r,
    struct pr_error *err)
{
	char *copy, *tok, *save = NULL, *eq, *s;
	unsigned seen = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (strlen(line) > GLITE_LINE_MAX)
		return pr_error_set(err, EINVAL, "line longer than %d bytes",
		    GLITE_LINE_MAX);
	copy = xstrdup(line);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		for (s = tok; *s == ' '; s++)
			;
		if ((eq = strchr(s, '=')) == NULL) {
			rc = pr_error_set(err, EINVAL, "'%.32s' is not key=value",
			    s);
			break;
		}
		rc = record_token(r, s, (size_t)(eq - s), eq + 1, &seen, err);
	}
	free(copy);
	/* suffix, unique, server, next_renewal and end_time are required */
	if (rc == 0 && (seen & 0x3b) != 0x3b)
		rc = pr_error_set(err, EINVAL, "a required key (suffix, unique, "
		    "server, next_renewal, end_time) is missing");
	if (rc != 0)
		glite_record_free(r);
	return rc;
}

int
glite_jobs_parse(const char *text, size_t len, char ***ids, size_t *n,
    struct pr_error *err)
{
	const char *p = text, *end = text + len, *nl;
	int rc = 0;

	*ids = NULL;
	*n = 0;
	if (memchr(text, '\0', len) != NULL)
		rc = pr_error_set(err, EINVAL, "NUL byte in the job list");
	while (rc == 0 && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			rc = pr_error_set(err, EINVAL, "last job id has no "
			    "newline");
			break;
		}
		rc = push_id(ids, n, p, (size_t)(nl - p), err);
		p = nl + 1;
	}
	if (rc != 0) {
		glite_jobids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}
