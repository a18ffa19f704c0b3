/* Reading the DMAR table; the layout and the rules are in dmar.h. */
#include "lib/common/dmar.h"

#include "lib/common/string.h"

/* Appends the device scopes in [p, end) to out->scope; false if one is malformed or there is no room. */
static bool dmar_parse_scopes(const uint8_t *p, const uint8_t *end, struct dmar_info *out,
			      struct dmar_scope_list *list)
{
	list->first = (uint16_t)out->scope_count;
	list->count = 0;
	while (p < end) {
		struct dmar_scope_header h;
		if ((size_t)(end - p) < sizeof(h))
			return false;
		memcpy(&h, p, sizeof(h));
		/* §8.3.1: 6 bytes and at least one 2-byte path step. */
		if (h.length < sizeof(h) + 2 || (h.length - sizeof(h)) % 2 || h.length > end - p)
			return false;
		unsigned steps = (h.length - sizeof(h)) / 2;
		if (steps > DMAR_MAX_PATH || out->scope_count >= DMAR_MAX_SCOPES)
			return false;
		struct dmar_scope *s = &out->scope[out->scope_count++];
		*s = (struct dmar_scope){ .type = h.type,
					  .enumeration_id = h.enumeration_id,
					  .start_bus = h.start_bus,
					  .path_len = (uint8_t)steps };
		for (unsigned i = 0; i < steps; i++) {
			uint8_t dev = p[sizeof(h) + 2 * i], fn = p[sizeof(h) + 2 * i + 1];
			if (dev > 31 || fn > 7)
				return false;
			s->path[i] = (uint8_t)(dev << 3 | fn);
		}
		list->count++;
		p += h.length;
	}
	return true;
}

static bool dmar_parse_drhd(const uint8_t *p, uint16_t len, struct dmar_info *out)
{
	struct dmar_drhd d;
	if (len < sizeof(d) || out->unit_count >= DMAR_MAX_UNITS)
		return false;
	memcpy(&d, p, sizeof(d));
	if (d.size > 15) /* §8.3: at most 2^15 pages */
		return false;
	uint32_t i = out->unit_count++;
	out->unit[i].base = d.register_base;
	out->unit[i].segment = d.segment;
	out->unit[i].flags = d.flags;
	out->unit[i].register_pages = 1u << d.size;
	return dmar_parse_scopes(p + sizeof(d), p + len, out, &out->unit[i].scopes);
}

static bool dmar_parse_rmrr(const uint8_t *p, uint16_t len, struct dmar_info *out)
{
	struct dmar_rmrr r;
	if (len < sizeof(r) || out->rmrr_count >= DMAR_MAX_RMRR)
		return false;
	memcpy(&r, p, sizeof(r));
	if (r.limit < r.base)
		return false;
	uint32_t i = out->rmrr_count++;
	out->rmrr[i].base = r.base;
	out->rmrr[i].limit = r.limit;
	out->rmrr[i].segment = r.segment;
	return dmar_parse_scopes(p + sizeof(r), p + len, out, &out->rmrr[i].scopes);
}

bool dmar_parse(const struct acpi_sdt_header *dmar, struct dmar_info *out)
{
	memset(out, 0, sizeof(*out));
	struct acpi_dmar head;
	if (memcmp(dmar->signature, "DMAR", 4) || dmar->length < sizeof(head))
		return false;
	memcpy(&head, dmar, sizeof(head));
	out->host_address_width = (uint8_t)(head.host_address_width + 1);
	out->flags = head.flags;
	const uint8_t *p = (const uint8_t *)dmar + sizeof(head), *end = (const uint8_t *)dmar + dmar->length;
	while (p < end) {
		struct dmar_struct_header h;
		if ((size_t)(end - p) < sizeof(h))
			return false;
		memcpy(&h, p, sizeof(h));
		if (h.length < sizeof(h) || h.length > end - p)
			return false;
		bool ok = true;
		if (h.type == DMAR_TYPE_DRHD)
			ok = dmar_parse_drhd(p, h.length, out);
		else if (h.type == DMAR_TYPE_RMRR)
			ok = dmar_parse_rmrr(p, h.length, out);
		else
			out->skipped++;
		if (!ok)
			return false;
		p += h.length;
	}
	return true;
}

bool dmar_scope_resolve(const struct dmar_scope *scope, uint16_t segment, dmar_bridge_fn bridge, void *ctx,
			uint8_t *bus, uint8_t *devfn)
{
	uint8_t b = scope->start_bus;
	for (unsigned i = 0; i + 1 < scope->path_len; i++) {
		uint8_t secondary, subordinate;
		if (!bridge(ctx, segment, b, scope->path[i], &secondary, &subordinate))
			return false;
		b = secondary;
	}
	*bus = b;
	*devfn = scope->path[scope->path_len - 1];
	return true;
}

static bool dmar_scope_covers(const struct dmar_scope *s, uint16_t segment, uint16_t rid, dmar_bridge_fn bridge,
			      void *ctx)
{
	uint8_t bus, devfn;
	if (s->type != DMAR_SCOPE_ENDPOINT && s->type != DMAR_SCOPE_BRIDGE)
		return false;
	if (!dmar_scope_resolve(s, segment, bridge, ctx, &bus, &devfn))
		return false;
	if (rid == (uint16_t)(bus << 8 | devfn))
		return true;
	uint8_t secondary, subordinate, rid_bus = (uint8_t)(rid >> 8);
	return s->type == DMAR_SCOPE_BRIDGE && bridge(ctx, segment, bus, devfn, &secondary, &subordinate) &&
	       secondary != 0 && rid_bus >= secondary && rid_bus <= subordinate;
}

bool dmar_scopes_cover(const struct dmar_info *info, struct dmar_scope_list list, uint16_t segment, uint16_t rid,
		       dmar_bridge_fn bridge, void *ctx)
{
	for (unsigned i = 0; i < list.count && list.first + i < info->scope_count; i++) {
		if (dmar_scope_covers(&info->scope[list.first + i], segment, rid, bridge, ctx))
			return true;
	}
	return false;
}

int dmar_unit_for(const struct dmar_info *info, uint16_t segment, uint16_t rid, dmar_bridge_fn bridge, void *ctx)
{
	int all = -1;
	for (uint32_t i = 0; i < info->unit_count; i++) {
		if (info->unit[i].segment != segment)
			continue;
		if (info->unit[i].flags & DMAR_DRHD_INCLUDE_PCI_ALL)
			all = (int)i;
		else if (dmar_scopes_cover(info, info->unit[i].scopes, segment, rid, bridge, ctx))
			return (int)i;
	}
	return all;
}
