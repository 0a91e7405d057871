/*
 * sshconfig.c - reading ssh_config files into lines (see sshconfig.h).
 *
 * A line is split as OpenSSH 9.2's readconf.c splits it: trailing blanks
 * dropped, the keyword is the first word (an `=` may separate it), the
 * arguments are split with quotes ('…', "…"), backslash escapes and a
 * word starting with `#` ending the line; no line continuation.  Each file
 * is read once; an Include records the files its globs name, so resolving
 * can replay them with the Host/Match state OpenSSH would have.  Values of
 * the keywords ronda resolves are checked here, on every line, active or
 * not, as ssh checks them.
 */
#include <errno.h>
#include <glob.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "sshconfig_int.h"
#include "banned.h"

#define W(name, why) { name, SC_WARN, -1, why }
#define S(name) { name, SC_SILENT, -1, NULL }
#define N(name, why) { name, SC_NOTE, -1, why }
#define F(name, f) { name, SC_FIELD, f, NULL }

static const char NOT_DONE[] = " is not supported by ronda; it is ignored";

/* Every keyword of Debian's OpenSSH 9.2p1 client, aliases included. */
static const struct sc_keyword keywords[] = {
	{ "host", SC_HOST, -1, NULL },
	{ "match", SC_MATCH, -1, NULL },
	{ "include", SC_INCLUDE, -1, NULL },
	{ "ignoreunknown", SC_IGNOREUNKNOWN, -1, NULL },
	F("hostname", SSHO_HOSTNAME), F("user", SSHO_USER), F("port", SSHO_PORT),
	F("identityfile", SSHO_IDENTITYFILE), F("identityfile2", SSHO_IDENTITYFILE),
	F("identitiesonly", SSHO_IDENTITIESONLY), F("identityagent", SSHO_IDENTITYAGENT),
	F("certificatefile", SSHO_CERTIFICATEFILE), F("proxyjump", SSHO_PROXYJUMP),
	F("proxycommand", SSHO_PROXYCOMMAND), F("connecttimeout", SSHO_CONNECTTIMEOUT),
	F("connectionattempts", SSHO_CONNECTIONATTEMPTS),
	F("serveraliveinterval", SSHO_SERVERALIVEINTERVAL),
	F("serveralivecountmax", SSHO_SERVERALIVECOUNTMAX),
	F("stricthostkeychecking", SSHO_STRICTHOSTKEYCHECKING),
	F("userknownhostsfile", SSHO_USERKNOWNHOSTSFILE),
	F("globalknownhostsfile", SSHO_GLOBALKNOWNHOSTSFILE),
	F("hostkeyalias", SSHO_HOSTKEYALIAS), F("addressfamily", SSHO_ADDRESSFAMILY),
	F("hostkeyalgorithms", SSHO_HOSTKEYALGORITHMS),
	F("kexalgorithms", SSHO_KEXALGORITHMS), F("ciphers", SSHO_CIPHERS),
	F("macs", SSHO_MACS),
	/* Logging, the terminal, and what ssh itself ignores: no effect here. */
	S("protocol"), S("cipher"), S("fallbacktorsh"), S("globalknownhostsfile2"),
	S("rhostsauthentication"), S("userknownhostsfile2"), S("useroaming"),
	S("usersh"), S("useprivilegedport"), S("afstokenpassing"),
	S("kerberosauthentication"), S("kerberostgtpassing"), S("rsaauthentication"),
	S("rhostsrsaauthentication"), S("compressionlevel"), S("batchmode"),
	S("loglevel"), S("syslogfacility"), S("logverbose"), S("visualhostkey"),
	S("escapechar"), S("enableescapecommandline"), S("numberofpasswordprompts"),
	S("xauthlocation"), S("fingerprinthash"), S("compression"), S("tcpkeepalive"),
	S("keepalive"), S("ipqos"), S("rekeylimit"), S("clearallforwardings"),
	S("exitonforwardfailure"), S("gatewayports"), S("streamlocalbindmask"),
	S("streamlocalbindunlink"), S("permitremoteopen"), S("stdinnull"),
	S("forkafterauthentication"), S("updatehostkeys"), S("hashknownhosts"),
	S("addkeystoagent"), S("protocolkeepalives"), S("setuptimeout"),
	/* Whom ronda talks to, or how: not done, so said. */
	W("pkcs11provider", NOT_DONE), W("smartcarddevice", NOT_DONE),
	W("securitykeyprovider", NOT_DONE), W("forwardagent", " is not supported by ronda; ronda never forwards the agent"),
	W("forwardx11", NOT_DONE), W("forwardx11trusted", NOT_DONE),
	W("forwardx11timeout", NOT_DONE), W("localforward", NOT_DONE),
	W("remoteforward", NOT_DONE), W("dynamicforward", NOT_DONE),
	W("passwordauthentication", " is not supported by ronda; ronda authenticates with keys only"),
	W("kbdinteractiveauthentication", " is not supported by ronda; ronda authenticates with keys only"),
	W("kbdinteractivedevices", NOT_DONE),
	W("challengeresponseauthentication", " is not supported by ronda; ronda authenticates with keys only"),
	W("skeyauthentication", NOT_DONE), W("tisauthentication", NOT_DONE),
	W("pubkeyauthentication", " is not supported by ronda; ronda always uses public keys"),
	W("dsaauthentication", NOT_DONE), W("hostbasedauthentication", NOT_DONE),
	W("preferredauthentications", NOT_DONE),
	W("pubkeyacceptedalgorithms", NOT_DONE), W("pubkeyacceptedkeytypes", NOT_DONE),
	W("hostbasedacceptedalgorithms", NOT_DONE), W("hostbasedkeytypes", NOT_DONE),
	W("casignaturealgorithms", NOT_DONE), W("requiredrsasize", NOT_DONE),
	W("checkhostip", NOT_DONE), W("verifyhostkeydns", NOT_DONE),
	W("revokedhostkeys", NOT_DONE), W("knownhostscommand", NOT_DONE),
	W("nohostauthenticationforlocalhost", NOT_DONE),
	W("bindaddress", NOT_DONE), W("bindinterface", NOT_DONE),
	N("sendenv", " is not supported by ronda; no environment is sent"), W("setenv", " is not supported by ronda; no environment is sent"),
	W("controlpath", " is not supported by ronda; ronda does not share connections"),
	W("controlmaster", " is not supported by ronda; ronda does not share connections"),
	W("controlpersist", " is not supported by ronda; ronda does not share connections"),
	W("tunnel", NOT_DONE), W("tunneldevice", NOT_DONE),
	W("localcommand", " is not supported by ronda; no local command is run"),
	W("permitlocalcommand", " is not supported by ronda; no local command is run"),
	W("remotecommand", " is not supported by ronda; ronda runs its own commands"),
	W("requesttty", NOT_DONE), W("sessiontype", NOT_DONE),
	W("proxyusefdpass", NOT_DONE), W("enablesshkeysign", NOT_DONE),
	W("canonicaldomains", " is not supported by ronda; host names are not canonicalised"),
	W("canonicalizehostname", " is not supported by ronda; host names are not canonicalised"),
	W("canonicalizemaxdots", " is not supported by ronda; host names are not canonicalised"),
	W("canonicalizefallbacklocal", " is not supported by ronda; host names are not canonicalised"),
	W("canonicalizepermittedcnames", " is not supported by ronda; host names are not canonicalised"),
	N("gssapiauthentication", " is not supported by ronda; it authenticates with keys"), W("gssapidelegatecredentials", NOT_DONE),
	W("gssapikeyexchange", NOT_DONE), W("gssapiclientidentity", NOT_DONE),
	W("gssapiserveridentity", NOT_DONE), W("gssapirenewalforcesrekey", NOT_DONE),
	W("gssapitrustdns", NOT_DONE), W("gssapikexalgorithms", NOT_DONE),
};

