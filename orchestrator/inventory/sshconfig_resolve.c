/*
 * sshconfig_resolve.c - one host's options from the loaded lines, in the
 * order and with the rules of OpenSSH 9.2 (readconf.c, ssh.c):
 *
 *   pass 1: Host patterns see the name as typed, Match host sees HostName
 *           with %h expanded (or the name), the first value of each
 *           keyword wins; then %h in HostName becomes the lowercased name;
 *   final:  when some Match said `final` (evaluated even in blocks that do
 *           not apply, as ssh does), every file is replayed with Host and
 *           Match host seeing the new HostName and `final`/`canonical`
 *           true; values already set stay;
 *   then:   OpenSSH's defaults for what no line set, paths expanded.
 *
 * Match canonical is true exactly in the final pass: ronda, like ssh with
 * CanonicalizeHostname off, has no canonicalisation pass.  Match exec runs
 * nothing: it counts as a command that failed (so `!exec` holds), with a
 * warning.  Match user sees the remote user so far (command line first),
 * as ssh does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "sshconfig_int.h"
#include "banned.h"

static const char *const field_names[SSHO_COUNT] = {
	"hostname", "user", "port", "identityfile", "identitiesonly", "identityagent",
	"certificatefile", "proxyjump", "proxycommand", "connecttimeout",
	"connectionattempts", "serveraliveinterval", "serveralivecountmax",
	"stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile",
	"hostkeyalias", "addressfamily", "hostkeyalgorithms", "kexalgorithms", "ciphers",
	"macs",
};

const char *ssho_name(enum ssho f)
{
	return f < SSHO_COUNT ? field_names[f] : "?";
}

struct rs {
	struct sshconfig *cfg;
	struct ssh_options *o;
	const char *host;	/* what Host and Match host see */
	const char *typed;
	const char *local_user;
	int final_pass, want_final;
	int batch_mode;		/* -1 unset; Debian's ssh then keeps alive every 300 s */
	int have[SSHO_COUNT];
	char *ignore_unknown;
	struct ssh_strlist seen[2];	/* identity, certificate files so far */
	struct buf *err;
};

static int set_src(struct rs *r, int f, const struct sc_line *l)
{
	if (r->o->src[f])
		return RONDA_OK;
	return (r->o->src[f] = sc_where(r->cfg, l)) ? RONDA_OK : RONDA_ENOMEM;
}

/* "FILE:LINE: KEYWORD what" once per line and run. */
static int warn_to(struct rs *r, struct ssh_strlist *to, struct sc_line *l, const char *kw,
		   const char *what, const char *arg)
{
	struct buf w;
	char *where;
	int rc;

	if (l->warned)
		return RONDA_OK;
	l->warned = 1;
	if (!(where = sc_where(r->cfg, l)))
		return RONDA_ENOMEM;
	buf_init(&w, 8192);
	rc = buf_printf(&w, "%s: %s%s%s%s%s", where, kw, arg ? " " : "", arg ? "\"" : "",
			arg ? arg : "", arg ? "\"" : "");
	if (!rc)
		rc = buf_puts(&w, what);
	if (!rc)
		rc = sc_list_add(to, buf_data(&w));
	buf_release(&w);
	free(where);
	return rc;
}

static int warn(struct rs *r, struct sc_line *l, const char *kw, const char *what,
		const char *arg)
{
	return warn_to(r, &r->o->warnings, l, kw, what, arg);
}

static int line_error(struct rs *r, const struct sc_line *l, const char *why)
{
	buf_reset(r->err);
	buf_printf(r->err, "%s:%u: %s", r->cfg->files[l->file].path, l->line, why);
	return RONDA_ECONFIG;
}

static int set_str(struct rs *r, int f, char **dst, const char *v, const struct sc_line *l)
{
	if (r->have[f])
		return RONDA_OK;
	r->have[f] = 1;
	free(*dst);
	if (!(*dst = strdup(v)))
		return RONDA_ENOMEM;
	return set_src(r, f, l);
}

