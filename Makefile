# SPDX-License-Identifier: GPL-2.0
#
# nlbs: the module is built by kbuild through ./Kbuild (obj-m += kmod/), the
# userspace tools by tools/Makefile. Everything else here is a wrapper.
#
#   make                 module + tools        make W=1 / make C=1 (sparse)
#   make check [T=pat] [KERNEL=debug] [HOST=1]  the test suite (see selftests/README)
#   make check-deb       make deb, then the packages installed in a VM (deb.sh)
#   make demo [HOST=1]   the demo in a VM
#   make debug-kernel    the debug kernel of KERNEL=debug, into build/debug-kernel
#   make style           checkpatch --strict over kmod/ and uapi/
#   make install [DESTDIR=] [PREFIX=/usr/local]
#   make clean

PREFIX ?= /usr/local
DESTDIR ?=

# KDIR: the running kernel's build tree, else the newest installed Debian
# linux-headers-*-amd64 tree (this host's kernel has no module support).
ifeq ($(origin KDIR),undefined)
KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(wildcard $(KDIR)/Makefile),)
KDIR := $(shell for d in /usr/src/linux-headers-*-amd64 /lib/modules/*-amd64/build; do \
	[ -f "$$d/Makefile" ] && echo "$$d" | sed -E 's,^(/usr/src/linux-headers-|/lib/modules/)([^/]*).*,\2 &,'; \
	done | sort -V | tail -n 1 | cut -d' ' -f2)
ifeq ($(filter check demo print-kdir,$(MAKECMDGOALS)),)
$(info nlbs: no build tree for the running kernel $(shell uname -r): KDIR=$(or $(KDIR),<none>))
endif
endif
endif

# The kernel release KDIR builds for (also the Debian package version).
KVER = $(or $(patsubst /lib/modules/%/build,%,$(filter /lib/modules/%/build,$(KDIR))), \
	$(patsubst linux-headers-%,%,$(notdir $(KDIR))))

CHECKPATCH ?= $(firstword $(wildcard $(CURDIR)/../shared/tools/checkpatch.pl) \
	$(wildcard $(KDIR)/scripts/checkpatch.pl) $(CURDIR)/build/checkpatch/checkpatch.pl)

KBUILD = $(MAKE) -C $(KDIR) M=$(CURDIR)

.PHONY: all module tools check demo bench style install install-module install-tools clean print-kdir deb
.PHONY: debug-kernel check-deb

all: module tools

kdir-ok:
	@[ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ] || { \
		echo "nlbs: no kernel build tree; install linux-headers-amd64 (selftests/vm/deps.sh)" >&2; \
		exit 1; }
.PHONY: kdir-ok

# C=1 asks for sparse; kbuild's C=2 checks every file, not only rebuilt ones.
module: kdir-ok
	$(KBUILD) $(if $(filter 1 2,$(C)),C=2) modules

tools:
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools all; \
	else echo "nlbs: tools/Makefile not there yet: tools skipped"; fi

check:
	@CHECK_T='$(T)' CHECK_KERNEL='$(KERNEL)' CHECK_HOST='$(HOST)' selftests/vm/check.sh

demo:
	@CHECK_KERNEL='$(KERNEL)' CHECK_HOST='$(HOST)' selftests/vm/check.sh --demo

# make bench [BENCH=quick]: Documentation/bench.rst (not part of make check)
bench:
	@BENCH_MODE='$(BENCH)' selftests/bench/bench.sh

# make debug-kernel: the debug kernel of make check KERNEL=debug, built from
# Debian's linux-source-6.1 and selftests/vm/debug.config into
# build/debug-kernel/ (long: see selftests/README)
debug-kernel:
	@selftests/vm/debug-kernel.sh

# make check-deb: the packages of make deb installed, used and purged in a
# VM (selftests/deb.sh; make check skips it: the DKMS build in the guest
# takes minutes under emulation)
check-deb: deb
	@CHECK_T=deb CHECK_KERNEL='$(KERNEL)' selftests/vm/check.sh

# make deb: nlbs-dkms and nlbs-tools into build/deb/, checked by lintian
deb:
	@debian/make-deb.sh

STYLE_FILES = $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h)) $(shell find uapi -name '*.h' 2>/dev/null)

style: $(CHECKPATCH)
	@rc=0; for f in $(STYLE_FILES); do \
		out=$$(perl $(CHECKPATCH) --no-tree --strict --terse --show-types -f $$f 2>&1) || rc=1; \
		if echo "$$out" | grep -qE '(ERROR|WARNING|CHECK):'; then rc=1; echo "$$out"; fi; \
	done; \
	[ $$rc = 0 ] && echo "style: $(words $(STYLE_FILES)) files clean ($(CHECKPATCH))"; exit $$rc

# No ../shared and no checkpatch in KDIR: take it from Debian's linux-source.
$(CURDIR)/build/checkpatch/checkpatch.pl:
	@src=$$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1); \
	[ -n "$$src" ] || { echo "style: no checkpatch.pl: apt-get install linux-source" >&2; exit 1; }; \
	mkdir -p build/checkpatch && \
	tar -xJf $$src -C build/checkpatch --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'

install: install-module install-tools

install-module: module
	$(KBUILD) INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tools: tools
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX); \
	else echo "nlbs: tools/Makefile not there yet: tools not installed"; fi

clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then $(KBUILD) clean; fi
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -rf build

print-kdir:
	@echo $(KDIR)
