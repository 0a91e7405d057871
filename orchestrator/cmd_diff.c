/*
 * cmd_diff.c - `ronda diff RUN1 RUN2`: what changed between two patrol
 * runs written by --out.
 *
 * Steps: resolve each operand to a run directory (a directory holding
 * run.json and hosts/; or DIR/latest, DIR/previous; or a single DIR for
 * its previous and latest runs, stamps sorted in natural order); read
 * every hosts/HOST.json and decode it (diff.h: a bad verdict or a host
 * twice is an error naming the file); compare; print for people or as
 * JSON; exit 1 if anything got worse.  Nothing here touches the network.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "output/diff.h"
#include "banned.h"

/* A hosts/HOST.json holds one host's results; anything bigger is not ours. */
#define HOST_FILE_MAX (64u << 20)

static const char diff_help[] =
	"usage: ronda diff [--json] RUN1 RUN2\n"
	"       ronda diff [--json] DIR\n"
	"\n"
	"Compares two patrol runs written by --out DIR (each run is a directory\n"
	"DIR/YYYY-MM-DDTHHMMSSZ holding run.json and hosts/) and prints what\n"
	"changed from RUN1 to RUN2: new failures and warnings (tasks that got\n"
	"worse, hosts folded), recovered tasks, hosts that became unreachable or\n"
	"errored and hosts patrolled again, hosts added or removed, rebooted\n"
	"hosts, and changed facts (kernel, os, os_version, arch, cpus, memory).\n"
	"\n"
	"RUN may also be DIR/latest or DIR/previous (the newest two runs under\n"
	"DIR); a single DIR compares DIR/previous with DIR/latest.\n"
	"\n"
	"Options:\n"
	"      --json               the changes as one JSON object\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 nothing got worse; 1 something got worse (a new failure\n"
	"or warning, a host now unreachable or errored); 64 usage (an operand\n"
	"that is not a run, fewer than two runs under DIR); 78 a file of a run\n"
	"cannot be read or parsed (the message names it).\n";

static int is_run(const char *dir)
{
	struct buf p;
	int ok;

	buf_init(&p, 8192);
	ok = buf_printf(&p, "%s/run.json", dir) == RONDA_OK && access(buf_data(&p), R_OK) == 0;
	buf_reset(&p);
	ok = ok && buf_printf(&p, "%s/hosts", dir) == RONDA_OK && access(buf_data(&p), X_OK) == 0;
	buf_release(&p);
	return ok;
}

static int name_cmp(const void *a, const void *b)
{
	return hostlist_natural_cmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The run `back` places before the newest under dir (0: latest,
 * 1: previous) into out.  RONDA_ENOTFOUND if dir has too few runs.
 */
static int nth_run(const char *dir, size_t back, struct buf *out, struct buf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct hostlist runs;
	struct buf p;
	size_t n = 0;
	int r = RONDA_OK;

	if (!d) {
		buf_printf(err, "cannot open %s: %s", dir, strerror(errno));
		return RONDA_ENOTFOUND;
	}
	hostlist_init(&runs);
	buf_init(&p, 8192);
	while (r == RONDA_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&p);
		if (buf_printf(&p, "%s/%s", dir, e->d_name) == RONDA_OK && is_run(buf_data(&p)))
			r = hostlist_push(&runs, e->d_name, strlen(e->d_name));
	}
	closedir(d);
	if (r == RONDA_OK) {
		n = runs.n;
		qsort(runs.v, n, sizeof(*runs.v), name_cmp);
		if (n <= back) {
			buf_printf(err, "%s holds %zu run(s); need %zu", dir, n, back + 1);
			r = RONDA_ENOTFOUND;
		} else {
			r = buf_printf(out, "%s/%s", dir, runs.v[n - 1 - back]);
		}
	}
	buf_release(&p);
	hostlist_release(&runs);
	return r;
}

/* An operand as a run directory: itself, or DIR/latest, DIR/previous. */
static int resolve(const char *arg, struct buf *out, struct buf *err)
{
	const char *slash = strrchr(arg, '/');
	const char *last = slash ? slash + 1 : arg;
	size_t back = strcmp(last, "latest") == 0 ? 0 : strcmp(last, "previous") == 0 ? 1 : 2;
	struct buf parent;
	int r;

	if (is_run(arg))
		return buf_puts(out, arg);
	if (back == 2) {
		buf_printf(err, "%s is not a run directory (no run.json and hosts/; see --out)", arg);
		return RONDA_ENOTFOUND;
	}
	buf_init(&parent, 8192);
	r = buf_append(&parent, arg, slash ? (size_t)(slash - arg) : 0);
	if (r == RONDA_OK)
		r = nth_run(slash ? (slash == arg ? "/" : buf_data(&parent)) : ".", back, out, err);
	buf_release(&parent);
	return r;
}

