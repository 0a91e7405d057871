/*
 * main.c - the ronda command.
 *
 * For now only --version and --help; the engine and the subcommands arrive
 * with the orchestrator issue.  Exit codes (documented in ronda(1)):
 * 0 all good, 1 some checks failed, 2 some hosts unreachable or errored,
 * 64 usage or configuration error.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "version.h"
#include "banned.h"

#define EXIT_USAGE 64

static void usage(FILE *out)
{
	fputs("usage: ronda COMMAND [OPTIONS] ...\n"
	      "\n"
	      "  ronda --version      print the version\n"
	      "  ronda --help         print this help\n", out);
}

int main(int argc, char **argv)
{
	log_init("ronda", RLOG_WARN, 2);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ronda %s\n", RONDA_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
