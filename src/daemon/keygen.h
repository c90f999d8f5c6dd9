/*
 * keygen.h: keys made ahead of renewals. The master keeps the pool
 * (keypool.h) and runs one generator child (keygen_child.c) at the lowest
 * CPU priority, asking it for one key per free slot of the pool; each
 * renewal takes at most one key, handed to its worker through a fresh
 * pipe (the worker's fd 5, New_key_fd=1 of renew_contract.h). A key is on
 * no disk before it is inside the new proxy.
 *
 * Rules:
 *  (1) The master holds the keys (it is not dumpable) and wipes every key
 *      it drops; a key is handed out once.
 *  (2) The child dies with the master (PR_SET_PDEATHSIG, EOF on its
 *      stdin); when it dies the master restarts it after a delay that
 *      doubles with each death that brought no key (1 s .. 5 min).
 *  (3) Nothing is asked of the child while the pool is full: a full pool
 *      costs no CPU and no wake-up (one timer, for the oldest key's age).
 *  (4) Size 0 disables the pool: no child, renewals make their keys in the
 *      MyProxy exchange as before.
 *  (5) The child makes keys only while no renewal worker runs.
 */
#ifndef PR_KEYGEN_H
#define PR_KEYGEN_H

#include <stdint.h>
#include <sys/types.h>

#define KEYGEN_BITS_MIN		2048
#define KEYGEN_BITS_MAX		8192
#define KEYGEN_KEY_MAX_BYTES	(12 * 1024)	/* PEM of an 8192-bit key */
#define KEYGEN_CHILD_ARG	"--keygen-child"

struct daemon;

/* What STATUS_ALL and the metrics show. */
struct keygen_stats {
	uint64_t size;		/* keys in the pool */
	uint64_t capacity;	/* --key-pool-size */
	uint64_t made;		/* keys received from the generator */
	uint64_t hits;		/* renewals handed a key */
	uint64_t misses;	/* renewals that found the pool empty */
	uint64_t discarded;	/* wiped unused (aged, or pool full) */
	uint64_t restarts;	/* generator children started after the first */
	int64_t generator_pid;	/* 0 when none runs */
};

/* Start the pool (and its child unless the size is 0); after privdrop. */
void	keygen_start(struct daemon *d);

/*
 * Rule (5): pause 1 while renewal workers run, 0 when none does: the
 * child is stopped (SIGSTOP) meanwhile. SCHED_IDLE alone still let it take
 * the CPU a worker left while waiting for its server (measured: ~0.6 s of
 * CPU during a 1.5 s burst of 50 renewals).
 */
void	keygen_pause(struct daemon *d, int pause);

/* Stop the child, wipe the pool. */
void	keygen_stop(struct daemon *d);

/*
 * One key for a renewal: 0 and *fd, the read end of a pipe holding it
 * (close-on-exec; the caller hands it to the worker and closes it), or -1
 * when the pool is empty or disabled.
 */
int	keygen_hand(struct daemon *d, int *fd);

void	keygen_stats(const struct daemon *d, struct keygen_stats *st);

/* keygen_child.c: main() of `proxy-renewd --keygen-child BITS`. */
int	keygen_child_main(const char *bits);

#endif /* PR_KEYGEN_H */
