/*
 * inventory_inventory.c - loading inventories: every error names file and line;
 * settings follow host > nearest group > defaults > built in, with the
 * command line over all; bare hosts work with no file at all; and the
 * shared command-line parser fills struct cli_opts as the engine expects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/settings.h"
#include "inventory/pattern.h"
#include "inventory/target.h"
#include "banned.h"

static char path[64];

/* Writes text to a temporary file; its name is in path. */
static void write_cfg(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ronda-inv-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loading text must fail with RONDA_ECONFIG and "<file>:<line>: <msg>". */
static void expect_cfg_error(const char *text, int line, const char *msg)
{
	struct inventory *inv = NULL;
	struct buf err, want;

	write_cfg(text);
	buf_init(&err, 4096);
	buf_init(&want, 4096);
	buf_printf(&want, "%s:%d: ", path, line);
	assert_int_equal(inventory_load(path, &inv, &err), RONDA_ECONFIG);
	assert_null(inv);
	if (strncmp(buf_data(&err), buf_data(&want), buf_len(&want)) ||
	    !strstr(buf_data(&err), msg))
		fail_msg("error '%s', wanted '%s...%s'", buf_data(&err), buf_data(&want), msg);
	unlink(path);
	buf_release(&err);
	buf_release(&want);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_cfg_error("hosts = ( \"a\" );\nbogus = 1;\n", 2, "unknown key 'bogus'");
	expect_cfg_error("defaults = {\n  user = \"x\";\n  prot = 22;\n};\n", 3,
			 "unknown key 'prot' in defaults");
	expect_cfg_error("defaults = {\n port = \"22\";\n};\n", 2, "'port' must be an integer");
	expect_cfg_error("defaults = {\n port = 70000;\n};\n", 2, "must be 1-65535");
	expect_cfg_error("defaults = {\n become = 1;\n};\n", 2, "true or false");
	expect_cfg_error("defaults = {\n connect_timeout = 0;\n};\n", 2, "connect timeout");
	expect_cfg_error("defaults = {\n command_timeout = -1.0;\n};\n", 2, "command timeout");
	expect_cfg_error("defaults = {\n retries = 101;\n};\n", 2, "retries");
	expect_cfg_error("defaults = {\n identity = [];\n};\n", 2, "empty list");
	expect_cfg_error("defaults = {\n identity = 5;\n};\n", 2, "string or an array");
	expect_cfg_error("defaults = {\n address = \"1.2.3.4\";\n};\n", 2, "belongs to a host");
	expect_cfg_error("defaults = 5;\n", 1, "must be a group");
	expect_cfg_error("hosts = (\n \"a\",\n { name = \"b\"; user = \"-oProxyCommand\"; }\n);\n",
			 3, "invalid user");
	/*
	 * libconfig dates a scalar list element by the token after it, so the
	 * element under test is never the last one here.
	 */
	expect_cfg_error("hosts = (\n \"-rf\",\n \"b\"\n);\n", 2, "invalid host name '-rf'");
	expect_cfg_error("hosts = (\n \"a b\",\n \"b\"\n);\n", 2, "invalid host name");
	expect_cfg_error("hosts = (\n \"a\",\n \"b\",\n \"a\",\n \"c\"\n);\n", 4,
			 "host 'a' is defined twice (first at line 2)");
	expect_cfg_error("hosts = (\n \"n[1-3]\",\n { name = \"n2\"; }\n);\n", 3, "defined twice");
	expect_cfg_error("hosts = (\n { name = \"n[1-3]\"; address = \"x\"; }\n);\n", 2,
			 "'address' given for the 3 hosts");
	expect_cfg_error("hosts = (\n { user = \"x\"; }\n);\n", 2, "without a 'name'");
	expect_cfg_error("hosts = (\n \"n[1-\",\n \"b\"\n);\n", 2, "never closed");
	expect_cfg_error("hosts = (\n \"n[1-200000]\",\n \"b\"\n);\n", 2, "more than 100000");
	expect_cfg_error("hosts = (\n { name = \"a\"; port = 1; colour = \"red\"; }\n);\n", 2,
			 "unknown key 'colour' in a host");
	expect_cfg_error("groups = {\n web = {\n  hosts = [ \"a\" ];\n  children = [ \"nope\" ];\n };\n};\n",
			 4, "unknown group 'nope'");
	expect_cfg_error("groups = {\n web = {\n  hostz = [ \"a\" ];\n };\n};\n", 3,
			 "unknown key 'hostz' in group 'web'");
	expect_cfg_error("groups = {\n all = { };\n};\n", 2, "'all' is reserved");
	expect_cfg_error("groups = {\n web = { hosts = \"a\"; };\n};\n", 2, "array");
	expect_cfg_error("groups = {\n web = { address = \"a\"; };\n};\n", 2, "belongs to a host");
	expect_cfg_error("groups = {\n a = { children = [ \"a\" ]; };\n};\n", 2, "lists itself");
	expect_cfg_error("groups = {\n a = {\n  children = [ \"b\" ];\n };\n"
			 " b = {\n  children = [ \"c\" ];\n };\n c = {\n  children = [ \"a\" ];\n };\n};\n",
			 9, "child groups form a cycle: a -> b -> c -> a");
	/* libconfig would exit() on these, inside its scanner */
	expect_cfg_error("hosts = ( \"a\" );\n@include \".\"\n", 2, "not a regular file");
	expect_cfg_error("@include \"\"\n", 1, "no file name");
	expect_cfg_error("@include \"a\nb\"\n", 1, "must end on its line");
	expect_cfg_error("\n @include \"no-such-file.cfg\"\n", 2, "no such file");
	/* libconfig's own checks keep the line too. */
	expect_cfg_error("hosts = ( \"a\" );\n\ngroups = {\n w = { }\n", 5, "syntax error");
	expect_cfg_error("groups = {\n w = { };\n w = { };\n};\n", 3, "duplicate setting");
}

static void test_missing_file(void **state)
{
	struct inventory *inv = NULL;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	assert_int_equal(inventory_load("/nonexistent/inv.cfg", &inv, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "/nonexistent/inv.cfg: No such file"));
	assert_null(inv);
	buf_release(&err);
}

/* Selects pattern from the example and resolves with overrides. */
static void resolve(const char *file, const char *pattern, const struct host_settings *over,
		    struct target_list *tl)
{
	struct inventory *inv;
	struct hostlist names;
	struct buf err;

	buf_init(&err, 4096);
	hostlist_init(&names);
	if (file)
		assert_int_equal(inventory_load(file, &inv, &err), RONDA_OK);
	else
		assert_int_equal(inventory_empty(&inv), RONDA_OK);
	assert_int_equal(pattern_select(inv, &pattern, 1, NULL, 0, &names, &err), RONDA_OK);
	assert_int_equal(inventory_resolve(inv, &names, over, tl, &err), RONDA_OK);
	hostlist_release(&names);
	inventory_free(inv);
	buf_release(&err);
}

static const struct target *find(const struct target_list *tl, const char *name)
{
	for (size_t i = 0; i < tl->n; i++)
		if (strcmp(tl->v[i].name, name) == 0)
			return &tl->v[i];
	fail_msg("no target %s", name);
	return NULL;
}

static void test_precedence(void **state)
{
	struct target_list tl;
	const struct target *t;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	target_list_init(&tl);
	resolve("inventory/example.cfg", "all,unlisted", NULL, &tl);
	assert_int_equal(tl.n, 10);
	/* Host beats its group: web02's own port, web's user over dc1's. */
	t = find(&tl, "web02");
	assert_string_equal(t->address, "10.0.1.2");
	assert_int_equal(t->port, 2222);
	assert_string_equal(t->user, "deploy");
	/* dc1 is further from web01 than web: only its command_timeout shows. */
	t = find(&tl, "web01");
	assert_int_equal(t->port, 22);
	assert_string_equal(t->user, "deploy");
	assert_true(t->command_timeout == 60.0);
	assert_int_equal(t->retries, 2);
	/* Defaults: identities with ~ expanded. */
	assert_int_equal(t->n_identities, 2);
	assert_string_equal(t->identities[0], "/home/tester/.ssh/id_ed25519");
	/* web04 is in web and old at the same distance; they set different keys. */
	t = find(&tl, "web04");
	assert_string_equal(t->address, "web04");
	assert_int_equal(t->port, 2200);
	assert_int_equal(t->retries, 5);
	assert_string_equal(t->user, "deploy");
	/* db1: the host's user beats everything but the command line. */
	t = find(&tl, "db1.dc1");
	assert_string_equal(t->user, "postgres");
	assert_true(t->command_timeout == 300.0);
	assert_int_equal(t->become, 1);
	t = find(&tl, "db2.dc1");
	assert_string_equal(t->user, "dc1admin");
	assert_int_equal(t->n_identities, 1);
	assert_string_equal(t->identities[0], "/etc/ronda/keys/db");
	t = find(&tl, "bastion");
	assert_string_equal(t->address, "2001:db8::1");
	assert_true(t->connect_timeout == 2.5);
	assert_int_equal(t->retries, 0);
	/* A bare host gets the file's defaults. */
	t = find(&tl, "unlisted");
	assert_string_equal(t->address, "unlisted");
	assert_string_equal(t->user, "ops");
	assert_true(t->connect_timeout == 10.0);
	target_list_release(&tl);
}

/* user@ and :port of the pattern beat the inventory and -u/-p alike. */
static void test_pattern_user_and_port(void **state)
{
	struct host_settings over;
	struct target_list tl;
	const struct target *t;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	target_list_init(&tl);
	resolve("inventory/example.cfg", "root@web02,db1.dc1:2022,bastion:23,"
		"admin@[2001:db8::7]:2200,::1,x1", NULL, &tl);
	assert_int_equal(tl.n, 6);
	/* An inventory host keeps its settings; only the user changes. */
	t = find(&tl, "web02");
	assert_string_equal(t->address, "10.0.1.2");
	assert_int_equal(t->port, 2222);
	assert_string_equal(t->user, "root");
	assert_null(t->host);
	assert_string_equal(target_host(t), "web02");
	/* With a port the display name keeps it; the host is still db1.dc1. */
	t = find(&tl, "db1.dc1:2022");
	assert_string_equal(t->address, "10.0.2.1");
	assert_int_equal(t->port, 2022);
	assert_string_equal(t->user, "postgres");
	assert_true(t->command_timeout == 300.0);
	assert_string_equal(target_host(t), "db1.dc1");
	t = find(&tl, "bastion:23");
	assert_string_equal(t->address, "2001:db8::1");
	assert_true(t->connect_timeout == 2.5);
	/* IPv6: address without brackets, display with them when a port follows. */
	t = find(&tl, "[2001:db8::7]:2200");
	assert_string_equal(t->address, "2001:db8::7");
	assert_string_equal(target_host(t), "2001:db8::7");
	assert_int_equal(t->port, 2200);
	assert_string_equal(t->user, "admin");
	t = find(&tl, "::1");
	assert_string_equal(t->address, "::1");
	assert_int_equal(t->port, 22);
	assert_string_equal(t->user, "ops");
	target_list_release(&tl);
	/* -u and -p are every host's; what the pattern says of one host wins. */
	host_settings_init(&over);
	assert_int_equal(host_settings_set_user(&over, "deploy2", &err), RONDA_OK);
	assert_int_equal(host_settings_set_port(&over, 2022, &err), RONDA_OK);
	resolve("inventory/example.cfg", "root@web01,web02:24", &over, &tl);
	t = find(&tl, "web01");
	assert_string_equal(t->user, "root");
	assert_int_equal(t->port, 2022);
	t = find(&tl, "web02:24");
	assert_string_equal(t->user, "deploy2");
	assert_int_equal(t->port, 24);
	target_list_release(&tl);
	host_settings_release(&over);
	buf_release(&err);
}

static void test_command_line_overrides_all(void **state)
{
	struct host_settings over;
	struct target_list tl;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	host_settings_init(&over);
	assert_int_equal(host_settings_set_user(&over, "root", &err), RONDA_OK);
	assert_int_equal(host_settings_set_port(&over, 2022, &err), RONDA_OK);
	assert_int_equal(host_settings_add_identity(&over, "/k1", &err), RONDA_OK);
	assert_int_equal(host_settings_set_retries(&over, 7, &err), RONDA_OK);
	host_settings_set_become(&over, 0);
	target_list_init(&tl);
	resolve("inventory/example.cfg", "db1.dc1,web02", &over, &tl);
	for (size_t i = 0; i < tl.n; i++) {
		assert_string_equal(tl.v[i].user, "root");
		assert_int_equal(tl.v[i].port, 2022);
		assert_int_equal(tl.v[i].n_identities, 1);
		assert_int_equal(tl.v[i].retries, 7);
		assert_int_equal(tl.v[i].become, 0);
	}
	/* What the command line does not set still comes from the file. */
	assert_string_equal(find(&tl, "web02")->address, "10.0.1.2");
	assert_true(find(&tl, "db1.dc1")->command_timeout == 300.0);
	target_list_release(&tl);
	/* Refused values. */
	assert_int_equal(host_settings_set_user(&over, "-oProxyCommand=x", &err), RONDA_EINVAL);
	assert_int_equal(host_settings_set_user(&over, "a;b", &err), RONDA_EINVAL);
	assert_int_equal(host_settings_set_port(&over, 0, &err), RONDA_EINVAL);
	assert_int_equal(host_settings_set_connect_timeout(&over, 0, &err), RONDA_EINVAL);
	assert_int_equal(host_settings_add_identity(&over, "-i", &err), RONDA_EINVAL);
	host_settings_release(&over);
	buf_release(&err);
}

static void test_bare_hosts_without_inventory(void **state)
{
	struct host_settings over;
	struct target_list tl;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	host_settings_init(&over);
	target_list_init(&tl);
	assert_int_equal(host_settings_set_user(&over, "root", &err), RONDA_OK);
	assert_int_equal(host_settings_set_port(&over, 2222, &err), RONDA_OK);
	assert_int_equal(host_settings_add_identity(&over, "/tmp/key", &err), RONDA_OK);
	resolve(NULL, "host[1-3]", &over, &tl);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.v[0].name, "host1");
	assert_string_equal(tl.v[2].address, "host3");
	assert_int_equal(tl.v[1].port, 2222);
	assert_string_equal(tl.v[1].user, "root");
	assert_string_equal(tl.v[1].identities[0], "/tmp/key");
	assert_true(tl.v[1].connect_timeout == SETTINGS_DEFAULT_CONNECT_TIMEOUT);
	assert_int_equal(tl.v[1].retries, SETTINGS_DEFAULT_RETRIES);
	target_list_release(&tl);
	/* Built-in defaults only: port 22 and the local user. */
	resolve(NULL, "h", NULL, &tl);
	assert_int_equal(tl.v[0].port, 22);
	assert_non_null(tl.v[0].user);
	target_list_release(&tl);
	host_settings_release(&over);
	buf_release(&err);
}

