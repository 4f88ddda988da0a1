/* SPDX-License-Identifier: BSD-3-Clause */
#include "matrix.h"
#include "matrix_count.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t fab_matrix_size(uint32_t slots)
{
	return (size_t)slots * sizeof(struct fab_mx_ent);
}

static bool size_ok(const void *mem, uint32_t slots)
{
	return mem != NULL && slots >= FAB_MX_SLOTS_MIN && slots <= FAB_MX_SLOTS_MAX &&
	       (slots & (slots - 1)) == 0;
}

int fab_matrix_init(struct fab_matrix *mx, void *mem, uint32_t slots)
{
	if (!size_ok(mem, slots))
		return -EINVAL;
	*mx = (struct fab_matrix){.ent = mem, .mask = slots - 1, .limit = slots - slots / 8};
	return 0;
}

void fab_matrix_clear(struct fab_matrix *mx)
{
	memset(mx->ent, 0, fab_matrix_size(mx->mask + 1));
	mx->npairs = 0;
	mx->lost_frames = 0;
	mx->lost_bytes = 0;
}

void fab_matrix_walk(const struct fab_matrix *mx, uint32_t *cursor, fab_matrix_fn fn, void *arg)
{
	uint32_t i;

	for (i = *cursor; i <= mx->mask; i++) {
		const struct fab_mx_ent *e = &mx->ent[i];

		if (e->used && fn(arg, e) != 0)
			break;
	}
	*cursor = i;
}

int fab_matrix_cmp(const void *a, const void *b)
{
	const struct fab_mx_ent *x = a, *y = b;

	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	if (x->src_asn != y->src_asn)
		return x->src_asn < y->src_asn ? -1 : 1;
	if (x->dst_asn != y->dst_asn)
		return x->dst_asn < y->dst_asn ? -1 : 1;
	return 0;
}

uint16_t fab_mx_ids_get(struct fab_mx_ids *ids, uint16_t vlan, uint32_t asn)
{
	uint32_t lo = 0, hi = ids->n;

	/* The first of order not below (vlan, asn). */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct fab_mx_who *w = &ids->who[ids->order[mid] - 1];

		if (w->vlan < vlan || (w->vlan == vlan && w->asn < asn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ids->n) {
		const struct fab_mx_who *w = &ids->who[ids->order[lo] - 1];

		if (w->vlan == vlan && w->asn == asn)
			return ids->order[lo];
	}
	if (ids->n >= FAB_MX_IDS_MAX)
		return FAB_MX_ID_NONE;
	if (ids->n == ids->cap) {
		uint32_t cap = ids->cap ? ids->cap * 2 : 256;
		struct fab_mx_who *who = realloc(ids->who, cap * sizeof(*who));
		uint16_t *order;

		if (who == NULL)
			return FAB_MX_ID_NONE;
		ids->who = who;
		order = realloc(ids->order, cap * sizeof(*order));
		if (order == NULL)
			return FAB_MX_ID_NONE;
		ids->order = order;
		ids->cap = cap;
	}
	ids->who[ids->n] = (struct fab_mx_who){.asn = asn, .vlan = vlan};
	memmove(&ids->order[lo + 1], &ids->order[lo], (ids->n - lo) * sizeof(*ids->order));
	ids->order[lo] = (uint16_t)++ids->n;
	return ids->order[lo];
}

void fab_mx_ids_free(struct fab_mx_ids *ids)
{
	if (ids == NULL)
		return;
	free(ids->who);
	free(ids->order);
	*ids = (struct fab_mx_ids){0};
}

int fab_mxw_init(struct fab_mxw *mx, void *mem, uint32_t slots)
{
	if (!size_ok(mem, slots))
		return -EINVAL;
	*mx = (struct fab_mxw){.slot = mem,
			       .mask = slots - 1,
			       .omask = (slots - 1) * (uint32_t)sizeof(struct fab_mxw_slot),
			       .limit = slots - slots / 8};
	return 0;
}

struct fab_mxw_slot *fab_mxw_probe(struct fab_mxw *mx, struct fab_mxw_slot *e, uint32_t key)
{
	for (uint32_t i = (uint32_t)(e - mx->slot);; i = (i + 1) & mx->mask) {
		e = &mx->slot[i];
		if (e->key == key)
			return e;
		/* Slot 0 is no pair's (matrix.h). */
		if (e->key == 0 && i != 0)
			break;
	}
	if (mx->npairs >= mx->limit)
		return &mx->lost;
	mx->npairs++;
	/* Release: the reader who sees the key sees the zeroed counters under it. */
	__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
	return e;
}

/* Adds the counters of e (read as its worker may be writing them) to d, or
 * to the lost counters of to when d is NULL. */
static void add_slot(struct fab_matrix *to, struct fab_mx_ent *d, const struct fab_mxw_slot *e)
{
	for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
		uint64_t f = __atomic_load_n(&e->frames[a], __ATOMIC_RELAXED);
		uint64_t b = __atomic_load_n(&e->bytes[a], __ATOMIC_RELAXED);

		if (d == NULL) {
			to->lost_frames += f;
			to->lost_bytes += b;
			continue;
		}
		d->frames[a] += f;
		d->bytes[a] += b;
	}
}

static const struct fab_mx_who *who_of(const struct fab_mx_ids *ids, uint32_t id)
{
	return id >= 1 && id <= ids->n ? &ids->who[id - 1] : NULL;
}

void fab_mxw_merge(struct fab_matrix *to, const struct fab_mxw *from, const struct fab_mx_ids *ids)
{
	for (uint32_t i = 0; i <= from->mask; i++) {
		const struct fab_mxw_slot *e = &from->slot[i];
		uint32_t key = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
		const struct fab_mx_who *s, *d;

		if (key == 0)
			continue;
		s = who_of(ids, fab_mx_key_src(key));
		d = who_of(ids, fab_mx_key_dst(key));
		/* Both are of one LAN: a frame is forwarded within its LAN only. */
		add_slot(to, s && d ? fab_matrix_slot(to, s->vlan, s->asn, d->asn) : NULL, e);
	}
	add_slot(to, NULL, &from->lost);
}

void fab_mxw_count_far(struct fab_mxw *mx, const struct fab_verdict *v, unsigned afi, uint32_t len)
{
	struct fab_mxw_slot *e;
	uint32_t key;

	memcpy(&key, &v->src, sizeof(key));
	e = fab_mxw_slot(mx, key);
	e->frames[afi]++;
	e->bytes[afi] += len;
}
