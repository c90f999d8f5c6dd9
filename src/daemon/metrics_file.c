/*
 * metrics_file.c: --metrics-file PATH, the metrics text (metrics.c)
 * rewritten every --metrics-interval seconds for node_exporter's textfile
 * collector.
 *
 * Rules:
 *  (1) The file is replaced atomically: written to a fresh temporary file
 *      beside it, then renamed over it; a reader sees the old or the new
 *      text, never a partial one. Mode 0644: metrics hold no secret, and
 *      the collector usually runs as another user.
 *  (2) A failure is logged once per distinct reason, and its recovery
 *      once; the timer keeps running (no retry storm, no silence).
 *  (3) Written from a loop timer: local file I/O (a few KiB, about 750
 *      bytes more per proxy with per-proxy series), no waiting on
 *      anything else. No size bound here: a file is not a reply.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define METRICS_FILE_MODE	0644

static int
write_text(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Rule (1). 0, or -1 with err set; the temporary file never stays. */
static int
replace_file(const char *path, const char *text, size_t len,
    struct pr_error *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd, rc = -1;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		(void)pr_error_set(err, errno, "metrics file %s: cannot create "
		    "a temporary file beside it: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, METRICS_FILE_MODE) == -1 ||
	    write_text(fd, text, len) == -1) {
		(void)pr_error_set(err, errno, "metrics file %s: %s", tmp,
		    strerror(errno));
		(void)close(fd);
	} else if (close(fd) == -1) {
		(void)pr_error_set(err, errno, "metrics file %s: close: %s",
		    tmp, strerror(errno));
	} else if (rename(tmp, path) == -1) {
		(void)pr_error_set(err, errno, "metrics file %s: rename: %s",
		    path, strerror(errno));
	} else {
		rc = 0;
	}
	if (rc != 0)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

/* Rule (2): a new reason is logged, a repeated one is not. */
static void
note_outcome(struct daemon *d, int rc, const struct pr_error *err)
{
	char **last = metrics_file_error(d);

	if (rc == 0) {
		if (*last != NULL)
			log_info("metrics file %s: written again",
			    d->opts.metrics_file);
		free(*last);
		*last = NULL;
		return;
	}
	if (*last != NULL && strcmp(*last, err->msg) == 0)
		return;
	log_warnx("%s (logged once; retried every %lld s)", err->msg,
	    (long long)d->opts.metrics_interval);
	free(*last);
	*last = xstrdup(err->msg);
}

void
metrics_file_write(struct daemon *d)
{
	struct pr_error err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (d->opts.metrics_file == NULL)
		return;
	pr_error_clear(&err);
	if ((rc = metrics_render(d, &text, &len, &err)) == 0)
		rc = replace_file(d->opts.metrics_file, text, len, &err);
	free(text);
	note_outcome(d, rc, &err);
}

static void
metrics_file_tick(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;
	long long *timer = metrics_file_timer(d);

	(void)l;
	(void)id;
	*timer = 0;
	metrics_file_write(d);
	metrics_file_start(d);
}

/* Arm the timer (after a write, or at start and after SIGHUP). */
void
metrics_file_start(struct daemon *d)
{
	long long *timer = metrics_file_timer(d);

	if (*timer != 0) {
		loop_del_timer(d->loop, *timer);
		*timer = 0;
	}
	if (d->opts.metrics_file == NULL)
		return;
	*timer = loop_add_timer(d->loop, d->opts.metrics_interval * 1000,
	    metrics_file_tick, d);
}

void
metrics_file_stop(struct daemon *d)
{
	long long *timer;

	if (d->metrics == NULL)
		return;
	timer = metrics_file_timer(d);
	if (*timer != 0)
		loop_del_timer(d->loop, *timer);
	*timer = 0;
}
