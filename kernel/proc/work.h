/*
 * Work an interrupt handler must not do itself, because it waits on a device
 * for milliseconds or sleeps (resetting a function a process drives after its
 * DMA was blocked, kernel/iommu/fault.c): posted from any context, run in
 * order, one at a time, by one kernel thread with interrupts enabled.
 */
#pragma once

#include <stdbool.h>

struct work {
	void (*run)(struct work *work);
	struct work *next; /* the queue; the worker's */
	bool queued;	   /* the worker's */
};

/* Starts the worker thread (once; later calls do nothing). 0, or -SIETCH_ENOMEM. */
long work_start(void);

/* Queues work unless it is already queued; from any context, interrupt handlers included.
 * False if no worker runs (work_start was not called or failed): the work is not queued. */
bool work_post(struct work *work);
