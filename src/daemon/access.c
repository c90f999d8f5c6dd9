/*
 * access.c: who the daemon serves besides its own uid and root
 * (--allow-user, --allow-group), and the socket mode that lets them
 * connect at all.
 *
 * Rules:
 *  (1) The lists are resolved once, at start-up, into uids and gids; a name
 *      that does not resolve refuses the start (a typo must not silently
 *      serve nobody, or the wrong people).
 *  (2) The kernel's word only: a peer is served when its SO_PEERCRED uid is
 *      ours, root or allowed, or when its SO_PEERCRED gid or one of its
 *      SO_PEERGROUPS is allowed. Nothing is looked up per connection.
 *  (3) The socket stays 0600 without allow lists; with one group only it is
 *      0660 of that group; with allowed users it must be 0666 (file modes
 *      cannot name single users), and rule 2 turns the others away.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "xmalloc.h"

#define PEER_GROUPS_MAX	256	/* supplementary groups read per peer */

/* One list entry: a name or a decimal id. 0 or -1. */
static int
resolve_one(const char *item, int is_group, unsigned *id)
{
	struct passwd *pw;
	struct group *gr;
	int64_t v;

	if (opt_strtonum(item, 0, (int64_t)UINT32_MAX - 1, &v) == 0) {
		*id = (unsigned)v;
		return 0;
	}
	if (is_group) {
		if ((gr = getgrnam(item)) == NULL)
			return -1;
		*id = gr->gr_gid;
	} else {
		if ((pw = getpwnam(item)) == NULL)
			return -1;
		*id = pw->pw_uid;
	}
	return 0;
}

/* "a,b,1000" into ids (allocated, *n entries). 0 or err. */
static int
resolve_list(const char *spec, int is_group, unsigned **ids, size_t *n,
    struct pr_error *err)
{
	char *copy, *item, *save = NULL;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (spec == NULL)
		return 0;
	copy = xstrdup(spec);
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		if (resolve_one(item, is_group, &(*ids)[*n]) != 0) {
			pr_error_set(err, EINVAL, "--allow-%s: no such %s '%.64s'",
			    is_group ? "group" : "user", is_group ? "group" :
			    "user", item);
			free(copy);
			free(*ids);
			*ids = NULL;
			*n = 0;
			return err->code;
		}
		(*n)++;
	}
	free(copy);
	return 0;
}

int
access_init(struct access_list *a, const struct options *o,
    struct pr_error *err)
{
	memset(a, 0, sizeof(*a));
	if (resolve_list(o->allow_user, 0, &a->uids, &a->n_uids, err) != 0 ||
	    resolve_list(o->allow_group, 1, &a->gids, &a->n_gids, err) != 0) {
		access_free(a);
		return err->code;
	}
	if (a->n_uids > 0 || a->n_gids > 1)
		a->sock_mode = 0666;
	else if (a->n_gids == 1)
		a->sock_mode = 0660;
	else
		a->sock_mode = 0600;
	return 0;
}

void
access_free(struct access_list *a)
{
	free(a->uids);
	free(a->gids);
	memset(a, 0, sizeof(*a));
}

static int
has_id(const unsigned *ids, size_t n, unsigned id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Rule 2 for an accepted fd whose SO_PEERCRED is uid/gid. */
int
access_peer_allowed(const struct access_list *a, int fd, uid_t uid, gid_t gid)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);
	size_t i;

	if (has_id(a->uids, a->n_uids, uid))
		return 1;
	if (a->n_gids == 0)
		return 0;
	if (has_id(a->gids, a->n_gids, gid))
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return 0;	/* ERANGE: more groups than we read; refuse */
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (has_id(a->gids, a->n_gids, groups[i]))
			return 1;
	return 0;
}

/*
 * Rule 3 on the socket we just bound (still 0600, ours, dev/ino known):
 * group first, then the mode; then check the inode is still ours and has
 * exactly that mode. 0 or err.
 */
int
access_socket_mode(const struct access_list *a, const char *path, dev_t dev,
    ino_t ino, struct pr_error *err)
{
	struct stat st;

	if (a->sock_mode == 0600)
		return 0;
	if (a->n_gids == 1 && a->n_uids == 0 &&
	    chown(path, (uid_t)-1, a->gids[0]) == -1)
		return pr_error_set(err, errno, "socket %s: cannot give it to "
		    "group %u: %s (the daemon's user must be a member)", path,
		    a->gids[0], strerror(errno));
	if (chmod(path, a->sock_mode) == -1)
		return pr_error_set(err, errno, "socket %s: chmod %o: %s", path,
		    a->sock_mode, strerror(errno));
	if (lstat(path, &st) == -1 || st.st_dev != dev || st.st_ino != ino ||
	    (st.st_mode & 07777) != a->sock_mode)
		return pr_error_set(err, EPERM, "socket %s: not our %o socket "
		    "after chmod", path, a->sock_mode);
	return 0;
}
