/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token buckets for storm control and the punt policer.
 *
 * Integer-only and branch-light, for the per-frame path: tokens are kept in
 * nano-tokens (one token = 1e9) so that a rate in packets per second and a
 * clock in nanoseconds meet without division. A bucket belongs to one
 * worker; nothing here is atomic.
 */
#ifndef PEERLAN_FABRIC_BUCKET_H
#define PEERLAN_FABRIC_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define FAB_BUCKET_UNIT 1000000000ULL /* nano-tokens per token */

struct fab_bucket {
	uint64_t level; /* nano-tokens available */
	uint64_t last;  /* clock of the last refill, ns */
	uint64_t cap;   /* burst in nano-tokens */
	uint32_t rate;  /* tokens per second; 0: unlimited */
};

/* Sets rate and burst, full bucket at now. burst 0 is taken as 1. */
static inline void fab_bucket_init(struct fab_bucket *b, uint32_t rate, uint32_t burst,
				   uint64_t now)
{
	b->rate = rate;
	b->cap = (uint64_t)(burst ? burst : 1) * FAB_BUCKET_UNIT;
	b->level = b->cap;
	b->last = now;
}

/* Takes one token if there is one. A clock that goes backwards adds nothing. */
static inline bool fab_bucket_take(struct fab_bucket *b, uint64_t now)
{
	if (b->rate == 0)
		return true;
	if (now > b->last) {
		uint64_t dt = now - b->last;
		/* Beyond the time to fill the bucket, more elapsed time adds nothing. */
		uint64_t fill = b->cap / b->rate + 1;

		b->level += (dt < fill ? dt : fill) * b->rate;
		if (b->level > b->cap)
			b->level = b->cap;
		b->last = now;
	}
	if (b->level < FAB_BUCKET_UNIT)
		return false;
	b->level -= FAB_BUCKET_UNIT;
	return true;
}

#endif
