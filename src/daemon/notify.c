/*
 * notify.c: what the service manager is told (sd_notify(3), libsystemd):
 * READY=1 once the socket listens and the store is open, STATUS= lines,
 * RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 at SIGTERM, and
 * WATCHDOG=1 from a loop timer at half of WatchdogSec=.
 *
 * Without $NOTIFY_SOCKET nothing here does anything: the daemon runs as it
 * always did. The watchdog ping comes from the event loop itself, so a
 * loop that hangs stops pinging and systemd restarts the service.
 */
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "store.h"

#define NOTIFY_STATUS_EVERY_MS	30000	/* counts refreshed this often */

static void
notify_status(struct daemon *d)
{
	struct pr_error err;
	int64_t n_proxies = 0, n_jobs = 0;
	char when[32] = "none yet";

	if (!d->notify.enabled || d->store == NULL)
		return;
	pr_error_clear(&err);
	if (store_count(d->store, &n_proxies, &n_jobs, &err) != 0)
		log_warnx("status: %s", err.msg);
	if (d->notify.last_renewal != 0)
		clock_fmt_utc(d->notify.last_renewal, when, sizeof(when));
	(void)sd_notifyf(0, "STATUS=%lld proxies, %lld jobs; last renewal %s%s",
	    (long long)n_proxies, (long long)n_jobs, when,
	    d->sched.enabled ? "" : "; RENEWAL DISABLED");
}

static void
notify_status_timer(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;

	(void)id;
	notify_status(d);
	d->notify.status_timer = loop_add_timer(l, NOTIFY_STATUS_EVERY_MS,
	    notify_status_timer, d);
}

static void
notify_watchdog_timer(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;

	(void)id;
	(void)sd_notify(0, "WATCHDOG=1");
	d->notify.watchdog_timer = loop_add_timer(l, d->notify.watchdog_ms,
	    notify_watchdog_timer, d);
}

void
notify_ready(struct daemon *d)
{
	uint64_t usec = 0;

	d->notify.enabled = sd_notify(0, "READY=1") > 0;
	if (!d->notify.enabled)
		return;
	notify_status(d);
	d->notify.status_timer = loop_add_timer(d->loop, NOTIFY_STATUS_EVERY_MS,
	    notify_status_timer, d);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
		d->notify.watchdog_ms = (int64_t)(usec / 2000);
		(void)sd_notify(0, "WATCHDOG=1");
		d->notify.watchdog_timer = loop_add_timer(d->loop,
		    d->notify.watchdog_ms, notify_watchdog_timer, d);
		log_info("systemd watchdog: pinging every %lld ms",
		    (long long)d->notify.watchdog_ms);
	}
}

void
notify_reloading(struct daemon *d)
{
	if (d->notify.enabled)
		(void)sd_notify(0, "RELOADING=1\nSTATUS=reloading settings");
}

void
notify_reloaded(struct daemon *d)
{
	if (!d->notify.enabled)
		return;
	(void)sd_notify(0, "READY=1");
	notify_status(d);
}

void
notify_stopping(struct daemon *d)
{
	if (d->notify.enabled)
		(void)sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
}

void
notify_renewed(struct daemon *d, int64_t when)
{
	d->notify.last_renewal = when;
	notify_status(d);
}

void
notify_stop(struct daemon *d)
{
	if (d->loop == NULL)
		return;
	if (d->notify.status_timer != 0)
		loop_del_timer(d->loop, d->notify.status_timer);
	if (d->notify.watchdog_timer != 0)
		loop_del_timer(d->loop, d->notify.watchdog_timer);
	d->notify.status_timer = d->notify.watchdog_timer = 0;
}