static void test_group_conflict(void **state)
{
	(void)state;
	/* Two groups at the same distance disagree on the user of h1. */
	expect_cfg_error("groups = {\n a = {\n  hosts = [ \"h[1-2]\" ];\n  user = \"x\";\n };\n"
			 " b = {\n  hosts = [ \"h1\" ];\n  user = \"y\";\n };\n};\n",
			 8, "host 'h1' gets 'user' from groups 'a'");
}

/* Loads text, selects pattern and resolves it into tl; inv is freed. */
static void load_select(const char *text, const char *pattern, struct target_list *tl)
{
	struct inventory *inv = NULL;
	struct hostlist names;
	struct buf err;

	write_cfg(text);
	buf_init(&err, 4096);
	hostlist_init(&names);
	if (inventory_load(path, &inv, &err))
		fail_msg("%s", buf_data(&err));
	unlink(path);
	assert_int_equal(pattern_select(inv, &pattern, 1, NULL, 0, &names, &err), RONDA_OK);
	assert_int_equal(inventory_resolve(inv, &names, NULL, tl, &err), RONDA_OK);
	hostlist_release(&names);
	inventory_free(inv);
	buf_release(&err);
}

static void test_group_conflict_resolved(void **state)
{
	struct target_list tl;

	(void)state;
	/* The host, or a nearer group, settles what its groups disagree on. */
	target_list_init(&tl);
	load_select("hosts = ( { name = \"h1\"; user = \"me\"; } );\n"
		    "groups = {\n a = { hosts = [ \"h1\", \"h2\" ]; user = \"x\"; port = 1; };\n"
		    " b = { hosts = [ \"h1\" ]; user = \"y\"; port = 1; };\n"
		    " top = { children = [ \"a\" ]; user = \"z\"; port = 9; retries = 9; };\n};\n",
		    "all", &tl);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.v[0].user, "me");
	assert_int_equal(tl.v[0].port, 1);
	assert_string_equal(tl.v[1].user, "x");
	assert_int_equal(tl.v[1].retries, 9);
	target_list_release(&tl);
}