static const struct sc_keyword unknown_kw = { "", SC_UNKNOWN, -1, NULL };

static const struct sc_keyword *find_keyword(const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcasecmp(name, keywords[i].name))
			return &keywords[i];
	return NULL;
}

char *sc_where(const struct sshconfig *cfg, const struct sc_line *l)
{
	struct buf b;
	char *s;

	buf_init(&b, 8192);
	if (buf_printf(&b, "%s:%u", cfg->files[l->file].path, l->line)) {
		buf_release(&b);
		return NULL;
	}
	s = strdup(buf_data(&b));
	buf_release(&b);
	return s;
}

static int perr(struct buf *err, const char *path, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int perr(struct buf *err, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	buf_reset(err);
	if (line)
		buf_printf(err, "%s:%u: ", path, line);
	else
		buf_printf(err, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return RONDA_ECONFIG;
}

/*
 * Splits s as OpenSSH's argv_split(s, ..., terminate_on_comment): blanks
 * separate, quotes group, \' \" \\ and (unquoted) "\ " escape, a word
 * starting with # ends the line.  -1 on an unclosed quote.
 */
static int split_args(const char *s, char ***avp, size_t *acp)
{
	char **av = NULL, **nav;
	size_t ac = 0, i = 0, j;
	char *arg;
	int quote;

	for (;;) {
		while (s[i] == ' ' || s[i] == '\t')
			i++;
		if (!s[i] || s[i] == '#')
			break;
		if (!(nav = realloc(av, (ac + 2) * sizeof(*av))))
			goto fail;
		av = nav;
		if (!(arg = malloc(strlen(s + i) + 1)))
			goto fail;
		av[ac++] = arg;
		av[ac] = NULL;
		quote = 0;
		for (j = 0; s[i]; i++) {
			if (s[i] == '\\' && (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
					     (!quote && s[i + 1] == ' ')))
				arg[j++] = s[++i];
			else if (!quote && (s[i] == ' ' || s[i] == '\t'))
				break;
			else if (!quote && (s[i] == '"' || s[i] == '\''))
				quote = s[i];
			else if (quote && s[i] == quote)
				quote = 0;
			else
				arg[j++] = s[i];
		}
		arg[j] = '\0';
		if (quote)
			goto fail;
	}
	*avp = av;
	*acp = ac;
	return 0;
fail:
	for (size_t k = 0; k < ac; k++)
		free(av[k]);
	free(av);
	return -1;
}

static void line_release(struct sc_line *l)
{
	for (size_t i = 0; i < l->ac; i++)
		free(l->av[i]);
	free(l->av);
	free(l->rest);
	free(l->name);
	free(l->inc);
}

static int parse_flag(const char *s)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false"))
		return 0;
	return -1;
}

/* Tokens OpenSSH 9.2 accepts where it expands paths (ssh.c). */
#define PATH_TOKENS "CLiklnpdhrju"

static int check_tokens(const struct sc_line *l, const char *path, const char *arg,
			const char *letters, struct buf *err)
{
	const char *bad;

	if (sc_check_tokens(arg, letters, &bad))
		return perr(err, path, l->line, "%s: unknown token %%%c in \"%s\"", l->name,
			    *bad ? *bad : ' ', arg);
	return 0;
}

int sc_port(const char *s)
{
	struct servent *se;
	char *end;
	long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v < 1 || v > 65535)
			return -1;
		return (int)v;
	}
	if ((se = getservbyname(s, "tcp")))
		return ntohs((unsigned short)se->s_port) ? ntohs((unsigned short)se->s_port) : -1;
	return -1;
}

