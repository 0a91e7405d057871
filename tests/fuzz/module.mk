# tests/fuzz/: libFuzzer targets, one per parser (see tests/fuzz/fuzz.h).
# Built only with FUZZ=1 (clang, in build-fuzz/): make fuzz, make fuzz-build.
FUZZ_TARGETS := inventory pattern sshconfig playbook checkspec knownhosts sshcert ident agent_output job frame \
	fetch copy_reply lines rerun merge
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

# job and frame are the agent's parsers (frame is the warm daemon's too); the
# others are the orchestrator's.  Each sees and links only its own side.
FUZZ_AGENT := job frame
FUZZ_ORCH := $(filter-out $(FUZZ_AGENT),$(FUZZ_TARGETS))
$(patsubst %,$(BUILD)/tests/fuzz/fuzz_%.o,$(FUZZ_AGENT)): INC := $(AGENT_INC)
$(patsubst %,$(BUILD)/tests/fuzz/fuzz_%.o,$(FUZZ_ORCH)): INC := $(ORCH_INC)
$(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_AGENT)): $(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o \
		$(BUILD)/libagent.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(AGENT_LIBS)
$(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_ORCH)): $(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o \
		$(BUILD)/liborch.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(ORCH_LIBS)
