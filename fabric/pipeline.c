/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exchange's per-frame policy.
 *
 * Every rule is one always_inline function (a *_rule) that reads the frame
 * and returns a drop reason or PASS, and writes nothing. Two paths call
 * them:
 *
 * - The fast path (fast_pass), on a port whose one flag fab_t_port.fast
 *   says it may (an access port outside quarantine, set when the tables
 *   are built), calls the rules with the constants that flag makes true
 *   (access port, untagged, 14-byte header, no quarantine) and takes a
 *   frame only when all of them return PASS and it leaves unedited: a
 *   forward by destination MAC to an access port. It leaves every other
 *   frame, whatever the reason, to the full path.
 * - The full path decides what is left in two passes. The parse pass reads
 *   each frame's addresses, applies rule 1 and prefetches the MAC-table
 *   slots of its source and destination; the decision pass (decide())
 *   applies rules 2 to 8 while those slots arrive, then apply() edits the
 *   frame as the rules planned: a dropped frame is never edited.
 *
 * Counters are summed per burst and written once at the end, except
 * per-reason drops. The first rule that matches decides, so a frame is
 * counted under exactly one reason. The full path checks them in this
 * order, which is not the order of FAB_DROP_REASONS (its order numbers the
 * reasons); the fast path may call them in another, since for it any drop
 * only means "leave":
 *   1. port_down, runt (run_chunk), scattered (parse), then oversize (the
 *      port's MTU, and the LAN's once the tag names it) and the VLAN checks
 *      (vlan_rule);
 *   2. src_mac_violation (src_rule);
 *   3. edp, link_local, cisco_discovery (group_rule);
 *   4. the EtherType's class: lldp, vendor_discovery, llc_snap, ethertype
 *      (l3_rule);
 *   5. the protocol's own rules (ipv4_rule, ipv6_rule; arp() and nd() for
 *      ARP and ND), each once the headers it reads are known to be whole
 *      (truncated, arp_malformed) and, in a frame of several buffers, in
 *      the first (scattered), ending for ARP requests and neighbour
 *      solicitations with the LAN's blackhole answer, the sponge's, or the
 *      neighbour policy (neigh_request());
 *   6. for a frame forwarded by its destination MAC (forward_rule):
 *      broadcast or multicast, unknown_unicast (blackhole for the LAN's
 *      blackhole MAC, forward()) or sponge_mac, hairpin, dst_port_down;
 *   7. on the way out (egress_rule): dst_mtu, no_buffer;
 *   8. storm, then quarantine (admit_rule), on frames all the others let
 *      through.
 *
 * VXLAN (fabric/vxlan.h) adds no rule: a remote node's VTEP is a trunk port
 * whose egress word has FAB_T_VTEP, so a frame for a member behind it is
 * decided as for any port and only encapsulated on the way out (encap(),
 * from put_tag()); the underlay port's frames are classified and
 * decapsulated first (underlay_run()) and then decided by the rules above
 * as received on the sending VTEP's port, where rule 2's drop is counted as
 * vxlan_src_mac and a forward to another VTEP as vxlan_transit.
 */
#include <endian.h>
#include <stdbool.h>
#include <string.h>

#include "bytes.h"
#include "matrix_count.h"
#include "neigh.h"
#include "pipeline.h"
#include "proto.h"
#include "tables_impl.h"
#include "vxlan.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert((int)FAB_DROP__COUNT < (int)FAB_EC_DROP, "reasons must fit beside the class flag");
_Static_assert((int)FAB_EC_IPV4 == (int)FAB_AFI_IPV4 && (int)FAB_EC_IPV6 == (int)FAB_AFI_IPV6 &&
		   (int)FAB_EC_OTHER == (int)FAB_AFI_OTHER,
	       "the fast path gives a frame's EtherType class as its family in the matrix");
_Static_assert(FAB_BURST_MAX <= 64, "a burst's frames to decide fit one 64-bit mask");
_Static_assert(FAB_CTR_rx_multicast == FAB_CTR_rx_unicast + 1 &&
		   FAB_CTR_rx_broadcast == FAB_CTR_rx_unicast + 2 &&
		   FAB_CTR_tx_multicast == FAB_CTR_tx_unicast + 1 &&
		   FAB_CTR_tx_broadcast == FAB_CTR_tx_unicast + 2,
	       "unicast, multicast, broadcast counters are consecutive");

/* How a frame ends, besides its verdict; OUT_L2 means "forward by destination MAC". */
enum { OUT_DROP, OUT_FORWARD, OUT_STEER, OUT_ANSWER, OUT_L2 };

#define DROP_CLASS 0x80 /* in the protocol tables below: drop under the low bits */
#define NO_MAC     UINT64_MAX
#define NO_BINDING UINT32_MAX
/* What a rule returns for a frame it lets through; any other value is a drop reason. */
#define PASS 0xff
/* What the protocol rules return for ARP and ND, which arp() and nd() decide with the tables. */
#define NEIGH 0xfe

/* Per-frame state from the parse pass to the decision pass. */
struct meta {
	fab_mac_t dst;
	fab_mac_t src;
	uint32_t sdst; /* MAC-table slots of the destination and source keys */
	uint32_t ssrc;
	uint16_t l2len; /* Ethernet header with its tag, if any */
	uint16_t etype; /* after the tag */
	uint16_t lan;
	uint16_t more; /* fab_frame.more, or 0 when the burst is not segmented */
};

/* What every frame of a burst shares, and the sender of the current one. */
struct burst {
	const struct fab_tables *t;
	const uint8_t *oper;
	struct fab_bucket *storm;     /* the ingress port's buckets, or NULL */
	struct fab_port_stats *stats; /* every port's, for a VTEP's sent frames (encap()) */
	uint64_t now;
	uint16_t in_port;
	bool from_vtep;   /* in_port is a remote VTEP's: its frames came decapsulated */
	bool from_switch; /* in_port leads to another switch (core or VTEP), which may steer */
	uint32_t binding;
	uint16_t mx; /* the sender's matrix id (tables_impl.h), for a forward's verdict */
};

/* The tag a frame leaving on its egress port needs, as egress() found it. */
enum { TAG_KEEP, TAG_PUSH, TAG_POP, TAG_SET, TAG_VXLAN };

/*
 * What the rules decided to do to a frame that leaves, beside its verdict:
 * filled in while the frame is decided, carried out by apply() once the last
 * rule has let it through, so a frame any rule drops is never edited. The
 * outcome says which fields count: OUT_STEER rewrites the destination to
 * mac, OUT_ANSWER builds the answer of mac (of ND, from the solicitation at
 * icmp_off from the IPv6 header); whatever leaves gets its tag put as tag
 * says.
 */
struct plan {
	fab_mac_t mac;
	uint32_t icmp_off;
	uint8_t tag;
};

/* Each reason's class (fabric/counters.h), at hand for the drops of a burst. */
static const uint8_t drop_class[FAB_DROP__COUNT] = {FAB_DROP_REASONS(FAB_X_DROP_CLASS)};

/* IPv4 protocol numbers: pass, look at the ICMP or UDP header, or drop. */
enum { P_PASS, P_ICMP, P_UDP, P_EXT };
static const uint8_t ipv4_proto[256] = {
    [FAB_IPPROTO_ICMP] = P_ICMP,
    [FAB_IPPROTO_UDP] = P_UDP,
    [FAB_IPPROTO_IGMP] = DROP_CLASS | FAB_DROP_ipv4_igmp,
    [FAB_IPPROTO_PIM] = DROP_CLASS | FAB_DROP_ipv4_pim,
    [FAB_IPPROTO_OSPF] = DROP_CLASS | FAB_DROP_ipv4_ospf,
    [FAB_IPPROTO_VRRP] = DROP_CLASS | FAB_DROP_ipv4_vrrp,
};

/* IPv6 next-header values, with the extension headers walked to reach the upper layer. */
static const uint8_t ipv6_proto[256] = {
    [FAB_IPPROTO_HOPOPTS] = P_EXT,
    [FAB_IPPROTO_ROUTING] = P_EXT,
    [FAB_IPPROTO_FRAGMENT] = P_EXT,
    [FAB_IPPROTO_DSTOPTS] = P_EXT,
    [FAB_IPPROTO_AH] = P_EXT,
    [FAB_IPPROTO_ICMPV6] = P_ICMP,
    [FAB_IPPROTO_UDP] = P_UDP,
    [FAB_IPPROTO_OSPF] = DROP_CLASS | FAB_DROP_ipv6_ospf,
    [FAB_IPPROTO_PIM] = DROP_CLASS | FAB_DROP_ipv6_pim,
    [FAB_IPPROTO_VRRP] = DROP_CLASS | FAB_DROP_ipv6_vrrp,
};

/* ICMPv6 types: 1 for neighbour discovery, a drop, or 0 for anything else. */
#define ICMP6_ND 1
static const uint8_t icmp6_type[256] = {
    [FAB_ICMP6_NS] = ICMP6_ND,
    [FAB_ICMP6_NA] = ICMP6_ND,
    [FAB_ICMP6_RA] = DROP_CLASS | FAB_DROP_ipv6_ra,
    [FAB_ICMP6_RS] = DROP_CLASS | FAB_DROP_ipv6_rs,
    [FAB_ICMP6_REDIRECT] = DROP_CLASS | FAB_DROP_ipv6_redirect,
    [FAB_ICMP6_MLD_QUERY] = DROP_CLASS | FAB_DROP_ipv6_mld,
    [FAB_ICMP6_MLD_REPORT] = DROP_CLASS | FAB_DROP_ipv6_mld,
    [FAB_ICMP6_MLD_DONE] = DROP_CLASS | FAB_DROP_ipv6_mld,
    [FAB_ICMP6_MLD2_REPORT] = DROP_CLASS | FAB_DROP_ipv6_mld,
};

