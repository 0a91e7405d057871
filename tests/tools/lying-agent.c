/*
 * lying-agent.c - a stand-in for ronda-agent that breaks "every task sent
 * gets exactly one result", for the shell suites (ronda --agent FILE).
 *
 * It reads the job like the agent does and answers each task by its name:
 * "drop..." gets no result but is counted as a failure in the summary (what
 * an agent that could not build the line used to do), "twice..." gets two
 * results, "ghost..." one plus a result for a task the job does not have,
 * "miscount..." an ok result that the summary counts as a warning; any
 * other task an honest ok.  Exit 0, as an agent whose checks all passed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

static void result(const char *task, const char *check)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:{}, s:f, s:f}", "task", task,
			      "check", check, "verdict", "ok", "message", "fine",
			      "values", "started", 1.0, "ms", 1.0);
	struct buf line;

	buf_init(&line, 1 << 20);
	if (o && proto_line("result", o, &line) == RONDA_OK)
		fwrite(buf_data(&line), 1, buf_len(&line), stdout);
	buf_release(&line);
	json_decref(o);
}

int main(void)
{
	struct buf text, err, line;
	struct proto_job job;
	json_t *sum;
	int ok = 0, warn = 0, fail = 0;
	char c;

	buf_init(&text, PROTO_JOB_MAX);
	buf_init(&err, 1024);
	buf_init(&line, 1 << 20);
	while (read(0, &c, 1) == 1 && c != '\n')
		if (buf_putc(&text, c) != RONDA_OK)
			return 65;
	if (proto_job_parse(buf_data(&text), buf_len(&text), &job, &err) != RONDA_OK) {
		fprintf(stderr, "lying-agent: %s\n", buf_data(&err));
		return 65;
	}
	printf("{\"ronda\":1,\"type\":\"facts\",\"hostname\":\"liar\"}\n");
	for (size_t i = 0; i < job.n_tasks; i++) {
		const char *n = job.tasks[i].name, *ck = job.tasks[i].check->name;

		if (strncmp(n, "drop", 4) == 0) {
			fail++;
			continue;
		}
		result(n, ck);
		if (strncmp(n, "twice", 5) == 0) {
			result(n, ck);
			ok++;
		} else if (strncmp(n, "ghost", 5) == 0) {
			result("ghost-extra", ck);
			ok++;
		}
		if (strncmp(n, "miscount", 8) == 0)
			warn++;
		else
			ok++;
	}
	sum = json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:i, s:f, s:s}", "counts", "ok", ok,
			"warn", warn, "fail", fail, "error", 0, "skipped", 0,
			"tasks", (int)job.n_tasks, "ms", 1.0, "agent", "lying");
	if (sum && proto_line("summary", sum, &line) == RONDA_OK)
		fwrite(buf_data(&line), 1, buf_len(&line), stdout);
	json_decref(sum);
	proto_job_release(&job);
	buf_release(&text);
	buf_release(&err);
	buf_release(&line);
	return fflush(stdout) == 0 ? 0 : 70;
}
