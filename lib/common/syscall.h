/*
 * The Sietch system-call ABI: one table that the kernel's dispatcher and
 * decoder prototypes and the typed user-side functions in lib/libc are all
 * built from (the xv6 usys.pl idea, as an X-macro so no generator is needed).
 *
 * Calling convention (the SYSCALL instruction, AMD APM vol.2 §6.1.1): number in
 * rax, arguments in rdi, rsi, rdx, r10, r8, r9 (r10 replaces rcx, which SYSCALL
 * overwrites with the return rip), result in rax. A result in [-4095, -1] is a
 * negated SIETCH_E* error code; anything else is success. Every register but
 * rax, rcx and r11 is preserved, the x87/SSE state included.
 *
 * A new process starts at its ELF entry with rsp at argc (System V AMD64 ABI
 * §3.4.1: argc, argv[], NULL, an empty environment, an empty auxiliary
 * vector), the other general registers zero, x87 control word 0x37f and
 * MXCSR 0x1f80. A new thread (thread_create) starts at entry with rdi = arg
 * and rsp = (stack_top & ~15) - 8, as if entry had just been called.
 */
#pragma once

#include <stdint.h>
#include "lib/common/vm_abi.h"

/*
 * SYSCALL(number, name, libos function, argument count, (type, argument)...)
 *
 * `name` gives the number SYS_<name> and the kernel's decoder sys_<name>
 * (kernel/ctl/syscall.h). The kernel takes every argument as the raw 64-bit
 * register and decodes it itself: a narrower type would silently drop bits
 * that a caller set, and those must be refused (-SIETCH_EINVAL), not
 * ignored. The types are what a program passes; from them lib/libc/syscall_raw.h
 * generates one typed inline function per call, named by the third column.
 * Where libos adds nothing, that is the libos API itself (os_wait); where it
 * does (builds an argument block, allocates a stack, never returns), it is a
 * raw stub os_raw_<name> that the libos function is written over.
 */
typedef void (*sietch_thread_entry)(void *arg);

