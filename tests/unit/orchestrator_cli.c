/*
 * orchestrator_cli.c - the options every subcommand shares
 * (orchestrator/cli.c): defaults, where the pattern and operands go,
 * options after the pattern, the "--" that ends them (and one that is an
 * option's value), each bad value's message, and the exit codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/settings.h"
#include "inventory/shard.h"
#include "inventory/target.h"
#include "banned.h"

/* A NULL-terminated argv that getopt may permute. */
struct args {
	char *v[32];
	int n;
};

static void args_release(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Splits words on single spaces ("" is no word). */
static void args_set(struct args *a, const char *words)
{
	const char *p = words;

	args_release(a);
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		assert_true(a->n < 31);
		a->v[a->n] = strndup(p, len);
		assert_non_null(a->v[a->n]);
		a->n++;
		p += len + (e != NULL);
	}
	a->v[a->n] = NULL;
}

struct run {
	struct args a;
	struct cli_opts o;
	struct buf err;
	int rc;
};

static int extra_calls;
static const char *extra_arg;

static int on_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	(void)ctx;
	extra_calls++;
	extra_arg = arg;
	if (val == 1001 && strcmp(arg, "bad") == 0) {
		buf_printf(err, "--mode: '%s' is not good", arg);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

static const struct option extra[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "mode", required_argument, NULL, 1001 },
	{ NULL, 0, NULL, 0 },
};

/* Parses words (argv[0] first) into r, with the extra options above. */
static int parse(struct run *r, const char *words)
{
	cli_opts_release(&r->o);
	buf_reset(&r->err);
	args_set(&r->a, words);
	extra_calls = 0;
	extra_arg = NULL;
	r->rc = cli_parse(&r->o, r->a.n, r->a.v, extra, "l", on_extra, NULL, &r->err);
	return r->rc;
}

static int setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	cli_opts_init(&r->o);
	buf_init(&r->err, 4096);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct run *r = *state;

	cli_opts_release(&r->o);
	args_release(&r->a);
	buf_release(&r->err);
	free(r);
	return 0;
}

static void test_defaults(void **state)
{
	struct run *r = *state;

	assert_int_equal(parse(r, "hosts"), RONDA_OK);
	assert_null(r->o.inventory);
	assert_int_equal(r->o.forks, CLI_DEFAULT_FORKS);
	assert_int_equal(r->o.forks, 256);
	assert_int_equal(r->o.hostkeys, HOSTKEYS_STRICT);
	assert_int_equal(r->o.over.set, 0);
	assert_int_equal(r->o.n_include, 0);
	assert_int_equal(r->o.n_exclude, 0);
	assert_int_equal(r->o.n_args, 0);
	assert_int_equal(r->o.n_command, 0);
	assert_false(r->o.has_dashdash);
	assert_false(r->o.json);
	assert_false(r->o.help);
	assert_int_equal(r->o.verbose, 0);
	assert_null(r->o.out_dir);
	assert_null(r->o.prom_file);
}

