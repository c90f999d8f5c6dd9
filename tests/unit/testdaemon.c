/*
 * testdaemon.c: a daemon for the command-path unit tests: its options'
 * defaults, a fresh store in the repository dir/repo (dir made by
 * testdir_make), an event loop, the REGISTER batch and the scheduler.
 * Included after testdir.c and daemon/daemon.h, daemon/loop.h,
 * store/repo_files.h, store/store.h.
 */

/* d set up in a new scratch directory /tmp/PREFIX.XXXXXX (into dir). */
static void
testdaemon_open(struct daemon *d, char *dir, size_t size, const char *prefix)
{
	struct pr_error err;
	char repo[96];

	memset(d, 0, sizeof(*d));
	testdir_make(dir, size, prefix);
	snprintf(repo, sizeof(repo), "%s/repo", dir);
	options_defaults(&d->opts);
	d->repo_fd = repo_open_dir(repo, &err);
	assert_true(d->repo_fd >= 0);
	assert_non_null(d->repo_path = realpath(repo, NULL));
	if (store_open(d->repo_path, &d->store, &err) != 0)
		fail_msg("store_open: %s", err.msg);
	d->loop = loop_new();
	batch_init(d);
	sched_init(d);
}

/* All of testdaemon_open undone (metrics too, when set), dir removed. */
static void
testdaemon_close(struct daemon *d, const char *dir)
{
	sched_stop(d);
	batch_free(d);
	metrics_free(d);
	store_close(d->store);
	close(d->repo_fd);
	loop_free(d->loop);
	free(d->repo_path);
	options_free(&d->opts);
	testdir_remove(dir);
}
