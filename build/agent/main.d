build/agent/main.o: agent/main.c common/log.h common/version.h \
 common/banned.h
common/log.h:
common/version.h:
common/banned.h:
