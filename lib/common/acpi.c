/*
 * ACPI tables, ACPI 6.4 §5.2; the MCFG, PCI Firmware spec 3.2 §4.1.2.
 */
#include "lib/common/acpi.h"

#include "lib/common/string.h"

/* AML encodings (ACPI 6.4 §20.2). */
#define AML_ZERO_OP 0x00       /* §20.2.3 ConstObj */
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08       /* §20.2.5.1 DefName */
#define AML_BYTE_PREFIX 0x0a   /* §20.2.3 ComputationalData */
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_ROOT_CHAR 0x5c     /* '\', §20.2.2 */
#define AML_PACKAGE_OP 0x12    /* §20.2.5.4 DefPackage */

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

static bool sig_is(const struct acpi_sdt_header *h, const char *sig)
{
	return memcmp(h->signature, sig, sizeof(h->signature)) == 0;
}

/* Maps the whole table at phys, or NULL if it is unreadable or shorter than its header
 * (§5.2.6). A wrong checksum does not refuse it: firmware ships such tables on machines
 * that otherwise work, and Linux uses them too; the caller may say so (acpi_table_checksum_ok). */
static const struct acpi_sdt_header *map_table(acpi_map_fn map, void *ctx, uint64_t phys)
{
	if (!phys)
		return NULL; /* a null entry in a root table: some firmware pads with them */
	const struct acpi_sdt_header *h = map(ctx, phys, sizeof(*h));

	if (!h || h->length < sizeof(*h))
		return NULL;
	uint32_t len = h->length;
	h = map(ctx, phys, len);
	if (!h || h->length != len)
		return NULL;
	return h;
}

bool acpi_table_checksum_ok(const struct acpi_sdt_header *h) { return h && acpi_checksum_ok(h, h->length); }

static bool root_usable(const struct acpi_sdt_header *h, const char *sig, size_t entry_size)
{
	return h && sig_is(h, sig) && (h->length - sizeof(*h)) >= entry_size;
}

/*
 * The XSDT (§5.2.8, 8-byte entries) when the RSDP has one that lists something, else the
 * RSDT (§5.2.7, 4-byte entries). An XSDT whose checksum is wrong gives way to an RSDT
 * whose checksum is right; with no such RSDT it is used all the same.
 */
static const struct acpi_sdt_header *root_table(const struct acpi_rsdp *rsdp, acpi_map_fn map, void *ctx,
						struct acpi_root_info *info)
{
	memset(info, 0, sizeof(*info));
	if (memcmp(rsdp->signature, "RSD PTR ", sizeof(rsdp->signature)) != 0 ||
	    !acpi_checksum_ok(rsdp, ACPI_RSDP_V1_LEN))
		return NULL; /* the RSDP is how everything else is found: as Linux, never a guess */
	const struct acpi_sdt_header *xsdt = NULL, *rsdt = map_table(map, ctx, rsdp->rsdt_address);
	if (!root_usable(rsdt, "RSDT", sizeof(uint32_t)))
		rsdt = NULL;
	/* The extended checksum covers `length` bytes, 36 in every revision so far; only those
	 * 36 are known to be readable. */
	if (rsdp->revision >= 2 && rsdp->xsdt_address) {
		if (rsdp->length == ACPI_RSDP_V2_LEN && acpi_checksum_ok(rsdp, ACPI_RSDP_V2_LEN))
			xsdt = map_table(map, ctx, rsdp->xsdt_address);
		else
			info->fallback = "the RSDP's extended checksum is wrong";
		if (!info->fallback && !root_usable(xsdt, "XSDT", sizeof(uint64_t)))
			info->fallback = "the XSDT is missing, empty or not an XSDT";
		else if (!info->fallback && !acpi_table_checksum_ok(xsdt) && rsdt && acpi_table_checksum_ok(rsdt))
			info->fallback = "the XSDT's checksum is wrong";
		if (info->fallback)
			xsdt = NULL;
	}
	const struct acpi_sdt_header *root = xsdt ? xsdt : rsdt;
	if (!root)
		return NULL;
	info->xsdt = root == xsdt;
	info->entry_size = xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	info->entries = (uint32_t)((root->length - sizeof(*root)) / info->entry_size);
	info->trailing_bytes = (uint32_t)((root->length - sizeof(*root)) % info->entry_size);
	info->checksum_bad = !acpi_table_checksum_ok(root);
	return root;
}

