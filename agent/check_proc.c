/*
 * check_proc.c - process (from /proc/PID) and port (from the kernel's
 * socket diagnostics over netlink, or /proc/net where that is missing).
 *
 * Reading /proc/PID/cmdline takes the target's mm lock, which a process stuck
 * in the kernel can hold forever, so a process task with "match" is
 * isolated.  /proc/PID/stat and the directory's owner take no such lock
 * (do_task_stat reads the mm's counters without it), so one with only
 * comm or user runs in-process.  The probe child
 * and the agent that started it are left out of the count: their command
 * lines contain the very pattern being searched for.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"
#include "err.h"
#include "banned.h"

static int process_prepare(const struct proto_task *t, const struct check_ctx *c,
			   struct buf *err)
{
	const char *re = proto_task_str(t, "match", NULL);
	const char *user = proto_task_str(t, "user", NULL);
	unsigned long long uid;
	regex_t rx;

	/* comm xor match, and min, follow the schema (proto_schema.c). */
	(void)c;
	if (re && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) {
		buf_printf(err, "\"match\" is not a valid extended regex: %s", re);
		return RONDA_EINVAL;
	}
	if (re)
		regfree(&rx);
	if (user && ids_lookup("/etc/passwd", user, &uid) != RONDA_OK) {
		buf_printf(err, "no user \"%s\" on this host", user);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

/* comm and state from /proc/PID/stat. */
static int read_stat(int dfd, const char *pid, char *comm, size_t n, char *state)
{
	char path[300], line[512], *l, *r;
	struct buf b;
	int rc = RONDA_EPARSE;

	(void)dfd;
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	buf_init(&b, sizeof(line));
	if (check_read_file(path, &b, sizeof(line) - 1) != RONDA_OK)
		goto out;
	snprintf(line, sizeof(line), "%s", buf_data(&b));
	l = strchr(line, '(');
	r = strrchr(line, ')');
	if (!l || !r || r < l || r[1] != ' ' || !r[2])
		goto out;
	*r = '\0';
	snprintf(comm, n, "%s", l + 1);
	*state = r[2];
	rc = RONDA_OK;
out:
	buf_release(&b);
	return rc;
}

void check_procs_release(struct check_procs *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/*
 * Reads every process's comm, state and owner into p, leaving out the
 * pids skip1 and skip2 (0: none).  A process that exits meanwhile is just
 * not there.  RONDA_ENOMEM, or RONDA_ESYS with errno when /proc cannot be
 * read.
 */
static int procs_scan(struct check_procs *p, int skip1, int skip2)
{
	struct proc_ent e, *v;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int rc = RONDA_OK;

	dir = opendir("/proc");
	if (!dir)
		return RONDA_ESYS;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		e.pid = (int)strtol(d->d_name, NULL, 10);
		if (e.pid == skip1 || e.pid == skip2 ||
		    fstatat(dirfd(dir), d->d_name, &st, 0) < 0 ||
		    read_stat(dirfd(dir), d->d_name, e.comm, sizeof(e.comm), &e.state))
			continue;	/* it exited meanwhile */
		e.uid = (unsigned)st.st_uid;
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 256;

			v = realloc(p->v, cap * sizeof(*v));
			if (!v) {
				rc = RONDA_ENOMEM;
				break;
			}
			p->v = v;
			p->cap = cap;
		}
		p->v[p->n++] = e;
	}
	closedir(dir);
	if (rc == RONDA_OK)
		p->taken = 1;
	return rc;
}

/* Does the process's command line match rx?  Reads /proc/PID/cmdline. */
static int cmdline_matches(int pid, const regex_t *rx, struct buf *cmd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	check_progress("read", path);
	if (check_read_file(path, cmd, 64 << 10) != RONDA_OK || !buf_len(cmd))
		return 0;	/* kernel thread or gone */
	for (size_t i = 0; i < buf_len(cmd); i++) {
		if (cmd->mem[cmd->off + i] == '\0')
			cmd->mem[cmd->off + i] = ' ';
	}
	return regexec(rx, buf_data(cmd), 0, NULL, 0) == 0;
}

