/* The shell's own commands. Each returns an exit status like a program would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/os.h"
#include "user/sh/sh.h"

static const char *const syscall_names[] = {
#define SYSCALL_NAME(number, name, count) [number] = #name,
	SIETCH_SYSCALLS(SYSCALL_NAME)
#undef SYSCALL_NAME
};

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return 0;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case SIETCH_TYPE_DIR: return "dir";
	case SIETCH_TYPE_FILE: return "file";
	case SIETCH_TYPE_CONSOLE: return "console";
	default: return "object";
	}
}

static int list_directory(const char *path)
{
	long dir = os_open(path, SIETCH_RIGHT_READ);
	if (dir < 0) {
		printf("ls: %s: %s\n", path, os_strerror(dir));
		return 1;
	}
	struct sietch_dirent entries[16];
	size_t index = 0;
	long n;
	while ((n = os_dir_read(dir, index, entries, 16)) > 0) {
		for (long i = 0; i < n; i++)
			printf("%-8s %8llu  %s\n", type_name(entries[i].type), (unsigned long long)entries[i].size,
			       entries[i].name);
		index += (size_t)n;
	}
	os_close(dir);
	if (n < 0) {
		printf("ls: %s: %s\n", path, os_strerror(n));
		return 1;
	}
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	int status = 0;
	if (argc < 2)
		return list_directory("/");
	for (int i = 1; i < argc; i++)
		status |= list_directory(argv[i]);
	return status;
}

static int cmd_cat(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			printf("cat: %s: cannot open\n", argv[i]);
			status = 1;
			continue;
		}
		char buf[512];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	return status;
}

static int cmd_ps(int argc, char **argv)
{
	(void)argc, (void)argv;
	static struct sietch_proc_info procs[64];
	long n = os_proc_list(procs, 64);
	if (n < 0) {
		printf("ps: %s\n", os_strerror(n));
		return 1;
	}
	printf("  PID  PARENT THREADS  PAGES   CPU ms  STATE   NAME\n");
	for (long i = 0; i < n; i++)
		printf("%5u %7u %7u %6llu %8llu  %-7s %s\n", procs[i].pid, procs[i].parent, procs[i].threads,
		       (unsigned long long)procs[i].pages, (unsigned long long)(procs[i].cpu_ns / 1000000),
		       procs[i].state ? "exited" : "running", procs[i].name);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: kill PID [STATUS]\n");
		return 2;
	}
	long pid = strtol(argv[1], 0, 10), status = argc > 2 ? strtol(argv[2], 0, 10) : 137;
	long h = os_proc_open((uint32_t)pid, SIETCH_RIGHT_KILL);
	if (h < 0) {
		printf("kill: %ld: %s\n", pid, os_strerror(h));
		return 1;
	}
	long err = os_kill(h, (int)status);
	os_close(h);
	if (err < 0) {
		printf("kill: %ld: %s\n", pid, os_strerror(err));
		return 1;
	}
	return 0;
}

static void print_counters(const char *what, const struct sietch_counters *c)
{
	printf("%s: %llu system calls, %llu interrupts (%llu ticks, %llu IPIs, %llu device), "
	       "%llu exceptions (%llu page faults), %llu context switches\n",
	       what, (unsigned long long)c->syscalls, (unsigned long long)c->interrupts, (unsigned long long)c->ticks,
	       (unsigned long long)c->ipis, (unsigned long long)c->device_interrupts,
	       (unsigned long long)c->exceptions, (unsigned long long)c->page_faults,
	       (unsigned long long)c->context_switches);
	for (size_t i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (c->syscall[i])
			printf("  %-16s %llu\n", syscall_names[i], (unsigned long long)c->syscall[i]);
}

/* The interrupts each CPU took, by kind: a dedicated CPU's line stands still. */
static void print_cpus(uint64_t cpus)
{
	for (uint64_t cpu = 0; cpu < cpus; cpu++) {
		struct sietch_counters c;
		if (os_counters(SIETCH_COUNTERS_CPU, cpu, &c) < 0)
			continue;
		printf("cpu %llu: %llu interrupts (%llu ticks, %llu IPIs, %llu device)\n", (unsigned long long)cpu,
		       (unsigned long long)c.interrupts, (unsigned long long)c.ticks, (unsigned long long)c.ipis,
		       (unsigned long long)c.device_interrupts);
	}
}

static int cmd_stat(int argc, char **argv)
{
	struct sietch_counters c;
	long err;
	if (argc > 1) {
		long pid = strtol(argv[1], 0, 10);
		err = os_counters(SIETCH_COUNTERS_PROCESS, (uint64_t)pid, &c);
		if (!err)
			print_counters(argv[1], &c);
	} else {
		err = os_counters(SIETCH_COUNTERS_SYSTEM, 0, &c);
		if (!err) {
			print_counters("system", &c);
			printf("memory: %llu of %llu frames free\n", (unsigned long long)c.free_frames,
			       (unsigned long long)c.total_frames);
			print_cpus(c.cpus);
		}
	}
	if (err < 0) {
		printf("stat: %s\n", os_strerror(err));
		return 1;
	}
	return 0;
}

static int cmd_uptime(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t ns = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	printf("up %llu.%03llu s\n", (unsigned long long)(ns / 1000000000), (unsigned long long)(ns / 1000000 % 1000));
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	os_poweroff();
	return 1;
}

static int cmd_exit(int argc, char **argv)
{
	exit(argc > 1 ? atoi(argv[1]) : 0);
}

const struct builtin builtins[] = {
	{ "help", "help                 this list", cmd_help },
	{ "echo", "echo WORDS...        print the words", cmd_echo },
	{ "ls", "ls [DIR...]          list a directory of the name tree (default /)", cmd_ls },
	{ "cat", "cat FILE...          print files", cmd_cat },
	{ "ps", "ps                   list processes", cmd_ps },
	{ "kill", "kill PID [STATUS]    end a process you started (status 137 by default)", cmd_kill },
	{ "stat", "stat [PID]           crossing counters, system-wide or of one process", cmd_stat },
	{ "uptime", "uptime               time since boot", cmd_uptime },
	{ "poweroff", "poweroff             turn the machine off", cmd_poweroff },
	{ "exit", "exit [STATUS]        leave the shell (init starts a new one)", cmd_exit },
	{ 0, 0, 0 },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("Commands:\n");
	for (const struct builtin *b = builtins; b->name; b++)
		printf("  %s\n", b->usage);
	printf("Anything else runs a program: NAME runs /bin/NAME; 'ls /bin' lists them.\n");
	return 0;
}

const struct builtin *builtin_find(const char *name)
{
	for (const struct builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return 0;
}
