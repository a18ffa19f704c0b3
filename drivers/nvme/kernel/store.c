/*
 * Storage areas and their catalogue (store.h): boot-time load, and the
 * create, remove and list system calls.
 */
#include "drivers/nvme/kernel/store.h"

#include "drivers/nvme/kernel/irq.h"
#include "kernel/console.h"
#include "kernel/ctl/namespace.h"
#include "kernel/ctl/shutdown.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/proc.h"
#include "lib/common/string.h"

static struct store the_store;
static struct store *store_ready;

struct store *store_main(void) { return store_ready; }

void store_area_of(const struct store *s, const struct store_entry *e, struct nvme_area *area)
{
	uint32_t max = s->ctrl->max_transfer;
	const struct nvme_namespace *ns = nvme_namespace_find(s->ctrl, e->nsid);
	*area = (struct nvme_area){
		.nsid = e->nsid,
		.first_lba = e->first_block,
		.blocks = e->block_count,
		.block_size = ns ? ns->block_size : 0,
		.max_transfer = max && max < KQUEUE_MAX_TRANSFER ? max : KQUEUE_MAX_TRANSFER,
		.write_zeroes = (s->ctrl->oncs & NVME_ONCS_WRITE_ZEROES) != 0,
	};
}

static void names_publish(struct store *s)
{
	unsigned count = 0;
	for (unsigned i = 0; i < STORE_CATALOG_CAPACITY; i++) {
		if (s->entries[i].flags & STORE_ENTRY_USED) {
			namespace_add_entry(STORE_DIR, s->entries[i].name);
			count++;
		}
	}
	kprintf("store: catalogue generation %llu on namespace %u: %u areas\n",
		(unsigned long long)s->catalog.generation, s->ns->nsid, count);
}

/* Blank: formatted now (nothing is lost). Damaged: reported, left as it is,
 * every change refused, so a person can look before anything is overwritten. */
static void catalog_open(struct store *s)
{
	int err = store_catalog_load(&s->catalog);
	if (err == -SIETCH_ENOENT) {
		kprintf("store: namespace %u holds no catalogue; writing an empty one\n", s->ns->nsid);
		err = store_catalog_format(&s->catalog);
	} else if (err == -SIETCH_EIO) {
		kprintf("store: the catalogue on namespace %u is damaged (copies %s%s%s); left untouched, /store is "
			"read-only and empty\n",
			s->ns->nsid, s->catalog.damaged_copies & 1 ? "0" : "",
			s->catalog.damaged_copies == 3 ? " and " : "", s->catalog.damaged_copies & 2 ? "1" : "");
		return;
	} else if (err == 0 && s->catalog.damaged_copies) {
		kprintf("store: catalogue copy %u is damaged; the other is used and the next change rewrites it\n",
			s->catalog.damaged_copies & 1 ? 0 : 1);
	}
	if (err) {
		kprintf("store: cannot read or write the catalogue (error %d)\n", -err);
		return;
	}
	s->usable = true;
	names_publish(s);
}

static const struct nvme_namespace *first_attached(const struct nvme_ctrl *c)
{
	for (unsigned i = 0; i < c->namespace_count; i++) {
		if (c->ns[i].attached && c->ns[i].block_size)
			return &c->ns[i];
	}
	return NULL;
}

/* The open kernel-checked areas, by name, after their namespace's flush; s->lock held. */
static void report_checked(const struct store *s, const char *result)
{
	for (unsigned i = 0; i < STORE_CATALOG_CAPACITY; i++) {
		const struct store_entry *e = &s->entries[i];
		if (s->open_pid[i] && (e->flags & STORE_ENTRY_USED) && !(e->flags & STORE_ENTRY_NAMESPACE))
			kprintf("store: %s (kernel-checked, namespace %u) %s before power-off\n", e->name, e->nsid, result);
	}
}

/* How the kernel's waits on the PF went: what shows they sleep on interrupts. */
static void report_waits(const struct nvme_ctrl *c)
{
	const struct nvme_irq_wait *a = c->admin_wait, *io = c->io_wait;
	if (a && io)
		kprintf("nvme: %s: the kernel's waits slept %llu times on the admin queue (%llu ended by its interrupt), "
			"%llu times on the I/O queue (%llu ended by its interrupt; the others by the %llu ms nap)\n",
			c->where, (unsigned long long)a->sleeps, (unsigned long long)a->woken,
			(unsigned long long)io->sleeps, (unsigned long long)io->woken, NVME_IRQ_NAP_NS / 1000000);
}

