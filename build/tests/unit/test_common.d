build/tests/unit/test_common.o: tests/unit/test_common.c common/err.h \
 common/log.h common/banned.h
common/err.h:
common/log.h:
common/banned.h:
