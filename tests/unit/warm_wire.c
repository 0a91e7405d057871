/*
 * warm_wire.c - the warm daemon's socket: frames (whole, cut short, past
 * the limit), the socket's path, the status answer, and the socket's own
 * safety: made 0600 in a 0700 directory, a directory others may enter
 * refused, a second daemon refused, a stale socket replaced, a file that is
 * not a socket left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "inventory/target.h"
#include "warm/client.h"
#include "warm/server.h"
#include "warm/wire.h"
#include "banned.h"

static void test_frames(void **state)
{
	struct buf b;
	const char *body;
	size_t n;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(wire_frame(&b, "{\"op\":\"status\"}", 15), RONDA_OK);
	assert_int_equal(buf_len(&b), 19);
	assert_memory_equal(buf_data(&b), "\0\0\0\017", 4);
	assert_int_equal(wire_unframe(&b, 100, &body, &n), RONDA_OK);
	assert_int_equal(n, 15);
	assert_memory_equal(body, "{\"op\":\"status\"}", 15);
	/* its limit is inclusive; one byte less refuses it */
	assert_int_equal(wire_unframe(&b, 15, &body, &n), RONDA_OK);
	assert_int_equal(wire_unframe(&b, 14, &body, &n), RONDA_ELIMIT);
	/* every cut short of the whole frame asks for more */
	for (size_t cut = 0; cut < 19; cut++) {
		struct buf part;

		buf_init(&part, 64);
		assert_int_equal(buf_append(&part, buf_data(&b), cut), RONDA_OK);
		assert_int_equal(wire_unframe(&part, 100, &body, &n), RONDA_EAGAIN);
		buf_release(&part);
	}
	/* a hostile length is refused from its 4 bytes, before any body */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, "\xff\xff\xff\xff", 4), RONDA_OK);
	assert_int_equal(wire_unframe(&b, WIRE_MAX_REQUEST, &body, &n), RONDA_ELIMIT);
	buf_release(&b);
}

static void test_socket_path(void **state)
{
	struct buf p, err;
	char longp[200];

	(void)state;
	buf_init(&p, 4096);
	buf_init(&err, 4096);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(wire_socket_path(NULL, &p, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "--socket PATH"));
	setenv("XDG_RUNTIME_DIR", "relative", 1);
	assert_int_equal(wire_socket_path(NULL, &p, &err), RONDA_EINVAL);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	assert_int_equal(wire_socket_path(NULL, &p, &err), RONDA_OK);
	assert_string_equal(buf_data(&p), "/run/user/1000/ronda/serve.sock");
	assert_int_equal(wire_socket_path("/tmp/x.sock", &p, &err), RONDA_OK);
	assert_string_equal(buf_data(&p), "/tmp/x.sock");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	buf_reset(&err);
	assert_int_equal(wire_socket_path(longp, &p, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "too long for a Unix socket"));
	buf_release(&p);
	buf_release(&err);
}

static void two_targets(struct target_list *tl)
{
	static const char *const names[] = { "web1", "db1" };

	target_list_init(tl);
	for (int i = 0; i < 2; i++) {
		struct target t;

		memset(&t, 0, sizeof(t));
		t.name = (char *)(uintptr_t)names[i];
		t.address = (char *)(uintptr_t)"127.0.0.1";
		t.port = 22;
		assert_int_equal(target_list_add(tl, &t), RONDA_OK);
	}
}