/* Before power-off every open area's writes reach the medium (§6.8 Flush):
 * each hardware-enforced area's namespace through the kernel's queue on its
 * VF, then the catalogue's namespace, where every kernel-checked area lives.
 * Every wait is bounded (CAP.TO, the command timeouts) and a controller that
 * no longer answers is not waited for; whatever could not be flushed is
 * named in the log. */
static void store_flush_all(void)
{
	struct store *s = store_main();
	if (!s)
		return;
	store_grants_poweroff();
	if (nvme_lock_take(&s->lock))
		return;
	if (nvme_lock_take(&s->kq.lock)) {
		nvme_lock_give(&s->lock);
		return;
	}
	bool answers = nvme_ctrl_answers(s->ctrl);
	int err = answers ? s->dev.dev.flush(s->dev.dev.ctx) : -SIETCH_EIO;
	nvme_lock_give(&s->kq.lock);
	if (!answers)
		kprintf("store: namespace %u NOT flushed before power-off: the controller does not answer\n", s->ns->nsid);
	else if (err == -SIETCH_ETIMEDOUT)
		kprintf("store: namespace %u NOT flushed before power-off: no completion within %llu ms\n", s->ns->nsid,
			NVME_IO_TIMEOUT_US / 1000);
	else if (err)
		kprintf("store: namespace %u NOT flushed before power-off: the Flush failed (error %d)\n", s->ns->nsid, -err);
	else
		kprintf("store: namespace %u flushed before power-off\n", s->ns->nsid);
	report_checked(s, err ? "NOT flushed" : "flushed");
	nvme_lock_give(&s->lock);
	report_waits(s->ctrl);
}

void store_init(struct nvme_ctrl *c)
{
	struct store *s = &the_store;
	s->ctrl = c;
	s->lock = (struct nvme_lock){ .guard = SPINLOCK_INIT("store") };
	s->ns = first_attached(c);
	if (!s->ns) {
		kprintf("store: no namespace attached to %s; no /store\n", c->where);
		return;
	}
	s->reserved_blocks = STORE_RESERVED_BYTES / s->ns->block_size;
	if (s->ns->blocks < 2 * s->reserved_blocks) {
		kprintf("store: namespace %u is too small (%llu blocks, at least %llu needed); no /store\n",
			s->ns->nsid, (unsigned long long)s->ns->blocks, (unsigned long long)(2 * s->reserved_blocks));
		return;
	}
	uint32_t copy = store_catalog_copy_blocks(s->ns->block_size, STORE_CATALOG_CAPACITY);
	s->catalog_io = kmalloc((size_t)copy * s->ns->block_size);
	int err = s->catalog_io ? kqueue_init(&s->kq, c) : -SIETCH_ENOMEM;
	if (!err)
		err = kqueue_blockdev(&s->kq, &s->dev, s->ns->nsid, s->ns->block_size, 0, s->reserved_blocks);
	if (!err)
		err = store_catalog_init(&s->catalog, &s->dev.dev, 0, STORE_CATALOG_CAPACITY, s->entries,
					 s->catalog_io);
	if (err) {
		kprintf("store: cannot set up the kernel's queue or the catalogue (error %d); no /store\n", -err);
		return;
	}
	nvme_lock_take(&s->kq.lock);
	catalog_open(s);
	nvme_lock_give(&s->kq.lock);
	store_ready = s;
	shutdown_register(store_flush_all);
}

/* ---- system calls ---- */

static long name_from_user(char *name, uint64_t user, size_t len)
{
	if (len == 0 || len > STORE_NAME_MAX)
		return -SIETCH_EINVAL;
	long err = copy_string_from_user(name, STORE_NAME_MAX + 1, user, len);
	if (err)
		return err;
	return store_name_valid(name) ? 0 : -SIETCH_EINVAL;
}

/* Both locks: the catalogue's, then the queue it is written through. */
static long store_lock(struct store *s)
{
	long err = nvme_lock_take(&s->lock);
	if (!err && (err = nvme_lock_take(&s->kq.lock)))
		nvme_lock_give(&s->lock);
	return err;
}

