/*
 * serve.c - `ronda-agent serve`, the resident agent of warm mode: one
 * process on one long-lived channel that runs inspect jobs one after
 * another; see PROTOCOL.md "Warm mode" for the frames.
 *
 * The sandbox goes on once, before the first byte of any job is read, and
 * is reported once, in the hello line.  Each job then runs exactly as
 * `run` would run it (job_run: parse, prepare, facts, results, summary),
 * with its own state: the /proc table, the verdicts, the policy (read
 * again) and the deadline are the job's and gone after it.  Its lines are
 * the bytes `run` would write, each in an L frame, and an E frame carries
 * the exit status `run` would have had.
 *
 * A frame that is not one (not a J frame, a bad number, a body without
 * its one newline, a length past the limit, a frame cut by EOF or not
 * whole within SERVE_FRAME_TIMEOUT_MS) means the stream cannot be trusted:
 * the agent answers with an `error` line of code `frame` as id 0 and
 * exits 65.  A job that is refused (bad JSON, maintain) is that job's
 * answer only; the next one is served.
 */
#include "job_int.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "log.h"
#include "spawner.h"
#include "version.h"
#include "banned.h"

/* Once a frame has begun, the rest must come within this. */
#define SERVE_FRAME_TIMEOUT_MS 30000
#define SERVE_READ_CHUNK ((size_t)64 << 10)
/* A buffer larger than this is freed after the job that grew it. */
#define SERVE_KEEP ((size_t)1 << 20)

enum next { NEXT_JOB, NEXT_EOF, NEXT_STOP, NEXT_BAD };

struct serve {
	int in_fd;
	struct job_host h;
	struct job_out o;
	struct buf in;		/* bytes read, from the start of a frame */
	struct buf err;
};

/* "E ID CODE\n": the answer to job id is complete. */
static void end_frame(struct job_out *o, uint64_t id, int code)
{
	char hdr[FRAME_HDR_MAX];
	size_t n = frame_header(hdr, FRAME_END, id, (uint64_t)code);

	if (!o->broken && buf_write_raw(hdr, n, o->fd) != RONDA_OK)
		o->broken = 1;
}

/* The agent's own answer (id 0): one error line, E 0 rc; returns rc. */
static int agent_error(struct serve *s, const char *code, const char *msg, int rc)
{
	s->o.id = 0;
	job_emit_error(&s->o, code, msg);
	end_frame(&s->o, 0, rc);
	return rc;
}

static void hello(struct serve *s)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:o, s:b}", "agent", RONDA_VERSION,
			      "frames", 1, "profile", "inspect",
			      "sandbox", job_sandbox_json(&s->h.sb),
			      "policy", s->h.pol.present);

	s->o.id = 0;
	job_emit(&s->o, "hello", j);
	json_decref(j);
}

/* Reads what stdin has; NEXT_JOB to go on parsing, or why to stop. */
static enum next fill(struct serve *s)
{
	size_t want = s->in.max - buf_len(&s->in);
	ssize_t n;

	if (want > SERVE_READ_CHUNK)
		want = SERVE_READ_CHUNK;
	/* A whole frame fits in the buffer, so an unfinished one leaves room. */
	if (want == 0 || buf_reserve(&s->in, want) != RONDA_OK) {
		buf_puts(&s->err, "out of memory for the frame");
		return NEXT_BAD;
	}
	n = read(s->in_fd, buf_space(&s->in), want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return NEXT_JOB;
	if (n < 0) {
		buf_printf(&s->err, "reading stdin: %s", strerror(errno));
		return NEXT_BAD;
	}
	if (n == 0 && buf_len(&s->in) == 0)
		return NEXT_EOF;
	if (n == 0) {
		buf_printf(&s->err, "stdin closed inside a frame (%zu bytes of it came)",
			   buf_len(&s->in));
		return NEXT_BAD;
	}
	buf_commit(&s->in, (size_t)n);
	return NEXT_JOB;
}

/*
 * Waits for the next whole job frame in s->in.  Idle (no byte of a frame
 * yet) it waits as long as the channel lives; a signal wakes it.
 */
static enum next next_frame(struct serve *s, struct frame *f)
{
	struct pollfd p[3];
	double started = -1, left;
	enum next nx;
	int r, ms;

