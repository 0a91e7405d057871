build/common/buf.o: common/buf.c common/buf.h common/err.h \
 common/banned.h
common/buf.h:
common/err.h:
common/banned.h:
