/*
 * cmd_copy.c - `ronda copy PATTERN SRC... DEST` and `ronda fetch PATTERN
 * REMOTE... LOCALDIR`: files to and from every host over the channel
 * `exec` uses, with nothing on the host beyond sh and coreutils
 * (copy/copyproto.h has the scripts and the protocol).
 *
 * copy: read and hash every SRC first (copy/manifest.h), then per host
 * one step: the manifest goes in, the host answers for every entry, and
 * only then do the files it lacks follow on the same stdin, pulled from
 * disk a chunk at a time (engine_step.on_stdin; the answers come through
 * on_stdout as they arrive).  One session and one shell per host: a
 * second step cost each host another login shell.  fetch: one step whose
 * stdout streams into a parser (copy/fetchproto.h) that stores under
 * LOCALDIR/HOST/ and nowhere else (copy/fetchstore.h).  Results,
 * --json, --out, --prom and exit codes are exec's: each host's stdout is
 * its one-line tally, its stderr the entries that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "copy/copyproto.h"
#include "copy/fetchproto.h"
#include "copy/fetchstore.h"
#include "copy/manifest.h"
#include "err.h"
#include "output/report.h"
#include "proto.h"
#include "ssh/engine.h"
#include "ssh/engine_cli.h"
#include "banned.h"

enum {
	OPT_FOLD = 'b',
	OPT_QUIET = 1000,
	OPT_OWNER,
	OPT_MODE,
	OPT_MAX_SIZE,
};

static const struct option copy_long[] = {
	{ "fold", no_argument, NULL, OPT_FOLD },
	{ "no-summary", no_argument, NULL, OPT_QUIET },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "mode", required_argument, NULL, OPT_MODE },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct option fetch_long[] = {
	{ "fold", no_argument, NULL, OPT_FOLD },
	{ "no-summary", no_argument, NULL, OPT_QUIET },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char results_help[] =
	"Each host's output is one line, e.g. \"sent 1, unchanged 0, attrs 0, made 0,\n"
	"failed 0, bytes 1048576\" (fetch: \"files 3, dirs 1, links 0, failed 0,\n"
	"bytes 4096\"), then one line per entry that failed, with the host's own\n"
	"message (No space left on device, Permission denied, checksum mismatch).\n"
	"\n"
	"Exit status: 0 everything done everywhere; 1 some entry failed on some\n"
	"host; 2 some host unreachable, timed out, refused us or errored; 3\n"
	"interrupted; 64 usage; 70 internal; 78 configuration.\n";

static const char copy_help[] =
	"usage: ronda copy [OPTIONS] PATTERN SRC... DEST\n"
	"\n"
	"Pushes files, directories (recursively) and symbolic links to every host\n"
	"PATTERN selects.  Each file is written to a temporary name beside its\n"
	"place, checked on the host by size and SHA-256 (sha256sum), given its\n"
	"mode (and --owner) and renamed into place, so a reader sees the old file\n"
	"or the new one, never a part.  A file the host already has (same size and\n"
	"SHA-256) is not sent again; if only its mode or owner differ they are set\n"
	"in place (\"attrs\").  Files are read from disk as they are sent: memory\n"
	"does not grow with their size.  The host needs sh and GNU coreutils.\n"
	"\n"
	"DEST is a directory when SRC is a directory or there are several SRCs\n"
	"(it is made if missing): each SRC goes into it under its own name.  One\n"
	"file goes to DEST, or into DEST if that is a directory on the host.  A\n"
	"relative DEST is taken from the remote user's $HOME (with --become, the\n"
	"HOME sudo sets, root's by default).  In a directory, symbolic links are\n"
	"copied as links with their targets unchanged (never followed); a SRC\n"
	"given as a link is followed, as cp does.  Modes are kept, directories'\n"
	"too.\n"
	"\n"
	"Options:\n"
	"      --mode MODE          octal mode of every file sent (e.g. 0644)\n"
	"                           instead of the local one (directories keep theirs)\n"
	"      --owner USER[:GROUP] chown what is sent (names or numbers; needs\n"
	"                           the right on the host, e.g. --become)\n"
	"  -b, --fold               group hosts with identical results\n"
	"      --no-summary         results only, no summary\n";

static const char copy_examples[] =
	"\n"
	"Examples:\n"
	"  ronda copy -i inv.cfg '@web' nginx.conf /etc/nginx/nginx.conf --become\n"
	"  ronda copy -i inv.cfg 'web[01-20]' --mode 0755 tools/ bin/\n";

static const char fetch_help[] =
	"usage: ronda fetch [OPTIONS] PATTERN REMOTE... LOCALDIR\n"
	"\n"
	"Collects files and directories (recursively, links as links) from every\n"
	"host PATTERN selects into LOCALDIR/HOST/NAME, NAME being the last part of\n"
	"each REMOTE (like rpdcp, clush --rcopy, pslurp).  A relative REMOTE is\n"
	"taken from the remote user's $HOME.  What a host sends is not trusted:\n"
	"names that are absolute or have '..' are refused, nothing is ever\n"
	"written through a symbolic link or outside LOCALDIR/HOST, each file is\n"
	"checked against the SHA-256 the host sent first (a file that changed\n"
	"while it was read is not kept), written to a temporary name and renamed\n"
	"into place.  Modes keep their permission bits only.\n"
	"\n"
	"Options:\n"
	"      --max-size SIZE      bytes of files from one host, with k, M or G\n"
	"                           (default 1G); past it the host is an error\n"
	"  -b, --fold               group hosts with identical results\n"
	"      --no-summary         results only, no summary\n";

static const char fetch_examples[] =
	"\n"
	"Examples:\n"
	"  ronda fetch -i inv.cfg '@web' /var/log/nginx/error.log logs/\n"
	"  ronda fetch -i inv.cfg 'db[1-4]' /etc/postgresql ./configs\n";

/* One host of a copy run. */
struct copy_host {
	unsigned char *answered;	/* per manifest entry */
	size_t *need, n_need;
	size_t n_probed;		/* entries answered after the manifest */
	size_t same, meta, made, sent, failed;
	uint64_t bytes;
	int done;			/* the script said so */
	struct buf line;		/* an answer line not yet complete */
	struct buf errs;
	struct copy_stream stream;
	int streaming;
	char why[160];			/* an answer not understood */
};

