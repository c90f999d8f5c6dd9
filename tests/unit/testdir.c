/*
 * testdir.c: a scratch directory per unit test, made and removed without a
 * shell. Included by test programs (#include "testdir.c"), as testcert.c.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Make /tmp/PREFIX.XXXXXX into dir (size bytes); fails the test if not. */
static void __attribute__((unused))
testdir_make(char *dir, size_t size, const char *prefix)
{
	int n = snprintf(dir, size, "/tmp/%s.XXXXXX", prefix);

	assert_true(n > 0 && (size_t)n < size);
	assert_non_null(mkdtemp(dir));
}

static int
testdir_remove_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove dir and everything below it (links are not followed). */
static void __attribute__((unused))
testdir_remove(const char *dir)
{
	if (nftw(dir, testdir_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fail_msg("cannot remove %s", dir);
}
