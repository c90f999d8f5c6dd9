/*
 * test_keypool.c: the key pool's rules (keypool.h): bounded (a key
 * offered to a full pool is wiped), oldest first, each key handed out
 * once, aged keys never handed out but wiped, counters, a disabled pool.
 * wipe_free is wrapped (-Wl,--wrap=wipe_free) to see every wipe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/keypool.h"

void __real_wipe_free(void *buf, size_t len);
void __wrap_wipe_free(void *buf, size_t len);

static struct {
	char text[16][32];	/* what each wiped buffer held */
	int n;
} wiped;

void
__wrap_wipe_free(void *buf, size_t len)
{
	if (buf != NULL && wiped.n < 16)
		snprintf(wiped.text[wiped.n++], sizeof(wiped.text[0]), "%.*s",
		    (int)len, (const char *)buf);
	__real_wipe_free(buf, len);
}

static char *
key(const char *text)
{
	char *p = strdup(text);

	assert_non_null(p);
	return p;
}

static void
put(struct keypool *p, const char *text, int64_t now)
{
	keypool_put(p, key(text), strlen(text), now);
}

static void
take_is(struct keypool *p, int64_t now, const char *want)
{
	char *pem;
	size_t len;

	assert_int_equal(keypool_take(p, now, &pem, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(pem, want, len);
	free(pem);
}

/* p made with cap and max_age, no wipe seen yet. */
static void
pool_new(struct keypool *p, size_t cap, int64_t max_age)
{
	memset(&wiped, 0, sizeof(wiped));
	keypool_init(p, cap, max_age);
}

/* keypool_take at now hands out nothing. */
static void
take_none(struct keypool *p, int64_t now)
{
	char *pem;
	size_t len;

	assert_int_equal(keypool_take(p, now, &pem, &len), -1);
}

static void
test_bounded_oldest_first_once(void **state)
{
	struct keypool p;

	(void)state;
	pool_new(&p, 2, 3600);
	put(&p, "k1", 100);
	put(&p, "k2", 101);
	put(&p, "k3", 102);		/* full: wiped, not kept */
	assert_int_equal(p.n, 2);
	assert_int_equal(p.made, 3);
	assert_int_equal(p.discarded, 1);
	assert_int_equal(wiped.n, 1);
	assert_string_equal(wiped.text[0], "k3");
	take_is(&p, 200, "k1");		/* oldest first */
	put(&p, "k4", 201);		/* room again, wraps the ring */
	take_is(&p, 202, "k2");
	take_is(&p, 203, "k4");
	take_none(&p, 204);
	assert_int_equal(p.hits, 3);
	assert_int_equal(p.misses, 1);
	assert_int_equal(p.n, 0);
	keypool_free(&p);
	assert_int_equal(wiped.n, 1);	/* handed-out keys are the taker's */
}

static void
test_age(void **state)
{
	struct keypool p;

	(void)state;
	pool_new(&p, 4, 60);
	put(&p, "old", 1000);
	put(&p, "mid", 1030);
	put(&p, "new", 1059);
	assert_int_equal(keypool_next_expiry(&p), 1060);
	assert_int_equal(keypool_expire(&p, 1059), 0);
	assert_int_equal(keypool_expire(&p, 1060), 1);	/* 60 s: too old */
	assert_string_equal(wiped.text[0], "old");
	assert_int_equal(keypool_next_expiry(&p), 1090);
	/* a take never hands out an aged key: it wipes it and goes on */
	take_is(&p, 1100, "new");
	assert_int_equal(wiped.n, 2);
	assert_string_equal(wiped.text[1], "mid");
	assert_int_equal(p.discarded, 2);
	take_none(&p, 1200);
	assert_int_equal(keypool_next_expiry(&p), 0);
	keypool_free(&p);
}

static void
test_free_wipes_all(void **state)
{
	struct keypool p;

	(void)state;
	pool_new(&p, 3, 60);
	put(&p, "a", 1);
	put(&p, "b", 2);
	keypool_free(&p);
	assert_int_equal(wiped.n, 2);
	assert_string_equal(wiped.text[0], "a");
	assert_string_equal(wiped.text[1], "b");
}

static void
test_disabled(void **state)
{
	struct keypool p;

	(void)state;
	pool_new(&p, 0, 60);
	put(&p, "x", 1);		/* no room at all: wiped */
	assert_int_equal(wiped.n, 1);
	take_none(&p, 2);
	assert_int_equal(p.misses, 0);	/* no pool: not a miss */
	assert_int_equal(p.hits, 0);
	keypool_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded_oldest_first_once),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_free_wipes_all),
		cmocka_unit_test(test_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