/* Bastions: one entry per distinct chain, shared by every host behind it. */
static void test_via_bastions(void **state)
{
	struct target_list tl;

	(void)state;
	target_list_init(&tl);
	load_select("defaults = { user = \"ops\"; };\n"
		    "hosts = ( { name = \"bast\"; address = \"10.0.0.1\"; port = 2222; user = \"jump\"; },\n"
		    " { name = \"h1\"; via = \"bast\"; },\n"
		    " { name = \"h2\"; },\n"
		    " { name = \"h3\"; via = \"none\"; },\n"
		    " { name = \"h4\"; via = \"root@bast:22,inner\"; } );\n"
		    "groups = { web = { hosts = [ \"h2\", \"h3\" ]; via = \"bast\"; }; };\n",
		    "h[1-4]", &tl);
	assert_int_equal(tl.n, 4);
	/* h1 and h2 (from its group) share one bastion; h3's "none" beats its group */
	assert_int_equal(tl.v[0].via, 1);
	assert_int_equal(tl.v[1].via, 1);
	assert_int_equal(tl.v[2].via, 0);
	assert_null(tl.v[2].jump);
	assert_int_equal(tl.n_jumps, 3);
	/* the bastion is a host with its own settings */
	assert_string_equal(tl.jumps[0].name, "bast");
	assert_string_equal(tl.jumps[0].address, "10.0.0.1");
	assert_int_equal(tl.jumps[0].port, 2222);
	assert_string_equal(tl.jumps[0].user, "jump");
	assert_int_equal(tl.jumps[0].via, 0);
	/* the chain's user and port win; the second hop goes through the first */
	assert_string_equal(tl.jumps[1].name, "root@bast:22");
	assert_string_equal(tl.jumps[1].user, "root");
	assert_int_equal(tl.jumps[1].port, 22);
	assert_string_equal(tl.jumps[2].name, "inner");
	assert_string_equal(tl.jumps[2].user, "ops");
	assert_int_equal(tl.jumps[2].via, 2);
	assert_int_equal(tl.v[3].via, 3);
	target_list_release(&tl);
}