struct copy_ctx {
	struct engine_cli ec;
	struct copy_manifest m;
	struct buf manifest;		/* the start of the script's stdin */
	struct buf cmd, cmd_become;		/* the remote command (copy's or fetch's) */
	struct copy_host *hosts;
	const char *owner;
	int mode;			/* --mode, or -1 */
	int fold, quiet;
	uint64_t max_size;		/* fetch */
	int top;			/* fetch: LOCALDIR */
	struct fetch_store *stores;	/* fetch */
	struct fetch_parser *parsers;
	unsigned char *opened;
};

static int copy_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct copy_ctx *x = ctx;
	char *end;
	long v;
	uint64_t size;

	switch (val) {
	case OPT_FOLD:
		x->fold = 1;
		return RONDA_OK;
	case OPT_QUIET:
		x->quiet = 1;
		return RONDA_OK;
	case OPT_OWNER:
		if (!*arg || strchr(arg, ' ') || strchr(arg, '\n') || arg[0] == '-' ||
		    strcmp(arg, ":") == 0) {
			buf_printf(err, "--owner: '%.64s' is not USER[:GROUP]", arg);
			return RONDA_EINVAL;
		}
		x->owner = arg;
		return RONDA_OK;
	case OPT_MODE:
		errno = 0;
		v = strtol(arg, &end, 8);
		if (errno || end == arg || *end || v < 0 || v > 07777) {
			buf_printf(err, "--mode: '%.32s' is not an octal mode (0000-7777)", arg);
			return RONDA_EINVAL;
		}
		x->mode = (int)v;
		return RONDA_OK;
	case OPT_MAX_SIZE:
		if (proto_size_parse(arg, &size) || !size) {
			buf_printf(err, "--max-size: '%.32s' is not a size", arg);
			return RONDA_EINVAL;
		}
		x->max_size = size;
		return RONDA_OK;
	}
	return engine_cli_option(&x->ec, val, arg, err);
}

/* Extra descriptors a host holds beside its socket (file, directories). */
static void fit_forks(struct engine_cli *ec, int extra)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	room = ((long)rl.rlim_cur - 64) / (2 + extra);
	if (room < 1)
		room = 1;
	if (ec->eo.forks > room)
		ec->eo.forks = (int)room;
}

