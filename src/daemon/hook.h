/*
 * hook.h: the --hook command, run for events of a proxy's life (hook.c):
 * renewed, renewal-failed (after --hook-failures in a row) and
 * needs-user-action (sched_renewal.c), proxy-expired (sched.c),
 * credential-expiring (credwatch_result.c).
 */
#ifndef PR_HOOK_H
#define PR_HOOK_H

#include <stdint.h>

struct daemon;

/* Event names, as PROXY_RENEWD_EVENT gets them. */
#define HOOK_RENEWED		"renewed"
#define HOOK_RENEWAL_FAILED	"renewal-failed"
#define HOOK_NEEDS_USER_ACTION	"needs-user-action"
#define HOOK_CREDENTIAL_EXPIRING "credential-expiring"
#define HOOK_PROXY_EXPIRED	"proxy-expired"

/* The facts handed to the command as PROXY_RENEWD_* variables. */
struct hook_event {
	const char *event;		/* HOOK_* */
	const char *identity;		/* the proxy's identity */
	const char *file;		/* absolute repository file */
	int64_t jobs;			/* jobs registered on it */
	int64_t end_time;		/* the proxy's end, Unix time */
	int64_t credential_end_time;	/* the stored credential's; 0 unknown */
	int failures;			/* failed attempts in a row */
	const char *failure_class;	/* "" when none */
	const char *message;		/* server's text; "" when none */
	const char *credential_server;	/* credential-expiring: INFO's server */
	int64_t lead;			/* credential-expiring: the lead crossed */
};

struct hooks;

/* command: run as /bin/sh -c command; NULL turns hooks off. */
void	hook_init(struct daemon *d, const char *command, int64_t timeout_sec);
/* SIGHUP: a new command and timeout for the next runs. */
void	hook_configure(struct daemon *d, const char *command,
	    int64_t timeout_sec);
/* Run (or queue) the hook for ev; never waits; no-op without a command. */
void	hook_fire(struct daemon *d, const struct hook_event *ev);
/* 1 when a command is set: without one, callers skip building events
 * (an event's facts cost a store query). */
int	hook_is_on(const struct daemon *d);
/* Hooks running or waiting (tests, shutdown). */
int	hook_pending(const struct daemon *d);
/* Kill what still runs, reap it, drop the queue. */
void	hook_shutdown(struct daemon *d);

#endif /* PR_HOOK_H */
