# tests/: helper programs for the loopback fleet, and per-test link flags.
FAULTD_SRCS := tests/fleet/faultd.c
PATROL_JOB_SRCS := tests/tools/patrol-job.c
TEST_TOOLS := $(BUILD)/faultd $(BUILD)/patrol-job

$(BUILD)/faultd: $(call obj,$(FAULTD_SRCS)) $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/patrol-job: $(call obj,$(PATROL_JOB_SRCS)) $(BUILD)/liborch.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ORCH_LIBS)

# test_buf fails allocations on demand.
UNIT_LDFLAGS_buf := -Wl,--wrap=realloc
