/*
 * checks.h - the check types (one check_ops each) and the parsers they are
 * built on, exposed for the unit tests.
 */
#ifndef RONDA_CHECKS_H
#define RONDA_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "check.h"

extern const struct check_ops check_disk, check_memory, check_load,
	check_uptime, check_process, check_port, check_file, check_mount,
	check_sysctl, check_service, check_units, check_command, check_clock, check_rotate,
	check_cleanup;

struct spawn_res;

/*
 * Runs the resolved executable exe with args[1..] (then fixed[]) through the
 * trampoline ("ronda-agent --exec"), under timeout, capping each stream.
 * unix_ok: the program may open unix sockets ("--exec --unix").
 */
int check_run_tramp(const struct check_ctx *c, const char *exe, json_t *args,
		    const char *const *fixed, int unix_ok, double timeout,
		    size_t cap, struct spawn_res *sr);

/*
 * The unit names (first word of each line) of `systemctl list-units
 * --plain --no-legend` output, less those matching a glob of ignore (an
 * array of strings, or NULL), appended to names.  RONDA_ENOMEM.
 */
int units_parse(const char *text, json_t *ignore, json_t *names);

/* "MemAvailable:  123 kB" lines of /proc/meminfo: the value in kB. */
int meminfo_get(const char *text, const char *key, unsigned long long *kb);

/* Undoes the octal escapes (\040) of /proc/mounts fields, in place. */
void mounts_unescape(char *s);

/*
 * One line of /proc/net/{tcp,udp}[6]: local address (16 bytes, v4 in the
 * first 4), its length (4 or 16), port and state.  RONDA_EPARSE for the
 * header or junk.
 */
int procnet_parse(const char *line, uint8_t addr[16], size_t *alen,
		  unsigned *port, unsigned *state);

/* Name or number to uid/gid, from /etc/passwd or /etc/group. */
int ids_lookup(const char *file, const char *name, unsigned long long *id);

/* Resolves a program name to an absolute, canonical path, as exec would. */
int resolve_exe(const char *name, char *out, size_t n);
/*
 * The executable a task may run: resolve_exe(), then the host policy.
 * RONDA_ENOTFOUND: no such executable; RONDA_ESANDBOX: the policy refuses
 * it (*why says which rule).
 */
int check_exe(const struct check_ctx *c, const char *name, char *exe, size_t n,
	      const char **why);

#endif
