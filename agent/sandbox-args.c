/*
 * sandbox-args.c - the second seccomp filter of inspect and maintain: the
 * calls whose harm lies in their arguments.  See sandbox.h.
 *
 * libseccomp cannot say "allow these values, EPERM for every other one"
 * (an unconditional rule for a call overrides its conditional ones, and an
 * argument may be compared once per rule), so this filter is classic BPF
 * written out, like OpenSSH's sandbox-seccomp-filter.c.  It stacks on the
 * libseccomp allow list, which still decides everything else: the kernel
 * runs both and the stricter answer wins, so this one answers ALLOW for any
 * call it does not narrow and for a foreign architecture (the allow list
 * kills those).  Every argument is compared on the 32 bits the kernel
 * reads (ints, unsigned ints), except pointers, whose high word is checked
 * too.  A refusal is EPERM, which tools print as "Operation not permitted".
 *
 *   ioctl        only the read-only requests below (terminal queries,
 *                FIONREAD, file flags and sizes, interface queries);
 *   setpriority  only the caller or its process group (who == 0);
 *   prlimit64    setting only for the caller (pid 0); reading any;
 *   kill, rt_sigqueueinfo  never to pid -1 (every process);
 *   socket       AF_UNIX, AF_INET, AF_INET6, and AF_NETLINK only for
 *                NETLINK_SOCK_DIAG (the port check); socketpair AF_UNIX.
 *
 * Which processes a signal may reach is not visible here (seccomp sees a
 * pid, not its group): Landlock's signal scoping does that (sandbox-seccomp.c).
 */
#include "sandbox_int.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/fiemap.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>

#include "err.h"
#include "log.h"
#include "banned.h"

#if defined(__x86_64__)
#define ARGS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARGS_ARCH AUDIT_ARCH_AARCH64
#else
#error "sandbox-args.c: add this architecture's AUDIT_ARCH"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sandbox-args.c assumes a little-endian seccomp_data"
#endif

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define ARG_HI(n) (ARG_LO(n) + 4)

/* Read-only requests that checks and ordinary read-only tools make. */
static const uint32_t ioctl_allow[] = {
	TCGETS, TIOCGWINSZ, TIOCGPGRP, TIOCOUTQ, FIONREAD, FIONBIO, FIOCLEX,
	FIONCLEX, FS_IOC_GETFLAGS, FS_IOC32_GETFLAGS, FS_IOC_GETVERSION,
	FS_IOC_FSGETXATTR, FS_IOC_FIEMAP, FIGETBSZ, BLKGETSIZE64, BLKSSZGET,
	SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFINDEX, SIOCGIFMTU,
	SIOCGIFHWADDR, SIOCGIFNAME, SIOCGIFNETMASK, SIOCGIFBRDADDR,
};

#define MAX_INS 160

struct prog {
	struct sock_filter ins[MAX_INS];
	unsigned short n;
	int full;
};

