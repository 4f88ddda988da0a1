/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counting a forwarded frame in the traffic matrix (matrix.h), for the
 * pipeline, which runs in the worker that forwards it: a forward between
 * two members names both members' ids, which outlive the table set.
 */
#ifndef PEERLAN_FABRIC_MATRIX_COUNT_H
#define PEERLAN_FABRIC_MATRIX_COUNT_H

#include <string.h>

#include "matrix.h"
#include "pipeline.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FAB_MX_NET16(x) ((uint16_t)__builtin_bswap16(x))
#else
#define FAB_MX_NET16(x) ((uint16_t)(x))
#endif

/*
 * The family of a frame leaving with the header at d. Every forwarded frame
 * has a whole Ethernet header, and a tagged one its tag. The EtherType is
 * compared as the frame carries it (network order): no byte swap.
 */
static inline unsigned fab_mx_afi_of(const uint8_t *d)
{
	uint16_t et;

	memcpy(&et, d + 12, sizeof(et));
	if (et == FAB_MX_NET16(0x8100))
		memcpy(&et, d + 16, sizeof(et));
	return et == FAB_MX_NET16(0x0800)   ? FAB_AFI_IPV4
	       : et == FAB_MX_NET16(0x86dd) ? FAB_AFI_IPV6
					    : FAB_AFI_OTHER;
}

/*
 * Counts a frame of len bytes and family afi under key (fab_mx_key). Per
 * frame: one multiply, one probe, two adds; no lock, no atomic
 * read-modify-write, no allocation. Only the worker that owns mx writes it.
 */
static inline void fab_mxw_add(struct fab_mxw *mx, uint32_t key, unsigned afi, uint32_t len)
{
	struct fab_mxw_slot *e = fab_mxw_home(mx, key);

	if (__builtin_expect(e->key != key, 0))
		e = fab_mxw_probe(mx, e, key);
	e->frames[afi]++;
	e->bytes[afi] += len;
}

/*
 * Counts frame f of verdict v as it leaves (after any tag was pushed or
 * popped) if v forwards it between two members: steered requests, answers
 * and drops name no receiver (pipeline.h).
 */
static inline void fab_mxw_count(struct fab_mxw *mx, const struct fab_verdict *v,
				 const struct fab_frame *f)
{
	if (v->action == FAB_ACT_FORWARD && v->dst != 0)
		fab_mxw_add(mx, fab_mx_key(v->src, v->dst), fab_mx_afi_of(f->data), f->len);
}

#endif
