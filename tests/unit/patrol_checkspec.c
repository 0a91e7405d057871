/*
 * patrol_checkspec.c - the compact check syntax of `ronda check`
 * (orchestrator/patrol/checkspec.c): what each spec becomes, and what is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "patrol/checkspec.h"
#include "proto.h"
#include "banned.h"

/* The task a spec becomes, as compact JSON with sorted keys, or NULL. */
static char *task_of(const char *spec, struct buf *err)
{
	struct patrol_plan p;
	char *s = NULL;

	patrol_plan_init(&p);
	if (checkspec_parse(spec, &p, err) == RONDA_OK) {
		assert_int_equal(json_array_size(p.tasks), 1);
		json_t *t = json_array_get(p.tasks, 0);

		/* Named by the spec itself; the rest is compared as text. */
		assert_string_equal(json_string_value(json_object_get(t, "name")), spec);
		json_object_del(t, "name");
		s = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
		assert_string_equal(p.name, "check");
		assert_string_equal(p.profile, "inspect");
	} else {
		assert_null(p.tasks);
	}
	patrol_plan_release(&p);
	return s;
}

static void becomes(const char *spec, const char *want)
{
	struct buf err;
	char *got;

	buf_init(&err, 1024);
	got = task_of(spec, &err);
	if (!got)
		fail_msg("%s refused: %s", spec, buf_data(&err));
	if (strcmp(got, want) != 0)
		fail_msg("%s became %s, not %s", spec, got, want);
	free(got);
	buf_release(&err);
}

static void refused(const char *spec, const char *want)
{
	struct buf err;
	char *got;

	buf_init(&err, 1024);
	got = task_of(spec, &err);
	if (got)
		fail_msg("%s was accepted: %s", spec, got);
	if (!strstr(buf_data(&err), want))
		fail_msg("%s: error \"%s\" lacks \"%s\"", spec, buf_data(&err), want);
	buf_release(&err);
}

#define NC(spec, check) "{\"check\":\"" check "\""

static void test_disk_mem_load(void **state)
{
	(void)state;
	becomes("disk", NC("disk", "disk") "}");
	becomes("disk:/var", NC("disk:/var", "disk") ",\"path\":\"/var\"}");
	becomes("disk:/var:90%", NC("disk:/var:90%", "disk") ",\"fail\":90,\"path\":\"/var\",\"warn\":90}");
	becomes("disk:/var:80%:90%", NC("disk:/var:80%:90%", "disk") ",\"fail\":90,\"path\":\"/var\",\"warn\":80}");
	becomes("disk:/:85", NC("disk:/:85", "disk") ",\"fail\":85,\"path\":\"/\",\"warn\":85}");
	becomes("disk::95%", NC("disk::95%", "disk") ",\"fail\":95,\"warn\":95}");
	becomes("disk:/var:92.5%", NC("disk:/var:92.5%", "disk") ",\"fail\":92.5,\"path\":\"/var\",\"warn\":92.5}");
	becomes("mem:10%", NC("mem:10%", "memory") ",\"fail\":10,\"warn\":10}");
	becomes("memory:20%:10%", NC("memory:20%:10%", "memory") ",\"fail\":10,\"warn\":20}");
	becomes("mem", NC("mem", "memory") "}");
	becomes("load:2", NC("load:2", "load") ",\"fail\":2,\"warn\":2}");
	becomes("load:1.5:3", NC("load:1.5:3", "load") ",\"fail\":3,\"warn\":1.5}");
	refused("disk:var:90%", "\"path\" must be an absolute path, not \"var\"");
	refused("disk:/var:190%", "\"190%\" is not a percentage");
	refused("disk:/var:90%%", "\"90%%\" is not a percentage");
	refused("disk:/var:-1%", "is not a percentage");
	refused("disk:/var:nan", "is not a percentage");
	refused("disk:/var:0x10", "is not a percentage");
	refused("disk:/var:90%:80%", "warn (90%) must come before fail (80%)");
	refused("disk:/var:1:2:3", "too many fields");
	refused("mem:5%:10%", "warn >= fail, lower is worse");
	refused("load:2%", "is not a load per CPU");
	refused("load:inf", "is not a load per CPU");
	refused("load:", "\"\" is not a load per CPU");
}

static void test_proc_port_file(void **state)
{
	(void)state;
	becomes("proc:nginx", NC("proc:nginx", "process") ",\"comm\":\"nginx\"}");
	becomes("proc:nginx:4", NC("proc:nginx:4", "process") ",\"comm\":\"nginx\",\"min\":4}");
	becomes("process:cron:1-1", NC("process:cron:1-1", "process") ",\"comm\":\"cron\",\"max\":1,\"min\":1}");
	becomes("proc:telnetd:0-0", NC("proc:telnetd:0-0", "process") ",\"comm\":\"telnetd\",\"max\":0,\"min\":0}");
	refused("proc", "give a process name");
	refused("proc:", "give a process name");
	refused("proc:averyveryverylongname", "at most 15 characters");
	refused("proc:nginx:x", "want a count MIN or a range MIN-MAX");
	refused("proc:nginx:3-1", "the range 3-1 is empty");
	refused("proc:nginx:-1", "want a count");
	becomes("port:443", NC("port:443", "port") ",\"port\":443}");
	becomes("port:53/udp", NC("port:53/udp", "port") ",\"port\":53,\"proto\":\"udp\"}");
	becomes("port:23:closed", NC("port:23:closed", "port") ",\"expect\":\"closed\",\"port\":23}");
	refused("port:0", "\"port\" must be 1 to 65535, not 0");
	refused("port:65536", "\"port\" must be 1 to 65535, not 65536");
	refused("port:https", "not a port");
	refused("port:53/sctp", "\"proto\" must be tcp or udp, not \"sctp\"");
	refused("port:22:open", "\"expect\" must be listening or closed, not \"open\"");
	refused("port", "write port:PORT");
	becomes("file:/etc/x", NC("file:/etc/x", "file") ",\"path\":\"/etc/x\"}");
	becomes("file:/etc/nologin:absent", NC("file:/etc/nologin:absent", "file") ",\"exists\":false,\"path\":\"/etc/nologin\"}");
	refused("file:etc/x", "\"path\" must be an absolute path, not \"etc/x\"");
	refused("file:/etc/x:gone", "say absent or present");
	refused("file", "write file:PATH");
}

