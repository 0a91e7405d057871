# ronda - plain GNU make.  See README.md.
#
#   make                 build ronda and ronda-agent (installs deps first)
#   make test            build everything and run every test
#   make demo            start a loopback fleet and patrol it
#   make DEVELOPER=1     warnings are errors
#   make SANITIZE=address,undefined   same build with sanitizers, in build-san/
#   make deps            install missing Debian packages (apt-get)

ifneq ($(SANITIZE),)
BUILD ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow \
	-Wpointer-arith -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wvla -Wwrite-strings -Wundef \
	-Wimplicit-fallthrough -Wnull-dereference -Wswitch-enum \
	-Wno-switch-default
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror
endif
ALL_CFLAGS := -std=gnu11 $(WARNINGS) $(CFLAGS) $(SANFLAGS) \
	-fstack-protector-strong -fno-strict-aliasing
ALL_CPPFLAGS := -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -Icommon -Iorchestrator -Iagent $(CPPFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)

ORCH_LIBS := -lssh2 -lcrypto -lev -lconfig -lz -ljansson -lcares -lm
AGENT_LIBS := -lseccomp -ljansson -lz -lm
# ASan cannot link statically: the sanitizer build of the agent is dynamic.
ifeq ($(SANITIZE),)
AGENT_STATIC := -static
endif

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

include common/module.mk orchestrator/module.mk agent/module.mk tests/module.mk

COMMON_OBJS := $(call obj,$(COMMON_SRCS))
ORCH_OBJS := $(call obj,$(ORCH_SRCS))
AGENT_OBJS := $(call obj,$(AGENT_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps programs unit-build test demo bench agent-bench clean check-static
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory programs

deps:
ifneq ($(NODEPS),1)
	@sh packaging/deps.sh
endif

programs: $(BUILD)/ronda $(BUILD)/ronda-agent $(TEST_TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_OBJS)
	@mkdir -p $(dir $@); rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/liborch.a: $(ORCH_OBJS)
	@mkdir -p $(dir $@); rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/libagent.a: $(AGENT_OBJS)
	@mkdir -p $(dir $@); rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/ronda: $(call obj,$(ORCH_MAIN)) $(BUILD)/liborch.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ORCH_LIBS)

$(BUILD)/ronda-agent: $(call obj,$(AGENT_MAIN)) $(BUILD)/libagent.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) $(AGENT_STATIC) -o $@ $^ $(AGENT_LIBS)

# Unit tests link every library; the linker takes only what each needs.
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/liborch.a $(BUILD)/libagent.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_LDFLAGS_$*) $(BUILD)/liborch.a $(BUILD)/libagent.a \
		$(BUILD)/libcommon.a -lcmocka $(ORCH_LIBS) $(AGENT_LIBS)

unit-build: $(UNIT_BINS)

# Tests build with -Werror: a warning is a failure, not noise.
test: deps
	@$(MAKE) --no-print-directory NODEPS=1 DEVELOPER=1 programs unit-build
	@$(MAKE) --no-print-directory NODEPS=1 DEVELOPER=1 SANITIZE=address,undefined unit-build
	@tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/demo.sh

# ronda against pdsh on one loopback fleet; BENCH_ARGS="-n 200 -r 3" to vary.
bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench.sh $(BENCH_ARGS)

agent-bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@agent/bench.sh $(BUILD)

clean:
	rm -rf build build-san

-include $(shell find build build-san -name '*.d' 2>/dev/null)
