build/tests/fleet/faultd.o: tests/fleet/faultd.c common/err.h \
 common/banned.h
common/err.h:
common/banned.h:
