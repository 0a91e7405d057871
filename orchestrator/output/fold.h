/*
 * fold.h - grouping hosts with the same outcome and folding their names
 * into ranges ("web[01-03,07]"), for exec's summary and --fold and for
 * patrol's summary and HTML groups.
 *
 *   size_t *idx, from, to;
 *   rc = fold_sort(n, cmp, arg, &idx);        0..n-1 by key, ties in order
 *   for (from = 0; from < n; from = to) {
 *           to = fold_end(idx, from, n, cmp, arg);   idx[from..to): a group
 *           rc = fold_names(tl, hosts_of_the_group, to - from, &names);
 *   }
 *   free(idx);
 *
 * cmp compares the keys of items a and b (hosts, or a host's task
 * problems), not their places: equal keys make one group, and within a
 * group the items keep their order.  Sorting is O(n log n) comparisons.
 */
#ifndef RONDA_FOLD_H
#define RONDA_FOLD_H

#include <stddef.h>

#include "buf.h"
#include "inventory/target.h"

typedef int fold_cmp(size_t a, size_t b, void *arg);

/* *out: 0..n-1 sorted by cmp, ties in index order; free() it.  RONDA_ENOMEM. */
int fold_sort(size_t n, fold_cmp *cmp, void *arg, size_t **out);
/* The end of the group that starts at idx[from]. */
size_t fold_end(const size_t *idx, size_t from, size_t n, fold_cmp *cmp, void *arg);
/* Appends the folded names of tl->v[host[0..n)] to out. */
int fold_names(const struct target_list *tl, const size_t *host, size_t n, struct buf *out);

#endif
