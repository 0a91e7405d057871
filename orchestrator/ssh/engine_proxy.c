/*
 * engine_proxy.c - ProxyCommand: a local command whose stdin and stdout
 * are the host's transport, as ssh(1) runs it (through /bin/sh -c, after
 * the ssh_config layer expanded its tokens).  It runs in a process group of
 * its own, so that ending the host ends the command and what it started;
 * its stderr is ronda's, as ssh leaves it.  The connect deadline covers it
 * like a TCP connect.
 */
#include "engine_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "grow.h"
#include "log.h"
#include "banned.h"

extern char **environ;

int proxy_start(struct conn *c, char *why, size_t n)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char sh[] = "sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, c->t->proxy_command, NULL };
	int sv[2], err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, n, "ProxyCommand: socketpair: %s", strerror(errno));
		return RONDA_ESYS;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		close(sv[0]);
		close(sv[1]);
		snprintf(why, n, "ProxyCommand: out of memory");
		return RONDA_ENOMEM;
	}
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setpgroup(&at, 0);
	{
		sigset_t none;

		sigemptyset(&none);
		posix_spawnattr_setsigmask(&at, &none);
	}
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	err = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(sv[1]);
	if (err) {
		close(sv[0]);
		snprintf(why, n, "ProxyCommand: /bin/sh: %s", strerror(err));
		return RONDA_ESYS;
	}
	/* our end only: the command's end stays blocking, as it expects */
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	c->fd = sv[0];
	c->proxy_pid = pid;
	log_debug("%s: ProxyCommand started (pid %d): %s", c->t->name, (int)pid,
		  c->t->proxy_command);
	return RONDA_OK;
}

/* "; ProxyCommand exited with status N" once it has, else "". */
const char *proxy_note(struct conn *c, char *buf, size_t n)
{
	pid_t got = 0;
	int st = 0;

	buf[0] = '\0';
	if (c->proxy_pid <= 0)
		return buf;
	/* Its end of the socket closes a moment before it can be reaped:
	   worth up to 50 ms on this failure path, to say how it ended. */
	for (int i = 0; i < 10 && (got = waitpid(c->proxy_pid, &st, WNOHANG)) == 0; i++)
		usleep(5000);
	if (got != c->proxy_pid)
		return buf;
	c->proxy_pid = 0;
	if (WIFEXITED(st))
		snprintf(buf, n, "; ProxyCommand exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "; ProxyCommand killed by signal %d", WTERMSIG(st));
	return buf;
}

void proxy_stop(struct conn *c)
{
	struct engine *e = c->e;

	if (c->proxy_pid <= 0)
		return;
	kill(-c->proxy_pid, SIGTERM);
	if (waitpid(c->proxy_pid, NULL, WNOHANG) != c->proxy_pid &&
	    GROW(e->proxies, e->n_proxies, e->alloc_proxies, 16) == RONDA_OK)
		e->proxies[e->n_proxies++] = c->proxy_pid;	/* reaped at the end */
	c->proxy_pid = 0;
}

/* At the end of a run: what TERM did not end within a second gets KILL. */
void proxy_reap_all(struct engine *e)
{
	for (int round = 0; round < 20 && e->n_proxies; round++) {
		for (size_t i = 0; i < e->n_proxies;) {
			if (waitpid(e->proxies[i], NULL, WNOHANG) != 0)
				e->proxies[i] = e->proxies[--e->n_proxies];
			else
				i++;
		}
		if (e->n_proxies)
			usleep(50000);
	}
	for (size_t i = 0; i < e->n_proxies; i++) {
		kill(-e->proxies[i], SIGKILL);
		waitpid(e->proxies[i], NULL, 0);
	}
	free(e->proxies);
	e->proxies = NULL;
	e->n_proxies = e->alloc_proxies = 0;
}