	for (;;) {
		buf_reset(&s->err);
		r = frame_parse(buf_data(&s->in), buf_len(&s->in), FRAME_ACCEPT_JOB, f, &s->err);
		if (r == RONDA_OK)
			return NEXT_JOB;
		if (r != RONDA_EAGAIN)
			return NEXT_BAD;
		if (spawn_aborted())
			return NEXT_STOP;
		ms = -1;
		if (buf_len(&s->in)) {
			if (started < 0)
				started = job_mono();
			left = started + SERVE_FRAME_TIMEOUT_MS / 1000.0 - job_mono();
			if (left <= 0) {
				buf_printf(&s->err, "no whole frame within %d s (%zu bytes of it came)",
					   SERVE_FRAME_TIMEOUT_MS / 1000, buf_len(&s->in));
				return NEXT_BAD;
			}
			ms = (int)(left * 1000) + 1;
		}
		p[0] = (struct pollfd){ .fd = s->in_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = spawn_signal_fd(), .events = POLLIN };
		/* No event asked: wakes only when the reader is gone. */
		p[2] = (struct pollfd){ .fd = s->o.fd, .events = 0 };
		if (poll(p, 3, ms) < 0 && errno != EINTR) {
			buf_printf(&s->err, "waiting for stdin: %s", strerror(errno));
			return NEXT_BAD;
		}
		if (p[0].revents && (nx = fill(s)) != NEXT_JOB)
			return nx;
	}
}

/*
 * A resident process must not keep what one large job (a command's 16 MiB
 * of output, a 1 MiB job) grew its memory to: the buffer goes, and the
 * heap is given back (free() alone keeps it: seen, 10 MiB resident after
 * a 12 MB output).  Only then, as malloc_trim walks the whole heap.
 */
static void trim(struct buf *b)
{
	size_t max = b->max;

	if (b->alloc > SERVE_KEEP && buf_len(b) == 0) {
		buf_release(b);
		buf_init(b, max);
		malloc_trim(0);
	}
}

/* One job: the policy read again, job_run, E frame; its exit status. */
static int serve_job(struct serve *s, const struct frame *f)
{
	double t0 = job_mono(), received = job_wall();
	int rc;

	s->o.id = f->id;
	policy_release(&s->h.pol);
	policy_init(&s->h.pol);
	buf_reset(&s->err);
	if (policy_load(s->h.policy_path, &s->h.pol, &s->err) != RONDA_OK) {
		job_emit_error(&s->o, "policy", buf_data(&s->err));
		rc = AGENT_EXIT_POLICY;
	} else {
		rc = job_run(&s->h, f->body, (size_t)f->n, received, t0, &s->o);
	}
	/* The job's deadline is over with it. */
	spawn_deadline_clear();
	end_frame(&s->o, f->id, rc);
	buf_reset(&s->o.line);
	trim(&s->o.line);
	return rc;
}

int serve_main(const struct agent_opts *opt, int in_fd, int out_fd)
{
	struct serve s;
	struct frame f;
	enum next nx;
	int rc;

	memset(&s, 0, sizeof(s));
	s.in_fd = in_fd;
	job_host_init(&s.h, opt);
	job_out_init(&s.o, out_fd, 1);
	buf_init(&s.in, FRAME_HDR_MAX + PROTO_JOB_MAX);
	buf_init(&s.err, 2048);

	if (policy_load(s.h.policy_path, &s.h.pol, &s.err) != RONDA_OK) {
		rc = agent_error(&s, "policy", buf_data(&s.err), AGENT_EXIT_POLICY);
		goto out;
	}
	/* Stdin is the job stream: spawn must not read it (no watch fd). */
	s.o.id = 0;
	rc = job_confine(&s.h, -1, &s.o);
	if (rc != AGENT_EXIT_OK) {
		end_frame(&s.o, 0, rc);
		goto out;
	}
	/* A daemon gone mid-job is seen at once, as EOF is under run
	 * --watch-stdin; stdin itself holds the next jobs. */
	spawn_watch_reader(out_fd);
	hello(&s);
	for (;;) {
		nx = next_frame(&s, &f);
		if (nx == NEXT_EOF) {
			rc = AGENT_EXIT_OK;
			break;
		}
		if (nx == NEXT_STOP) {
			log_warn("stopped (%s) between jobs", job_stop_name(spawn_aborted()));
			rc = AGENT_EXIT_STOPPED;
			break;
		}
		if (nx == NEXT_BAD) {
			rc = agent_error(&s, "frame", buf_data(&s.err), AGENT_EXIT_BADJOB);
			break;
		}
		serve_job(&s, &f);
		buf_consume(&s.in, f.size);
		trim(&s.in);
		if (s.o.broken || spawn_aborted()) {
			log_warn("stopped (%s)", job_stop_name(s.o.broken ? -2 : spawn_aborted()));
			rc = AGENT_EXIT_STOPPED;
			break;
		}
	}
out:
	buf_release(&s.in);
	buf_release(&s.err);
	job_out_release(&s.o);
	job_host_release(&s.h);
	return rc;
}