#define SIETCH_SYSCALLS(SYSCALL)                                                                                   \
	/* -> does not return */                                                                                   \
	SYSCALL(0, proc_exit, os_raw_proc_exit, 1, (int, status))                                                  \
	/* -> a handle to the child with WAIT, KILL and DUP */                                                     \
	SYSCALL(1, proc_spawn, os_raw_proc_spawn, 4, (const char *, path), (size_t, path_len),                     \
		(const char *, argv_block), (size_t, block_len))                                                   \
	/* -> 0 once the process has exited; its status in *status */                                              \
	SYSCALL(2, proc_wait, os_wait, 2, (long, process), (int *, status))                                        \
	/* -> 0 */                                                                                                 \
	SYSCALL(3, proc_kill, os_kill, 2, (long, process), (int, status))                                          \
	/* -> pid */                                                                                               \
	SYSCALL(4, proc_self, os_self, 0)                                                                          \
	/* -> handle */                                                                                            \
	SYSCALL(5, proc_open, os_proc_open, 2, (uint32_t, pid), (unsigned, rights))                                \
	/* -> how many entries were filled */                                                                      \
	SYSCALL(6, proc_list, os_proc_list, 2, (struct sietch_proc_info *, buf), (size_t, count))                  \
	/* -> tid */                                                                                               \
	SYSCALL(7, thread_create, os_raw_thread_create, 3, (sietch_thread_entry, entry), (void *, stack_top),      \
		(void *, arg))                                                                                     \
	/* -> does not return */                                                                                   \
	SYSCALL(8, thread_exit, os_raw_thread_exit, 0)                                                             \
	/* -> 0 */                                                                                                 \
	SYSCALL(9, thread_yield, os_yield, 0)                                                                      \
	/* -> 0 */                                                                                                 \
	SYSCALL(10, thread_sleep, os_sleep_ns, 1, (uint64_t, nanoseconds))                                         \
	/* -> the address mapped */                                                                                \
	SYSCALL(11, mem_map, os_mem_map, 4, (void *, addr), (size_t, len), (unsigned, prot), (unsigned, flags))    \
	/* -> 0 */                                                                                                 \
	SYSCALL(12, mem_unmap, os_mem_unmap, 2, (void *, addr), (size_t, len))                                     \
	/* -> handle */                                                                                            \
	SYSCALL(13, open, os_raw_open, 3, (const char *, path), (size_t, path_len), (unsigned, rights))            \
	/* -> 0 */                                                                                                 \
	SYSCALL(14, close, os_close, 1, (long, handle))                                                            \
	/* -> bytes */                                                                                             \
	SYSCALL(15, read, os_read, 3, (long, handle), (void *, buf), (size_t, len))                                \
	/* -> bytes */                                                                                             \
	SYSCALL(16, write, os_write, 3, (long, handle), (const void *, buf), (size_t, len))                        \
	/* -> the new offset */                                                                                    \
	SYSCALL(17, seek, os_seek, 3, (long, handle), (int64_t, offset), (int, whence))                            \
	/* -> 0 */                                                                                                 \
	SYSCALL(18, stat, os_stat, 2, (long, handle), (struct sietch_stat *, out))                                 \
	/* -> how many entries were filled */                                                                      \
	SYSCALL(19, dir_read, os_dir_read, 4, (long, dir), (size_t, first), (struct sietch_dirent *, out),         \
		(size_t, count))                                                                                   \
	/* -> a new handle with rights narrowed */                                                                 \
	SYSCALL(20, handle_dup, os_handle_dup, 2, (long, handle), (unsigned, rights))                              \
	/* -> 0, the time in *nanoseconds */                                                                       \
	SYSCALL(21, clock_get, os_raw_clock_get, 2, (unsigned, clock), (uint64_t *, nanoseconds))                  \
	/* -> 0 */                                                                                                 \
	SYSCALL(22, counters_read, os_counters, 3, (unsigned, scope), (uint64_t, id),                              \
		(struct sietch_counters *, out))                                                                   \
	/* -> handle */                                                                                            \
	SYSCALL(23, endpoint_create, os_endpoint_create, 0)                                                        \
	/* -> 0, the reply in *msg */                                                                              \
	SYSCALL(24, ipc_call, os_call, 2, (long, endpoint), (struct sietch_msg *, msg))                            \
	/* -> a reply token */                                                                                     \
	SYSCALL(25, ipc_receive, os_receive, 2, (long, endpoint), (struct sietch_msg *, out))                      \
	/* -> 0 */                                                                                                 \
	SYSCALL(26, ipc_reply, os_reply, 3, (long, endpoint), (uint64_t, token), (const struct sietch_msg *, msg)) \
	/* -> handle */                                                                                            \
	SYSCALL(27, notify_create, os_notify_create, 0)                                                            \
	/* -> 0 */                                                                                                 \
	SYSCALL(28, notify_signal, os_notify_signal, 2, (long, notify), (uint64_t, bits))                          \
	/* -> 0 */                                                                                                 \
	SYSCALL(29, notify_wait, os_notify_wait, 2, (long, notify), (uint64_t *, bits))                            \
	/* process needs KILL -> the handle's value in that process */                                             \
	SYSCALL(30, handle_send, os_handle_send, 3, (long, process), (long, handle), (unsigned, rights))           \
	/* -> does not return */                                                                                   \
	SYSCALL(31, system_poweroff, os_poweroff, 0)                                                               \
	/* -> a handle to a shareable memory object */                                                             \
	SYSCALL(32, memory_create, os_memory_create, 1, (size_t, size))                                            \
	/* -> the address mapped */                                                                                \
	SYSCALL(33, memory_map, os_memory_map, 3, (long, memory), (void *, addr), (unsigned, prot))                \
	/* -> 0: the calling thread's FS base, for thread-local data */                                            \
	SYSCALL(34, thread_set_pointer, os_raw_thread_set_pointer, 1, (void *, pointer))                           \
	/* -> how many PCI functions were written from table index first on, 0 past the end (lspci) */             \
	SYSCALL(35, pci_list, os_pci_list, 3, (size_t, first), (struct sietch_pci_info *, buf), (size_t, count)) \
	/* console needs READ, process KILL (or -1 for the caller) -> 0 */                                       \
	SYSCALL(36, console_foreground, os_raw_console_foreground, 3, (long, console), (long, process),          \
		(unsigned, flags))                                                                                 \
	/* thread of the caller's process (0: the caller) runs only on cpu (SIETCH_CPU_ANY: anywhere) -> 0 */   \
	SYSCALL(37, thread_pin, os_thread_pin, 2, (long, thread), (uint32_t, cpu))                               \
	/* device: a VNIC or storage area the caller owns, with READ -> 0, the region in *out (kernel/mm/dma.h) */ \
	SYSCALL(40, dma_alloc, os_dma_alloc, 3, (long, device), (size_t, size), (struct sietch_dma_region *, out))  \
	/* vnic (from open of /dev/net/vnicN) needs WRITE, caller its owner -> 0; registers mapped, facts in *out */ \
	SYSCALL(41, vnic_map, os_vnic_map, 2, (long, vnic), (struct sietch_vnic_info *, out))                      \
	/* vnic needs READ; MSI-X vector of the VF posts bits to notify (SIGNAL), or notify -1 unbinds -> 0 */  \
	SYSCALL(42, vnic_bind_irq, os_vnic_bind_irq, 4, (long, vnic), (unsigned, vector), (long, notify),          \
		(uint64_t, bits)) \
	/* VF vf's pool as the device holds it now (anyone may look, as with lspci) -> 0, the state in *out */    \
	SYSCALL(43, vnic_pool, os_vnic_pool, 2, (unsigned, vf), (struct sietch_vnic_pool *, out))                  \
	/* vnic needs WRITE, caller its owner; mbps 1..1000, never above the grant's limit -> 0, programmed */     \
	SYSCALL(44, vnic_set_rate, os_vnic_set_rate, 2, (long, vnic), (uint32_t, mbps))                            \
	/* process needs KILL (or -1 for the caller); mbps 1..1000, never above its limit -> 0: the limit its    \
	 * VNIC grants opened from now on start with at most, and its children's from their spawn */           \
	SYSCALL(45, vnic_rate_limit, os_vnic_rate_limit, 2, (long, process), (uint32_t, mbps))                    \
	/* a storage area NAME of size bytes in /store; flags SIETCH_STORE_CREATE_* -> 0 (drivers/nvme/kernel/store.h) */ \
	SYSCALL(50, store_create, os_raw_store_create, 4, (const char *, name), (size_t, name_len), (uint64_t, size), \
		(unsigned, flags))                                                                                 \
	/* removes /store/NAME, refused while it is open -> 0 */                                                  \
	SYSCALL(51, store_remove, os_raw_store_remove, 2, (const char *, name), (size_t, name_len))              \
	/* -> how many areas were written from catalogue index first on, 0 past the end (lsstore) */             \
	SYSCALL(52, store_list, os_store_list, 3, (size_t, first), (struct sietch_store_info *, buf), (size_t, count)) \
	/* /store/NAME (or NAME) for its one owner -> a STORE handle, the area in *info */                       \
	SYSCALL(53, store_open, os_raw_store_open, 4, (const char *, path), (size_t, path_len), (unsigned, rights), \
		(struct sietch_store_info *, info))                                                                \
	/* kernel-checked mode: count NVMe commands (64-byte SQEs, blocks from the area's 0), checked and run ->  \
	 * how many ran, each command's result in results[] */                                                  \
	SYSCALL(54, store_submit, os_store_submit, 4, (long, store), (const void *, cmds), (size_t, count),       \
		(struct sietch_store_result *, results))                                                           \
	/* hardware-enforced: each interrupt of the area's completion queue posts bits to notify (RECEIVE) -> 0 */ \
	SYSCALL(55, store_bind_interrupt, os_store_bind_interrupt, 3, (long, store), (long, notify), (uint64_t, bits)) \
	/* what every opener of /store/NAME may do: SIETCH_RIGHT_READ, or READ | WRITE; refused while open -> 0 */ \
	SYSCALL(56, store_set_rights, os_raw_store_set_rights, 3, (const char *, name), (size_t, name_len),        \
		(unsigned, rights))                                                                                \
	/* virtual machines (lib/common/vm_abi.h): flags 0 -> a VM handle */                                 \
	SYSCALL(60, vm_create, os_vm_create, 1, (unsigned, flags))                                           \
	/* -> 0: memory's pages [offset, offset + size) at guest-physical gpa */                              \
	SYSCALL(61, vm_map, os_vm_map, 6, (long, vm), (long, memory), (uint64_t, offset), (uint64_t, gpa),  \
		(uint64_t, size), (unsigned, prot))                                                          \
	/* -> 0 */                                                                                           \
	SYSCALL(62, vm_unmap, os_vm_unmap, 3, (long, vm), (uint64_t, gpa), (uint64_t, size))                \
	/* -> a vCPU handle */                                                                               \
	SYSCALL(63, vcpu_create, os_vcpu_create, 2, (long, vm), (unsigned, index))                          \
	/* -> 0 with run->exit filled: runs the guest until an exit the kernel does not handle */           \
	SYSCALL(64, vcpu_run, os_vcpu_run, 2, (long, vcpu), (struct sietch_vcpu_run *, run))                 \
	/* -> 0: SIETCH_VCPU_* state into buf */                                                             \
	SYSCALL(65, vcpu_get, os_vcpu_get, 4, (long, vcpu), (unsigned, what), (void *, buf), (size_t, size)) \
	/* -> 0 */                                                                                           \
	SYSCALL(66, vcpu_set, os_vcpu_set, 4, (long, vcpu), (unsigned, what), (const void *, buf),          \
		(size_t, size))                                                                              \
	/* -> 0 */                                                                                           \
	SYSCALL(67, vcpu_inject, os_vcpu_inject, 2, (long, vcpu), (const struct sietch_vcpu_event *, event))

