/*
 * deploy.c - the agent's bootstrap and upload; see deploy.h.  What the
 * agent sends back is decoded by results.c.
 *
 * The remote scripts are fixed strings sent inside single quotes, so they
 * must not contain one; everything variable (hash, size, profile) reaches
 * them as quoted positional arguments.
 */
#include "deploy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "ssh/remote.h"
#include "banned.h"

/*
 * The cache directory: $HOME/.cache/ronda, or REMOTE_TMP/ronda-UID with
 * --remote-tmp (for a HOME on a noexec mount).
 */
#define CACHE_DIR(arg) \
	"if [ -n \"" arg "\" ]; then d=\"" arg "/ronda-$(id -u)\"; else d=\"${HOME:?}/.cache/ronda\"; fi; "

/*
 * The status line: RS (0x1e), "RONDA ", a word, the rest, newline.  It is
 * looked for anywhere in the output, since the login shell's rc files may
 * print before the script starts (and without a final newline).
 */
#define STATUS_MARK "\036RONDA "
#define ST "printf \"\\036RONDA %s\\n\" "

/*
 * $1 profile, $2 become (0, 1 or K), $3 remote tmp or "", $4 the user to
 * become or "" (sudo's default), then one ARCH SHA256
 * pair per agent ronda has.  uname -m picks the pair (arm64 is aarch64).
 * The cache's permission bits must be 700; setgid inherited from a parent
 * (or sticky) does not matter to a directory only its owner can enter.
 * "need" says the architecture and whether gzip is there to unpack an
 * upload.  RONDA_AGENT_VIA, set on the host (an emulator), runs the agent
 * through that program, which the agent then uses for its own children.
 * Hashing the 1.35 MB agent on every run cost each host a sha256sum (about
 * 5 ms of its CPU in a cached patrol of 200 hosts): a verified agent gets a
 * stamp, stamp-SHA, of its size, mtime, ctime and inode, and while
 * stat(1) still says exactly that, it is not hashed again.  Any write, or
 * a chmod, moves its ctime, which no user can set back; the stamp is only
 * made once the ctime is 2 s old, so that a write in the same second as
 * the one stamped still shows (ctime has whole seconds here, and the
 * kernel's clock for it is coarse).  A cached run forks only uname and one
 * stat(1), for the directory and the agent at once: each fork and exec
 * costs the host about 1 ms, and mkdir, id and a second stat were 3 of
 * the 5.  `[ -O ]` is not POSIX: where sh lacks it, id and stat decide.
 */
/*
 * Says "run" and execs the agent f with profile p, through sudo if b is 1
 * or K, as user u if set, and through the emulator w if set; the job waits
 * on stdin.  b=K (-K, deploy.h): sudo -n -k says whether sudo wants a
 * password at all (NOPASSWD: none may be sent, the agent would read it as
 * its job).  If it does, "pass" asks for the password line, which head
 * hands to a sudo -S that checks it and then reads end of file, so a wrong
 * one fails at once and never eats the job; "run pass" then asks for the
 * password again, for the sudo -S that execs the agent: it reads the line
 * byte by byte, so the agent gets exactly the job that follows.  A -K run
 * costs two round trips more than a cached one; the others none.
 */
#define AGENT_ARGV "${w:+\"$w\"} \"$f\" \"$v\" --profile \"$p\" $x ${w:+--via \"$w\"}"
/*
 * Profile "serve" (warm mode, deploy.h): the resident `ronda-agent serve`,
 * which is inspect only and reads its own stdin (no --watch-stdin).
 */
#define AGENT_MODE \
	"v=run x=--watch-stdin; if [ \"$p\" = serve ]; then v=serve p=inspect x=; fi; "
#define EXEC_AGENT \
	"set --; if [ -n \"$u\" ]; then set -- -u \"$u\"; fi; " \
	"if [ \"$b\" = K ]; then " \
	"if ! command -v sudo >/dev/null 2>&1; then " ST "\"become sudo is not installed\"; exit 0; fi; " \
	"if sudo -n -k \"$@\" -- true 2>/dev/null; then " ST "\"run nopass\"; " \
	"exec sudo -n \"$@\" -- " AGENT_ARGV "; fi; " \
	ST "\"pass\"; if ! head -n 1 | sudo -S -k -p \"\" \"$@\" -- true; then " ST "\"become\"; exit 0; fi; " \
	ST "\"run pass\"; exec sudo -S -k -p \"\" \"$@\" -- " AGENT_ARGV "; fi; " \
	ST "\"run\"; " \
	"if [ \"$b\" = 1 ]; then exec sudo -n \"$@\" -- " AGENT_ARGV "; fi; " \
	"exec " AGENT_ARGV "; "