static void test_via_errors(void **state)
{
	(void)state;
	expect_cfg_error("hosts = (\n { name = \"a\"; via = \"-oProxyCommand=x\"; }\n);\n", 2,
			 "invalid host name");
	expect_cfg_error("defaults = {\n via = \"b:99999\";\n};\n", 2, "port must be a number");
	expect_cfg_error("defaults = {\n via = \"b,,c\";\n};\n", 2, "an empty hop");
	expect_cfg_error("defaults = {\n via = \"x y@b\";\n};\n", 2, "invalid user");
	expect_cfg_error("defaults = {\n via = \"[::1\";\n};\n", 2, "'[' without ']'");
	expect_cfg_error("defaults = {\n via = \"a,b,c,d,e,f,g,h,i\";\n};\n", 2, "more than 8 hops");
}

static void test_nearest_ancestor(void **state)
{
	struct target_list tl;

	(void)state;
	/*
	 * h is in c; c's parents are p (user x) and q, whose parent gq says
	 * user y: p is nearer.  gq's port reaches h, as does the only retries.
	 * d sits under both p and q (a diamond): p is one group, no conflict.
	 */
	target_list_init(&tl);
	load_select("groups = {\n c = { hosts = [ \"h\" ]; };\n"
		    " d = { hosts = [ \"k\" ]; };\n"
		    " p = { children = [ \"c\", \"d\" ]; user = \"x\"; };\n"
		    " q = { children = [ \"c\", \"d\" ]; };\n"
		    " gq = { children = [ \"q\" ]; user = \"y\"; port = 7; };\n"
		    " top = { children = [ \"p\" ]; retries = 5; port = 7; };\n};\n", "all", &tl);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.v[0].name, "h");
	assert_string_equal(tl.v[0].user, "x");
	assert_int_equal(tl.v[0].port, 7);
	assert_int_equal(tl.v[0].retries, 5);
	assert_string_equal(tl.v[1].user, "x");
	target_list_release(&tl);
}

