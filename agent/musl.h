/*
 * musl.h - what the agent calls that glibc has and musl does not; the musl
 * build (Makefile, AGENT_LIBC=musl) includes it in every file with
 * -include, so the callers stay as they are.
 */
#ifndef RONDA_AGENT_MUSL_H
#define RONDA_AGENT_MUSL_H

#include <stddef.h>

#ifndef __GLIBC__
int malloc_trim(size_t pad);
/* musl 1.2.3 (Debian 12) has no renameat2; Linux has had it since 3.15 */
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
int renameat2(int olddirfd, const char *old, int newdirfd, const char *new_, unsigned flags);
#endif

#endif