/* Checks the arguments of a keyword ronda resolves, as ssh would. */
static int check_field(const struct sc_line *l, const char *path, struct buf *err)
{
	const char *a0 = l->ac ? l->av[0] : "";
	size_t want = 1;
	long v;
	char *end;

	switch (l->kw->field) {
	case SSHO_PROXYCOMMAND:
		return 0;	/* the raw rest of the line, as ssh takes it */
	case SSHO_PROXYJUMP:
		if (!sc_jump_valid(l->rest))
			return perr(err, path, l->line, "invalid ProxyJump \"%s\"", l->rest);
		return 0;
	case SSHO_USERKNOWNHOSTSFILE:
	case SSHO_GLOBALKNOWNHOSTSFILE:
		if (l->ac > 32)
			return perr(err, path, l->line, "%s: too many entries", l->name);
		for (size_t i = 0; i < l->ac; i++) {
			if (!*l->av[i])
				return perr(err, path, l->line, "%s: empty argument", l->name);
			if (!strcasecmp(l->av[i], "none") && l->ac > 1)
				return perr(err, path, l->line,
					    "%s: \"none\" must appear alone", l->name);
			if (l->kw->field == SSHO_USERKNOWNHOSTSFILE &&
			    check_tokens(l, path, l->av[i], PATH_TOKENS, err))
				return RONDA_ECONFIG;
		}
		return 0;
	default:
		break;
	}
	if (!l->ac || !*a0)
		return perr(err, path, l->line, "%s: missing argument", l->name);
	if (l->ac > want)
		return perr(err, path, l->line, "%s: extra arguments at end of line", l->name);
	switch (l->kw->field) {
	case SSHO_PORT:
		if (sc_port(a0) < 0)
			return perr(err, path, l->line, "bad port '%s'", a0);
		break;
	case SSHO_IDENTITIESONLY:
		if (parse_flag(a0) < 0)
			return perr(err, path, l->line, "%s: unsupported option \"%s\"", l->name, a0);
		break;
	case SSHO_STRICTHOSTKEYCHECKING:
		if (parse_flag(a0) < 0 && strcasecmp(a0, "ask") && strcasecmp(a0, "off") &&
		    strcasecmp(a0, "accept-new"))
			return perr(err, path, l->line, "%s: unsupported option \"%s\"", l->name, a0);
		break;
	case SSHO_ADDRESSFAMILY:
		if (strcasecmp(a0, "any") && strcasecmp(a0, "inet") && strcasecmp(a0, "inet6"))
			return perr(err, path, l->line, "%s: unsupported option \"%s\"", l->name, a0);
		break;
	case SSHO_CONNECTTIMEOUT:
	case SSHO_SERVERALIVEINTERVAL:
		if (strcmp(a0, "none") && sc_convtime(a0) < 0)
			return perr(err, path, l->line, "%s: invalid time value \"%s\"", l->name, a0);
		break;
	case SSHO_CONNECTIONATTEMPTS:
	case SSHO_SERVERALIVECOUNTMAX:
		errno = 0;
		v = strtol(a0, &end, 10);
		if (errno || *end || v < 0 || v > 0x7fffffff)
			return perr(err, path, l->line, "%s: integer value \"%s\" is invalid",
				    l->name, a0);
		break;
	case SSHO_IDENTITYFILE:
	case SSHO_CERTIFICATEFILE:
		return check_tokens(l, path, a0, PATH_TOKENS, err);
	case SSHO_IDENTITYAGENT:
		if (a0[0] == '$' && a0[1] != '{') {
			for (const char *p = a0 + 1; *p || p == a0 + 1; p++)
				if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
				      (*p >= 'a' && *p <= 'z') || (p > a0 + 1 && *p >= '0' && *p <= '9')))
					return perr(err, path, l->line,
						    "invalid environment name %s", a0);
			break;
		}
		return check_tokens(l, path, a0, PATH_TOKENS, err);
	case SSHO_HOSTNAME:
		return check_tokens(l, path, a0, "h", err);
	case SSHO_HOSTKEYALGORITHMS:
	case SSHO_KEXALGORITHMS:
	case SSHO_CIPHERS:
	case SSHO_MACS: {
		static const enum sc_algo kind[] = {
			[SSHO_HOSTKEYALGORITHMS] = SC_ALGO_HOSTKEY, [SSHO_KEXALGORITHMS] = SC_ALGO_KEX,
			[SSHO_CIPHERS] = SC_ALGO_CIPHER, [SSHO_MACS] = SC_ALGO_MAC,
		};
		if (!sc_algos_valid(kind[l->kw->field], a0))
			return perr(err, path, l->line, "%s: bad algorithm list '%s'", l->name, a0);
		break;
	}
	default:
		break;
	}
	return 0;
}