static void store_unlock(struct store *s)
{
	nvme_lock_give(&s->kq.lock);
	nvme_lock_give(&s->lock);
}

/* A namespace for a hardware-enforced area: attached to no controller at
 * boot (so only the VF it is given to will see it) and in no other area. */
static const struct nvme_namespace *free_namespace(const struct store *s, uint64_t size)
{
	for (unsigned i = 0; i < s->ctrl->namespace_count; i++) {
		const struct nvme_namespace *ns = &s->ctrl->ns[i];
		uint64_t found;
		if (ns->attached || !ns->block_size || size > ns->blocks * ns->block_size)
			continue;
		if (store_catalog_find_free(&s->catalog, ns->nsid, 0, ns->blocks, ns->blocks, &found) == 0)
			return ns;
	}
	return NULL;
}

static long create_namespace_locked(struct store *s, const char *name, uint64_t size)
{
	const struct nvme_namespace *ns = free_namespace(s, size);
	if (!ns)
		return -SIETCH_ENOSPC;
	struct store_entry e = {
		.nsid = ns->nsid,
		.flags = STORE_ENTRY_USED | STORE_ENTRY_NAMESPACE,
		.first_block = 0,
		.block_count = ns->blocks,
		.owner = proc_current()->pid,
		.owner_rights = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE,
		.other_rights = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE,
	};
	memcpy(e.name, name, strnlen(name, STORE_NAME_MAX));
	long err = store_catalog_create(&s->catalog, &e);
	if (!err && !namespace_add_entry(STORE_DIR, name))
		kprintf("store: %s is in the catalogue but not in the name tree\n", name);
	return err;
}

static long create_locked(struct store *s, const char *name, uint64_t blocks, uint32_t rights)
{
	struct store_entry e = {
		.nsid = s->ns->nsid,
		.flags = STORE_ENTRY_USED,
		.block_count = blocks,
		.owner = proc_current()->pid,
		.owner_rights = rights,
		.other_rights = rights,
	};
	memcpy(e.name, name, strnlen(name, STORE_NAME_MAX));
	long err = store_catalog_find_free(&s->catalog, s->ns->nsid, s->reserved_blocks,
					   s->ns->blocks - s->reserved_blocks, blocks, &e.first_block);
	if (!err)
		err = store_catalog_create(&s->catalog, &e);
	if (!err && !namespace_add_entry(STORE_DIR, name))
		kprintf("store: %s is in the catalogue but not in the name tree\n", name);
	return err;
}

/* (name, name_len, size bytes, flags) -> 0 */
long sys_store_create(const struct syscall_args *args)
{
	struct store *s = store_main();
	char name[STORE_NAME_MAX + 1];
	uint64_t size = args->arg[2], flags = args->arg[3];
	if (flags & ~(uint64_t)(SIETCH_STORE_CREATE_NAMESPACE | SIETCH_STORE_CREATE_READ_ONLY))
		return -SIETCH_EINVAL;
	bool whole = flags & SIETCH_STORE_CREATE_NAMESPACE, read_only = flags & SIETCH_STORE_CREATE_READ_ONLY;
	if (whole && read_only)
		return -SIETCH_EINVAL; /* a VF cannot refuse its owner's writes (store_rights_enforceable) */
	long err = name_from_user(name, args->arg[0], args->arg[1]);
	if (err)
		return err;
	if (!s)
		return -SIETCH_ENOENT;
	uint64_t blocks = size / s->ns->block_size + (size % s->ns->block_size != 0);
	if (!whole && (size == 0 || blocks > s->ns->blocks))
		return -SIETCH_EINVAL;
	if ((err = store_lock(s)))
		return err;
	if (!s->usable)
		err = -SIETCH_EIO;
	else
		err = whole ? create_namespace_locked(s, name, size) : create_locked(s, name, blocks, SIETCH_RIGHT_READ | (read_only ? 0 : SIETCH_RIGHT_WRITE));
	store_unlock(s);
	return err;
}

static long entry_index(const struct store *s, const char *name)
{
	const struct store_entry *e = store_catalog_lookup(&s->catalog, name);
	return e ? (long)(e - s->entries) : -SIETCH_ENOENT;
}

