/*
 * doctor.c: proxy-renewd --doctor: service credential, CA directory,
 * repository and socket modes, clock, then the servers (doctor_net.c).
 *
 * Rules:
 *  (1) Nothing is changed: files are only stat'ed and read, the repository
 *      is not locked or opened (a running daemon may hold it).
 *  (2) Every failure says what to do (a "hint:" line under it); the exit
 *      status is 1 when any check failed, warnings do not fail.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "daemon.h"
#include "doctor.h"
#include "renew_contract.h"
#include "voms_ac.h"

#define CERT_WARN_DAYS	14	/* service certificate ending soon */
#define DAY_SEC		86400
/* The newest time the build could have happened: a clock before it is off. */
#define CLOCK_FLOOR	1767225600LL	/* 2026-01-01T00:00:00Z */

static const char *const state_tags[] = { "[ OK ]", "[WARN]", "[FAIL]",
    "[SKIP]" };

void
doc_report(struct doctor *doc, enum doc_state st, const char *what,
    const char *hint, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(doc->out, "%s %s: ", state_tags[st], what);
	va_start(ap, fmt);
	(void)vfprintf(doc->out, fmt, ap);
	va_end(ap);
	(void)fputc('\n', doc->out);
	if (hint != NULL && (st == DOC_FAIL || st == DOC_WARN))
		(void)fprintf(doc->out, "       hint: %s\n", hint);
	doc->n_fail += st == DOC_FAIL;
	doc->n_warn += st == DOC_WARN;
}

/* notAfter and notBefore of the first certificate in path; 0 or -1. */
static int
cert_times(const char *path, int64_t *not_before, int64_t *not_after)
{
	FILE *f;
	X509 *x;
	int rc = -1;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	(void)fclose(f);
	if (x != NULL && voms_ac_time_to_unix(X509_get0_notAfter(x),
	    not_after) == 0 && voms_ac_time_to_unix(X509_get0_notBefore(x),
	    not_before) == 0)
		rc = 0;
	X509_free(x);
	return rc;
}

static const char *
svc_hint(int code)
{
	switch (code) {
	case EACCES:
		return "the key must be owned by the daemon's user with mode "
		    "0600 or 0400 (chmod 600 KEY; chown USER KEY)";
	case ENOENT:
		return "give the files with -t/-k (or X509_USER_CERT/"
		    "X509_USER_KEY), the CA directory with -C";
	case PR_ERR_EXPIRED:
		return "the host certificate has expired: get a new one from "
		    "the CA and install it";
	default:
		return "check that -t and -k name the certificate and its "
		    "unencrypted key (openssl x509 -noout -modulus and openssl "
		    "rsa -noout -modulus must agree)";
	}
}

static void
check_service_cred(struct doctor *doc)
{
	struct service_cred svc = { doc->cert, doc->key, doc->cadir };
	struct pr_error err;
	int64_t nb = 0, na = 0, days;

	pr_error_clear(&err);
	if (renew_check_service_cred(&svc, (time_t)doc->now, &err) != 0) {
		doc_report(doc, DOC_FAIL, "service credential",
		    svc_hint(err.code), "%s", err.msg);
		return;
	}
	if (cert_times(doc->cert, &nb, &na) != 0) {
		doc_report(doc, DOC_FAIL, "service credential", svc_hint(0),
		    "%s: cannot read its dates", doc->cert);
		return;
	}
	days = (na - doc->now) / DAY_SEC;
	doc_report(doc, days < CERT_WARN_DAYS ? DOC_WARN : DOC_OK,
	    "service credential", "renew the host certificate before it "
	    "ends: renewals stop then", "%s and %s: readable, key private "
	    "and matching, valid for %lld more days", doc->cert, doc->key,
	    (long long)days);
}

/*
 * "<8 hex>.<kind><digits>" (kind "" for a CA, "r" for a CRL) or
 * "<8 hex>.signing_policy": the names of a trust directory.
 */
static int
is_hashed(const char *name, const char *kind)
{
	const char *p;
	size_t i;

	for (i = 0; i < 8; i++)
		if (name[i] == '\0' || !strchr("0123456789abcdef", name[i]))
			return 0;
	if (name[8] != '.')
		return 0;
	if (strcmp(kind, "signing_policy") == 0)
		return strcmp(name + 9, kind) == 0;
	p = name + 9 + strlen(kind);
	if (strncmp(name + 9, kind, strlen(kind)) != 0 || *p == '\0')
		return 0;
	return strspn(p, "0123456789") == strlen(p);
}

/* A CRL file (<hash>.r<n>) whose nextUpdate has passed. */
static int
is_stale_crl(const char *path, int64_t now)
{
	X509_CRL *crl;
	FILE *f;
	int64_t next = 0;
	int stale = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	(void)fclose(f);
	if (crl != NULL && X509_CRL_get0_nextUpdate(crl) != NULL &&
	    voms_ac_time_to_unix(X509_CRL_get0_nextUpdate(crl), &next) == 0)
		stale = next < now;
	X509_CRL_free(crl);
	return stale;
}