static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
/* ff02::1:ff00:0/104, the solicited-node prefix */
static const uint8_t ip6_snm_prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
static const uint8_t ip6_zero[16];

/*
 * A drop ends the decision and replaces whatever was planned before it: the
 * frame is not edited and, unless the drop itself asks for one, not copied.
 */
static inline int drop(struct fab_verdict *v, unsigned reason)
{
	*v = (struct fab_verdict){.action = FAB_ACT_DROP, .reason = (uint16_t)reason};
	return OUT_DROP;
}

/* A drop the control process wants to see: the sponge, liveness of owners. */
static inline int drop_punt(struct fab_verdict *v, unsigned reason)
{
	*v = (struct fab_verdict){
	    .action = FAB_ACT_DROP, .flags = FAB_VF_PUNT, .reason = (uint16_t)reason};
	return OUT_DROP;
}

uint16_t fab_icmp6_csum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint32_t s = len + FAB_IPPROTO_ICMPV6;
	const uint8_t *p = ip + FAB_IPV6_OFF_SRC;

	for (int i = 0; i < 32; i += 2)
		s += fab_rd16(p + i);
	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += fab_rd16(icmp + i);
	if (len & 1)
		s += (uint32_t)icmp[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * The egress rule: whether a frame of len bytes, l2len of them its Ethernet
 * header and tag, may leave by a port whose egress word (fab_t_port.egress,
 * copied into each MAC-table entry) is eg, and the tag it must carry there:
 * on a trunk one 802.1Q tag with the LAN's VLAN and PCP 0, on an access port
 * none; to a remote VTEP, untagged inside the outer headers VXLAN adds,
 * which is what headroom must hold (less the tag it drops).
 */
static inline __attribute__((always_inline)) unsigned
egress_rule(uint32_t len, uint32_t l2len, uint16_t eg, uint16_t headroom, uint8_t *tag)
{
	if (unlikely(eg & FAB_T_VTEP)) {
		if (len - l2len > (uint32_t)(eg & FAB_T_MTU))
			return FAB_DROP_dst_mtu;
		if (headroom + l2len < FAB_VXLAN_OUTER_LEN + FAB_ETH_HLEN)
			return FAB_DROP_no_buffer;
		*tag = TAG_VXLAN;
	} else if (eg & FAB_T_TRUNK) {
		if (len - l2len > (uint32_t)(eg & ~FAB_T_TRUNK))
			return FAB_DROP_dst_mtu;
		*tag = TAG_SET;
		if (l2len == FAB_ETH_HLEN) {
			if (headroom < FAB_VLAN_HLEN)
				return FAB_DROP_no_buffer;
			*tag = TAG_PUSH;
		}
	} else {
		if (len - l2len > eg)
			return FAB_DROP_dst_mtu;
		*tag = l2len == FAB_ETH_HLEN ? TAG_KEEP : TAG_POP;
	}
	return PASS;
}

/*
 * Sends the frame out of out_port, whose egress word is eg, len bytes long
 * before its tag is put right (an answer's length, not the request's).
 */
static inline __attribute__((always_inline)) int
egress(const struct fab_frame *f, const struct meta *m, struct plan *p, uint16_t len,
       uint16_t out_port, uint16_t eg, struct fab_verdict *v, uint8_t action, int out)
{
	unsigned r = egress_rule(len, m->l2len, eg, f->headroom, &p->tag);

	if (r != PASS)
		return drop(v, r);
	v->action = action;
	v->port = out_port;
	return out;
}

/*
 * Puts the tag as egress() planned it. A tag is pushed into the headroom and
 * popped by moving the addresses, except that a frame that would fall under
 * the Ethernet minimum keeps its length and closes the gap from the tail,
 * ending in zero padding.
 */
/*
 * Sends a frame to the remote VTEP v->port names: without its tag, inside
 * the outer headers for that VTEP in the VNI of the frame's LAN, out of the
 * underlay port. egress_rule() checked the headroom.
 */
static void encap(const struct burst *b, struct fab_frame *f, const struct meta *m,
		  struct fab_verdict *v)
{
	const struct fab_tables *t = b->t;
	uint8_t *d = f->data;
	uint16_t len = f->len;
	struct fab_vxlan_outer o = {.src_mac = t->vtep_mac,
				    .dst_mac = t->nh_mac,
				    .src_ip = t->vtep_ip,
				    .dst_ip = t->ports[v->port].vtep_ip,
				    .vni = t->lans[m->lan].vni};

	if (m->l2len != FAB_ETH_HLEN) {
		memmove(d + FAB_VLAN_HLEN, d, 2 * FAB_ETH_ADDR_LEN);
		d += FAB_VLAN_HLEN;
		len -= FAB_VLAN_HLEN;
	}
	/* Sent to that VTEP, as the member sent it without its tag; the
	 * underlay port counts it again as it leaves, with the outer headers. */
	b->stats[v->port].ctr[FAB_CTR_tx_packets]++;
	b->stats[v->port].ctr[FAB_CTR_tx_unicast]++;
	b->stats[v->port].ctr[FAB_CTR_tx_octets] += len;
	o.sport = fab_vxlan_sport(d, len);
	d -= FAB_VXLAN_OUTER_LEN;
	fab_vxlan_write(d, &o, len);
	f->headroom = (uint16_t)(f->headroom - (f->data - d));
	f->data = d;
	f->len = (uint16_t)(len + FAB_VXLAN_OUTER_LEN);
	v->port = t->underlay;
	v->flags |= FAB_VF_MOVED;
}

static inline void put_tag(const struct burst *b, struct fab_frame *f, const struct meta *m,
			   uint8_t tag, struct fab_verdict *v)
{
	uint8_t *d = f->data;

	if (tag == TAG_VXLAN) {
		encap(b, f, m, v);
		return;
	}
	if (tag == TAG_PUSH) {
		d -= FAB_VLAN_HLEN;
		memmove(d, d + FAB_VLAN_HLEN, 2 * FAB_ETH_ADDR_LEN);
		fab_wr16(d + 2 * FAB_ETH_ADDR_LEN, FAB_ETH_P_8021Q);
		f->data = d;
		f->len += FAB_VLAN_HLEN;
		f->headroom -= FAB_VLAN_HLEN;
		v->flags |= FAB_VF_MOVED;
	}
	if (tag == TAG_PUSH || tag == TAG_SET) {
		fab_wr16(d + FAB_ETH_HLEN, b->t->lans[m->lan].vlan);
	} else if (tag == TAG_POP) {
		if (f->len >= FAB_ETH_MIN_LEN + FAB_VLAN_HLEN) {
			memmove(d + FAB_VLAN_HLEN, d, 2 * FAB_ETH_ADDR_LEN);
			f->data = d + FAB_VLAN_HLEN;
			f->len -= FAB_VLAN_HLEN;
			f->headroom += FAB_VLAN_HLEN;
			v->flags |= FAB_VF_MOVED;
		} else {
			memmove(d + 2 * FAB_ETH_ADDR_LEN, d + 2 * FAB_ETH_ADDR_LEN + FAB_VLAN_HLEN,
				f->len - 2 * FAB_ETH_ADDR_LEN - FAB_VLAN_HLEN);
			memset(d + f->len - FAB_VLAN_HLEN, 0, FAB_VLAN_HLEN);
		}
	}
}

/*
 * Rule 6, unicast by destination MAC: the static MAC table, never a flood.
 * e is the slot of key (the destination's) in the MAC table.
 */
static inline __attribute__((always_inline)) unsigned
forward_rule(const struct burst *b, fab_mac_t dst, uint64_t key, const struct fab_t_ent *e)
{
	if (dst & FAB_MAC_GROUP)
		return dst == FAB_MAC_BROADCAST ? FAB_DROP_broadcast : FAB_DROP_multicast;
	if (e->key != key)
		/* Someone thinks an address is dead (a probe's answer, or a stale
		 * neighbour entry): control checks and corrects. A sponge MAC of 0
		 * means the sponge is off, and 0 is then an unknown MAC like any. */
		return dst == b->t->sponge_mac && dst != 0 ? FAB_DROP_sponge_mac
							   : FAB_DROP_unknown_unicast;
	if (e->port == b->in_port)
		return FAB_DROP_hairpin;
	if (b->oper[e->port] != FAB_OPER_UP)
		return FAB_DROP_dst_port_down;
	return PASS;
}

static int forward(const struct burst *b, const struct fab_frame *f, const struct meta *m,
		   struct fab_verdict *v, struct plan *p)
{
	const struct fab_t_ent *e = &b->t->mac[m->sdst];
	unsigned r = forward_rule(b, m->dst, fab_t_mac_key(m->lan, m->dst), e);

	if (r == FAB_DROP_sponge_mac)
		return drop_punt(v, r);
	/* RFC 7999: the LAN's blackhole MAC is never a provisioned one (the
	 * loader checks), so the fast path leaves frames to it; 0 means none. */
	if (r == FAB_DROP_unknown_unicast && m->dst == b->t->lans[m->lan].bh_mac && m->dst != 0)
		return drop(v, FAB_DROP_blackhole);
	if (r != PASS)
		return drop(v, r);
	/* Each node sends its own members' frames: a remote VTEP's are never relayed. */
	if ((e->egress & FAB_T_VTEP) && b->from_vtep)
		return drop(v, FAB_DROP_vxlan_transit);
	v->src = b->mx;
	v->dst = e->mx;
	return egress(f, m, p, f->len, e->port, e->egress, v, FAB_ACT_FORWARD, OUT_FORWARD);
}

struct neigh_reasons {
	uint16_t dad;
	uint16_t unknown;
	uint16_t owner_down;
};

static const struct neigh_reasons arp_reasons = {FAB_DROP_arp_dad, FAB_DROP_arp_unknown_target,
						 FAB_DROP_arp_owner_down};
static const struct neigh_reasons nd_reasons = {FAB_DROP_nd_dad, FAB_DROP_nd_unknown_target,
						FAB_DROP_nd_owner_down};

/*
 * Decides an ARP request or neighbour solicitation for an address whose
 * owner is binding (NO_BINDING if nobody owns it). Returns OUT_ANSWER when
 * the caller should plan the owner's answer, otherwise the outcome so far
 * (steered to the owner, or dropped).
 *
 * A duplicate-address probe is never answered: an answer would tell the
 * prober its address is taken. If another member owns the address the probe
 * is steered to that owner so it defends it and the misconfigured prober
 * backs off; a probe for the prober's own address or for one nobody owns has
 * no one to defend it, so it is dropped and the prober, hearing nothing,
 * uses its address as it should. Requests for addresses nobody owns, or whose
 * owner is down, are copied to the control process, whose sponge answers
 * them when they become a storm.
 */
static int neigh_request(const struct burst *b, const struct fab_frame *f, const struct meta *m,
			 struct fab_verdict *v, struct plan *p, uint32_t binding, bool probe,
			 const struct neigh_reasons *r)
{
	const struct fab_t_binding *owner;
	int out;

	if (binding == NO_BINDING)
		return probe ? drop(v, r->dad) : drop_punt(v, r->unknown);
	if (binding == b->binding)
		return drop(v, probe ? r->dad : FAB_DROP_hairpin);
	owner = &b->t->bindings[binding];
	if (b->oper[owner->port] != FAB_OPER_UP)
		return drop_punt(v, r->owner_down);
	if (owner->port == b->in_port)
		return drop(v, FAB_DROP_hairpin);
	if (!probe && b->t->lans[m->lan].neigh == FAB_NEIGH_PROXY)
		return OUT_ANSWER;
	if (b->from_vtep && b->t->ports[owner->port].kind == FAB_PORT_VTEP)
		return drop(v, FAB_DROP_vxlan_transit);
	/* Steering: only the owner's port sees the request. The sponge gets a copy
	 * (policed by the dataplane) because an owner can be silent with its port up,
	 * and only the requests show that; not of one the owner's port cannot take. */
	p->mac = owner->mac;
	out = egress(f, m, p, f->len, owner->port, b->t->ports[owner->port].egress, v,
		     FAB_ACT_FORWARD, OUT_STEER);
	if (out == OUT_STEER && b->t->sponge_mac != 0)
		v->flags |= FAB_VF_PUNT;
	return out;
}

/*
 * A request from an address the sponge answers for is its owner speaking
 * again: the sponge must hear it, or the owner stays cut off. A steered
 * request is copied anyway; one the fabric answers itself (an address the
 * sponge also answers for, a proxy LAN) is copied for this alone. A drop
 * after this (storm control, quarantine) replaces the whole verdict.
 */
static inline void answered_sender_speaks(struct fab_verdict *v)
{
	if (v->action == FAB_ACT_REPLY)
		v->flags |= FAB_VF_PUNT;
}

static uint32_t ip4_binding(const struct fab_tables *t, uint16_t lan, uint32_t addr)
{
	uint64_t key = fab_t_ip4_key(lan, addr);
	const struct fab_t_ent *e = fab_t_find(t->ip4, t->ip4_mask, key, fab_t_hash(key));

	return e == NULL ? NO_BINDING : e->binding;
}

static uint32_t ip6_binding(const struct fab_tables *t, uint16_t lan, const uint8_t *addr)
{
	const struct fab_t_ent6 *e = fab_t_find6(t, lan, addr);

	return e == NULL ? NO_BINDING : e->binding;
}

/* Whether the sponge answers for an IPv4 address, 4 bytes as in the frame. */
static bool sponged4(const struct fab_tables *t, const uint8_t *a4)
{
	uint8_t key[FAB_IPV6_ADDR_LEN] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memcpy(key + FAB_IPV6_ADDR_LEN - FAB_IPV4_ADDR_LEN, a4, FAB_IPV4_ADDR_LEN);
	return fab_t_sponged(t, key);
}

/* An answer from mac (the owner's or the sponge's) back to the asker, len bytes once built. */
static int answer(const struct burst *b, const struct fab_frame *f, const struct meta *m,
		  struct fab_verdict *v, struct plan *p, fab_mac_t mac, uint16_t len)
{
	p->mac = mac;
	return egress(f, m, p, len, b->in_port, b->t->ports[b->in_port].egress, v, FAB_ACT_REPLY,
		      OUT_ANSWER);
}

/*
 * Turns an ARP request into the reply of owner, back to the requester (the
 * request's sender hardware address, which arp() checked is m->src).
 */
static void arp_build(struct fab_frame *f, const struct meta *m, fab_mac_t owner)
{
	uint8_t *a = f->data + m->l2len;

	fab_wr_mac(f->data, m->src);
	fab_wr_mac(f->data + FAB_ETH_ADDR_LEN, owner);
	fab_arp_answer(a, owner);
	memset(a + FAB_ARP_LEN, 0, (size_t)(f->len - m->l2len - FAB_ARP_LEN));
}

/*
 * ARP, Ethernet/IPv4 only. The sender must be who the frame says and own
 * the address it claims; a request is steered or answered, never broadcast.
 */
static int arp(struct burst *b, const struct fab_frame *f, const struct meta *m,
	       struct fab_verdict *v, struct plan *p)
{
	const uint8_t *a = f->data + m->l2len;
	const struct fab_t_lan *bh = &b->t->lans[m->lan];
	uint32_t spa, tpa, owner;
	uint16_t op;
	bool probe;
	int out;

	/* Its padding is rewritten in an answer: all of it in the first buffer. */
	if (m->more != 0)
		return drop(v, FAB_DROP_scattered);
	if (f->len - m->l2len < FAB_ARP_LEN ||
	    fab_rd16(a + FAB_ARP_OFF_HTYPE) != FAB_ARP_HTYPE_ETH ||
	    fab_rd16(a + FAB_ARP_OFF_PTYPE) != FAB_ARP_PTYPE_IPV4 ||
	    a[FAB_ARP_OFF_HLEN] != FAB_ETH_ADDR_LEN || a[FAB_ARP_OFF_PLEN] != FAB_ARP_PLEN_IPV4)
		return drop(v, FAB_DROP_arp_malformed);
	op = fab_rd16(a + FAB_ARP_OFF_OP);
	if (op != FAB_ARP_OP_REQUEST && op != FAB_ARP_OP_REPLY)
		return drop(v, FAB_DROP_arp_malformed);
	if (fab_rd_mac(a + FAB_ARP_OFF_SHA) != m->src)
		return drop_punt(v, FAB_DROP_arp_spoof);
	spa = fab_rd32(a + FAB_ARP_OFF_SPA);
	tpa = fab_rd32(a + FAB_ARP_OFF_TPA);
	probe = spa == 0 && op == FAB_ARP_OP_REQUEST;
	if (!probe) {
		if (ip4_binding(b->t, m->lan, spa) != b->binding)
			return drop_punt(v, FAB_DROP_arp_spoof);
		/* An announcement nobody needs to hear, but control learns the owner is alive. */
		if (spa == tpa)
			return drop_punt(v, FAB_DROP_arp_gratuitous);
	}
	if (op == FAB_ARP_OP_REPLY)
		return OUT_L2;
	if ((m->dst & FAB_MAC_GROUP) && m->dst != FAB_MAC_BROADCAST)
		return drop(v, FAB_DROP_multicast);
	if (!probe && bh->bh_mac != 0 && tpa == bh->bh_ip4) {
		out = answer(b, f, m, v, p, bh->bh_mac, f->len);
	} else if (!probe && b->t->nsponged != 0 && sponged4(b->t, a + FAB_ARP_OFF_TPA)) {
		out = answer(b, f, m, v, p, b->t->sponge_mac, f->len);
	} else {
		owner = ip4_binding(b->t, m->lan, tpa);
		out = neigh_request(b, f, m, v, p, owner, probe, &arp_reasons);
		if (out == OUT_ANSWER)
			out = answer(b, f, m, v, p, b->t->bindings[owner].mac, f->len);
	}
	if (!probe && b->t->nsponged != 0 && sponged4(b->t, a + FAB_ARP_OFF_SPA))
		answered_sender_speaks(v);
	return out;
}

/* Finds the link-layer address options; -1 if the options do not parse. */
static int nd_options(const uint8_t *o, uint32_t len, fab_mac_t *sll, fab_mac_t *tll)
{
	*sll = *tll = NO_MAC;
	while (len > 0) {
		uint32_t olen;

		if (len < 2)
			return -1;
		olen = (uint32_t)o[1] * FAB_ND_OPT_UNIT;
		if (olen == 0 || olen > len)
			return -1;
		if (olen == FAB_ND_OPT_LLA_LEN && o[0] == FAB_ND_OPT_SLLA)
			*sll = fab_rd_mac(o + 2);
		else if (olen == FAB_ND_OPT_LLA_LEN && o[0] == FAB_ND_OPT_TLLA)
			*tll = fab_rd_mac(o + 2);
		o += olen;
		len -= olen;
	}
	return 0;
}

/*
 * Link-local addresses (fe80::/10) are in no member database: every router
 * has one, derived as it likes, and solicits from it or advertises it. They
 * are accepted as sources and NA targets; what binds them to the member is
 * the frame's checked source MAC, which any link-layer option must match.
 */
static inline bool ip6_is_link_local(const uint8_t *a)
{
	return (fab_rd16(a) & FAB_IPV6_LL_MASK) == FAB_IPV6_LL_PREFIX;
}

/* A multicast destination ND may use: all-nodes or a solicited-node group, MAC to match. */
static bool nd_group_ok(const uint8_t *dst, fab_mac_t mac)
{
	return (memcmp(dst, ip6_all_nodes, sizeof(ip6_all_nodes)) == 0 ||
		memcmp(dst, ip6_snm_prefix, sizeof(ip6_snm_prefix)) == 0) &&
	       mac == (FAB_MAC_IPV6_MCAST_BASE | fab_rd32(dst + FAB_IPV6_ADDR_LEN - 4));
}

/*
 * Plans the answer of mac to a neighbour solicitation whose ICMPv6 message
 * is at icmp_off from the IPv6 header. The answer is 32 bytes of ICMPv6; a
 * shorter solicitation will grow into the headroom, or is dropped if there
 * is none.
 */
static int nd_answer(const struct burst *b, const struct fab_frame *f, const struct meta *m,
		     struct fab_verdict *v, struct plan *p, fab_mac_t mac, uint32_t icmp_off)
{
	uint16_t need = (uint16_t)(m->l2len + FAB_IPV6_HLEN + FAB_ND_LLA_MSG_LEN);

	if (need > f->len && f->headroom < need - f->len)
		return drop(v, FAB_DROP_no_buffer);
	p->icmp_off = icmp_off;
	return answer(b, f, m, v, p, mac, need);
}

/*
 * Turns a neighbour solicitation into the solicited advertisement of owner
 * (router flag clear, override set since the answer is the owner's own MAC,
 * target link-layer option), growing into the headroom if it must.
 */
static void nd_build(struct fab_frame *f, const struct meta *m, struct fab_verdict *v,
		     fab_mac_t owner, uint32_t icmp_off)
{
	uint16_t need = (uint16_t)(m->l2len + FAB_IPV6_HLEN + FAB_ND_LLA_MSG_LEN);
	struct fab_nd_msg na = {
	    .type = FAB_ICMP6_NA, .flags = FAB_ND_NA_SOLICITED | FAB_ND_NA_OVERRIDE, .lla = owner};
	uint8_t *d = f->data;

	if (need != f->len)
		v->flags |= FAB_VF_MOVED;
	/* Copied before the answer overwrites the solicitation they are in. */
	memcpy(na.target, d + m->l2len + icmp_off + FAB_ND_OFF_TARGET, sizeof(na.target));
	memcpy(na.src, na.target, sizeof(na.src));
	memcpy(na.dst, d + m->l2len + FAB_IPV6_OFF_SRC, sizeof(na.dst));
	if (need > f->len) {
		uint16_t grow = (uint16_t)(need - f->len);

		memmove(d - grow, d, m->l2len);
		d -= grow;
		f->data = d;
		f->headroom = (uint16_t)(f->headroom - grow);
	}
	f->len = need;
	fab_wr_mac(d, m->src);
	fab_wr_mac(d + FAB_ETH_ADDR_LEN, owner);
	fab_nd_write(d + m->l2len, &na);
}

/*
 * Neighbour solicitation and advertisement (RFC 4861), at icmp_off from the
 * IPv6 header and ending at end. Fragmented ND is malformed (RFC 6980).
 */
static int nd(struct burst *b, const struct fab_frame *f, const struct meta *m,
	      struct fab_verdict *v, struct plan *p, uint32_t icmp_off, uint32_t end, bool frag,
	      bool mc)
{
	const uint8_t *ip = f->data + m->l2len, *icmp = ip + icmp_off,
		      *target = icmp + FAB_ND_OFF_TARGET;
	const uint8_t *src = ip + FAB_IPV6_OFF_SRC, *dst = ip + FAB_IPV6_OFF_DST;
	const struct fab_t_lan *bh = &b->t->lans[m->lan];
	uint32_t len = end - icmp_off, owner;
	fab_mac_t sll, tll;
	bool dad;
	int out;

	/* Its checksum covers the whole message, which an answer rewrites. */
	if (m->more != 0)
		return drop(v, FAB_DROP_scattered);
	/* Another node, behind a VTEP or a core link, steers a solicitation as
	 * this one does: to its owner's MAC, still to the target's
	 * solicited-node group (checked below). */
	if (mc && !nd_group_ok(dst, m->dst) &&
	    !(b->from_switch && !(m->dst & FAB_MAC_GROUP) &&
	      icmp[FAB_ICMP6_OFF_TYPE] == FAB_ICMP6_NS))
		return drop(v, FAB_DROP_ipv6_multicast);
	if (frag || ip[FAB_IPV6_OFF_HLIM] != FAB_ND_HOP_LIMIT || icmp[FAB_ICMP6_OFF_CODE] != 0 ||
	    len < FAB_ND_MSG_LEN || target[0] == FAB_IPV6_MCAST ||
	    fab_icmp6_csum(ip, icmp, len) != 0 ||
	    nd_options(icmp + FAB_ND_OFF_OPTS, len - FAB_ND_MSG_LEN, &sll, &tll) != 0)
		return drop(v, FAB_DROP_nd_malformed);
	owner = ip6_binding(b->t, m->lan, target);
	if (icmp[FAB_ICMP6_OFF_TYPE] == FAB_ICMP6_NA) {
		if ((tll != NO_MAC && tll != m->src) ||
		    (owner != b->binding && !ip6_is_link_local(target)))
			return drop_punt(v, FAB_DROP_nd_spoof);
		if (!mc)
			return OUT_L2;
		/* Solicited answers are unicast; to a group the flag is a protocol error. */
		if (icmp[FAB_ND_OFF_FLAGS] & FAB_ND_NA_SOLICITED)
			return drop(v, FAB_DROP_nd_malformed);
		return drop_punt(v, FAB_DROP_nd_unsolicited);
	}
	dad = memcmp(src, ip6_zero, sizeof(ip6_zero)) == 0;
	/* DAD goes to the solicited-node group and carries no link-layer address. */
	if (dad && (sll != NO_MAC || !mc))
		return drop(v, FAB_DROP_nd_malformed);
	if (!dad && ((sll != NO_MAC && sll != m->src) ||
		     (!ip6_is_link_local(src) && ip6_binding(b->t, m->lan, src) != b->binding)))
		return drop_punt(v, FAB_DROP_nd_spoof);
	/* A solicitation to a group goes to its target's group, not all-nodes or another. */
	if (mc && (memcmp(dst, ip6_snm_prefix, sizeof(ip6_snm_prefix)) != 0 ||
		   memcmp(dst + sizeof(ip6_snm_prefix), target + sizeof(ip6_snm_prefix),
			  FAB_IPV6_ADDR_LEN - sizeof(ip6_snm_prefix)) != 0))
		return drop(v, FAB_DROP_nd_malformed);
	if (!dad && bh->bh_has6 && memcmp(target, bh->bh_ip6, sizeof(bh->bh_ip6)) == 0) {
		out = nd_answer(b, f, m, v, p, bh->bh_mac, icmp_off);
	} else if (!dad && b->t->nsponged != 0 && fab_t_sponged(b->t, target)) {
		out = nd_answer(b, f, m, v, p, b->t->sponge_mac, icmp_off);
	} else {
		out = neigh_request(b, f, m, v, p, owner, dad, &nd_reasons);
		if (out == OUT_ANSWER)
			out = nd_answer(b, f, m, v, p, b->t->bindings[owner].mac, icmp_off);
	}
	if (!dad && b->t->nsponged != 0 && fab_t_sponged(b->t, src))
		answered_sender_speaks(v);
	return out;
}

static inline bool port_pair_in(const uint8_t *l4, uint16_t lo)
{
	return (uint16_t)(fab_rd16(l4) - lo) <= 1 || (uint16_t)(fab_rd16(l4 + 2) - lo) <= 1;
}

/* The first byte of an IPv4 header without options, and how far above it an IHL may go. */
#define IPV4_VIHL_MIN (FAB_IPV4_VERSION << 4 | FAB_IPV4_HLEN_MIN / 4)
#define IPV4_IHL_MAX  0x0f

/*
 * IPv4, at ip with avail bytes of frame after the Ethernet header. opts is
 * false on the fast path, which leaves a header with options to the full
 * path: it finds one "truncated" here, a reason it never counts.
 */
static inline __attribute__((always_inline)) unsigned ipv4_rule(const uint8_t *ip, uint32_t avail,
								fab_mac_t dst, bool opts)
{
	uint32_t ihl, tot;
	uint8_t cls;

	if (avail < FAB_IPV4_HLEN_MIN)
		return FAB_DROP_truncated;
	ihl = opts ? (uint32_t)(ip[0] & IPV4_IHL_MAX) * 4 : FAB_IPV4_HLEN_MIN;
	tot = fab_rd16(ip + FAB_IPV4_OFF_LEN);
	/* Version 4 with a header of 5 to 15 words, in one comparison. */
	if ((opts ? (uint8_t)(ip[0] - IPV4_VIHL_MIN) > IPV4_IHL_MAX - FAB_IPV4_HLEN_MIN / 4
		  : ip[0] != IPV4_VIHL_MIN) ||
	    tot < ihl || tot > avail)
		return FAB_DROP_truncated;
	cls = ipv4_proto[ip[FAB_IPV4_OFF_PROTO]];
	if (cls & DROP_CLASS)
		return cls & ~DROP_CLASS;
	/* Only a first fragment carries the ICMP or UDP header; later ones have none to judge. */
	if (cls != P_PASS && (fab_rd16(ip + FAB_IPV4_OFF_FRAG) & FAB_IPV4_FRAG_OFF) == 0) {
		const uint8_t *l4 = ip + ihl;

		if (tot - ihl < FAB_UDP_HLEN) /* == FAB_ICMP_HLEN */
			return FAB_DROP_truncated;
		if (cls == P_ICMP && l4[0] == FAB_ICMP_REDIRECT)
			return FAB_DROP_ipv4_icmp_redirect;
		if (cls == P_UDP && port_pair_in(l4, FAB_UDP_BOOTPS))
			return FAB_DROP_ipv4_dhcp;
	}
	/* The group bit first: a unicast MAC is not in the range, and the fast path knows it. */
	if ((fab_rd32(ip + FAB_IPV4_OFF_DST) & FAB_IPV4_MCAST_MASK) == FAB_IPV4_MCAST_NET ||
	    ((dst & FAB_MAC_GROUP) && (dst & FAB_MAC_IPV4_MCAST_MASK) == FAB_MAC_IPV4_MCAST_BASE))
		return FAB_DROP_ipv4_multicast;
	return PASS;
}

/* Where the IPv6 rules found neighbour discovery, for nd(). */
struct nd_at {
	uint32_t off; /* the ICMPv6 message, from the IPv6 header */
	uint32_t end; /* the end of the IPv6 payload, from the same */
	bool frag;
	bool mc;
};

/*
 * IPv6: walks up to FAB_IPV6_EXT_MAX extension headers so that nothing the
 * rules forbid hides behind them. A non-first fragment carries no upper
 * header: it is judged by its destination alone (multicast dropped, unicast
 * forwarded), since the first fragment, which must hold the whole header
 * chain (RFC 7112) or is dropped as truncated, was judged in full. Returns
 * NEIGH for a neighbour solicitation or advertisement, with where it is.
 * seg is how many of the avail bytes are in the frame's first buffer
 * (fab_frame.more): a header past it is not read, and the frame is
 * dropped as scattered.
 */
static inline __attribute__((always_inline)) unsigned
ipv6_rule(const uint8_t *ip, uint32_t avail, uint32_t seg, fab_mac_t dst, struct nd_at *at)
{
	uint32_t off = FAB_IPV6_HLEN, end;
	bool frag = false, mc;
	uint8_t nh, cls;

	if (avail < FAB_IPV6_HLEN || (ip[0] >> 4) != FAB_IPV6_VERSION)
		return FAB_DROP_truncated;
	end = FAB_IPV6_HLEN + fab_rd16(ip + FAB_IPV6_OFF_PLEN);
	if (end > avail)
		return FAB_DROP_truncated;
	mc = ip[FAB_IPV6_OFF_DST] == FAB_IPV6_MCAST ||
	     ((dst & FAB_MAC_GROUP) && (dst & FAB_MAC_IPV6_MCAST_MASK) == FAB_MAC_IPV6_MCAST_BASE);
	nh = ip[FAB_IPV6_OFF_NH];
	cls = ipv6_proto[nh];
	for (int n = 0; cls == P_EXT; n++) {
		const uint8_t *h = ip + off;
		uint32_t hlen;

		if (n == FAB_IPV6_EXT_MAX)
			return FAB_DROP_ipv6_ext_chain;
		if (off + FAB_IPV6_EXT_HLEN_MIN > end)
			return FAB_DROP_truncated;
		if (unlikely(off + FAB_IPV6_EXT_HLEN_MIN > seg))
			return FAB_DROP_scattered;
		if (nh == FAB_IPPROTO_FRAGMENT) {
			if (fab_rd16(h + 2) & FAB_IPV6_FRAG_OFF)
				return mc ? FAB_DROP_ipv6_multicast : PASS;
			frag = true;
			hlen = FAB_IPV6_FRAG_HLEN;
		} else {
			hlen = nh == FAB_IPPROTO_AH ? ((uint32_t)h[1] + 2) * 4
						    : ((uint32_t)h[1] + 1) * 8;
		}
		if (off + hlen > end)
			return FAB_DROP_truncated;
		nh = h[0];
		off += hlen;
		cls = ipv6_proto[nh];
	}
	if (cls & DROP_CLASS)
		return cls & ~DROP_CLASS;
	if (cls == P_ICMP) {
		uint8_t t;

		if (off + FAB_ICMP6_HLEN > end)
			return FAB_DROP_truncated;
		/* Behind an extension chain, which FAB_SEG_MIN does not cover. */
		if (unlikely(off + FAB_ICMP6_HLEN > seg))
			return FAB_DROP_scattered;
		t = icmp6_type[ip[off + FAB_ICMP6_OFF_TYPE]];
		if (t & DROP_CLASS)
			return t & ~DROP_CLASS;
		if (t == ICMP6_ND) {
			*at = (struct nd_at){.off = off, .end = end, .frag = frag, .mc = mc};
			return NEIGH;
		}
	} else if (cls == P_UDP) {
		if (off + FAB_UDP_HLEN > end)
			return FAB_DROP_truncated;
		if (unlikely(off + FAB_UDP_HLEN > seg))
			return FAB_DROP_scattered;
		if (port_pair_in(ip + off, FAB_UDP_DHCP6_CLIENT))
			return FAB_DROP_ipv6_dhcp;
	}
	return mc ? FAB_DROP_ipv6_multicast : PASS;
}

/*
 * Rules 4 and 5: the EtherType's class (*ec), then the protocol's own rules
 * on the bytes after the Ethernet header and tag. NEIGH for ARP, and for
 * ND (where *at says), which arp() and nd() decide with the tables.
 */
static inline __attribute__((always_inline)) unsigned
l3_rule(const uint8_t *etypes, uint16_t etype, const uint8_t *l3, uint32_t avail, uint32_t seg,
	fab_mac_t dst, bool opts, uint8_t *ec, struct nd_at *at)
{
	*ec = etypes[etype];
	if (*ec == FAB_EC_IPV4)
		return ipv4_rule(l3, avail, dst, opts);
	if (*ec == FAB_EC_IPV6)
		return ipv6_rule(l3, avail, seg, dst, at);
	if (*ec == FAB_EC_ARP)
		return NEIGH;
	return *ec == FAB_EC_OTHER ? PASS : *ec & ~FAB_EC_DROP;
}

/*
 * Rule 8, the last two, on a frame the fabric would otherwise act on: a
 * broadcast ARP or multicast IPv6 frame over its port's storm rate, and
 * anything at all from a port in quarantine, are dropped. Storm tokens are
 * spent only on frames that pass every other rule, so that a flood of
 * frames dropped anyway does not starve the port's legitimate requests.
 */
static inline __attribute__((always_inline)) unsigned admit_rule(struct burst *b, fab_mac_t dst,
								 uint8_t ec, bool quarantine)
{
	if ((dst & FAB_MAC_GROUP) && b->storm != NULL && (ec == FAB_EC_ARP || ec == FAB_EC_IPV6)) {
		unsigned k = ec == FAB_EC_ARP ? FAB_STORM_ARP : FAB_STORM_ND;
		const struct fab_rate *r = &b->t->ports[b->in_port].storm[k];
		struct fab_bucket *bk = &b->storm[k];

		if (bk->rate != r->pps ||
		    bk->cap != (uint64_t)(r->burst ? r->burst : 1) * FAB_BUCKET_UNIT)
			fab_bucket_init(bk, r->pps, r->burst, b->now);
		if (!fab_bucket_take(bk, b->now))
			return FAB_DROP_storm;
	}
	return quarantine ? FAB_DROP_quarantine : PASS;
}

/* Rule 3: a group destination, or EDP's unicast one, of a link-local protocol. */
static inline __attribute__((always_inline)) unsigned group_rule(fab_mac_t dst)
{
	if (dst == FAB_MAC_EDP) /* unicast, so none of the others */
		return FAB_DROP_edp;
	if (dst & FAB_MAC_GROUP) {
		if ((dst & FAB_MAC_IEEE_LL_MASK) == FAB_MAC_IEEE_LL_BASE)
			return FAB_DROP_link_local;
		if (dst == FAB_MAC_CISCO_CDP || dst == FAB_MAC_CISCO_PVST)
			return FAB_DROP_cisco_discovery;
	}
	return PASS;
}

/* Rule 2: the source MAC, whose MAC-table slot is e, is provisioned on in_port and its LAN. */
static inline __attribute__((always_inline)) unsigned src_rule(const struct fab_t_ent *e,
							       uint64_t key, uint16_t in_port)
{
	return e->key != key || e->port != in_port ? FAB_DROP_src_mac_violation : PASS;
}

/*
 * Carries out what the rules planned for a frame they all let through: the
 * only place the full path writes to a frame.
 */
static void apply(const struct burst *b, struct fab_frame *f, const struct meta *m,
		  const struct plan *p, struct fab_verdict *v, uint8_t ec, int out)
{
	if (out == OUT_STEER)
		fab_wr_mac(f->data, p->mac);
	else if (out == OUT_ANSWER && ec == FAB_EC_ARP)
		arp_build(f, m, p->mac);
	else if (out == OUT_ANSWER)
		nd_build(f, m, v, p->mac, p->icmp_off);
	put_tag(b, f, m, p->tag, v);
}

/*
 * The decision pass of the full path, rules 2 to 8 in their order, then
 * apply() edits.
 */
static int decide(struct burst *b, struct fab_frame *f, const struct meta *m, struct fab_verdict *v)
{
	const struct fab_tables *t = b->t;
	const struct fab_t_ent *e = &t->mac[m->ssrc];
	struct nd_at at;
	struct plan p;
	unsigned r;
	uint8_t ec;
	int out;

	r = src_rule(e, fab_t_mac_key(m->lan, m->src), b->in_port);
	/* A remote VTEP sends only what the database places behind it. */
	if (r != PASS)
		return drop(v, b->from_vtep ? FAB_DROP_vxlan_src_mac : r);
	b->binding = e->binding;
	b->mx = e->mx;
	r = group_rule(m->dst);
	if (r != PASS)
		return drop(v, r);
	r = l3_rule(t->etype, m->etype, f->data + m->l2len, (uint32_t)(f->len - m->l2len),
		    (uint32_t)(f->len - m->more - m->l2len), m->dst, true, &ec, &at);
	if (r == NEIGH && ec == FAB_EC_ARP)
		out = arp(b, f, m, v, &p);
	else if (r == NEIGH)
		out = nd(b, f, m, v, &p, at.off, at.end, at.frag, at.mc);
	else if (r != PASS)
		return drop(v, r);
	else
		out = OUT_L2;
	if (out == OUT_L2)
		out = forward(b, f, m, v, &p);
	if (out == OUT_DROP)
		return out;
	r = admit_rule(b, m->dst, ec, t->lans[m->lan].kind == FAB_LAN_QUARANTINE);
	/* A copy tells control what the port sends, for the quarantine report. */
	if (r == FAB_DROP_quarantine)
		return drop_punt(v, r);
	if (r != PASS)
		return drop(v, r);
	apply(b, f, m, &p, v, ec, out);
	return out;
}

/* The EtherType class of every tag's TPID (tables.c): after a first tag, a second. */
#define QINQ (FAB_EC_DROP | FAB_DROP_vlan_double_tag)

/*
 * Rule 1 after the size: the frame's tag on a port of this mode (the
 * port's, a constant on the fast path), which sets the frame's LAN, header
 * length and EtherType in m.
 */
static inline __attribute__((always_inline)) unsigned
vlan_rule(const uint8_t *etype, const struct fab_t_lan *lans, const struct fab_t_port *p,
	  uint8_t mode, const uint8_t *d, uint32_t len, struct meta *m)
{
	uint16_t outer = fab_rd16(d + FAB_ETH_OFF_TYPE);
	/* Every TPID is classed QINQ (tables.c): one look tells an untagged frame. */
	bool tpid = etype[outer] == QINQ;

	m->etype = outer;
	if (tpid && outer == FAB_ETH_P_8021Q) {
		if (len > p->max_len[1])
			return FAB_DROP_oversize;
		if (mode != FAB_PORT_TRUNK)
			return FAB_DROP_vlan_tagged_on_access;
		m->etype = fab_rd16(d + FAB_ETH_HLEN + 2);
		if (etype[m->etype] == QINQ)
			return FAB_DROP_vlan_double_tag;
		m->lan = p->vlan2lan[fab_rd16(d + FAB_ETH_HLEN) & FAB_VLAN_VID_MASK];
		if (m->lan == FAB_T_NO_LAN)
			return FAB_DROP_vlan_not_allowed;
		/* The jumbo LAN's frames beside the 1500 one's on a trunk. */
		if (len > lans[m->lan].max_len)
			return FAB_DROP_oversize;
		m->l2len = FAB_ETH_HLEN + FAB_VLAN_HLEN;
		return PASS;
	}
	if (len > p->max_len[0])
		return FAB_DROP_oversize;
	/* An 802.1ad or pre-standard outer tag is QinQ whatever the port. */
	if (tpid)
		return FAB_DROP_vlan_double_tag;
	if (mode == FAB_PORT_TRUNK)
		return FAB_DROP_vlan_untagged_on_trunk;
	m->lan = p->access_lan;
	m->l2len = FAB_ETH_HLEN;
	return PASS;
}

/*
 * Parse pass for one frame of at least FAB_ETH_MIN_LEN bytes whose addresses
 * are in m: size and VLAN checks, then the MAC-table keys, whose slots are
 * prefetched for the decision pass. Returns OUT_DROP or OUT_L2.
 */
static int parse(const struct fab_tables *t, const struct fab_t_port *p, struct fab_frame *f,
		 struct meta *m, struct fab_verdict *v)
{
	unsigned r;

	if (unlikely(m->more != 0 && f->len - m->more < FAB_SEG_MIN))
		return drop(v, FAB_DROP_scattered);
	r = vlan_rule(t->etype, t->lans, p, p->mode, f->data, f->len, m);
	if (r != PASS)
		return drop(v, r);
	m->ssrc = fab_t_mac_slot(t, fab_t_mac_key(m->lan, m->src));
	m->sdst = fab_t_mac_slot(t, fab_t_mac_key(m->lan, m->dst));
	__builtin_prefetch(&t->mac[m->ssrc]);
	__builtin_prefetch(&t->mac[m->sdst]);
	return OUT_L2;
}

/*
 * The fast path's frame for a remote VTEP (egress word eg), from an access
 * port on LAN lan, its forward in v: encapsulated as the full path does, if
 * it fits the VTEP's MTU and its buffer's headroom; false leaves it to the
 * full path, v and the frame untouched.
 */
static __attribute__((noinline)) bool fast_encap(const struct burst *b, struct fab_frame *f,
						 uint16_t lan, uint16_t eg, struct fab_verdict *v)
{
	struct meta m = {.l2len = FAB_ETH_HLEN, .lan = lan};
	uint8_t tag;

	if (egress_rule(f->len, FAB_ETH_HLEN, eg, f->headroom, &tag) != PASS || tag != TAG_VXLAN)
		return false;
	encap(b, f, &m, v);
	return true;
}

/*
 * The fast path: the full path's rules, specialised. For a port whose
 * fab_t_port.fast flag is set (an access port outside quarantine) it calls
 * the same rule functions with the constants that flag makes true: an
 * access port, an untagged frame, a 14-byte header, no quarantine, and no
 * headroom, since it never pushes a tag. It takes a frame only when every
 * rule lets it through and the plan leaves it unedited (a forward by
 * destination MAC to an access port), writing its FORWARD verdict; every
 * other frame, one that any rule drops, ARP and ND, a frame to a trunk, is
 * left to the full path, which decides it from scratch. A rule added to
 * those functions is therefore applied here too: the fast path cannot
 * forward what the full rules drop. It may leave more than it must, which
 * is always safe: it leaves a group destination before asking any rule
 * (none forwards one unedited) and IPv4 with options (opts false).
 *
 * Two loops over the burst, so that each keeps what it needs in registers:
 * the first applies the rules that need no MAC lookup and keeps the keys of
 * the frames that pass, the second looks both keys up and applies the rest.
 * Returns the mask of the frames left to the full path, and adds the length
 * of those taken to *octets.
 *
 * With afi (fab_pipeline_ctx.afi; NULL or not in each instance, so that the
 * path without it has not one instruction more), the first loop writes
 * each frame's EtherType class, which is its family in the traffic matrix
 * if it is taken: it leaves unedited and untagged.
 */
static inline __attribute__((always_inline)) uint64_t
fast_pass_body(const struct burst *bp, const struct fab_t_port *p, struct fab_frame *frames,
	       struct fab_verdict *verdicts, uint16_t n, uint64_t *octets, bool segmented,
	       uint8_t *afi)
{
	struct burst b = *bp;              /* a copy the verdicts' stores cannot alias */
	const struct fab_t_port port = *p; /* the same, for the port's fields */
	const struct fab_tables *t = b.t;
	const uint8_t *etypes = t->etype;
	/* The MAC-table keys, LAN included: the second loop holds one register less. */
	uint64_t src_key[FAB_BURST_MAX], dst_key[FAB_BURST_MAX];
	uint16_t cand_len[FAB_BURST_MAX];
	uint64_t left = 0, sum = 0, todo;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = frames[i].data;
		uint32_t len = frames[i].len;
		struct nd_at at;
		struct meta m;
		uint8_t ec;

		/* A frame in several buffers is a jumbo frame, rare enough for the full path. */
		if (unlikely(len < FAB_ETH_MIN_LEN || (segmented && frames[i].more != 0)))
			goto leave;
		/* Nothing to a group is forwarded unedited: ARP and ND are steered or answered. */
		if (unlikely(d[0] & FAB_MAC_GROUP_BYTE0))
			goto leave;
		m.dst = fab_rd_mac_wide(d);
		m.dst &= ~FAB_MAC_GROUP; /* no change: says so to the compiler, for the rules */
		/* The outer EtherType: a tag's class (QINQ) is a drop, so not PASS. The
		 * drop bit tested again, which l3_rule's PASS already rules out, says so
		 * to the compiler: vlan_rule's tag tests then fold away. */
		if (unlikely(l3_rule(etypes, fab_rd16(d + FAB_ETH_OFF_TYPE), d + FAB_ETH_HLEN,
				     len - FAB_ETH_HLEN, len - FAB_ETH_HLEN, m.dst, false, &ec,
				     &at) != PASS ||
			     (ec & FAB_EC_DROP)))
			goto leave;
		if (unlikely(vlan_rule(etypes, t->lans, &port, FAB_PORT_ACCESS, d, len, &m) !=
			     PASS))
			goto leave;
		if (unlikely(group_rule(m.dst) != PASS))
			goto leave;
		/* Ahead of the lookups, which the fast path may: it never spends a storm
		 * token, as that needs a group destination. */
		if (unlikely(admit_rule(&b, m.dst, ec, false) != PASS))
			goto leave;
		dst_key[i] = fab_t_mac_key(port.access_lan, m.dst);
		src_key[i] = fab_t_mac_key(port.access_lan, fab_rd_mac_wide(d + FAB_ETH_ADDR_LEN));
		cand_len[i] = (uint16_t)len;
		if (afi != NULL)
			afi[i] = ec;
		continue;
	leave:
		left |= 1ULL << i;
	}

	const struct fab_t_ent *mac = t->mac;
	const uint32_t *disp = t->mac_disp;
	const uint64_t mult = t->mac_mult;
	const uint32_t mask = t->mac_mask;
	const unsigned bshift = t->mac_bshift;

	todo = ~left & (n == 64 ? UINT64_MAX : (1ULL << n) - 1);
	for (; todo != 0; todo &= todo - 1) {
		unsigned i = (unsigned)__builtin_ctzll(todo);
		uint32_t len = cand_len[i];
		uint64_t key = src_key[i];
		const struct fab_t_ent *e;
		fab_mac_t dst;
		uint32_t src;
		uint8_t tag;

		/* fab_t_mac_slot, twice, with the table's fields at hand. */
		e = &mac[fab_t_mac_slot_by(mult, disp, bshift, mask, key)];
		if (unlikely(src_rule(e, key, b.in_port) != PASS))
			goto miss;
		src = e->mx;
		/* The first loop left every group destination. */
		key = dst_key[i];
		dst = fab_t_mac_of_key(key) & ~FAB_MAC_GROUP;
		e = &mac[fab_t_mac_slot_by(mult, disp, bshift, mask, key)];
		if (unlikely(forward_rule(&b, dst, key, e) != PASS))
			goto miss;
		verdicts[i] = (struct fab_verdict){
		    .action = FAB_ACT_FORWARD, .port = e->port, .src = (uint16_t)src, .dst = e->mx};
		if (unlikely(egress_rule(len, FAB_ETH_HLEN, e->egress, 0, &tag) != PASS ||
			     tag != TAG_KEEP)) {
			/* To a remote VTEP: encapsulated here, as the full path does. */
			if (!(e->egress & FAB_T_VTEP) ||
			    !fast_encap(&b, &frames[i], port.access_lan, e->egress, &verdicts[i]))
				goto miss;
		}
		sum += len;
		continue;
	miss:
		left |= 1ULL << i;
	}
	*octets += sum;
	return left;
}