/* The first operand is the pattern, before every -w; the rest are args. */
static void test_operands(void **state)
{
	struct run *r = *state;

	assert_int_equal(parse(r, "run -w a web b -x c c2 -w d"), RONDA_OK);
	assert_int_equal(r->o.n_include, 3);
	assert_string_equal(r->o.include[0], "web");
	assert_string_equal(r->o.include[1], "a");
	assert_string_equal(r->o.include[2], "d");
	assert_int_equal(r->o.n_exclude, 1);
	assert_string_equal(r->o.exclude[0], "c");
	assert_int_equal(r->o.n_args, 2);
	assert_string_equal(r->o.args[0], "b");
	assert_string_equal(r->o.args[1], "c2");

	/* Options may follow the pattern; every setting is recorded. */
	assert_int_equal(parse(r, "hosts @web --forks 3 -u root -p 2222 -k /k1 -k /k2 "
			       "--connect-timeout 1.5 --timeout 0 --retries 0 --become "
			       "--hostkeys accept-new --json --out /o --prom /p -v -v -i inv.cfg"),
			 RONDA_OK);
	assert_string_equal(r->o.include[0], "@web");
	assert_int_equal(r->o.forks, 3);
	assert_string_equal(r->o.over.user, "root");
	assert_int_equal(r->o.over.port, 2222);
	assert_int_equal(r->o.over.n_identities, 2);
	assert_string_equal(r->o.over.identities[1], "/k2");
	assert_true(r->o.over.connect_timeout == 1.5);
	assert_true(r->o.over.command_timeout == 0);
	assert_int_equal(r->o.over.retries, 0);
	assert_true(r->o.over.become);
	assert_int_equal(r->o.over.set, HS_BIT(HS_USER) | HS_BIT(HS_PORT) | HS_BIT(HS_IDENTITY) |
			 HS_BIT(HS_CONNECT_TIMEOUT) | HS_BIT(HS_COMMAND_TIMEOUT) |
			 HS_BIT(HS_RETRIES) | HS_BIT(HS_BECOME));
	assert_int_equal(r->o.hostkeys, HOSTKEYS_ACCEPT_NEW);
	assert_true(r->o.json);
	assert_string_equal(r->o.out_dir, "/o");
	assert_string_equal(r->o.prom_file, "/p");
	assert_int_equal(r->o.verbose, 2);
	assert_string_equal(r->o.inventory, "inv.cfg");

	/* Long options by unique prefix and with '='. */
	assert_int_equal(parse(r, "hosts --inv=x.cfg --fork=7 all"), RONDA_OK);
	assert_string_equal(r->o.inventory, "x.cfg");
	assert_int_equal(r->o.forks, 7);
	assert_int_equal(parse(r, "hosts -h"), RONDA_OK);
	assert_true(r->o.help);
}

/* Everything after the first lone "--" is the command, options or not. */
static void test_dashdash(void **state)
{
	struct run *r = *state;

	assert_int_equal(parse(r, "exec web -u root -- ls -l --forks 9 -- x"), RONDA_OK);
	assert_true(r->o.has_dashdash);
	assert_int_equal(r->o.n_command, 6);
	assert_string_equal(r->o.command[0], "ls");
	assert_string_equal(r->o.command[2], "--forks");
	assert_string_equal(r->o.command[4], "--");
	assert_int_equal(r->o.forks, CLI_DEFAULT_FORKS);
	assert_string_equal(r->o.over.user, "root");
	assert_int_equal(r->o.n_include, 1);

	assert_int_equal(parse(r, "exec web --"), RONDA_OK);
	assert_true(r->o.has_dashdash);
	assert_int_equal(r->o.n_command, 0);

	/* A "--" that is an option's value does not end the options. */
	assert_int_equal(parse(r, "hosts -i -- web"), RONDA_OK);
	assert_false(r->o.has_dashdash);
	assert_string_equal(r->o.inventory, "--");
	assert_string_equal(r->o.include[0], "web");
	assert_int_equal(parse(r, "hosts --inventory -- web --json"), RONDA_OK);
	assert_false(r->o.has_dashdash);
	assert_string_equal(r->o.inventory, "--");
	assert_true(r->o.json);
	assert_int_equal(parse(r, "hosts -vi -- web"), RONDA_OK);
	assert_string_equal(r->o.inventory, "--");
	assert_int_equal(r->o.verbose, 1);
	/* ... but "-i--" carries its value, so the next "--" ends them. */
	assert_int_equal(parse(r, "exec -i-- web -- ls"), RONDA_OK);
	assert_string_equal(r->o.inventory, "--");
	assert_true(r->o.has_dashdash);
	assert_string_equal(r->o.command[0], "ls");
	assert_int_equal(parse(r, "exec --inventory=x -- ls"), RONDA_OK);
	assert_true(r->o.has_dashdash);
	assert_string_equal(r->o.command[0], "ls");
	/* The extra value option counts too. */
	assert_int_equal(parse(r, "run --mode -- web"), RONDA_OK);
	assert_false(r->o.has_dashdash);
	assert_string_equal(extra_arg, "--");
}

/* One bad word, the message it gives, and that it maps to exit 64. */
static void refused(struct run *r, const char *words, const char *msg)
{
	int rc = parse(r, words);

	if (rc != RONDA_EINVAL || strcmp(buf_data(&r->err), msg) != 0)
		fail_msg("'%s': rc %d, message '%s', want '%s'", words, rc, buf_data(&r->err), msg);
	assert_int_equal(cli_exit_code(rc), EXIT_USAGE);
}

