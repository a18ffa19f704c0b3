/*
 * Starting a program: an ELF64 executable in kernel memory becomes a new
 * process with its image, a stack holding argc/argv as the System V AMD64 ABI
 * prescribes (§3.4.1, figure 3.9), the given object (the console) as handles
 * 0-2, and one thread. Finding the image by name is kernel/ctl/spawn.c's.
 */
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/proc_internal.h"
#include "kernel/proc/time_page.h"
#include "lib/common/elf.h"
#include "lib/common/string.h"

#define USER_STACK_TOP 0x00007fffffff0000ull
#define USER_STACK_SIZE (256 * 1024)
#define SPAWN_MAX_ARGS SIETCH_SPAWN_ARGS_MAX

/* Maps [va, va+len) with fresh zeroed frames. */
static long map_fresh(struct proc *p, uint64_t va, uint64_t len, unsigned flags)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		if (p->pages >= p->page_limit)
			return -SIETCH_ENOMEM;
		uint64_t frame = frame_alloc();
		if (frame == FRAME_NONE)
			return -SIETCH_ENOMEM;
		int err = vm_map(&p->space, va + off, frame, PAGE_SIZE, flags | VM_USER);
		if (err) {
			frame_free(frame);
			return err; /* overlaps were refused by image_overlaps: this is no memory for a table */
		}
		p->pages++;
	}
	return 0;
}

/* Copies into an address space that is not the current one, through the direct map. */
static void space_write(struct addr_space *as, uint64_t va, const void *src, size_t len)
{
	while (len) {
		uint64_t pa, chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (!vm_translate(as, va, &pa, 0))
			panic("space_write: 0x%lx is not mapped", va);
		memcpy(phys_to_virt(pa), src, chunk);
		va += chunk;
		src = (const uint8_t *)src + chunk;
		len -= chunk;
	}
}

