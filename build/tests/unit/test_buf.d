build/tests/unit/test_buf.o: tests/unit/test_buf.c common/buf.h \
 common/err.h common/banned.h
common/buf.h:
common/err.h:
common/banned.h:
