/*
 * pattern.h - host patterns: which hosts a command works on.
 *
 * A pattern is items joined by operators, outside brackets:
 *
 *   ITEM,ITEM     union          web[01-20],db1
 *   ,!ITEM !ITEM  exclusion      @web,!web05     @web!web05
 *   ,&ITEM &ITEM  intersection   @web,&@dc1      @web&@dc1
 *
 * Precedence is Ansible's, and does not depend on order: all plain items
 * are joined, the result is cut down to each & item, then every ! item is
 * taken out.  So "a,!b,c" is (a + c) - b.  An item is
 *
 *   name          an inventory host; any other valid name is a bare host
 *   root@web01  web01:2222  root@[::1]:2222  2001:db8::1
 *                 a host with a user and/or port, or an IPv6 address
 *                 (hostspec.h); an inventory host keeps its settings, the
 *                 user and port written here beat them
 *   web[01-20]    a range (hostlist.h); each name as above, so
 *                 root@web[01-03]:2222 is three hosts on port 2222
 *   *.dc1  web?   a glob (fnmatch * and ?) over inventory host names
 *   @group        a group with its child groups; @web* globs group names;
 *   @all / all    every inventory host
 *
 * Globs, groups and all take no user@ or :port.  Exclusion and
 * intersection compare display names (hostspec.h): !web01 takes out
 * root@web01 but not web01:2222.  One host given with two different users
 * is an error.
 *
 * A host list (pattern_src with a file) is the same items, one a line:
 * '#' starts a comment at the start of a line or after white space, blank
 * lines are skipped, and a line may not join items with an operator.
 * Errors in it say "file:line: ".  An empty list selects nothing.
 *
 * Spaces around items are ignored.  -w and -x of pdsh: pattern_select()
 * takes include patterns (the command's PATTERN and every -w, joined as if
 * by ',') and exclude patterns (every -x, each a whole pattern whose
 * selection is taken out at the very end).
 *
 * Limits keep memory bounded whatever the input: a pattern is at most
 * PATTERN_MAX_LEN bytes, a range item at most HOSTLIST_MAX_EXPAND names,
 * and all items together may produce at most PATTERN_MAX_NAMES names.
 * Anything malformed is RONDA_EPARSE, a limit RONDA_ELIMIT, an unknown
 * group RONDA_ENOTFOUND, each with a message in err.
 */
#ifndef RONDA_PATTERN_H
#define RONDA_PATTERN_H

#include <stddef.h>

struct buf;
struct hostlist;
struct inventory;

#define PATTERN_MAX_LEN (1 << 20)
#define PATTERN_MAX_NAMES 1000000
/* All host lists of one run together: PATTERN_MAX_NAMES names of some 60
 * bytes with their comments.  A list has at most PATTERN_MAX_NAMES lines. */
#define PATTERN_MAX_LISTS_LEN ((size_t)64 << 20)

/* Where a pattern's items come from. */
struct pattern_src {
	const char *text;	/* a pattern, or a host list's text */
	const char *file;	/* NULL: text is a pattern; else a host list, named
				   so in messages ("-" for stdin) */
};

/*
 * Sets *out (initialised by the caller, empty) to the selected names in
 * natural order of display names, one per display name.  out is untouched
 * on failure.
 */
int pattern_select(const struct inventory *inv,
		   const char *const *include, size_t n_include,
		   const char *const *exclude, size_t n_exclude,
		   struct hostlist *out, struct buf *err);
/*
 * The same for patterns and host lists.  The names set in *out are
 * canonical text (hostspec.h): a plain name, or [user@]display name.
 */
int pattern_select_src(const struct inventory *inv,
		       const struct pattern_src *include, size_t n_include,
		       const struct pattern_src *exclude, size_t n_exclude,
		       struct hostlist *out, struct buf *err);

#endif
