# User programs, included by the top-level Makefile.
#
# Every directory user/<name>/ that holds a .c file is a program: all its .c
# files, linked statically with lib/libc (crt0 and what newlib needs from the
# OS), lib/os (libos), every driver's libos half, lib/common, newlib and
# libgcc, into $(BUILD)/user/bin/<name>. `make user-programs` builds them all.
#
# A driver's libos half (drivers/<dev>/os/*.c) is an archive,
# $(BUILD)/drivers/lib<dev>.a, and every program is linked against every
# driver archive: the linker takes only the members a program calls, so a
# program asks for a driver by calling it and pays nothing otherwise.
#
# newlib is built once into a cache outside the tree by tools/newlib.sh; the
# rules below run it when its build is missing or the script has changed.

BUILD ?= build
USER_CC ?= gcc

NEWLIB := $(shell tools/newlib.sh --prefix)
NEWLIB_STAMP := $(NEWLIB)/.sietch-build
NEWLIB_LIBS := $(NEWLIB)/x86_64-elf/lib/libc.a $(NEWLIB)/x86_64-elf/lib/libm.a
USER_LIBGCC := $(shell $(USER_CC) -print-libgcc-file-name)

USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-stack-protector -fno-pie -static \
	-nostdinc -isystem $(NEWLIB)/x86_64-elf/include \
	-isystem $(shell $(USER_CC) -print-file-name=include) -I.
USER_LDFLAGS := -nostdlib -static -no-pie -T lib/libc/user.ld -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack

# The network stack as archives, so only programs that call lib/os/net.h pay for
# it: lib/os/net*.c, lib/os/netd_*.c and Sietch's port (lib/lwip-port) in libnet.a, then lwIP
# itself, built into the cache by tools/lwip.sh. netdev_open.c, which picks a
# VNIC's driver by PCI ID, is an archive of its own before the drivers' archives.
LWIP_LIB := $(shell tools/lwip.sh --lib)
USER_NET_SRC := $(wildcard lib/os/net.c lib/os/net_*.c lib/os/netd_*.c lib/lwip-port/*.c)
USER_NET_OBJS := $(patsubst %.c,$(BUILD)/libc/%.o,$(USER_NET_SRC))
USER_NET_LIB := $(BUILD)/libc/libnet.a
USER_NETDEV_SRC := lib/os/netdev_open.c
USER_NETDEV_LIB := $(BUILD)/libc/libnetdev.a
$(USER_NET_OBJS): USER_CFLAGS += -Ilib/lwip-port/include -I$(shell tools/lwip.sh --include)

# lib/libc and lib/os, crt0 first.
USER_LIBC_SRC := lib/libc/crt0.S $(filter-out lib/libc/crt0.S $(USER_NET_SRC) $(USER_NETDEV_SRC),$(sort \
	$(wildcard lib/libc/*.c lib/libc/*.S lib/os/*.c lib/os/*.S)))
USER_LIBC_OBJS := $(patsubst %,$(BUILD)/libc/%,$(addsuffix .o,$(basename $(USER_LIBC_SRC))))

# lib/common as an archive, so a program gets only what it uses; its string.c
# is the kernel's, and newlib has those functions.
USER_COMMON_SRC := $(filter-out lib/common/string.c,$(wildcard lib/common/*.c))
USER_COMMON_OBJS := $(patsubst %.c,$(BUILD)/libc/%.o,$(USER_COMMON_SRC))
USER_COMMON_LIB := $(BUILD)/libc/libcommon.a

# Each driver's libos half as an archive of its own.
USER_DRIVERS := $(sort $(patsubst drivers/%/os/,%,$(dir $(wildcard drivers/*/os/*.c))))
USER_DRIVER_OBJS := $(patsubst %.c,$(BUILD)/libc/%.o,$(wildcard drivers/*/os/*.c))
USER_DRIVER_LIBS := $(patsubst %,$(BUILD)/drivers/lib%.a,$(USER_DRIVERS))

USER_PROGRAMS := $(sort $(patsubst user/%/,%,$(dir $(wildcard user/*/*.c))))
USER_PROGRAM_BINS := $(patsubst %,$(BUILD)/user/bin/%,$(USER_PROGRAMS))
USER_PROGRAM_OBJS := $(patsubst user/%.c,$(BUILD)/user/obj/%.o,$(wildcard user/*/*.c))

.PHONY: user-programs
user-programs: $(USER_PROGRAM_BINS)

$(NEWLIB_STAMP): tools/newlib.sh
	@tools/newlib.sh

# newlib's headers are system headers, which -MMD leaves out: objects depend
# on its build instead.
$(BUILD)/libc/%.o: %.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libc/%.o: %.S
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/user/obj/%.o: user/%.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(USER_COMMON_LIB): $(USER_COMMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(USER_NET_LIB): $(USER_NET_OBJS) user/user.mk
	@rm -f $@
	ar rcs $@ $(USER_NET_OBJS)

$(USER_NETDEV_LIB): $(BUILD)/libc/lib/os/netdev_open.o
	@rm -f $@
	ar rcs $@ $^

$(LWIP_LIB): $(NEWLIB_STAMP) $(wildcard lib/lwip-port/include/*.h lib/lwip-port/include/*/*.h)
	@tools/lwip.sh --target

$(foreach d,$(USER_DRIVERS),$(eval $(BUILD)/drivers/lib$(d).a: \
	$(filter $(BUILD)/libc/drivers/$(d)/os/%,$(USER_DRIVER_OBJS))))

$(BUILD)/drivers/lib%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

# Each program's own objects are its extra prerequisites; the recipe is shared.
$(foreach p,$(USER_PROGRAMS),$(eval $(BUILD)/user/bin/$(p): \
	$(filter $(BUILD)/user/obj/$(p)/%,$(USER_PROGRAM_OBJS))))

$(BUILD)/user/bin/%: $(USER_LIBC_OBJS) $(USER_NET_LIB) $(LWIP_LIB) $(USER_NETDEV_LIB) $(USER_DRIVER_LIBS) \
		$(USER_COMMON_LIB) $(NEWLIB_STAMP) lib/libc/user.ld
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) -o $@ $(filter $(BUILD)/user/obj/%,$^) $(USER_NET_LIB) $(LWIP_LIB) \
		$(USER_NETDEV_LIB) $(USER_DRIVER_LIBS) $(USER_LIBC_OBJS) $(USER_COMMON_LIB) \
		-Wl,--start-group $(NEWLIB_LIBS) $(USER_LIBGCC) -Wl,--end-group

# Keep the objects the pattern rules make, as a build does.
.SECONDARY: $(USER_LIBC_OBJS) $(USER_NET_OBJS) $(USER_COMMON_OBJS) $(USER_DRIVER_OBJS) $(USER_PROGRAM_OBJS)

-include $(patsubst %.o,%.d,$(USER_LIBC_OBJS) $(USER_NET_OBJS) $(USER_COMMON_OBJS) $(USER_DRIVER_OBJS) $(USER_PROGRAM_OBJS))