static void op(struct prog *p, unsigned short code, uint32_t k, uint8_t jt,
	       uint8_t jf)
{
	if (p->n >= MAX_INS) {
		p->full = 1;
		return;
	}
	p->ins[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define LD(p, off)		op(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(off), 0, 0)
#define JEQ(p, k, jt, jf)	op(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(k), jt, jf)
#define RET(p, k)		op(p, BPF_RET | BPF_K, (uint32_t)(k), 0, 0)
#define ALLOW			SECCOMP_RET_ALLOW
#define REFUSE			(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/*
 * "if nr == call { body }": the jump over the body is patched once the
 * body is written.  Every body ends in a RET, and starts by loading what it
 * tests, so it needs nothing from the code around it.
 */
static unsigned short call_begin(struct prog *p, int nr)
{
	LD(p, offsetof(struct seccomp_data, nr));
	JEQ(p, nr, 0, 0);
	return p->n;
}

static void call_end(struct prog *p, unsigned short start)
{
	if (!p->full && p->n - start <= 255)
		p->ins[start - 1].jf = (uint8_t)(p->n - start);
	else
		p->full = 1;
}

/* Body: ALLOW if the low word of arg is one of v[0..n), else REFUSE. */
static void one_of(struct prog *p, int arg, const uint32_t *v, size_t n)
{
	LD(p, ARG_LO(arg));
	for (size_t i = 0; i < n; i++)
		JEQ(p, v[i], (uint8_t)(n - i), 0);
	RET(p, REFUSE);
	RET(p, ALLOW);
}

static void build(struct prog *p)
{
	static const uint32_t pair[] = { AF_UNIX };
	static const int to_pid[] = { __NR_kill, __NR_rt_sigqueueinfo };
	unsigned short s;

	LD(p, offsetof(struct seccomp_data, arch));
	JEQ(p, ARGS_ARCH, 1, 0);
	RET(p, ALLOW);		/* the allow list kills a foreign arch */

	s = call_begin(p, __NR_ioctl);
	one_of(p, 1, ioctl_allow, sizeof(ioctl_allow) / sizeof(ioctl_allow[0]));
	call_end(p, s);

	/* setpriority(which, who, prio): who 0 with PRIO_PROCESS or PRIO_PGRP. */
	s = call_begin(p, __NR_setpriority);
	LD(p, ARG_LO(1));
	JEQ(p, 0, 1, 0);
	RET(p, REFUSE);
	LD(p, ARG_LO(0));
	JEQ(p, PRIO_PROCESS, 2, 0);
	JEQ(p, PRIO_PGRP, 1, 0);
	RET(p, REFUSE);
	RET(p, ALLOW);
	call_end(p, s);

	/* prlimit64(pid, res, new, old): pid 0, or new == NULL (a read). */
	s = call_begin(p, __NR_prlimit64);
	LD(p, ARG_LO(0));
	JEQ(p, 0, 6, 0);
	LD(p, ARG_LO(2));
	JEQ(p, 0, 1, 0);
	RET(p, REFUSE);
	LD(p, ARG_HI(2));
	JEQ(p, 0, 1, 0);
	RET(p, REFUSE);
	RET(p, ALLOW);
	call_end(p, s);

	/* kill(-1, sig) and its queued form reach every process we may signal. */
	for (size_t i = 0; i < sizeof(to_pid) / sizeof(to_pid[0]); i++) {
		s = call_begin(p, to_pid[i]);
		LD(p, ARG_LO(0));
		JEQ(p, 0xffffffffu, 0, 1);
		RET(p, REFUSE);
		RET(p, ALLOW);
		call_end(p, s);
	}

	/* socket(domain, type, protocol) */
	s = call_begin(p, __NR_socket);
	LD(p, ARG_LO(0));
	JEQ(p, AF_UNIX, 7, 0);
	JEQ(p, AF_INET, 6, 0);
	JEQ(p, AF_INET6, 5, 0);
	JEQ(p, AF_NETLINK, 1, 0);
	RET(p, REFUSE);
	LD(p, ARG_LO(2));
	JEQ(p, NETLINK_SOCK_DIAG, 1, 0);
	RET(p, REFUSE);
	RET(p, ALLOW);
	call_end(p, s);
	s = call_begin(p, __NR_socketpair);
	one_of(p, 0, pair, 1);
	call_end(p, s);

	RET(p, ALLOW);
}

int sandbox_args_load(void)
{
	struct prog p = { .n = 0 };
	struct sock_fprog fp;

	build(&p);
	if (p.full) {
		log_error("seccomp: the argument filter does not fit");
		errno = E2BIG;
		return RONDA_ESANDBOX;
	}
	fp.len = p.n;
	fp.filter = p.ins;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0) {
		int e = errno;

		log_error("seccomp: loading the argument filter: %s", strerror(e));
		errno = e;	/* the caller reports why */
		return RONDA_ESANDBOX;
	}
	return RONDA_OK;
}