/*
 * Helpers to expand a row's (type, argument) pairs, comma-separated:
 * SIETCH_MAP_<count>(M, pairs...) is M(0, pair0), M(1, pair1), ...
 */
#define SIETCH_MAP_0(M, ...)
#define SIETCH_MAP_1(M, a) M(0, a)
#define SIETCH_MAP_2(M, a, b) M(0, a), M(1, b)
#define SIETCH_MAP_3(M, a, b, c) M(0, a), M(1, b), M(2, c)
#define SIETCH_MAP_4(M, a, b, c, d) M(0, a), M(1, b), M(2, c), M(3, d)
#define SIETCH_MAP_5(M, a, b, c, d, e) M(0, a), M(1, b), M(2, c), M(3, d), M(4, e)
#define SIETCH_MAP_6(M, a, b, c, d, e, f) M(0, a), M(1, b), M(2, c), M(3, d), M(4, e), M(5, f)

enum sietch_syscall {
#define SIETCH_SYSCALL_ENUM(number, name, ...) SYS_##name = number,
	SIETCH_SYSCALLS(SIETCH_SYSCALL_ENUM)
#undef SIETCH_SYSCALL_ENUM
	SYS_COUNT
};

/* Error codes, returned negated. Chosen to match newlib's errno values so the
 * C library can hand them through unchanged. */
