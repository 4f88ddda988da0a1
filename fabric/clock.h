/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cycle counts of a clock running at hz (the TSC) in seconds' fractions.
 * The obvious cycles * 1000000000 / hz overflows 64 bits once cycles pass
 * 2^64 / 1e9 (7.4 s at 2.5 GHz), so an uptime computed that way wraps every
 * few seconds; these keep the product in 128 bits.
 */
#ifndef PEERLAN_FABRIC_CLOCK_H
#define PEERLAN_FABRIC_CLOCK_H

#include <stdint.h>

#define FAB_NS_PER_S 1000000000ULL
#define FAB_MS_PER_S 1000ULL

/* cycles at hz in units of which there are per_s in a second; 0 if hz is 0.
 * Exact (rounded down) until the result itself passes 64 bits. */
static inline uint64_t fab_cycles_to(uint64_t cycles, uint64_t hz, uint64_t per_s)
{
	return hz ? (uint64_t)((unsigned __int128)cycles * per_s / hz) : 0;
}

static inline uint64_t fab_cycles_to_ns(uint64_t cycles, uint64_t hz)
{
	return fab_cycles_to(cycles, hz, FAB_NS_PER_S);
}

static inline uint64_t fab_cycles_to_ms(uint64_t cycles, uint64_t hz)
{
	return fab_cycles_to(cycles, hz, FAB_MS_PER_S);
}

#endif
