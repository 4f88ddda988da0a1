/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Map layouts shared by the XDP pre-filter (peerlan_xdp.bpf.c) and its loader
 * (dp_xdp.c).
 *
 * Drop counters are indexed by enum fab_drop_reason itself: counters.h is
 * included here, in the BPF program too (it is built with -ffreestanding so
 * that <stdint.h> needs no C library, and the function prototypes there
 * generate no code). A translation table would be one more list to keep in
 * step by hand; using the enum means a reason added to or moved in
 * counters.h renumbers both sides in the same build, and the loader can add
 * the per-reason counts into a fab_port_stats without mapping them.
 */
#ifndef PEERLAN_DP_XDP_SHARED_H
#define PEERLAN_DP_XDP_SHARED_H

#include <linux/types.h>

#include "fabric/counters.h"
#include "fabric/proto.h"

/* Allowed (VLAN, source MAC) pairs of one port; a swap needs old + new. */
#define DP_XDP_MACS_MAX 16384

/* EtherType allow-list as a bitmap of 65536 bits, 64 per array entry. */
#define DP_XDP_ETYPE_WORDS (65536 / 64)
/* VLANs carried on a trunk port as a bitmap of 4096 bits. */
#define DP_XDP_VLAN_WORDS (4096 / 64)

/*
 * Key of the allowed source MAC map: the 802.1Q VLAN id in bits 59..48 (0
 * on access ports, where frames are untagged) and the MAC in bits 47..0, as
 * fab_mac_t numbers it, so that a MAC is allowed per port and LAN.
 */
#define DP_XDP_MAC_KEY(vlan, mac) ((((__u64)(vlan)&0xfff) << 48) | ((__u64)(mac)&0xffffffffffffULL))

/* dp_xdp_cfg.flags */
#define DP_XDP_F_UNTAGGED 0x1 /* untagged frames are checked (access port) */
#define DP_XDP_F_TAGGED   0x2 /* single 802.1Q tagged frames are checked (trunk port) */
#define DP_XDP_F_DOWN     0x4 /* port down or err-disabled: drop all as port_down */

/*
 * Per-port settings, the one entry of the "cfg" array map. All zero (a map
 * not filled yet) checks nothing and drops nothing but runts, port state
 * aside: see the program for why frames it does not check pass on.
 */
struct dp_xdp_cfg {
	__u32 flags;
	__u32 max_len; /* longest frame checked; longer ones are the pipeline's (oversize) */
};

#endif
