# ronda - plain GNU make.  See README.md.
#
#   make                 build ronda and ronda-agent (installs deps first)
#   make test            build everything and run every test
#   make demo            start a loopback fleet and patrol it
#   make rotate-bench    the rotate task against gzip -6 and logrotate
#   make DEVELOPER=1     warnings are errors
#   make SANITIZE=address,undefined   same build with sanitizers, in build-san/
#   make fuzz            each libFuzzer target for FUZZ_TIME s (default 60), clang, in build-fuzz/
#   make deps            install missing Debian packages (apt-get), and fetch
#                        the cross-built agents' libraries into build/deps/
#   make install         install under $(DESTDIR)$(PREFIX) (default /usr/local)
#   make uninstall       remove what make install put there (not /etc/ronda)
#   make deb             build build/ronda_VERSION-1_ARCH.deb (packaging/debian)

# FUZZ=1: the libFuzzer build (clang; libFuzzer is clang's), in build-fuzz/.
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 60
ifeq ($(FUZZ),1)
BUILD ?= build-fuzz
CC := $(FUZZ_CC)
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
else ifneq ($(SANITIZE),)
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
# One section per function and object: the static agent's link drops what
# it does not reach (--gc-sections below), a smaller upload.
ALL_CFLAGS := -std=gnu11 $(WARNINGS) $(CFLAGS) $(SANFLAGS) \
	-fstack-protector-strong -fno-strict-aliasing -ffunction-sections -fdata-sections
# Each binary sees only its own folder and common/ (INC, set per folder
# below): an include across binaries does not compile.
ALL_CPPFLAGS = -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 $(INC) $(CROSS_INC) $(CPPFLAGS)
ORCH_INC = -Iorchestrator -Icommon $(LIBSSH2_INC)
AGENT_INC := -Iagent -Icommon
COMMON_INC := -Icommon
# Full RELRO: the GOT is read-only once the program runs (what Debian's
# hardening flags, and lintian, ask of a package).
ALL_LDFLAGS := $(SANFLAGS) -Wl,-z,relro -Wl,-z,now $(LDFLAGS)

# libssh2 >= 1.11.1 (rsa-sha2, EtM, strict KEX): the system's where it is
# that recent, else Debian 13's source package, which make deps builds into
# build/deps/libssh2 (packaging/libssh2.sh) and which is then linked
# statically.  `ronda --version` says which.
LIBSSH2_DIR := build/deps/libssh2
ifneq ($(wildcard $(LIBSSH2_DIR)/lib/libssh2.a),)
LIBSSH2_INC := -I$(LIBSSH2_DIR)/include -DRONDA_LIBSSH2_BUILT
LIBSSH2_LIB := $(LIBSSH2_DIR)/lib/libssh2.a
else
LIBSSH2_INC :=
LIBSSH2_LIB := -lssh2
endif
ORCH_LIBS := $(LIBSSH2_LIB) -lcrypto -lev -lconfig -lz -ljansson -lcares -lm
AGENT_LIBS := -lseccomp -ljansson -lz -lm
COMMON_LIBS := -ljansson -lm
# ASan cannot link statically: the sanitizer build of the agent is dynamic.
ifeq ($(SANITIZE),)
AGENT_STATIC := -static
endif
STRIP ?= strip