static const char run_script[] =
	"umask 077; p=$1 b=$2 r=$3 u=$4; shift 4; " AGENT_MODE
	"m=$(uname -m); case $m in amd64) m=x86_64;; arm64) m=aarch64;; esac; "
	"s=; while [ $# -ge 2 ]; do if [ \"$1\" = \"$m\" ]; then s=$2; fi; shift 2; done; "
	"if [ -z \"$s\" ]; then " ST "\"unsupported $m\"; exit 0; fi; "
	CACHE_DIR("$r")
	"if [ -L \"$d\" ]; then " ST "\"deploy $d is a symbolic link\"; exit 0; fi; "
	"[ -d \"$d\" ] || mkdir -p \"$d\" 2>/dev/null; f=\"$d/agent-$s\"; w=${RONDA_AGENT_VIA:-}; "
	"set -- $(stat -c \"%a %s %Y %Z %i\" \"$d\" \"$f\" 2>/dev/null); a=${1:-}; a=${a#\"${a%???}\"}; "
	"if [ \"$a\" != 700 ] || { ! [ -O \"$d\" ] 2>/dev/null && [ \"$(stat -c %u \"$d\" 2>/dev/null)\" != \"$(id -u)\" ]; }; then "
	"o=$(stat -c \"%u %a\" \"$d\" 2>/dev/null); " ST "\"deploy $d: owner and mode ${o:-unknown}, want $(id -u) 700\"; exit 0; fi; "
	"if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then "
	"c=; if [ $# -ge 10 ]; then c=\"$7 $8 $9 ${10}\"; fi; q=; "
	"if [ -f \"$d/stamp-$s\" ] && [ ! -L \"$d/stamp-$s\" ]; then read -r q < \"$d/stamp-$s\"; fi; "
	"if [ -n \"$c\" ] && [ \"$q\" = \"$c\" ]; then h=$s; else "
	"h=$(sha256sum < \"$f\"); h=${h%% *}; "
	"z=${c#* * }; z=${z%% *}; "
	"if [ \"$h\" = \"$s\" ] && [ -n \"$c\" ] && [ \"$(date +%s)\" -ge \"$((z + 2))\" ]; then "
	"printf \"%s\\n\" \"$c\" > \"$d/stamp-$s\"; fi; fi; "
	"if [ \"$h\" = \"$s\" ]; then " EXEC_AGENT "fi; "
	"rm -f \"$f\" \"$d/stamp-$s\"; k=tampered; else k=missing; fi; "
	"z=raw; if command -v gzip >/dev/null 2>&1; then z=gzip; fi; "
	ST "\"need $k $m $z\"";

/*
 * $1 sha256, $2 remote tmp or "", $3 gzip or raw: how the bytes come,
 * $4 profile, $5 become (0, 1 or K), $6 user or "".  Stdin: the upload's length in bytes
 * on a line, the upload, then the job.  head -c reads no further than it
 * is told, so the job is still there for the agent: the stored agent is
 * run at once, on the same channel, not by a third step (a channel, a
 * login shell, uname, stat and a second sha256sum on every first run).
 * The hash is that of the agent itself, checked once it is unpacked; its
 * size is asked only to explain a mismatch.  The pruning of older agents
 * and stale temporaries forks only when there is something to prune.
 */
static const char upload_script[] =
	"umask 077; " CACHE_DIR("$2") "f=\"$d/agent-$1\"; t=\"$f.tmp.$$\"; "
	"p=$4 b=$5 u=$6 w=${RONDA_AGENT_VIA:-}; " AGENT_MODE "n=; read -r n; "
	"case $n in \"\"|*[!0-9]*) " ST "\"deploy the upload came without its length\"; exit 0;; esac; "
	"if [ \"$3\" = gzip ]; then if ! head -c \"$n\" | gzip -dc > \"$t\"; then rm -f \"$t\"; "
	ST "\"deploy cannot unpack the upload into $t\"; exit 0; fi; "
	"elif ! head -c \"$n\" > \"$t\"; then rm -f \"$t\"; " ST "\"deploy cannot write $t\"; exit 0; fi; "
	"h=$(sha256sum < \"$t\"); h=${h%% *}; "
	"if [ \"$h\" != \"$1\" ]; then s=$(wc -c < \"$t\"); rm -f \"$t\"; "
	ST "\"deploy upload arrived damaged: $s bytes, sha256 $h\"; exit 0; fi; "
	"if ! chmod 700 \"$t\" || ! mv -f \"$t\" \"$f\"; then rm -f \"$t\"; " ST "\"deploy cannot store $f\"; exit 0; fi; "
	"set -- \"$d\"/agent-*; if [ $# -gt 2 ]; then "
	"ls -t \"$d\"/agent-* 2>/dev/null | grep -v \"[.]tmp[.]\" | tail -n +3 | while read -r o; do rm -f \"$o\" \"$d/stamp-${o##*/agent-}\"; done; fi; "
	"set -- \"$d\"/agent-*.tmp.*; if [ -e \"$1\" ]; then "
	"find \"$d\" -name \"agent-*.tmp.*\" -mmin +60 -exec rm -f {} + 2>/dev/null; fi; "
	EXEC_AGENT;