bool acpi_root_describe(const void *rsdp, acpi_map_fn map, void *ctx, struct acpi_root_info *out)
{
	memset(out, 0, sizeof(*out));
	return rsdp && root_table(rsdp, map, ctx, out) != NULL;
}

/* The DSDT named by the FADT: X_DSDT when the table has it and it is set,
 * else the 32-bit DSDT field (§5.2.9). */
static const struct acpi_sdt_header *fadt_dsdt(const struct acpi_sdt_header *fadt,
					       acpi_map_fn map, void *ctx)
{
	const struct acpi_fadt *f = (const void *)fadt;
	uint64_t phys = 0;

	if (fadt->length >= offsetof(struct acpi_fadt, x_dsdt) + sizeof(f->x_dsdt))
		phys = f->x_dsdt;
	if (!phys && fadt->length >= offsetof(struct acpi_fadt, dsdt) + sizeof(f->dsdt))
		phys = f->dsdt;
	const struct acpi_sdt_header *dsdt = phys ? map_table(map, ctx, phys) : NULL;
	return dsdt && sig_is(dsdt, "DSDT") ? dsdt : NULL;
}

const struct acpi_sdt_header *acpi_find_table(const void *rsdp, acpi_map_fn map, void *ctx,
					      const char sig[4], int index)
{
	if (!rsdp || index < 0)
		return NULL;
	if (memcmp(sig, "DSDT", 4) == 0) {
		const struct acpi_sdt_header *fadt = acpi_find_table(rsdp, map, ctx, "FACP", 0);
		return fadt && index == 0 ? fadt_dsdt(fadt, map, ctx) : NULL;
	}
	struct acpi_root_info info;
	const struct acpi_sdt_header *root = root_table(rsdp, map, ctx, &info);
	if (!root)
		return NULL;

	size_t esz = info.entry_size, count = info.entries;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < count; i++) {
		uint64_t phys = 0;
		/* XSDT entries sit at offset 36: not 8-byte aligned */
		memcpy(&phys, entries + i * esz, esz);
		const struct acpi_sdt_header *h = map_table(map, ctx, phys);
		if (h && memcmp(h->signature, sig, 4) == 0 && index-- == 0)
			return h;
	}
	return NULL;
}

static void madt_add_cpu(struct acpi_madt_info *out, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)))
		return;
	for (uint32_t i = 0; i < out->cpu_count; i++) {
		if (out->apic_id[i] == apic_id)
			return; /* listed both as local APIC and x2APIC */
	}
	if (out->cpu_count < ACPI_MAX_CPUS)
		out->apic_id[out->cpu_count++] = apic_id;
	else
		out->cpus_dropped++;
}

static void madt_add_ioapic(struct acpi_madt_info *out, const struct acpi_madt_ioapic *e)
{
	if (out->ioapic_count >= ACPI_MAX_IOAPICS)
		return;
	out->ioapic[out->ioapic_count].id = e->ioapic_id;
	out->ioapic[out->ioapic_count].phys = e->address;
	out->ioapic[out->ioapic_count].gsi_base = e->gsi_base;
	out->ioapic_count++;
}

static void madt_add_override(struct acpi_madt_info *out, const struct acpi_madt_iso *e)
{
	/* bus 0 is ISA, the only one §5.2.12.5 defines */
	if (e->bus != 0 || out->override_count >= ACPI_MAX_OVERRIDES)
		return;
	out->override[out->override_count].irq = e->source;
	out->override[out->override_count].gsi = e->gsi;
	out->override[out->override_count].flags = e->flags;
	out->override_count++;
}

static void madt_add_nmi(struct acpi_madt_info *out, const struct acpi_madt_lapic_nmi *e)
{
	if (out->nmi_count >= ACPI_MAX_NMIS)
		return;
	out->nmi[out->nmi_count].processor_uid = e->processor_uid;
	out->nmi[out->nmi_count].flags = e->flags;
	out->nmi[out->nmi_count].lint = e->lint;
	out->nmi_count++;
}

