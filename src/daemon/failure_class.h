/*
 * failure_class.h: what kind of failure a renewal attempt was, decided from
 * what the MyProxy / VOMS servers and the worker said (the texts a real
 * myproxy-server 6.2 and voms-server send; shared design myproxy-replies.md).
 *
 * Pure code: no I/O, no logging. One table (failure_class.c) holds every
 * rule; tests/unit/test_failure_class.c has one test per row.
 */
#ifndef PR_FAILURE_CLASS_H
#define PR_FAILURE_CLASS_H

enum fclass {
	FCLASS_NONE = 0,	/* success: no failure */
	FCLASS_TRANSIENT,	/* server down, timeout, TLS: retry with backoff */
	FCLASS_USER,		/* needs-user-action: retry at the longest backoff */
	FCLASS_LOCAL,		/* this host: repository, service credential */
	FCLASS__COUNT
};

/* One rule: a server's or the worker's text and what it means. */
struct fclass_rule {
	const char *text;	/* matched as a substring, case-sensitive */
	int is_anchored;	/* 1: only at the message's start or right
				   after ": " (our own "subject: why" texts) */
	enum fclass cls;
	const char *reason;	/* the cause in words, for logs and hooks */
};

/*
 * The class of a failed attempt (code != 0) from its message, which holds
 * every server's own text. A message naming several servers gets the
 * strongest class any of them shows, in the order local > transient >
 * needs-user-action: one server still unreachable may hold the credential
 * another one lacks, so only "every server refused" needs the user.
 * Unrecognised texts are transient (the existing backoff applies).
 * *rule (may be NULL) gets the deciding row, NULL when none matched.
 */
enum fclass fclass_classify(int code, const char *msg,
    const struct fclass_rule **rule);

/* "transient", "needs-user-action", "local"; "" for FCLASS_NONE. */
const char *fclass_name(enum fclass cls);

/* The table itself (for the unit test): *n rows. */
const struct fclass_rule *fclass_rules(unsigned *n);

#endif /* PR_FAILURE_CLASS_H */
