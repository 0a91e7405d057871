/*
 * secret.c - see secret.h.
 */
#include "secret.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

int secret_init(struct secret *s)
{
	s->len = 0;
	s->p = mmap(NULL, SECRET_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->p == MAP_FAILED) {
		s->p = NULL;
		return RONDA_ENOMEM;
	}
	madvise(s->p, SECRET_PAGE, MADV_DONTDUMP);
	return RONDA_OK;
}

void secret_release(struct secret *s)
{
	if (s->p) {
		explicit_bzero(s->p, SECRET_PAGE);
		munmap(s->p, SECRET_PAGE);
	}
	s->p = NULL;
	s->len = 0;
}

int secret_ask_tty(int fd, const char *prompt, struct secret *s)
{
	struct termios old, quiet;
	int r = RONDA_ESYS, restore = 0;
	char c;

	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n' || c == '\r')
			break;
		if (s->len + 1 >= SECRET_MAX) {
			errno = EMSGSIZE;
			goto out;
		}
		s->p[s->len++] = c;
	}
	r = RONDA_OK;
out:
	c = 0;
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		r = RONDA_ESYS;
	return r;
}