/* The smallest length each known entry type may have. */
static size_t madt_entry_min(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_LAPIC: return sizeof(struct acpi_madt_lapic);
	case ACPI_MADT_IOAPIC: return sizeof(struct acpi_madt_ioapic);
	case ACPI_MADT_ISO: return sizeof(struct acpi_madt_iso);
	case ACPI_MADT_LAPIC_NMI: return sizeof(struct acpi_madt_lapic_nmi);
	case ACPI_MADT_LAPIC_OVERRIDE: return sizeof(struct acpi_madt_lapic_override);
	case ACPI_MADT_X2APIC: return sizeof(struct acpi_madt_x2apic);
	default: return sizeof(struct acpi_madt_entry);
	}
}

static void madt_entry(const struct acpi_madt_entry *e, struct acpi_madt_info *out)
{
	if (e->length < madt_entry_min(e->type)) {
		out->entries_malformed++; /* too short for its type: skipped, the rest still read */
		return;
	}
	const struct acpi_madt_lapic *lapic = (const void *)e;
	const struct acpi_madt_x2apic *x2apic = (const void *)e;

	switch (e->type) {
	case ACPI_MADT_LAPIC:
		madt_add_cpu(out, lapic->apic_id, lapic->flags);
		break;
	case ACPI_MADT_X2APIC:
		madt_add_cpu(out, x2apic->x2apic_id, x2apic->flags);
		break;
	case ACPI_MADT_IOAPIC:
		madt_add_ioapic(out, (const void *)e);
		break;
	case ACPI_MADT_ISO:
		madt_add_override(out, (const void *)e);
		break;
	case ACPI_MADT_LAPIC_NMI:
		madt_add_nmi(out, (const void *)e);
		break;
	case ACPI_MADT_LAPIC_OVERRIDE:
		out->lapic_phys = ((const struct acpi_madt_lapic_override *)e)->address;
		break;
	default:
		out->entries_unknown++; /* other interrupt models, or newer entries */
		break;
	}
}

bool acpi_parse_madt(const struct acpi_sdt_header *madt, struct acpi_madt_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!madt || !sig_is(madt, "APIC") || madt->length < sizeof(struct acpi_madt))
		return false;

	const struct acpi_madt *m = (const void *)madt;
	out->lapic_phys = m->lapic_address;
	out->flags = m->flags;
	/* §5.2.12: entries follow the fixed part back to back, each starting
	 * with its type and length. */
	for (size_t off = sizeof(*m); off < madt->length;) {
		const struct acpi_madt_entry *e = (const void *)((const uint8_t *)madt + off);
		size_t room = madt->length - off;
		/* Past here nothing can be trusted (a length of 0 would not even move on): what was
		 * read before stays. */
		if (room < sizeof(*e) || e->length < sizeof(*e) || e->length > room) {
			out->truncated_at = (uint32_t)off;
			return true;
		}
		madt_entry(e, out);
		off += e->length;
	}
	return true;
}

bool acpi_parse_mcfg(const struct acpi_sdt_header *mcfg, struct acpi_mcfg_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!mcfg || !sig_is(mcfg, "MCFG") || mcfg->length < sizeof(struct acpi_mcfg))
		return false;

	const struct acpi_mcfg_entry *e = (const void *)((const struct acpi_mcfg *)mcfg + 1);
	size_t n = (mcfg->length - sizeof(struct acpi_mcfg)) / sizeof(*e);
	out->trailing_bytes = (uint32_t)((mcfg->length - sizeof(struct acpi_mcfg)) % sizeof(*e));
	out->dropped = n > ACPI_MAX_MCFG ? (uint32_t)(n - ACPI_MAX_MCFG) : 0;
	for (size_t i = 0; i < n && out->count < ACPI_MAX_MCFG; i++) {
		out->region[out->count].base = e[i].base;
		out->region[out->count].segment = e[i].segment;
		out->region[out->count].bus_start = e[i].bus_start;
		out->region[out->count].bus_end = e[i].bus_end;
		out->count++;
	}
	return true;
}