static const char *const match_attrs[] = {
	"all", "canonical", "final", "exec", "host", "originalhost", "user", "localuser", NULL
};

/* The Match line's syntax, as match_cfg_line rejects it on any host. */
static int check_match(const struct sc_line *l, const char *path, struct buf *err)
{
	size_t attributes = 0;

	for (size_t i = 0; i < l->ac; i++) {
		const char *a = l->av[i];
		size_t k;

		if (*a == '!')
			a++;
		for (k = 0; match_attrs[k] && strcasecmp(a, match_attrs[k]); k++)
			;
		if (!match_attrs[k])
			return perr(err, path, l->line, "unsupported Match attribute %s", a);
		if (k == 0) {
			if (attributes > 1 || i + 1 < l->ac)
				return perr(err, path, l->line,
					    "'%s' cannot be combined with other Match attributes",
					    l->av[i]);
			return 0;
		}
		attributes++;
		if (k <= 2)
			continue;
		if (i + 1 >= l->ac || !*l->av[i + 1])
			return perr(err, path, l->line, "missing Match criteria for %s", a);
		i++;
	}
	if (!attributes)
		return perr(err, path, l->line, "one or more attributes required for Match");
	return 0;
}

static int load_file(struct sshconfig *cfg, const char *path, int user, int checkperm,
		     unsigned depth, size_t *idx, struct buf *err);

