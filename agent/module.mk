# agent/: ronda-agent, linked fully static.  AGENT_SRCS is everything but
# main, so unit tests can link it.
AGENT_SRCS :=
AGENT_MAIN := agent/main.c