/*
 * What one host's current step has printed so far.  Stdout streams in
 * (engine_step.on_stdout): until the status line has come it collects in
 * head; once the line says "run", everything after it goes straight to the
 * parser, which keeps only a partial line.  At most max_output bytes of a
 * step's stdout are taken, as the engine would have kept.
 */
enum head_state {
	HEAD_WAIT,	/* no complete status line yet */
	HEAD_LINE,	/* head holds the status line, newline included */
	HEAD_BAD	/* the first mark is followed by an empty word */
};

struct push_host {
	enum deploy_state state;
	enum head_state head_state;
	struct buf head;	/* rc-file noise and the status line; then the line */
	size_t scanned;		/* bytes of head already searched */
	size_t mark_at;		/* offset of the first mark in head, or SIZE_MAX */
	size_t line_len;	/* HEAD_LINE or HEAD_BAD: the line's bytes, newline
				   included, at the start of head */
	size_t taken;		/* this step's stdout bytes taken */
	size_t sent;		/* agent bytes the upload step sends */
	const char *up;		/* those bytes (shared), then jobs[i] */
	char up_len[24];	/* the upload step's first line: sent, "\n" */
	size_t up_len_n;
	int job_ready;		/* the status said run: the job may follow */
	int ask;		/* -K: this step may ask for the password */
	int pass_lines;		/* password lines the host asked for (0-2) */
	size_t agent_bytes;	/* of those, after the status line */
	int cut;		/* stdout passed max_output */
	int parsing;		/* the status said run: parser is live */
	int serving;		/* warm mode: the resident agent runs */
	struct results_parser parser;
	struct patrol_host got;	/* what the agent sent; the host's once it ends */
};

static void host_reset(struct push_host *ph)
{
	if (ph->parsing)
		results_release(&ph->parser);
	ph->parsing = ph->serving = 0;
	buf_release(&ph->head);
	buf_init(&ph->head, SIZE_MAX / 2);	/* the sink's max_output bounds it */
	ph->head_state = HEAD_WAIT;
	ph->scanned = ph->taken = ph->agent_bytes = ph->line_len = 0;
	ph->mark_at = SIZE_MAX;
	ph->cut = 0;
	ph->job_ready = 0;
	ph->ask = ph->pass_lines = 0;
	ph->up_len_n = ph->sent = 0;
}

static int script(struct buf *out, const char *body, const char *const *args, size_t n)
{
	int r = remote_sh(out, body, "ronda-bootstrap");

	for (size_t i = 0; i < n && r == RONDA_OK; i++) {
		r = buf_putc(out, ' ');
		if (r == RONDA_OK)
			r = remote_quote(out, args[i]);
	}
	return r;
}

/* plan is NULL in warm mode, whose profile is "serve" (AGENT_MODE). */
static int ctx_init(struct push_ctx *p, struct agent_set *agents,
		    const struct patrol_plan *plan, const char *remote_tmp, size_t n,
		    struct patrol_host *hosts, const struct push_become *bec,
		    const struct push_serve *serve)
{
	const char *profile = plan ? patrol_plan_profile(plan) : "serve";
	const char *tmp = remote_tmp ? remote_tmp : "";
	const char *user = bec && bec->user ? bec->user : "";
	const char *b1 = bec && bec->pass ? "K" : "1";
	const char *run[4 + 2 * AGENT_ARCH_MAX], *up[6];
	int r;

	memset(p, 0, sizeof(*p));
	if (bec)
		p->bec = *bec;
	p->agents = agents;
	p->plan = plan;
	p->serve = serve;
	p->n = n;
	p->profile = profile;
	p->hosts = hosts;
	p->max_output = SIZE_MAX;
	buf_init(&p->run, 1 << 16);
	buf_init(&p->run_become, 1 << 16);
	for (size_t a = 0; a < AGENT_ARCH_MAX; a++)
		for (size_t z = 0; z < 2; z++)
			for (size_t b = 0; b < 2; b++)
				buf_init(&p->upload[a][z][b], 1 << 16);
	p->jobs = calloc(n ? n : 1, sizeof(*p->jobs));
	p->host = calloc(n ? n : 1, sizeof(*p->host));
	if (!p->jobs || !p->host) {
		push_ctx_release(p);
		return RONDA_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		buf_init(&p->jobs[i], PROTO_JOB_MAX + 2);
	run[0] = profile;
	run[1] = "0";
	run[2] = tmp;
	run[3] = "";
	for (size_t a = 0; a < agents->n; a++) {
		run[4 + 2 * a] = agents->v[a].arch;
		run[5 + 2 * a] = agents->v[a].sha256;
	}
	r = plan ? patrol_plan_expect(plan, &p->expect) : RONDA_OK;
	if (r == RONDA_OK)
		r = script(&p->run, run_script, run, 4 + 2 * agents->n);
	run[1] = b1;
	run[3] = user;
	if (r == RONDA_OK)
		r = script(&p->run_become, run_script, run, 4 + 2 * agents->n);
	for (size_t a = 0; r == RONDA_OK && a < agents->n; a++) {
		up[0] = agents->v[a].sha256;
		up[1] = tmp;
		up[3] = profile;
		for (size_t z = 0; r == RONDA_OK && z < 2; z++) {
			up[2] = z ? "gzip" : "raw";
			for (size_t b = 0; r == RONDA_OK && b < 2; b++) {
				up[4] = b ? b1 : "0";
				up[5] = b ? user : "";
				r = script(&p->upload[a][z][b], upload_script, up, 6);
			}
		}
	}
	if (r)
		push_ctx_release(p);
	return r;
}

int push_ctx_init(struct push_ctx *p, struct agent_set *agents,
		  const struct patrol_plan *plan, const char *remote_tmp, size_t n,
		  struct patrol_host *hosts, const struct push_become *bec)
{
	return ctx_init(p, agents, plan, remote_tmp, n, hosts, bec, NULL);
}

int push_ctx_init_serve(struct push_ctx *p, struct agent_set *agents,
			const char *remote_tmp, size_t n, struct patrol_host *hosts,
			const struct push_serve *serve)
{
	return ctx_init(p, agents, NULL, remote_tmp, n, hosts, NULL, serve);
}

int push_opt_agent(const char **v, size_t *n, const char *arg, struct buf *err)
{
	if (*n == AGENT_ARCH_MAX) {
		buf_printf(err, "--agent: at most %d agents", AGENT_ARCH_MAX);
		return RONDA_EINVAL;
	}
	v[(*n)++] = arg;
	return RONDA_OK;
}

int push_opt_remote_tmp(const char **dir, const char *arg, struct buf *err)
{
	/* it reaches the scripts inside single quotes */
	if (arg[0] != '/' || strchr(arg, '\'')) {
		buf_printf(err, "--remote-tmp: '%.64s' must be an absolute path", arg);
		return RONDA_EINVAL;
	}
	*dir = arg;
	return RONDA_OK;
}

void push_ctx_release(struct push_ctx *p)
{
	for (size_t i = 0; p->jobs && i < p->n; i++)
		buf_release(&p->jobs[i]);
	free(p->jobs);
	p->jobs = NULL;
	for (size_t i = 0; p->host && i < p->n; i++) {
		host_reset(&p->host[i]);
		patrol_host_release(&p->host[i].got);
	}
	free(p->host);
	p->host = NULL;
	buf_release(&p->run);
	buf_release(&p->run_become);
	for (size_t a = 0; a < AGENT_ARCH_MAX; a++)
		for (size_t z = 0; z < 2; z++)
			for (size_t b = 0; b < 2; b++)
				buf_release(&p->upload[a][z][b]);
	proto_job_release(&p->expect);
}

static int is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/*
 * Looks for the status line, "\036RONDA word rest", in what head holds: the
 * first mark anywhere (rc files may print before the script starts, and
 * without a final newline), then its newline.  Only the line is kept.
 */
static void head_scan(struct push_host *ph)
{
	const char *s = buf_data(&ph->head), *m, *nl;
	size_t len = buf_len(&ph->head), mark = sizeof(STATUS_MARK) - 1, from, n;

	if (ph->mark_at == SIZE_MAX) {
		from = ph->scanned >= mark ? ph->scanned - mark + 1 : 0;
		m = len > from ? memmem(s + from, len - from, STATUS_MARK, mark) : NULL;
		ph->scanned = len;
		if (!m)
			return;
		ph->mark_at = (size_t)(m - s);
		ph->scanned = ph->mark_at;
	}
	from = ph->scanned > ph->mark_at ? ph->scanned : ph->mark_at;
	nl = memchr(s + from, '\n', len - from);
	ph->scanned = len;
	if (!nl)
		return;
	n = (size_t)(nl - s) - ph->mark_at;	/* the line, without its newline */
	ph->head_state = n <= mark ? HEAD_BAD : HEAD_LINE;
	/* the noise before the mark goes; what follows the line stays */
	memmove(ph->head.mem, s + ph->mark_at, len - ph->mark_at);
	buf_truncate(&ph->head, len - ph->mark_at);
	ph->mark_at = 0;
	ph->line_len = n + 1;
}

/* The status line's word and rest; head_state is HEAD_LINE. */
static void status_words(const struct push_host *ph, const char **word, size_t *wlen,
			 const char **rest, size_t *rlen)
{
	const char *line = buf_data(&ph->head), *nl, *sp;
	size_t mark = sizeof(STATUS_MARK) - 1, n;

	nl = memchr(line, '\n', buf_len(&ph->head));
	n = (size_t)(nl - line);
	*word = line + mark;
	sp = memchr(*word, ' ', n - mark);
	*wlen = sp ? (size_t)(sp - *word) : n - mark;
	*rest = sp ? sp + 1 : nl;
	*rlen = sp ? (size_t)(nl - sp - 1) : 0;
}

/* The agent's bytes, after the status line, to the host's parser (warm
   mode: to the daemon). */
static int to_parser(struct push_ctx *p, size_t i, const char *data, size_t n)
{
	struct push_host *ph = &p->host[i];

	ph->agent_bytes += n;
	if (!n)
		return RONDA_OK;
	if (ph->serving)
		return p->serve->out(p->serve->arg, i, data, n);
	results_feed(&ph->parser, data, n);
	return RONDA_OK;
}

/* The host's job, with "now" taken as it is sent. */
static int make_job(struct push_ctx *p, size_t i)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	buf_reset(&p->jobs[i]);
	return patrol_plan_job(p->plan, (double)now.tv_sec + now.tv_nsec / 1e9, &p->jobs[i]);
}

