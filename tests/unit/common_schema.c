/*
 * common_schema.c - the value rules of every check type (common/proto_schema.c),
 * driven through proto_job_parse as both the agent and the orchestrator call
 * it: one table of (task, exact error) cases, one of values that must pass,
 * and a check that every rule in the schema has a case here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "banned.h"

struct bad_case {
	const char *check;
	const char *keys;	/* JSON members of the task, after "check" */
	const char *want;	/* the whole error after `tasks[0] ("t"): ` */
};

static const struct bad_case bad[] = {
	{ "disk", "\"path\":\"var\"", "\"path\" must be an absolute path, not \"var\"" },
	{ "disk", "\"warn\":101", "\"warn\" must be 0 to 100, not 101" },
	{ "disk", "\"fail\":-1", "\"fail\" must be 0 to 100, not -1" },
	{ "disk", "\"inode_warn\":150", "\"inode_warn\" must be 0 to 100, not 150" },
	{ "disk", "\"inode_fail\":100.5", "\"inode_fail\" must be 0 to 100, not 100.5" },
	{ "memory", "\"warn\":101", "\"warn\" must be 0 to 100, not 101" },
	{ "memory", "\"fail\":-5", "\"fail\" must be 0 to 100, not -5" },
	{ "memory", "\"swap_warn\":200", "\"swap_warn\" must be 0 to 100, not 200" },
	{ "memory", "\"swap_fail\":-0.5", "\"swap_fail\" must be 0 to 100, not -0.5" },
	{ "load", "\"window\":2", "\"window\" must be 1, 5 or 15, not 2" },
	{ "uptime", "\"reboot_required\":\"maybe\"",
	  "\"reboot_required\" must be ok, warn or fail, not \"maybe\"" },
	{ "process", "\"comm\":\"nginx\",\"match\":\"nginx\"", "give \"comm\" or \"match\", not both" },
	{ "process", "\"min\":-1", "\"min\" must be at least 0, not -1" },
	{ "port", "\"port\":0", "\"port\" must be 1 to 65535, not 0" },
	{ "port", "\"port\":65536", "\"port\" must be 1 to 65535, not 65536" },
	{ "port", "\"port\":22,\"proto\":\"sctp\"", "\"proto\" must be tcp or udp, not \"sctp\"" },
	{ "port", "\"port\":22,\"address\":\"localhost\"",
	  "\"address\" must be an IPv4 or IPv6 address, not \"localhost\"" },
	{ "port", "\"port\":22,\"expect\":\"open\"", "\"expect\" must be listening or closed, not \"open\"" },
	{ "file", "\"path\":\"etc/passwd\"", "\"path\" must be an absolute path, not \"etc/passwd\"" },
	{ "file", "\"path\":\"/etc\",\"type\":\"directory\"",
	  "\"type\" must be file, dir, symlink, socket, fifo, block or char, not \"directory\"" },
	{ "file", "\"path\":\"/etc\",\"mode\":\"0o644\"",
	  "\"mode\" must be an octal mode up to 07777, such as \"0640\", not \"0o644\"" },
	{ "file", "\"path\":\"/etc\",\"mode\":\"10000\"",
	  "\"mode\" must be an octal mode up to 07777, such as \"0640\", not \"10000\"" },
	{ "file", "\"path\":\"/etc\",\"mode\":\"\"",
	  "\"mode\" must be an octal mode up to 07777, such as \"0640\", not \"\"" },
	{ "mount", "\"path\":\"data\"", "\"path\" must be an absolute path, not \"data\"" },
	{ "sysctl", "\"key\":\"vm swappiness\",\"value\":1",
	  "\"key\" must be a sysctl name such as net.ipv4.ip_forward, not \"vm swappiness\"" },
	{ "sysctl", "\"key\":\"net/../../etc\",\"value\":1",
	  "\"key\" must be a sysctl name such as net.ipv4.ip_forward, not \"net/../../etc\"" },
	{ "sysctl", "\"key\":\"vm.swappiness\",\"op\":\"greater\",\"value\":1",
	  "\"op\" must be eq, ne, lt, le, gt or ge, not \"greater\"" },
	{ "sysctl", "\"key\":\"vm.swappiness\",\"op\":\"gt\",\"value\":\"high\"",
	  "\"value\" must be a number when \"op\" is lt, le, gt or ge" },
	{ "service", "\"unit\":\"a/b\"",
	  "\"unit\" must be a systemd unit name (letters, digits and : _ . @ - \\, not starting with -), not \"a/b\"" },
	{ "service", "\"unit\":\"-x\"",
	  "\"unit\" must be a systemd unit name (letters, digits and : _ . @ - \\, not starting with -), not \"-x\"" },
	{ "units", "\"max\":-1", "\"max\" must be 0 to 1000000, not -1" },
	{ "command", "\"argv\":[]",
	  "\"argv\" must be a non-empty argv whose argv[0] is an absolute path or a bare program name" },
	{ "command", "\"argv\":[\"bin/true\"]",
	  "\"argv\" must be a non-empty argv whose argv[0] is an absolute path or a bare program name" },
	{ "command", "\"argv\":[\"\"]",
	  "\"argv\" must be a non-empty argv whose argv[0] is an absolute path or a bare program name" },
	{ "command", "\"argv\":[\"true\"],\"exit\":256", "\"exit\" must be 0 to 255, not 256" },
	{ "command", "\"argv\":[\"true\"],\"exit\":-1", "\"exit\" must be 0 to 255, not -1" },
	{ "command", "\"argv\":[\"true\"],\"max_output\":16777217",
	  "\"max_output\" must be 0 to 16777216, not 16777217" },
	{ "rotate", "\"path\":\"var/log/x.log\"",
	  "\"path\" must be an absolute path, with wildcards (* ? [) in the last name only, not \"var/log/x.log\"" },
	{ "rotate", "\"path\":\"/var/log/\"",
	  "\"path\" must be an absolute path, with wildcards (* ? [) in the last name only, not \"/var/log/\"" },
	{ "rotate", "\"paths\":[\"/var/log/a.log\",\"/var/*/x.log\"]",
	  "\"paths\"[1] must be an absolute path, with wildcards (* ? [) in the last name only, not \"/var/*/x.log\"" },
	{ "rotate", "\"rotate\":3", "needs \"path\" or \"paths\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"frequency\":\"hourly\"",
	  "\"frequency\" must be daily, weekly, monthly or yearly, not \"hourly\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"frequency\":\"weekly\",\"weekday\":8",
	  "\"weekday\" must be 0 to 7, not 8" },
	{ "rotate", "\"path\":\"/l/a.log\",\"frequency\":\"daily\",\"weekday\":3",
	  "\"weekday\" only with \"frequency\" weekly" },
	{ "rotate", "\"path\":\"/l/a.log\",\"weekday\":0", "\"weekday\" only with \"frequency\" weekly" },
	{ "rotate", "\"path\":\"/l/a.log\",\"size\":\"1.5k\"",
	  "\"size\" must be a size in bytes, or with k, M or G, such as \"100k\", not \"1.5k\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"minsize\":\"10X\"",
	  "\"minsize\" must be a size in bytes, or with k, M or G, such as \"100k\", not \"10X\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"maxsize\":-1",
	  "\"maxsize\" must be a size in bytes, or with k, M or G, such as \"100k\", not -1" },
	{ "rotate", "\"path\":\"/l/a.log\",\"rotate\":1001", "\"rotate\" must be 0 to 1000, not 1001" },
	{ "rotate", "\"path\":\"/l/a.log\",\"compress_level\":10", "\"compress_level\" must be 1 to 9, not 10" },
	{ "rotate", "\"path\":\"/l/a.log\",\"compress_level\":0", "\"compress_level\" must be 1 to 9, not 0" },
	{ "rotate", "\"path\":\"/l/a.log\",\"create_mode\":\"0888\"",
	  "\"create_mode\" must be an octal mode up to 0777, such as \"0640\", not \"0888\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"create_mode\":\"1777\"",
	  "\"create_mode\" must be an octal mode up to 0777, such as \"0640\", not \"1777\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"dateformat\":\"-%Y/%m\"",
	  "\"dateformat\" must be at most 64 characters, no /, using %Y %m %d %H %M %S %s only, not \"-%Y/%m\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"dateformat\":\"-%q\"",
	  "\"dateformat\" must be at most 64 characters, no /, using %Y %m %d %H %M %S %s only, not \"-%q\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"olddir\":\"old\"", "\"olddir\" must be an absolute path, not \"old\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"state\":\"rotate.state\"",
	  "\"state\" must be an absolute path, not \"rotate.state\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"postrotate\":[]",
	  "\"postrotate\" must be a non-empty argv whose argv[0] is an absolute path or a bare program name" },
	{ "cleanup", "\"path\":\"tmp\",\"older_than\":1", "\"path\" must be an absolute path, not \"tmp\"" },
	{ "cleanup", "\"path\":\"/t\",\"older_than\":1,\"glob\":\"a/b\"",
	  "\"glob\" must be a name pattern, without /, not \"a/b\"" },
	{ "cleanup", "\"path\":\"/t\",\"older_than\":-1", "\"older_than\" must be at least 0, not -1" },
	{ "cleanup", "\"path\":\"/t\",\"max_total\":\"10X\"",
	  "\"max_total\" must be a size in bytes, or with k, M or G, such as \"100k\", at least 1, not \"10X\"" },
	{ "cleanup", "\"path\":\"/t\",\"max_total\":0",
	  "\"max_total\" must be a size in bytes, or with k, M or G, such as \"100k\", at least 1, not 0" },
	{ "cleanup", "\"path\":\"/t\",\"older_than\":1,\"compress_level\":10",
	  "\"compress_level\" must be 1 to 9, not 10" },
	{ "cleanup", "\"path\":\"/t\"", "needs \"older_than\" or \"max_total\"" },
};

