# Sietch: the one entry point. `make` builds the ISO, `make run` boots it,
# `make test` runs every test, `make debug` boots it under gdb.

BUILD := build
CC := gcc
LD := ld

KERNEL_CFLAGS := -std=gnu11 -ffreestanding -fno-stack-protector -fno-pic -mno-red-zone \
	-mcmodel=kernel -mgeneral-regs-only -fno-omit-frame-pointer \
	-fno-tree-loop-distribute-patterns -O2 -g -Wall -Wextra -Werror -Wshadow -I. -MMD -MP
KERNEL_ASFLAGS := -I. -MMD -MP -g
KERNEL_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack -T kernel/kernel.ld

# Every .c/.S under boot/ and kernel/, each driver's kernel half (drivers/*/kernel/),
# and the freestanding lib/common, is kernel code.
KERNEL_SRC := $(wildcard boot/*.S) $(shell find kernel -name '*.c' -o -name '*.S' | sort) \
	$(sort $(wildcard drivers/*/kernel/*.c drivers/*/kernel/*.S)) $(wildcard lib/common/*.c)
KERNEL_OBJ := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_SRC))

UNIT_SRC := $(wildcard tests/unit/*_ut.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
UNIT_CFLAGS := -std=gnu11 -g -O1 -I. -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP

.PHONY: all iso run test unit host bench debug deps clean format
all: iso

deps:
	@tools/deps.sh

# User programs and the initial ram disk (lib/libc, newlib through tools/newlib.sh).
ifneq ($(wildcard user/user.mk),)
include user/user.mk
endif

iso: $(BUILD)/sietch.iso

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJ) kernel/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJ)

# The boot image holds the programs stripped, so it costs a small machine less memory;
# $(BUILD)/user/bin keeps the copies with symbols for gdb and addr2line.
$(BUILD)/initrd.tar: $(USER_PROGRAM_BINS)
	@mkdir -p $(BUILD)/initrd/bin
	@rm -f $(BUILD)/initrd/bin/*
	for p in $(USER_PROGRAM_BINS); do strip --strip-all -o $(BUILD)/initrd/bin/$$(basename $$p) $$p || exit 1; done
	tar --format=ustar --owner=0 --group=0 --numeric-owner -cf $@ -C $(BUILD)/initrd bin

$(BUILD)/sietch.iso: $(BUILD)/kernel.elf $(BUILD)/initrd.tar iso/grub.cfg
	@mkdir -p $(BUILD)/isodir/boot/grub
	cp $(BUILD)/kernel.elf $(BUILD)/initrd.tar $(BUILD)/isodir/boot/
	cp iso/grub.cfg $(BUILD)/isodir/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

$(BUILD)/unit/%: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) $< -o $@ -lcmocka

# The network stack's test runs lwIP, built for the host by tools/lwip.sh.
LWIP_HOST_LIB := $(shell tools/lwip.sh --host --lib)
$(LWIP_HOST_LIB): $(wildcard lib/lwip-port/include/*.h lib/lwip-port/include/*/*.h)
	@tools/lwip.sh --host
$(BUILD)/unit/net_ut: tests/unit/net_ut.c $(LWIP_HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Ilib/lwip-port/include -I$(shell tools/lwip.sh --include) $< -o $@ \
		$(LWIP_HOST_LIB) -lcmocka

unit: $(UNIT_BIN)

# Host programs: the kvstore engine over Linux sockets (sanitized, for the tests)
# and the kvbench load generator (optimized).
KVSTORE_ENGINE := $(filter-out user/kvstore/main.c user/kvstore/transport_%.c,$(wildcard user/kvstore/*.c))
HOST_CFLAGS := -std=gnu11 -g -I. -Wall -Wextra -Werror -Wshadow -MMD -MP
$(BUILD)/host/kvstore: tools/host/kvstore_linux.c $(KVSTORE_ENGINE)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all $(filter %.c,$^) -o $@ -lm
$(BUILD)/host/kvstore-fast: tools/host/kvstore_linux.c $(KVSTORE_ENGINE)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -O2 $(filter %.c,$^) -o $@ -lm
$(BUILD)/host/kvbench: tools/host/kvbench.c user/kvbench/kvbench_core.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -O2 $(filter %.c,$^) -o $@ -lm
host: $(BUILD)/host/kvstore $(BUILD)/host/kvstore-fast $(BUILD)/host/kvbench

bench: deps host
	tools/bench $(if $(QUICK),--quick)

# The NIC is attached (tools/run --net), so a program at the prompt can reach the network.
run: deps
	@$(MAKE) --no-print-directory iso
	tools/run --net --nvme $(RUN_ARGS)

test: deps
	@$(MAKE) --no-print-directory iso unit host
	tools/test $(TESTS)

debug: deps
	@$(MAKE) --no-print-directory iso
	tools/run --gdb $(RUN_ARGS) & pid=$$!; gdb -q -x tools/gdbinit; kill $$pid 2>/dev/null || true

# clang-format 14 with .clang-format over the sources, less .clang-format-ignore;
# make test checks it would change nothing (tests/system/test_format.py).
format:
	tools/format

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d) $(UNIT_BIN:=.d) $(wildcard $(BUILD)/host/*.d)
