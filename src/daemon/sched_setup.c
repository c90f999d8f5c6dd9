/*
 * sched_setup.c: what the renewals need from start-up on: the service
 * credential and the worker executable, checked once (sched_renewal_check),
 * and where the worker finds the VOMS files (-A).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "renew_contract.h"
#include "worker_path.h"
#include "xmalloc.h"

static int
file_missing(const char *path)
{
	return access(path, F_OK) == -1 && errno == ENOENT;
}

/*
 * VOMS paths for the worker (-A): -V, else X509_VOMS_DIR, else
 * /etc/grid-security/vomsdir; -G, else X509_VOMSES, else NULL (the worker
 * then reads /etc/vomses and /etc/grid-security/vomses).
 */
void
sched_voms_paths(const struct options *o, const char **dir, const char **ses)
{
	const char *e;

	*dir = o->voms_dir;
	if (*dir == NULL && (e = getenv("X509_VOMS_DIR")) != NULL && *e != '\0')
		*dir = e;
	if (*dir == NULL)
		*dir = "/etc/grid-security/vomsdir";
	*ses = o->voms_config;
	if (*ses == NULL && (e = getenv("X509_VOMSES")) != NULL && *e != '\0')
		*ses = e;
}

static void
log_voms_paths(const struct options *o)
{
	const char *vdir, *vses;

	if (!o->enable_voms)
		return;
	sched_voms_paths(o, &vdir, &vses);
	log_info("renewal: VOMS attributes renewed too (-A): vomsdir %s, "
	    "vomses %s", vdir, vses != NULL ? vses :
	    "/etc/vomses, /etc/grid-security/vomses");
}

/*
 * Resolve and check the service credential (-t/-k, else X509_USER_CERT/KEY,
 * else /etc/grid-security/host{cert,key}.pem) and the worker executable.
 * Only a credential nobody asked for (all defaults) that does not exist
 * disables renewal; anything given explicitly must work. 0 or err.
 */
int
sched_renewal_check(struct daemon *d, struct pr_error *err)
{
	struct sched *s = &d->sched;
	struct service_cred svc = { d->opts.cert, d->opts.key, d->opts.ca_dir };
	const char *e;
	char exe[PATH_MAX];
	int explicit, rc;

	d->runner.chld_fd = -1;
	explicit = svc.cert != NULL || svc.key != NULL ||
	    ((e = getenv("X509_USER_CERT")) != NULL && *e != '\0') ||
	    ((e = getenv("X509_USER_KEY")) != NULL && *e != '\0');
	renew_service_cred_defaults(&svc);
	if (!explicit && file_missing(svc.cert) && file_missing(svc.key)) {
		log_warnx("RENEWAL DISABLED: no service credential (%s, %s do "
		    "not exist and neither -t/-k nor X509_USER_CERT/KEY is "
		    "set); stored proxies are kept until they expire",
		    svc.cert, svc.key);
		s->enabled = 0;
		return 0;
	}
	if ((rc = renew_check_service_cred(&svc, time(NULL), err)) != 0)
		return rc;
	e = worker_path_find(exe, sizeof(exe));
	if (access(e, X_OK) == -1)
		return pr_error_set(err, errno, "renewal worker %s: %s (set %s "
		    "to its path)", e, strerror(errno), WORKER_PATH_ENV);
	d->runner.path = xstrdup(e);
	s->cert = xstrdup(svc.cert);
	s->key = xstrdup(svc.key);
	s->cadir = xstrdup(svc.cadir);
	s->enabled = 1;
	log_info("renewal: service credential %s, CA directory %s, worker %s",
	    s->cert, s->cadir, d->runner.path);
	log_voms_paths(&d->opts);
	return 0;
}
