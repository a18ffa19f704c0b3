/* The console shell: a line reader, builtins, and running programs from /bin. */
#pragma once

#define SH_MAX_ARGS 32

typedef int (*builtin_fn)(int argc, char **argv);

struct builtin {
	const char *name;
	const char *usage;
	builtin_fn run;
};

extern const struct builtin builtins[];
const struct builtin *builtin_find(const char *name);
int sh_run_program(int argc, char **argv);
