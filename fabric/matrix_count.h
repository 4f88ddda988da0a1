/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counting a forwarded frame in the traffic matrix (matrix.h), for the
 * worker that carries out the pipeline's verdicts: a forward between two
 * members names both members' ids, which outlive the table set.
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
 * Counts the frames f of verdicts v (n of each), as they leave (after any
 * tag was pushed or popped), that are forwards between two members. Per
 * frame: one multiply, one probe, the EtherType, two adds; no lock, no
 * atomic read-modify-write, no allocation, no load but the verdict's, the
 * frame's and the slot's. Only the worker that owns mx writes it.
 */
static inline void fab_mxw_count(struct fab_mxw *mx, const struct fab_verdict *v,
				 const struct fab_frame *f, uint16_t n)
{
	/* In registers for the whole run: the stores below cannot change them. */
	struct fab_mxw_slot *const slot = mx->slot;
	const uint32_t shift = mx->shift;

	for (uint16_t i = 0; i < n; i++) {
		struct fab_mxw_slot *e;
		uint32_t key;
		unsigned afi;

		/* Steered requests and drops name no receiver (pipeline.h). */
		if (v[i].dst == 0)
			continue;
		key = fab_mx_key(v[i].src, v[i].dst);
		e = &slot[fab_mxw_hash(key) >> shift];
		if (__builtin_expect(e->key != key, 0))
			e = fab_mxw_probe(mx, e, key);
		afi = fab_mx_afi_of(f[i].data);
		e->frames[afi]++;
		e->bytes[afi] += f[i].len;
	}
}

#endif
