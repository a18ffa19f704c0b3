/* Callbacks before power-off (shutdown.h). */
#include "kernel/ctl/shutdown.h"

#include "kernel/arch/spinlock.h"

static void (*callbacks[SHUTDOWN_CALLBACKS_MAX])(void);
static unsigned count;
static struct spinlock lock = SPINLOCK_INIT("shutdown");

bool shutdown_register(void (*fn)(void))
{
	spin_lock(&lock);
	bool ok = count < SHUTDOWN_CALLBACKS_MAX;
	if (ok)
		callbacks[count++] = fn;
	spin_unlock(&lock);
	return ok;
}

void shutdown_run_all(void)
{
	spin_lock(&lock);
	unsigned n = count;
	spin_unlock(&lock);
	for (unsigned i = 0; i < n; i++)
		callbacks[i]();
}
