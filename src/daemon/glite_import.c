/*
 * glite_import.c: --import-glite DIR, moving a gLite proxy renewal
 * repository (doc/glite-repository.md) into ours.
 *
 * Rules:
 *  (1) The gLite directory is only read: files are opened O_RDONLY |
 *      O_NOFOLLOW, nothing there is created, renamed or removed.
 *  (2) Neither repository may be in use: ours is locked (repo_lock, by the
 *      caller) and a daemon answering on the gLite directory owner's socket
 *      /tmp/dgpr_renew_<uid> refuses the import.
 *  (3) Each live proxy keeps its gLite file name "<md5>.<suffix>" in our
 *      repository, so a repository at the gLite path (the README's switch)
 *      answers GET with the very path gLite gave the job.
 *  (4) One transaction per gLite record: its file and every job id land
 *      together or not at all (a file created for a failed record is
 *      removed). A record already imported is recognised by its file name
 *      and only missing job ids are added: running it twice changes nothing.
 *  (5) What is not imported is reported with its reason (expired,
 *      unreadable, malformed, identity or job conflict); nothing is lost
 *      silently and nothing in the gLite directory changes.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cred.h"
#include "daemon.h"
#include "glite_meta.h"
#include "pr_limits.h"
#include "repo_files.h"
#include "small_file.h"
#include "store.h"
#include "xmalloc.h"

#define GLITE_META_MAX_BYTES	(4 * 1024 * 1024)	/* a .data or .jobs file */

struct import {
	const char *gdir;	/* the gLite repository, absolute */
	int repo_fd;		/* ours */
	struct store *st;
	struct cred_decoder *dec;	/* kept between files; NULL: one each */
	int64_t now;
	int64_t condor_limit;	/* seconds */
	FILE *out;		/* the report */
	int n_proxies;		/* imported now */
	int n_jobs;
	int n_present;		/* records found already imported */
	int n_skipped;		/* records or jobs not imported */
};

/* Rule 2 for the gLite side: 1 when something answers on its socket. */
static int
glite_daemon_answers(uid_t owner, char *path, size_t len)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s%u",
	    PR_SOCKET_PREFIX, (unsigned)owner);
	(void)snprintf(path, len, "%s", sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	(void)close(fd);
	return rc == 0;
}