static int set_int(struct rs *r, int f, int *dst, int v, const struct sc_line *l)
{
	if (r->have[f])
		return RONDA_OK;
	r->have[f] = 1;
	*dst = v;
	return set_src(r, f, l);
}

static int flag(const char *s)
{
	return !strcasecmp(s, "yes") || !strcasecmp(s, "true");
}

/* One active line of a keyword ronda resolves. */
static int apply(struct rs *r, const struct sc_line *l)
{
	struct ssh_options *o = r->o;
	int f = l->kw->field;
	const char *a = l->ac ? l->av[0] : "";
	int rc = RONDA_OK;

	switch (f) {
	case SSHO_HOSTNAME:
		return set_str(r, f, &o->hostname, a, l);
	case SSHO_USER:
		return set_str(r, f, &o->user, a, l);
	case SSHO_HOSTKEYALIAS:
		return set_str(r, f, &o->host_key_alias, a, l);
	case SSHO_IDENTITYAGENT:
		return set_str(r, f, &o->identity_agent_raw, a, l);
	case SSHO_HOSTKEYALGORITHMS:
		return set_str(r, f, &o->hostkey_algorithms_raw, a, l);
	case SSHO_KEXALGORITHMS:
		return set_str(r, f, &o->kex_algorithms_raw, a, l);
	case SSHO_CIPHERS:
		return set_str(r, f, &o->ciphers_raw, a, l);
	case SSHO_MACS:
		return set_str(r, f, &o->macs_raw, a, l);
	case SSHO_PORT:
		if (r->have[f])
			return RONDA_OK;
		r->have[f] = 1;
		o->port = (unsigned)sc_port(a);
		return set_src(r, f, l);
	case SSHO_IDENTITIESONLY:
		return set_int(r, f, &o->identities_only, flag(a), l);
	case SSHO_CONNECTTIMEOUT:
	case SSHO_SERVERALIVEINTERVAL:
		if (!strcmp(a, "none"))
			return RONDA_OK;	/* "none" is unset: a later line may still set it */
		return set_int(r, f, f == SSHO_CONNECTTIMEOUT ? &o->connect_timeout :
			       &o->server_alive_interval, (int)sc_convtime(a), l);
	case SSHO_CONNECTIONATTEMPTS:
		return set_int(r, f, &o->connection_attempts, (int)strtol(a, NULL, 10), l);
	case SSHO_SERVERALIVECOUNTMAX:
		return set_int(r, f, &o->server_alive_count_max, (int)strtol(a, NULL, 10), l);
	case SSHO_STRICTHOSTKEYCHECKING: {
		int v = !strcasecmp(a, "ask") ? SSH_STRICT_ASK :
			!strcasecmp(a, "accept-new") ? SSH_STRICT_ACCEPT_NEW :
			flag(a) ? SSH_STRICT_YES : SSH_STRICT_NO;
		return set_int(r, f, (int *)&o->strict_host_key_checking, v, l);
	}
	case SSHO_ADDRESSFAMILY: {
		int v = !strcasecmp(a, "inet") ? SSH_AF_INET : !strcasecmp(a, "inet6") ?
			SSH_AF_INET6 : SSH_AF_ANY;
		return set_int(r, f, (int *)&o->address_family, v, l);
	}
	case SSHO_IDENTITYFILE:
	case SSHO_CERTIFICATEFILE: {
		struct ssh_strlist *lst = f == SSHO_IDENTITYFILE ? &o->identity_files_raw :
			&o->certificate_files_raw;
		struct ssh_strlist *seen = &r->seen[f == SSHO_CERTIFICATEFILE];
		char key[8192];

		/* ssh drops a duplicate from the same kind of file (user or system) */
		snprintf(key, sizeof(key), "%d%s", r->cfg->files[l->file].user, a);
		if (sc_list_has(seen, key))
			return RONDA_OK;
		if ((rc = sc_list_add(seen, key)))
			return rc;
		if (lst->n >= SSHCONFIG_MAX_LIST)
			return line_error(r, l, "too many identity or certificate files (max 100)");
		if ((rc = sc_list_add(lst, a)))
			return rc;
		r->have[f] = 1;
		return set_src(r, f, l);
	}
	case SSHO_USERKNOWNHOSTSFILE:
	case SSHO_GLOBALKNOWNHOSTSFILE: {
		struct ssh_strlist *lst = f == SSHO_USERKNOWNHOSTSFILE ? &o->user_known_hosts :
			&o->global_known_hosts;
		if (r->have[f])
			return RONDA_OK;
		r->have[f] = 1;
		for (size_t i = 0; !rc && i < l->ac; i++)
			rc = sc_list_add(lst, l->av[i]);
		return rc ? rc : set_src(r, f, l);
	}
	case SSHO_PROXYCOMMAND:
		/* The first of ProxyCommand and ProxyJump wins, but ssh 9.2 still
		 * takes a ProxyCommand after "ProxyJump none" (checked with -G). */
		if (r->have[SSHO_PROXYJUMP] && strcasecmp(o->proxy_jump, "none"))
			return RONDA_OK;
		return set_str(r, f, &o->proxy_command_raw, l->rest, l);
	case SSHO_PROXYJUMP: {
		char *v;

		if (r->have[SSHO_PROXYJUMP] || r->have[SSHO_PROXYCOMMAND])
			return RONDA_OK;
		if (!(v = sc_jump_clean(l->rest)))
			return RONDA_ENOMEM;
		{	/* ssh keeps the last hop as user@host:port */
			char *last = strrchr(v, ',');

			last = last ? last + 1 : v;
			if (!strncmp(last, "ssh://", 6))
				memmove(last, last + 6, strlen(last + 6) + 1);
		}
		rc = set_str(r, f, &o->proxy_jump, v, l);
		if (strcasecmp(v, "none"))
			r->have[SSHO_PROXYCOMMAND] = 1;	/* ssh sets ProxyCommand none */
		free(v);
		return rc;
	}
	default:
		return RONDA_OK;
	}
}

