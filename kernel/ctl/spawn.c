/* Programs started by name: the name tree gives the image, the console driver the stdio object. */
#include "kernel/ctl/spawn.h"
#include "kernel/ctl/namespace.h"
#include "lib/common/string.h"

static struct object *stdio_object; /* a reference held for ever */

void spawn_set_stdio(struct object *stdio)
{
	object_ref(stdio);
	stdio_object = stdio;
}

long spawn_program(const char *path, const char *argv_block, size_t block_len, uint32_t parent_pid,
		   struct proc **out)
{
	struct spawn_args args = {
		.path = path,
		.argv_block = argv_block,
		.block_len = block_len,
		.stdio = stdio_object,
		.parent_pid = parent_pid,
	};
	struct name_node *node = namespace_lookup(path, strlen(path));
	if (!node)
		return -SIETCH_ENOENT;
	if (!namespace_file_data(node, &args.image, &args.image_size))
		return -SIETCH_EISDIR;
	return proc_spawn(&args, out);
}