/*
 * The fast path for a burst whose frames are each in one buffer, the
 * common case, which never reads fab_frame.more; and for one that may hold
 * frames in several (fab_pipeline_ctx.segmented), which leaves those. Each
 * without the families for the traffic matrix and with them (afi).
 */
static __attribute__((noinline)) uint64_t
fast_pass(const struct burst *bp, const struct fab_t_port *p, struct fab_frame *frames,
	  struct fab_verdict *verdicts, uint16_t n, uint64_t *octets)
{
	return fast_pass_body(bp, p, frames, verdicts, n, octets, false, NULL);
}

static __attribute__((noinline)) uint64_t
fast_pass_segmented(const struct burst *bp, const struct fab_t_port *p, struct fab_frame *frames,
		    struct fab_verdict *verdicts, uint16_t n, uint64_t *octets)
{
	return fast_pass_body(bp, p, frames, verdicts, n, octets, true, NULL);
}

static __attribute__((noinline, nonnull)) uint64_t
fast_pass_afi(const struct burst *bp, const struct fab_t_port *p, struct fab_frame *frames,
	      struct fab_verdict *verdicts, uint16_t n, uint64_t *octets, uint8_t *afi)
{
	return fast_pass_body(bp, p, frames, verdicts, n, octets, false, afi);
}

