/*
 * engine_pool.c - the conns of a run (engine_int.h): a pool of one per
 * session in flight, not one per host, reused only from the loop; and
 * warm mode's rest, after which a held host connects again.  Part of the
 * loop (engine.c), sharing its internals.
 */
#include "engine_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "log.h"
#include "banned.h"

/* Warm mode: the rest is over; a new session from the address on. */
static void rest_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	ev_set_cb(&c->tick, conn_poll_cb);
	c->n_steps = 0;
	c->r->attempts = 0;
	c->r->ms_connect = c->r->ms_handshake = c->r->ms_auth = c->r->ms_run = -1;
	conn_set_state(c, ST_RESOLVE);
	conn_advance(c);
}

/*
 * Warm mode: the host reports its end and rests, then connects again.
 * The backoff doubles with each end in a row and has jitter, so hosts
 * that fell together (a network blip, the daemon's own restart) do not
 * come back in lock-step.
 */
void conn_rest(struct conn *c)
{
	struct engine *e = c->e;
	double delay = e->o->hold_backoff * pow(2, c->rests < 16 ? c->rests : 16);

	conn_drop_session(c);
	conn_set_state(c, ST_REST);
	if (c->r->attempts)
		c->r->ms_total = conn_ms_since(c, c->t_first);
	c->rests++;
	if (delay > e->o->hold_backoff_max)
		delay = e->o->hold_backoff_max;
	delay *= 0.5 + (double)random() / RAND_MAX;
	log_debug("%s: %s: %s; connecting again in %.2fs", c->t->name,
		  host_status_name(c->r->status), c->r->why, delay);
	if (e->o->on_done)
		e->o->on_done(e->o->arg, c->idx, c->r);
	if (c->state != ST_REST)	/* on_done stopped the run */
		return;
	ev_set_cb(&c->tick, rest_cb);
	ev_timer_set(&c->tick, delay, 0);
	ev_timer_start(e->loop, &c->tick);
}

/* A conn from the pool, set up for host i (not yet started). */
struct conn *pool_take(struct engine *e, size_t i)
{
	struct conn *c = e->free;

	e->free = c->pool_next;
	conn_setup(c, e, e->o->first_index + i, &e->tl->v[i], &e->results[i]);
	if (c->t->via)
		c->via = &e->jumps[c->t->via - 1];
	if (e->by_host)
		e->by_host[i] = c;
	return c;
}

/*
 * Back to the loop: finished conns are free again, unless the resolver
 * still holds one (its answer comes to that conn, and is then dropped).
 */
void pool_recycle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine *e = w->data;
	struct conn **p = &e->graveyard;

	(void)loop;
	(void)revents;
	while (*p) {
		struct conn *c = *p;

		if (c->dns_asked) {
			p = &c->pool_next;
			continue;
		}
		*p = c->pool_next;
		c->t = NULL;
		c->pool_next = e->free;
		e->free = c;
	}
	engine_start_more(e);
}

/* Hosts never started: "not started: interrupted", as a finished host. */
void pool_fail_unstarted(struct engine *e, const char *why)
{
	while (e->next < e->n) {
		size_t i = e->next++;
		const struct target *t = &e->tl->v[i];
		struct host_result *r = &e->results[i];

		r->status = RESULT_INTERRUPTED;
		snprintf(r->why, sizeof(r->why), "%s", why);
		if (t->via)
			jump_release(&e->jumps[t->via - 1]);
		e->finished++;
		if (e->o->on_done)
			e->o->on_done(e->o->arg, e->o->first_index + i, r);
	}
	if (e->finished == e->n)
		ev_break(e->loop, EVBREAK_ALL);
}

void conn_dns_done(struct conn *c)
{
	c->dns_asked = 0;
	if (c->state == ST_DONE && !c->jump && !ev_is_active(&c->e->recycle))
		ev_timer_start(c->e->loop, &c->e->recycle);
}

struct conn *conn_of_host(struct engine *e, size_t i)
{
	if (!e->by_host || i < e->o->first_index || i - e->o->first_index >= e->n)
		return NULL;
	return e->by_host[i - e->o->first_index];
}

void engine_kick(struct engine *e, size_t i)
{
	struct conn *c = conn_of_host(e, i);

	if (c)
		conn_kick(c);
}

