# agent/: ronda-agent, linked fully static.  AGENT_SRCS is everything but
# main, so unit tests can link it.  AGENT_SANDBOX=null builds the agent with
# the null sandbox (sandbox-null.c) instead of seccomp + Landlock.
AGENT_SANDBOX ?= seccomp
ifeq ($(AGENT_SANDBOX),null)
AGENT_SANDBOX_SRC := agent/sandbox-null.c
else
AGENT_SANDBOX_SRC := agent/sandbox-seccomp.c agent/sandbox-args.c
endif
AGENT_SRCS := agent/spawn.c agent/names.c agent/musl.c agent/sandbox-common.c $(AGENT_SANDBOX_SRC) \
	agent/check.c agent/check_sys.c agent/check_fs.c agent/check_proc.c \
	agent/check_cmd.c agent/facts.c agent/policy.c agent/job.c agent/serve.c agent/tryscall.c \
	agent/fsafe.c agent/maint.c agent/rotate.c agent/rotate_plan.c agent/rotate_act.c \
	agent/rotate_state.c \
	agent/cleanup.c agent/tar.c
AGENT_MAIN := agent/main.c
