# orchestrator/: the ronda command.  ORCH_SRCS is everything but main, so
# unit tests can link it.
ORCH_SRCS := orchestrator/target.c orchestrator/hostlist.c
ORCH_MAIN := orchestrator/main.c
