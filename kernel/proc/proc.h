/*
 * Processes: an address space, a handle table, threads, and crossing
 * counters. A process is also an object: a handle to it (with the WAIT or
 * KILL right) is what spawn returns and what wait and kill take. Its memory
 * and handles are torn down when its last thread exits; the struct itself
 * lives on, exited, until the last handle to it is closed.
 */
#pragma once

#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/handle.h"
#include "kernel/object/object.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/thread.h"
#include "kernel/proc/wait.h"
#include "lib/common/syscall.h"

#define PROC_NAME_MAX 32
#define MAX_PROCS 256
#define MAX_THREADS_PER_PROC 64

enum proc_state { PROC_ALIVE, PROC_EXITED };

struct proc {
	struct object object; /* OBJECT_PROCESS */
	uint32_t pid, parent_pid;
	uint32_t console_group; /* the console's job control: the parent's at spawn (drivers/console); table lock */
	char name[PROC_NAME_MAX];
	struct addr_space space;
	struct handle_table handles;
	struct spinlock lock; /* threads, state, memory accounting */
	struct thread *threads;
	uint32_t thread_count;
	uint32_t threads_unfreed; /* threads whose kernel stack is not yet freed, dead or alive */
	enum proc_state state;
	bool dying; /* killed or exiting: the status is fixed */
	int exit_status;
	struct wait_queue exit_waiters;
	struct sietch_counters counters;
	uint64_t pages, page_limit; /* user pages mapped, and the most it may map */
	uint64_t mmap_next;         /* where the next unplaced mem_map goes */
	uint64_t cpu_ns;
	/* The transmit limit (Mb/s, 0: none) every VNIC grant it opens starts at most with
	 * (drivers/igb/kernel/vnic.h); its parent's at spawn; it only tightens; lock. */
	uint32_t vnic_rate_mbps;
};

struct proc *proc_current(void); /* NULL in kernel-only context */
/* The calling process's handle table: what every system call names objects through. */
static inline struct handle_table *proc_handles(void) { return &proc_current()->handles; }
void proc_init(void);

/* A program to start, found by the caller (kernel/ctl/spawn.c looks it up in the name tree). */
struct spawn_args {
	const char *path;       /* the process is named after its last component */
	const void *image;      /* an ELF64 executable, image_size bytes */
	size_t image_size;
	const char *argv_block; /* NUL-terminated strings back to back, block_len bytes */
	size_t block_len;
	struct object *stdio;   /* handles 0 (READ), 1 and 2 (WRITE), each with DUP; NULL: none */
	uint32_t parent_pid;
};
/* A new process running the image, with a new reference in *out; -SIETCH_E2BIG, ENOEXEC or ENOMEM. */
long proc_spawn(const struct spawn_args *args, struct proc **out);
void proc_kill(struct proc *proc, int status);      /* every thread leaves at its next kernel exit */
/* proc_kill of every living process in the group but the one with pid spared (0: none); how many. */
size_t proc_kill_group(uint32_t console_group, uint32_t spared, int status);
long proc_wait(struct proc *proc, int *status);      /* blocks until it has exited */
struct proc *proc_find(uint32_t pid);                /* a new reference, or NULL */
/* Thread tid of proc (0: the caller, who moves at once) runs only on cpu (THREAD_ANY_CPU: anywhere). */
long proc_pin_thread(struct proc *proc, uint64_t tid, int cpu); /* 0 or -SIETCH_ESRCH */
size_t proc_snapshot(struct sietch_proc_info *out, size_t max);
/* Spawn: child joins parent's console group (its own, with no parent). */
void proc_inherit_console_group(struct proc *child, const struct proc *parent);
/*
 * leader becomes a console group of its own (drivers/console: console_foreground),
 * and takes along every descendant still in its old group: a shell can make a
 * program a job only after spawn has returned, and the program may have
 * started children by then. Under the table lock, as spawn's inheriting is, so
 * a child spawned meanwhile either is taken along or inherits the new group.
 */
void proc_new_console_group(struct proc *leader);

/* Exit statuses for processes the kernel kills, as a shell reports them (128 + signal number). */
#define EXIT_STATUS_FAULT 139   /* like SIGSEGV */
#define EXIT_STATUS_ILLEGAL 132 /* like SIGILL */
#define EXIT_STATUS_ARITH 136   /* like SIGFPE */
#define EXIT_STATUS_KILLED 137  /* like SIGKILL */
#define EXIT_STATUS_INTERRUPTED 130 /* like SIGINT: Ctrl-C on the console */
