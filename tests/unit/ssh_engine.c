/*
 * ssh_engine.c - the engine's state table, and the engine run in-process
 * against loopback sockets made here (no sshd): a port that refuses, a
 * listener that answers with something other than SSH, one that says
 * nothing, and all of them in one run.  Deadlines come from the engine's
 * own timers; nothing here sleeps.  Every run logs at debug level into a
 * file, which must not show a state change the table does not document.
 *
 * on_stdout (struct engine_step) needs an SSH server to reach a channel,
 * so it is not tested here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssh/engine.h"
#include "ssh/engine_int.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "banned.h"

/* ---- the table ---- */

static void test_table_has_every_state_in_order(void **state)
{
	(void)state;
	for (int s = 0; s < ST_COUNT; s++) {
		const struct state_info *si = engine_state((enum state)s);

		assert_non_null(si);
		assert_int_equal(si->state, s);
		assert_non_null(si->name);
		assert_true(si->name[0] != '\0');
		for (int k = 0; k < s; k++)
			assert_string_not_equal(si->name, engine_state((enum state)k)->name);
		assert_int_equal(si->next & ~(STATE_BIT(ST_COUNT) - 1), 0);
		/* only the waiting rooms run no function */
		assert_int_equal(si->fn == NULL, s == ST_QUEUED || s == ST_DONE || s == ST_REST);
	}
	assert_null(engine_state(ST_COUNT));
	assert_int_equal(engine_state(ST_DONE)->next, 0);
}

static unsigned reach(enum state from)
{
	unsigned seen = STATE_BIT(from), grown;

	do {
		grown = 0;
		for (int s = 0; s < ST_COUNT; s++)
			if ((seen & STATE_BIT(s)) && (engine_state((enum state)s)->next & ~seen)) {
				seen |= engine_state((enum state)s)->next;
				grown = 1;
			}
	} while (grown);
	return seen;
}

static void test_every_state_reachable_and_every_state_ends(void **state)
{
	(void)state;
	assert_int_equal(reach(ST_QUEUED), STATE_BIT(ST_COUNT) - 1);
	for (int s = 0; s < ST_COUNT; s++)
		assert_true(reach((enum state)s) & STATE_BIT(ST_DONE));
	/* the documented path: each state may go on to the next one */
	for (int s = ST_QUEUED; s < ST_CLOSE; s++)
		assert_true(engine_state((enum state)s)->next & STATE_BIT(s + 1));
	assert_true(engine_state(ST_CLOSE)->next & STATE_BIT(ST_DONE));
	/* a bastion leaves the path after auth, and only ends */
	assert_true(engine_state(ST_AUTH)->next & STATE_BIT(ST_RELAY));
	assert_int_equal(engine_state(ST_RELAY)->next, STATE_BIT(ST_DONE));
	/* a command that started is never retried */
	for (int s = ST_OPEN; s < ST_COUNT; s++)
		assert_false(engine_state((enum state)s)->next & STATE_BIT(ST_QUEUED));
	/* warm mode: a host may rest from wherever it can end, but a bastion;
	   the rest leads to a new session, from the address on, or the end */
	for (int s = ST_QUEUED; s <= ST_CLOSE; s++)
		assert_true(engine_state((enum state)s)->next & STATE_BIT(ST_REST));
	assert_int_equal(engine_state(ST_REST)->next, STATE_BIT(ST_RESOLVE) | STATE_BIT(ST_DONE));
}

/* ---- the fake transport ---- */

static int tcp_socket(unsigned *port, int do_listen)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Bound, not listening: the kernel refuses every connection. */
static int closed_port(unsigned *port)
{
	return tcp_socket(port, 0);
}

/* Listening, never accepting: the handshake completes, nothing is said. */
static int silent_port(unsigned *port)
{
	return tcp_socket(port, 1);
}

/* A listener that answers one client like a web server would. */
struct banner_srv {
	int fd;
	pthread_t th;
};

