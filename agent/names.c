/*
 * names.c - signal and errno names (see names.h).  Tables, not glibc's
 * sigabbrev_np and strerrorname_np: the pushed agent links musl, which has
 * neither, and one table serves both libcs.
 */
#include "names.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "banned.h"

#define N(x) [x] = #x

/* Without the "SIG", as sigabbrev_np gives them. */
static const char *const sig_names[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT", [SIGILL] = "ILL",
	[SIGTRAP] = "TRAP", [SIGABRT] = "ABRT", [SIGBUS] = "BUS", [SIGFPE] = "FPE",
	[SIGKILL] = "KILL", [SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU", [SIGURG] = "URG", [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGPOLL] = "POLL", [SIGPWR] = "PWR", [SIGSYS] = "SYS",
};

/* Linux's errnos, one name each (EAGAIN, not EWOULDBLOCK; EOPNOTSUPP). */
static const char *const errno_names[] = {
	N(EPERM), N(ENOENT), N(ESRCH), N(EINTR),
	N(EIO), N(ENXIO), N(E2BIG), N(ENOEXEC),
	N(EBADF), N(ECHILD), N(EAGAIN), N(ENOMEM),
	N(EACCES), N(EFAULT), N(ENOTBLK), N(EBUSY),
	N(EEXIST), N(EXDEV), N(ENODEV), N(ENOTDIR),
	N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE),
	N(ENOTTY), N(ETXTBSY), N(EFBIG), N(ENOSPC),
	N(ESPIPE), N(EROFS), N(EMLINK), N(EPIPE),
	N(EDOM), N(ERANGE), N(EDEADLK), N(ENAMETOOLONG),
	N(ENOLCK), N(ENOSYS), N(ENOTEMPTY), N(ELOOP),
	N(ENOMSG), N(EIDRM), N(ECHRNG), N(EL2NSYNC),
	N(EL3HLT), N(EL3RST), N(ELNRNG), N(EUNATCH),
	N(ENOCSI), N(EL2HLT), N(EBADE), N(EBADR),
	N(EXFULL), N(ENOANO), N(EBADRQC), N(EBADSLT),
	N(EBFONT), N(ENOSTR), N(ENODATA), N(ETIME),
	N(ENOSR), N(ENONET), N(ENOPKG), N(EREMOTE),
	N(ENOLINK), N(EADV), N(ESRMNT), N(ECOMM),
	N(EPROTO), N(EMULTIHOP), N(EDOTDOT), N(EBADMSG),
	N(EOVERFLOW), N(ENOTUNIQ), N(EBADFD), N(EREMCHG),
	N(ELIBACC), N(ELIBBAD), N(ELIBSCN), N(ELIBMAX),
	N(ELIBEXEC), N(EILSEQ), N(ERESTART), N(ESTRPIPE),
	N(EUSERS), N(ENOTSOCK), N(EDESTADDRREQ), N(EMSGSIZE),
	N(EPROTOTYPE), N(ENOPROTOOPT), N(EPROTONOSUPPORT), N(ESOCKTNOSUPPORT),
	N(EOPNOTSUPP), N(EPFNOSUPPORT), N(EAFNOSUPPORT), N(EADDRINUSE),
	N(EADDRNOTAVAIL), N(ENETDOWN), N(ENETUNREACH), N(ENETRESET),
	N(ECONNABORTED), N(ECONNRESET), N(ENOBUFS), N(EISCONN),
	N(ENOTCONN), N(ESHUTDOWN), N(ETOOMANYREFS), N(ETIMEDOUT),
	N(ECONNREFUSED), N(EHOSTDOWN), N(EHOSTUNREACH), N(EALREADY),
	N(EINPROGRESS), N(ESTALE), N(EUCLEAN), N(ENOTNAM),
	N(ENAVAIL), N(EISNAM), N(EREMOTEIO), N(EDQUOT),
	N(ENOMEDIUM), N(EMEDIUMTYPE), N(ECANCELED), N(ENOKEY),
	N(EKEYEXPIRED), N(EKEYREVOKED), N(EKEYREJECTED), N(EOWNERDEAD),
	N(ENOTRECOVERABLE), N(ERFKILL), N(EHWPOISON),
};

const char *sig_abbrev(int sig)
{
	if (sig <= 0 || (size_t)sig >= sizeof(sig_names) / sizeof(sig_names[0]))
		return NULL;
	return sig_names[sig];
}

const char *errno_name(int e)
{
	if (e <= 0 || (size_t)e >= sizeof(errno_names) / sizeof(errno_names[0]))
		return NULL;
	return errno_names[e];
}
