/*
 * Interrupts as objects. A device's interrupt — an I/O APIC line or an MSI /
 * MSI-X message — is a struct interrupt the owner provides the storage for (a
 * PCI function, a queue, a VMM): it holds a vector from the allocator
 * (kernel/arch/vector.h), the CPU it is delivered to, a mask, and the function
 * called on delivery. The control layer binds one to a notification
 * (kernel/ctl/notify.h: notify_bind_interrupt), so the process that owns a
 * device sleeps on its interrupt instead of polling.
 *
 * Delivery runs in interrupt context on the target CPU with interrupts off,
 * after the local APIC's EOI: the function must be short and must not block
 * (posting a notification is the intended use).
 *
 * Masking: an I/O APIC line is masked in its redirection entry. An MSI vector
 * is masked in software (the kernel drops and remembers the delivery), and
 * additionally in the device when the PCI layer supplies device_mask (the
 * MSI-X table entry's Vector Control Mask bit, PCIe 5.0 §7.7.2.8; or the MSI
 * Mask Bits register where the function has one, §7.7.1.7). A delivery that
 * arrives while masked is kept pending and re-raised on unmask.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct interrupt;
typedef void (*interrupt_fn)(struct interrupt *irq, void *context);

enum interrupt_kind {
	INTERRUPT_NONE = 0,
	INTERRUPT_IOAPIC, /* a global system interrupt (GSI) pin of an I/O APIC */
	INTERRUPT_MSI,    /* a message-signalled vector (MSI or one MSI-X table entry) */
};

/* Line properties of an I/O APIC input (82093AA datasheet §3.2.4, redirection bits 13 and 15). */
#define INTERRUPT_LEVEL (1u << 0)      /* level-triggered (PCI INTx); else edge */
#define INTERRUPT_ACTIVE_LOW (1u << 1) /* active low (PCI INTx); else active high */
/*
 * Mask the interrupt on each delivery; the owner unmasks it once it has
 * serviced the device. A level-triggered line needs this when the device is
 * serviced later (by a process): otherwise the still-asserted line
 * interrupts again at once after the EOI.
 */
#define INTERRUPT_MASK_ON_DELIVERY (1u << 2)

/* The address/data pair a device writes to raise an MSI (SDM vol.3 §11.11.1 and §11.11.2). */
struct msi_message {
	uint64_t address; /* MSI Message Address (and Upper Address) register */
	uint32_t data;    /* MSI Message Data register */
};

struct interrupt {
	enum interrupt_kind kind;
	uint8_t vector;
	uint32_t apic_id; /* destination CPU's local APIC id */
	uint32_t gsi;     /* INTERRUPT_IOAPIC only */
	uint32_t flags;   /* INTERRUPT_LEVEL | INTERRUPT_ACTIVE_LOW | INTERRUPT_MASK_ON_DELIVERY */
	interrupt_fn fn;
	void *context;
	/* Optional, set by the PCI layer for MSI/MSI-X: mask or unmask this vector in the device. */
	void (*device_mask)(struct interrupt *irq, bool masked);
	void *device;
	/* MSI: the requester ID (bus << 8 | devfn) that alone may raise it once interrupts are remapped. */
	uint16_t requester;
	bool requester_known;
	/* State below is kept by kernel/arch/interrupt.c under its vector's lock; read it, never write it. */
	bool masked;
	bool pending;            /* arrived while masked */
	volatile uint64_t count; /* deliveries passed to fn */
	bool remapped;		 /* handle names its interrupt remapping table entry */
	uint16_t handle;
};

/*
 * Allocate a vector for an MSI or MSI-X message delivered to the CPU with
 * local APIC id apic_id. The interrupt starts unmasked; nothing arrives until
 * the device is programmed with interrupt_msi_message(). Returns 0, or
 * -SIETCH_ENOSPC when every vector is taken.
 */
int interrupt_msi_alloc(struct interrupt *irq, uint32_t apic_id, interrupt_fn fn, void *context);

/*
 * Allocate a vector and route I/O APIC input gsi to it on apic_id, with the
 * line properties in flags. The line starts masked: unmask it once the device
 * is ready. A GSI has one owner: shared PCI INTx lines are not supported (a
 * PCIe function uses MSI or MSI-X). Returns 0, -SIETCH_ENOSPC (no vector), or -SIETCH_EINVAL (no I/O
 * APIC serves gsi).
 */
int interrupt_gsi_alloc(struct interrupt *irq, uint32_t gsi, uint32_t flags, uint32_t apic_id, interrupt_fn fn,
			void *context);

/* As interrupt_gsi_alloc for an ISA IRQ, with the MADT's override of its GSI, polarity and trigger. */
int interrupt_isa_alloc(struct interrupt *irq, uint8_t isa_irq, uint32_t apic_id, interrupt_fn fn, void *context);

/*
 * Replace the function delivery calls (fn NULL: deliveries are dropped). Waits
 * out a delivery in progress: once it returns, the old fn is not running and
 * will not be called again.
 */
void interrupt_set_handler(struct interrupt *irq, interrupt_fn fn, void *context);

/*
 * The function whose MSI or MSI-X entry will carry irq: with interrupts
 * remapped, only its requester ID may use irq's remapping entry. Call
 * before interrupt_msi_message.
 */
void interrupt_msi_set_requester(struct interrupt *irq, uint16_t requester_id);

/*
 * The message to program into the device's MSI capability or MSI-X table
 * entry. With interrupts remapped it names irq's remapping table entry (and
 * writes that entry first), otherwise it carries the vector and CPU itself.
 */
struct msi_message interrupt_msi_message(const struct interrupt *irq);

/*
 * Interrupt remapping (VT-d chapter 5), provided by kernel/iommu when the
 * IOMMU can: every MSI and every I/O APIC line then names an entry of a
 * table the kernel writes, and a device cannot choose its own vector.
 */
struct interrupt_remapper {
	int (*alloc)(void); /* a free handle, or -SIETCH_ENOSPC */
	void (*free)(uint16_t handle);
	/*
	 * Points handle at vector on apic_id (level: a level-triggered line);
	 * only requester sid may use it, any when sid < 0. Returns once the
	 * IOMMU no longer caches the old entry.
	 */
	void (*set)(uint16_t handle, uint8_t vector, uint32_t apic_id, bool level, int32_t sid);
	/* The requester ID of the I/O APIC with this MADT id, or -1 if the firmware does not say. */
	int32_t (*ioapic_source)(uint32_t ioapic_id);
};

/*
 * Moves every I/O APIC line to remappable format and makes later MSIs
 * remappable: entries for the lines routed now are written, enable() turns
 * remapping on in the IOMMU, then the redirection entries are rewritten.
 * Returns 0 or -SIETCH_ENOSPC (then nothing changed; enable was not called).
 */
int interrupt_remap_install(const struct interrupt_remapper *r, void (*enable)(void));
bool interrupt_remapping(void);

void interrupt_mask(struct interrupt *irq);
/* Unmasks; a delivery that arrived while masked is raised again now. */
void interrupt_unmask(struct interrupt *irq);

/*
 * Masks, releases the vector, and waits until no CPU is still delivering it:
 * after it returns, fn is never called again and the storage may be reused.
 */
void interrupt_free(struct interrupt *irq);

/*
 * Raise the interrupt's vector on its CPU by an IPI: for tests, and to replay a
 * pending delivery. Returns 0, or -SIETCH_ETIMEDOUT if the local APIC did not
 * accept the IPI.
 */
int interrupt_raise(struct interrupt *irq);
