/*
 * exitcode.h - what ronda's exit status says (README "Exit codes",
 * ronda(1)), and the one place a run's hosts are turned into it.
 *
 * Each host counts for a code and the run exits with the worst (highest):
 * 0 all ok, 1 a command or check failed (or warned) somewhere, 2 some host
 * was unreachable, timed out, refused us or errored, 3 interrupted.  exec
 * and patrol differ only in how a host is scored.
 */
#ifndef RONDA_EXITCODE_H
#define RONDA_EXITCODE_H

#include <stddef.h>

#define EXIT_OK 0
#define EXIT_FAILED 1		/* a command or check failed on some host */
#define EXIT_UNREACHABLE 2	/* some host unreachable, timed out, refused */
#define EXIT_INTERRUPTED 3
#define EXIT_INCOMPLETE 4	/* ronda merge: a host of the pattern not patrolled */
#define EXIT_USAGE 64
#define EXIT_SOFTWARE 70	/* internal error: out of memory, ... */
#define EXIT_CONFIG 78

struct host_result;
struct patrol_host;

/* exec: ok 0, failed 1, interrupted 3, any other status 2. */
int report_exit_code(const struct host_result *res, size_t n, int interrupted);
/* patrol, by host verdict: ok 0, warn or fail 1, unreachable or error 2. */
int patrol_exit_code(const struct patrol_host *hosts, size_t n);

#endif
