/*
 * memo_load.c: GET from memory (store.h, store_memo_enable) and its
 * start-up load: one chunk of a few ms per loop pass, so requests are
 * answered from the first moment (from SQLite until their rows are in
 * memory) and the first answer after a restart does not wait for a
 * million rows. Nothing is armed once the load is done (no idle wake-up).
 */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "store.h"

static void
memo_load_step(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;
	struct store_memo_stats ms;
	struct pr_error err;
	int rc;

	(void)id;
	d->memo_timer = 0;
	if ((rc = store_memo_load(d->store, &err)) == 1) {
		d->memo_timer = loop_add_timer(l, 0, memo_load_step, d);
		return;
	}
	if (rc == -1)
		log_warnx("GET memory: %s; what is not loaded is read from "
		    "the repository database", err.msg);
#ifdef __GLIBC__
	/* the tables grew by half at a time: hand the old ones back */
	(void)malloc_trim(0);
#endif
	store_memo_stats(d->store, &ms);
	log_info("GET memory: %lld jobs and %lld proxies in %.1f MiB, "
	    "loaded in %lld ms", (long long)ms.jobs, (long long)ms.proxies,
	    (double)ms.bytes / (1024 * 1024),
	    (long long)(loop_now_ms() - d->memo_load_ms));
	d->memo_load_ms = 0;
}

void
memo_load_start(struct daemon *d)
{
	if (store_memo_enable(d->store) != 0) {
		log_warnx("GET memory: out of memory; GET reads the "
		    "repository database");
		return;
	}
	d->memo_load_ms = loop_now_ms();
	d->memo_timer = loop_add_timer(d->loop, 0, memo_load_step, d);
}

void
memo_load_stop(struct daemon *d)
{
	if (d->memo_timer != 0)
		loop_del_timer(d->loop, d->memo_timer);
	d->memo_timer = 0;
}
