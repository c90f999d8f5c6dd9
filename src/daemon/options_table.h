/*
 * options_table.h: the daemon's settings as one table (options_table.c),
 * and what is derived from it: the getopt_long tables and the usage text.
 * options.c parses and loads settings through it.
 */
#ifndef PR_OPTIONS_TABLE_H
#define PR_OPTIONS_TABLE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

enum opt_kind {
	K_FLAG,			/* int 0/1; no argument on the command line */
	K_STR,			/* char *, non-empty */
	K_NUM,			/* int64_t within [min, max] */
	K_SECS			/* double seconds, fractions allowed, (0, max] */
};

/*
 * One setting. The usage text, the getopt tables, the config keys, the
 * defaults and the environment fallbacks all come from these rows.
 */
struct opt_desc {
	const char *name;	/* long option and config key */
	int short_opt;		/* 0 when none */
	enum opt_kind kind;
	size_t off;		/* offset of the field in struct options */
	int64_t min, max;	/* K_NUM range; K_SECS upper bound */
	int64_t def;		/* K_FLAG, K_NUM and K_SECS default */
	const char *def_str;	/* K_STR default; NULL = none */
	const char *env;	/* environment variable under the config */
	const char *arg;	/* usage: the argument's name */
	const char *help;	/* usage: what it does */
	const char *shown_def;	/* usage: the default in words, if not def */
};

/* Indexed by enum opt_id. */
extern const struct opt_desc opt_table[OPT__COUNT];

/* getopt_long values of the command-line-only options. */
enum {
	CLI_HELP = 'h',
	CLI_VERSION = 'v',
	CLI_CHECK = 'n',
	CLI_CONFIG = 256 + OPT__COUNT,
	CLI_IMPORT,
	CLI_DOCTOR,
	CLI_IDENTITY
};

#define OPT_LONGOPTS_MAX	(OPT__COUNT + 8)	/* with the cli-only ones */
#define OPT_SHORTOPTS_MAX	(2 * OPT_LONGOPTS_MAX + 2)

/* The setting whose getopt_long value is val, or NULL. */
const struct opt_desc *opt_by_val(int val);
/* The id of a row of opt_table. */
enum opt_id opt_id_of(const struct opt_desc *od);
/* getopt_long's tables for the settings and the cli-only options. */
void options_getopt(struct option lo[OPT_LONGOPTS_MAX],
    char shortopts[OPT_SHORTOPTS_MAX]);

#endif /* PR_OPTIONS_TABLE_H */