/* What h->answered says of an entry. */
enum { ANS_NONE, ANS_PROBED, ANS_WAITING, ANS_SENT };

/*
 * Bytes sent ahead of what the host's shell tools have read (engine_step.
 * in_flight): 256 KiB kept sshd's CPU per host 6 ms lower for 1 MiB than
 * the whole 2 MiB window, at 200 hosts; 160 KiB did no better.
 */
#define COPY_IN_FLIGHT (256 * 1024)

/* An answer line longer than this is noise (an rc file's): its end is kept. */
#define LINE_MAX_KEEP (16 * 1024)

/*
 * One answer: each entry is answered once after the manifest, and each
 * needed file once more after its bytes.  RONDA_EPARSE for an answer out
 * of turn.
 */
static int answer(struct copy_ctx *x, struct copy_host *h, const struct copy_reply *a)
{
	const struct copy_entry *e = &x->m.v[a->index];
	unsigned char *st = &h->answered[a->index];

	if (a->word == COPY_DONE) {
		h->done = 1;
		return RONDA_OK;
	}
	if (h->done)
		return RONDA_EPARSE;
	if (*st == ANS_WAITING) {
		if (a->word != COPY_SENT && a->word != COPY_ERR)
			return RONDA_EPARSE;
		*st = ANS_SENT;
	} else if (*st == ANS_NONE) {
		if (a->word == COPY_SENT || (a->word == COPY_NEED && e->type != 'f'))
			return RONDA_EPARSE;
		*st = a->word == COPY_NEED ? ANS_WAITING : ANS_PROBED;
		h->n_probed++;
	} else {
		return RONDA_EPARSE;
	}
	switch (a->word) {
	case COPY_SAME: h->same++; break;
	case COPY_META: h->meta++; break;
	case COPY_MADE: h->made++; break;
	case COPY_SENT: h->sent++; h->bytes += e->size; break;
	case COPY_NEED: h->need[h->n_need++] = a->index; break;
	case COPY_ERR:
		h->failed++;
		buf_append(&h->errs, a->text, a->text_len);
		buf_putc(&h->errs, '\n');
		break;
	case COPY_DONE:
		break;
	}
	/* every entry answered: the files it needs may go */
	if (h->n_probed == x->m.n && h->n_need && !h->streaming) {
		copy_stream_init(&h->stream, &x->m, h->need, h->n_need);
		h->streaming = 1;
	}
	return RONDA_OK;
}

/* engine_step.on_stdout: the answers, as complete lines come. */
static int copy_sink(void *arg, size_t i, const char *data, size_t n)
{
	struct copy_ctx *x = arg;
	struct copy_host *h = &x->hosts[i];
	const char *p, *end, *nl;
	struct copy_reply a;
	int r;

	if (buf_append(&h->line, data, n))
		return RONDA_ENOMEM;
	p = buf_data(&h->line);
	nl = memrchr(p, '\n', buf_len(&h->line));
	if (!nl) {
		if (buf_len(&h->line) > 2 * LINE_MAX_KEEP)
			buf_consume(&h->line, buf_len(&h->line) - LINE_MAX_KEEP);
		return RONDA_OK;
	}
	end = nl + 1;
	while ((r = copy_reply_next(&p, end, x->m.n, &a)) == RONDA_OK)
		if ((r = answer(x, h, &a)) != RONDA_OK)
			break;
	if (r != RONDA_ENOTFOUND) {
		snprintf(h->why, sizeof(h->why), "the copy script gave an answer not understood");
		return RONDA_EPARSE;
	}
	buf_consume(&h->line, (size_t)(end - buf_data(&h->line)));
	return RONDA_OK;
}

/*
 * engine_step.on_stdin: the manifest, then nothing until every entry is
 * answered, then the files the host needs; EOF after them.
 */
static int copy_pull(void *arg, size_t i, size_t off, const char **data, size_t *n)
{
	struct copy_ctx *x = arg;
	struct copy_host *h = &x->hosts[i];
	size_t mlen = buf_len(&x->manifest);

	if (off < mlen) {
		*data = buf_data(&x->manifest) + off;
		*n = mlen - off;
		return RONDA_OK;
	}
	*data = "";
	*n = 0;
	if (h->n_probed < x->m.n)
		return RONDA_EAGAIN;
	return h->streaming ? copy_stream_pull(&h->stream, off - mlen, data, n) : RONDA_OK;
}