static void test_svc_mount_sysctl_misc(void **state)
{
	(void)state;
	becomes("svc:nginx", NC("svc:nginx", "service") ",\"unit\":\"nginx\"}");
	becomes("service:apache2:inactive", NC("service:apache2:inactive", "service") ",\"expect\":\"inactive\",\"unit\":\"apache2\"}");
	refused("svc", "write svc:UNIT");
	refused("svc:-x", "\"unit\" must be a systemd unit name");
	refused("svc:a/b", "\"unit\" must be a systemd unit name (letters, digits and : _ . @ - \\, not starting with -), not \"a/b\"");
	becomes("mount:/data", NC("mount:/data", "mount") ",\"path\":\"/data\"}");
	becomes("mount:/data:ro,noexec", NC("mount:/data:ro,noexec", "mount") ",\"options\":[\"ro\",\"noexec\"],\"path\":\"/data\"}");
	refused("mount:/data:ro,,x", "empty mount option");
	refused("mount:data", "\"path\" must be an absolute path, not \"data\"");
	becomes("sysctl:net.ipv4.ip_forward=0", NC("sysctl:net.ipv4.ip_forward=0", "sysctl") ",\"key\":\"net.ipv4.ip_forward\",\"op\":\"eq\",\"value\":0}");
	becomes("sysctl:vm.swappiness<=10", NC("sysctl:vm.swappiness<=10", "sysctl") ",\"key\":\"vm.swappiness\",\"op\":\"le\",\"value\":10}");
	becomes("sysctl:kernel.pid_max>32768", NC("sysctl:kernel.pid_max>32768", "sysctl") ",\"key\":\"kernel.pid_max\",\"op\":\"gt\",\"value\":32768}");
	becomes("sysctl:a.b!=x", NC("sysctl:a.b!=x", "sysctl") ",\"key\":\"a.b\",\"op\":\"ne\",\"value\":\"x\"}");
	becomes("sysctl:kernel.core_pattern=|/bin/x:%p", NC("sysctl:kernel.core_pattern=|/bin/x:%p", "sysctl") ",\"key\":\"kernel.core_pattern\",\"op\":\"eq\",\"value\":\"|/bin/x:%p\"}");
	refused("sysctl:vm.swappiness", "write sysctl:KEY=VALUE");
	refused("sysctl:=1", "write sysctl:KEY=VALUE");
	refused("sysctl", "write sysctl:KEY=VALUE");
	refused("sysctl:vm.swappiness=", "no value after \"=\"");
	refused("sysctl:vm.swappiness<abc", "\"value\" must be a number when \"op\" is lt, le, gt or ge");
	refused("sysctl:vm swappiness=1", "\"key\" must be a sysctl name such as net.ipv4.ip_forward, not \"vm swappiness\"");
	becomes("uptime", NC("uptime", "uptime") "}");
	becomes("uptime:30", NC("uptime:30", "uptime") ",\"fail_days\":30}");
	refused("uptime:0", "not a number of days");
	refused("uptime:1:2", "too many fields");
	becomes("clock", NC("clock", "clock") "}");
	becomes("clock:2", NC("clock:2", "clock") ",\"fail\":2,\"warn\":2}");
	becomes("clock:0.5:2", NC("clock:0.5:2", "clock") ",\"fail\":2,\"warn\":0.5}");
	refused("", "empty");
	refused("dsk:/", "unknown check \"dsk\"");
	refused("rotate:/var/log", "unknown check \"rotate\"");
	refused("a:b:c:d:e:f:g", "too many ':' fields");
}

/* Several specs make one plan; the same spec twice is refused. */
static void test_plan(void **state)
{
	const char *specs[] = { "disk:/var:90%", "load:2", "proc:nginx", "port:443",
				"sysctl:vm.swappiness<=60", "clock" };
	struct patrol_plan p;
	struct proto_job job;
	struct buf err, text;

	(void)state;
	buf_init(&err, 1024);
	buf_init(&text, 1 << 20);
	patrol_plan_init(&p);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		assert_int_equal(checkspec_parse(specs[i], &p, &err), RONDA_OK);
	assert_int_equal(checkspec_parse("load:2", &p, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "check \"load:2\": given twice"));
	assert_int_equal(json_array_size(p.tasks), 6);
	assert_int_equal(patrol_plan_job(&p, 1700000000.5, &text), RONDA_OK);
	assert_int_equal(proto_job_parse(buf_data(&text), buf_len(&text), &job, &err), RONDA_OK);
	assert_int_equal(job.n_tasks, 6);
	assert_true(job.now == 1700000000.5);
	proto_job_release(&job);
	patrol_plan_release(&p);
	buf_release(&err);
	buf_release(&text);
	/* The help names every type it accepts. */
	for (const char *const *w = (const char *const[]){ "disk", "mem", "load", "proc",
		"port", "file", "svc", "mount", "sysctl", "uptime", "clock", NULL }; *w; w++)
		assert_non_null(strstr(checkspec_help, *w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_mem_load),
		cmocka_unit_test(test_proc_port_file),
		cmocka_unit_test(test_svc_mount_sysctl_misc),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
