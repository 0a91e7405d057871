/*
 * dns.c - see dns.h.
 */
#include "dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "err.h"
#include "banned.h"

#define DNS_MAX_SOCKS 16

struct dns_query {
	dns_cb cb;
	void *arg;
};

struct dns {
	struct ev_loop *loop;
	ares_channel ch;
	ev_io io[DNS_MAX_SOCKS];
	ev_timer timer;
	int inited;
};

static void rearm_timer(struct dns *d)
{
	struct timeval tv, *t = ares_timeout(d->ch, NULL, &tv);

	ev_timer_stop(d->loop, &d->timer);
	if (t) {
		ev_timer_set(&d->timer, (double)t->tv_sec + t->tv_usec / 1e6 + 0.001, 0);
		ev_timer_start(d->loop, &d->timer);
	}
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns *d = w->data;

	(void)loop;
	ares_process_fd(d->ch, revents & EV_READ ? w->fd : ARES_SOCKET_BAD,
			revents & EV_WRITE ? w->fd : ARES_SOCKET_BAD);
	rearm_timer(d);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dns *d = w->data;

	(void)loop;
	(void)revents;
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm_timer(d);
}

/* c-ares opens, closes and changes interest in its sockets through this. */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns *d = data;
	int events = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	ev_io *slot = NULL;

	for (int i = 0; i < DNS_MAX_SOCKS; i++) {
		if (ev_is_active(&d->io[i]) && d->io[i].fd == fd) {
			slot = &d->io[i];
			break;
		}
		if (!slot && !ev_is_active(&d->io[i]))
			slot = &d->io[i];
	}
	if (!slot)
		return;	/* more sockets than slots: the timer still drives it */
	ev_io_stop(d->loop, slot);
	if (events) {
		ev_io_set(slot, fd, events);
		ev_io_start(d->loop, slot);
	}
}

int dns_init(struct dns **out, struct ev_loop *loop, double timeout)
{
	struct dns *d = calloc(1, sizeof(*d));
	struct ares_options opts;
	int r = RONDA_ENOMEM;

	if (!d)
		return r;
	d->loop = loop;
	for (int i = 0; i < DNS_MAX_SOCKS; i++) {
		ev_init(&d->io[i], io_cb);
		d->io[i].data = d;
	}
	ev_init(&d->timer, timer_cb);
	d->timer.data = d;
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = d;
	opts.timeout = (int)(timeout * 1000 / 2);
	if (opts.timeout < 100)
		opts.timeout = 100;
	opts.tries = 2;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		goto out;
	d->inited = 1;
	if (ares_init_options(&d->ch, &opts,
			      ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
		r = RONDA_ESYS;
		goto out;
	}
	*out = d;
	return RONDA_OK;
out:
	if (d->inited)
		ares_library_cleanup();
	free(d);
	return r;
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	ares_destroy(d->ch);	/* runs pending callbacks with ARES_EDESTRUCTION */
	for (int i = 0; i < DNS_MAX_SOCKS; i++)
		ev_io_stop(d->loop, &d->io[i]);
	ev_timer_stop(d->loop, &d->timer);
	ares_library_cleanup();
	free(d);
}

static void addrinfo_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_query *q = arg;
	struct ares_addrinfo_node *n = res ? res->nodes : NULL;

	(void)timeouts;
	if (status == ARES_SUCCESS && n)
		q->cb(q->arg, RONDA_OK, n->ai_addr, (socklen_t)n->ai_addrlen, NULL);
	else
		q->cb(q->arg, RONDA_ENOTFOUND, NULL, 0,
		      status == ARES_SUCCESS ? "no address" : ares_strerror(status));
	if (res)
		ares_freeaddrinfo(res);
	free(q);
}

int dns_resolve(struct dns *d, const char *name, unsigned port, int family,
		dns_cb cb, void *arg)
{
	struct dns_query *q = malloc(sizeof(*q));
	struct ares_addrinfo_hints hints;
	char svc[8];

	if (!q)
		return RONDA_ENOMEM;
	q->cb = cb;
	q->arg = arg;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = ARES_AI_NUMERICSERV;
	snprintf(svc, sizeof(svc), "%u", port);
	ares_getaddrinfo(d->ch, name, svc, &hints, addrinfo_cb, q);
	rearm_timer(d);
	return RONDA_OK;
}
