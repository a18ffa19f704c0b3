/* Background jobs: started with `CMD &`, listed by `jobs`, ended by `kill %N`, reported when they end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/os.h"
#include "user/sh/sh.h"

static struct job {
	long process; /* handle with WAIT and KILL; 0 when the slot is free */
	uint32_t pid;
	char name[32];
} jobs[SH_JOBS_MAX];

/* The pid behind a handle: the process list has it under its name; spawn gives only the handle. */
static uint32_t newest_pid_named(const char *name)
{
	static struct sietch_proc_info procs[256];
	long n = os_proc_list(procs, 256);
	uint32_t pid = 0;
	for (long i = 0; i < n; i++)
		if (procs[i].parent == (uint32_t)os_self() && !strncmp(procs[i].name, name, sizeof(procs[i].name) - 1) &&
		    procs[i].pid > pid)
			pid = procs[i].pid;
	return pid;
}

bool jobs_add(long process, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	for (int i = 0; i < SH_JOBS_MAX; i++)
		if (!jobs[i].process) {
			jobs[i].process = process;
			snprintf(jobs[i].name, sizeof(jobs[i].name), "%s", base);
			jobs[i].pid = newest_pid_named(jobs[i].name);
			printf("[%d] %u\n", i + 1, jobs[i].pid);
			return true;
		}
	return false;
}

/* Whether the job has exited, from the process list (wait would block). */
static bool job_ended(const struct job *job)
{
	static struct sietch_proc_info procs[256];
	long n = os_proc_list(procs, 256);
	for (long i = 0; i < n; i++)
		if (procs[i].pid == job->pid)
			return procs[i].state != 0;
	return true; /* gone from the list: nothing can be running */
}

/* Waits for job i to end (it has, or it was killed and ends at once), reports it and forgets it. */
static void job_finish(int i)
{
	int status = 0;
	os_wait(jobs[i].process, &status);
	os_close(jobs[i].process);
	jobs[i].process = 0;
	printf("[%d] done  %s", i + 1, jobs[i].name);
	if (status == 130 || status == 137)
		printf(" (%s)\n", status == 130 ? "interrupted" : "killed");
	else
		printf(" (exit %d)\n", status & 0xff);
}

void jobs_reap(void)
{
	for (int i = 0; i < SH_JOBS_MAX; i++)
		if (jobs[i].process && job_ended(&jobs[i]))
			job_finish(i);
}

void jobs_wait(int job_number) { job_finish(job_number - 1); }

void jobs_list(void)
{
	jobs_reap();
	for (int i = 0; i < SH_JOBS_MAX; i++)
		if (jobs[i].process)
			printf("[%d] running  pid %u  %s\n", i + 1, jobs[i].pid, jobs[i].name);
}

long jobs_handle(const char *spec, int *job_number)
{
	char *end;
	long n = strtol(spec + 1, &end, 10);
	*job_number = (int)n;
	if (spec[0] != '%' || end == spec + 1 || *end || n < 1 || n > SH_JOBS_MAX || !jobs[n - 1].process)
		return -1;
	return jobs[n - 1].process;
}