/* Every entry answered, and the needed ones once more, else why not. */
static int check_answers(struct copy_ctx *x, struct copy_host *h)
{
	if (!h->done || h->n_probed < x->m.n)
		return RONDA_EPROTO;
	/* the script stops at a write that failed half way */
	for (size_t i = 0; i < x->m.n; i++) {
		if (h->answered[i] == ANS_WAITING) {
			h->failed++;
			buf_printf(&h->errs, "%s: not sent: the host stopped at an earlier error\n",
				   x->m.v[i].rel);
		}
	}
	return RONDA_OK;
}

/* The host's result: the tally on stdout, failed entries on stderr. */
static void copy_finish(struct copy_ctx *x, struct copy_host *h, struct host_result *r)
{
	buf_reset(&r->out);
	buf_reset(&r->err);
	buf_printf(&r->out, "sent %zu, unchanged %zu, attrs %zu, made %zu, failed %zu, bytes %llu\n",
		   h->sent, h->same, h->meta, h->made, h->failed, (unsigned long long)h->bytes);
	buf_append(&r->err, buf_data(&h->errs), buf_len(&h->errs));
	if (h->failed && r->status == RESULT_OK) {
		r->status = RESULT_FAILED;
		snprintf(r->why, sizeof(r->why), "%zu of %zu entries failed", h->failed, x->m.n);
	}
}

static int copy_plan(void *arg, size_t i, const struct target *t,
		     struct host_result *r, int step, struct engine_step *next)
{
	struct copy_ctx *x = arg;
	struct copy_host *h = &x->hosts[i];

	if (step == 0) {
		if (!(h->answered = calloc(x->m.n ? x->m.n : 1, 1)) ||
		    !(h->need = calloc(x->m.n ? x->m.n : 1, sizeof(*h->need))))
			return -1;
		next->cmd = buf_data(t->become ? &x->cmd_become : &x->cmd);
		next->on_stdin = copy_pull;
		next->on_stdin_arg = x;
		next->on_stdout = copy_sink;
		next->on_stdout_arg = x;
		next->eof_after_in = 1;
		next->in_flight = COPY_IN_FLIGHT;
		return 1;
	}
	if (h->streaming) {
		copy_stream_release(&h->stream);
		h->streaming = 0;
	}
	if (r->status != RESULT_OK)
		return 0;
	if (check_answers(x, h) != RONDA_OK) {
		r->status = RESULT_PROTOCOL;
		snprintf(r->why, sizeof(r->why), "the copy script did not finish: %.120s",
			 buf_data(&r->err));
	}
	copy_finish(x, h, r);
	return 0;
}

/* Output, --json, --prom and --out as exec has them; the exit code. */
static int report(struct copy_ctx *x, const struct cli_opts *o, const struct target_list *tl,
		  struct host_result *res, int interrupted, const char *who,
		  char **argv, size_t argc)
{
	char run_dir[4096];

	if (o->json) {
		report_json(stdout, tl, res);
	} else {
		report_outputs(stdout, tl, res, x->fold, !isatty(STDOUT_FILENO));
		fflush(stdout);
		if (!x->quiet)
			report_summary(stderr, tl, res, color_use(o->color, STDERR_FILENO));
	}
	if (o->prom_file && report_prom(o->prom_file, tl, res, engine_cli_now() - x->ec.started))
		fprintf(stderr, "%s: cannot write %s\n", who, o->prom_file);
	if (o->out_dir) {
		if (report_out(o->out_dir, tl, res, argv, argc, NULL, run_dir, sizeof(run_dir)) == RONDA_OK)
			fprintf(stderr, "%s: results in %s\n", who, run_dir);
		else
			fprintf(stderr, "%s: cannot write results under %s\n", who, o->out_dir);
	}
	return report_exit_code(res, tl->n, interrupted);
}

static void ctx_init(struct copy_ctx *x)
{
	memset(x, 0, sizeof(*x));
	engine_cli_init(&x->ec);
	copy_manifest_init(&x->m);
	buf_init(&x->manifest, (size_t)1 << 30);
	buf_init(&x->cmd, 1 << 20);
	buf_init(&x->cmd_become, 1 << 20);
	x->mode = -1;
	x->max_size = (uint64_t)1 << 30;
	x->top = -1;
}

