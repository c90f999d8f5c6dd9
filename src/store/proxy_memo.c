/*
 * proxy_memo.c: GET's fields of each proxy, by id (proxy_memo.h).
 */
#include <stdlib.h>
#include <string.h>

#include "proxy_memo.h"

#define SPARE_IDS	65536	/* ids kept beyond 4 x the records held */

struct proxy_memo {
	struct proxy_memo_rec **rec;	/* by id */
	size_t n_ids;			/* length of rec */
	size_t n_rec;
	size_t rec_bytes;
	int off;			/* out of memory once: keeps nothing */
};

struct proxy_memo *
proxy_memo_new(void)
{
	return calloc(1, sizeof(struct proxy_memo));
}

static void
forget_all(struct proxy_memo *pm)
{
	size_t i;

	for (i = 0; i < pm->n_ids; i++)
		free(pm->rec[i]);
	free(pm->rec);
	pm->rec = NULL;
	pm->n_ids = pm->n_rec = pm->rec_bytes = 0;
}

void
proxy_memo_free(struct proxy_memo *pm)
{
	if (pm == NULL)
		return;
	forget_all(pm);
	free(pm);
}

const struct proxy_memo_rec *
proxy_memo_get(const struct proxy_memo *pm, int64_t id)
{
	if (id <= 0 || (uint64_t)id >= pm->n_ids)
		return NULL;
	return pm->rec[id];
}

/* Make rec[id] exist; 0, or -1 when id is too far out or memory lacks. */
static int
cover(struct proxy_memo *pm, int64_t id)
{
	struct proxy_memo_rec **r;
	size_t n = pm->n_ids < 1024 ? 1024 : pm->n_ids;

	if ((uint64_t)id < pm->n_ids)
		return 0;
	if ((uint64_t)id >= pm->n_rec * 4 + SPARE_IDS)
		return -1;
	while (n <= (uint64_t)id)
		n *= 2;
	if ((r = realloc(pm->rec, n * sizeof(*r))) == NULL) {
		forget_all(pm);
		pm->off = 1;
		return -1;
	}
	memset(r + pm->n_ids, 0, (n - pm->n_ids) * sizeof(*r));
	pm->rec = r;
	pm->n_ids = n;
	return 0;
}

void
proxy_memo_put(struct proxy_memo *pm, int64_t id, const char *file,
    const char *servers, int64_t obtained, int64_t not_after,
    int64_t next_renewal)
{
	size_t fl = strlen(file) + 1, sl = strlen(servers) + 1;
	struct proxy_memo_rec *r;

	if (pm->off || id <= 0 || cover(pm, id) != 0)
		return;
	proxy_memo_forget(pm, id);
	if ((r = malloc(sizeof(*r) + fl + sl)) == NULL) {
		forget_all(pm);
		pm->off = 1;
		return;
	}
	r->obtained = obtained;
	r->not_after = not_after;
	r->next_renewal = next_renewal;
	memcpy(r->file, file, fl);
	memcpy(r->file + fl, servers, sl);
	r->servers = r->file + fl;
	pm->rec[id] = r;
	pm->n_rec++;
	pm->rec_bytes += sizeof(*r) + fl + sl;
}

void
proxy_memo_forget(struct proxy_memo *pm, int64_t id)
{
	struct proxy_memo_rec *r;

	if (id == 0) {
		forget_all(pm);
		return;
	}
	if (id < 0 || (uint64_t)id >= pm->n_ids || (r = pm->rec[id]) == NULL)
		return;
	pm->rec_bytes -= sizeof(*r) + strlen(r->file) + 1 +
	    strlen(r->servers) + 1;
	free(r);
	pm->rec[id] = NULL;
	pm->n_rec--;
}

size_t
proxy_memo_count(const struct proxy_memo *pm)
{
	return pm->n_rec;
}

size_t
proxy_memo_bytes(const struct proxy_memo *pm)
{
	return pm->n_ids * sizeof(*pm->rec) + pm->rec_bytes;
}
