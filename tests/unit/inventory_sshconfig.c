/*
 * inventory_sshconfig.c - ssh_config reading and resolving (sshconfig.h):
 * each keyword, first value wins, accumulation, Include globs, depth and
 * loops, Match final/canonical/exec/all, tokens, warnings once per line,
 * and hostile files that must fail with FILE:LINE.  The wide comparison
 * with ssh -G is suite 57; these pin the rules one by one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inventory/sshconfig.h"
#include "banned.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	chmod(p, 0644);
}

static const char *path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* Loads text as -F and resolves host; fails the test on an error. */
static void resolve(const char *text, const char *host, struct ssh_options *o)
{
	struct sshconfig *cfg;
	struct buf err;

	put("config", text);
	buf_init(&err, 4096);
	if (sshconfig_load(path("config"), dir, &cfg, &err))
		fail_msg("load: %s", buf_data(&err));
	if (sshconfig_resolve(cfg, host, NULL, 0, "me", o, &err))
		fail_msg("resolve: %s", buf_data(&err));
	sshconfig_free(cfg);
	buf_release(&err);
}

/* Loading (or resolving) text must fail with an error matching want. */
static void refused(const char *text, const char *want)
{
	struct sshconfig *cfg;
	struct ssh_options o;
	struct buf err;
	int rc;

	put("config", text);
	buf_init(&err, 4096);
	rc = sshconfig_load(path("config"), dir, &cfg, &err);
	if (!rc) {
		rc = sshconfig_resolve(cfg, "h", NULL, 0, "me", &o, &err);
		if (!rc)
			ssh_options_release(&o);
		sshconfig_free(cfg);
	}
	if (rc != RONDA_ECONFIG)
		fail_msg("'%.60s' gave %d, wanted RONDA_ECONFIG", text, rc);
	if (!strstr(buf_data(&err), want))
		fail_msg("'%.60s': '%s' lacks '%s'", text, buf_data(&err), want);
	buf_release(&err);
}

static void test_keywords(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("Host h\n HostName real.example.com\n User u\n Port 2222\n"
		" IdentityFile ~/k1\n IdentitiesOnly yes\n IdentityAgent ~/agent\n"
		" CertificateFile ~/c1\n ConnectTimeout 1m5s\n ConnectionAttempts 3\n"
		" ServerAliveInterval 15\n ServerAliveCountMax 5\n"
		" StrictHostKeyChecking accept-new\n UserKnownHostsFile ~/kh /kh2\n"
		" GlobalKnownHostsFile /g\n HostKeyAlias al\n AddressFamily inet6\n"
		" Ciphers +aes128-cbc\n MACs -hmac-sha1\n KexAlgorithms ^curve25519-sha256\n"
		" HostKeyAlgorithms ssh-ed25519\n", "h", &o);
	assert_string_equal(o.hostname, "real.example.com");
	assert_string_equal(o.user, "u");
	assert_int_equal(o.port, 2222);
	assert_int_equal(o.identity_files.n, 1);
	assert_string_equal(o.identity_files.v[0], path("k1"));
	assert_int_equal(o.identities_only, 1);
	assert_string_equal(o.identity_agent, path("agent"));
	assert_string_equal(o.certificate_files.v[0], path("c1"));
	assert_int_equal(o.connect_timeout, 65);
	assert_int_equal(o.connection_attempts, 3);
	assert_int_equal(o.server_alive_interval, 15);
	assert_int_equal(o.server_alive_count_max, 5);
	assert_int_equal(o.strict_host_key_checking, SSH_STRICT_ACCEPT_NEW);
	assert_int_equal(o.user_known_hosts.n, 2);
	assert_string_equal(o.user_known_hosts.v[1], "/kh2");
	assert_string_equal(o.global_known_hosts.v[0], "/g");
	assert_string_equal(o.host_key_alias, "al");
	assert_int_equal(o.address_family, SSH_AF_INET6);
	assert_non_null(strstr(o.ciphers, ",aes128-cbc"));
	assert_null(strstr(o.macs, "hmac-sha1,"));
	assert_int_equal(strncmp(o.kex_algorithms, "curve25519-sha256,", 18), 0);
	assert_string_equal(o.hostkey_algorithms, "ssh-ed25519");
	assert_string_equal(o.ciphers_raw, "+aes128-cbc");
	/* provenance: file and line of the value */
	assert_non_null(strstr(o.src[SSHO_PORT], "/config:4"));
	assert_null(o.src[SSHO_PROXYJUMP]);
	ssh_options_release(&o);
}