#define SIETCH_EPERM 1    /* the handle lacks the right */
#define SIETCH_ENOENT 2   /* no such name */
#define SIETCH_ESRCH 3    /* no such process */
#define SIETCH_EINTR 4
#define SIETCH_EIO 5
#define SIETCH_E2BIG 7    /* more than SIETCH_SPAWN_ARGS_MAX arguments or SIETCH_SPAWN_ARGS_BYTES bytes */
#define SIETCH_ENOEXEC 8  /* not a valid ELF64 executable */
#define SIETCH_EBADF 9    /* not a handle, or a handle of the wrong type */
#define SIETCH_ECHILD 10  /* not a child of the caller */
#define SIETCH_EAGAIN 11
#define SIETCH_ENOMEM 12  /* out of memory or over the process's limit */
#define SIETCH_EACCES 13
#define SIETCH_EFAULT 14  /* a pointer outside the caller's address space */
#define SIETCH_EBUSY 16
#define SIETCH_EEXIST 17
#define SIETCH_ENODEV 19  /* the machine lacks the hardware (no SVM with nested paging) */
#define SIETCH_ENOTDIR 20
#define SIETCH_EISDIR 21
#define SIETCH_EINVAL 22  /* an argument out of range */
#define SIETCH_EMFILE 24  /* handle table full */
#define SIETCH_ENOTTY 25
#define SIETCH_ENOSPC 28
#define SIETCH_ESPIPE 29
#define SIETCH_EROFS 30   /* the boot image's files cannot be written */
#define SIETCH_ENAMETOOLONG 91
#define SIETCH_ENOSYS 88  /* no such system call */
#define SIETCH_ETIMEDOUT 116 /* a device did not answer in time */

