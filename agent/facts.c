/*
 * facts.c - host facts; see facts.h.  Everything comes from uname(2),
 * sysinfo(2), sysconf and small files, none of which can block.
 */
#include "facts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "banned.h"

int facts_os_release_get(const char *text, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key), vl;
	const char *p = text, *v;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, kl) || p[kl] != '=')
			continue;
		v = p + kl + 1;
		vl = strcspn(v, "\n");
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v++;
			vl -= 2;
		}
		if (vl >= n)
			return RONDA_ELIMIT;
		memcpy(out, v, vl);
		out[vl] = '\0';
		return RONDA_OK;
	}
	return RONDA_ENOTFOUND;
}

json_t *facts_collect(void)
{
	static const char *const osr[] = { "/etc/os-release", "/usr/lib/os-release", NULL };
	static const struct { const char *key, *name; } osk[] = {
		{ "PRETTY_NAME", "os" }, { "ID", "os_id" }, { "VERSION_ID", "os_version" },
	};
	struct utsname u;
	struct sysinfo si;
	struct buf b;
	char val[256];
	json_t *f = json_object();
	double up;
	long cpus;

	if (!f)
		return NULL;
	buf_init(&b, 64 << 10);
	if (uname(&u) == 0) {
		json_object_set_new(f, "hostname", proto_string(u.nodename));
		json_object_set_new(f, "kernel", proto_string(u.release));
		json_object_set_new(f, "kernel_version", proto_string(u.version));
		json_object_set_new(f, "arch", proto_string(u.machine));
	}
	for (const char *const *p = osr; *p; p++) {
		if (check_read_file(*p, &b, 64 << 10) != RONDA_OK)
			continue;
		for (size_t i = 0; i < sizeof(osk) / sizeof(osk[0]); i++) {
			if (facts_os_release_get(buf_data(&b), osk[i].key, val, sizeof(val)) == RONDA_OK)
				json_object_set_new(f, osk[i].name, proto_string(val));
		}
		break;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus > 0)
		json_object_set_new(f, "cpus", json_integer(cpus));
	if (sysinfo(&si) == 0)
		json_object_set_new(f, "memory_bytes",
				    json_integer((json_int_t)si.totalram * si.mem_unit));
	if (check_read_file("/proc/uptime", &b, 4096) == RONDA_OK &&
	    sscanf(buf_data(&b), "%lf", &up) == 1) {
		json_object_set_new(f, "uptime_s", json_integer((json_int_t)up));
		json_object_set_new(f, "boot_time",
				    json_integer((json_int_t)floor((double)time(NULL) - up)));
	}
	buf_release(&b);
	return f;
}
