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
 *   web[01-20]    a range (hostlist.h); each name as above
 *   *.dc1  web?   a glob (fnmatch * and ?) over inventory host names
 *   @group        a group with its child groups; @web* globs group names;
 *   @all / all    every inventory host
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

/*
 * Sets *out (initialised by the caller, empty) to the selected names in
 * natural order, without duplicates.  out is untouched on failure.
 */
int pattern_select(const struct inventory *inv,
		   const char *const *include, size_t n_include,
		   const char *const *exclude, size_t n_exclude,
		   struct hostlist *out, struct buf *err);

#endif