/*
 * A -K host said "pass": its first password line may go, and the status
 * line that follows is awaited like the first one.
 */
static void pass_asked(struct push_host *ph)
{
	size_t len = buf_len(&ph->head);

	ph->pass_lines = 1;
	memmove(ph->head.mem, buf_data(&ph->head) + ph->line_len, len - ph->line_len);
	buf_truncate(&ph->head, len - ph->line_len);
	ph->head_state = HEAD_WAIT;
	ph->mark_at = SIZE_MAX;
	ph->scanned = ph->line_len = 0;
}

/* The status line in head, once it is complete: what it lets go on stdin. */
static int head_take(struct push_ctx *p, size_t i)
{
	struct push_host *ph = &p->host[i];
	const char *w, *rest;
	size_t wl, rl;

	for (;;) {
		head_scan(ph);
		if (ph->head_state == HEAD_WAIT)
			return RONDA_OK;
		if (ph->head_state != HEAD_LINE ||
		    (ph->state != DEPLOY_RUN && ph->state != DEPLOY_UPLOAD))
			break;
		status_words(ph, &w, &wl, &rest, &rl);
		if (ph->ask && !ph->pass_lines && is(w, wl, "pass")) {
			pass_asked(ph);
			continue;
		}
		if (!is(w, wl, "run"))
			break;
		/*
		 * After an upload or a password, the job is made only now that the
		 * agent starts: its "now" must not include the wait, or the clock
		 * check would count it as skew.
		 */
		if ((ph->state == DEPLOY_UPLOAD || ph->ask) && !p->serve) {
			if (make_job(p, i))
				return RONDA_ENOMEM;
			ph->job_ready = 1;
		}
		if (ph->ask && ph->pass_lines == 1 && is(rest, rl, "pass"))
			ph->pass_lines = 2;
		/* the agent's lines follow its status line */
		if (p->serve) {
			ph->serving = 1;
			p->serve->started(p->serve->arg, i);
		} else {
			results_init(&ph->parser, &ph->got, &p->expect);
			ph->parser.why_max = sizeof(((struct host_result *)0)->why);
			ph->parsing = 1;
		}
		if (to_parser(p, i, buf_data(&ph->head) + ph->line_len,
			      buf_len(&ph->head) - ph->line_len))
			return RONDA_EPROTO;
		break;
	}
	buf_truncate(&ph->head, ph->line_len);
	return RONDA_OK;
}

/* engine_step.on_stdout of every deploy step. */
static int sink(void *arg, size_t i, const char *data, size_t n)
{
	struct push_ctx *p = arg;
	struct push_host *ph = &p->host[i];
	size_t room = p->max_output > ph->taken ? p->max_output - ph->taken : 0;

	if (n > room) {
		ph->cut = 1;
		n = room;
	}
	ph->taken += n;
	if (ph->parsing || ph->serving)
		return to_parser(p, i, data, n);
	if (ph->head_state != HEAD_WAIT || !n)
		return RONDA_OK;	/* after a status line other than run: ignored */
	if (buf_append(&ph->head, data, n) != RONDA_OK)
		return RONDA_ENOMEM;
	return head_take(p, i);
}