static void
check_ca_dir(struct doctor *doc)
{
	char path[PATH_MAX], stale_one[256] = "";
	struct dirent *de;
	DIR *dir;
	int n_ca = 0, n_crl = 0, n_stale = 0, n_policy = 0;

	if ((dir = opendir(doc->cadir)) == NULL) {
		doc_report(doc, DOC_FAIL, "CA directory", "give the trusted CA "
		    "directory with -C (X509_CERT_DIR); on EGI sites install "
		    "the IGTF trust anchors (ca-policy-egi-core)", "%s: %s",
		    doc->cadir, strerror(errno));
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		n_policy += is_hashed(de->d_name, "signing_policy");
		n_ca += is_hashed(de->d_name, "");
		if (!is_hashed(de->d_name, "r"))
			continue;
		n_crl++;
		(void)snprintf(path, sizeof(path), "%s/%s", doc->cadir,
		    de->d_name);
		if (is_stale_crl(path, doc->now) && n_stale++ == 0)
			(void)snprintf(stale_one, sizeof(stale_one), "%s",
			    de->d_name);
	}
	(void)closedir(dir);
	if (n_ca == 0)
		doc_report(doc, DOC_FAIL, "CA directory", "install the CA "
		    "certificates as <hash>.0 (openssl x509 -hash)", "%s: no CA "
		    "certificate (<hash>.0)", doc->cadir);
	else if (n_stale > 0)
		doc_report(doc, DOC_FAIL, "CA directory", "run fetch-crl (and "
		    "keep its cron job running): with a stale CRL the servers' "
		    "certificates do not verify", "%s: %d of %d CRLs stale "
		    "(e.g. %s)", doc->cadir, n_stale, n_crl, stale_one);
	else
		doc_report(doc, n_policy == 0 ? DOC_WARN : DOC_OK,
		    "CA directory", "the Globus libraries need a "
		    "<hash>.signing_policy beside each CA", "%s: %d CA "
		    "certificates, %d signing policies, %d CRLs, none stale",
		    doc->cadir, n_ca, n_policy, n_crl);
}

static void
check_mode(struct doctor *doc, const char *what, const char *path,
    mode_t type, mode_t want, const char *hint)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		doc_report(doc, type == S_IFSOCK ? DOC_WARN : DOC_FAIL, what,
		    type == S_IFSOCK ? "start the daemon" : hint, "%s: %s%s",
		    path, strerror(errno), type == S_IFSOCK ?
		    " (the daemon is not running?)" : "");
		return;
	}
	if ((st.st_mode & S_IFMT) != type)
		doc_report(doc, DOC_FAIL, what, hint, "%s: not a %s", path,
		    type == S_IFSOCK ? "socket" : "directory");
	else if (st.st_uid != geteuid() && geteuid() != 0)
		doc_report(doc, DOC_FAIL, what, hint, "%s: owned by uid %u, "
		    "not by us (uid %u)", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
	else if ((st.st_mode & 07777 & ~want) != 0)
		doc_report(doc, DOC_FAIL, what, hint, "%s: mode %04o, wider "
		    "than %04o", path, (unsigned)(st.st_mode & 07777),
		    (unsigned)want);
	else
		doc_report(doc, DOC_OK, what, NULL, "%s: mode %04o, uid %u",
		    path, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
}

static void
check_clock(struct doctor *doc)
{
	int64_t nb = 0, na = 0;

	if (doc->now < CLOCK_FLOOR)
		doc_report(doc, DOC_FAIL, "clock", "set the system clock "
		    "(NTP): certificates are judged by it", "the wall clock "
		    "(%lld) is before this program was written", (long long)
		    doc->now);
	else if (cert_times(doc->cert, &nb, &na) == 0 && doc->now < nb)
		doc_report(doc, DOC_FAIL, "clock", "set the system clock "
		    "(NTP)", "the wall clock is before the service "
		    "certificate's start (%lld s early)",
		    (long long)(nb - doc->now));
	else
		doc_report(doc, DOC_OK, "clock", NULL, "wall clock plausible "
		    "(%lld)", (long long)doc->now);
}

int
doctor_run(const struct options *o, FILE *out)
{
	struct service_cred svc = { o->cert, o->key, o->ca_dir };
	struct doctor doc;

	renew_service_cred_defaults(&svc);
	memset(&doc, 0, sizeof(doc));
	doc.out = out;
	doc.now = (int64_t)time(NULL);
	doc.cert = svc.cert;
	doc.key = svc.key;
	doc.cadir = svc.cadir;
	(void)fprintf(out, "proxy-renewd %s doctor: the renewal path, checked "
	    "without changing anything\n", PR_VERSION);
	check_clock(&doc);
	check_service_cred(&doc);
	check_ca_dir(&doc);
	check_mode(&doc, "repository", o->repository, S_IFDIR, 0700,
	    "the repository must be a directory of the daemon's user with "
	    "mode 0700 (chmod 700 DIR)");
	check_mode(&doc, "socket", o->socket_path, S_IFSOCK, 0666,
	    "remove the stale file; the daemon creates its socket");
	doctor_myproxy(&doc, o->myproxy_server);
	if (o->doctor_identity != NULL)
		doctor_identity(&doc, o->repository, o->myproxy_server,
		    o->doctor_identity);
	doctor_voms(&doc, o);
	(void)fprintf(out, "doctor: %d failed, %d warning%s\n", doc.n_fail,
	    doc.n_warn, doc.n_warn == 1 ? "" : "s");
	return doc.n_fail > 0 ? 1 : 0;
}
