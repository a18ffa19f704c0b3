/* The shell's own commands. Each returns an exit status like a program would. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/os.h"
#include "user/sh/sh.h"

static const char *const syscall_names[] = {
#define SYSCALL_NAME(number, name, ...) [number] = #name,
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

static void print_entry(uint32_t type, uint64_t size, const char *name)
{
	printf("%-8s %8llu  %s\n", type_name(type), (unsigned long long)size, name);
}

/* A directory's entries, or the one line of a file (as ls of a file shows the file). */
static int list_path(const char *path)
{
	if (sh_refuse_dotdot("ls", path))
		return 1;
	long dir = os_open(path, SIETCH_RIGHT_READ);
	if (dir < 0) {
		printf("ls: %s: %s\n", path, os_strerror(dir));
		return 1;
	}
	struct sietch_stat st;
	long n = os_stat(dir, &st);
	if (n == 0 && st.type != SIETCH_TYPE_DIR) {
		print_entry(st.type, st.size, path);
		os_close(dir);
		return 0;
	}
	struct sietch_dirent entries[16];
	size_t index = 0;
	while (n == 0 && (n = os_dir_read(dir, index, entries, 16)) > 0) {
		for (long i = 0; i < n; i++)
			print_entry(entries[i].type, entries[i].size, entries[i].name);
		index += (size_t)n;
		n = 0;
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
		return list_path("/");
	for (int i = 1; i < argc; i++)
		status |= list_path(argv[i]);
	return status;
}

/* True for something cat can print; else says what it is instead. */
static bool is_file(const char *path)
{
	struct sietch_stat st;
	long h = os_open(path, SIETCH_RIGHT_READ), err = h < 0 ? h : os_stat(h, &st);
	if (h >= 0)
		os_close(h);
	if (err < 0)
		printf("cat: %s: %s\n", path, os_strerror(err));
	else if (st.type == SIETCH_TYPE_DIR)
		printf("cat: %s: is a directory; 'ls %s' lists it\n", path, path);
	else if (st.type != SIETCH_TYPE_FILE)
		printf("cat: %s: is the %s, not a file\n", path, type_name(st.type));
	return err == 0 && st.type == SIETCH_TYPE_FILE;
}

static int cmd_cat(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		if (sh_refuse_dotdot("cat", argv[i]) || !is_file(argv[i])) {
			status = 1;
			continue;
		}
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
	/* The kernel fills at most count entries: ask again with more room until it leaves some over. */
	struct sietch_proc_info *procs = 0;
	long n = 0;
	for (size_t count = 64;; count *= 2) {
		free(procs);
		if (!(procs = malloc(count * sizeof(*procs)))) {
			printf("ps: out of memory\n");
			return 1;
		}
		if ((n = os_proc_list(procs, count)) < (long)count)
			break;
	}
	if (n < 0) {
		printf("ps: %s\n", os_strerror(n));
		free(procs);
		return 1;
	}
	printf("  PID  PARENT THREADS  PAGES   CPU ms  STATE   NAME\n");
	for (long i = 0; i < n; i++)
		printf("%5u %7u %7u %6llu %8llu  %-7s %s\n", procs[i].pid, procs[i].parent, procs[i].threads,
		       (unsigned long long)procs[i].pages, (unsigned long long)(procs[i].cpu_ns / 1000000),
		       procs[i].state ? "exited" : "running", procs[i].name);
	free(procs);
	return 0;
}

static int cmd_jobs(int argc, char **argv)
{
	(void)argc, (void)argv;
	jobs_list();
	return 0;
}

/* The target of kill: "%N" (a job, *job set) or a pid; -1 after saying why it is refused. */
static long kill_target(const char *arg, bool *opened, int *job)
{
	*opened = false;
	*job = 0;
	if (arg[0] == '%') {
		long h = jobs_handle(arg, job);
		if (h < 0)
			printf("kill: %s: no such job; 'jobs' lists them\n", arg);
		return h;
	}
	char *end;
	long pid = strtol(arg, &end, 10);
	if (end == arg || *end || pid <= 0) {
		printf("kill: %s: not a process ID or %%job (see 'ps' and 'jobs')\n", arg);
		return -1;
	}
	if (pid == 1) {
		printf("kill: 1 is init, which keeps a shell on the console; it is not killed (poweroff stops the system)\n");
		return -1;
	}
	if (pid == os_self()) {
		printf("kill: %ld is this shell; type exit to leave it\n", pid);
		return -1;
	}
	long h = os_proc_open((uint32_t)pid, SIETCH_RIGHT_KILL);
	if (h == -SIETCH_EPERM)
		printf("kill: %ld: not started from this shell, so not this shell's to end (EPERM)\n", pid);
	else if (h < 0)
		printf("kill: %ld: %s\n", pid, os_strerror(h));
	*opened = h >= 0;
	return h < 0 ? -1 : h;
}

static int cmd_kill(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		printf("usage: kill PID|%%JOB [STATUS]\n");
		return 2;
	}
	char *end = 0;
	long status = argc > 2 ? strtol(argv[2], &end, 10) : 137;
	if (argc > 2 && (end == argv[2] || *end)) {
		printf("kill: %s: not a number for the exit status\n", argv[2]);
		return 2;
	}
	bool opened;
	int job;
	long h = kill_target(argv[1], &opened, &job);
	if (h < 0)
		return 1;
	long err = os_kill(h, (int)status);
	if (opened)
		os_close(h);
	if (err < 0) {
		printf("kill: %s: %s\n", argv[1], os_strerror(err));
		return 1;
	}
	if (job)
		jobs_wait(job);
	return 0;
}

/* Virtual machines: exits by reason and where the time went; nothing when none ever ran. */
static void print_vm_counters(const struct sietch_vm_counters *vm)
{
	if (!vm->runs && !vm->vms)
		return;
	printf("vm: %llu VMs, %llu vCPUs, %llu runs, %llu entries, %llu exits, %llu injected, "
	       "%llu us in guests, %llu us handling exits\n",
	       (unsigned long long)vm->vms, (unsigned long long)vm->vcpus, (unsigned long long)vm->runs,
	       (unsigned long long)vm->entries, (unsigned long long)vm->exits, (unsigned long long)vm->injected,
	       (unsigned long long)(vm->guest_ns / 1000), (unsigned long long)(vm->kernel_ns / 1000));
	for (unsigned r = 0; r < SIETCH_VM_EXIT_COUNTED; r++)
		if (vm->exit[r] && sietch_vm_exit_name(r))
			printf("  exit %-12s %llu\n", sietch_vm_exit_name(r), (unsigned long long)vm->exit[r]);
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
	print_vm_counters(&c->vm);
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
	{ "ps", "ps                   list every process", cmd_ps },
	{ "jobs", "jobs                 list the background jobs (started with CMD &)", cmd_jobs },
	{ "kill", "kill PID|%N [STATUS] end a process you started, or job N (status 137 by default)", cmd_kill },
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
	printf("Anything else runs a program: NAME runs /bin/NAME; 'ls /bin' lists them.\n"
	       "CMD & runs it in the background: its output shows, its reads see end of file.\n"
	       "Ctrl-C ends the program in the foreground ([interrupted]); Ctrl-U erases the line;\n"
	       "Ctrl-D at an empty prompt leaves the shell. A status other than 0 shows as\n"
	       "[exit N], N being its low 8 bits as in POSIX shells.\n");
	return 0;
}

const struct builtin *builtin_find(const char *name)
{
	for (const struct builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return 0;
}