# Agents for other architectures (README "Mixed fleets"): for each ARCH in
# AGENT_ARCHES a second make, with CROSS=ARCH, builds the agent alone into
# $(BUILD)/musl/ARCH/ (musl, below) or $(BUILD)/ARCH/ (glibc: with Debian's
# cross compiler ARCH-linux-gnu-gcc, against the libraries
# packaging/agent-libs.sh unpacked into build/deps/ARCH/); the
# result is copied to $(BUILD)/ronda-agent.ARCH.  Sanitizer and fuzz builds
# make only the native agent.  AGENT_ARCHES= builds none.
AGENT_ARCHES ?= aarch64
ifneq ($(SANITIZE)$(FUZZ),)
AGENT_ARCHES :=
endif
# The pushed agents link musl (AGENT_LIBC=musl, the default): static, they
# are about a third of the glibc ones, and a first patrol uploads, unpacks
# and hashes the agent on every host.  Each, the native one too, is then
# built by a sub-make with CROSS=ARCH and the musl-gcc wrapper that
# packaging/musl-agent.sh made in build/deps/musl/ARCH/ (with libseccomp,
# jansson and zlib built for it).  AGENT_LIBC=glibc builds them against
# glibc as before.  Sanitizer and fuzz builds stay glibc (ASan needs it).
AGENT_LIBC ?= musl
ifneq ($(SANITIZE)$(FUZZ),)
override AGENT_LIBC := glibc
endif
HOST_ARCH := $(shell uname -m)
ifneq ($(CROSS),)
CROSS_TRIPLET := $(CROSS)-linux-gnu
override AR := $(CROSS_TRIPLET)-ar
override STRIP := $(CROSS_TRIPLET)-strip
ifeq ($(AGENT_LIBC),musl)
CROSS_SYSROOT := build/deps/musl/$(CROSS)
override CC := $(CROSS_SYSROOT)/bin/musl-gcc
CROSS_INC := -I$(CROSS_SYSROOT)/usr/include -include agent/musl.h
AGENT_LIBS := -L$(CROSS_SYSROOT)/usr/lib $(AGENT_LIBS)
# the unit tests too: the wrapper has no dynamic linker
ALL_LDFLAGS += -static
else
override CC := $(CROSS_TRIPLET)-gcc
CROSS_SYSROOT := build/deps/$(CROSS)
# their own headers (seccomp.h, jansson_config.h, zconf.h) and archives
CROSS_INC := -I$(CROSS_SYSROOT)/usr/include
AGENT_LIBS := -L$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET) $(AGENT_LIBS)
endif
override AGENT_ARCHES :=
endif
CROSS_AGENTS := $(patsubst %,$(BUILD)/ronda-agent.%,$(AGENT_ARCHES))
# Each libc builds in a folder of its own, $(AGENT_SUB)ARCH/ (build/musl/ARCH/
# or build/ARCH/): make would not rebuild objects for a new compiler.
AGENT_SUB := $(BUILD)/$(if $(filter musl,$(AGENT_LIBC)),musl/)
# the architectures packaging/musl-agent.sh prepares
MUSL_ARCHES := $(if $(filter musl,$(AGENT_LIBC)),$(sort $(HOST_ARCH) $(AGENT_ARCHES)))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

include common/module.mk orchestrator/module.mk agent/module.mk tests/module.mk \
	tests/fuzz/module.mk

COMMON_OBJS := $(call obj,$(COMMON_SRCS))
ORCH_OBJS := $(call obj,$(ORCH_SRCS))
AGENT_OBJS := $(call obj,$(AGENT_SRCS))
UNIT_SRCS := $(sort $(filter-out %_fixture.c,$(wildcard tests/unit/*.c)))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

.PHONY: all deps programs unit-build musl-unit-build fuzz fuzz-build test demo bench bench-scale bench-warm shard-sim jump-bench agent-bench rotate-bench clean check-static \
	install uninstall deb
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory programs

deps:
ifneq ($(NODEPS),1)
	@sh packaging/deps.sh
	@sh packaging/libssh2.sh build/deps
	@sh packaging/agent-libs.sh build/deps $(AGENT_ARCHES)
	@sh packaging/musl-agent.sh build/deps $(MUSL_ARCHES)
	@sh packaging/arm64-vm.sh build/deps
endif

programs: $(BUILD)/ronda $(BUILD)/ronda-agent $(CROSS_AGENTS) $(TEST_TOOLS)

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

# The agent that is pushed is stripped (about a third of its size); the one
# with symbols stays in $(BUILD)/debug/ for gdb.  Sanitizer builds keep
# their symbols: the sanitizers' reports need them.
AGENT_LINK = $(CC) $(ALL_LDFLAGS) $(AGENT_STATIC) -Wl,--gc-sections -o $@ $(filter %.o %.a,$^) $(AGENT_LIBS)
ifeq ($(SANITIZE)$(FUZZ),)
# Which libc made $(BUILD)/ronda-agent: a switch of AGENT_LIBC remakes it
# even where the other libc's copy is newer than the objects.
$(BUILD)/.agent-libc-$(AGENT_LIBC):
	@mkdir -p $(dir $@); rm -f $(BUILD)/.agent-libc-*; touch $@
ifeq ($(AGENT_LIBC)$(CROSS),musl)
# the native musl agent: built as the cross agents are, in $(BUILD)/musl/ARCH/
$(BUILD)/ronda-agent $(BUILD)/debug/ronda-agent: $(BUILD)/.musl-agent
	@:
$(BUILD)/.musl-agent: $(BUILD)/.agent-libc-musl FORCE
	@$(MAKE) --no-print-directory NODEPS=1 CROSS=$(HOST_ARCH) BUILD=$(AGENT_SUB)$(HOST_ARCH) \
		$(AGENT_SUB)$(HOST_ARCH)/ronda-agent
	@mkdir -p $(BUILD)/debug
	@cmp -s $(AGENT_SUB)$(HOST_ARCH)/ronda-agent $(BUILD)/ronda-agent || \
		cp $(AGENT_SUB)$(HOST_ARCH)/ronda-agent $(BUILD)/ronda-agent
	@cmp -s $(AGENT_SUB)$(HOST_ARCH)/debug/ronda-agent $(BUILD)/debug/ronda-agent || \
		cp $(AGENT_SUB)$(HOST_ARCH)/debug/ronda-agent $(BUILD)/debug/ronda-agent
else
$(BUILD)/debug/ronda-agent: $(call obj,$(AGENT_MAIN)) $(BUILD)/libagent.a $(BUILD)/libcommon.a \
		$(BUILD)/.agent-libc-$(AGENT_LIBC)
	@mkdir -p $(dir $@)
	$(AGENT_LINK)
$(BUILD)/ronda-agent: $(BUILD)/debug/ronda-agent
	$(STRIP) --strip-all -R .comment -o $@ $<
endif
else
$(BUILD)/ronda-agent: $(call obj,$(AGENT_MAIN)) $(BUILD)/libagent.a $(BUILD)/libcommon.a
	$(AGENT_LINK)
endif

# The sub-make decides whether anything is out of date; the copy keeps its
# time when nothing changed.
$(CROSS_AGENTS): $(BUILD)/ronda-agent.%: FORCE
	@command -v $*-linux-gnu-gcc >/dev/null || { echo "no $*-linux-gnu-gcc: make deps" \
		"installs it (or build without it: make AGENT_ARCHES=)" >&2; exit 1; }
	@[ $(AGENT_LIBC) != musl ] || [ -x build/deps/musl/$*/bin/musl-gcc ] || { echo "no musl" \
		"for $* in build/deps/musl/$*: make deps (or make AGENT_LIBC=glibc)" >&2; exit 1; }
	@$(MAKE) --no-print-directory NODEPS=1 CROSS=$* BUILD=$(AGENT_SUB)$* $(AGENT_SUB)$*/ronda-agent
	@cmp -s $(AGENT_SUB)$*/ronda-agent $@ || cp $(AGENT_SUB)$*/ronda-agent $@

$(BUILD)/common/%.o: INC := $(COMMON_INC)
$(BUILD)/orchestrator/%.o: INC := $(ORCH_INC)
$(BUILD)/agent/%.o: INC := $(AGENT_INC)

# A unit test tests/unit/<dir>_<module>.c sees and links only the library
# of <dir> (plus common/): agent_*, common_*, or one of the orchestrator's
# rooms, or orchestrator_* for the files at the top of orchestrator/ (the
# command line, cli.c).
ORCH_ROOMS := ssh inventory patrol output copy warm orchestrator
UNIT_LINK = $(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_LDFLAGS_$(notdir $@))
$(BUILD)/tests/unit/common_%.o: INC := $(COMMON_INC)
$(BUILD)/unit/common_%: $(BUILD)/tests/unit/common_%.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(UNIT_LINK) $(BUILD)/libcommon.a -lcmocka $(COMMON_LIBS)
$(BUILD)/tests/unit/agent_%.o: INC := $(AGENT_INC)
$(BUILD)/unit/agent_%: $(BUILD)/tests/unit/agent_%.o $(BUILD)/libagent.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(UNIT_LINK) $(BUILD)/libagent.a $(BUILD)/libcommon.a -lcmocka $(AGENT_LIBS)
define orch_unit
$$(BUILD)/tests/unit/$(1)_%.o: INC := $$(ORCH_INC)
$$(BUILD)/unit/$(1)_%: $$(BUILD)/tests/unit/$(1)_%.o $$(BUILD)/liborch.a $$(BUILD)/libcommon.a
	@mkdir -p $$(dir $$@)
	$$(UNIT_LINK) $$(BUILD)/liborch.a $$(BUILD)/libcommon.a -lcmocka $$(ORCH_LIBS)
endef
$(foreach r,$(ORCH_ROOMS),$(eval $(call orch_unit,$(r))))

unit-build: $(UNIT_BINS)

# The agent's unit tests linked as the pushed agent is (musl, static), in
# $(BUILD)/musl/ARCH/unit/, which tests/run.sh runs beside build/unit/.  Not
# agent_names: it checks the agent's tables against glibc's functions.
MUSL_UNIT := $(filter-out agent_names,$(patsubst tests/unit/%.c,%,$(filter tests/unit/agent_%,$(UNIT_SRCS))))
musl-unit-build:
ifeq ($(AGENT_LIBC),musl)
	@$(MAKE) --no-print-directory NODEPS=1 CROSS=$(HOST_ARCH) BUILD=$(AGENT_SUB)$(HOST_ARCH) \
		$(patsubst %,$(AGENT_SUB)$(HOST_ARCH)/unit/%,$(MUSL_UNIT))
endif

fuzz-build: $(FUZZ_BINS)

# Every target for FUZZ_TIME seconds from its corpus (tests/fuzz/corpus/);
# what it finds goes to build-fuzz/corpus/ and build-fuzz/crashes/.
fuzz: deps
	@$(MAKE) --no-print-directory NODEPS=1 FUZZ=1 fuzz-build
	@FUZZ_TIME=$(FUZZ_TIME) tests/integration/80-fuzz.sh

# Tests build with -Werror: a warning is a failure, not noise.
test: deps
	@$(MAKE) --no-print-directory NODEPS=1 DEVELOPER=1 programs unit-build musl-unit-build
	@$(MAKE) --no-print-directory NODEPS=1 DEVELOPER=1 SANITIZE=address,undefined unit-build build-san/ronda-agent
	@$(MAKE) --no-print-directory NODEPS=1 DEVELOPER=1 FUZZ=1 fuzz-build
	@tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/demo.sh

# ronda against pdsh on one loopback fleet, ronda copy against pdcp and
# clush --copy, then ronda against pdsh behind one bastion;
# BENCH_ARGS="-n 200 -r 3" and JUMP_BENCH_ARGS="-n 200 -r 1" to vary.
bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/fleet-bench.sh $(BENCH_ARGS)
	@tests/bench/copy-bench.sh $(BENCH_ARGS)
	@tests/bench/jump-bench.sh $(JUMP_BENCH_ARGS)

# one process over 500 to 5,000 hosts (tests/bench/scale-bench.sh); minutes
bench-scale: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/scale-bench.sh $(SCALE_BENCH_ARGS)

# warm mode: cold exec, pdsh through warmed ControlPersist masters, and what
# ronda serve holds (tests/bench/warm-bench.sh); WARM_BENCH_ARGS="-n 200 -r 1"
bench-warm: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/warm-bench.sh $(WARM_BENCH_ARGS)

# N shards of one patrol at once, merged (tests/bench/shard-sim.sh); not in
# `make bench`: 2,000 hosts take minutes.  SHARD_SIM_ARGS="-n 200" to vary.
shard-sim: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/shard-sim.sh $(SHARD_SIM_ARGS)

# only the bastion part (tests/bench/jump-bench.sh, tests/fleet/behind.sh)
jump-bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/jump-bench.sh $(JUMP_BENCH_ARGS)

agent-bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/agent-bench.sh $(BUILD)

# The rotate task against gzip -6 (1 GiB) and logrotate (10,000 logs); needs
# 4 GiB free in BENCH_TMP (default /tmp) and removes what it wrote.
rotate-bench: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@tests/bench/rotate-bench.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz

# ---- installing (packaging/; README "Packaging and scheduling") ----
#
# ronda finds ronda-agent in its own directory (/proc/self/exe), and the
# agents for other architectures as ronda-agent.ARCH beside it, so all of
# them go to BINDIR.  Files under SYSCONFDIR are installed only when absent: a
# reinstall or upgrade never overwrites what the operator changed (the .deb
# marks them as conffiles instead).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/ronda
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/ronda
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib/ronda
INSTALL ?= install

MANPAGES := packaging/man/ronda.1 packaging/man/ronda-agent.8 \
	packaging/man/ronda-inventory.5 packaging/man/ronda-playbook.5
# Both services come from one template (packaging/systemd/ronda-service.in).
UNITS := $(BUILD)/systemd/ronda-patrol@.service $(BUILD)/systemd/ronda-logclean@.service \
	$(wildcard packaging/systemd/*.timer)
USERUNITS := $(BUILD)/systemd/user/ronda-serve@.service
PLAYBOOKS := $(wildcard playbooks/*.cfg)
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g'

# Regenerated on every install: the paths depend on PREFIX.
$(BUILD)/systemd/ronda-patrol@.service: packaging/systemd/ronda-service.in FORCE
	@mkdir -p $(dir $@)
	$(SUBST) -e 's|@UNIT@|ronda-patrol|g' -e 's|@DEFAULT@|patrol|g' -e 's|@WHAT@|patrol|g' \
		-e 's|@OPTS@|RONDA_OPTS|g' $< > $@
$(BUILD)/systemd/ronda-logclean@.service: packaging/systemd/ronda-service.in FORCE
	@mkdir -p $(dir $@)
	$(SUBST) -e 's|@UNIT@|ronda-logclean|g' -e 's|@DEFAULT@|logclean|g' \
		-e 's|@WHAT@|log cleanup|g' -e 's|@OPTS@|RONDA_LOGCLEAN_OPTS|g' $< > $@
$(BUILD)/systemd/user/ronda-serve@.service: packaging/systemd/ronda-serve@.service.in FORCE
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@
$(BUILD)/ronda-prune: packaging/ronda-prune.in FORCE
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@
	chmod 0755 $@
FORCE:

# Copies $(1) to $(2) unless $(2) exists (configuration files).
install_conf = if [ -e $(2) ]; then echo "install: keeping $(2)"; \
	else $(INSTALL) -m 0644 $(1) $(2); fi

install: $(BUILD)/ronda $(BUILD)/ronda-agent $(CROSS_AGENTS) $(UNITS) $(USERUNITS) $(BUILD)/ronda-prune
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)/examples/playbooks $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(SYSCONFDIR)/ronda/playbooks \
		$(DESTDIR)$(SYSCONFDIR)/default
	$(INSTALL) -m 0755 $(BUILD)/ronda $(BUILD)/ronda-agent $(CROSS_AGENTS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 $(BUILD)/ronda-prune $(DESTDIR)$(LIBEXECDIR)/ronda-prune
	$(INSTALL) -m 0644 packaging/man/ronda.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 packaging/man/ronda-inventory.5 packaging/man/ronda-playbook.5 \
		$(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 packaging/man/ronda-agent.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 inventory/example.cfg $(DESTDIR)$(DOCDIR)/examples/inventory.cfg
	$(INSTALL) -m 0644 $(PLAYBOOKS) $(DESTDIR)$(DOCDIR)/examples/playbooks/
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/examples/slurm $(DESTDIR)$(DOCDIR)/examples/kubernetes
	$(INSTALL) -m 0644 packaging/slurm/ronda-patrol.sbatch packaging/slurm/ronda-slurm-patrol \
		$(DESTDIR)$(DOCDIR)/examples/slurm/
	$(INSTALL) -m 0644 $(wildcard packaging/kubernetes/*.yaml) $(DESTDIR)$(DOCDIR)/examples/kubernetes/
	$(INSTALL) -m 0644 common/PROTOCOL.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 packaging/bash-completion/ronda $(DESTDIR)$(BASHCOMPDIR)/ronda
	$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 $(USERUNITS) $(DESTDIR)$(USERUNITDIR)/
	@$(call install_conf,packaging/etc/inventory.cfg,$(DESTDIR)$(SYSCONFDIR)/ronda/inventory.cfg)
	@for f in $(PLAYBOOKS); do \
		$(call install_conf,$$f,$(DESTDIR)$(SYSCONFDIR)/ronda/playbooks/$${f##*/}); done
	@$(call install_conf,packaging/etc/default-ronda,$(DESTDIR)$(SYSCONFDIR)/default/ronda)

# Leaves SYSCONFDIR alone (the operator's configuration) and STATEDIR (runs,
# the SSH key); `dpkg --purge` removes those for the package.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ronda $(DESTDIR)$(BINDIR)/ronda-agent \
		$(addprefix $(DESTDIR)$(BINDIR)/ronda-agent.,aarch64 $(AGENT_ARCHES)) \
		$(DESTDIR)$(LIBEXECDIR)/ronda-prune \
		$(DESTDIR)$(MANDIR)/man1/ronda.1 $(DESTDIR)$(MANDIR)/man8/ronda-agent.8 \
		$(DESTDIR)$(MANDIR)/man5/ronda-inventory.5 $(DESTDIR)$(MANDIR)/man5/ronda-playbook.5 \
		$(DESTDIR)$(BASHCOMPDIR)/ronda \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
		$(addprefix $(DESTDIR)$(USERUNITDIR)/,$(notdir $(USERUNITS)))
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(LIBEXECDIR)

deb: deps
	@$(MAKE) --no-print-directory NODEPS=1 programs
	@packaging/debian/build-deb.sh $(BUILD)

-include $(shell find build build-san build-fuzz -path build/deps -prune -o -name '*.d' -type f -print 2>/dev/null)