static __attribute__((noinline, nonnull)) uint64_t
fast_pass_segmented_afi(const struct burst *bp, const struct fab_t_port *p,
			struct fab_frame *frames, struct fab_verdict *verdicts, uint16_t n,
			uint64_t *octets, uint8_t *afi)
{
	return fast_pass_body(bp, p, frames, verdicts, n, octets, true, afi);
}

/* The per-reason side of a drop: rare, so written straight to the counters. */
static void count_drop(struct fab_port_stats *st, const struct meta *m, const struct fab_verdict *v,
		       uint64_t now)
{
	st->drop[v->reason]++;
	st->ctr[FAB_CTR_rx_errors] += drop_class[v->reason] == FAB_DROP_CLASS_ERROR;
	st->ctr[FAB_CTR_punted] += v->flags & FAB_VF_PUNT;
	if (drop_class[v->reason] == FAB_DROP_CLASS_OFFENCE) {
		st->last_offender_mac = m->src;
		st->last_offender_ethertype = m->etype;
		st->last_offender_time = now;
		st->last_offender_reason = v->reason;
	}
}

static void run_chunk(struct fab_pipeline_ctx *ctx, uint16_t in_port, struct fab_frame *frames,
		      struct fab_verdict *verdicts, uint16_t n)
{
	struct burst b = {.t = ctx->t,
			  .oper = ctx->oper,
			  .storm =
			      ctx->storm ? ctx->storm + (size_t)in_port * FAB_STORM__COUNT : NULL,
			  .stats = ctx->stats,
			  .now = ctx->now,
			  .in_port = in_port,
			  .from_vtep = ctx->t->ports[in_port].kind == FAB_PORT_VTEP,
			  .from_switch = ctx->t->ports[in_port].kind == FAB_PORT_VTEP ||
					 ctx->t->ports[in_port].kind == FAB_PORT_CORE};
	const struct fab_t_port *p = &b.t->ports[in_port];
	struct fab_port_stats *st = &ctx->stats[in_port];
	bool down = ctx->oper[in_port] != FAB_OPER_UP;
	uint64_t cls[FAB_MAC_NO_CLASS + 1] = {0}, outs[OUT_L2 + 1] = {0}, octets = 0;
	uint64_t todo = 0, full = n == 64 ? UINT64_MAX : (1ULL << n) - 1;
	struct meta meta[FAB_BURST_MAX];

