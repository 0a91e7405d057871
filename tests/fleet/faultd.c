/*
 * faultd.c - misbehaving TCP servers for the loopback fleet.
 *
 *   faultd [-t SECONDS] silent  ADDR PORT
 *       accepts connections and never sends a byte (nor reads one)
 *   faultd [-t SECONDS] garbage ADDR PORT
 *       answers every connection with binary garbage instead of an SSH
 *       banner, then closes it
 *   faultd [-t SECONDS] silent-unix PATH
 *       the same on a unix socket (an ssh-agent that never answers)
 *   faultd [-t SECONDS] drop    ADDR PORT TADDR TPORT BYTES
 *       forwards to TADDR:TPORT and cuts both sides once BYTES have gone
 *       from the server to the client (a connection lost mid-transfer)
 *
 * One process, one poll loop, no threads.  It exits by itself after SECONDS
 * (default 900), so a forgotten fleet cannot outlive a test run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

#define MAX_CONNS 256

struct pair {
	int client, server;
	unsigned long long sent;	/* server -> client bytes */
};

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return RONDA_EINVAL;
	*out = v;
	return RONDA_OK;
}

static int make_addr(const char *addr, const char *port, struct sockaddr_in *sa)
{
	unsigned long long p;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return RONDA_EINVAL;
	/* Loopback only: the fleet must never touch another network. */
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return RONDA_EINVAL;
	if (parse_num(port, 65535, &p) != RONDA_OK || p == 0)
		return RONDA_EINVAL;
	sa->sin_port = htons((unsigned short)p);
	return RONDA_OK;
}

static int listen_on(const struct sockaddr_in *sa)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(fd, 128) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void run_silent(int lfd)
{
	int held[MAX_CONNS];
	int n = 0;

	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		if (n == MAX_CONNS) {	/* keep the newest ones hanging */
			close(held[0]);
			memmove(held, held + 1, sizeof(held[0]) * (MAX_CONNS - 1));
			n--;
		}
		held[n++] = c;
	}
}

static void run_garbage(int lfd)
{
	static const char junk[] =
		"\x01\x02\xff\xfe garbage, not an SSH server \x00\x7f\r\n"
		"HTTP/1.1 400 Bad Request\r\n\x00\x00\x00\r\n";

	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		if (write(c, junk, sizeof(junk) - 1) < 0)
			perror("faultd: write");
		shutdown(c, SHUT_WR);
		usleep(100 * 1000);
		close(c);
	}
}

static void close_pair(struct pair *p)
{
	close(p->client);
	close(p->server);
	p->client = p->server = -1;
}

/* Copies what is readable on from to to; returns bytes moved or -1 at EOF/error. */
static long pump(int from, int to)
{
	char data[16384];
	ssize_t n = read(from, data, sizeof(data));

	if (n <= 0)
		return -1;
	if (buf_write_raw(data, (size_t)n, to) != RONDA_OK)
		return -1;
	return (long)n;
}

static void run_drop(int lfd, const struct sockaddr_in *target,
		     unsigned long long limit)
{
	struct pair pairs[MAX_CONNS];
	struct pollfd pfd[1 + 2 * MAX_CONNS];

	for (int i = 0; i < MAX_CONNS; i++)
		pairs[i].client = pairs[i].server = -1;
	for (;;) {
		int n = 1;

		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < MAX_CONNS; i++) {
			pfd[n].fd = pairs[i].client;
			pfd[n++].events = POLLIN;
			pfd[n].fd = pairs[i].server;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < MAX_CONNS; i++) {
			struct pair *p = &pairs[i];
			short ce = pfd[1 + 2 * i].revents, se = pfd[2 + 2 * i].revents;
			long moved;

			if (p->client < 0)
				continue;
			if (ce && pump(p->client, p->server) < 0) {
				close_pair(p);
				continue;
			}
			if (se) {
				moved = pump(p->server, p->client);
				if (moved < 0) {
					close_pair(p);
					continue;
				}
				p->sent += (unsigned long long)moved;
				if (p->sent >= limit)
					close_pair(p);	/* the fault itself */
			}
		}
		if (pfd[0].revents) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int s, slot = -1;

			if (c < 0)
				continue;
			for (int i = 0; i < MAX_CONNS && slot < 0; i++)
				if (pairs[i].client < 0)
					slot = i;
			s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (slot < 0 || s < 0 ||
			    connect(s, (const struct sockaddr *)target, sizeof(*target)) < 0) {
				close(c);
				if (s >= 0)
					close(s);
				continue;
			}
			pairs[slot].client = c;
			pairs[slot].server = s;
			pairs[slot].sent = 0;
		}
	}
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(void)
{
	fputs("usage: faultd [-t SECONDS] silent|garbage ADDR PORT\n"
	      "       faultd [-t SECONDS] silent-unix PATH\n"
	      "       faultd [-t SECONDS] drop ADDR PORT TADDR TPORT BYTES\n", stderr);
}

int main(int argc, char **argv)
{
	unsigned long long life = 900, limit = 0;
	struct sockaddr_in sa, target;
	int lfd, a = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		if (parse_num(argv[2], 86400, &life) != RONDA_OK || life == 0) {
			usage();
			return 64;
		}
		a = 3;
	}
	if (argc - a == 2 && strcmp(argv[a], "silent-unix") == 0) {
		signal(SIGPIPE, SIG_IGN);
		alarm((unsigned)life);
		lfd = listen_unix(argv[a + 1]);
		if (lfd < 0) {
			fprintf(stderr, "faultd: cannot listen on %s: %s\n", argv[a + 1], strerror(errno));
			return 1;
		}
		run_silent(lfd);
	}
	if (argc - a < 3 || make_addr(argv[a + 1], argv[a + 2], &sa) != RONDA_OK) {
		usage();
		return 64;
	}
	if (strcmp(argv[a], "drop") == 0 &&
	    (argc - a != 6 || make_addr(argv[a + 3], argv[a + 4], &target) != RONDA_OK ||
	     parse_num(argv[a + 5], 1ULL << 40, &limit) != RONDA_OK)) {
		usage();
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)life);	/* default SIGALRM action ends the process */
	lfd = listen_on(&sa);
	if (lfd < 0) {
		fprintf(stderr, "faultd: cannot listen on %s:%s: %s\n",
			argv[a + 1], argv[a + 2], strerror(errno));
		return 1;
	}
	if (strcmp(argv[a], "silent") == 0)
		run_silent(lfd);
	else if (strcmp(argv[a], "garbage") == 0)
		run_garbage(lfd);
	else if (strcmp(argv[a], "drop") == 0)
		run_drop(lfd, &target, limit);
	usage();
	return 64;
}