static void test_defaults(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("Host other\n Port 1\n", "Web1", &o);
	assert_string_equal(o.hostname, "web1");	/* lowercased, as ssh */
	assert_string_equal(o.user, "me");
	assert_int_equal(o.port, 22);
	assert_int_equal(o.identity_files.n, 7);	/* ssh's default list */
	assert_int_equal(o.connect_timeout, -1);
	assert_int_equal(o.connection_attempts, 1);
	assert_int_equal(o.strict_host_key_checking, SSH_STRICT_ASK);
	for (int i = 0; i < SSHO_COUNT; i++)
		assert_null(o.src[i]);
	ssh_options_release(&o);
}

static void test_first_wins_and_accumulation(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("Host h\n Port 1\n IdentityFile /a\nHost *\n Port 2\n IdentityFile /b\n"
		" IdentityFile /a\n UserKnownHostsFile /k1\n UserKnownHostsFile /k2\n", "h", &o);
	assert_int_equal(o.port, 1);
	assert_int_equal(o.identity_files.n, 2);	/* in order, no duplicate */
	assert_string_equal(o.identity_files.v[0], "/a");
	assert_string_equal(o.identity_files.v[1], "/b");
	assert_int_equal(o.user_known_hosts.n, 1);
	assert_string_equal(o.user_known_hosts.v[0], "/k1");
	ssh_options_release(&o);
	/* Host * at the top wins over what comes below */
	resolve("Host *\n User top\nHost h\n User h\n", "h", &o);
	assert_string_equal(o.user, "top");
	ssh_options_release(&o);
}

static void test_host_patterns(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("Host web? !web2\n Port 1\nHost *\n Port 2\n", "web2", &o);
	assert_int_equal(o.port, 2);
	ssh_options_release(&o);
	resolve("Host web? !web2\n Port 1\n", "web1", &o);
	assert_int_equal(o.port, 1);
	ssh_options_release(&o);
	resolve("Host h1,h2\n Port 1\n", "h1", &o);	/* no comma lists in Host */
	assert_int_equal(o.port, 22);
	ssh_options_release(&o);
	resolve("Host WEB1\n Port 1\n", "web1", &o);	/* Host is case-sensitive */
	assert_int_equal(o.port, 22);
	ssh_options_release(&o);
}

static void test_match(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("Match host h*,!h2 user me\n Port 1\n", "h1", &o);
	assert_int_equal(o.port, 1);
	ssh_options_release(&o);
	resolve("Match host H1\n Port 1\n", "h1", &o);	/* Match host is not */
	assert_int_equal(o.port, 1);
	ssh_options_release(&o);
	/* final: a second pass sees the new HostName; canonical only there */
	resolve("Host h\n HostName real\nMatch canonical host real\n Port 3\n"
		"Match final\n User f\n", "h", &o);
	assert_int_equal(o.port, 3);
	assert_string_equal(o.user, "f");
	ssh_options_release(&o);
	resolve("Match canonical\n Port 3\n", "h", &o);	/* no final pass asked */
	assert_int_equal(o.port, 22);
	ssh_options_release(&o);
	resolve("Match !all\n Port 3\nMatch all\n Port 4\n", "h", &o);
	assert_int_equal(o.port, 4);
	ssh_options_release(&o);
	/* exec runs nothing and counts as failed, once warned */
	resolve("Match exec true\n Port 5\nMatch !exec true\n Port 6\n", "h", &o);
	assert_int_equal(o.port, 6);
	assert_int_equal(o.warnings.n, 2);
	assert_non_null(strstr(o.warnings.v[0], "config:1: Match exec"));
	ssh_options_release(&o);
	refused("Match all host h\n", "config:1: 'all' cannot be combined");
	refused("Match host\n", "config:1: missing Match criteria");
	refused("Match localnetwork 10.0.0.0/8\n", "unsupported Match attribute");
}