/* Does this Match line hold?  Sets want_final when it says final. */
static int match_line(struct rs *r, struct sc_line *l, int *result)
{
	struct ssh_options *o = r->o;
	const char *ruser = o->user ? o->user : r->local_user;
	char *host = NULL;
	int res = 1, rc = RONDA_OK;

	if (r->final_pass || !o->hostname) {
		host = strdup(r->final_pass ? o->hostname : r->typed);
	} else {
		const char *v[] = { r->typed };
		struct sc_tokens t = { "h", v };
		struct buf e;

		buf_init(&e, 1024);
		rc = sc_expand(o->hostname, &t, NULL, 0, 0, &host, &e);
		buf_release(&e);
		if (rc)
			return rc;
	}
	if (!host)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < l->ac; i++) {
		const char *a = l->av[i];
		int neg = *a == '!', m;

		if (neg)
			a++;
		if (!strcasecmp(a, "all")) {
			if (res)
				res = !neg;
			break;
		}
		if (!strcasecmp(a, "canonical") || !strcasecmp(a, "final")) {
			if (!strcasecmp(a, "final"))
				r->want_final = 1;
			if (r->final_pass == neg)
				res = 0;
			continue;
		}
		const char *arg = l->av[++i];
		if (!strcasecmp(a, "host"))
			m = sc_match_list(host, arg, 1) == 1;
		else if (!strcasecmp(a, "originalhost"))
			m = sc_match_list(r->typed, arg, 1) == 1;
		else if (!strcasecmp(a, "user"))
			m = sc_match_list(ruser, arg, 0) == 1;
		else if (!strcasecmp(a, "localuser"))
			m = sc_match_list(r->local_user, arg, 0) == 1;
		else {	/* exec: what ssh would run only while the line still holds */
			if (res != 1)
				continue;
			rc = warn(r, l, "Match exec", " is not supported by ronda; the command "
				  "is not run and counts as one that failed", arg);
			if (rc)
				break;
			m = 0;
		}
		if (m == neg)
			res = 0;
	}
	free(host);
	*result = res;
	return rc;
}

