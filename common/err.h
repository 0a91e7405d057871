/*
 * err.h - ronda's error codes.
 *
 * Every function that can fail returns an int: RONDA_OK (0) on success or one
 * of the negative codes below.  RONDA_ESYS means "look at errno", which the
 * failing call leaves set.  ronda_strerror() gives a short message for logs;
 * callers add the file, host or value that makes the message useful.
 */
#ifndef RONDA_ERR_H
#define RONDA_ERR_H

enum ronda_err {
	RONDA_OK = 0,
	RONDA_ENOMEM = -1,	/* allocation failed */
	RONDA_ELIMIT = -2,	/* a size or count limit would be exceeded */
	RONDA_EINVAL = -3,	/* invalid argument or value */
	RONDA_ESYS = -4,	/* system call failed; errno says why */
	RONDA_EPARSE = -5,	/* malformed input */
	RONDA_ECONFIG = -6,	/* configuration error */
	RONDA_ETIMEOUT = -7,	/* a deadline passed */
	RONDA_EPROTO = -8,	/* the peer broke the protocol */
	RONDA_ENOTFOUND = -9,	/* no such item */
	RONDA_EAGAIN = -10,	/* not ready yet; try again later */
	RONDA_ESANDBOX = -11,	/* the sandbox refused or failed */
};

/* Lowest valid code, for range checks in tests and callers. */
#define RONDA_ERR_MIN RONDA_ESANDBOX

/* A short, static, human-readable message; never NULL. */
const char *ronda_strerror(int err);

#endif