/* proc_spawn: the most arguments (argv[0] included), and bytes of them with their NULs */
#define SIETCH_SPAWN_ARGS_MAX 64
#define SIETCH_SPAWN_ARGS_BYTES 2048

/* Handle rights */
#define SIETCH_RIGHT_READ (1u << 0)
#define SIETCH_RIGHT_WRITE (1u << 1)
#define SIETCH_RIGHT_EXEC (1u << 2)
#define SIETCH_RIGHT_WAIT (1u << 3)   /* wait on a process */
#define SIETCH_RIGHT_KILL (1u << 4)   /* kill a process */
#define SIETCH_RIGHT_DUP (1u << 5)    /* duplicate or send the handle */
#define SIETCH_RIGHT_SIGNAL (1u << 6) /* signal a notification */
#define SIETCH_RIGHT_CALL (1u << 7)   /* call an endpoint */
#define SIETCH_RIGHT_RECEIVE (1u << 8) /* receive on an endpoint */
#define SIETCH_RIGHTS_ALL 0x1ffu

/* Handles every process starts with: the console, as POSIX expects. */
#define SIETCH_HANDLE_STDIN 0
#define SIETCH_HANDLE_STDOUT 1
#define SIETCH_HANDLE_STDERR 2

/* console_foreground: the process leads a group of its own (its later children
 * join it); with FOREGROUND that group reads the console and every other
 * reads end of file; with INTERRUPT too, Ctrl-C ends the group (status 130). */
#define SIETCH_CONSOLE_FOREGROUND (1u << 0)
#define SIETCH_CONSOLE_INTERRUPT (1u << 1)

/* mem_map */
#define SIETCH_PROT_READ (1u << 0)
#define SIETCH_PROT_WRITE (1u << 1)
#define SIETCH_PROT_EXEC (1u << 2)
#define SIETCH_MAP_FIXED (1u << 0) /* map exactly at addr, fail if anything is there */

/* seek whence, as POSIX */
#define SIETCH_SEEK_SET 0
#define SIETCH_SEEK_CUR 1
#define SIETCH_SEEK_END 2

/* clock_get */
#define SIETCH_CLOCK_MONOTONIC 0 /* since boot */
#define SIETCH_CLOCK_REALTIME 1  /* since 1970, from the RTC at boot */
#define SIETCH_CLOCK_PROCESS 2   /* CPU time used by the calling process */

/* stat */
#define SIETCH_TYPE_FILE 1
#define SIETCH_TYPE_DIR 2
#define SIETCH_TYPE_CONSOLE 3
#define SIETCH_TYPE_PROCESS 4
#define SIETCH_TYPE_ENDPOINT 5
#define SIETCH_TYPE_NOTIFY 6
#define SIETCH_TYPE_MEMORY 7
#define SIETCH_TYPE_VNIC 8 /* a virtual NIC: one SR-IOV VF of the igb, opened from /dev/net/vnicN */
#define SIETCH_TYPE_VM 10
#define SIETCH_TYPE_VCPU 11

struct sietch_stat {
	uint32_t type;
	uint32_t rights;
	uint64_t size;
};

#define SIETCH_NAME_MAX 64
struct sietch_dirent {
	uint32_t type;
	uint32_t reserved;
	uint64_t size;
	char name[SIETCH_NAME_MAX];
};

struct sietch_proc_info {
	uint32_t pid;
	uint32_t parent;
	uint32_t threads;
	uint32_t state; /* 0 running, 1 exited (zombie) */
	uint64_t pages;
	uint64_t cpu_ns;
	char name[32];
};

/*
 * dma_alloc: zeroed, physically contiguous memory that a device the caller
 * owns may read and write. `address` is where it is mapped in the caller;
 * `bus_address` is what the device must be programmed with (the physical
 * address today, an IOMMU address once there is one); `size` is in bytes,
 * rounded up to whole pages. It stays until the device grant is closed and
 * the device reset.
 */