static void test_ancestor_conflict(void **state)
{
	(void)state;
	/* Two grandparents at the same distance disagree; the error names both. */
	expect_cfg_error("groups = {\n c = { hosts = [ \"h\" ]; };\n"
			 " p = { children = [ \"c\" ]; };\n q = { children = [ \"c\" ]; };\n"
			 " gp = {\n  children = [ \"p\" ];\n  port = 1;\n };\n"
			 " gq = {\n  children = [ \"q\" ];\n  port = 2;\n };\n};\n",
			 11, "host 'h' gets 'port' from groups 'gp' (");
	/* A disagreement in a group's ancestors reaches hosts below it, too. */
	expect_cfg_error("groups = {\n a = { user = \"x\"; children = [ \"m\" ]; };\n"
			 " b = { user = \"y\"; children = [ \"m\" ]; };\n"
			 " m = { children = [ \"leaf\" ]; };\n leaf = { hosts = [ \"h\" ]; };\n};\n",
			 3, "host 'h' gets 'user' from groups 'a'");
	/* One child listed twice is refused; one child of two groups is not. */
	expect_cfg_error("groups = {\n a = { };\n b = { children = [\n  \"a\",\n  \"a\",\n  \"c\" ]; };\n"
			 " c = { };\n};\n", 5, "group 'a' is listed twice in the children of 'b'");
}

