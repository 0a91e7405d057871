# tests/: helper programs for the loopback fleet, and per-test link flags.
FAULTD_SRCS := tests/fleet/faultd.c
PATROL_JOB_SRCS := tests/tools/patrol-job.c
LYING_AGENT_SRCS := tests/tools/lying-agent.c
SSHCONFIG_RESOLVE_SRCS := tests/tools/sshconfig-resolve.c
TEST_TOOLS := $(BUILD)/faultd $(BUILD)/patrol-job $(BUILD)/lying-agent $(BUILD)/sshconfig-resolve

$(BUILD)/faultd: $(call obj,$(FAULTD_SRCS)) $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/patrol-job: $(call obj,$(PATROL_JOB_SRCS)) $(BUILD)/liborch.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ORCH_LIBS)

$(BUILD)/sshconfig-resolve: $(call obj,$(SSHCONFIG_RESOLVE_SRCS)) $(BUILD)/liborch.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ORCH_LIBS)

$(BUILD)/lying-agent: $(call obj,$(LYING_AGENT_SRCS)) $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -ljansson -lm

# common_buf fails allocations on demand.
UNIT_LDFLAGS_common_buf := -Wl,--wrap=realloc

# Each tool sees only what it links.
$(call obj,$(FAULTD_SRCS) $(LYING_AGENT_SRCS)): INC := $(COMMON_INC)
$(call obj,$(PATROL_JOB_SRCS) $(SSHCONFIG_RESOLVE_SRCS)): INC := $(ORCH_INC)
