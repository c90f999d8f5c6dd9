/*
 * failure_class.c: the one table that turns what the servers and the worker
 * said into a failure class (failure_class.h).
 *
 * Rules:
 *  (1) Rows are grouped by class in the order local, transient,
 *      needs-user-action; the first row whose text occurs in the message
 *      decides. That order is what makes a message naming several servers
 *      get the strongest class any of them shows. Our own "subject: why"
 *      texts are anchored (start of the message or right after ": "), so
 *      a hint that merely mentions "the service certificate" stays a
 *      server's refusal.
 *  (2) Every text below was seen from a real server or is produced by our
 *      own worker/daemon code (the file that says it is named); each row has
 *      its unit test. Integration tests produce the server rows against
 *      real servers (100, 112, 120, 127, 138; VOMS: 200, 203, 212, 213).
 *      140 produces "GSS Major Status" (server's CA not trusted, server's
 *      certificate revoked, our service certificate not trusted by the
 *      server), "Server identity does not match expected identity" (its
 *      certificate names another host), "certificate subject does not
 *      match credential", "no passphrase" (service not among the
 *      credential's renewers), "invalid credential passphrase",
 *      "certificate revoked" (the user's certificate in a CRL); 216 "User
 *      unknown to this VO".
 *      None produces "Connection reset": no real server gave it (it is the
 *      kernel's ECONNRESET when a peer drops a connection).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "failure_class.h"
#include "pr_error.h"

static const struct fclass_rule rules[] = {
	/* ---- local: this host must be fixed by the admin */
	{ "service certificate", 1, FCLASS_LOCAL,
	  "the service certificate is unusable (svc_cred.c)" },
	{ "service key", 1, FCLASS_LOCAL,
	  "the service key is unusable (svc_cred.c)" },
	{ "CA directory", 1, FCLASS_LOCAL,
	  "the trusted CA directory is unusable (svc_cred.c)" },
	{ "VOMS renewal is not available", 0, FCLASS_LOCAL,
	  "the proxy has VOMS attributes and the daemon runs without -A" },
	{ "output file", 1, FCLASS_LOCAL,
	  "the worker cannot write its output file in the repository" },
	{ "No space left on device", 0, FCLASS_LOCAL,
	  "the repository's file system is full" },
	{ "Read-only file system", 0, FCLASS_LOCAL,
	  "the repository's file system is read-only" },
	{ "Input/output error", 0, FCLASS_LOCAL,
	  "the repository's disk reports I/O errors" },
	{ "worker died of signal", 0, FCLASS_LOCAL,
	  "the renewal worker crashed" },
	{ "worker exited with status", 0, FCLASS_LOCAL,
	  "the renewal worker broke its contract (installation?)" },
	{ "malformed worker result", 0, FCLASS_LOCAL,
	  "the renewal worker broke its contract (installation?)" },
	/* ---- transient: the server or the network; retry with backoff */
	{ "cooling down, not tried", 0, FCLASS_TRANSIENT,
	  "a server that may hold the credential was not tried (cooling down)" },
	{ "Connection refused", 0, FCLASS_TRANSIENT,
	  "nothing listens at the server's address (server down)" },
	{ "Unable to connect", 0, FCLASS_TRANSIENT,
	  "the server cannot be reached" },
	{ "cannot connect", 0, FCLASS_TRANSIENT,
	  "the VOMS server cannot be reached" },
	{ "no answer within", 0, FCLASS_TRANSIENT,
	  "the server did not answer in time" },
	{ "worker killed after its hard timeout", 0, FCLASS_TRANSIENT,
	  "a server hung until the worker's hard timeout" },
	{ "Connection reset", 0, FCLASS_TRANSIENT,
	  "the server dropped the connection" },
	{ "GSS Major Status", 0, FCLASS_TRANSIENT,
	  "the TLS/GSI handshake with the server failed" },
	{ "Server identity does not match expected identity", 0,
	  FCLASS_TRANSIENT,
	  "the server's certificate does not name the host we contacted" },
	/* ---- needs-user-action: only the credential's owner can fix it */
	{ "No credentials exist for username", 0, FCLASS_USER,
	  "no credential is stored for this identity on the server" },
	{ "no credentials found for user", 0, FCLASS_USER,
	  "no credential is stored for this identity (MyProxy INFO)" },
	{ "not authorized by server's authorized_renewers policy", 0,
	  FCLASS_USER,
	  "the service is not an authorized renewer on the server" },
	{ "no passphrase", 0, FCLASS_USER,
	  "the server refused this service as renewer (not in its "
	  "authorized_renewers or not among the credential's renewers)" },
	{ "invalid credential passphrase", 0, FCLASS_USER,
	  "the credential was stored with a passphrase (renewal needs one "
	  "stored without: myproxy-init -n)" },
	{ "certificate subject does not match credential", 0, FCLASS_USER,
	  "the stored credential belongs to another identity" },
	{ "certificate has expired", 0, FCLASS_USER,
	  "the stored credential (or the current proxy) has expired" },
	{ "certificate revoked", 0, FCLASS_USER,
	  "the stored credential has been revoked" },
	{ "new proxy would end earlier", 0, FCLASS_USER,
	  "the stored credential ends before the current proxy: store a new one" },
	{ "Unable to satisfy", 0, FCLASS_USER,
	  "the VOMS server no longer grants a requested group or role" },
	{ "User unknown to this VO", 0, FCLASS_USER,
	  "the identity is not (or no longer) a member of the VO" },
};
#define N_RULES	(sizeof(rules) / sizeof(rules[0]))

static const char *const class_names[FCLASS__COUNT] = {
	[FCLASS_NONE] = "",
	[FCLASS_TRANSIENT] = "transient",
	[FCLASS_USER] = "needs-user-action",
	[FCLASS_LOCAL] = "local",
};

/* rule->text occurs in msg (where rule->is_anchored allows it). */
static int
rule_matches(const struct fclass_rule *rule, const char *msg)
{
	const char *at;

	for (at = msg; (at = strstr(at, rule->text)) != NULL; at++)
		if (!rule->is_anchored || at == msg ||
		    (at - msg >= 2 && at[-2] == ':' && at[-1] == ' '))
			return 1;
	return 0;
}

enum fclass
fclass_classify(int code, const char *msg, const struct fclass_rule **rule)
{
	size_t i;

	if (rule != NULL)
		*rule = NULL;
	if (code == 0)
		return FCLASS_NONE;
	for (i = 0; msg != NULL && i < N_RULES; i++)
		if (rule_matches(&rules[i], msg)) {
			if (rule != NULL)
				*rule = &rules[i];
			return rules[i].cls;
		}
	/* a store that cannot record: errno without a text we know */
	if (code == ENOSPC || code == EROFS || code == EIO || code == EDQUOT)
		return FCLASS_LOCAL;
	return FCLASS_TRANSIENT;
}

const char *
fclass_name(enum fclass cls)
{
	if ((int)cls < 0 || cls >= FCLASS__COUNT)
		return "";
	return class_names[cls];
}

const struct fclass_rule *
fclass_rules(unsigned *n)
{
	*n = (unsigned)N_RULES;
	return rules;
}