static void *banner_main(void *arg)
{
	static const char line[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	struct banner_srv *b = arg;
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	char junk[4096];
	int c;

	if (poll(&p, 1, 20000) != 1)
		return NULL;
	c = accept4(b->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return NULL;
	p.fd = c;
	if (poll(&p, 1, 20000) == 1 && read(c, junk, sizeof(junk)) > 0 &&
	    write(c, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1)) {
		shutdown(c, SHUT_WR);
		while (poll(&p, 1, 20000) == 1 && read(c, junk, sizeof(junk)) > 0)
			;
	}
	close(c);
	return NULL;
}

static void banner_start(struct banner_srv *b, unsigned *port)
{
	b->fd = tcp_socket(port, 1);
	assert_int_equal(pthread_create(&b->th, NULL, banner_main, b), 0);
}

static void banner_stop(struct banner_srv *b)
{
	pthread_join(b->th, NULL);
	close(b->fd);
}

/* ---- running the engine ---- */

static int no_plan(void *arg, size_t i, const struct target *t, struct host_result *r,
		   int step, struct engine_step *next)
{
	(void)arg;
	(void)i;
	(void)t;
	(void)r;
	(void)step;
	(void)next;
	return 0;
}

struct run {
	char dir[64];
	struct target_list tl;
	struct host_result res[8];
	struct buf log;
};

static void run_init(struct run *rn)
{
	memset(rn, 0, sizeof(*rn));
	snprintf(rn->dir, sizeof(rn->dir), "/tmp/ssh_engine.XXXXXX");
	assert_non_null(mkdtemp(rn->dir));
	/* no identity files nor ssh-agent keys of the user's */
	setenv("HOME", rn->dir, 1);
	target_list_init(&rn->tl);
	buf_init(&rn->log, 1 << 20);
}

static void add_host_at(struct run *rn, const char *name, const char *address,
			unsigned port, double timeout)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	t.name = (char *)(uintptr_t)name;
	t.address = (char *)(uintptr_t)address;
	t.port = port;
	t.connect_timeout = timeout;
	assert_int_equal(target_list_add(&rn->tl, &t), RONDA_OK);
}

static void add_host(struct run *rn, const char *name, unsigned port, double timeout)
{
	add_host_at(rn, name, "127.0.0.1", port, timeout);
}

/* Runs every host with the options hold fills (warm mode), expecting rc. */
static void run_engine_hold(struct run *rn, void (*hold)(struct engine_opts *, void *),
			    void *arg, int rc)
{
	struct engine_opts o;
	char known[128], logpath[128];
	int fd;

	assert_true(rn->tl.n <= sizeof(rn->res) / sizeof(rn->res[0]));
	snprintf(known, sizeof(known), "%s/known_hosts", rn->dir);
	snprintf(logpath, sizeof(logpath), "%s/log", rn->dir);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	log_init("ssh_engine", RLOG_DEBUG, fd);
	engine_opts_init(&o);
	o.plan = no_plan;
	o.known_hosts = known;
	o.use_agent = 0;
	if (hold)
		hold(&o, arg);
	assert_int_equal(engine_run(&o, &rn->tl, rn->res), rc);
	log_init("ssh_engine", RLOG_WARN, 2);
	close(fd);
	assert_int_equal(buf_read_file(&rn->log, logpath), RONDA_OK);
	unlink(logpath);
	assert_null(strstr(buf_data(&rn->log), "undocumented"));
}

/* Runs every host; the debug log lands in rn->log. */
static void run_engine(struct run *rn)
{
	run_engine_hold(rn, NULL, NULL, RONDA_OK);
}

static void run_release(struct run *rn)
{
	for (size_t i = 0; i < rn->tl.n; i++)
		host_result_release(&rn->res[i]);
	target_list_release(&rn->tl);
	buf_release(&rn->log);
	rmdir(rn->dir);
}

static void assert_log_has(struct run *rn, const char *s)
{
	if (!strstr(buf_data(&rn->log), s))
		fail_msg("log has no \"%s\":\n%s", s, buf_data(&rn->log));
}

/* Every status name reads back as its status; nothing else does. */
static void test_status_names_read_back(void **state)
{
	enum host_status st = RESULT_OK;

	(void)state;
	for (int i = 0; i < RESULT_COUNT; i++) {
		assert_int_equal(host_status_from_name(host_status_name((enum host_status)i), &st),
				 RONDA_OK);
		assert_int_equal(st, i);
	}
	assert_int_equal(host_status_from_name("unknown", &st), RONDA_EINVAL);
	assert_int_equal(host_status_from_name("", &st), RONDA_EINVAL);
	assert_int_equal(host_status_from_name(NULL, &st), RONDA_EINVAL);
}

static void test_refused_is_unreachable(void **state)
{
	struct run rn;
	unsigned port;
	int fd = closed_port(&port);

	(void)state;
	run_init(&rn);
	add_host(&rn, "refuses", port, 5);
	run_engine(&rn);
	assert_int_equal(rn.res[0].status, RESULT_UNREACHABLE);
	assert_non_null(strstr(rn.res[0].why, "Connection refused"));
	assert_int_equal(rn.res[0].attempts, 1);
	assert_int_equal(rn.res[0].ms_connect, -1);
	assert_log_has(&rn, "refuses: queued -> resolve");
	assert_log_has(&rn, "refuses: resolve -> connect");
	assert_log_has(&rn, "refuses: connect -> done");
	close(fd);
	run_release(&rn);
}

/* A name goes through the resolver (c-ares, /etc/hosts) before connect. */
static void test_name_is_resolved_first(void **state)
{
	struct run rn;
	unsigned port;
	int fd = closed_port(&port);

	(void)state;
	run_init(&rn);
	add_host_at(&rn, "byname", "localhost", port, 5);
	add_host_at(&rn, "nowhere", "no-such-host.invalid", port, 2);
	run_engine(&rn);
	assert_int_equal(rn.res[0].status, RESULT_UNREACHABLE);
	assert_non_null(strstr(rn.res[0].why, "connect to localhost port"));
	assert_log_has(&rn, "byname: resolve -> connect");
	assert_int_equal(rn.res[1].status, RESULT_UNREACHABLE);
	assert_non_null(strstr(rn.res[1].why, "cannot resolve no-such-host.invalid"));
	assert_int_equal(rn.res[1].attempts, 0);
	assert_log_has(&rn, "nowhere: resolve -> done");
	close(fd);
	run_release(&rn);
}

/* ---- warm mode ---- */

struct hold_watch {
	struct engine *e;
	int ends;
	enum host_status last;
	char why[256];
};

static void hold_start(void *arg, struct engine *e, void *loop)
{
	(void)loop;
	((struct hold_watch *)arg)->e = e;
}

static void hold_done(void *arg, size_t i, const struct host_result *r)
{
	struct hold_watch *w = arg;

	(void)i;
	w->ends++;
	w->last = r->status;
	snprintf(w->why, sizeof(w->why), "%s", r->why);
	if (w->ends == 3)
		engine_interrupt(w->e);
}

static void hold_opts(struct engine_opts *o, void *arg)
{
	o->hold = 1;
	o->hold_backoff = 0.01;
	o->hold_backoff_max = 0.02;
	o->on_start = hold_start;
	o->on_done = hold_done;
	o->arg = arg;
	o->start_arg = arg;
}

/* A held host that cannot connect rests and tries again until the run stops. */
static void test_warm_host_rests_and_comes_back(void **state)
{
	struct run rn;
	struct hold_watch w;
	unsigned port;
	int fd = closed_port(&port);

	(void)state;
	memset(&w, 0, sizeof(w));
	run_init(&rn);
	add_host(&rn, "refuses", port, 5);
	run_engine_hold(&rn, hold_opts, &w, RONDA_EAGAIN);
	/* three ends reported as they came, then the interruption's */
	assert_int_equal(w.ends, 4);
	assert_int_equal(w.last, RESULT_INTERRUPTED);
	assert_non_null(strstr(w.why, "interrupted while resting: "));
	assert_non_null(strstr(w.why, "Connection refused"));
	assert_int_equal(rn.res[0].status, RESULT_INTERRUPTED);
	assert_log_has(&rn, "refuses: connect -> rest");
	assert_log_has(&rn, "refuses: rest -> resolve");
	assert_log_has(&rn, "refuses: rest -> done");
	assert_log_has(&rn, "connecting again in");
	close(fd);
	run_release(&rn);
}

static void test_not_ssh_is_protocol(void **state)
{
	struct run rn;
	struct banner_srv b;
	unsigned port;

	(void)state;
	banner_start(&b, &port);
	run_init(&rn);
	add_host(&rn, "web", port, 10);
	run_engine(&rn);
	banner_stop(&b);
	assert_int_equal(rn.res[0].status, RESULT_PROTOCOL);
	assert_true(rn.res[0].ms_connect >= 0);
	assert_int_equal(rn.res[0].ms_handshake, -1);
	assert_log_has(&rn, "web: connect -> handshake");
	assert_log_has(&rn, "web: handshake -> done");
	run_release(&rn);
}

static void test_silence_is_timeout(void **state)
{
	struct run rn;
	unsigned port;
	int fd = silent_port(&port);

	(void)state;
	run_init(&rn);
	add_host(&rn, "mute", port, 0.3);
	run_engine(&rn);
	assert_int_equal(rn.res[0].status, RESULT_TIMEOUT);
	assert_non_null(strstr(rn.res[0].why, "stuck in handshake"));
	/* the connect deadline ended it, not a wait of ours */
	assert_true(rn.res[0].ms_total >= 250);
	assert_true(rn.res[0].ms_total < 3000);
	close(fd);
	run_release(&rn);
}

static void test_one_bad_host_does_not_stop_the_others(void **state)
{
	struct run rn;
	struct banner_srv b;
	unsigned p_refuse, p_mute, p_refuse2, p_web;
	int f_refuse = closed_port(&p_refuse), f_mute = silent_port(&p_mute);
	int f_refuse2 = closed_port(&p_refuse2);

	(void)state;
	banner_start(&b, &p_web);
	run_init(&rn);
	add_host(&rn, "mute", p_mute, 0.5);
	add_host(&rn, "refuses", p_refuse, 5);
	add_host(&rn, "web", p_web, 10);
	add_host(&rn, "refuses2", p_refuse2, 5);
	run_engine(&rn);
	banner_stop(&b);
	assert_int_equal(rn.res[0].status, RESULT_TIMEOUT);
	assert_int_equal(rn.res[1].status, RESULT_UNREACHABLE);
	assert_int_equal(rn.res[2].status, RESULT_PROTOCOL);
	assert_int_equal(rn.res[3].status, RESULT_UNREACHABLE);
	for (size_t i = 0; i < rn.tl.n; i++) {
		assert_int_equal(rn.res[i].attempts, 1);
		assert_true(rn.res[i].why[0] != '\0');
	}
	/* the quick verdicts did not wait for the silent host */
	assert_true(rn.res[1].ms_total < rn.res[0].ms_total);
	assert_true(rn.res[2].ms_total < rn.res[0].ms_total);
	close(f_refuse);
	close(f_mute);
	close(f_refuse2);
	run_release(&rn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_has_every_state_in_order),
		cmocka_unit_test(test_every_state_reachable_and_every_state_ends),
		cmocka_unit_test(test_status_names_read_back),
		cmocka_unit_test(test_refused_is_unreachable),
		cmocka_unit_test(test_name_is_resolved_first),
		cmocka_unit_test(test_not_ssh_is_protocol),
		cmocka_unit_test(test_warm_host_rests_and_comes_back),
		cmocka_unit_test(test_silence_is_timeout),
		cmocka_unit_test(test_one_bad_host_does_not_stop_the_others),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