static void
md5_hex(const char *s, char out[GLITE_MD5_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL) != 1 || n != 16)
		return;
	for (i = 0; i < n; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
skip(struct import *im, const char *what, const char *why)
{
	im->n_skipped++;
	fprintf(im->out, "skipped %s: %s\n", what, why);
}

/* The record's job ids: "<md5>.<suffix>.jobs", else its jobid= tokens. */
static int
record_jobs(struct import *im, const char *md5, struct glite_record *r,
    struct pr_error *err)
{
	char *path, *text = NULL;
	size_t len = 0;
	int rc;

	path = xasprintf("%s/%s.%d.jobs", im->gdir, md5, r->suffix);
	rc = cred_read_file(path, GLITE_META_MAX_BYTES, &text, &len, err);
	free(path);
	if (rc == ENOENT) {
		pr_error_clear(err);
		return 0;	/* the old format: jobid= in the line */
	}
	if (rc == 0) {
		glite_jobids_free(r->jobids, r->n_jobids);
		rc = glite_jobs_parse(text, len, &r->jobids, &r->n_jobids, err);
	}
	free(text);
	return rc;
}

/* The jobs of an existing or new proxy row; conflicts are reported. */
static int
add_jobs(struct import *im, const char *file, const struct glite_record *r,
    int64_t proxy_id, int *added, struct pr_error *err)
{
	int64_t other;
	size_t i;
	int rc;
	char what[160];

	*added = 0;
	for (i = 0; i < r->n_jobids; i++) {
		const char *j = r->jobids[i];

		rc = store_find_job(im->st, j, strlen(j), &other, err);
		if (rc == 0 && other == proxy_id)
			continue;
		if (rc == 0) {
			(void)snprintf(what, sizeof(what), "job %.64s of %s",
			    j, file);
			skip(im, what, "already registered to another proxy "
			    "in this repository");
			continue;
		}
		if (rc != PR_ERR_NOT_REGISTERED)
			return rc;
		pr_error_clear(err);
		if ((rc = store_add_job(im->st, j, strlen(j), proxy_id,
		    err)) != 0)
			return rc;
		(*added)++;
	}
	return 0;
}

/* A new proxy row for the live gLite proxy pem (rule 3's file name). */
static int
insert_proxy(struct import *im, const char *file, const struct glite_record *r,
    const struct cred_info *info, const char *pem, size_t pem_len,
    int64_t *id, struct pr_error *err)
{
	struct store_proxy p;
	int64_t expiry = cred_expiry(info);
	int rc;

	memset(&p, 0, sizeof(p));
	p.identity = info->identity;
	p.identity_hash = (char *)info->identity_hash;
	p.file = (char *)file;
	p.servers = r->server;
	p.fqans = info->fqans;
	p.is_unique = r->is_unique;
	p.not_after = expiry;
	p.obtained = info->not_before;
	p.next_renewal = sched_renew_at(expiry, info->not_before,
	    im->condor_limit, im->now);
	p.last_error = "";
	if ((rc = repo_write_atomic(im->repo_fd, file, pem, pem_len,
	    err)) != 0)
		return rc;
	rc = store_insert_proxy(im->st, &p, err);
	*id = p.id;
	if (rc == 0)	/* the credential watch asks INFO once the daemon runs */
		rc = store_cred_watch(im->st, p.identity_hash, p.identity,
		    im->now, err);
	return rc;
}

/* Checks of the gLite proxy before anything is written; NULL when fine. */
static const char *
record_check(struct import *im, const char *md5, const struct glite_record *r,
    const struct cred_info *info, struct pr_error *err)
{
	char want[GLITE_MD5_HEX_LEN + 1];

	md5_hex(info->identity, want);
	if (strcmp(want, md5) != 0)
		return "its file name is not the MD5 of its proxy's identity";
	if (r->server[0] == '\0' || servers_check(r->server, err) != 0)
		return "no usable MyProxy server in server=";
	if (cred_expiry(info) <= im->now)
		return "expired";
	return NULL;
}

static void
report_record(struct import *im, const char *file,
    const struct glite_record *r, const struct cred_info *info, int created,
    int added)
{
	if (created) {
		im->n_proxies++;
		fprintf(im->out, "imported %s: %d jobs, %s, server %s%s%s\n",
		    file, added, info->identity, r->server,
		    r->is_unique ? ", unique" : "", info->fqans[0] ? ", VOMS" :
		    "");
	} else {
		im->n_present++;
		fprintf(im->out, "already imported %s: %d jobs added\n", file,
		    added);
	}
	im->n_jobs += added;
}

/* Rule 4 for one record whose proxy file is file. */
static int
import_record(struct import *im, const char *md5, const char *file,
    struct glite_record *r, struct pr_error *err)
{
	struct cred_info info;
	struct store_proxy old;
	char *path, *pem = NULL;
	const char *why;
	size_t pem_len = 0;
	int64_t id = 0;
	int rc, added = 0, created = 0;

	memset(&info, 0, sizeof(info));
	memset(&old, 0, sizeof(old));
	path = xasprintf("%s/%s", im->gdir, file);
	rc = cred_read_file(path, PR_PROXY_FILE_MAX_BYTES, &pem, &pem_len, err);
	free(path);
	if (rc != 0) {
		skip(im, file, rc == ENOENT ? "proxy file missing" :
		    "proxy file unreadable");
		goto done;
	}
	rc = cred_inspect_with(im->dec, pem, pem_len, im->now, &info, err);
	if (rc != 0 || (why = record_check(im, md5, r, &info, err)) != NULL) {
		skip(im, file, rc == PR_ERR_EXPIRED ? "expired" : rc != 0 ?
		    err->msg : why);
		goto done;
	}
	if ((rc = store_begin(im->st, err)) != 0)
		goto fail;
	rc = store_get_proxy_by_file(im->st, file, &old, err);
	if (rc == 0) {
		id = old.id;
	} else if (rc == PR_ERR_NOT_REGISTERED) {
		pr_error_clear(err);
		rc = insert_proxy(im, file, r, &info, pem, pem_len, &id, err);
		created = rc == 0;
	}
	if (rc == 0)
		rc = add_jobs(im, file, r, id, &added, err);
	if (rc == 0)
		rc = store_commit(im->st, err);
	if (rc != 0) {
		struct pr_error scratch;

		store_rollback(im->st);
		if (created)	/* its record is gone: so goes the file */
			(void)repo_remove(im->repo_fd, file, &scratch);
		goto fail;
	}
	report_record(im, file, r, &info, created, added);
done:
	rc = 0;
fail:
	store_proxy_free(&old);
	cred_info_free(&info);
	wipe_free(pem, pem_len);
	return rc;
}

/* Every line of one "<md5>.data". */
static int
import_data_file(struct import *im, const char *name, struct pr_error *err)
{
	char md5[GLITE_MD5_HEX_LEN + 1], *path, *text = NULL, *line, *nl;
	char what[96], file[64];
	struct glite_record r;
	size_t len = 0;
	int rc, lineno = 0;

	memcpy(md5, name, GLITE_MD5_HEX_LEN);
	md5[GLITE_MD5_HEX_LEN] = '\0';
	path = xasprintf("%s/%s", im->gdir, name);
	rc = cred_read_file(path, GLITE_META_MAX_BYTES, &text, &len, err);
	free(path);
	if (rc != 0) {
		skip(im, name, err->msg);
		return 0;
	}
	for (line = text, rc = 0; rc == 0 && line < text + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(text + len - line))) == NULL)
			nl = text + len;
		*nl = '\0';
		lineno++;
		(void)snprintf(what, sizeof(what), "%s line %d", name, lineno);
		if (*line == '\0')
			continue;
		if (glite_record_parse(line, &r, err) != 0) {
			skip(im, what, err->msg);
			pr_error_clear(err);
			continue;
		}
		if (record_jobs(im, md5, &r, err) != 0) {
			skip(im, what, err->msg);
			pr_error_clear(err);
		} else if (r.n_jobids > 0) {	/* else a free slot */
			(void)snprintf(file, sizeof(file), "%s.%d", md5,
			    r.suffix);
			rc = import_record(im, md5, file, &r, err);
		}
		glite_record_free(&r);
	}
	free(text);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "<md5>.data" names of gdir, sorted (a stable report). */
