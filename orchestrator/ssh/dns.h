/*
 * dns.h - non-blocking name resolution on the engine's libev loop (c-ares).
 *
 * getaddrinfo(3) blocks; a slow resolver would stall every host.  c-ares
 * tells us which sockets it wants watched (ARES_OPT_SOCK_STATE_CB); we
 * watch them with ev_io and drive its retransmits with one ev_timer.  It
 * reads /etc/hosts and resolv.conf like libc does.
 */
#ifndef RONDA_DNS_H
#define RONDA_DNS_H

#include <sys/socket.h>

#include <ev.h>

struct dns;

/* status is RONDA_OK with an address, or RONDA_ENOTFOUND with a reason. */
typedef void (*dns_cb)(void *arg, int status, const struct sockaddr *sa,
		       socklen_t len, const char *reason);

int dns_init(struct dns **out, struct ev_loop *loop, double timeout);
/* Cancels outstanding queries (their callbacks run with an error). */
void dns_free(struct dns *d);
/* family: AF_UNSPEC, AF_INET or AF_INET6 (ssh_config's AddressFamily). */
int dns_resolve(struct dns *d, const char *name, unsigned port, int family,
		dns_cb cb, void *arg);

#endif
