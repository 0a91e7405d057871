/*
 * become.c - see become.h.
 */
#include "become.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "remote.h"
#include "banned.h"

/*
 * Step 1, as  sh -c PROBE ronda-become USER: sudo's messages stay on stderr
 * for the person; stdout is the answer.  No single quote (remote_sh).
 */
static const char probe[] =
	"if sudo -n -k -u \"$1\" -- true 2>/dev/null; then echo nopass; exit 0; fi; "
	"sudo -S -k -p \"\" -u \"$1\" -- true && echo pass";

void become_init(struct become *b, const char *user)
{
	memset(b, 0, sizeof(*b));
	b->user = user ? user : "root";
	buf_init(&b->probe, 4096);
}

void become_release(struct become *b)
{
	secret_release(&b->pass);
	buf_release(&b->probe);
}

int become_ask(struct become *b, struct buf *err)
{
	int tty, r;

	tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0) {
		buf_printf(err, "--ask-become-pass needs a terminal to ask the sudo password "
			   "on (/dev/tty: %s); ronda reads it from nowhere else", strerror(errno));
		return RONDA_EINVAL;
	}
	r = secret_init(&b->pass);
	if (r == RONDA_OK && (r = secret_ask_tty(tty, "BECOME password: ", &b->pass)))
		buf_printf(err, "cannot read the sudo password: %s", strerror(errno));
	close(tty);
	if (r == RONDA_OK) {
		b->pass.p[b->pass.len++] = '\n';	/* room: SECRET_MAX < SECRET_PAGE */
		r = remote_sh(&b->probe, probe, "ronda-become");
		if (r == RONDA_OK)
			r = buf_putc(&b->probe, ' ');
		if (r == RONDA_OK)
			r = remote_quote(&b->probe, b->user);
	}
	if (r)
		secret_release(&b->pass);
	return r;
}

int become_command(const struct become *b, enum become_mode m, const char *guarded,
		   struct buf *out)
{
	int r = buf_puts(out, m == BECOME_PASS ? "sudo -S -k -p '' -u " : "sudo -n -u ");

	if (r == RONDA_OK)
		r = remote_quote(out, b->user);
	if (r == RONDA_OK)
		r = buf_puts(out, " -- ");
	return r ? r : buf_puts(out, guarded);
}

int become_probe_result(const struct become *b, struct host_result *r)
{
	const char *out = buf_data(&r->out), *e = buf_data(&r->err);
	size_t n = buf_len(&r->out), end = buf_len(&r->err), start;

	if (r->status == RESULT_OK && n == 5 && memcmp(out, "pass\n", 5) == 0)
		return BECOME_PASS;
	if (r->status == RESULT_OK && n == 7 && memcmp(out, "nopass\n", 7) == 0)
		return BECOME_NOPASS;
	/* sudo's last line says why: incorrect password, not in sudoers... */
	while (end && e[end - 1] == '\n')
		end--;
	for (start = end; start && e[start - 1] != '\n'; start--)
		;
	r->status = RESULT_BECOME;
	if (end > start)
		snprintf(r->why, sizeof(r->why), "sudo as %s refused: %.*s", b->user,
			 (int)(end - start), e + start);
	else
		snprintf(r->why, sizeof(r->why), "sudo as %s refused (is sudo installed?)",
			 b->user);
	return -1;
}

void become_stdin(const struct become *b, const char *in, size_t inlen, size_t off,
		  const char **data, size_t *n)
{
	size_t pl = b->pass.len;

	if (off < pl) {
		*data = b->pass.p + off;
		*n = pl - off;
		return;
	}
	off -= pl;
	*data = in ? in + off : NULL;
	*n = in && off < inlen ? inlen - off : 0;
}