/* Values at the edges of the rules, which must pass. */
static const char *const good[][2] = {
	{ "disk", "\"path\":\"/var\",\"warn\":0,\"fail\":100,\"inode_warn\":99.5" },
	{ "memory", "\"warn\":10,\"fail\":5,\"swap_warn\":0,\"swap_fail\":100" },
	{ "load", "\"window\":15,\"warn\":100" },
	{ "uptime", "\"reboot_required\":\"fail\"" },
	{ "process", "\"match\":\"nginx: master\",\"min\":0" },
	{ "port", "\"port\":65535,\"proto\":\"udp\",\"address\":\"::1\",\"expect\":\"closed\"" },
	{ "port", "\"port\":1,\"address\":\"127.0.0.1\"" },
	{ "file", "\"path\":\"/etc\",\"type\":\"dir\",\"mode\":\"07777\"" },
	{ "mount", "\"path\":\"/\"" },
	{ "sysctl", "\"key\":\"net/ipv4/ip_forward\",\"op\":\"ge\",\"value\":1" },
	{ "sysctl", "\"key\":\"kernel.ostype\",\"value\":\"Linux\"" },
	{ "service", "\"unit\":\"getty@tty1.service\"" },
	{ "service", "\"unit\":\"dev-disk-by\\\\x2duuid.device\"" },
	{ "units", "\"max\":1000000,\"ignore\":[\"user@*.service\"]" },
	{ "command", "\"argv\":[\"/bin/true\"],\"exit\":255,\"max_output\":16777216" },
	{ "command", "\"argv\":[\"true\",\"x/y\"],\"exit\":0,\"max_output\":0" },
	{ "clock", "\"warn\":1" },
	{ "rotate", "\"paths\":[\"/var/log/*.log\",\"/var/log/x.[0-9]\"],\"frequency\":\"weekly\","
	  "\"weekday\":7,\"size\":\"100k\",\"minsize\":0,\"maxsize\":\"1G\",\"rotate\":1000,"
	  "\"compress_level\":9,\"create_mode\":\"0640\",\"dateformat\":\"-%Y%m%d-%s\","
	  "\"postrotate\":[\"/bin/true\"],\"olddir\":\"/var/log/old\",\"state\":\"/tmp/r.state\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"frequency\":\"yearly\"" },
	{ "rotate", "\"path\":\"/l/a.log\",\"frequency\":\"weekly\",\"weekday\":0" },
	{ "cleanup", "\"path\":\"/t\",\"older_than\":0,\"glob\":\"*.gz\",\"compress_level\":1" },
	{ "cleanup", "\"path\":\"/t\",\"max_total\":\"2G\"" },
	{ "cleanup", "\"path\":\"/t\",\"max_total\":1" },
};