/* The catalogue index of the area the call names in (arg[0], arg[1]), copied into name, if
 * nobody holds it, with the store locked; or why not, and the lock not held. A held area
 * cannot change: its holder's grant was made under the entry. */
static long lock_idle_entry(struct store *s, const struct syscall_args *args, char name[STORE_NAME_MAX + 1])
{
	long err = name_from_user(name, args->arg[0], args->arg[1]);
	if (err)
		return err;
	if (!s)
		return -SIETCH_ENOENT;
	err = store_lock(s);
	if (err)
		return err;
	long index = entry_index(s, name);
	if (!s->usable)
		index = -SIETCH_EIO;
	else if (index >= 0 && s->open_pid[index])
		index = -SIETCH_EBUSY;
	if (index < 0)
		store_unlock(s);
	return index;
}

/* (name, name_len) -> 0 */
long sys_store_remove(const struct syscall_args *args)
{
	char name[STORE_NAME_MAX + 1];
	struct store *s = store_main();
	long index = lock_idle_entry(s, args, name);
	if (index < 0)
		return index;
	long err = store_catalog_remove(&s->catalog, name);
	if (!err)
		namespace_remove_entry(STORE_DIR, name);
	store_unlock(s);
	return err;
}

bool store_rights_enforceable(const struct store_entry *e, uint32_t rights)
{
	return !(e->flags & STORE_ENTRY_NAMESPACE) || (rights & SIETCH_RIGHT_WRITE);
}

/* (name, name_len, rights) -> 0 */
long sys_store_set_rights(const struct syscall_args *args)
{
	char name[STORE_NAME_MAX + 1];
	uint64_t rights = args->arg[2];
	if (rights != SIETCH_RIGHT_READ && rights != (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE))
		return -SIETCH_EINVAL;
	struct store *s = store_main();
	long index = lock_idle_entry(s, args, name);
	if (index < 0)
		return index;
	long err = -SIETCH_EINVAL;
	if (store_rights_enforceable(&s->entries[index], (uint32_t)rights))
		err = store_catalog_set_rights(&s->catalog, name, (uint32_t)rights, (uint32_t)rights);
	store_unlock(s);
	return err;
}

void store_info_of(const struct store *s, unsigned index, struct sietch_store_info *out)
{
	const struct store_entry *e = &s->entries[index];
	struct nvme_area area;
	store_area_of(s, e, &area);
	memset(out, 0, sizeof(*out));
	memcpy(out->name, e->name, sizeof(out->name) - 1);
	out->mode = e->flags & STORE_ENTRY_NAMESPACE ? SIETCH_STORE_HARDWARE : SIETCH_STORE_CHECKED;
	out->nsid = e->nsid;
	out->first_block = e->first_block;
	out->blocks = e->block_count;
	out->block_size = area.block_size;
	out->max_transfer = area.max_transfer;
	out->owner = s->open_pid[index];
	out->flags = (area.write_zeroes ? SIETCH_STORE_WRITE_ZEROES : 0) |
		     (e->other_rights & SIETCH_RIGHT_WRITE ? 0 : SIETCH_STORE_READ_ONLY);
}

/* (first, buf, count) -> entries written */
long sys_store_list(const struct syscall_args *args)
{
	struct store *s = store_main();
	uint64_t first = args->arg[0], buf = args->arg[1], count = args->arg[2];
	if (count > STORE_CATALOG_CAPACITY)
		count = STORE_CATALOG_CAPACITY;
	if (!user_range_ok(buf, count * sizeof(struct sietch_store_info)))
		return -SIETCH_EFAULT;
	if (!s)
		return 0;
	long err = nvme_lock_take(&s->lock);
	if (err)
		return err;
	struct sietch_store_info info;
	uint64_t seen = 0, written = 0;
	for (unsigned i = 0; i < STORE_CATALOG_CAPACITY && written < count && !err; i++) {
		if (!(s->entries[i].flags & STORE_ENTRY_USED) || seen++ < first)
			continue;
		store_info_of(s, i, &info);
		if (copy_to_user(buf + written * sizeof(info), &info, sizeof(info)))
			err = -SIETCH_EFAULT;
		written++;
	}
	nvme_lock_give(&s->lock);
	return err ? err : (long)written;
}