/* Warnings only for values that ask ronda for something: "no" asks nothing. */
static int asks_nothing(const struct sc_line *l)
{
	const char *a = l->ac == 1 ? l->av[0] : "";

	if (!strcmp(l->kw->name, "pubkeyauthentication"))
		return flag(a);
	return !strcasecmp(a, "no") || !strcasecmp(a, "false") || !strcasecmp(a, "none");
}

static int run_file(struct rs *r, size_t fi, int nevermatch, int *active)
{
	int rc = RONDA_OK;

	for (size_t i = 0; !rc && i < r->cfg->files[fi].n; i++) {
		struct sc_line *l = &r->cfg->files[fi].lines[i];

		switch (l->kw->cls) {
		case SC_HOST:
			*active = 0;
			if (nevermatch)
				break;
			for (size_t k = 0; k < l->ac; k++) {
				const char *p = l->av[k];
				int neg = *p == '!';

				if (sc_match_pattern(r->host, p + neg)) {
					if (neg) {
						*active = 0;
						break;
					}
					*active = 1;
				}
			}
			break;
		case SC_MATCH: {
			int v = 0;

			rc = match_line(r, l, &v);
			*active = nevermatch ? 0 : v;
			break;
		}
		case SC_INCLUDE: {
			int oactive = *active;

			/* each included file starts, and leaves, as the Include found it */
			for (size_t k = 0; !rc && k < l->n_inc; k++) {
				rc = run_file(r, l->inc[k], nevermatch || !oactive, active);
				*active = oactive;
			}
			break;
		}
		case SC_IGNOREUNKNOWN:
			if (*active && !r->ignore_unknown && !(r->ignore_unknown = strdup(l->av[0])))
				rc = RONDA_ENOMEM;
			break;
		case SC_UNKNOWN:
			if (!r->ignore_unknown || sc_match_list(l->name, r->ignore_unknown, 1) != 1) {
				char why[300];

				snprintf(why, sizeof(why), "bad configuration option: %.200s (an "
					 "IgnoreUnknown that names it does not apply here)", l->name);
				rc = line_error(r, l, why);
			}
			break;
		case SC_WARN:
			if (*active && !asks_nothing(l))
				rc = warn(r, l, l->name, l->kw->why, NULL);
			break;
		case SC_NOTE:
			if (*active && !asks_nothing(l))
				rc = warn_to(r, &r->o->notes, l, l->name, l->kw->why, NULL);
			break;
		case SC_FIELD:
			if (*active)
				rc = apply(r, l);
			break;
		case SC_SILENT:
			if (*active && r->batch_mode < 0 && !strcmp(l->kw->name, "batchmode") && l->ac)
				r->batch_mode = flag(l->av[0]);
			break;
		}
	}
	return rc;
}

static int run_all(struct rs *r)
{
	int rc = RONDA_OK;

	for (size_t i = 0; !rc && i < r->cfg->n_roots; i++) {
		int active = 1;

		rc = run_file(r, r->cfg->roots[i], 0, &active);
	}
	return rc;
}

static int expand_list(const struct ssh_strlist *in, struct ssh_strlist *out,
		       const struct sc_tokens *t, const char *home, struct buf *err)
{
	int rc = RONDA_OK;

	for (size_t i = 0; !rc && i < in->n; i++) {
		char *s;

		if (!(rc = sc_expand(in->v[i], t, home, 1, 1, &s, err))) {
			rc = sc_list_add(out, s);
			free(s);
		}
	}
	return rc;
}