/* Expands one Include argument into file indices, as OpenSSH globs it. */
static int do_include(struct sshconfig *cfg, size_t fi, size_t li, unsigned depth,
		      struct buf *err)
{
	struct buf pat;
	glob_t gl;
	int rc = RONDA_OK, g;

	for (size_t a = 0; a < cfg->files[fi].lines[li].ac; a++) {
		struct sc_line *l = &cfg->files[fi].lines[li];
		const char *arg = l->av[a], *path = cfg->files[fi].path;
		int user = cfg->files[fi].user;

		if (!*arg)
			return perr(err, path, l->line, "Include: empty argument");
		if (*arg == '~' && !user)
			return perr(err, path, l->line, "bad include path %s", arg);
		buf_init(&pat, 1 << 16);
		if (*arg == '~' && (arg[1] == '/' || !arg[1]))
			rc = buf_printf(&pat, "%s%s", cfg->home, arg + 1);
		else if (*arg == '~' || *arg == '/')
			rc = buf_puts(&pat, arg);	/* ~user: glob's GLOB_TILDE */
		else if (user)
			rc = buf_printf(&pat, "%s/.ssh/%s", cfg->home, arg);
		else
			rc = buf_printf(&pat, "%s/%s", SSHCONFIG_SYSTEM_DIR, arg);
		if (rc) {
			buf_release(&pat);
			return perr(err, path, l->line, "Include: path too long");
		}
		g = glob(buf_data(&pat), GLOB_TILDE, NULL, &gl);
		buf_release(&pat);
		if (g == GLOB_NOMATCH)
			continue;
		if (g) {
			globfree(&gl);
			return perr(err, path, l->line, "glob failed for %s", arg);
		}
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			size_t child, *ninc;

			rc = load_file(cfg, gl.gl_pathv[i], user, 1, depth + 1, &child, err);
			if (rc == RONDA_ENOTFOUND)
				continue;	/* vanished, or a directory: as ssh */
			if (rc) {
				if (rc != RONDA_ECONFIG || !buf_len(err))
					perr(err, cfg->files[fi].path, cfg->files[fi].lines[li].line,
					     "Include %s: %s", gl.gl_pathv[i], ronda_strerror(rc));
				globfree(&gl);
				return RONDA_ECONFIG;
			}
			l = &cfg->files[fi].lines[li];	/* files may have moved */
			if (cfg->files[child].height + depth + 1 > SSHCONFIG_MAX_DEPTH) {
				globfree(&gl);
				return perr(err, cfg->files[fi].path, l->line,
					    "Include %s: nested more than %d levels deep",
					    gl.gl_pathv[i], SSHCONFIG_MAX_DEPTH);
			}
			if (cfg->files[child].height + 1 > cfg->files[fi].height)
				cfg->files[fi].height = cfg->files[child].height + 1;
			if (!(ninc = realloc(l->inc, (l->n_inc + 1) * sizeof(*ninc)))) {
				globfree(&gl);
				return RONDA_ENOMEM;
			}
			l->inc = ninc;
			l->inc[l->n_inc++] = child;
		}
		globfree(&gl);
	}
	return RONDA_OK;
}

/* Appends a ,-joined IgnoreUnknown value to what load accepts. */
static int add_ignore(struct sshconfig *cfg, const char *v)
{
	size_t n = cfg->ignore_any ? strlen(cfg->ignore_any) : 0;
	char *s = realloc(cfg->ignore_any, n + strlen(v) + 2);

	if (!s)
		return RONDA_ENOMEM;
	if (n)
		s[n++] = ',';
	memcpy(s + n, v, strlen(v) + 1);
	cfg->ignore_any = s;
	return RONDA_OK;
}