	if (p->fast && !down && !ctx->full_rules) {
		uint64_t left;

		if (ctx->afi != NULL)
			left = ctx->segmented
				   ? fast_pass_segmented_afi(&b, p, frames, verdicts, n, &octets,
							     ctx->afi)
				   : fast_pass_afi(&b, p, frames, verdicts, n, &octets, ctx->afi);
		else
			left = ctx->segmented
				   ? fast_pass_segmented(&b, p, frames, verdicts, n, &octets)
				   : fast_pass(&b, p, frames, verdicts, n, &octets);
		uint64_t taken = (uint64_t)(n - __builtin_popcountll(left));

		/* Most bursts leave nothing: all forwarded, all unicast. */
		if (left == 0) {
			st->ctr[FAB_CTR_rx_packets] += n;
			st->ctr[FAB_CTR_rx_octets] += octets;
			st->ctr[FAB_CTR_rx_unicast] += n;
			st->ctr[FAB_CTR_forwarded] += n;
			return;
		}

		cls[0] += taken;
		outs[OUT_FORWARD] += taken;
		full = left;
	}
	for (; full != 0; full &= full - 1) {
		unsigned i = (unsigned)__builtin_ctzll(full);
		struct fab_frame *f = &frames[i];
		struct fab_verdict *v = &verdicts[i];
		struct meta *m = &meta[i];
		const uint8_t *d = f->data;
		int out;

		*v = (struct fab_verdict){.action = FAB_ACT_DROP};
		m->more = ctx->segmented ? f->more : 0;
		octets += f->len;
		if (__builtin_expect(f->len >= FAB_ETH_MIN_LEN, 1)) {
			m->dst = fab_rd_mac_wide(d);
			m->src = fab_rd_mac_wide(d + FAB_ETH_ADDR_LEN);
			m->etype = 0;
			cls[fab_mac_class(m->dst)]++;
			out = down ? drop(v, FAB_DROP_port_down) : parse(b.t, p, f, m, v);
		} else {
			cls[fab_frame_class(d, f->len)]++;
			m->src =
			    f->len >= 2 * FAB_ETH_ADDR_LEN ? fab_rd_mac(d + FAB_ETH_ADDR_LEN) : 0;
			m->etype = 0;
			out = drop(v, down ? FAB_DROP_port_down : FAB_DROP_runt);
		}
		if (out == OUT_DROP) {
			outs[OUT_DROP]++;
			count_drop(st, m, v, ctx->now);
		} else {
			todo |= 1ULL << i;
		}
	}
	for (; todo != 0; todo &= todo - 1) {
		unsigned i = (unsigned)__builtin_ctzll(todo);
		int out;

		out = decide(&b, &frames[i], &meta[i], &verdicts[i]);
		outs[out]++;
		if (out == OUT_DROP)
			count_drop(st, &meta[i], &verdicts[i], ctx->now);
		else
			st->ctr[FAB_CTR_punted] += verdicts[i].flags & FAB_VF_PUNT;
		/* As it leaves: a frame sent to a VTEP, as its member sent it. */
		if (ctx->afi != NULL && out == OUT_FORWARD)
			ctx->afi[i] = (uint8_t)fab_mx_afi_of(
			    frames[i].data +
			    (verdicts[i].port == b.t->underlay ? FAB_VXLAN_OUTER_LEN : 0));
	}
	st->ctr[FAB_CTR_rx_packets] += n;
	st->ctr[FAB_CTR_rx_octets] += octets;
	for (int c = 0; c < FAB_MAC_NO_CLASS; c++)
		st->ctr[FAB_CTR_rx_unicast + c] += cls[c];
	st->ctr[FAB_CTR_rx_discards] += outs[OUT_DROP];
	st->ctr[FAB_CTR_forwarded] += outs[OUT_FORWARD];
	st->ctr[FAB_CTR_steered] += outs[OUT_STEER];
	st->ctr[FAB_CTR_answered] += outs[OUT_ANSWER];
}

/*
 * The frame at f, VXLAN in the LAN lan, becomes its inner frame as a VTEP
 * port receives it: tagged with the LAN's VLAN, as on a trunk, its tag
 * written where the outer headers end. An inner frame under the Ethernet
 * minimum (a sender need not pad it) is moved further into the outer
 * headers and padded with zeros to the minimum, within the received bytes.
 */
static void decap(const struct fab_tables *t, struct fab_frame *f, uint16_t lan, uint16_t inner_len)
{
	uint8_t *in = f->data + FAB_VXLAN_OUTER_LEN;
	uint32_t pad = inner_len + FAB_VLAN_HLEN < FAB_ETH_MIN_LEN
			   ? FAB_ETH_MIN_LEN - inner_len - FAB_VLAN_HLEN
			   : 0;
	uint8_t *d = in - FAB_VLAN_HLEN - pad;

	memmove(d, in, 2 * FAB_ETH_ADDR_LEN);
	fab_wr16(d + 2 * FAB_ETH_ADDR_LEN, FAB_ETH_P_8021Q);
	fab_wr16(d + FAB_ETH_HLEN, t->lans[lan].vlan);
	if (pad != 0) {
		memmove(d + 2 * FAB_ETH_ADDR_LEN + FAB_VLAN_HLEN, in + 2 * FAB_ETH_ADDR_LEN,
			inner_len - 2 * FAB_ETH_ADDR_LEN);
		memset(d + FAB_VLAN_HLEN + inner_len, 0, pad);
	}
	f->headroom = (uint16_t)(f->headroom + (d - f->data));
	f->data = d;
	f->len = (uint16_t)(inner_len + FAB_VLAN_HLEN + pad);
}

