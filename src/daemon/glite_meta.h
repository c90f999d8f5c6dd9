/*
 * glite_meta.h: the metadata of a gLite proxy renewal repository (format
 * in doc/glite-repository.md). Pure parsing: no I/O, no logging.
 */
#ifndef PR_GLITE_META_H
#define PR_GLITE_META_H

#include <stddef.h>
#include <stdint.h>

#include "pr_error.h"

#define GLITE_MD5_HEX_LEN	32	/* "<md5 hex>.data" */
#define GLITE_LINE_MAX		4096	/* a .data line (gLite's own buffer is smaller) */
#define GLITE_JOBS_MAX		10000	/* job ids of one record */

/* One line of "<md5>.data": one proxy file "<md5>.<suffix>". */
struct glite_record {
	int suffix;		/* >= 0 */
	int is_unique;		/* unique=1 */
	int voms_exts;		/* voms_exts=1: gLite saw VOMS ACs */
	char *server;		/* server=: "host" or "host:port" ("" none) */
	int64_t next_renewal;	/* Unix time; 0 for a free slot */
	int64_t end_time;	/* Unix time; 0 for a free slot */
	char *fqans;		/* fqans=, ':'-separated as gLite wrote it; NULL none */
	char **jobids;		/* old format: jobid= tokens in the line */
	size_t n_jobids;
};

/* "<32 lower-case hex>.data": 1, else 0. */
int	glite_is_data_name(const char *name);

/* Parse one line (no newline). 0, or EINVAL with err saying what. */
int	glite_record_parse(const char *line, struct glite_record *r,
	    struct pr_error *err);
void	glite_record_free(struct glite_record *r);

/*
 * Split the content of "<md5>.<suffix>.jobs" (one job id a line, each line
 * ended by '\n') into *ids (*n entries, caller frees with
 * glite_jobids_free). 0, or EINVAL (an unterminated or empty line, a NUL,
 * more than GLITE_JOBS_MAX).
 */
int	glite_jobs_parse(const char *text, size_t len, char ***ids, size_t *n,
	    struct pr_error *err);
void	glite_jobids_free(char **ids, size_t n);

#endif