static int process_run(const struct proto_task *t, const struct check_ctx *c,
		       struct check_result *res)
{
	const char *name = proto_task_str(t, "comm", NULL);
	const char *re = proto_task_str(t, "match", NULL);
	const char *user = proto_task_str(t, "user", NULL);
	long long min = (long long)proto_task_num(t, "min", name || re ? 1 : 0);
	long long max = (long long)proto_task_num(t, "max", -1);
	long long count = 0, zombies = 0;
	unsigned long long uid = 0;
	struct check_procs own = { 0 }, *p;
	struct buf cmd;
	regex_t rx;
	int v, r;

	buf_init(&cmd, 64 << 10);
	if (user)
		ids_lookup("/etc/passwd", user, &uid);
	if (re && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))
		re = NULL;
	/*
	 * A probe leaves itself and the agent out: their command lines hold
	 * the very pattern.  In-process, the parent is the login's sshd, and
	 * it counts.  A probe has no job, so no shared table.
	 */
	p = c && c->procs ? c->procs : &own;
	r = p->taken ? RONDA_OK :
	    procs_scan(p, (int)getpid(), check_in_probe() ? (int)getppid() : 0);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "cannot read /proc: %s",
			  r == RONDA_ENOMEM ? "out of memory" : strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct proc_ent *e = &p->v[i];

		if ((user && e->uid != uid) || (name && strncmp(e->comm, name, 15)) ||
		    (re && !cmdline_matches(e->pid, &rx, &cmd)))
			continue;
		count++;
		if (e->state == 'Z')
			zombies++;
	}
	check_value(res, "count", (double)count);
	check_value(res, "zombies", (double)zombies);
	v = count < min || (max >= 0 && count > max) ? VERDICT_FAIL : VERDICT_OK;
	check_say(res, v, "%lld process(es)%s%s%s%s%s", count,
		  name ? " named " : re ? " matching /" : "", name ? name : re ? re : "",
		  re ? "/" : "", user ? " of " : "", user ? user : "");
	if (count < min)
		check_add(res, v, "want at least %lld", min);
	else if (max >= 0 && count > max)
		check_add(res, v, "want at most %lld", max);
	v = check_above((double)zombies, proto_task_num(t, "zombie_warn", -1),
			proto_task_num(t, "zombie_fail", -1));
	if (zombies)
		check_add(res, v, "%lld zombie(s)", zombies);
out:
	if (re)
		regfree(&rx);
	check_procs_release(&own);
	buf_release(&cmd);
	return RONDA_OK;
}

int procnet_parse(const char *line, uint8_t addr[16], size_t *alen,
		  unsigned *port, unsigned *state)
{
	char hex[33];
	unsigned p, s;
	size_t n;
	int used = 0;

	/* "  0: 0100007F:0016 00000000:0000 0A ..." */
	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*32[0-9A-Fa-f]:%*x %x%n",
		   hex, &p, &s, &used) != 3 || used == 0)
		return RONDA_EPARSE;
	n = strlen(hex);
	if (n != 8 && n != 32)
		return RONDA_EPARSE;
	/* The kernel prints each 32-bit word as it sits in memory. */
	for (size_t w = 0; w < n / 8; w++) {
		char word[9];
		uint32_t x;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		x = (uint32_t)strtoul(word, NULL, 16);
		memcpy(addr + w * 4, &x, 4);
	}
	*alen = n / 2;
	*port = p;
	*state = s;
	return RONDA_OK;
}

/* Does a socket bound to addr match the wanted address (wildcards do)? */
static int addr_matches(const uint8_t *a, size_t alen, const char *want,
			int have4, const uint8_t *w4, int have6, const uint8_t *w6)
{
	static const uint8_t zero[16];

	return !want || memcmp(a, zero, alen) == 0 ||
	       (alen == 4 && have4 && !memcmp(a, w4, 4)) ||
	       (alen == 16 && have6 && !memcmp(a, w6, 16));
}

/*
 * Counts sockets of family/protocol in state on port through
 * NETLINK_SOCK_DIAG.  The kernel filters by state, so a host with a
 * hundred thousand connections costs only what its listeners cost, where
 * /proc/net/tcp would list them all.  RONDA_ESYS if netlink is not there.
 */