/* Last line of stderr, for messages. */
static void last_err(const struct host_result *r, const char **p, size_t *n)
{
	const char *s = buf_data(&r->err);
	size_t len = buf_len(&r->err);

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	*p = s;
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == '\n') {
			*p = s + i;
			break;
		}
	}
	*n = len - (size_t)(*p - s);
}

/*
 * The host's deploy sequence, one function per state.  Each is called when
 * the step its state names has ended (DEPLOY_CONNECTED: authentication),
 * and either fills next and moves to the state of that step, or ends the
 * host (DEPLOY_DONE).
 *
 *   CONNECTED -> RUN -> DONE             the cached agent ran
 *                RUN -> UPLOAD -> DONE    it was uploaded, and ran at once
 *
 * With -K the password goes within RUN or UPLOAD, as the host asks for it
 * (head_take, step_in): no step of its own.
 */
typedef int (*deploy_state_fn)(struct push_ctx *p, size_t i, const struct target *t,
			       struct host_result *r, struct engine_step *next);

static const char *const state_names[] = {
	[DEPLOY_CONNECTED] = "connected",
	[DEPLOY_RUN] = "run",
	[DEPLOY_UPLOAD] = "upload",
	[DEPLOY_DONE] = "done",
};

static void set_state(struct push_ctx *p, size_t i, const struct target *t,
		      enum deploy_state s)
{
	log_debug("%s: deploy %s -> %s", t->name, state_names[p->host[i].state], state_names[s]);
	p->host[i].state = s;
}

/* Ends the host: r->status and r->why say how. */
static int fail_host(struct push_ctx *p, size_t i, const struct target *t,
		     struct host_result *r, enum host_status st, const char *msg,
		     const char *detail, size_t dlen)
{
	r->status = st;
	snprintf(r->why, sizeof(r->why), "%s%.*s", msg, (int)dlen, detail);
	set_state(p, i, t, DEPLOY_DONE);
	return 0;
}

/* The next step streams its stdout to the host's sink; state s runs it. */
static int start_step(struct push_ctx *p, size_t i, const struct target *t,
		      struct engine_step *next, enum deploy_state s)
{
	host_reset(&p->host[i]);
	p->host[i].ask = p->bec.pass && t->become;
	next->on_stdout = sink;
	next->on_stdout_arg = p;
	set_state(p, i, t, s);
	return 1;
}

/*
 * engine_step.on_stdin of an upload, and of a -K bootstrap: the upload's
 * length line and the agent's bytes (shared by every host, never copied),
 * the password line each time the host asks for it (read in place from
 * its page: ronda makes no copy; libssh2 encrypts its packet in place),
 * then, once the host has said the agent
 * runs, the host's job.  Until a part is let go, it and the parts after
 * it count as empty: nothing more for now, and the engine asks again when
 * output has come.
 */
static int step_in(void *arg, size_t i, size_t off, const char **data, size_t *n)
{
	struct push_ctx *p = arg;
	struct push_host *ph = &p->host[i];
	const struct secret *pw = p->bec.pass;
	const char *part[5] = { ph->up_len, ph->up, pw ? pw->p : NULL, pw ? pw->p : NULL,
				buf_data(&p->jobs[i]) };
	size_t len[5] = { ph->up_len_n, ph->sent,
			  ph->pass_lines >= 1 ? pw->len : 0, ph->pass_lines >= 2 ? pw->len : 0,
			  ph->job_ready ? buf_len(&p->jobs[i]) : 0 };

	for (size_t k = 0; k < 5; off -= len[k], k++) {
		if (off < len[k]) {
			*data = part[k] + off;
			*n = len[k] - off;
			return RONDA_OK;
		}
	}
	*data = NULL;
	*n = 0;
	if (ph->serving)	/* warm mode: the daemon's frames */
		return p->serve->in(p->serve->arg, i, off, data, n);
	return RONDA_OK;
}

/* Starts the bootstrap, with the job made now; the next state is s. */
static int start_run(struct push_ctx *p, size_t i, const struct target *t,
		     struct engine_step *next, enum deploy_state s)
{
	if (!p->serve && make_job(p, i))
		return -1;
	next->cmd = t->become ? buf_data(&p->run_become) : buf_data(&p->run);
	if ((p->bec.pass && t->become) || p->serve) {
		/* -K: the password, if asked, goes first; the job when the agent runs */
		next->on_stdin = step_in;
		next->on_stdin_arg = p;
	} else {
		next->in = buf_data(&p->jobs[i]);
		next->inlen = buf_len(&p->jobs[i]);
	}
	next->eof_after_in = 0;	/* --watch-stdin: EOF would stop the agent */
	return start_step(p, i, t, next, s);
}

static int st_connected(struct push_ctx *p, size_t i, const struct target *t,
			struct host_result *r, struct engine_step *next)
{
	(void)r;
	return start_run(p, i, t, next, DEPLOY_RUN);
}

