build/orchestrator/main.o: orchestrator/main.c common/log.h \
 common/version.h common/banned.h
common/log.h:
common/version.h:
common/banned.h:
