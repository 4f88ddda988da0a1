/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The layout of a compiled table set, shared by tables.c (which builds it)
 * and pipeline.c (which reads it on every frame). Nothing else includes
 * this header: other modules go through tables.h.
 *
 * The address tables are open addressing with linear probing, a
 * power-of-two number of slots and a load factor of at most one half, so a
 * lookup touches one or two cache lines and always finds an empty slot to
 * stop at. The MAC table, looked up twice for every frame, is a perfect hash
 * instead (see fab_t_mac_slot): every provisioned key sits in the one slot
 * its hash names, so a lookup is one hash and one compare.
 */
#ifndef PEERLAN_FABRIC_TABLES_IMPL_H
#define PEERLAN_FABRIC_TABLES_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pipeline.h"
#include "proto.h"
#include "tables.h"

#define FAB_T_EMPTY  UINT64_MAX /* no real key has lan bits 0xffff */
#define FAB_T_NO_LAN 0xffff

/*
 * One slot of the MAC table (key: lan << 48 | mac) or of the IPv4 table
 * (key: lan << 32 | address). binding indexes fab_tables.bindings.
 */
struct fab_t_ent {
	uint64_t key;
	uint16_t binding; /* at most FAB_T_BINDINGS_MAX */
	/* MAC table: the traffic matrix's id of the binding's member (matrix.h),
	 * which a forward's verdict carries; FAB_MX_ID_NONE until
	 * fab_tables_mx_ids gives it. Unused in the address tables. */
	uint16_t mx;
	uint16_t port;
	/* MAC table: the egress word of port (fab_t_port.egress), kept in the
	 * entry so that forwarding by MAC reads one cache line. Unused in the
	 * address tables. */
	uint16_t egress;
};

#define FAB_T_TRUNK 0x8000 /* in fab_t_ent.egress; every MTU is below it */
#define FAB_T_VTEP  0x4000 /* in fab_t_ent.egress: a remote VTEP, reached by encapsulation */
#define FAB_T_MTU   0x3fff /* the MTU's bits of an egress word */
_Static_assert(FAB_MTU_MAX <= FAB_T_MTU, "an MTU fits beside the trunk and VTEP flags");
#define FAB_T_NO_PORT 0xffff

/* One slot of the IPv6 table; lan == FAB_T_NO_LAN marks it empty. */
struct fab_t_ent6 {
	uint64_t hi; /* address bytes 0..7, as memcpy reads them */
	uint64_t lo; /* address bytes 8..15 */
	uint32_t binding;
	uint16_t lan;
	uint16_t port;
};

/* Bindings a table set holds: a table entry names one in 16 bits. */
#define FAB_T_BINDINGS_MAX 65534

/* What one member may use on one LAN through one port. */
struct fab_t_binding {
	fab_mac_t mac; /* the first MAC: the one answers and steering use */
	uint16_t port;
	uint16_t lan;
	uint32_t member;
	/* The traffic matrix's key (matrix_count.h): stable across table sets. */
	uint32_t asn;
	uint16_t vlan; /* the LAN's */
};

struct fab_t_port {
	const uint16_t *vlan2lan; /* trunk ports: 4096 entries, FAB_T_NO_LAN if not carried */
	uint16_t access_lan;      /* access ports: the one LAN */
	uint16_t mtu;
	uint16_t egress; /* mtu, with FAB_T_TRUNK set on a trunk: what the egress rule reads */
	/* Largest frame: [0] untagged (an access port's: its LAN's MTU if smaller),
	 * [1] with one 802.1Q tag (the port's; fab_t_lan.max_len then checks the LAN's). */
	uint16_t max_len[2];
	uint8_t mode; /* enum fab_port_mode */
	uint8_t kind; /* enum fab_port_kind */
	/*
	 * Whether the pipeline's fast path may decide this port's frames: an
	 * access port whose LAN is not the quarantine LAN. The fast path calls
	 * the same rules as the full path, with the constants this flag makes
	 * true (untagged, access, 14-byte header, no quarantine), and leaves to
	 * the full path every frame any rule would drop or edit
	 * (fabric/pipeline.c). Set once, when the tables are built.
	 */
	bool fast;
	/* Storm control, FAB_STORM_ARP and FAB_STORM_ND: the policy's rates. */
	struct fab_rate storm[2];
	/* A sub-rate port's ingress policer (fab_tables_port_rate), for the dataplane. */
	uint64_t rate_bps;
	uint32_t rate_burst;
	uint32_t vtep_ip; /* a VTEP port: the remote node's VTEP address, host order */
};

struct fab_t_lan {
	uint16_t vlan;
	uint16_t max_len; /* largest tagged frame: the LAN's MTU, Ethernet header and tag */
	uint8_t neigh;    /* enum fab_neigh_policy */
	uint8_t kind;     /* enum fab_lan_kind */
	/* RFC 7999 blackholing (struct fab_blackhole): the MAC, 0 when off, is
	 * in no MAC-table slot, so only the full path meets frames sent to it. */
	uint32_t bh_ip4; /* 0: none */
	bool bh_has6;
	fab_mac_t bh_mac;
	uint8_t bh_ip6[16];
	uint32_t vni; /* 0: not carried over VXLAN */
};

/* A sorted (key, value) pair: a VNI and its LAN, or a VTEP address and its port. */
struct fab_t_pair {
	uint32_t key;
	uint16_t val;
};

/* The value of key in the n sorted pairs at a, or FAB_T_NO_PORT (also FAB_T_NO_LAN). */
static inline uint16_t fab_t_pair_find(const struct fab_t_pair *a, uint32_t n, uint32_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a[mid].key == key)
			return a[mid].val;
		if (a[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FAB_T_NO_PORT;
}

/*
 * EtherType classes in fab_tables.etype: small values pick the parser,
 * FAB_EC_DROP | reason drops the frame under that reason. The classes of
 * frames forwarded unedited are the traffic matrix's families (matrix.h),
 * so that the fast path counts a frame under the class it already read.
 */
enum {
	FAB_EC_IPV4 = 0,
	FAB_EC_IPV6 = 1,
	FAB_EC_OTHER = 2, /* allowed, no layer-3 rule applies */
	FAB_EC_ARP = 3,
	FAB_EC_DROP = 0x80,
};

struct fab_tables {
	uint64_t generation;
	uint16_t nports;
	uint16_t nlans;
	uint32_t nbindings;
	struct fab_t_port *ports;
	struct fab_t_lan *lans;
	struct fab_t_binding *bindings;
	struct fab_t_ent *mac; /* a perfect hash: mac_mask + 1 slots, see fab_t_mac_slot */
	uint32_t *mac_disp;    /* the displacement of each of its buckets */
	uint64_t mac_mult;     /* its hash's multiplier, chosen when it was built */
	uint8_t mac_bshift;    /* 64 - log2(number of buckets) */
	struct fab_t_ent *ip4;
	struct fab_t_ent6 *ip6;
	uint32_t mac_mask;
	uint32_t ip4_mask;
	uint32_t ip6_mask;
	uint8_t *etype;     /* 65536 entries */
	uint16_t *vlan2lan; /* the trunk ports' maps, 4096 entries each */
	/* The sponge (tables_sponge.c): addresses it answers for, 16 bytes each with
	 * IPv4 mapped (::ffff:a.b.c.d), sorted; none while the policy disables it. */
	fab_mac_t sponge_mac;
	uint8_t (*sponged)[16];
	uint32_t nsponged;
	struct fab_rate punt_port; /* the policy's punt policer, for the dataplane */
	struct fab_rate punt_total;
	/*
	 * VXLAN: the underlay port (FAB_T_NO_PORT: none, and no VTEP ports),
	 * this node's VTEP and the next hop, and what a received VXLAN frame is
	 * looked up by: its VNI (to a LAN) and its outer source (to a VTEP port).
	 */
	uint16_t underlay;
	uint32_t vtep_ip; /* host order */
	fab_mac_t vtep_mac;
	fab_mac_t nh_mac;
	struct fab_t_pair *vni2lan;
	struct fab_t_pair *ip2vtep;
	uint32_t nvni;
	uint32_t nvteps;
};

static inline uint64_t fab_t_mac_key(uint16_t lan, fab_mac_t mac)
{
	return (uint64_t)lan << 48 | mac;
}

/* The MAC of a key: its low 48 bits, every bit of the broadcast address. */
static inline fab_mac_t fab_t_mac_of_key(uint64_t key)
{
	return key & FAB_MAC_BROADCAST;
}

static inline uint64_t fab_t_ip4_key(uint16_t lan, uint32_t addr)
{
	return (uint64_t)lan << 32 | addr;
}

/* Folds the high half down before a Fibonacci multiply, so every key bit counts. */
static inline uint32_t fab_t_hash(uint64_t k)
{
	return (uint32_t)(((k ^ (k >> 32)) * 0x9e3779b97f4a7c15ULL) >> 32);
}

static inline uint32_t fab_t_hash6(uint64_t hi, uint64_t lo, uint16_t lan)
{
	return fab_t_hash(hi ^ (lo * 0xff51afd7ed558ccdULL) ^ (lo >> 29) ^ lan);
}

/*
 * The MAC table's perfect hash (hash and displace): a key's hash picks a
 * bucket by its top bits and a base slot by its low bits; the bucket's
 * displacement, chosen when the table was built so that no two provisioned
 * keys land on one slot, is XORed into the base. The slot of a key that is
 * not provisioned holds another key or none, so one compare decides.
 */
static inline uint64_t fab_t_mac_mix_by(uint64_t mult, uint64_t key)
{
	/* Multiply-shift: the top bits of key * mult depend on every key bit, and
	 * folding them onto the low half gives the base slot that too. mult is
	 * odd, so both steps are bijections. */
	uint64_t x = key * mult;

	return x ^ (x >> 32);
}

static inline uint64_t fab_t_mac_mix(const struct fab_tables *t, uint64_t key)
{
	return fab_t_mac_mix_by(t->mac_mult, key);
}

/* The slot of key from the table's fields, for a caller that keeps them at hand. */
static inline uint32_t fab_t_mac_slot_by(uint64_t mult, const uint32_t *disp, unsigned bshift,
					 uint32_t mask, uint64_t key)
{
	uint64_t x = fab_t_mac_mix_by(mult, key);

	return ((uint32_t)x ^ disp[x >> bshift]) & mask;
}

static inline uint32_t fab_t_mac_slot(const struct fab_tables *t, uint64_t key)
{
	return fab_t_mac_slot_by(t->mac_mult, t->mac_disp, t->mac_bshift, t->mac_mask, key);
}

/* The MAC table's entry for key (fab_t_mac_key), or NULL. */
static inline const struct fab_t_ent *fab_t_mac_find(const struct fab_tables *t, uint64_t key)
{
	const struct fab_t_ent *e = &t->mac[fab_t_mac_slot(t, key)];

	return e->key == key ? e : NULL;
}

/* The slot of an address table holding key, or NULL. h is fab_t_hash(key). */
static inline const struct fab_t_ent *fab_t_find(const struct fab_t_ent *tab, uint32_t mask,
						 uint64_t key, uint32_t h)
{
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		const struct fab_t_ent *e = &tab[i];

		if (e->key == key)
			return e;
		if (e->key == FAB_T_EMPTY)
			return NULL;
	}
}

static inline const struct fab_t_ent6 *fab_t_find6(const struct fab_tables *t, uint16_t lan,
						   const uint8_t *addr)
{
	uint64_t hi, lo;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	for (uint32_t i = fab_t_hash6(hi, lo, lan) & t->ip6_mask;; i = (i + 1) & t->ip6_mask) {
		const struct fab_t_ent6 *e = &t->ip6[i];

		if (e->hi == hi && e->lo == lo && e->lan == lan)
			return e;
		if (e->lan == FAB_T_NO_LAN)
			return NULL;
	}
}

/* Whether the sponge answers for addr (16 bytes, IPv4 mapped). */
static inline bool fab_t_sponged(const struct fab_tables *t, const uint8_t *addr)
{
	uint32_t lo = 0, hi = t->nsponged;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(t->sponged[mid], addr, 16);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#endif
