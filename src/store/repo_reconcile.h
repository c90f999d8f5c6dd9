/*
 * repo_reconcile.h: start-up reconciliation of the repository's files with
 * its records, both ways, before any request is served.
 *
 * A kill can leave a proxy file without a live record (between a
 * REGISTER's file write and its commit, an UNREGISTER's commit and the
 * unlink, an expiry's commit and the unlink) or a worker's temp file: each
 * holds a private key nothing would ever remove, so each is removed. A
 * live record whose file vanished is returned for the caller to expire.
 * Files of other names are left alone (only reported). Lower layer: tells
 * the caller through note(), never logs.
 */
#ifndef PR_REPO_RECONCILE_H
#define PR_REPO_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "pr_error.h"

struct store;

enum recon_event {
	RECON_TEMP_REMOVED,		/* a stale ".tmp.*" file */
	RECON_ORPHAN_REMOVED,		/* a proxy file no record names */
	RECON_EXPIRED_REMOVED,		/* the file of an expired record */
	RECON_FOREIGN_KEPT,		/* not a name of ours: left alone */
	RECON_NOT_PRIVATE,		/* a record's file: not 0600 of ours */
	RECON_REMOVE_FAILED		/* detail says why */
};

typedef void recon_note_fn(void *arg, enum recon_event ev, const char *name,
    const char *detail);

/*
 * Reconcile the repository open as dirfd with st at Unix time now. Fills
 * *missing (caller frees) with the ids of live records whose file is gone.
 * 0, or an error from the store or the directory walk (err).
 */
int repo_reconcile(int dirfd, struct store *st, int64_t now,
    recon_note_fn *note, void *arg, int64_t **missing, size_t *n_missing,
    struct pr_error *err);

/* A record that was expired: its file was, or is to be, removed. */
int repo_record_expired(int64_t next_renewal, int64_t not_after, int64_t now);

#endif /* PR_REPO_RECONCILE_H */
