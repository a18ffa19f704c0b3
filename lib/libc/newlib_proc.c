/*
 * Processes, time and signals for newlib. There are no asynchronous signals:
 * kill() ends the process with the status a shell shows for the signal.
 */
#include <signal.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/libc/glue.h"
#include "lib/os/os.h"

#define NS_PER_SEC 1000000000l

void _exit(int status)
{
	os_exit(status);
}

pid_t getpid(void)
{
	return (pid_t)os_self();
}

int kill(pid_t pid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return glue_fail(EINVAL);
	if (pid <= 0)
		return glue_fail(ENOSYS); /* no process groups */
	long h = os_proc_open((uint32_t)pid, SIETCH_RIGHT_KILL);
	if (h < 0)
		return (int)glue_result(h);
	long r = sig ? os_kill(h, 128 + sig) : 0;
	os_close(h);
	return (int)glue_result(r);
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return glue_fail(EINVAL);
	if (old)
		*old = 0;
	return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	long ns = os_clock_ns(SIETCH_CLOCK_REALTIME);
	if (ns < 0)
		return (int)glue_result(ns);
	if (tv) {
		tv->tv_sec = ns / NS_PER_SEC;
		tv->tv_usec = (suseconds_t)(ns % NS_PER_SEC / 1000);
	}
	if (tz)
		*(struct timezone *)tz = (struct timezone){0, 0};
	return 0;
}

static clock_t ns_to_ticks(long ns)
{
	return (clock_t)(ns / (NS_PER_SEC / CLOCKS_PER_SEC));
}

/* CPU time is not split into user and system: all of it is user time. */
clock_t times(struct tms *out)
{
	long cpu = os_clock_ns(SIETCH_CLOCK_PROCESS);
	long now = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	if (cpu < 0 || now < 0)
		return (clock_t)glue_result(cpu < 0 ? cpu : now);
	*out = (struct tms){.tms_utime = ns_to_ticks(cpu)};
	return ns_to_ticks(now);
}

static int have_rdrand(void)
{
	unsigned a = 1, b, c = 0, d;
	__asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 30) & 1; /* CPUID.01H:ECX.RDRAND[bit 30], SDM vol.2 RDRAND */
}

static int rdrand(uint64_t *out)
{
	for (int tries = 0; tries < 10; tries++) { /* SDM vol.1 §7.3.17.1: retry a few times */
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 1;
	}
	return 0;
}

/* For arc4random. The kernel has no entropy source yet; the CPU's is used. */
int getentropy(void *buf, size_t len)
{
	if (len > 256)
		return glue_fail(EIO); /* as OpenBSD, where getentropy comes from */
	if (!have_rdrand())
		return glue_fail(ENOSYS);
	unsigned char *p = buf;
	while (len) {
		uint64_t v;
		if (!rdrand(&v))
			return glue_fail(EIO);
		size_t n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

/* Programs are started with os_spawn and waited for with os_wait. */
pid_t fork(void)
{
	return glue_fail(ENOSYS);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path, (void)argv, (void)envp;
	return glue_fail(ENOSYS);
}

pid_t wait(int *status)
{
	(void)status;
	return glue_fail(ENOSYS);
}