static void ctx_release(struct copy_ctx *x, size_t n)
{
	for (size_t i = 0; x->hosts && i < n; i++) {
		free(x->hosts[i].answered);
		free(x->hosts[i].need);
		buf_release(&x->hosts[i].line);
		buf_release(&x->hosts[i].errs);
		if (x->hosts[i].streaming)
			copy_stream_release(&x->hosts[i].stream);
	}
	for (size_t i = 0; x->opened && i < n; i++) {
		if (x->opened[i] & 1)
			fetch_store_release(&x->stores[i]);
		if (x->opened[i] & 2)
			fetch_parser_release(&x->parsers[i]);
	}
	free(x->hosts);
	free(x->stores);
	free(x->parsers);
	free(x->opened);
	if (x->top >= 0)
		close(x->top);
	copy_manifest_release(&x->m);
	buf_release(&x->manifest);
	buf_release(&x->cmd);
	buf_release(&x->cmd_become);
	engine_cli_release(&x->ec);
}

/*
 * Shared start of both commands: options, PATTERN and at least two more
 * operands, targets, engine options.  RONDA_OK, or *code is the exit.
 */
static int start(struct copy_ctx *x, struct cli_opts *o, struct target_list *tl,
		 int argc, char **argv, const struct option *longs, const char *help,
		 const char *examples, const char *usage, const char *who, int *code)
{
	struct buf err;
	int rc;

	buf_init(&err, 4096);
	rc = cli_parse(o, argc, argv, longs, "b", copy_extra, x, &err);
	if (rc == RONDA_OK && o->help) {
		printf("%s\n%s\n%s\n%s%s", help, results_help, engine_cli_help, cli_common_help,
		       examples);
		*code = EXIT_OK;
		rc = RONDA_EAGAIN;
		goto out;
	}
	if (rc == RONDA_OK && (!o->n_include || o->n_args < 2 || o->has_dashdash)) {
		buf_reset(&err);
		buf_puts(&err, usage);
		rc = RONDA_EINVAL;
	}
	if (rc == RONDA_OK)
		rc = cli_targets(o, tl, &err);
	if (rc) {
		fprintf(stderr, "%s: %s\n", who, buf_data(&err));
		*code = cli_exit_code(rc);
		goto out;
	}
	if ((rc = engine_cli_finish(&x->ec, o, &err))) {
		fprintf(stderr, "%s: %s\n", who, buf_data(&err));
		*code = EXIT_CONFIG;
	}
out:
	buf_release(&err);
	return rc;
}