/* One line of fi: keyword, arguments, checks. */
static int parse_line(struct sshconfig *cfg, size_t fi, char *s, unsigned lineno,
		      unsigned depth, struct buf *err)
{
	struct sc_file *f = &cfg->files[fi];
	struct sc_line l = { .file = (unsigned)fi, .line = lineno };
	size_t len = strlen(s), k;
	char *kw, *p;
	int rc;

	while (len > 0 && strchr(" \t\r\n\f", s[len - 1]))
		s[--len] = '\0';
	p = s + strspn(s, " \t\r\n");
	if (!*p || *p == '#')
		return RONDA_OK;
	/* The keyword ends at a blank or '='; one '=' may follow, with blanks. */
	kw = p;
	if (*p == '"') {
		kw = ++p;
		if (!(p = strchr(p, '"')))
			return perr(err, f->path, lineno, "invalid quotes");
		*p++ = '\0';
	} else {
		k = strcspn(p, " \t\r\n=\"");
		p += k;
		if (*p == '=') {
			*p++ = '\0';
		} else if (*p) {
			*p++ = '\0';
			p += strspn(p, " \t\r\n");
			if (*p == '=')
				p++;
		}
	}
	p += strspn(p, " \t\r\n");
	if (!*p)
		return perr(err, f->path, lineno, "no argument after keyword \"%s\"", kw);
	if (!(l.kw = find_keyword(kw))) {
		if (!cfg->ignore_any || sc_match_list(kw, cfg->ignore_any, 1) != 1)
			return perr(err, f->path, lineno, "bad configuration option: %s", kw);
		l.kw = &unknown_kw;
	}
	if (!(l.name = strdup(kw)) || !(l.rest = strdup(p + strspn(p, " \t\r\n="))))
		goto nomem;
	if (split_args(p, &l.av, &l.ac)) {
		rc = perr(err, f->path, lineno, "invalid quotes");
		goto fail;
	}
	if (l.kw->cls == SC_FIELD && (rc = check_field(&l, f->path, err)))
		goto fail;
	if (l.kw->cls == SC_MATCH && (rc = check_match(&l, f->path, err)))
		goto fail;
	if (l.kw->cls == SC_HOST) {
		for (k = 0; k < l.ac; k++)
			if (!*l.av[k]) {
				rc = perr(err, f->path, lineno, "Host: empty argument");
				goto fail;
			}
	}
	if (l.kw->cls == SC_IGNOREUNKNOWN) {
		if (l.ac != 1) {
			rc = perr(err, f->path, lineno, "IgnoreUnknown: one argument expected");
			goto fail;
		}
		if ((rc = add_ignore(cfg, l.av[0])))
			goto fail;
	}
	if (++cfg->total_lines > SSHCONFIG_MAX_LINES) {
		rc = perr(err, f->path, lineno, "more than %d configuration lines in all",
			  SSHCONFIG_MAX_LINES);
		goto fail;
	}
	if (f->n == f->alloc) {
		size_t na = f->alloc ? 2 * f->alloc : 16;
		struct sc_line *nl = realloc(f->lines, na * sizeof(*nl));
		if (!nl)
			goto nomem;
		f->lines = nl;
		f->alloc = na;
	}
	f->lines[f->n++] = l;
	if (l.kw->cls == SC_INCLUDE)
		return do_include(cfg, fi, f->n - 1, depth, err);
	return RONDA_OK;
nomem:
	rc = RONDA_ENOMEM;
fail:
	line_release(&l);
	return rc;
}

/*
 * Reads path (once per run: the same path again gives the same index).
 * RONDA_ENOTFOUND if it does not exist or is a directory.
 */
