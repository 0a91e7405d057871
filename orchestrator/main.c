/*
 * main.c - the ronda command: picks a subcommand from a table and hands it
 * argv from the subcommand's name on.  Each subcommand parses its own
 * options (cli.h) and returns the exit code; only main() exits.
 *
 * Exit codes (ronda --help, README): 0 all good, 1 a command or check
 * failed on some host, 2 some host unreachable or errored, 3 interrupted,
 * 64 usage error, 70 internal error, 78 configuration error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "log.h"
#include "patrol/agent_bin.h"
#include "ssh/engine.h"
#include "version.h"
#include "banned.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "hosts", cmd_hosts, "[-i INV] PATTERN                which hosts a pattern selects" },
	{ "exec", cmd_exec, "[-i INV] PATTERN -- CMD [ARG...]  run a command, output folded" },
	{ "check", cmd_check, "[-i INV] PATTERN CHECK...        ad hoc checks through the agent" },
	{ "run", cmd_run, "[-i INV] PLAYBOOK [--limit PATTERN] [--dry-run]  run a playbook" },
	{ "copy", cmd_copy, "[-i INV] PATTERN SRC... DEST        push files to every host" },
	{ "fetch", cmd_fetch, "[-i INV] PATTERN REMOTE... LOCALDIR  collect files into LOCALDIR/HOST/" },
	{ "diff", cmd_diff, "[--json] RUN1 RUN2              what changed between two --out runs" },
	{ "merge", cmd_merge, "OUTDIR RUNDIR...               the --shard runs of one run, joined" },
	{ "serve", cmd_serve, "[-i INV] PATTERN | --status     the warm daemon: a session held per host" },
};

static void usage(FILE *out)
{
	fputs("usage: ronda COMMAND [OPTIONS] ...\n\nCommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  ronda %s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "  ronda --version      print the version, and each agent with its SHA-256\n"
	      "  ronda --help         print this help\n"
	      "  ronda COMMAND --help options of COMMAND\n"
	      "\n"
	      "What a host sends is shown with control characters, bidi controls and\n"
	      "invalid UTF-8 escaped (\\x1b, \\u202e); ronda exec passes its output\n"
	      "unchanged when stdout is not a terminal, or with --raw.\n"
	      "\n"
	      "Exit status: 0 all good; 1 a command or check failed on some host;\n"
	      "2 some host unreachable or errored; 3 interrupted; 4 (merge) some host\n"
	      "of the pattern not patrolled, a shard missing; 64 usage error;\n"
	      "69 (serve --status) no daemon; 77 (serve --status) refused by it;\n"
	      "70 internal error; 78 configuration error.\n", out);
}

/* The version, the SSH library, and each agent beside ronda with its hash. */
static int version(void)
{
	struct agent_set agents;
	struct buf err;

	printf("ronda %s\n%s\n", RONDA_VERSION, engine_ssh_library());
	buf_init(&err, 4096);
	if (agent_set_load(&agents, NULL, 0, &err) == RONDA_OK) {
		for (size_t i = 0; i < agents.n; i++)
			printf("agent %s sha256:%s %s\n", agents.v[i].arch, agents.v[i].sha256,
			       agents.v[i].path);
		agent_set_release(&agents);
	} else {
		printf("agent: none (%s)\n", buf_data(&err));
	}
	buf_release(&err);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	log_init("ronda", RLOG_WARN, 2);
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return version();
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (argc >= 2)
		fprintf(stderr, "ronda: unknown command '%.64s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
