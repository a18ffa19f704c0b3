/* The console shell: a line reader, builtins, and running programs from /bin in the foreground or background. */
#pragma once

#include <stdbool.h>
#include "lib/common/syscall.h"

/* A line: up to 1023 characters and its newline, the console's own limit (drivers/console). */
#define SH_LINE_MAX 1025
/* Words on a line, the program's name included: what the kernel's spawn takes. */
#define SH_MAX_ARGS SIETCH_SPAWN_ARGS_MAX

typedef int (*builtin_fn)(int argc, char **argv);

struct builtin {
	const char *name;
	const char *usage;
	builtin_fn run;
};

extern const struct builtin builtins[];
const struct builtin *builtin_find(const char *name);

/* Runs argv in the foreground and returns its exit status, or starts it in the background. */
int sh_run_program(int argc, char **argv, bool background);
/* "[exit N]", "[interrupted]" or "[killed]" for a status that is not 0. */
void sh_report_status(int status);
/* True, after a message naming the command, when path has a ".." component (the kernel refuses them). */
bool sh_refuse_dotdot(const char *command, const char *path);

/* Background jobs (jobs.c). */
#define SH_JOBS_MAX 8
bool jobs_add(long process, const char *name);      /* false when the table is full */
void jobs_reap(void);                               /* reports and forgets jobs that have ended */
void jobs_list(void);
long jobs_handle(const char *spec, int *job_number); /* "%N": the job's process handle, or -1 */
void jobs_wait(int job_number);                     /* after a kill: waits for it to end, reports it */
