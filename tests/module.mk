# tests/: helper programs for the loopback fleet, and per-test link flags.
FAULTD_SRCS := tests/fleet/faultd.c
TEST_TOOLS := $(BUILD)/faultd

$(BUILD)/faultd: $(call obj,$(FAULTD_SRCS)) $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# test_buf fails allocations on demand.
UNIT_LDFLAGS_buf := -Wl,--wrap=realloc