static int load_file(struct sshconfig *cfg, const char *path, int user, int checkperm,
		     unsigned depth, size_t *idx, struct buf *err)
{
	struct buf text;
	struct stat st;
	struct sc_file *f;
	size_t fi, off, n;
	unsigned lineno = 0;
	int rc;

	if (depth > SSHCONFIG_MAX_DEPTH)
		return perr(err, path, 0, "Include nested more than %d levels deep (a loop?)",
			    SSHCONFIG_MAX_DEPTH);
	for (fi = 0; fi < cfg->n_files; fi++) {
		if (!strcmp(cfg->files[fi].path, path) && cfg->files[fi].user == user) {
			if (cfg->files[fi].state == 1)
				return perr(err, path, 0, "Include loop: the file includes itself");
			*idx = fi;
			return RONDA_OK;
		}
	}
	if (stat(path, &st))
		return errno == ENOENT ? RONDA_ENOTFOUND : perr(err, path, 0, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return RONDA_ENOTFOUND;
	if (checkperm && ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022)))
		return perr(err, path, 0, "bad owner or permissions (group or others may write it)");
	if (cfg->n_files >= SSHCONFIG_MAX_FILES)
		return perr(err, path, 0, "more than %d files included", SSHCONFIG_MAX_FILES);
	if (cfg->n_files == cfg->a_files) {
		size_t na = cfg->a_files ? 2 * cfg->a_files : 8;
		struct sc_file *nf = realloc(cfg->files, na * sizeof(*nf));
		if (!nf)
			return RONDA_ENOMEM;
		cfg->files = nf;
		cfg->a_files = na;
	}
	fi = cfg->n_files;
	f = &cfg->files[fi];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path)))
		return RONDA_ENOMEM;
	f->user = user;
	f->state = 1;
	cfg->n_files++;
	buf_init(&text, (size_t)16 << 20);
	if ((rc = buf_read_file(&text, path))) {
		rc = perr(err, path, 0, "%s", rc == RONDA_ESYS ? strerror(errno) : ronda_strerror(rc));
		goto out;
	}
	for (off = 0; off < buf_len(&text); off += n + 1) {
		const char *start = buf_data(&text) + off, *nl;
		char *line;

		nl = memchr(start, '\n', buf_len(&text) - off);
		n = nl ? (size_t)(nl - start) : buf_len(&text) - off;
		lineno++;
		if (n > SSHCONFIG_MAX_LINE) {
			rc = perr(err, path, lineno, "line longer than %d bytes", SSHCONFIG_MAX_LINE);
			goto out;
		}
		if (memchr(start, '\0', n)) {
			rc = perr(err, path, lineno, "NUL byte in line");
			goto out;
		}
		if (!(line = strndup(start, n))) {
			rc = RONDA_ENOMEM;
			goto out;
		}
		rc = parse_line(cfg, fi, line, lineno, depth, err);
		free(line);
		if (rc)
			goto out;
	}
	cfg->files[fi].state = 2;
	*idx = fi;
out:
	buf_release(&text);
	return rc;
}

void sshconfig_free(struct sshconfig *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_files; i++) {
		for (size_t j = 0; j < cfg->files[i].n; j++)
			line_release(&cfg->files[i].lines[j]);
		free(cfg->files[i].lines);
		free(cfg->files[i].path);
	}
	free(cfg->files);
	free(cfg->home);
	free(cfg->ignore_any);
	free(cfg);
}

int sshconfig_empty(const struct sshconfig *cfg)
{
	return cfg->n_roots == 0;
}

int sshconfig_load_with(const char *F, const char *home, const char *system_file,
			struct sshconfig **out, struct buf *err)
{
	struct sshconfig *cfg;
	struct buf user;
	size_t idx;
	int rc = RONDA_OK;

	if (!(cfg = calloc(1, sizeof(*cfg))) || !(cfg->home = strdup(home ? home : "/"))) {
		free(cfg);
		return RONDA_ENOMEM;
	}
	buf_init(&user, 1 << 16);
	if (F && !strcmp(F, "none"))
		goto done;
	if (F) {
		rc = load_file(cfg, F, 1, 0, 0, &idx, err);
		if (rc == RONDA_ENOTFOUND)
			rc = perr(err, F, 0, "cannot open: %s", strerror(ENOENT));
		if (rc)
			goto out;
		cfg->roots[cfg->n_roots++] = idx;
		goto done;
	}
	if ((rc = buf_printf(&user, "%s/%s", cfg->home, SSHCONFIG_USER_FILE)))
		goto out;
	rc = load_file(cfg, buf_data(&user), 1, 1, 0, &idx, err);
	if (rc && rc != RONDA_ENOTFOUND)
		goto out;
	if (!rc)
		cfg->roots[cfg->n_roots++] = idx;
	rc = RONDA_OK;
	if (system_file) {
		rc = load_file(cfg, system_file, 0, 0, 0, &idx, err);
		if (rc && rc != RONDA_ENOTFOUND)
			goto out;
		if (!rc)
			cfg->roots[cfg->n_roots++] = idx;
		rc = RONDA_OK;
	}
done:
	*out = cfg;
	cfg = NULL;
out:
	buf_release(&user);
	sshconfig_free(cfg);
	if (rc && rc != RONDA_ECONFIG && rc != RONDA_ENOMEM)
		rc = RONDA_ECONFIG;
	return rc;
}

int sshconfig_load(const char *F, const char *home, struct sshconfig **out, struct buf *err)
{
	return sshconfig_load_with(F, home, SSHCONFIG_SYSTEM_FILE, out, err);
}