/* Turns an ARP request for this node's VTEP into its reply, in place. */
static void underlay_arp_answer(const struct fab_tables *t, struct fab_frame *f)
{
	uint8_t *d = f->data;

	fab_wr_mac(d, fab_rd_mac(d + FAB_ETH_OFF_SRC));
	fab_wr_mac(d + FAB_ETH_OFF_SRC, t->vtep_mac);
	fab_arp_answer(d + FAB_ETH_HLEN, t->vtep_mac);
}

/*
 * The underlay port's burst: every frame is VXLAN for this node's VTEP, an
 * ARP request for its address, or a drop, counted on the underlay port. A
 * VXLAN frame from a configured VTEP in a VNI of a LAN that VTEP's port
 * carries is counted as decapsulated there and decided by the rules as
 * received on that VTEP port, with the frames of the same VTEP in one
 * chunk; every verdict of such a frame carries FAB_VF_MOVED, since it is
 * no longer where it was received, dropped or not.
 */
static void underlay_run(struct fab_pipeline_ctx *ctx, uint16_t in_port, struct fab_frame *frames,
			 struct fab_verdict *verdicts, uint16_t n)
{
	const struct fab_tables *t = ctx->t;
	struct fab_port_stats *st = &ctx->stats[in_port];
	bool down = ctx->oper[in_port] != FAB_OPER_UP;
	uint64_t cls[FAB_MAC_NO_CLASS + 1] = {0}, octets = 0, todo = 0, answered = 0, drops = 0;
	uint16_t vtep[FAB_BURST_MAX];