static void test_bad_values(void **state)
{
	struct run *r = *state;

	refused(r, "hosts --forks 0", "--forks: 0 is not 1-65536");
	refused(r, "hosts -f 65537", "--forks: 65537 is not 1-65536");
	refused(r, "hosts -f 12x", "--forks: '12x' is not a whole number");
	refused(r, "hosts -f 99999999999999999999", "--forks: '99999999999999999999' is not a whole number");
	refused(r, "hosts -p 0", "invalid port 0: must be 1-65535");
	refused(r, "hosts -p 65536", "invalid port 65536: must be 1-65535");
	refused(r, "hosts -p 22.5", "--port: '22.5' is not a whole number");
	refused(r, "hosts --retries -1", "invalid retries -1: must be 0-100");
	refused(r, "hosts --retries 101", "invalid retries 101: must be 0-100");
	refused(r, "hosts --connect-timeout 0",
		"invalid connect timeout 0: must be more than 0 and at most 604800 seconds");
	refused(r, "hosts --connect-timeout nan", "--connect-timeout: 'nan' is not a number of seconds");
	refused(r, "hosts --connect-timeout inf", "--connect-timeout: 'inf' is not a number of seconds");
	refused(r, "hosts --connect-timeout 1s", "--connect-timeout: '1s' is not a number of seconds");
	refused(r, "hosts --timeout -1",
		"invalid command timeout -1: must be 0 (none) or more and at most 604800 seconds");
	refused(r, "hosts --timeout 604801",
		"invalid command timeout 604801: must be 0 (none) or more and at most 604800 seconds");
	refused(r, "hosts -u -oProxyCommand=x",
		"invalid user '-oProxyCommand=x': use letters, digits, '.', '-', '_', "
		"starting with a letter or '_', at most 32");
	refused(r, "hosts -k -i", "invalid identity file '-i'");
	refused(r, "hosts --hostkeys off", "--hostkeys: 'off' is not strict or accept-new");
	refused(r, "hosts --forks", "option '--forks' needs a value");
	refused(r, "hosts web -f", "option '-f' needs a value");
	refused(r, "hosts --nope", "unknown option '--nope'");
	refused(r, "hosts -Z", "unknown option '-Z'");
	refused(r, "hosts --json=1", "unknown option '--json=1'");
	refused(r, "run --mode bad", "--mode: 'bad' is not good");
	/* Options after "--" are the command's, never refused. */
	assert_int_equal(parse(r, "exec web -- --nope -Z"), RONDA_OK);
}

/* The subcommand's own options reach its handler, and only them. */
static void test_extra(void **state)
{
	struct run *r = *state;

	assert_int_equal(parse(r, "hosts --list web -l --mode m"), RONDA_OK);
	assert_int_equal(extra_calls, 3);
	assert_string_equal(extra_arg, "m");
	assert_int_equal(parse(r, "hosts --json -v"), RONDA_OK);
	assert_int_equal(extra_calls, 0);

	/* Without a handler an extra option is bad usage. */
	cli_opts_release(&r->o);
	args_set(&r->a, "hosts -l");
	assert_int_equal(cli_parse(&r->o, r->a.n, r->a.v, extra, "l", NULL, NULL, &r->err),
			 RONDA_EINVAL);
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(cli_exit_code(RONDA_OK), 0);
	assert_int_equal(cli_exit_code(RONDA_ECONFIG), 78);
	assert_int_equal(cli_exit_code(RONDA_EINVAL), 64);
	assert_int_equal(cli_exit_code(RONDA_EPARSE), 64);
	assert_int_equal(cli_exit_code(RONDA_ELIMIT), 64);
	assert_int_equal(cli_exit_code(RONDA_ENOTFOUND), 64);
	assert_int_equal(cli_exit_code(RONDA_ENOMEM), 70);
	assert_int_equal(cli_exit_code(RONDA_ESYS), 70);
}

