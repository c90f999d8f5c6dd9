/*
 * worker.c: MASTER side of the renewal worker pool.
 *
 * The renewal engine (issue 3) runs each renewal in a separate worker
 * process, at most opts.workers at once, each killed after
 * opts.worker_timeout. Until it lands, worker_start() refuses every job with
 * ENOSYS and the scheduler holds due proxies instead of faking a renewal.
 */
#include <errno.h>

#include "daemon.h"

void
worker_pool_init(struct daemon *d)
{
	d->workers.n_running = 0;
	d->workers.max = (int)d->opts.workers;
}

/*
 * Start one renewal of proxy_id. 0 when a worker took it (the scheduler
 * must then not pick the same proxy again until the worker reports back),
 * else an error code with err set and nothing changed.
 */
int
worker_start(struct daemon *d, int64_t proxy_id, struct pr_error *err)
{
	(void)d;
	return pr_error_set(err, ENOSYS, "proxy %lld: no renewal engine in "
	    "this build", (long long)proxy_id);
}

void
worker_pool_shutdown(struct daemon *d)
{
	d->workers.n_running = 0;
}
