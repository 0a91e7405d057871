build/common/err.o: common/err.c common/err.h common/banned.h
common/err.h:
common/banned.h:
