# tests/fuzz/: libFuzzer targets, one per parser (see tests/fuzz/fuzz.h).
# Built only with FUZZ=1 (clang, in build-fuzz/): make fuzz, make fuzz-build.
FUZZ_TARGETS := inventory pattern playbook checkspec knownhosts agent_output job
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/liborch.a $(BUILD)/libagent.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/liborch.a $(BUILD)/libagent.a \
		$(BUILD)/libcommon.a $(ORCH_LIBS) $(AGENT_LIBS)