static const char *const default_identities[] = {
	"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
	"~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa", NULL
};

/* OpenSSH's defaults, then ~, %-tokens and ${VAR} where ssh expands them. */
static int finish(struct rs *r)
{
	struct ssh_options *o = r->o;
	char portstr[16], uid[24], lhost[256], shost[256], *jhost = NULL;
	const char *home = r->cfg->home;
	struct buf e;
	int rc = RONDA_OK;

	if (!o->user && !(o->user = strdup(r->local_user)))
		return RONDA_ENOMEM;
	if (!o->port)
		o->port = 22;
	if (r->batch_mode == 1 && !r->have[SSHO_SERVERALIVEINTERVAL])
		o->server_alive_interval = 300;	/* Debian's keepalive patch */
	if (o->connection_attempts <= 0) {
		buf_reset(r->err);
		buf_printf(r->err, "%s: ConnectionAttempts must be at least 1 (ssh refuses %d)",
			   o->src[SSHO_CONNECTIONATTEMPTS], o->connection_attempts);
		return RONDA_ECONFIG;
	}
	if (!o->identity_files_raw.n)
		for (size_t i = 0; default_identities[i] && !rc; i++)
			rc = sc_list_add(&o->identity_files_raw, default_identities[i]);
	if (!rc && !o->user_known_hosts.n && !(rc = sc_list_add(&o->user_known_hosts,
								 "~/.ssh/known_hosts")))
		rc = sc_list_add(&o->user_known_hosts, "~/.ssh/known_hosts2");
	if (!rc && !o->global_known_hosts.n &&
	    !(rc = sc_list_add(&o->global_known_hosts, SSHCONFIG_SYSTEM_DIR "/ssh_known_hosts")))
		rc = sc_list_add(&o->global_known_hosts, SSHCONFIG_SYSTEM_DIR "/ssh_known_hosts2");
	if (rc)
		return rc;
	if (o->proxy_command_raw && !strcasecmp(o->proxy_command_raw, "none")) {
		free(o->proxy_command_raw);
		o->proxy_command_raw = NULL;
	}
	if (o->proxy_jump && !strcasecmp(o->proxy_jump, "none")) {
		free(o->proxy_jump);
		o->proxy_jump = NULL;
	}
	if (o->proxy_jump) {	/* %j: the last hop's host */
		const char *h = strrchr(o->proxy_jump, ',');
		size_t n;

		h = h ? h + 1 : o->proxy_jump;
		if (!strncmp(h, "ssh://", 6))
			h += 6;
		if (strchr(h, '@'))
			h = strchr(h, '@') + 1;
		n = strcspn(h, ":");
		if (!(jhost = strndup(h, n)))
			return RONDA_ENOMEM;
	}
	snprintf(portstr, sizeof(portstr), "%u", o->port);
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)getuid());
	if (gethostname(lhost, sizeof(lhost)))
		lhost[0] = '\0';
	lhost[sizeof(lhost) - 1] = '\0';
	memcpy(shost, lhost, sizeof(shost));
	shost[strcspn(shost, ".")] = '\0';
	{
		/* %C is a hash of the others: not computed, so refused. */
		const char *v[] = { NULL, shost, uid, o->host_key_alias ? o->host_key_alias :
			o->hostname, lhost, r->typed, portstr, home, o->hostname, o->user,
			jhost ? jhost : "", r->local_user };
		struct sc_tokens t = { "CLiklnpdhrju", v };

		buf_init(&e, 4096);
		rc = expand_list(&o->identity_files_raw, &o->identity_files, &t, home, &e);
		if (!rc)
			rc = expand_list(&o->certificate_files_raw, &o->certificate_files, &t, home, &e);
		if (!rc && o->user_known_hosts.n) {
			struct ssh_strlist raw = o->user_known_hosts;

			o->user_known_hosts.v = NULL;
			o->user_known_hosts.n = 0;
			rc = expand_list(&raw, &o->user_known_hosts, &t, home, &e);
			sc_list_release(&raw);
		}
		if (!rc && o->identity_agent_raw) {
			if (!strcmp(o->identity_agent_raw, "SSH_AUTH_SOCK"))
				o->identity_agent = NULL;
			else
				rc = sc_expand(o->identity_agent_raw, &t, home, 1, 1, &o->identity_agent, &e);
		}
		if (!rc && o->proxy_command_raw)
			rc = sc_expand(o->proxy_command_raw, &t, home, 0, 0, &o->proxy_command, &e);
		if (rc == RONDA_ECONFIG) {
			buf_reset(r->err);
			buf_printf(r->err, "%s: %s", r->typed, buf_data(&e));
		}
		buf_release(&e);
	}
	free(jhost);
	if (!rc)
		rc = sc_algos_resolve(SC_ALGO_HOSTKEY, o->hostkey_algorithms_raw, &o->hostkey_algorithms);
	if (!rc)
		rc = sc_algos_resolve(SC_ALGO_KEX, o->kex_algorithms_raw, &o->kex_algorithms);
	if (!rc)
		rc = sc_algos_resolve(SC_ALGO_CIPHER, o->ciphers_raw, &o->ciphers);
	if (!rc)
		rc = sc_algos_resolve(SC_ALGO_MAC, o->macs_raw, &o->macs);
	return rc;
}

