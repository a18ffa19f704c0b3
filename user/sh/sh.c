#include "user/sh/sh.h"
#include <stdio.h>
#include <string.h>
#include "lib/os/os.h"

#define LINE_MAX 512

/* Splits a line into words in place: blanks separate, "double quotes" group. */
static int split_words(char *line, char **argv)
{
	int argc = 0;
	char *p = line;
	while (*p && argc < SH_MAX_ARGS - 1) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
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

int sh_run_program(int argc, char **argv)
{
	char path[128];
	(void)argc;
	if (strchr(argv[0], '/'))
		snprintf(path, sizeof(path), "%s", argv[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	long child = os_spawn(path, argv);
	if (child < 0) {
		printf("sh: %s: %s\n", argv[0], os_strerror(child));
		return 127;
	}
	int status = 0;
	long err = os_wait(child, &status);
	os_close(child);
	if (err < 0) {
		printf("sh: wait: %s\n", os_strerror(err));
		return 1;
	}
	return status;
}

static void run_line(char *line)
{
	char *argv[SH_MAX_ARGS];
	int argc = split_words(line, argv);
	if (argc == 0 || argv[0][0] == '#')
		return;
	const struct builtin *b = builtin_find(argv[0]);
	int status = b ? b->run(argc, argv) : sh_run_program(argc, argv);
	if (status != 0)
		printf("[exit %d]\n", status);
}

int main(void)
{
	char line[LINE_MAX];
	printf("Sietch shell. Type 'help' for the commands.\n");
	for (;;) {
		printf("sietch$ ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 0;
		run_line(line);
	}
}