static void test_child_of_two_groups(void **state)
{
	struct target_list tl;

	(void)state;
	target_list_init(&tl);
	load_select("groups = {\n a = { hosts = [ \"h1\" ]; };\n"
		    " b = { children = [ \"a\" ]; };\n c = { children = [ \"a\", \"b\" ]; };\n};\n",
		    "@c", &tl);
	assert_int_equal(tl.n, 1);
	target_list_release(&tl);
}

/*
 * Big inventories load and resolve right: a chain of n groups (g<i> lists
 * h<i> and has child g<i+1>) and a flat one (g0 with n-1 child groups of one
 * host each).  Settings travel the whole chain.  Not timed: this checks the
 * answers that the linear tracing gives.
 */
#define BIG_GROUPS 10000

/* Appends the text of the big inventory to out. */
static void write_big(int chain, struct buf *out)
{
	buf_puts(out, "groups = {\n");
	if (chain) {
		for (int i = 0; i < BIG_GROUPS; i++) {
			buf_printf(out, " g%d = { hosts = [ \"h%d\" ];", i, i);
			if (i + 1 < BIG_GROUPS)
				buf_printf(out, " children = [ \"g%d\" ];", i + 1);
			if (i == 0)
				buf_puts(out, " user = \"top\";");
			if (i == BIG_GROUPS / 2)
				buf_puts(out, " port = 2000;");
			buf_puts(out, " };\n");
		}
	} else {
		buf_puts(out, " g0 = { user = \"top\"; children = [ ");
		for (int i = 1; i < BIG_GROUPS; i++)
			buf_printf(out, "%s\"g%d\"", i > 1 ? ", " : "", i);
		buf_puts(out, " ]; };\n");
		for (int i = 1; i < BIG_GROUPS; i++)
			buf_printf(out, " g%d = { hosts = [ \"h%d\" ];%s };\n", i, i,
				   i % 2 ? " port = 2000;" : "");
	}
	assert_int_equal(buf_puts(out, "};\n"), RONDA_OK);
}

static void check_big(int chain)
{
	struct target_list tl;
	struct buf text;
	size_t want = chain ? BIG_GROUPS : BIG_GROUPS - 1;

	buf_init(&text, 16 << 20);
	write_big(chain, &text);
	target_list_init(&tl);
	load_select(buf_data(&text), "@g0", &tl);
	assert_int_equal(tl.n, want);
	for (size_t i = 0; i < tl.n; i++) {
		char name[32];
		long n = chain ? (long)i : (long)i + 1;	/* natural order: h0 h1 ... */

		snprintf(name, sizeof(name), "h%ld", n);
		assert_string_equal(tl.v[i].name, name);
		assert_string_equal(tl.v[i].user, "top");
		assert_int_equal(tl.v[i].port, (chain ? n >= BIG_GROUPS / 2 : n % 2) ? 2000 : 22);
	}
	target_list_release(&tl);
	buf_release(&text);
}

static void test_big_chain(void **state)
{
	(void)state;
	check_big(1);
}

