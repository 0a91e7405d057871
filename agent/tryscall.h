/*
 * tryscall.h - test and benchmark modes of the agent binary.
 *
 * --try-syscall PROFILES NAME...: applies the comma-separated profiles in
 * order ("none", "inspect", "maintain", "command", "command-unix",
 * "landlock" for an inspect Landlock ruleset), then makes each named system
 * call with arguments the kernel would reject harmlessly (a path under
 * /nonexistent, a pid no process has, descriptor -1, a bad magic number) or
 * that change nothing (a limit or priority set to its own value, signal 0),
 * printing "NAME ok" or
 * "NAME errno=ENAME" after each one.  A call the profile kills ends the
 * process with SIGSYS, which the caller sees.  This is bubblewrap's
 * try-syscall idea: prove what a filter refuses and what it lets through.
 *
 * --bench-spawn N: median latency of N spawns of /bin/true through
 * posix_spawn, fork+execve, and the agent's full spawn_run().
 *
 * --bench-run N INPUT -- /PATH ARG...: median wall time of N runs of a
 * program with stdin from INPUT and stdout to /dev/null.
 */
#ifndef RONDA_TRYSCALL_H
#define RONDA_TRYSCALL_H

int tryscall_main(const char *profiles, char **names);
int bench_spawn_main(const char *count);
int bench_run_main(const char *count, const char *input, char **argv);

#endif
