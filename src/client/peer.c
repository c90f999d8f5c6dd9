/*
 * peer.c: whom libproxyrenew will talk to. Anyone can bind the default
 * socket path /tmp/dgpr_renew_<uid> while the daemon is down, and answer
 * GET with a proxy of their choosing; so after connect, before sending a
 * byte, the listening peer's uid (SO_PEERCRED: who bound and listened) must
 * be ours, root's, or the uid PROXY_RENEWD_DAEMON_UID names (a number or a
 * user name, for a daemon running as a service account).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#define PEER_ENV		"PROXY_RENEWD_DAEMON_UID"
#define PWD_BUF_BYTES		4096

/* PROXY_RENEWD_DAEMON_UID as a uid (*set = 0 when unset); 0 or EINVAL. */
static int
configured_uid(uid_t *uid, int *set, struct pr_error *err)
{
	const char *env = getenv(PEER_ENV);
	struct passwd pw, *res = NULL;
	char buf[PWD_BUF_BYTES], *end;
	unsigned long n;

	*set = 0;
	if (env == NULL || *env == '\0')
		return 0;
	*set = 1;
	errno = 0;
	n = strtoul(env, &end, 10);
	if (*env >= '0' && *env <= '9' && *end == '\0' && errno == 0 &&
	    n == (unsigned long)(uid_t)n && (uid_t)n != (uid_t)-1) {
		*uid = (uid_t)n;
		return 0;
	}
	if (getpwnam_r(env, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return pr_error_set(err, EINVAL, "%s=%s: neither a uid nor a "
		    "known user name", PEER_ENV, env);
	*uid = pw.pw_uid;
	return 0;
}

int
pr_client_check_peer(int fd, const char *path, struct pr_error *err)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	uid_t daemon_uid;
	int rc, set;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return pr_error_set(err, errno, "SO_PEERCRED on %s", path);
	if (cr.uid == getuid() || cr.uid == geteuid() || cr.uid == 0)
		return 0;
	if ((rc = configured_uid(&daemon_uid, &set, err)) != 0)
		return rc;
	if (set && cr.uid == daemon_uid)
		return 0;
	return pr_error_set(err, EPERM, "%s is served by uid %u (pid %ld), "
	    "which is neither this user, root nor %s: not a proxy-renewd "
	    "to trust; set %s to the daemon's uid if it runs as that user",
	    path, (unsigned)cr.uid, (long)cr.pid, PEER_ENV, PEER_ENV);
}
