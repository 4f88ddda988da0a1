/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counting a forwarded frame in the traffic matrix (matrix.h), for the
 * worker that carries out the pipeline's verdicts: the verdict names the
 * sender's and the receiver's bindings, and the table set they index gives
 * the key that outlives it (LAN VLAN, both ASNs).
 */
#ifndef PEERLAN_FABRIC_MATRIX_COUNT_H
#define PEERLAN_FABRIC_MATRIX_COUNT_H

#include "matrix.h"
#include "pipeline.h"
#include "tables_impl.h"

/* A forward's pair, found before its frame is counted (fab_matrix_prepare). */
struct fab_mx_pend {
	uint32_t src, dst; /* ASNs */
	uint32_t h;        /* fab_matrix_hash */
	uint16_t vlan;
	uint8_t afi;
	uint8_t pair; /* 0: not a forward between members, nothing to count */
};

/*
 * Finds the pair of each of n verdicts and fetches its slot while the
 * caller goes on: with a table of some MiB the slot is rarely in a cache,
 * and a burst's slots are then read side by side rather than one by one.
 * frames are as they leave (after any tag was pushed or popped); t is the
 * table set the verdicts were decided with.
 */
static inline void fab_matrix_prepare(const struct fab_matrix *mx, const struct fab_tables *t,
				      const struct fab_verdict *v, const struct fab_frame *f,
				      uint16_t n, struct fab_mx_pend *out)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct fab_t_binding *s, *d;
		const uint8_t *data = f[i].data;
		struct fab_mx_pend *p = &out[i];
		uint16_t et;

		p->pair = v[i].dst != 0 && v[i].action == FAB_ACT_FORWARD;
		if (!p->pair)
			continue;
		s = &t->bindings[v[i].src];
		d = &t->bindings[v[i].dst - 1];
		/* Every forwarded frame has a whole Ethernet header, and a tagged one its tag. */
		et = (uint16_t)(data[12] << 8 | data[13]);
		if (et == 0x8100)
			et = (uint16_t)(data[16] << 8 | data[17]);
		p->src = s->asn;
		p->dst = d->asn;
		p->vlan = s->vlan;
		p->afi = (uint8_t)fab_matrix_afi(et);
		p->h = fab_matrix_hash(p->vlan, p->src, p->dst);
		__builtin_prefetch(&mx->ent[p->h & mx->mask], 1);
	}
}

/* Counts a frame of len bytes under the pair fab_matrix_prepare found for it. */
static inline void fab_matrix_commit(struct fab_matrix *mx, const struct fab_mx_pend *p,
				     uint32_t len)
{
	if (p->pair)
		fab_matrix_put(mx, fab_matrix_slot_h(mx, p->h, p->vlan, p->src, p->dst), p->afi,
			       len);
}

/* Both at once, for one frame of verdict v (data, len: as it leaves). */
static inline void fab_matrix_count(struct fab_matrix *mx, const struct fab_tables *t,
				    const struct fab_verdict *v, const uint8_t *data, uint32_t len)
{
	struct fab_frame f = {.data = (uint8_t *)(uintptr_t)data, .len = (uint16_t)len};
	struct fab_mx_pend p;

	fab_matrix_prepare(mx, t, v, &f, 1, &p);
	fab_matrix_commit(mx, &p, len);
}

#endif
