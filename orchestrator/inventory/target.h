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

/* The settings whose origin `ronda hosts --json` shows. */
enum target_field {
	TF_ADDRESS, TF_PORT, TF_USER, TF_IDENTITY, TF_CONNECT_TIMEOUT,
	TF_COMMAND_TIMEOUT, TF_RETRIES, TF_BECOME, TF_VIA, TF_PROXY_COMMAND,
	TF_KEEPALIVE, TF_KEEPALIVE_COUNT, TF_HOSTKEYS, TF_NO_AGENT, TF_HOSTKEY_ALIAS,
	TF_KNOWN_HOSTS, TF_KEX, TF_HOSTKEY_ALGORITHMS, TF_CIPHERS, TF_MACS, TF_FAMILY,
	TF_GLOBAL_KNOWN_HOSTS, TF_IDENTITY_AGENT, TF_CERTIFICATES,
	TF_COUNT
};

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
	/* From ssh_config; the run's own settings where unset. */
	double keepalive_interval;	/* ServerAliveInterval; 0: the run's; < 0: off */
	int keepalive_count;		/* ServerAliveCountMax; 0: the run's */
	int hostkeys;			/* StrictHostKeyChecking: 1 + enum
					   hostkeys_mode; 0: the run's */
	int no_agent;			/* IdentitiesOnly yes or IdentityAgent none:
					   no key of the user's ssh-agent */
	char *identity_agent;		/* IdentityAgent: this agent's socket instead
					   of $SSH_AUTH_SOCK; NULL: $SSH_AUTH_SOCK */
	char *hostkey_alias;		/* known_hosts name instead of the host's */
	char *known_hosts;		/* UserKnownHostsFile's first; NULL: the run's */
	char **certificates;		/* CertificateFile, n_certificates of them */
	size_t n_certificates;
	char **global_known_hosts;	/* GlobalKnownHostsFile, n_global of them */
	size_t n_global;
	char *kex, *hostkey_algorithms, *ciphers, *macs;	/* NULL: ronda's */
	int family;			/* AddressFamily: AF_INET, AF_INET6; 0: any */
	/* Where each setting came from, for `ronda hosts`; only when the
	   list's want_sources is set, else all NULL.  Shared strings. */
	const char *src[TF_COUNT];
};

struct target_list {
	struct target *v;
	size_t n, alloc;
	/* The bastions v goes through, each once however many hosts use it;
	   a bastion behind another has a via to an earlier one. */
	struct target *jumps;
	size_t n_jumps, alloc_jumps;
	int want_sources;	/* fill each target's src[] */
	char **sources;		/* the strings src[] points to, each once */
	size_t n_sources, alloc_sources;
};

void target_list_init(struct target_list *l);
/* Appends a deep copy of t. */
int target_list_add(struct target_list *l, const struct target *t);
/* Appends a deep copy of t to l->jumps. */
int target_list_add_jump(struct target_list *l, const struct target *t);
void target_list_release(struct target_list *l);
/* A shared copy of text for src[], or NULL on no memory. */
const char *target_list_source(struct target_list *l, const char *text);
/* The name of field f in JSON. */
const char *target_field_name(enum target_field f);
void target_release(struct target *t);
/* The indexes of l's targets sorted by name (free() it), or NULL (no memory). */
size_t *target_list_by_name(const struct target_list *l);
/* The index of the target named name, by that order, or -1. */
long target_list_find(const struct target_list *l, const size_t *by_name, const char *name);
/* The host as named, without :port: what known_hosts entries match by name. */
const char *target_host(const struct target *t);

#endif
