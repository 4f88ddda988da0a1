/* SPDX-License-Identifier: BSD-3-Clause */
#include "matrix.h"

#include <errno.h>
#include <string.h>

size_t fab_matrix_size(uint32_t slots)
{
	return (size_t)slots * sizeof(struct fab_mx_ent);
}

int fab_matrix_init(struct fab_matrix *mx, void *mem, uint32_t slots)
{
	if (mem == NULL || slots < FAB_MX_SLOTS_MIN || slots > FAB_MX_SLOTS_MAX ||
	    (slots & (slots - 1)) != 0)
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

void fab_matrix_merge(struct fab_matrix *to, const struct fab_matrix *from)
{
	for (uint32_t i = 0; i <= from->mask; i++) {
		const struct fab_mx_ent *e = &from->ent[i];
		struct fab_mx_ent *d;

		if (!__atomic_load_n(&e->used, __ATOMIC_ACQUIRE))
			continue;
		d = fab_matrix_slot(to, e->vlan, e->src_asn, e->dst_asn);
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
	to->lost_frames += __atomic_load_n(&from->lost_frames, __ATOMIC_RELAXED);
	to->lost_bytes += __atomic_load_n(&from->lost_bytes, __ATOMIC_RELAXED);
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