struct sietch_dma_region {
	uint64_t address;
	uint64_t bus_address;
	uint64_t size;
};

/*
 * vnic_map: what a VNIC's owner needs to drive its VF from user space (the
 * Intel 82576's virtual function; register layout in drivers/igb/regs.h).
 * The registers are mapped uncached at `regs`; the VF's own queue 0 is the
 * PF's queue `pf_rx_queue`/`pf_tx_queue`, and no other queue of the pool is
 * useful (RSS never runs inside a pool). The MSI-X vectors (0 .. msix_vectors
 * - 1, the VF's IVAR numbering) are programmed by the kernel and reach the
 * owner only through vnic_bind_irq. The PF answers the mailbox: reset gives
 * back `mac`, the only address the VF may use.
 */
#define SIETCH_VNIC_LINK_UP (1u << 0) /* the PF's link was up at the time of the call */

struct sietch_vnic_info {
	uint32_t vf;           /* VF index on its PF, which is also its VMDq pool */
	uint32_t flags;        /* SIETCH_VNIC_* */
	uint8_t mac[6];        /* the MAC the kernel assigned */
	uint16_t msix_vectors; /* MSI-X vectors the VF has */
	uint64_t regs;         /* user address of the VF's register BAR */
	uint64_t regs_size;    /* its size in bytes */
	uint16_t rx_queues;    /* queues the VF can use: 1 each */
	uint16_t tx_queues;
	uint16_t pf_rx_queue;  /* the VF's queue 0 in the PF's numbering: vf (and vf + 8 unused) */
	uint16_t pf_tx_queue;
	uint32_t tx_rate_mbps; /* transmit rate limit the PF programmed; 0 for none */
	uint32_t max_frame;    /* the largest frame (bytes, no CRC) a SET_LPE may ask for */
	uint16_t segment;      /* the VF's PCI address */
	uint8_t bus, devfn;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sietch_vnic_info) == 56, "ABI: no padding");

/*
 * vnic_pool: one VF's pool seen from the PF (lspci's rate, and the tests'
 * look at the device). A pool nobody owns must have every VNIC_POOL_*_ON bit
 * clear and every ring address 0. tx_rate_mbps is the owner's limit;
 * rttbcnrc is the factor the PF wrote for the VF's queue (82576 RTTBCNRC,
 * selected by RTTDQSEL), rttbcnrc_read what the device gives back (0 on
 * QEMU, which has no such register).
 */
#define SIETCH_VNIC_POOL_OWNED (1u << 0)
#define SIETCH_VNIC_POOL_RX_ON (1u << 1)    /* VFRE: the pool may receive */
#define SIETCH_VNIC_POOL_TX_ON (1u << 2)    /* VFTE: the pool may transmit */
#define SIETCH_VNIC_POOL_RXQ_ON (1u << 3)   /* RXDCTL.ENABLE of queue vf or vf + 8 */
#define SIETCH_VNIC_POOL_TXQ_ON (1u << 4)   /* TXDCTL.ENABLE of queue vf or vf + 8 */
#define SIETCH_VNIC_POOL_LOW_PAGE_OK (1u << 5) /* the kernel's canary in physical page 0 is whole */

struct sietch_vnic_pool {
	uint32_t vf;
	uint32_t flags;        /* SIETCH_VNIC_POOL_* */
	uint32_t tx_rate_mbps; /* 0: no limit */
	uint32_t rttbcnrc;
	uint32_t rttbcnrc_read;
	uint32_t reserved;
	uint64_t rx_ring[2];   /* RDBAH:RDBAL of queues vf and vf + 8 */
	uint64_t tx_ring[2];   /* TDBAH:TDBAL of the same */
};
_Static_assert(sizeof(struct sietch_vnic_pool) == 56, "ABI: no padding");

/*
 * Storage areas (/store/NAME). mode says who enforces the area's boundary:
 * SIETCH_STORE_CHECKED, the kernel checks each command (store_submit);
 * SIETCH_STORE_HARDWARE, the area is a namespace only its owner's controller
 * sees. Blocks are numbered from 0 within the area.
 */
