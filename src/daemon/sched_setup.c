/*
 * sched_setup.c: what the renewals need from start-up on: the service
 * credential and the worker executable, checked once (sched_renewal_check),
 * where the worker finds the VOMS files (-A), and the part of a worker
 * request that every job shares (sched_job_base).
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
#include "store.h"
#include "worker_path.h"
#include "xmalloc.h"

#define SERVER_TIMEOUT_MAX	30	/* seconds per MyProxy server */

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

/* Seconds of the hard timeout kept back from the servers' shares. */
static int64_t
hang_margin(int64_t worker_timeout)
{
	return worker_timeout / 10 > 1 ? worker_timeout / 10 : 1;
}

void
sched_job_base(struct daemon *d, const struct store_proxy *p,
    const char *proxy_path, struct renew_job *job, struct renew_server *srv,
    size_t *n_srv, const char **skip, char *why, size_t why_size)
{
	struct sched *s = &d->sched;
	struct pr_error perr;
	int64_t per, t = d->opts.worker_timeout;
	size_t n_tried;

	memset(job, 0, sizeof(*job));
	job->servers = p->servers;
	job->proxy_path = proxy_path;	/* for messages: the worker gets fds */
	job->handed_fds = 1;
	job->svc.cert = s->cert;
	job->svc.key = s->key;
	job->svc.cadir = s->cadir;
	job->skip = skip;
	*n_srv = 0;
	if (renew_parse_servers(p->servers, srv, RENEW_SERVERS_MAX, n_srv,
	    &perr) != 0)
		*n_srv = 0;	/* the worker reports the bad list */
	job->n_skip = cool_skip_servers(&s->cool, srv, *n_srv, skip, why,
	    why_size);
	n_tried = *n_srv > job->n_skip ? *n_srv - job->n_skip : 1;
	/*
	 * every server tried gets its share of the hard timeout, less a
	 * margin, so that a hanging server times out in the worker (which
	 * names it) before the master has to kill the worker
	 */
	per = (t - hang_margin(t)) / (int64_t)n_tried;
	job->server_timeout_sec = (int)(per > SERVER_TIMEOUT_MAX ?
	    SERVER_TIMEOUT_MAX : per < 1 ? 1 : per);
}