/* The job both sides build for one task; dry_run lets rotate and cleanup
 * run under inspect. */
static int parse_one(const char *check, const char *keys, struct buf *err,
		     struct proto_fault *at)
{
	char text[2048];
	struct proto_job job;
	int r;

	snprintf(text, sizeof(text),
		 "{\"ronda\":1,\"dry_run\":true,\"tasks\":[{\"name\":\"t\",\"check\":\"%s\",%s}]}",
		 check, keys);
	r = proto_job_parse_at(text, strlen(text), &job, err, at);
	if (r == RONDA_OK)
		proto_job_release(&job);
	return r;
}

static void test_bad_values(void **state)
{
	const char *prefix = "tasks[0] (\"t\"): ";
	struct proto_fault at;
	struct buf err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&err, 1024);
		if (parse_one(bad[i].check, bad[i].keys, &err, &at) != RONDA_EPARSE)
			fail_msg("%s {%s} was accepted", bad[i].check, bad[i].keys);
		if (strncmp(buf_data(&err), prefix, strlen(prefix)) != 0 ||
		    strcmp(buf_data(&err) + strlen(prefix), bad[i].want) != 0)
			fail_msg("%s {%s}:\n got  %s\n want %s%s", bad[i].check, bad[i].keys,
				 buf_data(&err), prefix, bad[i].want);
		/* The key at fault is one the case gave (for file:line). */
		assert_int_equal(at.task, 0);
		if (at.key[0]) {
			char quoted[80];

			snprintf(quoted, sizeof(quoted), "\"%s\":", at.key);
			if (!strstr(bad[i].keys, quoted))
				fail_msg("%s {%s}: fault names key %s", bad[i].check, bad[i].keys, at.key);
		}
		buf_release(&err);
	}
}

