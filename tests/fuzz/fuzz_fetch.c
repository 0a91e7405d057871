/* fuzz_fetch.c - a host's fetch stream (copy/fetchproto.h), fed whole and
 * then in pieces whose sizes come from the input: every name the sink is
 * given must be safe, and the sink must see the same events either way. */
#include "fuzz.h"

#include "buf.h"
#include "copy/fetchproto.h"
#include "err.h"
#include "banned.h"

struct sink {
	struct buf log;
};

static void check_name(const char *name)
{
	if (!fetch_name_ok(name, strlen(name)))
		abort();
}

static int f_dir(void *arg, const char *name, unsigned mode)
{
	check_name(name);
	if (mode > 07777)
		abort();
	return buf_printf(&((struct sink *)arg)->log, "D%s\n", name) ? RONDA_ELIMIT : RONDA_OK;
}

static int f_begin(void *arg, const char *name, unsigned mode, uint64_t size)
{
	check_name(name);
	(void)mode;
	return buf_printf(&((struct sink *)arg)->log, "F%s %llu\n", name,
			  (unsigned long long)size) ? RONDA_ELIMIT : RONDA_OK;
}

static int f_data(void *arg, const char *p, size_t n)
{
	return buf_append(&((struct sink *)arg)->log, p, n) ? RONDA_ELIMIT : RONDA_OK;
}

static int f_end(void *arg, int intact)
{
	return buf_printf(&((struct sink *)arg)->log, "E%d\n", intact) ? RONDA_ELIMIT : RONDA_OK;
}

static int f_link(void *arg, const char *name, const char *target)
{
	check_name(name);
	if (!*target)
		abort();
	return buf_printf(&((struct sink *)arg)->log, "L%s\n", name) ? RONDA_ELIMIT : RONDA_OK;
}

static int f_note(void *arg, const char *text, size_t n)
{
	(void)text;
	return buf_printf(&((struct sink *)arg)->log, "X%zu\n", n) ? RONDA_ELIMIT : RONDA_OK;
}

static const struct fetch_ops ops = { f_dir, f_begin, f_data, f_end, f_link, f_note };

/* Runs the stream; pieces: take sizes from the first byte (1..16). */
static int run(const uint8_t *data, size_t size, int pieces, struct sink *s)
{
	struct fetch_parser p;
	int r;

	buf_init(&s->log, 1 << 22);
	if (fetch_parser_init(&p, &ops, s, 1 << 20) != RONDA_OK)
		abort();
	r = RONDA_OK;
	for (size_t off = 0; off < size && r == RONDA_OK;) {
		size_t n = pieces ? (size_t)(data[off] % 16) + 1 : size;

		if (n > size - off)
			n = size - off;
		r = fetch_parser_feed(&p, (const char *)data + off, n);
		off += n;
	}
	if (r == RONDA_OK)
		r = fetch_parser_finish(&p);
	fetch_parser_release(&p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink a, b;
	int ra, rb;

	fuzz_quiet();
	ra = run(data, size, 0, &a);
	rb = run(data, size, 1, &b);
	/* where the stream is cut must not change what it means */
	if (ra != rb || (ra == RONDA_OK && (buf_len(&a.log) != buf_len(&b.log) ||
	    memcmp(buf_data(&a.log), buf_data(&b.log), buf_len(&a.log)))))
		abort();
	buf_release(&a.log);
	buf_release(&b.log);
	return 0;
}
