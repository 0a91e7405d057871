/*
 * hostlist.h - host name ranges: expanding "web[01-20,25]" into names and
 * folding a set of names back into "web[01-20,25]".
 *
 * A word is literal text and bracket groups; each group holds
 * comma-separated numbers or ranges N-M (N <= M).  A range whose low bound
 * has a leading zero keeps that width: [08-10] gives 08 09 10, [8-10] gives
 * 8 9 10.  Several groups multiply: r[1-2]n[1-3] is six names.  Nothing
 * else is special here: globs and set operators belong to pattern.h.
 *
 * Expansion is counted before any name is made, so a word that would give
 * more than the caller's cap fails with RONDA_ELIMIT and a message, without
 * using memory.  Folding uses the last run of digits in each name, which is
 * what pdsh's hostlist and ClusterShell's fold do for the usual
 * prefix-number-suffix names (web[01-03]:2222 for names with a port), and
 * leaves IPv6 addresses (two ':' or a '[') whole; folded text expands back
 * to the same set.
 */
#ifndef RONDA_HOSTLIST_H
#define RONDA_HOSTLIST_H

#include <stddef.h>

struct buf;

/* The most names a single range word may expand to (documented in README). */
#define HOSTLIST_MAX_EXPAND 100000
/* Longest host name, as in DNS. */
#define HOSTLIST_NAME_MAX 253

/* A growable vector of owned strings. */
struct hostlist {
	char **v;
	size_t n, alloc;
};

void hostlist_init(struct hostlist *l);
void hostlist_release(struct hostlist *l);
/* Appends a copy of the n bytes at s. */
int hostlist_push(struct hostlist *l, const char *s, size_t n);
/* Sorts in natural order and drops duplicates. */
void hostlist_sort_unique(struct hostlist *l);

/*
 * Natural order: runs of digits compare as numbers ("node9" < "node10"),
 * everything else bytewise; equal numbers with different padding fall
 * back to plain strcmp so the order is total.
 */
int hostlist_natural_cmp(const char *a, const char *b);

/*
 * Counts the names that word expands to.  RONDA_EPARSE (with a message in
 * err) for malformed brackets, RONDA_ELIMIT if the count passes max.
 */
int hostlist_count(const char *word, size_t max, size_t *count, struct buf *err);

/*
 * Appends the expansion of word to out, in bracket order (not sorted).
 * At most max names; fails as hostlist_count() does, leaving out unchanged.
 */
int hostlist_expand(const char *word, size_t max, struct hostlist *out,
		    struct buf *err);

/* True if word has a bracket group (something to expand). */
int hostlist_has_range(const char *word);

/*
 * Appends to out the names folded into comma-separated words with
 * bracket ranges, in natural order of each word's first name: node1 node2
 * node3 node7 x gives "node[1-3,7],x".  names need not be sorted or unique.
 */
int hostlist_fold(char *const *names, size_t n, struct buf *out);

#endif
