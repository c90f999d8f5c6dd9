/*
 * privdrop.c: who the daemon runs as. Started as root it either drops to
 * --user before it opens the repository or the socket (so every file it
 * creates belongs to that user), or, with --run-as-root, stays root; root
 * with neither is refused.
 *
 * Rules:
 *  (1) The drop sets the supplementary groups of the user (initgroups),
 *      then the real, effective and saved gid, then uid (setres*), and then
 *      proves there is no way back: setuid(0) must fail and getres*id must
 *      all be the user's.
 *  (2) Not root: --user must name ourselves (or is an error); nothing drops.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/* Rule 1's proof. 0 or err. */
static int
privdrop_verify(uid_t uid, gid_t gid, struct pr_error *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return pr_error_set(err, errno, "getresuid: %s",
		    strerror(errno));
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid)
		return pr_error_set(err, EPERM, "--user: ids are not all "
		    "%u:%u after the drop", (unsigned)uid, (unsigned)gid);
	if (uid != 0 && setuid(0) != -1)
		return pr_error_set(err, EPERM, "--user: could become root "
		    "again after the drop");
	return 0;
}

int
privdrop(struct options *o, struct pr_error *err)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		if (o->user == NULL)
			return 0;
		if ((pw = getpwnam(o->user)) == NULL || pw->pw_uid != geteuid())
			return pr_error_set(err, EPERM, "--user %.64s: only "
			    "root can change user", o->user);
		return 0;
	}
	if (o->user == NULL) {
		if (o->run_as_root)
			return 0;
		return pr_error_set(err, EPERM, "refusing to run as root: give "
		    "--user NAME (the daemon drops to it before serving) or "
		    "--run-as-root");
	}
	errno = 0;
	if ((pw = getpwnam(o->user)) == NULL)
		return pr_error_set(err, errno ? errno : ENOENT, "--user "
		    "%.64s: no such user", o->user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (initgroups(pw->pw_name, gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 || setresuid(uid, uid, uid) == -1)
		return pr_error_set(err, errno, "--user %.64s: %s", o->user,
		    strerror(errno));
	return privdrop_verify(uid, gid, err);
}