/* --serial and --max-fail: N or N%, within bounds, and what they come to. */
static void test_counts(void **state)
{
	static const char *const bad[] = { "", "%", "-1", "+1", "1.5", "x", "5%%", "%5",
					   "101%", "1000001", "99999999", "1e3", " 1", "1 " };
	struct cli_count c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(cli_count_parse("5", &c), RONDA_OK);
	assert_true(c.value == 5 && !c.percent && c.set);
	assert_int_equal(cli_count_of(&c, 20), 5);
	assert_int_equal(cli_count_parse("0", &c), RONDA_OK);
	assert_int_equal(c.value, 0);
	assert_int_equal(cli_count_parse("1000000", &c), RONDA_OK);
	assert_int_equal(cli_count_parse("25%", &c), RONDA_OK);
	assert_true(c.value == 25 && c.percent);
	assert_int_equal(cli_count_of(&c, 20), 5);
	assert_int_equal(cli_count_of(&c, 7), 1);	/* rounds down */
	assert_int_equal(cli_count_of(&c, 3), 0);
	assert_int_equal(cli_count_parse("100%", &c), RONDA_OK);
	assert_int_equal(cli_count_of(&c, 2000), 2000);
	assert_int_equal(cli_count_parse("0%", &c), RONDA_OK);
	assert_int_equal(cli_count_of(&c, 2000), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(cli_count_parse(bad[i], &c), RONDA_EINVAL);
		assert_false(c.set);
	}
}

/* --rerun-failed is a common option. */
static void test_rerun_option(void **state)
{
	struct run *r = *state;

	assert_int_equal(parse(r, "exec --rerun-failed /tmp/runs/x all -- true"), RONDA_OK);
	assert_string_equal(r->o.rerun_failed, "/tmp/runs/x");
}

/* --shard K/N: a common option; the targets are that shard's, and
 * cli_targets_all says what the pattern selected before it (exclusions
 * applied first, so every shard sees the same set). */
static void test_shard(void **state)
{
	struct run *r = *state;
	struct target_list tl;
	struct hostlist sel;
	size_t total = 0;
	char path[] = "/tmp/test_cli_shard.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hosts = ( );\n", 13), 13);
	close(fd);
	assert_int_equal(parse(r, "exec --shard 5/4 all -- true"), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&r->err), "--shard 5/4"));
	assert_int_equal(parse(r, "exec --shard 1/ all -- true"), RONDA_EINVAL);
	for (unsigned k = 0; k < 3; k++) {
		char words[160];

		snprintf(words, sizeof(words), "hosts -i %s --shard %u/3 h[01-30],!h07 -x h08",
			 path, k);
		assert_int_equal(parse(r, words), RONDA_OK);
		assert_int_equal(r->o.shard.k, k);
		assert_int_equal(r->o.shard.n, 3);
		target_list_init(&tl);
		hostlist_init(&sel);
		if (cli_targets_all(&r->o, &tl, &sel, &r->err) != RONDA_OK)
			fail_msg("%s", buf_data(&r->err));
		assert_int_equal(sel.n, 28);
		for (size_t i = 0; i < tl.n; i++) {
			assert_int_equal(shard_of(tl.v[i].name, 3), k);
			assert_true(strcmp(tl.v[i].name, "h07") && strcmp(tl.v[i].name, "h08"));
		}
		total += tl.n;
		hostlist_release(&sel);
		target_list_release(&tl);
	}
	assert_int_equal(total, 28);
	unlink(path);
}

