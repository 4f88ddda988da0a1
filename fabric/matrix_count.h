/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counting a forwarded frame in the traffic matrix (matrix.h), for the
 * worker that carries out the pipeline's verdicts: a forward between two
 * members names both members' ids, which outlive the table set, and the
 * pipeline gives its EtherType family (fab_pipeline_ctx.afi).
 */
#ifndef PEERLAN_FABRIC_MATRIX_COUNT_H
#define PEERLAN_FABRIC_MATRIX_COUNT_H

#include <stdbool.h>
#include <stddef.h>
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
 * Counts a frame of len bytes and family *afi (0 to FAB_AFI__COUNT - 1)
 * that verdict v, not a drop, sends, if its pair is in the slot its hash
 * names (its home) in the worker table whose slots and offset mask are
 * slot and omask (the caller holds them over a burst: the counters' stores
 * cannot change them). Returns false, counting nothing, if that slot holds
 * another pair or none yet: the caller then counts the frame with
 * fab_mxw_count_far after its loop, so that the loop makes no call (a call
 * there costs it the registers the call may change). Its pair is the
 * verdict's second word: no load but the slot's, one multiply, two adds,
 * and no test of whether it names a pair: a steered request or an answer
 * names none, both its ids 0 (pipeline.h), and counts in slot 0, which no
 * pair takes and no one reads. No lock, no atomic read-modify-write, no
 * allocation. Only the worker that owns the table writes it.
 */
static inline __attribute__((always_inline)) bool fab_mxw_count_home(char *slot, uint32_t omask,
								     const struct fab_verdict *v,
								     const uint8_t *afi,
								     uint32_t len)
{
	struct fab_mxw_slot *e;
	uint32_t key;
	unsigned a;

	memcpy(&key, &v->src, sizeof(key));
	a = *afi; /* before the stores, which may alias a byte */
	e = (struct fab_mxw_slot *)(slot + fab_mxw_off(key, omask));
	if (__builtin_expect(e->key != key, 0))
		return false;
	e->frames[a]++;
	e->bytes[a] += len;
	return true;
}

/* Counts what fab_mxw_count_home did not: the pair's slot found by probing
 * from its home, a new one if there is room, else mx->lost. */
void fab_mxw_count_far(struct fab_mxw *mx, const struct fab_verdict *v, unsigned afi, uint32_t len);

_Static_assert(offsetof(struct fab_verdict, dst) == offsetof(struct fab_verdict, src) + 2,
	       "a verdict's src and dst read as one word are fab_mx_key(src, dst)");

#endif
