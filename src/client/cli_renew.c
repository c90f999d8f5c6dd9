/*
 * cli_renew.c: `proxy-renew renew`: parse the options, call
 * proxyrenew_renew(), print the outcome. The only output on success is
 * "Myproxy_server=host:port" and "End_time=<unix time>" (key=value, as the
 * daemon's answers), then a human-readable line on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_renew.h"
#include "pr_error.h"
#include "renew_oneshot.h"

#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

enum { OPT_LIFETIME = 256, OPT_CERT, OPT_KEY, OPT_CADIR, OPT_TIMEOUT };

static int
renew_usage(const char *why)
{
	(void)fprintf(stderr, "proxy-renew renew: %s\nusage: proxy-renew renew "
	    "-s HOST[:PORT][,HOST[:PORT]...] -f CURRENT_PROXY -o OUT\n"
	    "       [--lifetime HOURS] [--timeout SECONDS] [--cert FILE "
	    "--key FILE --CAdir DIR]\n", why);
	return CLI_EXIT_USAGE;
}

/* A whole number in 1..max, else -1. */
static int
parse_count(const char *s, long max)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > max)
		return -1;
	return (int)v;
}

static int
parse_opts(int argc, char **argv, const char **servers, const char **cur,
    const char **out, struct proxyrenew_renew_opts *o)
{
	static const struct option longopts[] = {
		{ "lifetime",	required_argument,	NULL, OPT_LIFETIME },
		{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
		{ "cert",	required_argument,	NULL, OPT_CERT },
		{ "key",	required_argument,	NULL, OPT_KEY },
		{ "CAdir",	required_argument,	NULL, OPT_CADIR },
		{ NULL,		0,			NULL, 0 },
	};
	int ch, h;

	optind = 0;	/* GNU: full re-initialisation after main's getopt */
	while ((ch = getopt_long(argc, argv, "+s:f:o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': *servers = optarg; break;
		case 'f': *cur = optarg; break;
		case 'o': *out = optarg; break;
		case OPT_CERT: o->cert = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_CADIR: o->cadir = optarg; break;
		case OPT_LIFETIME:
			if ((h = parse_count(optarg, 240)) == -1)
				return renew_usage("--lifetime: hours in 1..240");
			o->lifetime_sec = h * 3600;
			break;
		case OPT_TIMEOUT:
			if ((o->timeout_sec = parse_count(optarg, 3600)) == -1)
				return renew_usage("--timeout: seconds in 1..3600");
			break;
		default:
			return renew_usage("unknown option");
		}
	}
	if (optind != argc)
		return renew_usage("unexpected argument");
	if (*servers == NULL || *cur == NULL || *out == NULL)
		return renew_usage("-s, -f and -o are required");
	return 0;
}

int
cli_renew(int argc, char **argv)
{
	struct proxyrenew_renew_opts o;
	struct proxyrenew_renew_info info;
	const char *servers = NULL, *cur = NULL, *out = NULL;
	char *msg = NULL, when[64] = "?";
	struct tm tm;
	time_t t;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse_opts(argc, argv, &servers, &cur, &out, &o)) != 0)
		return rc;
	rc = proxyrenew_renew(servers, cur, out, &o, &info, &msg);
	if (rc != 0) {
		(void)fprintf(stderr, "proxy-renew renew: %s (%d): %s\n",
		    pr_strerror(rc), rc, msg != NULL ? msg : "out of memory");
		free(msg);
		return CLI_EXIT_FAIL;
	}
	t = (time_t)info.end_time;
	if (gmtime_r(&t, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	(void)printf("Myproxy_server=%s\nEnd_time=%lld\n", info.server,
	    info.end_time);
	(void)fprintf(stderr, "proxy-renew renew: %s renewed from %s, valid "
	    "until %s\n", out, info.server, when);
	return 0;
}
