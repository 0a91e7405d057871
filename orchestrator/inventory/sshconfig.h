/*
 * sshconfig.h - ssh_config(5) read as OpenSSH 9.2 reads it, for ronda.
 *
 * Loading parses every file once (the -F file, or ~/.ssh/config then
 * /etc/ssh/ssh_config, and everything they Include) and checks every line
 * whether it will apply or not, so a bad file fails before any host is
 * touched.  Resolving replays the lines for one host the way ssh does: the
 * first value obtained for a keyword wins, IdentityFile, CertificateFile
 * and the known-hosts lists as ssh accumulates them, Host against the name
 * as typed, Match re-evaluated in a final pass when a `Match final` asks
 * for one.  `ssh -G` is the oracle (tests/integration/57-sshconfig.sh).
 *
 *   struct sshconfig *cfg;
 *   sshconfig_load(F_or_NULL, home, &cfg, &err);
 *   struct ssh_options o;
 *   sshconfig_resolve(cfg, "web1", NULL, 0, "alice", &o, &err);
 *   ... o.hostname, o.port, o.src[SSHO_PORT] ...
 *   ssh_options_release(&o);
 *   sshconfig_free(cfg);
 *
 * What ronda does not implement is never silent: each line that would
 * change whom ronda talks to or how (ControlMaster, Match exec, ...) gives
 * one warning "FILE:LINE: KEYWORD is not supported by ronda; ..." per run
 * (the config remembers what it has said), the first time a resolved host
 * reaches it.  Independent of libssh2.
 */
#ifndef RONDA_SSHCONFIG_H
#define RONDA_SSHCONFIG_H

#include <stddef.h>

struct buf;
struct sshconfig;

#define SSHCONFIG_USER_FILE ".ssh/config"	/* under home */
#define SSHCONFIG_SYSTEM_FILE "/etc/ssh/ssh_config"
#define SSHCONFIG_SYSTEM_DIR "/etc/ssh"
#define SSHCONFIG_MAX_DEPTH 16		/* Include nesting, as OpenSSH */
#define SSHCONFIG_MAX_LINE 65536	/* bytes per line */
#define SSHCONFIG_MAX_FILES 4096	/* distinct files, all Includes */
#define SSHCONFIG_MAX_LINES 1000000	/* lines, all files */
#define SSHCONFIG_MAX_LIST 100		/* IdentityFile, CertificateFile */

/* Keywords ronda resolves; the index of ssh_options.src[]. */
enum ssho {
	SSHO_HOSTNAME, SSHO_USER, SSHO_PORT, SSHO_IDENTITYFILE, SSHO_IDENTITIESONLY,
	SSHO_IDENTITYAGENT, SSHO_CERTIFICATEFILE, SSHO_PROXYJUMP, SSHO_PROXYCOMMAND,
	SSHO_CONNECTTIMEOUT, SSHO_CONNECTIONATTEMPTS, SSHO_SERVERALIVEINTERVAL,
	SSHO_SERVERALIVECOUNTMAX, SSHO_STRICTHOSTKEYCHECKING, SSHO_USERKNOWNHOSTSFILE,
	SSHO_GLOBALKNOWNHOSTSFILE, SSHO_HOSTKEYALIAS, SSHO_ADDRESSFAMILY,
	SSHO_HOSTKEYALGORITHMS, SSHO_KEXALGORITHMS, SSHO_CIPHERS, SSHO_MACS,
	SSHO_COUNT
};

/* The lowercase keyword of a field, as ssh -G prints it. */
const char *ssho_name(enum ssho f);

enum ssh_strict { SSH_STRICT_NO, SSH_STRICT_ACCEPT_NEW, SSH_STRICT_YES, SSH_STRICT_ASK };
enum ssh_family { SSH_AF_ANY, SSH_AF_INET, SSH_AF_INET6 };

struct ssh_strlist {
	char **v;
	size_t n;
};

/*
 * One host, resolved.  Every field has OpenSSH's default when no line set
 * it, and src[f] is then NULL; otherwise src[f] is "FILE:LINE" of the line
 * that gave it (for the lists, the first line that contributed).
 * Paths are expanded (~, %-tokens, ${VAR}) where ssh expands them when it
 * connects; the *_raw fields keep what the file said.
 */
struct ssh_options {
	char *host;			/* as typed */
	char *hostname;			/* HostName with %h expanded, or host lowercased */
	char *user;
	unsigned port;
	struct ssh_strlist identity_files, identity_files_raw;	/* defaults when none */
	int identities_only;
	char *identity_agent;		/* NULL: $SSH_AUTH_SOCK; "none"; or a path */
	char *identity_agent_raw;
	struct ssh_strlist certificate_files, certificate_files_raw;
	char *proxy_jump;		/* NULL when none */
	char *proxy_command;		/* tokens expanded; NULL when none */
	char *proxy_command_raw;
	int connect_timeout;		/* seconds, -1: none */
	int connection_attempts;
	int server_alive_interval;	/* seconds, 0: off */
	int server_alive_count_max;
	enum ssh_strict strict_host_key_checking;
	struct ssh_strlist user_known_hosts;	/* expanded; "none" alone possible */
	struct ssh_strlist global_known_hosts;
	char *host_key_alias;		/* NULL when none */
	enum ssh_family address_family;
	/* As written (NULL when none) and resolved against 9.2's lists. */
	char *hostkey_algorithms_raw, *kex_algorithms_raw, *ciphers_raw, *macs_raw;
	char *hostkey_algorithms, *kex_algorithms, *ciphers, *macs;
	char *src[SSHO_COUNT];
	struct ssh_strlist warnings;	/* new this call: "FILE:LINE: ..." */
	struct ssh_strlist notes;	/* the same for SendEnv and the like: -v only */
};

/*
 * Loads the configuration: F "none" for no file, another F for that file
 * only (missing: error), NULL for home/.ssh/config then /etc/ssh/ssh_config
 * (either may be missing).  home is the local user's home directory (for
 * ~ and the user file).  RONDA_ECONFIG with "FILE:LINE: why" in err.
 */
int sshconfig_load(const char *F, const char *home, struct sshconfig **out, struct buf *err);
/* The same with the system file named (tests); NULL for none. */
int sshconfig_load_with(const char *F, const char *home, const char *system_file,
			struct sshconfig **out, struct buf *err);
void sshconfig_free(struct sshconfig *cfg);
/* True when no file was read. */
int sshconfig_empty(const struct sshconfig *cfg);

/*
 * Resolves host as typed.  user and port are what the command line forces
 * (NULL / 0 for none): as ssh's -l and -p they win over every line and are
 * what Match user and %r / %p see.  local_user is the local account name
 * (%u, Match localuser).  *out is set only on success; RONDA_ECONFIG with
 * "FILE:LINE: why" for what only resolving can find (an unset ${VAR}).
 */
int sshconfig_resolve(struct sshconfig *cfg, const char *host, const char *user,
		      unsigned port, const char *local_user, struct ssh_options *out,
		      struct buf *err);
void ssh_options_release(struct ssh_options *o);

/* Appends the supported keywords as `ssh -G` prints them, one per line. */
int ssh_options_dump(const struct ssh_options *o, struct buf *out);

#endif
