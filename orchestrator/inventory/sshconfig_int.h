/*
 * sshconfig_int.h - the insides of the sshconfig module (sshconfig.h):
 *
 *   sshconfig.c          reading files: lines, tokens, keywords, Include
 *   sshconfig_resolve.c  replaying them for one host: Host, Match, values
 *   sshconfig_expand.c   ~, %-tokens, ${VAR}, patterns, algorithm lists
 *
 * Nothing else includes this header.
 */
#ifndef RONDA_SSHCONFIG_INT_H
#define RONDA_SSHCONFIG_INT_H

#include <stddef.h>

#include "sshconfig.h"

/* What ronda does with a keyword. */
enum sc_class {
	SC_FIELD,	/* resolved into ssh_options (field says which) */
	SC_HOST, SC_MATCH, SC_INCLUDE, SC_IGNOREUNKNOWN,
	SC_SILENT,	/* cannot change whom ronda talks to or how */
	SC_WARN,	/* would; ronda does not do it, and says so */
	SC_NOTE,	/* only what ssh would also try or send (SendEnv, GSSAPI
			   before keys): said at -v, since Debian's own
			   ssh_config has them for every host */
	SC_UNKNOWN,	/* not an OpenSSH keyword, but IgnoreUnknown named it */
};

struct sc_keyword {
	const char *name;	/* lowercase, as OpenSSH spells it */
	enum sc_class cls;
	int field;		/* enum ssho for SC_FIELD */
	const char *why;	/* SC_WARN: what ronda does instead */
};

struct sc_line {
	unsigned file, line;
	const struct sc_keyword *kw;
	char *name;		/* the keyword as written (for messages) */
	char **av;		/* arguments, unquoted (OpenSSH's argv_split) */
	size_t ac;
	char *rest;		/* the raw text after the keyword (commands) */
	size_t *inc;		/* Include: the files, in glob order */
	size_t n_inc;
	int warned;		/* a warning about this line was given */
};

struct sc_file {
	char *path;
	int user;		/* relative Includes from ~/.ssh, else /etc/ssh */
	struct sc_line *lines;
	size_t n, alloc;
	int state;		/* 0 new, 1 being read, 2 read */
	unsigned height;	/* Include levels below it */
};

struct sshconfig {
	char *home;
	struct sc_file *files;
	size_t n_files, a_files;
	size_t roots[2], n_roots;
	size_t total_lines;
	char *ignore_any;	/* every IgnoreUnknown value seen, for load checks */
};

/* "FILE:LINE" of a line, malloc'd. */
char *sc_where(const struct sshconfig *cfg, const struct sc_line *l);

/* OpenSSH's match_pattern: * and ?, case-sensitive, whole string. */
int sc_match_pattern(const char *s, const char *pat);
/*
 * OpenSSH's match_pattern_list: comma-separated patterns, a matching
 * negated one (!pat) wins: 1 match, 0 none, -1 negated match.  dolower
 * compares in lowercase (host names).
 */
int sc_match_list(const char *s, const char *list, int dolower);

/* Token tables for sc_expand: letters[i] is replaced by values[i]. */
struct sc_tokens {
	const char *letters;
	const char *const *values;
};
/*
 * Expands %x tokens (only those in t, and %%), then with tilde a leading
 * ~ or ~/ (home), and with dollar ${VAR} from the environment.  An unknown
 * token or an unset variable: RONDA_ECONFIG, with why in err.
 */
int sc_expand(const char *in, const struct sc_tokens *t, const char *home, int tilde,
	      int dollar, char **out, struct buf *err);
/* Checks that in uses only tokens from letters (and %%), for load. */
int sc_check_tokens(const char *in, const char *letters, const char **bad);

/* Algorithm lists: which kind, for sc_algos. */
enum sc_algo { SC_ALGO_CIPHER, SC_ALGO_MAC, SC_ALGO_KEX, SC_ALGO_HOSTKEY };
/* Is spec valid as OpenSSH 9.2 checks it (names it knows, +/-/^)? */
int sc_algos_valid(enum sc_algo kind, const char *spec);
/* Resolves spec (NULL: the default) against 9.2's default and full lists. */
int sc_algos_resolve(enum sc_algo kind, const char *spec, char **out);

int sc_list_add(struct ssh_strlist *l, const char *s);
void sc_list_release(struct ssh_strlist *l);
int sc_list_has(const struct ssh_strlist *l, const char *s);

/* ProxyJump's value without a comment (malloc'd), and its syntax check. */
char *sc_jump_clean(const char *rest);
int sc_jump_valid(const char *rest);
/* OpenSSH's a2port: 1..65535 or a service name; -1 if neither. */
int sc_port(const char *s);

/* OpenSSH's convtime: 90, 1m30s, 1h; -1 if malformed. */
long sc_convtime(const char *s);

#endif