#define SIETCH_STORE_CHECKED 1
#define SIETCH_STORE_HARDWARE 2
#define SIETCH_TYPE_STORE 9
#define SIETCH_STORE_BATCH_MAX 32 /* commands one store_submit takes */
struct sietch_store_info {
	char name[48];
	uint32_t mode;
	uint32_t nsid;
	uint64_t first_block; /* in the namespace (for lsstore; commands use the area's 0) */
	uint64_t blocks;
	uint32_t block_size;
	uint32_t max_transfer; /* bytes one command may move */
	uint32_t owner;        /* pid holding it open, 0 for none */
	uint32_t flags;        /* SIETCH_STORE_WRITE_ZEROES, SIETCH_STORE_READ_ONLY */
	/* SIETCH_STORE_HARDWARE: the caller's own I/O queue pair on its VF controller */
	uint64_t sq, cq;       /* queue memory in the caller (DMA memory of the grant) */
	uint64_t sq_bus, cq_bus;
	uint64_t doorbells;    /* the VF's doorbell page (BAR0 + 1000h), mapped uncached in the caller */
	uint16_t qid;          /* the pair's queue identifier */
	uint16_t entries;      /* in each queue */
	uint32_t doorbell_stride; /* CAP.DSTRD */
};
#define SIETCH_STORE_WRITE_ZEROES (1u << 0)
#define SIETCH_STORE_READ_ONLY (1u << 1) /* the area's rights lack WRITE: opening for writing is EPERM */
/* store_create: a namespace of its own (size 0 or at most the namespace's), hardware-enforced */
#define SIETCH_STORE_CREATE_NAMESPACE (1u << 0)
/* store_create: read-only for every opener (kernel-checked areas only: a VF cannot refuse writes) */
#define SIETCH_STORE_CREATE_READ_ONLY (1u << 1)

/* One command's outcome: error is 0 when it reached the device (then status
 * is the NVMe completion status, 0 for success), or a negated SIETCH_E*
 * code when the kernel refused it (EACCES outside the area, EFAULT memory
 * that is not the area's DMA memory, EINVAL a field not allowed) or it timed out. */
struct sietch_store_result {
	int32_t error;
	uint16_t status;
	uint16_t reserved;
	uint32_t dw0;
	uint32_t reserved2;
};

/* IPC: a small register-sized message plus a handle slot, in the style of seL4's message registers. */
#define SIETCH_MSG_WORDS 8
struct sietch_msg {
	uint64_t label;
	uint64_t words[SIETCH_MSG_WORDS];
};

/* counters_read scopes */
#define SIETCH_COUNTERS_SELF 0
#define SIETCH_COUNTERS_PROCESS 1 /* id = pid */
#define SIETCH_COUNTERS_SYSTEM 2
#define SIETCH_COUNTERS_CPU 3     /* id = CPU index: the interrupts that CPU took, by kind */
#define SIETCH_COUNTERS_VM 4      /* id = a VM handle: only the vm part is filled */
#define SIETCH_COUNTERS_VCPU 5    /* id = a vCPU handle: only the vm part is filled */

#define SIETCH_COUNTED_SYSCALLS 70 /* every row assigned so far: 0-69 */
struct sietch_counters {
	uint64_t syscalls;                          /* all system calls */
	uint64_t syscall[SIETCH_COUNTED_SYSCALLS]; /* by number */
	uint64_t interrupts;                        /* all: ticks, IPIs, device interrupts, spurious ones */
	uint64_t exceptions;                        /* all CPU exceptions, page faults included */
	uint64_t page_faults;
	uint64_t context_switches;
	uint64_t free_frames;  /* system scope only: frames the allocator holds */
	uint64_t total_frames; /* system scope only */
	uint64_t ticks;        /* timer interrupts (part of interrupts) */
	uint64_t ipis;         /* interrupts one CPU sent another: wake-ups, TLB shootdowns (part of interrupts) */
	uint64_t device_interrupts; /* interrupts from devices (part of interrupts) */
	uint64_t cpus;         /* system scope only: CPUs online, the valid ids of the CPU scope */
	struct sietch_vm_counters vm; /* virtual machines: exits by reason, time in guest (vm_abi.h) */
	uint64_t dma_faults;   /* DMA the IOMMU blocked from a device the process owns (process scope) */
};

