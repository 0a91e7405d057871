/*
 * musl.c - see musl.h.
 */
#include "musl.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "banned.h"

#ifndef __GLIBC__
/*
 * musl's malloc gives memory back by itself: a large block (a command's
 * output) is its own mapping, unmapped by free, and emptied groups of
 * small ones are released too.  There is nothing left to trim.
 */
int malloc_trim(size_t pad)
{
	(void)pad;
	return 0;
}

int renameat2(int olddirfd, const char *old, int newdirfd, const char *new_, unsigned flags)
{
	return (int)syscall(SYS_renameat2, olddirfd, old, newdirfd, new_, flags);
}
#endif
