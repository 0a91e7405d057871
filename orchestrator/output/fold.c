/*
 * fold.c - see fold.h.
 */
#include "fold.h"

#include <stdlib.h>

#include "err.h"
#include "inventory/hostlist.h"
#include "banned.h"

struct sort_arg {
	fold_cmp *cmp;
	void *arg;
};

static int cmp_idx(const void *pa, const void *pb, void *arg)
{
	const struct sort_arg *s = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	int c = s->cmp(ia, ib, s->arg);

	return c ? c : (ia > ib) - (ia < ib);	/* the given order within a group */
}

int fold_sort(size_t n, fold_cmp *cmp, void *arg, size_t **out)
{
	struct sort_arg s = { cmp, arg };
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_idx, &s);
	*out = idx;
	return RONDA_OK;
}

size_t fold_end(const size_t *idx, size_t from, size_t n, fold_cmp *cmp, void *arg)
{
	size_t to = from + 1;

	while (to < n && cmp(idx[from], idx[to], arg) == 0)
		to++;
	return to;
}

int fold_names(const struct target_list *tl, const size_t *host, size_t n, struct buf *out)
{
	char **names = malloc((n ? n : 1) * sizeof(*names));
	int r;

	if (!names)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = tl->v[host[i]].name;
	r = hostlist_fold(names, n, out);
	free(names);
	return r;
}
