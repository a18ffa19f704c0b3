#include "user/sh/sh.h"
#include <stdio.h>
#include <string.h>
#include "drivers/console/os/console.h"
#include "lib/os/os.h"

#define EXIT_STATUS_INTERRUPTED 130 /* Ctrl-C: the kernel's SIGINT-like status */
#define EXIT_STATUS_KILLED 137

/* Splits a line into words in place: blanks separate, "double quotes" group.
 * Returns the count, or -1 when there are more than SH_MAX_ARGS. */
static int split_words(char *line, char **argv)
{
	int argc = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (argc == SH_MAX_ARGS)
			return -1;
		if (*p == '"') {
			argv[argc++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			argv[argc++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
				p++;
		}
		if (*p)
			*p++ = 0;
	}
	argv[argc] = 0;
	return argc;
}

void sh_report_status(int status)
{
	if (status == EXIT_STATUS_INTERRUPTED)
		printf("[interrupted]\n");
	else if (status & 0xff)
		printf("[exit %d]\n", status & 0xff); /* 8 bits, as POSIX shells report */
}

bool sh_refuse_dotdot(const char *command, const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/')) {
			printf("%s: %s: '..' is not supported: the name tree has one root; name the path from /\n",
			       command, path);
			return true;
		}
	return false;
}

/* Makes the console's foreground the child (Ctrl-C ends it), or the shell itself again. */
static void console_give(long child)
{
	long err = child >= 0 ? console_foreground(0, child, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT)
			      : console_foreground(0, -1, SIETCH_CONSOLE_FOREGROUND);
	if (err < 0)
		printf("sh: console: %s\n", os_strerror(err));
}

int sh_run_program(int argc, char **argv, bool background)
{
	char path[128];
	(void)argc;
	if (strchr(argv[0], '/'))
		snprintf(path, sizeof(path), "%s", argv[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	if (sh_refuse_dotdot("sh", path))
		return 127;
	long child = os_spawn(path, argv);
	if (child < 0) {
		printf("sh: %s: %s\n", argv[0], os_strerror(child));
		return 127;
	}
	if (background) {
		/* Its own group, not the foreground: its reads see end of file, its output still shows. */
		long err = console_foreground(0, child, 0);
		if (err < 0 || !jobs_add(child, argv[0])) {
			printf("sh: %s: %s; ended\n", argv[0], err < 0 ? os_strerror(err) : "too many jobs");
			os_kill(child, EXIT_STATUS_KILLED);
			os_close(child);
			return 1;
		}
		return 0;
	}
	console_give(child);
	int status = 0;
	long err = os_wait(child, &status);
	console_give(-1);
	os_close(child);
	if (err < 0) {
		printf("sh: wait: %s\n", os_strerror(err));
		return 1;
	}
	return status;
}

/* A trailing "&" word, or "&" ending the last word, runs the line in the background. */
static bool take_background(int *argc, char **argv)
{
	if (*argc == 0)
		return false;
	char *last = argv[*argc - 1];
	size_t len = strlen(last);
	if (len == 0 || last[len - 1] != '&')
		return false;
	if (len == 1)
		argv[--*argc] = 0;
	else
		last[len - 1] = 0;
	return true;
}

static void run_line(char *line)
{
	char *argv[SH_MAX_ARGS + 1];
	int argc = split_words(line, argv);
	if (argc < 0) {
		printf("sh: more than %d words on the line: %s\n", SH_MAX_ARGS, os_strerror(-SIETCH_E2BIG));
		printf("[exit 1]\n");
		return;
	}
	bool background = take_background(&argc, argv);
	if (argc == 0 || argv[0][0] == '#')
		return;
	const struct builtin *b = builtin_find(argv[0]);
	if (b && background) {
		printf("sh: %s is a shell command; it cannot run in the background\n", argv[0]);
		return;
	}
	sh_report_status(b ? b->run(argc, argv) : sh_run_program(argc, argv, background));
}

int main(void)
{
	char line[SH_LINE_MAX];
	console_give(-1);
	printf("Sietch shell. Type 'help' for the commands.\n");
	for (;;) {
		jobs_reap();
		printf("sietch$ ");
		fflush(stdout);
		long n = console_read_line(0, line, sizeof(line));
		if (n == -SIETCH_E2BIG) {
			printf("sh: line longer than %d characters refused: %s\n", SH_LINE_MAX - 2, os_strerror(n));
			continue;
		}
		if (n == 0)
			return 0; /* Ctrl-D at an empty prompt */
		if (n < 0) {
			printf("sh: reading the console: %s\n", os_strerror(n));
			return 1;
		}
		run_line(line);
	}
}
