/* fuzz_sshconfig.c - ssh_config files: the input is loaded as -F FILE and
 * resolved for a few host names, as typed and with a forced user/port;
 * what loads must resolve or fail cleanly, and dump. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "inventory/sshconfig.h"
#include "banned.h"

static const char *const hosts[] = { "web1", "DB2.example.com", "10.0.0.5", "x" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshconfig *cfg;
	struct buf err, out;
	const char *path;

	fuzz_quiet();
	if (!(path = fuzz_file(data, size)))
		return 0;
	buf_init(&err, 4096);
	buf_init(&out, 1 << 20);
	if (sshconfig_load(path, "/nonexistent-home", &cfg, &err) == RONDA_OK) {
		for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
			struct ssh_options o;

			if (sshconfig_resolve(cfg, hosts[i], i & 1 ? "u" : NULL, i & 2 ? 2200 : 0,
					      "me", &o, &err) == RONDA_OK) {
				buf_reset(&out);
				if (ssh_options_dump(&o, &out))
					abort();
				ssh_options_release(&o);
			}
		}
		sshconfig_free(cfg);
	}
	buf_release(&out);
	buf_release(&err);
	return 0;
}
