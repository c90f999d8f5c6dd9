/*
 * keygen.c: the master's side of keys made ahead (rules in keygen.h): the
 * generator child's start, restart and reaping, the requests for keys
 * ("credits", one byte per key), the keys it sends into the pool, the
 * age timer, and one key into a pipe for a renewal.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "daemon.h"
#include "frame_io.h"
#include "helper.h"
#include "keygen.h"
#include "keypool.h"
#include "log.h"
#include "loop.h"
#include "small_file.h"
#include "xmalloc.h"

struct keygen {
	struct daemon *d;
	char exe[4096];		/* this program, for the child */
	struct keypool pool;
	int bits;
	pid_t pid;		/* the child; -1 none */
	int key_fd;		/* keys from it (non-blocking); -1 */
	int credit_fd;		/* one byte per key wanted (non-blocking); -1 */
	struct frame_reader rd;
	size_t asked;		/* credits sent, keys not yet received */
	int deaths;		/* in a row without a key: the backoff */
	uint64_t starts;
	long long restart_timer;	/* 0 none */
	long long age_timer;		/* 0 none */
	int stopping;		/* keygen_stop: no restart */
	int paused;		/* 1: renewal workers run, the child is stopped */
};

static void keygen_spawn(struct keygen *g);

static int64_t
now_sec(void)
{
	return (int64_t)time(NULL);
}

/* Ask for what the pool lacks (rule 3: nothing when it is full). */
static void
keygen_ask(struct keygen *g)
{
	char credits[256];
	size_t want;
	ssize_t w;

	if (g->credit_fd == -1 || g->pool.n + g->asked >= g->pool.cap)
		return;
	want = g->pool.cap - g->pool.n - g->asked;
	memset(credits, 'k', sizeof(credits));
	while (want > 0) {
		w = write(g->credit_fd, credits, want < sizeof(credits) ?
		    want : sizeof(credits));
		if (w <= 0)
			break;		/* EAGAIN: enough asked for now */
		g->asked += (size_t)w;
		want -= (size_t)w;
	}
}

static void keygen_age(struct loop *l, long long id, void *arg);

/* One timer, for when the oldest key gets too old. */
static void
keygen_arm_age(struct keygen *g)
{
	int64_t at = keypool_next_expiry(&g->pool), ms;

	if (g->age_timer != 0 || at == 0)
		return;
	ms = (at - now_sec()) * 1000;
	g->age_timer = loop_add_timer(g->d->loop, ms > 0 ? ms : 0,
	    keygen_age, g);
}

static void
keygen_age(struct loop *l, long long id, void *arg)
{
	struct keygen *g = arg;
	size_t n;

	(void)l;
	(void)id;
	g->age_timer = 0;
	if ((n = keypool_expire(&g->pool, now_sec())) > 0)
		log_debug("key pool: %zu key(s) older than %lld s wiped", n,
		    (long long)g->pool.max_age);
	keygen_arm_age(g);
	keygen_ask(g);
}

static void
keygen_restart(struct loop *l, long long id, void *arg)
{
	struct keygen *g = arg;

	(void)l;
	(void)id;
	g->restart_timer = 0;
	keygen_spawn(g);
}

/* The child is gone or broke the protocol: reap it, restart it later. */
static void
keygen_lost(struct keygen *g, const char *why)
{
	int64_t delay = helper_backoff_ms(g->deaths);

	if (g->key_fd != -1) {
		loop_del_fd(g->d->loop, g->key_fd);
		(void)close(g->key_fd);
	}
	if (g->credit_fd != -1)
		(void)close(g->credit_fd);
	g->key_fd = g->credit_fd = -1;
	if (g->rd.body != NULL)
		explicit_bzero(g->rd.body, g->rd.body_len);
	frame_reader_free(&g->rd);
	if (g->pid > 0)
		(void)helper_reap(g->pid);
	g->pid = -1;
	g->paused = 0;
	g->asked = 0;
	g->deaths++;
	if (g->d->stopping || g->stopping)
		return;
	log_warnx("key pool: generator %s; restarting it in %lld s", why,
	    (long long)(delay / 1000));
	g->restart_timer = loop_add_timer(g->d->loop, delay, keygen_restart, g);
}

/* Keys from the child (or its end). */
static void
keygen_read(struct loop *l, int fd, int events, void *arg)
{
	struct keygen *g = arg;
	struct pr_error err;
	enum frame_step step;
	char *pem;
	size_t len;

	(void)l;
	(void)fd;
	(void)events;
	while ((step = frame_reader_step(&g->rd, g->key_fd, &err)) ==
	    FRAME_COMPLETE) {
		pem = frame_reader_take(&g->rd, &len);
		keypool_put(&g->pool, pem, len, now_sec());
		g->asked -= g->asked > 0 ? 1 : 0;
		g->deaths = 0;
		keygen_arm_age(g);
	}
	if (step == FRAME_CLOSED)
		keygen_lost(g, "exited");
	else if (step != FRAME_PENDING)
		keygen_lost(g, err.msg);
}