static void test_tokens(void **state)
{
	struct ssh_options o;
	char want[512];

	(void)state;
	resolve("Host h\n HostName %h.example.com\n User bob\n Port 2200\n"
		" IdentityFile ~/.ssh/%h-%p-%r-%u-%n-%%\n UserKnownHostsFile %d/kh\n"
		" ProxyCommand nc %h %p\n", "h", &o);
	assert_string_equal(o.hostname, "h.example.com");
	snprintf(want, sizeof(want), "%s/.ssh/h.example.com-2200-bob-me-h-%%", dir);
	assert_string_equal(o.identity_files.v[0], want);
	assert_string_equal(o.identity_files_raw.v[0], "~/.ssh/%h-%p-%r-%u-%n-%%");
	snprintf(want, sizeof(want), "%s/kh", dir);
	assert_string_equal(o.user_known_hosts.v[0], want);
	assert_string_equal(o.proxy_command, "nc h.example.com 2200");
	ssh_options_release(&o);
	refused("IdentityFile /k/%Z\n", "config:1: IdentityFile: unknown token %Z");
	refused("HostName %p\n", "unknown token %p");
	refused("IdentityFile /k/${RONDA_SURELY_UNSET}\n", "${RONDA_SURELY_UNSET} is not set");
}

static void test_proxy(void **state)
{
	struct ssh_options o;

	(void)state;
	resolve("ProxyJump u@j1:2200,j2 # why\nProxyCommand nc %h\n", "h", &o);
	assert_string_equal(o.proxy_jump, "u@j1:2200,j2");
	assert_null(o.proxy_command);
	ssh_options_release(&o);
	resolve("ProxyCommand none\nProxyJump j\n", "h", &o);
	assert_null(o.proxy_jump);
	assert_null(o.proxy_command);
	ssh_options_release(&o);
	refused("ProxyJump a:99999\n", "config:1: invalid ProxyJump");
}

static void test_include(void **state)
{
	struct ssh_options o;
	char text[512];

	(void)state;
	put("inc_a.conf", "Port 7\nHost other\n User x\n");
	put("inc_b.conf", "User b\n");
	/* glob order, each file starts as the Include found it */
	snprintf(text, sizeof(text), "Host h\n Include %s/inc_*.conf\n IdentityFile /i\n", dir);
	resolve(text, "h", &o);
	assert_int_equal(o.port, 7);
	assert_string_equal(o.user, "b");
	assert_string_equal(o.identity_files.v[0], "/i");
	ssh_options_release(&o);
	/* inside an inactive block it only parses */
	snprintf(text, sizeof(text), "Host nothere\n Include %s/inc_*.conf\n", dir);
	resolve(text, "h", &o);
	assert_int_equal(o.port, 22);
	ssh_options_release(&o);
	/* a loop, and a chain deeper than 16 */
	snprintf(text, sizeof(text), "Include %s/loop.conf\n", dir);
	put("loop.conf", text);
	refused(text, "loop.conf");
	for (int i = 0; i < 18; i++) {
		char name[32], body[256];

		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(body, sizeof(body), "Include %s/d%d.conf\n", dir, i + 1);
		put(name, body);
	}
	snprintf(text, sizeof(text), "Include %s/d0.conf\n", dir);
	refused(text, "more than 16 levels");
	/* group-writable included files are refused, as ssh refuses them */
	put("gw.conf", "Port 1\n");
	chmod(path("gw.conf"), 0664);
	snprintf(text, sizeof(text), "Include %s/gw.conf\n", dir);
	refused(text, "bad owner or permissions");
	/* no match is fine */
	snprintf(text, sizeof(text), "Include %s/none-*.conf\n", dir);
	resolve(text, "h", &o);
	ssh_options_release(&o);
}

static void test_warnings_once(void **state)
{
	struct sshconfig *cfg;
	struct ssh_options o;
	struct buf err;

	(void)state;
	put("config", "ControlMaster auto\nForwardAgent no\nCompression yes\n");
	buf_init(&err, 4096);
	assert_int_equal(sshconfig_load(path("config"), dir, &cfg, &err), RONDA_OK);
	assert_int_equal(sshconfig_resolve(cfg, "a", NULL, 0, "me", &o, &err), RONDA_OK);
	assert_int_equal(o.warnings.n, 1);	/* "no" and Compression ask nothing */
	assert_non_null(strstr(o.warnings.v[0],
			       "config:1: ControlMaster is not supported by ronda"));
	ssh_options_release(&o);
	assert_int_equal(sshconfig_resolve(cfg, "b", NULL, 0, "me", &o, &err), RONDA_OK);
	assert_int_equal(o.warnings.n, 0);	/* once per line and run */
	ssh_options_release(&o);
	sshconfig_free(cfg);
	buf_release(&err);
}

