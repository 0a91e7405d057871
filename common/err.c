/*
 * err.c - messages for ronda's error codes.
 */
#include "err.h"

#include "banned.h"

const char *ronda_strerror(int err)
{
	switch (err) {
	case RONDA_OK:		return "success";
	case RONDA_ENOMEM:	return "out of memory";
	case RONDA_ELIMIT:	return "size limit exceeded";
	case RONDA_EINVAL:	return "invalid argument";
	case RONDA_ESYS:	return "system call failed";
	case RONDA_EPARSE:	return "malformed input";
	case RONDA_ECONFIG:	return "configuration error";
	case RONDA_ETIMEOUT:	return "timed out";
	case RONDA_EPROTO:	return "protocol error";
	case RONDA_ENOTFOUND:	return "not found";
	case RONDA_EAGAIN:	return "try again";
	case RONDA_ESANDBOX:	return "sandbox error";
	}
	return "unknown error";
}
