# orchestrator/: the ronda command.  ORCH_SRCS is everything but main, so
# unit tests can link it.
ORCH_SRCS := orchestrator/target.c orchestrator/knownhosts.c orchestrator/remote.c orchestrator/ident.c orchestrator/engine.c orchestrator/dns.c
ORCH_MAIN := orchestrator/main.c