static void test_command_line(void **state)
{
	struct sshconfig *cfg;
	struct ssh_options o;
	struct buf err;

	(void)state;
	put("config", "Match user cli\n Port 9\nUser file\nPort 1\n");
	buf_init(&err, 4096);
	assert_int_equal(sshconfig_load(path("config"), dir, &cfg, &err), RONDA_OK);
	assert_int_equal(sshconfig_resolve(cfg, "h", "cli", 0, "me", &o, &err), RONDA_OK);
	assert_string_equal(o.user, "cli");
	assert_int_equal(o.port, 9);
	assert_null(o.src[SSHO_USER]);
	ssh_options_release(&o);
	sshconfig_free(cfg);
	/* -F none reads nothing; a missing -F file is an error */
	assert_int_equal(sshconfig_load("none", dir, &cfg, &err), RONDA_OK);
	assert_true(sshconfig_empty(cfg));
	sshconfig_free(cfg);
	assert_int_equal(sshconfig_load(path("missing"), dir, &cfg, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "missing"));
	buf_release(&err);
}

static void test_hostile(void **state)
{
	struct buf big;
	FILE *f;

	(void)state;
	refused("User \"unbalanced\n", "config:1: invalid quotes");
	refused("Port 1\nNoSuchKeyword x\n", "config:2: bad configuration option: NoSuchKeyword");
	refused("Port\n", "config:1: no argument after keyword");
	refused("Port 0x10\n", "config:1: bad port");
	refused("User a b\n", "config:1: User: extra arguments");
	refused("StrictHostKeyChecking maybe\n", "config:1:");
	refused("ConnectTimeout 5x\n", "config:1: ConnectTimeout: invalid time");
	refused("Ciphers nosuch\n", "config:1: Ciphers: bad algorithm list");
	refused("UserKnownHostsFile none /x\n", "must appear alone");
	refused("ConnectionAttempts 0\n", "ConnectionAttempts must be at least 1");
	/* IgnoreUnknown only before, and only where it applies */
	refused("Nope 1\nIgnoreUnknown nope\n", "config:1: bad configuration option");
	refused("Host x\n IgnoreUnknown nope\nHost *\nNope 1\n", "config:4:");
	/* NUL bytes and very long lines */
	assert_non_null(f = fopen(path("config"), "w"));
	fputs("Port 1\nUser a", f);
	fputc('\0', f);
	fputs("b\n", f);
	fclose(f);
	{
		struct sshconfig *cfg;
		struct buf err;

		buf_init(&err, 4096);
		assert_int_equal(sshconfig_load(path("config"), dir, &cfg, &err), RONDA_ECONFIG);
		assert_non_null(strstr(buf_data(&err), "config:2: NUL byte"));
		buf_release(&err);
	}
	buf_init(&big, 1 << 20);
	buf_puts(&big, "User ");
	for (int i = 0; i < 70000; i++)
		buf_putc(&big, 'a');
	buf_putc(&big, '\n');
	refused(buf_data(&big), "config:1: line longer than");
	buf_release(&big);
}

static void test_fanout(void **state)
{
	char text[512];

	(void)state;
	/* every file includes two copies of the next: bounded by depth, fast */
	for (int i = 0; i < 20; i++) {
		char name[32], body[256];

		snprintf(name, sizeof(name), "f%d.conf", i);
		snprintf(body, sizeof(body), "Include %s/f%d.conf %s/f%d.conf\n", dir, i + 1, dir,
			 i + 1);
		put(name, body);
	}
	snprintf(text, sizeof(text), "Include %s/f0.conf\n", dir);
	refused(text, "more than 16 levels");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ronda-sshconfig.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_first_wins_and_accumulation),
		cmocka_unit_test(test_host_patterns),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_warnings_once),
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_fanout),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