/*
 * The status line of the step that ended, or the host's end if there is
 * none: returns 1 with the word and rest set, or 0.
 */
static int status_of(struct push_ctx *p, size_t i, const struct target *t,
		     struct host_result *r, const char **w, size_t *wl,
		     const char **rest, size_t *rl)
{
	const char *e;
	size_t el;

	if (p->host[i].head_state == HEAD_LINE) {
		status_words(&p->host[i], w, wl, rest, rl);
		return 1;
	}
	last_err(r, &e, &el);
	if (t->become && strstr(buf_data(&r->err), "sudo"))
		return fail_host(p, i, t, r, RESULT_BECOME, "become: ", e, el);
	return fail_host(p, i, t, r, RESULT_DEPLOY, "bootstrap gave no status: ", e, el);
}

/* The words any step may end with: the host ends. */
static int other_word(struct push_ctx *p, size_t i, const struct target *t,
		      struct host_result *r, const char *w, size_t wl,
		      const char *rest, size_t rl)
{
	if (is(w, wl, "unsupported"))
		return fail_host(p, i, t, r, RESULT_UNSUPPORTED, "no agent for architecture ",
				 rest, rl);
	if (is(w, wl, "deploy"))
		return fail_host(p, i, t, r, RESULT_DEPLOY, "", rest, rl);
	if (is(w, wl, "become")) {
		/* sudo refused the password: its last line says why */
		if (!rl)
			last_err(r, &rest, &rl);
		return fail_host(p, i, t, r, RESULT_BECOME, "become: ", rest, rl);
	}
	return fail_host(p, i, t, r, RESULT_DEPLOY, "unexpected bootstrap status: ", w, wl);
}

/*
 * The agent ran: what it sent, decoded as it came, becomes the host's (only
 * now, so a host cut off mid-run shows nothing half-decoded).
 */
static int agent_ran(struct push_ctx *p, size_t i, const struct target *t,
		     struct host_result *r)
{
	struct push_host *ph = &p->host[i];
	struct patrol_host *h = &p->hosts[i];
	const char *e;
	size_t el;

	if (ph->agent_bytes == 0) {
		/* exec of the agent failed, or sudo refused */
		last_err(r, &e, &el);
		if (t->become && p->bec.user && strstr(buf_data(&r->err), "Permission denied")) {
			snprintf(r->why, sizeof(r->why), "become: the agent's cache is the login "
				 "user's alone, %s cannot run it: %.*s", p->bec.user, (int)el, e);
			r->status = RESULT_BECOME;
			set_state(p, i, t, DEPLOY_DONE);
			return 0;
		}
		if (t->become && strstr(buf_data(&r->err), "sudo"))
			return fail_host(p, i, t, r, RESULT_BECOME, "become: ", e, el);
		if (strstr(buf_data(&r->err), "Permission denied"))
			return fail_host(p, i, t, r, RESULT_DEPLOY,
					 "cannot execute the agent from its cache (a noexec mount? "
					 "use --remote-tmp DIR): ", e, el);
	}
	results_finish(&ph->parser);
	ph->got.conn = h->conn;
	ph->got.uploaded = h->uploaded;
	*h = ph->got;
	memset(&ph->got, 0, sizeof(ph->got));
	if (h->agent_error)
		snprintf(r->why, sizeof(r->why), "%s", h->agent_error);
	if (ph->cut && h->agent_error) {
		snprintf(r->why, sizeof(r->why), "agent output passed --max-output");
		patrol_host_set_error(h, r->why);
	}
	r->status = h->agent_error ? RESULT_AGENT : RESULT_OK;
	set_state(p, i, t, DEPLOY_DONE);
	return 0;
}

/* Warm mode: the resident agent ended, and with it the host's session. */
static int resident_ended(struct push_ctx *p, size_t i, const struct target *t,
			  struct host_result *r)
{
	const char *e;
	size_t el;
	char code[32] = "";

	last_err(r, &e, &el);
	if (r->has_exit)
		snprintf(code, sizeof(code), " (exit %d)", r->exit_code);
	if (t->become && strstr(buf_data(&r->err), "sudo"))
		return fail_host(p, i, t, r, RESULT_BECOME, "become: ", e, el);
	snprintf(r->why, sizeof(r->why), "the resident agent ended%s%s%.*s", code,
		 el ? ": " : "", (int)el, e);
	r->status = RESULT_AGENT;
	set_state(p, i, t, DEPLOY_DONE);
	return 0;
}