void ssh_options_release(struct ssh_options *o)
{
	free(o->host);
	free(o->hostname);
	free(o->user);
	sc_list_release(&o->identity_files);
	sc_list_release(&o->identity_files_raw);
	free(o->identity_agent);
	free(o->identity_agent_raw);
	sc_list_release(&o->certificate_files);
	sc_list_release(&o->certificate_files_raw);
	free(o->proxy_jump);
	free(o->proxy_command);
	free(o->proxy_command_raw);
	sc_list_release(&o->user_known_hosts);
	sc_list_release(&o->global_known_hosts);
	free(o->host_key_alias);
	free(o->hostkey_algorithms_raw);
	free(o->kex_algorithms_raw);
	free(o->ciphers_raw);
	free(o->macs_raw);
	free(o->hostkey_algorithms);
	free(o->kex_algorithms);
	free(o->ciphers);
	free(o->macs);
	for (int i = 0; i < SSHO_COUNT; i++)
		free(o->src[i]);
	sc_list_release(&o->warnings);
	sc_list_release(&o->notes);
	memset(o, 0, sizeof(*o));
}

int sshconfig_resolve(struct sshconfig *cfg, const char *host, const char *user,
		      unsigned port, const char *local_user, struct ssh_options *out,
		      struct buf *err)
{
	struct ssh_options o = { .connect_timeout = -1, .connection_attempts = 1,
				 .server_alive_count_max = 3, .strict_host_key_checking = SSH_STRICT_ASK };
	struct rs r = { .cfg = cfg, .o = &o, .host = host, .typed = host,
			.local_user = local_user, .err = err, .batch_mode = -1 };
	int rc;

