/*
 * target.h - one host to work on, with every setting resolved.
 *
 * This is the contract between the inventory (which resolves patterns and
 * settings: host > group > defaults > command-line defaults, with explicit
 * command-line flags overriding all) and the engine (which connects).  The
 * engine never looks at the inventory; the inventory never opens a socket.
 */
#ifndef RONDA_TARGET_H
#define RONDA_TARGET_H

#include <stddef.h>

struct target {
	char *name;		/* inventory name, or the bare host as given
				   (hostspec.h's display name: web01:2222) */
	char *address;		/* what to connect to (defaults to name) */
	unsigned port;		/* 1..65535 */
	char *user;
	char **identities;	/* identity file paths, n_identities of them */
	size_t n_identities;
	double connect_timeout;	/* seconds, > 0: TCP + banner + kex + auth */
	double command_timeout;	/* seconds, 0 = none */
	int retries;		/* transient connect failures retried, >= 0 */
	int become;		/* run through sudo -n */
	/* Bastions (jumpspec.h) as given, NULL for none; for a bastion in
	   target_list.jumps: the chain that reaches it, itself included. */
	char *jump;
	size_t via;		/* 1 + its last bastion's index in jumps; 0: direct */
	char *proxy_command;	/* ssh_config's ProxyCommand, tokens expanded; NULL: none */
	char *host;		/* name without :port, when one was given (web01
				   for web01:2222); NULL: name.  Use target_host() */
};

struct target_list {
	struct target *v;
	size_t n, alloc;
	/* The bastions v goes through, each once however many hosts use it;
	   a bastion behind another has a via to an earlier one. */
	struct target *jumps;
	size_t n_jumps, alloc_jumps;
};

void target_list_init(struct target_list *l);
/* Appends a deep copy of t. */
int target_list_add(struct target_list *l, const struct target *t);
/* Appends a deep copy of t to l->jumps. */
int target_list_add_jump(struct target_list *l, const struct target *t);
void target_list_release(struct target_list *l);
void target_release(struct target *t);
/* The host as named, without :port: what known_hosts entries match by name. */
const char *target_host(const struct target *t);

#endif