int cmd_copy(int argc, char **argv)
{
	struct copy_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct host_result *res = NULL;
	struct buf err;
	const char *dest, *base = NULL;
	int rc, code = EXIT_SOFTWARE;

	ctx_init(&x);
	cli_opts_init(&o);
	target_list_init(&tl);
	buf_init(&err, 4096);
	if (start(&x, &o, &tl, argc, argv, copy_long, copy_help, copy_examples,
		  "usage: ronda copy [OPTIONS] PATTERN SRC... DEST", "ronda copy", &code))
		goto out;
	dest = o.args[o.n_args - 1];
	if (!*dest || strchr(dest, '\n')) {
		fprintf(stderr, "ronda copy: DEST '%.64s' is empty or has a newline\n", dest);
		code = EXIT_USAGE;
		goto out;
	}
	/* parse everything first: every SRC is read before any host is reached */
	for (size_t i = 0; i + 1 < o.n_args; i++) {
		int single = o.n_args == 2 && dest[strlen(dest) - 1] != '/';

		rc = copy_manifest_add(&x.m, o.args[i], single, x.mode, &err);
		if (rc == RONDA_OK && single && x.m.n && x.m.v[0].type != 'f') {
			/* one directory or link: DEST is its parent after all */
			copy_manifest_release(&x.m);
			rc = copy_manifest_add(&x.m, o.args[i], 0, x.mode, &err);
		} else if (rc == RONDA_OK && single) {
			base = strrchr(o.args[i], '/');
			base = base ? base + 1 : o.args[i];
		}
		if (rc) {
			fprintf(stderr, "ronda copy: %s\n", buf_data(&err));
			code = rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_USAGE;
			goto out;
		}
	}
	if (copy_manifest_text(&x.m, &x.manifest) ||
	    copy_command(&x.cmd, dest, base, x.owner, 0) ||
	    copy_command(&x.cmd_become, dest, base, x.owner, 1)) {
		fprintf(stderr, "ronda copy: the file list is too long\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (!tl.n || !x.m.n) {
		code = EXIT_OK;
		goto out;
	}
	fit_forks(&x.ec, 1);
	res = calloc(tl.n, sizeof(*res));
	x.hosts = calloc(tl.n, sizeof(*x.hosts));
	if (!res || !x.hosts)
		goto out;
	for (size_t i = 0; i < tl.n; i++) {
		buf_init(&x.hosts[i].line, 4 * LINE_MAX_KEEP);
		buf_init(&x.hosts[i].errs, 64 * 1024);
	}
	x.ec.eo.plan = copy_plan;
	x.ec.eo.plan_arg = &x;
	rc = engine_cli_run(&x.ec, &tl, o.json, res, "ronda copy", &code);
	if (rc && rc != RONDA_EAGAIN)
		goto out;
	for (size_t i = 0; i < tl.n; i++) {
		struct copy_host *h = &x.hosts[i];

		if (res[i].status != RESULT_ERROR)
			continue;
		if (h->stream.why[0])
			snprintf(res[i].why, sizeof(res[i].why), "%s", h->stream.why);
		if (h->why[0]) {
			/* the host broke the protocol: its tally as far as it went */
			res[i].status = RESULT_PROTOCOL;
			snprintf(res[i].why, sizeof(res[i].why), "%s", h->why);
			copy_finish(&x, h, &res[i]);
		}
	}
	code = report(&x, &o, &tl, res, rc == RONDA_EAGAIN, "ronda copy", argv, (size_t)argc);
out:
	fflush(stdout);
	if (res)
		for (size_t i = 0; i < tl.n; i++)
			host_result_release(&res[i]);
	free(res);
	ctx_release(&x, tl.n);
	target_list_release(&tl);
	cli_opts_release(&o);
	buf_release(&err);
	return code;
}

static int fetch_sink(void *arg, size_t i, const char *data, size_t n)
{
	struct copy_ctx *x = arg;

	return fetch_parser_feed(&x->parsers[i], data, n);
}

static int fetch_plan(void *arg, size_t i, const struct target *t,
		      struct host_result *r, int step, struct engine_step *next)
{
	struct copy_ctx *x = arg;
	struct fetch_store *s = &x->stores[i];
	struct fetch_parser *p = &x->parsers[i];
	struct buf err;
	int rc;

	if (step == 0) {
		buf_init(&err, 512);
		rc = fetch_store_open(s, x->top, t->name, &err);
		x->opened[i] |= 1;
		if (rc == RONDA_OK) {
			rc = fetch_parser_init(p, &fetch_store_ops, s, x->max_size);
			x->opened[i] |= 2;
		}
		if (rc) {
			r->status = RESULT_ERROR;
			snprintf(r->why, sizeof(r->why), "%s", buf_len(&err) ? buf_data(&err) : ronda_strerror(rc));
			buf_release(&err);
			return 0;
		}
		buf_release(&err);
		next->cmd = buf_data(t->become ? &x->cmd_become : &x->cmd);
		next->eof_after_in = 1;
		next->on_stdout = fetch_sink;
		next->on_stdout_arg = x;
		return 1;
	}
	if (r->status == RESULT_OK && fetch_parser_finish(p) != RONDA_OK) {
		r->status = RESULT_PROTOCOL;
		snprintf(r->why, sizeof(r->why), "%s", p->why);
	}
	buf_reset(&r->out);
	buf_printf(&r->out, "files %zu, dirs %zu, links %zu, failed %zu, bytes %llu\n",
		   s->files, s->dirs, s->links, s->failed, (unsigned long long)s->bytes);
	if (s->failed > FETCH_ERRS_MAX)
		buf_printf(&s->errs, "... and %zu more\n", s->failed - FETCH_ERRS_MAX);
	buf_reset(&r->err);
	buf_append(&r->err, buf_data(&s->errs), buf_len(&s->errs));
	if (s->failed && r->status == RESULT_OK) {
		r->status = RESULT_FAILED;
		snprintf(r->why, sizeof(r->why), "%zu entries not fetched", s->failed);
	}
	return 0;
}

/* Each REMOTE's last part names what lands in LOCALDIR/HOST/: one each. */
static int remotes_ok(const struct cli_opts *o, struct buf *err)
{
	for (size_t i = 0; i + 1 < o->n_args; i++) {
		const char *a = o->args[i], *b;
		size_t len = strlen(a);

		while (len > 1 && a[len - 1] == '/')
			len--;
		b = memrchr(a, '/', len);
		b = b ? b + 1 : a;
		if (!len || !fetch_name_ok(b, len - (size_t)(b - a)) || strchr(a, '\n')) {
			buf_printf(err, "REMOTE '%.64s' must end in a name (not /, . or ..)", a);
			return RONDA_EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			const char *c = o->args[j], *cb;
			size_t clen = strlen(c);

			while (clen > 1 && c[clen - 1] == '/')
				clen--;
			cb = memrchr(c, '/', clen);
			cb = cb ? cb + 1 : c;
			if (clen - (size_t)(cb - c) == len - (size_t)(b - a) && memcmp(cb, b, len - (size_t)(b - a)) == 0) {
				buf_printf(err, "'%.64s' and '%.64s' would land in the same place", c, a);
				return RONDA_EINVAL;
			}
		}
	}
	return RONDA_OK;
}

int cmd_fetch(int argc, char **argv)
{
	struct copy_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct host_result *res = NULL;
	struct buf err;
	const char *localdir;
	int rc, code = EXIT_SOFTWARE;

	ctx_init(&x);
	cli_opts_init(&o);
	target_list_init(&tl);
	buf_init(&err, 4096);
	if (start(&x, &o, &tl, argc, argv, fetch_long, fetch_help, fetch_examples,
		  "usage: ronda fetch [OPTIONS] PATTERN REMOTE... LOCALDIR", "ronda fetch", &code))
		goto out;
	localdir = o.args[o.n_args - 1];
	if (remotes_ok(&o, &err)) {
		fprintf(stderr, "ronda fetch: %s\n", buf_data(&err));
		code = EXIT_USAGE;
		goto out;
	}
	if (fetch_command(&x.cmd, o.args, o.n_args - 1, 0) ||
	    fetch_command(&x.cmd_become, o.args, o.n_args - 1, 1)) {
		fprintf(stderr, "ronda fetch: the remote paths are too long\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (mkdir(localdir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "ronda fetch: %s: %s\n", localdir, strerror(errno));
		code = EXIT_CONFIG;
		goto out;
	}
	if ((x.top = open(localdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ronda fetch: %s: %s\n", localdir, strerror(errno));
		code = EXIT_CONFIG;
		goto out;
	}
	if (!tl.n) {
		code = EXIT_OK;
		goto out;
	}
	fit_forks(&x.ec, 3);
	res = calloc(tl.n, sizeof(*res));
	x.stores = calloc(tl.n, sizeof(*x.stores));
	x.parsers = calloc(tl.n, sizeof(*x.parsers));
	x.opened = calloc(tl.n, 1);
	if (!res || !x.stores || !x.parsers || !x.opened)
		goto out;
	x.ec.eo.plan = fetch_plan;
	x.ec.eo.plan_arg = &x;
	rc = engine_cli_run(&x.ec, &tl, o.json, res, "ronda fetch", &code);
	if (rc && rc != RONDA_EAGAIN)
		goto out;
	/* a stream the parser stopped: the host broke the protocol, and why */
	for (size_t i = 0; i < tl.n; i++) {
		if (x.parsers[i].why[0] && res[i].status == RESULT_ERROR) {
			res[i].status = RESULT_PROTOCOL;
			snprintf(res[i].why, sizeof(res[i].why), "%s", x.parsers[i].why);
		}
	}
	code = report(&x, &o, &tl, res, rc == RONDA_EAGAIN, "ronda fetch", argv, (size_t)argc);
out:
	fflush(stdout);
	if (res)
		for (size_t i = 0; i < tl.n; i++)
			host_result_release(&res[i]);
	free(res);
	ctx_release(&x, tl.n);
	target_list_release(&tl);
	cli_opts_release(&o);
	buf_release(&err);
	return code;
}