/* `proxy-renewd --keygen-child BITS` with credits on 0, keys on 1. */
static int
keygen_exec(struct keygen *g, int credit_rd, int key_wr)
{
	char bits[16], *argv[] = { "proxy-renewd", KEYGEN_CHILD_ARG, bits,
	    NULL };

	(void)snprintf(bits, sizeof(bits), "%d", g->bits);
	return helper_spawn(g->exe, argv, credit_rd, key_wr, &g->pid);
}

static void
keygen_spawn(struct keygen *g)
{
	int credit[2], keys[2], rc;

	if (helper_pipe(credit, 1) == -1 || helper_pipe(keys, 0) == -1) {
		log_warn("key pool: pipe");
		return;
	}
	rc = keygen_exec(g, credit[0], keys[1]);
	(void)close(credit[0]);
	(void)close(keys[1]);
	g->credit_fd = credit[1];
	g->key_fd = keys[0];
	frame_reader_init(&g->rd, KEYGEN_KEY_MAX_BYTES);
	if (rc != 0) {
		g->pid = -1;
		errno = rc;
		keygen_lost(g, "could not start");
		return;
	}
	g->starts++;
	if (loop_add_fd(g->d->loop, g->key_fd, LOOP_READ, keygen_read, g) ==
	    -1)
		fatal("loop_add_fd");
	log_debug("key pool: generator %ld started (%d-bit RSA, SCHED_IDLE)",
	    (long)g->pid, g->bits);
	keygen_ask(g);
	keygen_pause(g->d, g->d->runner.n_running > 0);
}

void
keygen_pause(struct daemon *d, int pause)
{
	struct keygen *g = d->keygen;

	if (g == NULL || g->pid <= 0 || g->paused == (pause != 0))
		return;
	if (kill(g->pid, pause ? SIGSTOP : SIGCONT) == -1)
		log_warn("key pool: %s generator %ld", pause ? "stop" : "resume",
		    (long)g->pid);
	else
		g->paused = pause != 0;
}

void
keygen_start(struct daemon *d)
{
	struct keygen *g = xcalloc(1, sizeof(*g));

	g->d = d;
	g->pid = -1;
	g->key_fd = g->credit_fd = -1;
	g->bits = (int)d->opts.key_bits;
	helper_exe(g->exe, sizeof(g->exe));
	keypool_init(&g->pool, (size_t)d->opts.key_pool_size,
	    d->opts.key_pool_max_age);
	d->keygen = g;
	if (g->pool.cap > 0 && d->sched.enabled)
		keygen_spawn(g);
}

void
keygen_stop(struct daemon *d)
{
	struct keygen *g = d->keygen;

	if (g == NULL)
		return;
	g->deaths = 0;
	if (g->restart_timer != 0)
		loop_del_timer(d->loop, g->restart_timer);
	if (g->age_timer != 0)
		loop_del_timer(d->loop, g->age_timer);
	g->restart_timer = g->age_timer = 0;
	g->stopping = 1;	/* no restart from keygen_lost */
	if (g->pid > 0 || g->key_fd != -1)
		keygen_lost(g, "stopped");
	keypool_free(&g->pool);
	free(g);
	d->keygen = NULL;
}

/*
 * Debug log: which key a renewal got, by the SHA-256 of its public key
 * (DER SubjectPublicKeyInfo), so that a test can find it in the new proxy.
 */
static void
log_handed(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL,
	    (void *)"") : NULL;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	int dlen = key != NULL ? i2d_PUBKEY(key, &der) : -1;

	if (dlen > 0 && EVP_Digest(der, (size_t)dlen, md, &n, EVP_sha256(),
	    NULL) == 1) {
		for (i = 0; i < n; i++)
			(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
		log_debug("key pool: handed out the key with public key "
		    "sha256 %s", hex);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	BIO_free(b);
}

int
keygen_hand(struct daemon *d, int *fd)
{
	struct keygen *g = d->keygen;
	char *pem;
	size_t len;
	int p[2], rc = -1;

	if (g == NULL || keypool_take(&g->pool, now_sec(), &pem, &len) != 0)
		return -1;
	if (d->opts.debug)
		log_handed(pem, len);
	if (helper_pipe(p, 1) == 0) {
		if (write(p[1], pem, len) == (ssize_t)len) {
			*fd = p[0];
			rc = 0;
		} else {
			(void)close(p[0]);
		}
		(void)close(p[1]);
	}
	wipe_free(pem, len);
	keygen_ask(g);
	return rc;
}

void
keygen_stats(const struct daemon *d, struct keygen_stats *st)
{
	const struct keygen *g = d->keygen;

	memset(st, 0, sizeof(*st));
	if (g == NULL)
		return;
	st->size = g->pool.n;
	st->capacity = g->pool.cap;
	st->made = g->pool.made;
	st->hits = g->pool.hits;
	st->misses = g->pool.misses;
	st->discarded = g->pool.discarded;
	st->restarts = g->starts > 0 ? g->starts - 1 : 0;
	st->generator_pid = g->pid > 0 ? g->pid : 0;
}
