/*
 * keyunlock.c - see keyunlock.h.
 */
#include "keyunlock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "secret.h"
#include "sshagent.h"
#include "sshcert.h"
#include "banned.h"

extern char **environ;

void keyunlock_init(struct keyunlock *k)
{
	memset(k, 0, sizeof(*k));
}

/* Whether an agent already offers the key of id (by its .pub). */
static int held_by_agent(const struct ident *id, const struct agent_keys *held)
{
	unsigned char *blob;
	size_t len;
	int found = 0;

	if (!held || !id->pub || sshcert_pubfile_blob(id->pub, id->publen, &blob, &len))
		return 0;
	for (size_t i = 0; i < held->n && !found; i++)
		found = held->v[i].bloblen == len && memcmp(held->v[i].blob, blob, len) == 0;
	free(blob);
	return found;
}

/*
 * Runs argv with in on its stdin and its stdout and stderr into out (up to
 * cap bytes; NULL: not kept).  In a new session: with no terminal, ssh-add reads the
 * passphrase from the pipe instead of asking on ours again.
 */
static int run(char *const argv[], char *const envp[], const char *in, size_t inlen,
	       char *out, size_t cap, size_t *outlen, int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, r = RONDA_ESYS;
	pid_t pid = 0;

	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC))
		goto out;
	if (posix_spawn_file_actions_init(&fa))
		goto out;
	if (posix_spawnattr_init(&at)) {
		posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 2);
	errno = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (errno) {
		pid = 0;
		goto out;
	}
	close(pin[0]);
	close(pout[1]);
	pin[0] = pout[1] = -1;
	/* the passphrase is one line, far below a pipe's capacity */
	if (inlen && write(pin[1], in, inlen) != (ssize_t)inlen)
		goto out;
	close(pin[1]);
	pin[1] = -1;
	for (;;) {
		char chunk[512];
		ssize_t n = read(pout[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; out && i < n && *outlen < cap; i++)
			out[(*outlen)++] = chunk[i];
		explicit_bzero(chunk, sizeof(chunk));
	}
	r = RONDA_OK;
out:
	if (pid > 0) {
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
	}
	return r;
}

enum asker { ASK_NONE, ASK_TTY, ASK_ASKPASS };

/* OpenSSH's rules (readpass.c): SSH_ASKPASS needs a display unless forced. */
static enum asker choose_asker(int *tty)
{
	const char *ap = getenv("SSH_ASKPASS"), *req = getenv("SSH_ASKPASS_REQUIRE");
	int display = getenv("DISPLAY") || getenv("WAYLAND_DISPLAY");
	int allow = ap && *ap && display, use = 0;

	if (req && strcmp(req, "force") == 0)
		allow = use = ap && *ap;
	else if (req && strcmp(req, "prefer") == 0)
		use = allow;
	else if (req && strcmp(req, "never") == 0)
		allow = 0;
	*tty = -1;
	if (use)
		return ASK_ASKPASS;
	*tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (*tty >= 0)
		return ASK_TTY;
	return allow ? ASK_ASKPASS : ASK_NONE;
}

static int ask_askpass(const char *prompt, struct secret *pass, int *status)
{
	char *argv[] = { getenv("SSH_ASKPASS"), (char *)(uintptr_t)prompt, NULL };
	int r = run(argv, environ, NULL, 0, pass->p, SECRET_MAX - 1, &pass->len, status);

	/* its answer ends with a newline */
	while (r == RONDA_OK && pass->len && (pass->p[pass->len - 1] == '\n' ||
					      pass->p[pass->len - 1] == '\r'))
		pass->len--;
	return r;
}

/* ssh-add's environment: our agent, and no way to ask anyone but the pipe. */
static int add_env(const struct keyunlock *k, struct buf *store, char ***envp)
{
	size_t n = 0, i = 0;
	char **v;

	for (char **e = environ; *e; e++)
		n++;
	v = calloc(n + 3, sizeof(*v));
	if (!v)
		return RONDA_ENOMEM;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SSH_AUTH_SOCK=", 14) && strncmp(*e, "SSH_ASKPASS", 11) &&
		    strncmp(*e, "DISPLAY=", 8) && strncmp(*e, "WAYLAND_DISPLAY=", 16))
			v[i++] = *e;
	if (buf_printf(store, "SSH_AUTH_SOCK=%s%cSSH_ASKPASS_REQUIRE=never", k->sock, '\0')) {
		free(v);
		return RONDA_ENOMEM;
	}
	v[i++] = (char *)(uintptr_t)buf_data(store);
	v[i++] = (char *)(uintptr_t)buf_data(store) + strlen(buf_data(store)) + 1;
	v[i] = NULL;
	*envp = v;
	return RONDA_OK;
}