	if (!(o.host = strdup(host))) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	if (user) {	/* -l: set before any file, so it wins */
		if (!(o.user = strdup(user))) {
			rc = RONDA_ENOMEM;
			goto out;
		}
		r.have[SSHO_USER] = 1;
	}
	if (port) {
		o.port = port;
		r.have[SSHO_PORT] = 1;
	}
	if ((rc = run_all(&r)))
		goto out;
	if (o.hostname) {
		const char *v[] = { host };
		struct sc_tokens t = { "h", v };
		char *h;
		struct buf e;

		buf_init(&e, 1024);
		rc = sc_expand(o.hostname, &t, NULL, 0, 0, &h, &e);
		buf_release(&e);
		if (rc)
			goto out;
		free(o.hostname);
		o.hostname = h;
	} else if (!(o.hostname = strdup(host))) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	/* as ssh, which leaves addresses (':', '%') alone */
	if (!strchr(o.hostname, ':') && !strchr(o.hostname, '%'))
		for (char *p = o.hostname; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	if (r.want_final) {
		r.final_pass = 1;
		r.host = o.hostname;
		r.have[SSHO_HOSTNAME] = 1;
		if ((rc = run_all(&r)))
			goto out;
	}
	if ((rc = finish(&r)))
		goto out;
	*out = o;
	memset(&o, 0, sizeof(o));
out:
	free(r.ignore_unknown);
	sc_list_release(&r.seen[0]);
	sc_list_release(&r.seen[1]);
	ssh_options_release(&o);
	return rc;
}

static int put_list(struct buf *b, const char *key, const struct ssh_strlist *l, int lines)
{
	int rc = RONDA_OK;

	if (!l->n)
		return RONDA_OK;
	if (!lines)
		rc = buf_puts(b, key);
	for (size_t i = 0; !rc && i < l->n; i++)
		rc = lines ? buf_printf(b, "%s %s\n", key, l->v[i]) : buf_printf(b, " %s", l->v[i]);
	if (!rc && !lines)
		rc = buf_putc(b, '\n');
	return rc;
}

int ssh_options_dump(const struct ssh_options *o, struct buf *b)
{
	static const char *const strict[] = { "false", "accept-new", "true", "ask" };
	static const char *const fam[] = { "any", "inet", "inet6" };
	int rc;

	rc = buf_printf(b, "hostname %s\nuser %s\nport %u\n", o->hostname, o->user, o->port);
	/* as ssh -G 9.2: IdentityFile, CertificateFile, ProxyCommand and
	 * GlobalKnownHostsFile unexpanded, the others expanded */
	if (!rc)
		rc = put_list(b, "identityfile", &o->identity_files_raw, 1);
	if (!rc)
		rc = put_list(b, "certificatefile", &o->certificate_files_raw, 1);
	if (!rc)
		rc = buf_printf(b, "identitiesonly %s\n", o->identities_only ? "yes" : "no");
	if (!rc && o->identity_agent_raw)
		rc = buf_printf(b, "identityagent %s\n", o->identity_agent ? o->identity_agent :
				o->identity_agent_raw);
	if (!rc && o->proxy_jump)
		rc = buf_printf(b, "proxyjump %s\n", o->proxy_jump);
	if (!rc && o->proxy_command_raw)
		rc = buf_printf(b, "proxycommand %s\n", o->proxy_command_raw);
	if (!rc && o->connect_timeout < 0)
		rc = buf_puts(b, "connecttimeout none\n");
	else if (!rc)
		rc = buf_printf(b, "connecttimeout %d\n", o->connect_timeout);
	if (!rc)
		rc = buf_printf(b, "connectionattempts %d\nserveraliveinterval %d\n"
				"serveralivecountmax %d\nstricthostkeychecking %s\n",
				o->connection_attempts, o->server_alive_interval < 0 ? 0 :
				o->server_alive_interval, o->server_alive_count_max,
				strict[o->strict_host_key_checking]);
	if (!rc)
		rc = put_list(b, "userknownhostsfile", &o->user_known_hosts, 0);
	if (!rc)
		rc = put_list(b, "globalknownhostsfile", &o->global_known_hosts, 0);
	if (!rc && o->host_key_alias)
		rc = buf_printf(b, "hostkeyalias %s\n", o->host_key_alias);
	if (!rc)
		rc = buf_printf(b, "addressfamily %s\nhostkeyalgorithms %s\nkexalgorithms %s\n"
				"ciphers %s\nmacs %s\n", fam[o->address_family], o->hostkey_algorithms,
				o->kex_algorithms, o->ciphers, o->macs);
	return rc;
}
