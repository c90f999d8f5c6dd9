/*
 * doctor.h: proxy-renewd --doctor, the checklist of the whole renewal path
 * (doctor.c: local files and clock; doctor_net.c: servers). Runs instead
 * of the daemon, changes nothing, prints one line per check.
 */
#ifndef PR_DOCTOR_H
#define PR_DOCTOR_H

#include <stdint.h>
#include <stdio.h>

struct options;

enum doc_state { DOC_OK, DOC_WARN, DOC_FAIL, DOC_SKIP };

struct doctor {
	FILE *out;
	int n_fail;
	int n_warn;
	int64_t now;		/* wall clock, Unix seconds */
	const char *cert, *key, *cadir;	/* service credential, resolved */
};

/* One checklist line, and a hint under a failure or warning (may be NULL). */
void doc_report(struct doctor *doc, enum doc_state st, const char *what,
    const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Run every check; 0 when none failed, 1 otherwise (the exit status). */
int doctor_run(const struct options *o, FILE *out);

/* doctor_net.c */
void doctor_myproxy(struct doctor *doc, const char *servers);
void doctor_voms(struct doctor *doc, const struct options *o);

/* doctor_cred.c: --identity FILE (a path, or a repository file name) */
void doctor_identity(struct doctor *doc, const char *repo,
    const char *servers, const char *which);

#endif /* PR_DOCTOR_H */