/* cli_targets: the inventory, the pattern and the overrides together. */
static void test_targets(void **state)
{
	struct run *r = *state;
	char path[] = "/tmp/test_cli.XXXXXX", words[256];
	struct target_list tl;
	FILE *f;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("defaults = { user = \"ops\"; port = 2200; };\n"
	      "hosts = ( \"a1\", \"a2\", { name = \"b1\"; port = 23; } );\n"
	      "groups = { web = { hosts = [ \"a[1-2]\" ]; retries = 5; }; };\n", f);
	fclose(f);

	snprintf(words, sizeof(words), "hosts -i %s @web,b1 -x a2 -p 2022", path);
	assert_int_equal(parse(r, words), RONDA_OK);
	target_list_init(&tl);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_OK);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.v[0].name, "a1");
	assert_int_equal(tl.v[0].port, 2022);	/* -p beats everything */
	assert_string_equal(tl.v[0].user, "ops");
	assert_int_equal(tl.v[0].retries, 5);
	assert_string_equal(tl.v[1].name, "b1");
	assert_int_equal(tl.v[1].port, 2022);
	assert_int_equal(tl.v[1].retries, SETTINGS_DEFAULT_RETRIES);
	target_list_release(&tl);

	/* A named inventory that is missing is a configuration error: 78. */
	snprintf(words, sizeof(words), "hosts -i %s.none all", path);
	assert_int_equal(parse(r, words), RONDA_OK);
	target_list_init(&tl);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_ECONFIG);
	assert_int_equal(cli_exit_code(RONDA_ECONFIG), EXIT_CONFIG);
	assert_non_null(strstr(buf_data(&r->err), ".none"));
	assert_int_equal(tl.n, 0);
	target_list_release(&tl);
	unlink(path);
}

/* Writes text to a new temporary file named in path (a mkstemp template). */
static void write_temp(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_host_lists(void **state)
{
	struct run *r = *state;
	char list[] = "/tmp/test_cli_list.XXXXXX", bad[] = "/tmp/test_cli_bad.XXXXXX";
	char words[256];
	struct target_list tl;
	int saved, fd;

	write_temp(list, "# two hosts\nroot@h1:2201\n  h2   # trailing\n\n");
	write_temp(bad, "h3\nh 4\n");
	/* --hostfile is -w ^FILE, and - stays -. */
	snprintf(words, sizeof(words), "hosts --hostfile %s -w h9 --hostfile - -x ^%s", list, bad);
	assert_int_equal(parse(r, words), RONDA_OK);
	assert_int_equal(r->o.n_include, 3);
	assert_string_equal(r->o.include[0] + 1, list);
	assert_int_equal(r->o.include[0][0], '^');
	assert_string_equal(r->o.include[1], "h9");
	assert_string_equal(r->o.include[2], "-");
	assert_string_equal(r->o.exclude[0] + 1, bad);

	snprintf(words, sizeof(words), "hosts -i /dev/null -u ops -p 22 --hostfile %s h9", list);
	assert_int_equal(parse(r, words), RONDA_OK);
	target_list_init(&tl);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_OK);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.v[0].name, "h1:2201");
	assert_string_equal(tl.v[0].user, "root");
	assert_int_equal(tl.v[0].port, 2201);
	assert_string_equal(tl.v[1].name, "h2");
	assert_string_equal(tl.v[1].user, "ops");
	assert_string_equal(tl.v[2].name, "h9");
	target_list_release(&tl);

	/* A bad line names the file and line. */
	snprintf(words, sizeof(words), "hosts -i /dev/null -w ^%s", bad);
	assert_int_equal(parse(r, words), RONDA_OK);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_EPARSE);
	snprintf(words, sizeof(words), "%s:2: bad pattern item 'h 4'", bad);
	assert_non_null(strstr(buf_data(&r->err), words));
	assert_int_equal(tl.n, 0);

	/* A missing list: the file and strerror, exit 78 like -i. */
	snprintf(words, sizeof(words), "hosts -i /dev/null -w ^%s.none", list);
	assert_int_equal(parse(r, words), RONDA_OK);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_ECONFIG);
	snprintf(words, sizeof(words), "host list %s.none: No such file or directory", list);
	assert_string_equal(buf_data(&r->err), words);
	assert_int_equal(parse(r, "hosts -i /dev/null -w ^"), RONDA_OK);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&r->err), "'^' needs a file name"));

	/* '-' reads stdin, once. */
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_true((fd = open(list, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	assert_int_equal(parse(r, "hosts -i /dev/null -"), RONDA_OK);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_OK);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.v[1].name, "h2");
	target_list_release(&tl);
	assert_int_equal(parse(r, "hosts -i /dev/null - -w - --hostfile -"), RONDA_OK);
	assert_int_equal(cli_targets(&r->o, &tl, &r->err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&r->err), "'-' is given twice"));
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	unlink(list);
	unlink(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashdash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra, setup, teardown),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_counts),
		cmocka_unit_test_setup_teardown(test_rerun_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