	for (unsigned i = 0; i < n; i++) {
		struct fab_frame *f = &frames[i];
		struct fab_verdict *v = &verdicts[i];
		struct fab_vxlan_in in;
		enum fab_vxlan_rx rx;
		struct meta m = {.src = f->len >= 12 ? fab_rd_mac(f->data + FAB_ETH_OFF_SRC) : 0};
		uint16_t lan, more;

		octets += f->len;
		cls[fab_frame_class(f->data, f->len)]++;
		more = ctx->segmented ? f->more : 0;
		if (down || unlikely(more != 0 && f->len - more < FAB_SEG_MIN)) {
			rx = FAB_VXLAN_RX_DROP;
			in.reason = down ? FAB_DROP_port_down : FAB_DROP_scattered;
		} else {
			rx = fab_vxlan_classify(f->data, f->len, t->vtep_ip, t->vtep_mac, &in);
		}
		/* A frame in several buffers is VXLAN carrying a jumbo frame, or
		 * nothing: its inner frame runs to its end (a tail past the first
		 * buffer cannot be cut off). */
		if (unlikely(more != 0) && rx != FAB_VXLAN_RX_DROP &&
		    (rx != FAB_VXLAN_RX_DECAP || in.inner_len + FAB_VXLAN_OUTER_LEN != f->len)) {
			rx = FAB_VXLAN_RX_DROP;
			in.reason = FAB_DROP_scattered;
		}
		if (rx == FAB_VXLAN_RX_DECAP) {
			vtep[i] = fab_t_pair_find(t->ip2vtep, t->nvteps, in.src_ip);
			lan = fab_t_pair_find(t->vni2lan, t->nvni, in.vni);
			if (vtep[i] == FAB_T_NO_PORT) {
				rx = FAB_VXLAN_RX_DROP;
				in.reason = FAB_DROP_vxlan_unknown_vtep;
			} else if (lan == FAB_T_NO_LAN ||
				   t->ports[vtep[i]].vlan2lan[t->lans[lan].vlan] != lan) {
				rx = FAB_VXLAN_RX_DROP;
				in.reason = FAB_DROP_vxlan_unknown_vni;
			} else {
				decap(t, f, lan, in.inner_len);
				todo |= 1ULL << i;
				continue;
			}
		}
		if (rx == FAB_VXLAN_RX_ARP) {
			underlay_arp_answer(t, f);
			*v = (struct fab_verdict){.action = FAB_ACT_REPLY, .port = in_port};
			answered++;
			continue;
		}
		drop(v, in.reason);
		count_drop(st, &m, v, ctx->now);
		drops++;
	}
	st->ctr[FAB_CTR_rx_packets] += n;
	st->ctr[FAB_CTR_rx_octets] += octets;
	for (int c = 0; c < FAB_MAC_NO_CLASS; c++)
		st->ctr[FAB_CTR_rx_unicast + c] += cls[c];
	st->ctr[FAB_CTR_rx_discards] += drops;
	st->ctr[FAB_CTR_answered] += answered;
	st->ctr[FAB_CTR_decapsulated] += (uint64_t)__builtin_popcountll(todo);
	/* One chunk per sending VTEP, in the order their first frames came. */
	while (todo != 0) {
		struct fab_frame sub[FAB_BURST_MAX];
		struct fab_verdict sv[FAB_BURST_MAX];
		uint8_t idx[FAB_BURST_MAX], safi[FAB_BURST_MAX], *afi = ctx->afi;
		uint16_t k = 0, port = vtep[__builtin_ctzll(todo)];

		for (uint64_t left = todo; left != 0; left &= left - 1) {
			unsigned i = (unsigned)__builtin_ctzll(left);

			if (vtep[i] != port)
				continue;
			idx[k] = (uint8_t)i;
			/* Kept for a frame that is not forwarded. */
			if (afi != NULL)
				safi[k] = afi[i];
			sub[k++] = frames[i];
			todo &= ~(1ULL << i);
		}
		ctx->afi = afi != NULL ? safi : NULL;
		run_chunk(ctx, port, sub, sv, k);
		ctx->afi = afi;
		for (uint16_t j = 0; j < k; j++) {
			if (afi != NULL)
				afi[idx[j]] = safi[j];
			frames[idx[j]] = sub[j];
			frames[idx[j]].port = port;
			verdicts[idx[j]] = sv[j];
			verdicts[idx[j]].flags |= FAB_VF_MOVED;
		}
	}
}

void fab_pipeline_run(struct fab_pipeline_ctx *ctx, uint16_t in_port, struct fab_frame *frames,
		      struct fab_verdict *verdicts, uint16_t n)
{
	/* A port the tables do not know has no counters to write: drop, count nothing. */
	if (in_port >= ctx->t->nports) {
		for (uint16_t i = 0; i < n; i++)
			drop(&verdicts[i], FAB_DROP_port_down);
		return;
	}
	/* Callers may pass more than a burst; decide it a burst at a time. */
	for (uint32_t i = 0; i < n; i += FAB_BURST_MAX) {
		uint16_t k = (uint16_t)(n - i < FAB_BURST_MAX ? n - i : FAB_BURST_MAX);
		uint8_t *afi = ctx->afi;

		/* The chunk's families from its first frame's on. */
		if (afi != NULL)
			ctx->afi = afi + i;
		if (in_port == ctx->t->underlay)
			underlay_run(ctx, in_port, frames + i, verdicts + i, k);
		else
			run_chunk(ctx, in_port, frames + i, verdicts + i, k);
		ctx->afi = afi;
	}
}
