/*
 * grow.c - see grow.h.
 */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "banned.h"

int grow_array(void **v, size_t n, size_t *alloc, size_t elem, size_t first)
{
	size_t na;
	void *nv;

	if (n < *alloc)
		return RONDA_OK;
	if (*alloc > SIZE_MAX / 2)
		return RONDA_ENOMEM;
	na = *alloc ? *alloc * 2 : (first ? first : 1);
	if (elem && na > SIZE_MAX / elem)	/* checked here, not left to the allocator */
		return RONDA_ENOMEM;
	nv = reallocarray(*v, na, elem);
	if (!nv)
		return RONDA_ENOMEM;
	*v = nv;
	*alloc = na;
	return RONDA_OK;
}
