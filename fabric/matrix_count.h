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

/*
 * Counts the frame of verdict v (data, len: as it leaves, after any tag was
 * pushed or popped) if it is a forward between members. t is the table set
 * the verdict was decided with.
 */
static inline void fab_matrix_count(struct fab_matrix *mx, const struct fab_tables *t,
				    const struct fab_verdict *v, const uint8_t *data, uint32_t len)
{
	const struct fab_t_binding *s, *d;
	uint16_t et;

	if (v->dst == 0)
		return;
	s = &t->bindings[v->src];
	d = &t->bindings[v->dst - 1];
	/* Every forwarded frame has a whole Ethernet header, and a tagged one its tag. */
	et = (uint16_t)(data[12] << 8 | data[13]);
	if (et == 0x8100)
		et = (uint16_t)(data[16] << 8 | data[17]);
	fab_matrix_add(mx, s->vlan, s->asn, d->asn, fab_matrix_afi(et), len);
}

#endif