/* Starts ssh-agent -D on a private socket; up once the socket accepts. */
static int start_agent(struct keyunlock *k)
{
	const char *tmp = getenv("TMPDIR");
	char *argv[] = { (char *)(uintptr_t)"ssh-agent", (char *)(uintptr_t)"-D",
			 (char *)(uintptr_t)"-a", k->sock, NULL };
	posix_spawn_file_actions_t fa;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(k->dir, sizeof(k->dir), "%s/ronda-agent.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	if (!mkdtemp(k->dir)) {
		log_error("cannot make a directory for ronda's ssh-agent (%s): %s", k->dir,
			  strerror(errno));
		k->dir[0] = '\0';
		return RONDA_ESYS;
	}
	snprintf(k->sock, sizeof(k->sock), "%s/agent.sock", k->dir);
	if (posix_spawn_file_actions_init(&fa))
		return RONDA_ESYS;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	errno = posix_spawnp(&k->agent, "ssh-agent", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (errno) {
		log_error("cannot start ssh-agent for the encrypted key(s): %s", strerror(errno));
		k->agent = 0;
		return RONDA_ESYS;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", k->sock);
	/* bounded: 200 tries of 25 ms */
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		if (fd < 0)
			return RONDA_ESYS;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return RONDA_OK;
		if (waitpid(k->agent, NULL, WNOHANG) == k->agent) {
			k->agent = 0;
			break;
		}
		nanosleep(&(struct timespec){ 0, 25 * 1000 * 1000 }, NULL);
	}
	log_error("ssh-agent for the encrypted key(s) did not come up on %s", k->sock);
	return RONDA_ESYS;
}

/* Asks for one key's passphrase and hands it to ssh-add on a pipe. */
static int unlock(struct keyunlock *k, const struct ident *id, enum asker how, int tty)
{
	char prompt[600], **envp = NULL;
	char *argv[] = { (char *)(uintptr_t)"ssh-add", (char *)(uintptr_t)"-q", id->path, NULL };
	struct secret pass;
	struct buf store;
	int r, status = 0;

	buf_init(&store, 8192);
	r = secret_init(&pass);
	if (r)
		goto out;
	snprintf(prompt, sizeof(prompt), "Enter passphrase for %s: ", id->path);
	r = how == ASK_TTY ? secret_ask_tty(tty, prompt, &pass) : ask_askpass(prompt, &pass, &status);
	if (r == RONDA_OK && how == ASK_ASKPASS && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		log_error("identity file %s: SSH_ASKPASS (%s) gave no passphrase", id->path,
			  getenv("SSH_ASKPASS"));
		r = RONDA_ECONFIG;
		goto out;
	}
	if (r) {
		log_error("identity file %s: cannot read its passphrase: %s", id->path,
			  strerror(errno));
		goto out;
	}
	pass.p[pass.len++] = '\n';
	r = add_env(k, &store, &envp);
	if (r == RONDA_OK)
		r = run(argv, envp, pass.p, pass.len, NULL, 0, NULL, &status);
	if (r == RONDA_OK && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		log_error("identity file %s: wrong passphrase (ssh-add refused it)", id->path);
		r = RONDA_ECONFIG;
	}
	if (r == RONDA_OK) {
		k->n_keys++;
		log_info("identity file %s: unlocked once into ronda's ssh-agent", id->path);
	}
out:
	secret_release(&pass);
	buf_release(&store);
	free(envp);
	return r;
}

int keyunlock_start(struct keyunlock *k, const struct ident_set *ids,
		    const struct agent_keys *held)
{
	enum asker how = ASK_NONE;
	int tty = -1, r = RONDA_OK;

	for (size_t i = 0; i < ids->n && r == RONDA_OK; i++) {
		const struct ident *id = &ids->v[i];

		if (!id->encrypted)
			continue;
		if (held_by_agent(id, held)) {
			log_debug("identity file %s: encrypted; ssh-agent holds it", id->path);
			continue;
		}
		if (how == ASK_NONE && tty < 0 && (how = choose_asker(&tty)) == ASK_NONE) {
			log_error("identity file %s is encrypted and no ssh-agent holds it; "
				  "there is no terminal to ask its passphrase on: load it once with "
				  "ssh-add %s (ssh-agent), or set SSH_ASKPASS", id->path, id->path);
			r = RONDA_ECONFIG;
			break;
		}
		if (!k->agent && (r = start_agent(k)))
			break;
		r = unlock(k, id, how, tty);
	}
	if (tty >= 0)
		close(tty);
	return r;
}

void keyunlock_stop(struct keyunlock *k)
{
	if (k->agent > 0) {
		kill(k->agent, SIGTERM);
		while (waitpid(k->agent, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (k->sock[0])
		unlink(k->sock);
	if (k->dir[0])
		rmdir(k->dir);
	keyunlock_init(k);
}