static int diag_count(int family, int protocol, unsigned state, unsigned port,
		      const char *want, int have4, const uint8_t *w4, int have6,
		      const uint8_t *w6, long long *found)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} rq;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *data = NULL;
	int fd, r = RONDA_ESYS, done = 0;
	const size_t cap = 32768;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return RONDA_ESYS;
	memset(&rq, 0, sizeof(rq));
	rq.nlh.nlmsg_len = sizeof(rq);
	rq.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	rq.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rq.req.sdiag_family = (uint8_t)family;
	rq.req.sdiag_protocol = (uint8_t)protocol;
	rq.req.idiag_states = 1u << state;
	data = malloc(cap);
	if (!data || sendto(fd, &rq, sizeof(rq), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	while (!done) {
		ssize_t n = recv(fd, data, cap, 0);
		struct nlmsghdr *h;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		for (h = (struct nlmsghdr *)data; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			size_t alen = family == AF_INET ? 4 : 16;

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				goto out;
			if (ntohs(m->id.idiag_sport) == port &&
			    addr_matches((const uint8_t *)m->id.idiag_src, alen, want,
					 have4, w4, have6, w6))
				(*found)++;
		}
	}
	r = RONDA_OK;
out:
	free(data);
	close(fd);
	return r;
}

static int port_run(const struct proto_task *t, const struct check_ctx *c,
		    struct check_result *res)
{
	const char *proto = proto_task_str(t, "proto", "tcp");
	const char *addr = proto_task_str(t, "address", NULL);
	int listening_wanted = !strcmp(proto_task_str(t, "expect", "listening"), "listening");
	unsigned want = (unsigned)proto_task_num(t, "port", 0), port, state;
	/* TCP_LISTEN is 10; a bound UDP socket sits in TCP_CLOSE (7). */
	unsigned lstate = strcmp(proto, "tcp") ? 7 : 10;
	uint8_t w4[4], w6[16], a[16];
	int have4 = 0, have6 = 0, v, read_any = 0;
	long long found = 0;
	char path[32], *line, *save;
	struct buf b;
	size_t alen;

	(void)c;
	if (addr) {
		have4 = inet_pton(AF_INET, addr, w4) == 1;
		have6 = inet_pton(AF_INET6, addr, w6) == 1;
	}
	if (diag_count(AF_INET, strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP, lstate,
		       want, addr, have4, w4, have6, w6, &found) == RONDA_OK) {
		/* a host without IPv6 has no IPv6 sockets: that is not an error */
		diag_count(AF_INET6, strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP, lstate,
			   want, addr, have4, w4, have6, w6, &found);
		goto report;
	}
	found = 0;
	buf_init(&b, 64 << 20);
	for (int six = 0; six < 2; six++) {
		snprintf(path, sizeof(path), "/proc/net/%s%s", proto, six ? "6" : "");
		if (check_read_file(path, &b, 64 << 20) != RONDA_OK)
			continue;	/* no IPv6 on this host */
		read_any = 1;
		save = NULL;
		for (line = strtok_r(b.mem ? b.mem + b.off : NULL, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (procnet_parse(line, a, &alen, &port, &state) != RONDA_OK ||
			    port != want || state != lstate ||
			    !addr_matches(a, alen, addr, have4, w4, have6, w6))
				continue;
			found++;
		}
	}
	buf_release(&b);
	if (!read_any) {
		check_say(res, VERDICT_ERROR, "cannot read /proc/net/%s", proto);
		return RONDA_OK;
	}
report:
	json_object_set_new(res->values, "listening", json_boolean(found > 0));
	check_value(res, "sockets", (double)found);
	v = (found > 0) == listening_wanted ? VERDICT_OK : VERDICT_FAIL;
	check_say(res, v, "%s port %u%s%s %s", proto, want, addr ? " on " : "",
		  addr ? addr : "", found ? "is listening" : "is not listening");
	return RONDA_OK;
}

/* Only "match" reads cmdline (see the top). */
static int process_isolate(const struct proto_task *t)
{
	return proto_task_str(t, "match", NULL) != NULL;
}

const struct check_ops check_process = { "process", 1, 10, process_prepare, process_run, NULL,
					 process_isolate };
const struct check_ops check_port = { "port", 0, 5, NULL, port_run, NULL, NULL };