/* The n-th space-separated word of s[0..len), or 0 if there is none. */
static int word_at(const char *s, size_t len, int n, const char **w, size_t *wl)
{
	const char *e = s + len, *sp;

	for (;; n--) {
		sp = memchr(s, ' ', (size_t)(e - s));
		if (!n) {
			*w = s;
			*wl = sp ? (size_t)(sp - s) : (size_t)(e - s);
			return *wl > 0;
		}
		if (!sp)
			return 0;
		s = sp + 1;
	}
}

/*
 * "need missing|tampered ARCH gzip|raw": the upload of ARCH's agent, as
 * gzip where the host can unpack it (and it could be made), else raw.
 */
static int start_upload(struct push_ctx *p, size_t i, const struct target *t,
			struct host_result *r, struct engine_step *next,
			const char *rest, size_t rl)
{
	const char *arch, *enc;
	size_t al, el;
	struct agent_bin *a;
	struct push_host *ph;
	int gz;

	if (!word_at(rest, rl, 1, &arch, &al) || !word_at(rest, rl, 2, &enc, &el))
		return fail_host(p, i, t, r, RESULT_DEPLOY, "bootstrap asked for an agent "
				 "without saying which: need ", rest, rl);
	a = agent_set_find(p->agents, arch, al);
	if (!a)
		return fail_host(p, i, t, r, RESULT_DEPLOY, "bootstrap asked for an agent "
				 "ronda did not offer: ", arch, al);
	gz = is(enc, el, "gzip") && agent_bin_gzip(a) == RONDA_OK;
	next->cmd = buf_data(&p->upload[a - p->agents->v][gz][t->become ? 1 : 0]);
	next->on_stdin = step_in;
	next->on_stdin_arg = p;
	next->eof_after_in = 0;	/* --watch-stdin: EOF would stop the agent */
	start_step(p, i, t, next, DEPLOY_UPLOAD);
	ph = &p->host[i];
	ph->up = gz ? a->gz : a->data;
	ph->sent = gz ? a->gzlen : a->len;
	ph->up_len_n = (size_t)snprintf(ph->up_len, sizeof(ph->up_len), "%zu\n", ph->sent);
	log_debug("%s: uploading the %s agent, %s, %zu bytes", t->name, a->arch,
		  gz ? "gzip" : "raw", ph->sent);
	return 1;
}

/* The bootstrap ended: the agent ran, or it is missing (upload once). */
static int bootstrap_ended(struct push_ctx *p, size_t i, const struct target *t,
			   struct host_result *r, struct engine_step *next, int after_upload)
{
	const char *w, *rest;
	size_t wl, rl;

	if (!status_of(p, i, t, r, &w, &wl, &rest, &rl))
		return 0;
	if (is(w, wl, "run") && p->serve)
		return resident_ended(p, i, t, r);
	if (is(w, wl, "run"))
		return agent_ran(p, i, t, r);
	if (!is(w, wl, "need"))
		return other_word(p, i, t, r, w, wl, rest, rl);
	if (after_upload)
		return fail_host(p, i, t, r, RESULT_DEPLOY, "agent still missing after upload", "", 0);
	return start_upload(p, i, t, r, next, rest, rl);
}

static int st_run(struct push_ctx *p, size_t i, const struct target *t,
		  struct host_result *r, struct engine_step *next)
{
	return bootstrap_ended(p, i, t, r, next, 0);
}

/* The upload ended: the stored agent ran, or why it could not be stored. */
static int st_upload(struct push_ctx *p, size_t i, const struct target *t,
		     struct host_result *r, struct engine_step *next)
{
	const char *w, *rest;
	size_t wl, rl;

	if (p->host[i].head_state == HEAD_LINE) {
		status_words(&p->host[i], &w, &wl, &rest, &rl);
		if (is(w, wl, "run"))
			p->hosts[i].uploaded = p->host[i].sent;
	}
	return bootstrap_ended(p, i, t, r, next, 1);
}

static const deploy_state_fn states[] = {
	[DEPLOY_CONNECTED] = st_connected,
	[DEPLOY_RUN] = st_run,
	[DEPLOY_UPLOAD] = st_upload,
	[DEPLOY_DONE] = NULL,
};

/*
 * The agent's output was decoded as it came; once a host is done the rest
 * of its step state (stderr, the status line, the parser) goes at once.
 */
int push_plan(void *arg, size_t i, const struct target *t,
	      struct host_result *r, int step, struct engine_step *next)
{
	struct push_ctx *p = arg;
	int more = 0;

	p->hosts[i].conn = r;
	if (step == 0)	/* just authenticated */
		p->host[i].state = DEPLOY_CONNECTED;
	if (states[p->host[i].state])
		more = states[p->host[i].state](p, i, t, r, next);
	if (more <= 0) {
		host_reset(&p->host[i]);
		patrol_host_release(&p->host[i].got);
		buf_release(&r->out);
		buf_release(&r->err);
	}
	return more;
}
