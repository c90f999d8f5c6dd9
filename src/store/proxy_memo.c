/*
 * proxy_memo.c: GET's fields of each proxy, by id (proxy_memo.h).
 *
 * A slot is two cache lines: the id, the times, the file name inline (a
 * 64-hex-digit identity's file fits), and the server list as a pointer to
 * one copy kept for every proxy that names it: a site has a few lists,
 * which stay in cache. A longer name, or a list beyond the first
 * SERVERS_KEPT, goes with the name into a block of the slot's own.
 */
#include <stdlib.h>
#include <string.h>

#include "open_table.h"
#include "proxy_memo.h"

#define MIN_SLOTS	256
#define FILE_BYTES	80
#define SERVERS_KEPT	32	/* distinct server lists kept once */
#define FIB_MUL		0x9E3779B97F4A7C15ull	/* spreads sequential ids */

struct slot {
	int64_t id;			/* 0: free */
	int64_t obtained, not_after, next_renewal;
	const char *servers;		/* a kept list, or inside heap */
	char *heap;			/* NULL, or "file\0servers\0" */
	char file[FILE_BYTES];		/* when heap is NULL */
};
_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

struct proxy_memo {
	struct slot *slot;
	size_t n_slots, n_used;
	size_t heap_bytes;		/* blocks and kept lists */
	char *servers[SERVERS_KEPT];	/* freed only with every record */
	size_t n_servers;
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

	for (i = 0; i < pm->n_slots; i++)
		free(pm->slot[i].heap);
	for (i = 0; i < pm->n_servers; i++)
		free(pm->servers[i]);
	free(pm->slot);
	pm->slot = NULL;
	pm->n_slots = pm->n_used = pm->heap_bytes = pm->n_servers = 0;
}

void
proxy_memo_free(struct proxy_memo *pm)
{
	if (pm == NULL)
		return;
	forget_all(pm);
	free(pm);
}

static size_t
home(size_t n_slots, int64_t id)
{
	return open_table_home(n_slots, (uint64_t)id * FIB_MUL);
}

/* The slot holding id, or the free slot where it would go. */
static size_t
probe(const struct slot *s, size_t n_slots, int64_t id)
{
	size_t i = home(n_slots, id);

	while (s[i].id != 0 && s[i].id != id)
		i = open_table_next(n_slots, i);
	return i;
}

int
proxy_memo_get(const struct proxy_memo *pm, int64_t id,
    struct proxy_memo_rec *r)
{
	const struct slot *s;

	if (id <= 0 || pm->n_used == 0)
		return 0;
	s = &pm->slot[probe(pm->slot, pm->n_slots, id)];
	if (s->id == 0)
		return 0;
	r->obtained = s->obtained;
	r->not_after = s->not_after;
	r->next_renewal = s->next_renewal;
	r->file = s->heap != NULL ? s->heap : s->file;
	r->servers = s->servers;
	return 1;
}

static void
switch_off(struct proxy_memo *pm)
{
	forget_all(pm);
	pm->off = 1;
}

static int
resize(struct proxy_memo *pm, size_t n_slots)
{
	struct slot *s;
	size_t i;

	if (n_slots > UINT32_MAX ||
	    (s = open_table_new(n_slots, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < pm->n_slots; i++)
		if (pm->slot[i].id != 0)
			s[probe(s, n_slots, pm->slot[i].id)] = pm->slot[i];
	free(pm->slot);
	pm->slot = s;
	pm->n_slots = n_slots;
	return 0;
}

/* The one copy of a server list kept for every proxy naming it; NULL
 * when SERVERS_KEPT lists are kept (or memory lacks). */
static const char *
kept_servers(struct proxy_memo *pm, const char *servers)
{
	size_t i;

	for (i = 0; i < pm->n_servers; i++)
		if (strcmp(pm->servers[i], servers) == 0)
			return pm->servers[i];
	if (pm->n_servers == SERVERS_KEPT ||
	    (pm->servers[pm->n_servers] = strdup(servers)) == NULL)
		return NULL;
	pm->heap_bytes += strlen(servers) + 1;
	return pm->servers[pm->n_servers++];
}

/* The strings into slot s (inline, or a block of their own): 0 or -1. */
static int
set_text(struct proxy_memo *pm, struct slot *s, const char *file,
    const char *servers)
{
	size_t fl = strlen(file) + 1, sl = strlen(servers) + 1;

	s->heap = NULL;
	if (fl <= sizeof(s->file) &&
	    (s->servers = kept_servers(pm, servers)) != NULL) {
		memcpy(s->file, file, fl);
		return 0;
	}
	if ((s->heap = malloc(fl + sl)) == NULL)
		return -1;
	pm->heap_bytes += fl + sl;
	memcpy(s->heap, file, fl);
	memcpy(s->heap + fl, servers, sl);
	s->servers = s->heap + fl;
	return 0;
}

void
proxy_memo_put(struct proxy_memo *pm, int64_t id, const char *file,
    const char *servers, int64_t obtained, int64_t not_after,
    int64_t next_renewal)
{
	struct slot *s;
	size_t n;

	if (pm->off || id <= 0)
		return;
	proxy_memo_forget(pm, id);
	n = open_table_grown(pm->n_slots, pm->n_used, MIN_SLOTS);
	if (n != pm->n_slots && resize(pm, n) != 0) {
		switch_off(pm);
		return;
	}
	s = &pm->slot[probe(pm->slot, pm->n_slots, id)];
	if (set_text(pm, s, file, servers) != 0) {
		switch_off(pm);
		return;
	}
	s->id = id;
	s->obtained = obtained;
	s->not_after = not_after;
	s->next_renewal = next_renewal;
	pm->n_used++;
}

void
proxy_memo_fit(struct proxy_memo *pm)
{
	size_t want = open_table_room(pm->n_used, MIN_SLOTS);

	if (!pm->off && want < pm->n_slots)
		(void)resize(pm, want);	/* else the larger table stays */
}

/* Free slot i, moving back the entries of its probe run that may. */
static void
shift_back(struct proxy_memo *pm, size_t i)
{
	size_t j = i, n = pm->n_slots;

	for (;;) {
		j = open_table_next(n, j);
		if (pm->slot[j].id == 0)
			break;
		if (open_table_stays(i, home(n, pm->slot[j].id), j))
			continue;
		pm->slot[i] = pm->slot[j];
		i = j;
	}
	memset(&pm->slot[i], 0, sizeof(pm->slot[i]));
	pm->n_used--;
}

void
proxy_memo_forget(struct proxy_memo *pm, int64_t id)
{
	struct slot *s;
	size_t i;

	if (id == 0) {
		forget_all(pm);
		return;
	}
	if (id < 0 || pm->n_used == 0)
		return;
	s = &pm->slot[i = probe(pm->slot, pm->n_slots, id)];
	if (s->id == 0)
		return;
	if (s->heap != NULL) {
		pm->heap_bytes -= strlen(s->heap) + 1 + strlen(s->servers) + 1;
		free(s->heap);
	}
	shift_back(pm, i);
}

size_t
proxy_memo_count(const struct proxy_memo *pm)
{
	return pm->n_used;
}

size_t
proxy_memo_bytes(const struct proxy_memo *pm)
{
	return pm->n_slots * sizeof(struct slot) + pm->heap_bytes;
}
