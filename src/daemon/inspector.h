/*
 * inspector.h: REGISTER's proxies inspected in a child process, the
 * inspector (inspect_child.c), OpenBSD privsep style: the untrusted PEM
 * (and the client's key in it) is parsed outside the process that holds
 * every credential and the repository, and on another core than the
 * master's loop. The master keeps reading the file and its memo of recent
 * inspections (cred_memo); only misses go to the inspector.
 *
 * Rules:
 *  (1) Each accepted request's callback runs exactly once, from the loop,
 *      never inside inspector_submit: with the inspection, with its error,
 *      or with an error saying why there is none.
 *  (2) Requests are answered in the order sent. If the child dies, the
 *      oldest unanswered request, the one it was reading, fails ("the
 *      proxy inspector died reading this proxy"); the others go to a new
 *      child started at once. After INSPECTOR_DEATHS_MAX deaths in a row
 *      without an answer the next start waits (1 s doubling to 5 min) and
 *      the waiting requests are inspected in the master, as are new ones
 *      meanwhile (inspector_submit returns -1).
 *  (3) A request's bytes hold a private key: they are wiped when answered
 *      or dropped.
 *  (4) Bounded: INSPECTOR_QUEUE_MAX requests and INSPECTOR_QUEUE_BYTES
 *      bytes wait at most; beyond, inspector_submit returns -1.
 *  (5) The child's answer is checked like any peer's (inspect_wire.h); a
 *      bad one fails its request and restarts the child.
 *  (6) --inspectors children (default 1) each take the requests in turn,
 *      a new one going to the running child with the fewest waiting; the
 *      rules above hold per child. 0: no child, the master parses.
 */
#ifndef PR_INSPECTOR_H
#define PR_INSPECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "cred.h"

#define INSPECTOR_QUEUE_MAX	256
#define INSPECTOR_QUEUE_BYTES	(16 * 1024 * 1024)
#define INSPECTOR_DEATHS_MAX	3

struct daemon;

/*
 * code 0: info holds the inspection; else err says why. info is freed
 * after the call (copy what is kept).
 */
typedef void inspect_done_fn(void *arg, int code, struct cred_info *info,
    const struct pr_error *err);

/* What STATUS_ALL and the metrics show. */
struct inspector_stats {
	uint64_t inspected;	/* answers from the child */
	uint64_t inline_runs;	/* inspected in the master instead */
	uint64_t restarts;	/* children started after a death */
	uint64_t started;	/* children started */
	uint64_t waiting;	/* requests sent or queued, not answered */
};

void	inspector_start(struct daemon *d);
/* Stop the child; waiting requests fail ("the daemon is stopping"). */
void	inspector_stop(struct daemon *d);

/*
 * Inspect pem (copied) against now in the child; fn(arg, ...) later
 * (rule 1). 0, or -1: no child now or the queue is full (rule 4): the
 * caller inspects it itself (and counts it, inspector_note_inline).
 */
int	inspector_submit(struct daemon *d, const char *pem, size_t len,
	    int64_t now, inspect_done_fn *fn, void *arg);
void	inspector_note_inline(struct daemon *d);

void	inspector_stats(const struct daemon *d, struct inspector_stats *st);

/* inspect_child.c: main() of `proxy-renewd --inspect-child`. */
int	inspect_child_main(void);

#endif /* PR_INSPECTOR_H */
