/*
 * grow.h - room for one more element at the end of a growing array, the
 * way every list in ronda grows: doubling from a first size, overflow
 * checked.
 *
 *   if (GROW(l->v, l->n, l->alloc, 16))
 *           return RONDA_ENOMEM;
 *   l->v[l->n++] = x;
 *
 * On failure the array and its size are left as they were.
 */
#ifndef RONDA_GROW_H
#define RONDA_GROW_H

#include <stddef.h>

/* RONDA_OK when *v has room for element n (of elem bytes); else RONDA_ENOMEM. */
int grow_array(void **v, size_t n, size_t *alloc, size_t elem, size_t first);

#define GROW(v, n, alloc, first) \
	grow_array((void **)&(v), (n), &(alloc), sizeof(*(v)), (first))

#endif