/* The pages [*start, *end) a segment occupies. */
static void segment_pages(const struct elf_segment *seg, uint64_t *start, uint64_t *end)
{
	*start = seg->vaddr & ~(PAGE_SIZE - 1);
	*end = (seg->vaddr + seg->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/*
 * Segments that share a page, or reach into the stack, make a bad
 * executable. Checked before anything is mapped, so that a mapping refused
 * later means no memory, never a bad image.
 */
static bool image_overlaps(const void *image, size_t size)
{
	struct elf_segment seg;
	uint64_t start, end;
	for (size_t i = 0; elf_segment(image, size, i, &seg); i++) {
		segment_pages(&seg, &start, &end);
		if (start < USER_STACK_TOP && USER_STACK_TOP - USER_STACK_SIZE < end)
			return true;
	}
	return elf_segments_overlap(image, size, PAGE_SIZE);
}

static long load_segment(struct proc *p, const uint8_t *image, const struct elf_segment *seg)
{
	uint64_t start, end;
	segment_pages(seg, &start, &end);
	unsigned flags = (seg->flags & ELF_PF_W ? VM_WRITE : 0) | (seg->flags & ELF_PF_X ? VM_EXEC : 0);
	if (start < USER_BASE)
		return -SIETCH_ENOEXEC;
	long err = map_fresh(p, start, end - start, flags);
	if (!err)
		space_write(&p->space, seg->vaddr, image + seg->offset, seg->filesz);
	return err;
}

static long load_image(struct proc *p, const void *image, size_t size, uint64_t *entry)
{
	struct elf_info info;
	if (elf_check(image, size, &info) || image_overlaps(image, size))
		return -SIETCH_ENOEXEC;
	struct elf_segment seg;
	for (size_t i = 0; elf_segment(image, size, i, &seg); i++) {
		long err = load_segment(p, image, &seg);
		if (err)
			return err;
	}
	*entry = info.entry;
	return 0;
}

/*
 * The initial stack, top down: the argument strings, then (16-byte aligned)
 * argc, argv[0..argc-1], NULL, an empty environment (NULL) and an empty
 * auxiliary vector (AT_NULL, 0). Built in the top stack page, seen through the direct map.
 */
static long build_stack(struct proc *p, const char *block, size_t block_len, uint64_t *rsp_out)
{
	long err = map_fresh(p, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, VM_WRITE);
	if (err)
		return err;
	uint64_t strings_va = USER_STACK_TOP - block_len;
	space_write(&p->space, strings_va, block, block_len);

	uint64_t argv[SPAWN_MAX_ARGS];
	size_t argc = 0;
	for (size_t at = 0; at < block_len; at += strlen(block + at) + 1)
		argv[argc++] = strings_va + at; /* proc_spawn counted them */
	size_t words = 1 + argc + 1 + 1 + 2;
	uint64_t rsp = ((strings_va - words * 8) & ~15ull);
	uint64_t vector[1 + SPAWN_MAX_ARGS + 4];
	size_t n = 0;
	vector[n++] = argc;
	for (size_t i = 0; i < argc; i++)
		vector[n++] = argv[i];
	vector[n++] = 0; /* argv terminator */
	vector[n++] = 0; /* envp terminator */
	vector[n++] = 0; /* AT_NULL */
	vector[n++] = 0;
	space_write(&p->space, rsp, vector, n * 8);
	*rsp_out = rsp;
	return 0;
}

static void basename_of(const char *path, char *out, size_t size)
{
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	size_t len = strnlen(base, size - 1);
	memcpy(out, base, len);
	out[len] = 0;
}

static void install_stdio(struct proc *p, struct object *stdio)
{
	if (!stdio)
		return;
	handle_install_at(&p->handles, SIETCH_HANDLE_STDIN, stdio, SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP);
	handle_install_at(&p->handles, SIETCH_HANDLE_STDOUT, stdio, SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP);
	handle_install_at(&p->handles, SIETCH_HANDLE_STDERR, stdio, SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP);
}

static long spawn_into(struct proc *p, const struct spawn_args *args)
{
	uint64_t entry, rsp;
	/* First, so an image that claims its address is refused as any overlap is. */
	long err = time_page_map(&p->space);
	if (!err)
		err = load_image(p, args->image, args->image_size, &entry);
	if (!err)
		err = build_stack(p, args->argv_block, args->block_len, &rsp);
	if (err)
		return err;
	install_stdio(p, args->stdio);
	struct thread *t = thread_create_user(p, entry, rsp, 0);
	if (!t)
		return -SIETCH_ENOMEM;
	err = proc_add_thread(p, t); /* the first thread: under any limit */
	if (err) {
		thread_free(t);
		return err;
	}
	thread_start(t);
	return 0;
}

long proc_spawn(const struct spawn_args *args, struct proc **out)
{
	const char *block = args->argv_block;
	size_t block_len = args->block_len;
	if (block_len > SIETCH_SPAWN_ARGS_BYTES || (block_len && block[block_len - 1]))
		return -SIETCH_E2BIG;
	size_t argc = 0;
	for (size_t at = 0; at < block_len; at++)
		argc += block[at] == 0;
	if (argc > SPAWN_MAX_ARGS)
		return -SIETCH_E2BIG;
	char name[PROC_NAME_MAX];
	basename_of(args->path, name, sizeof(name));
	struct proc *p = proc_alloc(name, args->parent_pid);
	if (!p)
		return -SIETCH_ENOMEM;
	proc_inherit_console_group(p, proc_current()); /* job control: children stay in their parent's job */
	if (proc_current())
		p->vnic_rate_mbps = __atomic_load_n(&proc_current()->vnic_rate_mbps, __ATOMIC_RELAXED);
	object_ref(&p->object); /* the caller's */
	long err = spawn_into(p, args);
	if (err) {
		proc_abandon(p);
		object_unref(&p->object);
		return err;
	}
	*out = p;
	return 0;
}
