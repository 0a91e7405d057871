/*
 * sshconfig-resolve - ronda's ssh_config resolution for the oracle test
 * (tests/integration/57-sshconfig.sh): prints what `ssh -G` prints for the
 * keywords ronda resolves, so the two can be compared line by line.
 *
 *   sshconfig-resolve [-F file|none] [-H home] [-S system_file|none]
 *                     [-l user] [-p port] [-u local_user] host
 *
 * Without -F it reads home/.ssh/config then the system file, as ssh does.
 * Warnings go to stderr as "warning: ..."; errors as "error: ..." with
 * exit status 1.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inventory/sshconfig.h"
#include "banned.h"

int main(int argc, char **argv)
{
	const char *F = NULL, *home = NULL, *sys = SSHCONFIG_SYSTEM_FILE, *user = NULL;
	const char *luser = NULL;
	struct passwd *pw = getpwuid(getuid());
	unsigned port = 0;
	struct sshconfig *cfg = NULL;
	struct ssh_options o;
	struct buf err, out;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "F:H:S:l:p:u:")) != -1) {
		switch (c) {
		case 'F': F = optarg; break;
		case 'H': home = optarg; break;
		case 'S': sys = strcmp(optarg, "none") ? optarg : NULL; break;
		case 'l': user = optarg; break;
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': luser = optarg; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: sshconfig-resolve [-F file] [-H home] [-S sys] "
			"[-l user] [-p port] [-u local_user] host\n");
		return 2;
	}
	if (!home)
		home = pw ? pw->pw_dir : "/";
	if (!luser)
		luser = pw ? pw->pw_name : "nobody";
	buf_init(&err, 1 << 16);
	buf_init(&out, 1 << 20);
	if (sshconfig_load_with(F, home, sys, &cfg, &err) ||
	    sshconfig_resolve(cfg, argv[optind], user, port, luser, &o, &err)) {
		fprintf(stderr, "error: %s\n", buf_data(&err));
		goto out;
	}
	for (size_t i = 0; i < o.warnings.n; i++)
		fprintf(stderr, "warning: %s\n", o.warnings.v[i]);
	if (!ssh_options_dump(&o, &out))
		rc = buf_write_fd(&out, 1) ? 1 : 0;
	ssh_options_release(&o);
out:
	sshconfig_free(cfg);
	buf_release(&err);
	buf_release(&out);
	return rc;
}
