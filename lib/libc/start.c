/*
 * From crt0's _start to main: newlib's constructors, main, exit. The
 * environment starts empty: the kernel passes none.
 */
#include <stdlib.h>
#include "lib/libc/thread_self.h"

extern char **environ;
int main(int argc, char **argv);
void __libc_init_array(void);
void __libc_fini_array(void);
_Noreturn void libc_start(int argc, char **argv);

/* newlib is built with HAVE_INIT_FINI: __libc_init_array calls _init and
 * __libc_fini_array calls _fini, which crti.o/crtn.o would give. Programs
 * here have no .init/.fini code, only .init_array/.fini_array. */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

static char *empty_environment[1];

static struct libc_thread main_thread;

_Noreturn void libc_start(int argc, char **argv)
{
	libc_thread_enter(&main_thread);
	environ = empty_environment;
	atexit(__libc_fini_array); /* destructors run at exit, before stdio is flushed */
	__libc_init_array();
	exit(main(argc, argv));
}