static void test_server_socket_and_status(void **state)
{
	struct target_list tl;
	struct warm_server ws, second;
	struct buf err, out;
	char dir[64], sock[128];
	struct stat st;
	json_t *a, *h;

	(void)state;
	two_targets(&tl);
	buf_init(&err, 4096);
	buf_init(&out, 1 << 20);
	snprintf(dir, sizeof(dir), "/tmp/warm_wire.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/ronda/serve.sock", dir);
	assert_int_equal(warm_server_init(&ws, &tl, sock, &err), RONDA_OK);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	{
		char d[128];

		snprintf(d, sizeof(d), "%s/ronda", dir);
		assert_int_equal(stat(d, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* a second daemon: refused while the first listens */
	buf_reset(&err);
	assert_int_equal(warm_server_init(&second, &tl, sock, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "a warm daemon already answers there"));
	warm_server_release(&second);
	assert_int_equal(stat(sock, &st), 0);	/* the refused one removed nothing */

	/* the status: each host, its state, and why only when down */
	ws.hosts[0].state = WARM_UP;
	ws.hosts[0].connects = 2;
	ws.hosts[0].since = 100.0;
	ws.hosts[1].state = WARM_DOWN;
	ws.hosts[1].since = 110.0;
	ws.hosts[1].status = RESULT_TIMEOUT;
	snprintf(ws.hosts[1].why, sizeof(ws.hosts[1].why), "peer silent");
	ws.t0 = 90.0;
	assert_int_equal(warm_status_json(&ws, 120.0, &out), RONDA_OK);
	a = json_loads(buf_data(&out), 0, NULL);
	assert_non_null(a);
	assert_int_equal(json_array_size(json_object_get(a, "hosts")), 2);
	h = json_array_get(json_object_get(a, "hosts"), 0);
	assert_string_equal(json_string_value(json_object_get(h, "host")), "web1");
	assert_string_equal(json_string_value(json_object_get(h, "state")), "up");
	assert_true(json_number_value(json_object_get(h, "for_s")) == 20.0);
	assert_int_equal(json_integer_value(json_object_get(h, "connects")), 2);
	assert_null(json_object_get(h, "why"));
	h = json_array_get(json_object_get(a, "hosts"), 1);
	assert_string_equal(json_string_value(json_object_get(h, "state")), "down");
	assert_string_equal(json_string_value(json_object_get(h, "why")), "timeout: peer silent");
	assert_true(json_number_value(json_object_get(a, "up_s")) == 30.0);
	assert_int_equal(json_integer_value(json_object_get(a, "pid")), getpid());
	json_decref(a);

	warm_server_release(&ws);
	assert_int_equal(stat(sock, &st), -1);	/* the daemon removes its socket */
	snprintf(sock, sizeof(sock), "%s/ronda", dir);
	rmdir(sock);
	rmdir(dir);
	buf_release(&err);
	buf_release(&out);
	target_list_release(&tl);
}

/* The resident agent's stream as the daemon reads it (hosts.c): its hello
   makes a starting host up; an answer to a job it was not sent, or
   garbage, breaks the stream, and the host's cause says which. */
static void test_resident_stream(void **state)
{
	struct target_list tl;
	struct warm_server ws;
	struct host_result res[2];
	struct buf err;
	const char *d;
	size_t n;
	char dir[64], sock[128];
	static const char hello[] = "{\"ronda\":1,\"type\":\"hello\",\"frames\":1}\n";
	char frame[128];

	(void)state;
	two_targets(&tl);
	buf_init(&err, 4096);
	memset(res, 0, sizeof(res));
	snprintf(dir, sizeof(dir), "/tmp/warm_wire.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	assert_int_equal(warm_server_init(&ws, &tl, sock, &err), RONDA_OK);
	ws.res = res;

	ws.hosts[0].state = WARM_STARTING;
	ws.serve.started(ws.serve.arg, 0);
	/* the hello, cut in two: nothing until it is whole, then up */
	snprintf(frame, sizeof(frame), "L 0 %zu\n%s", strlen(hello), hello);
	assert_int_equal(ws.serve.out(ws.serve.arg, 0, frame, 5), RONDA_OK);
	assert_int_equal(ws.hosts[0].state, WARM_STARTING);
	assert_int_equal(ws.serve.out(ws.serve.arg, 0, frame + 5, strlen(frame) - 5), RONDA_OK);
	assert_int_equal(ws.hosts[0].state, WARM_UP);
	/* stdin: what was queued, from the offset the engine has written */
	assert_int_equal(buf_append(&ws.hosts[0].tx, "J 1 3\n{}\n", 10), RONDA_OK);
	assert_int_equal(ws.serve.in(ws.serve.arg, 0, 0, &d, &n), RONDA_OK);
	assert_int_equal(n, 10);
	assert_int_equal(ws.serve.in(ws.serve.arg, 0, 6, &d, &n), RONDA_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(d, "{}\n", 3);
	assert_int_equal(ws.serve.in(ws.serve.arg, 0, 2, &d, &n), RONDA_EPROTO);	/* back */
	/* an end for a job never sent: the stream is broken, and says so */
	assert_int_equal(ws.serve.out(ws.serve.arg, 0, "E 7 0\n", 6), RONDA_EPROTO);
	assert_non_null(strstr(ws.hosts[0].fault, "ended job 7, which it was not sent"));
	assert_int_equal(ws.serve.out(ws.serve.arg, 0, "L 0 2\n{\n", 8), RONDA_EPROTO);
	/* garbage on another host: refused on its header */
	ws.hosts[1].state = WARM_STARTING;
	ws.serve.started(ws.serve.arg, 1);
	assert_int_equal(ws.serve.out(ws.serve.arg, 1, "{\"type\":\"facts\"}\n", 18), RONDA_EPROTO);
	assert_non_null(strstr(ws.hosts[1].fault, "stream is broken"));
	assert_int_equal(ws.hosts[1].state, WARM_STARTING);
	/* a new agent starts clean */
	ws.serve.started(ws.serve.arg, 1);
	assert_string_equal(ws.hosts[1].fault, "");
	assert_int_equal(buf_len(&ws.hosts[1].rx), 0);

	warm_server_release(&ws);
	rmdir(dir);
	buf_release(&err);
	target_list_release(&tl);
}

static void test_unsafe_places_refused(void **state)
{
	struct target_list tl;
	struct warm_server ws;
	struct sockaddr_un sun;
	struct buf err;
	char dir[64], sub[128], sock[160];
	struct stat st;
	int fd;

	(void)state;
	two_targets(&tl);
	buf_init(&err, 4096);
	snprintf(dir, sizeof(dir), "/tmp/warm_wire.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/open", dir);
	snprintf(sock, sizeof(sock), "%s/serve.sock", sub);
	/* a directory others may enter */
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(warm_server_init(&ws, &tl, sock, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "must be ours and mode 0700"));
	warm_server_release(&ws);
	assert_int_equal(chmod(sub, 0700), 0);
	/* a file that is not a socket is not ours to remove */
	fd = open(sock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	buf_reset(&err);
	assert_int_equal(warm_server_init(&ws, &tl, sock, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "exists and is not a socket"));
	warm_server_release(&ws);
	assert_int_equal(stat(sock, &st), 0);
	unlink(sock);
	/* a stale socket (its daemon died without removing it) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	buf_reset(&err);
	assert_int_equal(warm_server_init(&ws, &tl, sock, &err), RONDA_OK);
	warm_server_release(&ws);
	rmdir(sub);
	rmdir(dir);
	buf_release(&err);
	target_list_release(&tl);
}

/*
 * A daemon of one connection: reads the request, answers with frames,
 * exits.  The child of a fork, so the client under test blocks as it would.
 */
static pid_t fake_daemon(const char *sock, const char *const *answers, size_t n)
{
	struct sockaddr_un sun;
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	assert_true(lfd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		char req[4096];
		struct buf out;

		buf_init(&out, 1 << 20);
		if (fd < 0 || read(fd, req, sizeof(req)) <= 0)
			_exit(1);
		for (size_t i = 0; i < n; i++)
			if (wire_frame(&out, answers[i], strlen(answers[i])))
				_exit(1);
		_exit(buf_write_fd(&out, fd) == RONDA_OK ? 0 : 1);
	}
	close(lfd);
	return pid;
}

/*
 * exec --warm's answers decoded as the engine would have set them: bytes
 * from base64, cut at --max-output; an output that is not base64 is the
 * host's protocol error, never an empty output.
 */
static void test_exec_answers_decoded(void **state)
{
	static const char *const answers[] = {
		"{\"host\":\"web1\",\"state\":\"ran\",\"status\":\"failed\",\"exit_code\":3,"
		"\"why\":\"exit code 3\",\"out\":\"AP8BMjM0NQ==\",\"err\":\"\",\"ms\":{\"run\":7}}",
		"{\"host\":\"db1\",\"state\":\"ran\",\"status\":\"ok\",\"exit_code\":0,"
		"\"why\":\"\",\"out\":\"!not base64!\",\"err\":\"\"}",
		"{\"done\":true}",
	};
	static char arg0[] = "true";
	char *argv[] = { arg0 };
	struct target_list tl;
	struct host_result res[2];
	struct warm_answers keep;
	struct buf err;
	char dir[64], sock[128];
	int status;
	pid_t pid;

	(void)state;
	two_targets(&tl);
	buf_init(&err, 4096);
	snprintf(dir, sizeof(dir), "/tmp/warm_wire.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	pid = fake_daemon(sock, answers, 3);
	assert_int_equal(warm_exec(sock, &tl, argv, 1, NULL, 0, 5, 4, 0, res, NULL, NULL, &keep,
				   &err), RONDA_OK);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(res[0].status, RESULT_FAILED);
	assert_true(res[0].has_exit);
	assert_int_equal(res[0].exit_code, 3);
	assert_int_equal(buf_len(&res[0].out), 4);	/* 7 bytes, cut at 4 */
	assert_memory_equal(buf_data(&res[0].out), "\0\377\001" "2", 4);
	assert_true(res[0].out_cut);
	assert_int_equal(res[0].ms_run, 7);
	assert_int_equal(res[1].status, RESULT_PROTOCOL);
	assert_non_null(strstr(res[1].why, "no output it can read"));
	for (size_t i = 0; i < 2; i++)
		host_result_release(&res[i]);
	warm_answers_release(&keep);
	unlink(sock);
	rmdir(dir);
	buf_release(&err);
	target_list_release(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test(test_server_socket_and_status),
		cmocka_unit_test(test_resident_stream),
		cmocka_unit_test(test_exec_answers_decoded),
		cmocka_unit_test(test_unsafe_places_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