static int
data_names(const char *gdir, char ***names, size_t *n, struct pr_error *err)
{
	DIR *dir;
	struct dirent *e;

	*names = NULL;
	*n = 0;
	if ((dir = opendir(gdir)) == NULL)
		return pr_error_set(err, errno, "%s: %s", gdir, strerror(errno));
	while ((e = readdir(dir)) != NULL) {
		if (!glite_is_data_name(e->d_name))
			continue;
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	(void)closedir(dir);
	qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

int
glite_import(struct daemon *d, const char *gdir, FILE *out,
    struct pr_error *err)
{
	struct import im = { .repo_fd = d->repo_fd, .st = d->store,
	    .now = (int64_t)time(NULL), .condor_limit = d->opts.condor_limit,
	    .out = out };
	char *real, sock[128], **names = NULL;
	struct stat st;
	size_t n = 0, i;
	int rc = 0;

	if ((real = realpath(gdir, NULL)) == NULL || stat(real, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		rc = pr_error_set(err, real ? ENOTDIR : errno, "%s: not a "
		    "directory we can read", gdir);
		free(real);
		return rc;
	}
	if (strcmp(real, d->repo_path) == 0)
		rc = pr_error_set(err, EINVAL, "%s is our repository itself; "
		    "import from a copy or the moved gLite directory", real);
	else if (glite_daemon_answers(st.st_uid, sock, sizeof(sock)))
		rc = pr_error_set(err, EBUSY, "a daemon answers on %s (the "
		    "gLite directory owner's socket): stop glite-proxy-renewd "
		    "first", sock);
	im.gdir = real;
	if (rc == 0)
		rc = data_names(real, &names, &n, err);
	if (rc == 0 && n > 1)
		im.dec = cred_decoder_new();
	for (i = 0; rc == 0 && i < n; i++)
		rc = import_data_file(&im, names[i], err);
	cred_decoder_free(im.dec);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		fprintf(out, "import from %s: %d proxies with %d jobs imported, "
		    "%d already imported, %d skipped\n", real, im.n_proxies,
		    im.n_jobs, im.n_present, im.n_skipped);
	free(real);
	return rc;
}
