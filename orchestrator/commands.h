/*
 * commands.h - the subcommands main() dispatches to.  Each gets argv from
 * its own name on, and returns the process exit code (cli.h).
 */
#ifndef RONDA_COMMANDS_H
#define RONDA_COMMANDS_H

int cmd_hosts(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