/* Every hosts/HOST.json of run, each decoded once (diff.h), sorted by host. */
static int load_run(const char *run, struct diff_run *out, struct buf *err)
{
	struct buf p, file;
	struct dirent *e;
	DIR *d = NULL;
	int r = RONDA_ENOMEM;

	diff_run_init(out);
	buf_init(&p, 8192);
	buf_init(&file, 8192);
	if (buf_printf(&p, "%s/hosts", run))
		goto out;
	d = opendir(buf_data(&p));
	if (!d) {
		buf_printf(err, "cannot open %s: %s", buf_data(&p), strerror(errno));
		r = RONDA_EPARSE;
		goto out;
	}
	r = RONDA_OK;
	while (r == RONDA_OK && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		json_error_t je;
		const char *name;
		json_t *o;
		int fd;

		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		buf_reset(&file);
		if (buf_printf(&file, "%s/%s", buf_data(&p), e->d_name)) {
			r = RONDA_ENOMEM;
			break;
		}
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		o = fd >= 0 ? json_loadfd(fd, JSON_REJECT_DUPLICATES, &je) : NULL;
		if (fd >= 0)
			close(fd);
		if (!o) {
			buf_printf(err, "%s: %s", buf_data(&file), fd < 0 ? strerror(errno) : je.text);
			r = RONDA_EPARSE;
			break;
		}
		/* the file's own name is the host's name when the object lacks one */
		name = json_string_value(json_object_get(o, "host"));
		r = diff_run_add(out, name ? name : e->d_name, name ? strlen(name) : len - 5, o,
				 buf_data(&file), err);
		json_decref(o);
	}
	if (r == RONDA_OK)
		r = diff_run_seal(out, err);
out:
	if (d)
		closedir(d);
	buf_release(&p);
	buf_release(&file);
	if (r)
		diff_run_release(out);
	return r;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct buf run[2], err;
	struct diff_run runs[2];
	json_t *d = NULL;
	int json = 0, c, r = RONDA_OK, code = EXIT_USAGE;

	buf_init(&run[0], 8192);
	buf_init(&run[1], 8192);
	buf_init(&err, 4096);
	diff_run_init(&runs[0]);
	diff_run_init(&runs[1]);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(diff_help, stdout);
			code = EXIT_OK;
			goto out;
		} else {
			fputs("ronda diff: see --help\n", stderr);
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1) {
		r = nth_run(argv[0], 1, &run[0], &err);
		if (r == RONDA_OK)
			r = nth_run(argv[0], 0, &run[1], &err);
	} else if (argc == 2) {
		r = resolve(argv[0], &run[0], &err);
		if (r == RONDA_OK)
			r = resolve(argv[1], &run[1], &err);
	} else {
		fputs("usage: ronda diff [--json] RUN1 RUN2 (see --help)\n", stderr);
		goto out;
	}
	if (r) {
		fprintf(stderr, "ronda diff: %s\n", buf_len(&err) ? buf_data(&err) : ronda_strerror(r));
		code = r == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_USAGE;
		goto out;
	}
	for (int i = 0; i < 2 && r == RONDA_OK; i++)
		r = load_run(buf_data(&run[i]), &runs[i], &err);
	if (r == RONDA_OK)
		r = diff_runs(&runs[0], &runs[1], &d);
	if (r) {
		fprintf(stderr, "ronda diff: %s\n", buf_len(&err) ? buf_data(&err) : ronda_strerror(r));
		code = r == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
		goto out;
	}
	json_object_set_new(d, "old", json_string(buf_data(&run[0])));
	json_object_set_new(d, "new", json_string(buf_data(&run[1])));
	if (json) {
		r = json_dumpf(d, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
		    fputc('\n', stdout) != EOF ? RONDA_OK : RONDA_ESYS;
	} else {
		printf("ronda diff %s -> %s\n", buf_data(&run[0]), buf_data(&run[1]));
		r = patrol_diff_print(stdout, d);
	}
	code = r ? EXIT_SOFTWARE : json_is_true(json_object_get(d, "worse")) ? EXIT_FAILED : EXIT_OK;
out:
	fflush(stdout);
	json_decref(d);
	diff_run_release(&runs[0]);
	diff_run_release(&runs[1]);
	buf_release(&run[0]);
	buf_release(&run[1]);
	buf_release(&err);
	return code;
}