uint32_t acpi_mcfg_keep_segment0(struct acpi_mcfg_info *info, uint16_t *other)
{
	uint32_t kept = 0, removed = 0;
	*other = 0;
	for (uint32_t i = 0; i < info->count; i++) {
		if (info->region[i].segment != 0) {
			if (!removed++)
				*other = info->region[i].segment;
			continue;
		}
		info->region[kept++] = info->region[i];
	}
	info->count = kept;
	return removed;
}

/* An integer constant at p[*pos] (§20.2.3): Zero, One, or a Byte/Word/DWord
 * prefix and its little-endian value. */
static bool aml_integer(const uint8_t *p, size_t len, size_t *pos, uint16_t *out)
{
	size_t i = *pos, n;

	if (i >= len)
		return false;
	switch (p[i]) {
	case AML_ZERO_OP: *out = 0; *pos = i + 1; return true;
	case AML_ONE_OP: *out = 1; *pos = i + 1; return true;
	case AML_BYTE_PREFIX: n = 1; break;
	case AML_WORD_PREFIX: n = 2; break;
	case AML_DWORD_PREFIX: n = 4; break;
	default: return false;
	}
	if (len - i - 1 < n)
		return false;
	*out = p[i + 1];
	if (n > 1)
		*out = (uint16_t)(*out | p[i + 2] << 8); /* SLP_TYP is 3 bits: the rest is unused */
	*pos = i + 1 + n;
	return true;
}

/* At p: PackageOp PkgLength NumElements and at least two integers
 * (§20.2.5.4). PkgLength's lead byte says in bits 7:6 how many bytes
 * follow it (§20.2.4). */
static bool s5_package(const uint8_t *p, size_t len, uint16_t *a, uint16_t *b)
{
	if (len < 2 || p[0] != AML_PACKAGE_OP)
		return false;
	size_t pos = 1 + 1 + (p[1] >> 6);
	if (pos >= len || p[pos] < 2)
		return false; /* NumElements */
	pos++;
	return aml_integer(p, len, &pos, a) && aml_integer(p, len, &pos, b);
}

/* Looks for Name(\_S5_, Package(){a, b, ...}) in the DSDT's AML (§7.4.2):
 * a plain scan for NameOp [\] "_S5_" PackageOp, as the full AML
 * interpreter would be thousands of lines. */
static bool find_s5(const struct acpi_sdt_header *dsdt, uint16_t *a, uint16_t *b)
{
	const uint8_t *aml = (const uint8_t *)dsdt;
	size_t len = dsdt->length;

	for (size_t i = sizeof(*dsdt) + 1; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		bool named = aml[i - 1] == AML_NAME_OP ||
			     (aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP);
		if (named && s5_package(aml + i + 4, len - i - 4, a, b))
			return true;
	}
	return false;
}

#define FADT_HAS(f, field) ((f)->header.length >= offsetof(struct acpi_fadt, field) + sizeof((f)->field))

/* The 32-bit port, or the 64-bit Generic Address when that is all there is
 * and it is in I/O space (§5.2.9). */
static uint32_t pm1_port(uint32_t port, const struct acpi_gas *x, bool has_x)
{
	if (port || !has_x || x->space_id != ACPI_GAS_SYSTEM_IO || x->address > 0xffff)
		return port;
	return (uint32_t)x->address;
}

bool acpi_parse_power(const struct acpi_sdt_header *fadt, acpi_map_fn map, void *ctx,
		      struct acpi_power_info *out)
{
	const struct acpi_fadt *f = (const void *)fadt;

	memset(out, 0, sizeof(*out));
	if (!fadt || !sig_is(fadt, "FACP") || !FADT_HAS(f, pm1b_cnt_blk))
		return false;

	out->pm1a_cnt = pm1_port(f->pm1a_cnt_blk, &f->x_pm1a_cnt_blk, FADT_HAS(f, x_pm1a_cnt_blk));
	out->pm1b_cnt = pm1_port(f->pm1b_cnt_blk, &f->x_pm1b_cnt_blk, FADT_HAS(f, x_pm1b_cnt_blk));
	if (FADT_HAS(f, century))
		out->century = f->century;

	const struct acpi_sdt_header *dsdt = fadt_dsdt(fadt, map, ctx);
	if (dsdt)
		out->s5_found = find_s5(dsdt, &out->slp_typa, &out->slp_typb);
	return true;
}