static void test_big_flat(void **state)
{
	(void)state;
	check_big(0);
}

/* getopt wants char **; string literals are const. */
static char **dup_argv(const char *const *a, int n)
{
	char **v = calloc((size_t)n + 1, sizeof(*v));

	assert_non_null(v);
	for (int i = 0; i < n; i++)
		v[i] = strdup(a[i]);
	return v;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static void test_cli_parse(void **state)
{
	const char *args[] = { "exec", "-u", "root", "@web", "-p", "2222", "-k", "/a", "--identity=/b",
			 "-w", "x1", "-x", "web02", "--timeout", "2.5", "--forks=10", "--json",
			 "-vv", "--hostkeys", "accept-new", "--", "ls", "-l", "--", NULL };
	char **argv = dup_argv(args, 24);
	struct cli_opts o;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	cli_opts_init(&o);
	assert_int_equal(cli_parse(&o, 24, argv, NULL, NULL, NULL, NULL, &err), RONDA_OK);
	assert_int_equal(o.n_include, 2);
	assert_string_equal(o.include[0], "@web");
	assert_string_equal(o.include[1], "x1");
	assert_int_equal(o.n_exclude, 1);
	assert_string_equal(o.over.user, "root");
	assert_int_equal(o.over.port, 2222);
	assert_int_equal(o.over.n_identities, 2);
	assert_true(o.over.command_timeout == 2.5);
	assert_int_equal(o.forks, 10);
	assert_int_equal(o.json, 1);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.hostkeys, HOSTKEYS_ACCEPT_NEW);
	assert_int_equal(o.has_dashdash, 1);
	assert_int_equal(o.n_command, 3);
	assert_string_equal(o.command[0], "ls");
	assert_string_equal(o.command[1], "-l");
	assert_string_equal(o.command[2], "--");
	cli_opts_release(&o);
	free_argv(argv);

	/* "--" as an option's value does not end the options. */
	const char *args2[] = { "exec", "-i", "--", "p", NULL };

	argv = dup_argv(args2, 4);
	cli_opts_init(&o);
	assert_int_equal(cli_parse(&o, 4, argv, NULL, NULL, NULL, NULL, &err), RONDA_OK);
	assert_string_equal(o.inventory, "--");
	assert_int_equal(o.has_dashdash, 0);
	cli_opts_release(&o);
	free_argv(argv);

	const char *bad1[] = { "hosts", "--port", "22x", NULL };
	const char *bad2[] = { "hosts", "--nope", NULL };
	const char *bad3[] = { "hosts", "-u", NULL };
	const char *bad4[] = { "hosts", "--hostkeys", "off", NULL };
	const char *bad5[] = { "hosts", "-f", "0", NULL };
	const char *bad6[] = { "hosts", "-u", "-rf", NULL };
	const char *const *bads[] = { bad1, bad2, bad3, bad4, bad5, bad6 };
	int badc[] = { 3, 2, 2, 3, 3, 3 };

	for (size_t i = 0; i < 6; i++) {
		argv = dup_argv(bads[i], badc[i]);
		cli_opts_init(&o);
		buf_reset(&err);
		assert_int_equal(cli_parse(&o, badc[i], argv, NULL, NULL, NULL, NULL, &err),
				 RONDA_EINVAL);
		assert_true(buf_len(&err) > 0);
		cli_opts_release(&o);
		free_argv(argv);
	}
	assert_int_equal(cli_exit_code(RONDA_ECONFIG), 78);
	assert_int_equal(cli_exit_code(RONDA_EPARSE), 64);
	assert_int_equal(cli_exit_code(RONDA_OK), 0);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_command_line_overrides_all),
		cmocka_unit_test(test_bare_hosts_without_inventory),
		cmocka_unit_test(test_group_conflict),
		cmocka_unit_test(test_group_conflict_resolved),
		cmocka_unit_test(test_nearest_ancestor),
		cmocka_unit_test(test_via_bastions),
		cmocka_unit_test(test_via_errors),
		cmocka_unit_test(test_ancestor_conflict),
		cmocka_unit_test(test_child_of_two_groups),
		cmocka_unit_test(test_big_chain),
		cmocka_unit_test(test_big_flat),
		cmocka_unit_test(test_cli_parse),
		cmocka_unit_test(test_pattern_user_and_port),
	};

	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
