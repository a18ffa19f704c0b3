/*
 * What the layers above proc (ctl, the drivers) hand down at init, so that
 * proc calls up without including them (docs/architecture.md, "Layers"), as
 * kernel/arch/hooks.h does for arch. All are set before the first process is
 * spawned; a NULL hook is skipped.
 */
#pragma once

struct proc;

/*
 * State kept per process above proc (memory-object mappings, calls received
 * over endpoints): told once, when the process's threads are gone and its
 * memory and handles with them, or when a spawn failed half way. The struct
 * proc still lives and the caller holds a reference to it. Hooks run in the
 * order they were added.
 */
struct proc_exit_hook {
	void (*exited)(struct proc *proc);
	struct proc_exit_hook *next; /* proc's list */
};

/* At init, before the first spawn: the hook lives for ever. */
void proc_exit_hook_add(struct proc_exit_hook *hook);

struct proc_hooks {
	/* This CPU switches to another thread, sched_lock held: the crossing counters. */
	void (*context_switched)(void);
};

extern struct proc_hooks proc_hooks;