/* pci_list: one PCI function as the kernel found it (lspci). */
#define SIETCH_PCI_BARS 6
#define SIETCH_PCI_CAPS 16
#define SIETCH_PCI_BAR_IO (1u << 0)
#define SIETCH_PCI_BAR_64 (1u << 1)
#define SIETCH_PCI_BAR_PREFETCH (1u << 2)
#define SIETCH_PCI_BAR_UPPER (1u << 3)   /* upper half of the BAR before it */
#define SIETCH_PCI_BRIDGE (1u << 0)
#define SIETCH_PCI_VF (1u << 1)
#define SIETCH_PCI_SRIOV (1u << 2)       /* a PF: the sriov fields are valid */
#define SIETCH_PCI_MSIX (1u << 3)        /* the msix fields are valid */
#define SIETCH_PCI_DECODES (1u << 4)     /* a VF whose MSI-X table read back as it must: its BARs decode */
#define SIETCH_PCI_DMA_REMAPPED (1u << 5) /* an IOMMU translates its DMA; dma_domain says how */
#define SIETCH_PCI_DMA_KERNEL 1  /* the kernel's device: DMA passes untranslated */
#define SIETCH_PCI_DMA_BLOCKED 2 /* every DMA blocked (no owner) */
#define SIETCH_PCI_NO_INDEX 0xffff

struct sietch_pci_bar {
	uint64_t base; /* 0: not assigned */
	uint64_t size; /* 0: not implemented */
	uint32_t flags;
	uint32_t reserved;
};

struct sietch_pci_info {
	uint16_t segment;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	uint32_t class_code; /* base class 23:16, sub-class 15:8, programming interface 7:0 */
	uint8_t revision, header_type, cap_count, ecap_count;
	uint32_t flags;      /* SIETCH_PCI_* */
	uint16_t parent;     /* table index of the bridge above, SIETCH_PCI_NO_INDEX on a root bus */
	uint16_t pf;         /* for a VF: table index of its PF */
	uint16_t vf_index;   /* for a VF: 0-based */
	uint8_t secondary, subordinate; /* bridges */
	uint32_t owner;      /* pid of the process holding the function, 0 for none */
	uint16_t dma_domain; /* with SIETCH_PCI_DMA_REMAPPED: SIETCH_PCI_DMA_* or an owner's own domain ID */
	uint16_t reserved;
	struct sietch_pci_bar bar[SIETCH_PCI_BARS];
	uint8_t cap_id[SIETCH_PCI_CAPS];
	uint16_t cap_offset[SIETCH_PCI_CAPS];
	uint16_t ecap_id[SIETCH_PCI_CAPS];
	uint16_t ecap_offset[SIETCH_PCI_CAPS];
	/* SR-IOV (a PF) */
	uint16_t total_vfs, num_vfs, vf_offset, vf_stride, vf_device, sriov_cap;
	uint16_t reserved2[2];
	struct sietch_pci_bar vf_bar[SIETCH_PCI_BARS]; /* size of one VF's copy; base of VF 0 */
	/* MSI-X */
	uint16_t msix_vectors;
	uint8_t msix_table_bar, msix_pba_bar;
	uint32_t msix_table_offset, msix_pba_offset;
	uint32_t reserved3;
	/* bridges: the memory and prefetchable windows, inclusive; limit < base when closed */
	uint64_t mem_base, mem_limit, pref_base, pref_limit;
};
_Static_assert(sizeof(struct sietch_pci_bar) == 24, "ABI: no padding");
_Static_assert(__builtin_offsetof(struct sietch_pci_info, bar) == 40, "ABI: no padding");
_Static_assert(__builtin_offsetof(struct sietch_pci_info, vf_bar) == 312, "ABI: no padding");
_Static_assert(sizeof(struct sietch_pci_info) == 504, "ABI: no padding");
/* thread_pin */
#define SIETCH_CPU_ANY 0xffffffffu

_Static_assert(SYS_COUNT <= SIETCH_COUNTED_SYSCALLS, "counters must cover every system call");
