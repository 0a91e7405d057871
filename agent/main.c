/*
 * main.c - ronda-agent, the static program run on every host.
 *
 * For now it only answers --version; the checks and the sandbox arrive with
 * the agent issue.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "version.h"
#include "banned.h"

int main(int argc, char **argv)
{
	log_init("ronda-agent", RLOG_WARN, 2);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ronda-agent %s\n", RONDA_VERSION);
		return 0;
	}
	fputs("usage: ronda-agent --version\n", stderr);
	return 64;
}