static void test_good_values(void **state)
{
	struct buf err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		buf_init(&err, 1024);
		if (parse_one(good[i][0], good[i][1], &err, NULL) != RONDA_OK)
			fail_msg("%s {%s} refused: %s", good[i][0], good[i][1], buf_data(&err));
		buf_release(&err);
	}
}

/* Every rule of the schema has a bad case above: a new rule needs one. */
static void test_every_rule_is_tried(void **state)
{
	const struct proto_check *cs;
	size_t n, i;
	struct buf want;

	(void)state;
	cs = proto_checks(&n);
	for (size_t c = 0; c < n; c++) {
		for (const struct proto_field *f = cs[c].fields; f->name; f++) {
			char start[80], elem[80];

			if (f->rule == R_NONE)
				continue;
			snprintf(start, sizeof(start), "\"%s\" must be ", f->name);
			snprintf(elem, sizeof(elem), "\"%s\"[", f->name);
			for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
				if (strcmp(bad[i].check, cs[c].name) == 0 &&
				    (strncmp(bad[i].want, start, strlen(start)) == 0 ||
				     strncmp(bad[i].want, elem, strlen(elem)) == 0))
					break;
			}
			if (i == sizeof(bad) / sizeof(bad[0]))
				fail_msg("no bad case for %s \"%s\"", cs[c].name, f->name);
		}
		for (const struct proto_xrule *x = cs[c].xrules; x->kind != X_END; x++) {
			buf_init(&want, 256);
			proto_xrule_text(x, &want);
			for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
				if (strcmp(bad[i].check, cs[c].name) == 0 &&
				    strcmp(bad[i].want, buf_data(&want)) == 0)
					break;
			}
			if (i == sizeof(bad) / sizeof(bad[0]))
				fail_msg("no bad case for %s: %s", cs[c].name, buf_data(&want));
			buf_release(&want);
		}
	}
}

static void test_size_parse(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(proto_size_parse("100k", &v), RONDA_OK);
	assert_true(v == 102400);
	assert_int_equal(proto_size_parse("1.5k", &v), RONDA_EINVAL);
	assert_int_equal(proto_size_parse("", &v), RONDA_EINVAL);
	assert_int_equal(proto_size_parse("99999999999999999999G", &v), RONDA_EINVAL);
	assert_true(proto_sysctl_key_ok("net.ipv4.ip_forward"));
	assert_false(proto_sysctl_key_ok(".net"));
	assert_false(proto_sysctl_key_ok("net..x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_every_rule_is_tried),
		cmocka_unit_test(test_size_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
