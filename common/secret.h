/*
 * secret.h - a password or passphrase held for a moment, and asked for.
 *
 * It lives in one page of its own, mapped for it and marked MADV_DONTDUMP,
 * so a core dump never holds it; secret_release() wipes the page before it
 * unmaps it.  Nothing else may copy it to the heap, argv or the
 * environment: consumers read s->p and s->len in place.
 */
#ifndef RONDA_SECRET_H
#define RONDA_SECRET_H

#include <stddef.h>

#define SECRET_PAGE 4096
#define SECRET_MAX 1024	/* as OpenSSH's readpassphrase buffer */

struct secret {
	char *p;	/* SECRET_PAGE bytes, or NULL */
	size_t len;
};

/* Maps the page; RONDA_ENOMEM when it cannot. */
int secret_init(struct secret *s);
/* Wipes and unmaps the page; s is as before secret_init.  Safe twice. */
void secret_release(struct secret *s);
/*
 * Reads one line from the terminal fd without echo, after writing prompt;
 * the newline is kept off.  RONDA_ESYS (errno set) when fd fails or the
 * line reaches SECRET_MAX bytes.
 */
int secret_ask_tty(int fd, const char *prompt, struct secret *s);

#endif
