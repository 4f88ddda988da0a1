/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * XDP pre-filter for ports the dataplane drives through net_af_xdp.
 *
 * It runs the first, cheap checks of the fabric pipeline in the driver, so a
 * flood of forbidden frames is dropped before it is copied into DPDK. It is
 * only an accelerator: it drops a frame only when the pipeline would surely
 * drop it under the same reason, and passes anything it cannot decide (VLAN
 * errors, oversize or truncated frames, rules needing the member database
 * beyond source MACs) on to the pipeline, which checks every frame again.
 * Its checks follow the full path's rule order (fabric/pipeline.c, not the
 * order of FAB_DROP_REASONS): port_down, runt, the tag, the source MAC, the
 * destination MAC (link_local, cisco_discovery, edp: no frame matches two),
 * the EtherType, then the IPv4 and IPv6 protocol rules; where the pipeline
 * would check oversize or a VLAN error first, it passes the frame on.
 *
 * Every constant comes from fabric/proto.h, and drop counters are indexed by
 * enum fab_drop_reason, so the two filters cannot disagree on a number.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdp_shared.h"

/*
 * Frames that pass go to the AF_XDP socket bound to their receive queue. The
 * name and layout are those the net_af_xdp PMD looks for when it loads an
 * object given with xdp_prog=, and it fills the map itself.
 */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DP_XDP_MACS_MAX);
	__type(key, __u64); /* DP_XDP_MAC_KEY(vlan, mac) */
	__type(value, __u8);
} macs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_XDP_ETYPE_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} ethertypes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_XDP_VLAN_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} vlans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dp_xdp_cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FAB_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Not a drop reason: the program leaves the frame to the pipeline. */
#define VERDICT_PASS FAB_DROP__COUNT

struct frame {
	void *data;
	void *end;
	__u32 len;
};

static __always_inline int drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1; /* per-CPU: no other writer */
	return XDP_DROP;
}

static __always_inline __u64 mac48(const __u8 *p)
{
	return ((__u64)p[0] << 40) | ((__u64)p[1] << 32) | ((__u64)p[2] << 24) |
	       ((__u64)p[3] << 16) | ((__u64)p[4] << 8) | (__u64)p[5];
}

static __always_inline int bit_set(void *map, __u32 bit)
{
	__u32 word = bit / 64;
	__u64 *w = bpf_map_lookup_elem(map, &word);

	return w && ((*w >> (bit % 64)) & 1);
}

/* Destination MAC and EtherType rules, in pipeline order; the first to match wins. */
static __always_inline __u32 check_l2(__u64 dst, __u16 etype)
{
	if ((dst & FAB_MAC_IEEE_LL_MASK) == FAB_MAC_IEEE_LL_BASE)
		return FAB_DROP_link_local;
	if (dst == FAB_MAC_CISCO_CDP || dst == FAB_MAC_CISCO_PVST)
		return FAB_DROP_cisco_discovery;
	if (dst == FAB_MAC_EDP)
		return FAB_DROP_edp;
	if (etype == FAB_ETH_P_LLDP)
		return FAB_DROP_lldp;
	if (etype == FAB_ETH_P_MNDP || etype == FAB_ETH_P_HUAWEI1 || etype == FAB_ETH_P_HUAWEI2)
		return FAB_DROP_vendor_discovery;
	if (etype < FAB_ETHERTYPE_MIN)
		return FAB_DROP_llc_snap;
	if (!bit_set(&ethertypes, etype))
		return FAB_DROP_ethertype;
	return VERDICT_PASS;
}

static __always_inline __u32 check_ipv4(struct frame *f, __u32 off)
{
	__u8 *ip = f->data + off;
	__u32 ihl;
	__u8 proto;

	if ((void *)(ip + FAB_IPV4_HLEN_MIN) > f->end)
		return VERDICT_PASS; /* truncated: the pipeline's */
	ihl = (ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < FAB_IPV4_HLEN_MIN)
		return VERDICT_PASS;
	proto = ip[9];
	/* A later fragment has no transport header to look at. */
	if (((ip[6] & 0x1f) | ip[7]) == 0) {
		__u8 *l4 = ip + ihl;

		if (proto == FAB_IPPROTO_UDP) {
			if ((void *)(l4 + 4) > f->end)
				return VERDICT_PASS;
			__u16 dport = ((__u16)l4[2] << 8) | l4[3];
			if (dport == FAB_UDP_BOOTPS || dport == FAB_UDP_BOOTPC)
				return FAB_DROP_ipv4_dhcp;
		}
	}
	if (proto == FAB_IPPROTO_IGMP)
		return FAB_DROP_ipv4_igmp;
	if (proto == FAB_IPPROTO_PIM)
		return FAB_DROP_ipv4_pim;
	if (proto == FAB_IPPROTO_OSPF)
		return FAB_DROP_ipv4_ospf;
	if (proto == FAB_IPPROTO_VRRP)
		return FAB_DROP_ipv4_vrrp;
	if (proto == FAB_IPPROTO_ICMP && ((ip[6] & 0x1f) | ip[7]) == 0) {
		__u8 *icmp = ip + ihl;

		if ((void *)(icmp + 1) > f->end)
			return VERDICT_PASS;
		if (icmp[0] == FAB_ICMP_REDIRECT)
			return FAB_DROP_ipv4_icmp_redirect;
	}
	if ((ip[16] & 0xf0) == 0xe0)
		return FAB_DROP_ipv4_multicast;
	return VERDICT_PASS;
}

/*
 * Walks at most FAB_IPV6_EXT_MAX extension headers to the upper-layer
 * protocol, as the pipeline does; a chain longer than that, a later fragment
 * or a header cut short is left to the pipeline.
 */
static __always_inline __u32 check_ipv6(struct frame *f, __u32 off)
{
	__u8 *p = f->data + off;
	__u8 next;

	if ((void *)(p + FAB_IPV6_HLEN) > f->end)
		return VERDICT_PASS;
	if ((p[0] >> 4) != 6)
		return VERDICT_PASS;
	next = p[6];
	p += FAB_IPV6_HLEN;

	for (int i = 0; i < FAB_IPV6_EXT_MAX; i++) {
		if (next != FAB_IPPROTO_HOPOPTS && next != FAB_IPPROTO_ROUTING &&
		    next != FAB_IPPROTO_DSTOPTS && next != FAB_IPPROTO_FRAGMENT)
			break;
		if ((void *)(p + 8) > f->end)
			return VERDICT_PASS;
		if (next == FAB_IPPROTO_FRAGMENT) {
			if (((p[2] << 8) | (p[3] & 0xf8)) != 0)
				return VERDICT_PASS;
			next = p[0];
			p += 8;
		} else {
			next = p[0];
			p += ((__u32)p[1] + 1) * 8;
		}
	}

	switch (next) {
	case FAB_IPPROTO_ICMPV6:
		if ((void *)(p + 1) > f->end)
			return VERDICT_PASS;
		switch (p[0]) {
		case FAB_ICMP6_RA:
			return FAB_DROP_ipv6_ra;
		case FAB_ICMP6_RS:
			return FAB_DROP_ipv6_rs;
		case FAB_ICMP6_REDIRECT:
			return FAB_DROP_ipv6_redirect;
		case FAB_ICMP6_MLD_QUERY:
		case FAB_ICMP6_MLD_REPORT:
		case FAB_ICMP6_MLD_DONE:
		case FAB_ICMP6_MLD2_REPORT:
			return FAB_DROP_ipv6_mld;
		}
		return VERDICT_PASS;
	case FAB_IPPROTO_OSPF:
		return FAB_DROP_ipv6_ospf;
	case FAB_IPPROTO_PIM:
		return FAB_DROP_ipv6_pim;
	case FAB_IPPROTO_UDP: {
		if ((void *)(p + 4) > f->end)
			return VERDICT_PASS;
		__u16 dport = ((__u16)p[2] << 8) | p[3];
		if (dport == FAB_UDP_DHCP6_CLIENT || dport == FAB_UDP_DHCP6_SERVER)
			return FAB_DROP_ipv6_dhcp;
		return VERDICT_PASS;
	}
	case FAB_IPPROTO_VRRP:
		return FAB_DROP_ipv6_vrrp;
	}
	/* ipv6_multicast needs the neighbour discovery exceptions: the pipeline's. */
	return VERDICT_PASS;
}

static __always_inline __u32 classify(struct frame *f, const struct dp_xdp_cfg *c)
{
	__u8 *eth = f->data;
	__u32 off = FAB_ETH_HLEN;
	__u16 vlan = 0;
	__u16 etype;

	if (c->flags & DP_XDP_F_DOWN)
		return FAB_DROP_port_down;
	if (f->len < FAB_ETH_MIN_LEN)
		return FAB_DROP_runt;
	if (f->len > c->max_len)
		return VERDICT_PASS; /* oversize: the pipeline's */
	/* 60 bytes are there: Ethernet, one tag and 42 bytes more. */
	if ((void *)(eth + FAB_ETH_MIN_LEN) > f->end)
		return VERDICT_PASS;

	etype = ((__u16)eth[12] << 8) | eth[13];
	if (etype == FAB_ETH_P_8021Q || etype == FAB_ETH_P_8021AD || etype == FAB_ETH_P_QINQ1) {
		/* Tag errors are the pipeline's: only an allowed single tag goes on. */
		if (!(c->flags & DP_XDP_F_TAGGED) || etype != FAB_ETH_P_8021Q)
			return VERDICT_PASS;
		vlan = (((__u16)eth[14] << 8) | eth[15]) & 0x0fff;
		if (!bit_set(&vlans, vlan))
			return VERDICT_PASS;
		etype = ((__u16)eth[16] << 8) | eth[17];
		if (etype == FAB_ETH_P_8021Q || etype == FAB_ETH_P_8021AD ||
		    etype == FAB_ETH_P_QINQ1)
			return VERDICT_PASS;
		off += FAB_VLAN_HLEN;
	} else if (!(c->flags & DP_XDP_F_UNTAGGED)) {
		return VERDICT_PASS;
	}

	__u64 key = DP_XDP_MAC_KEY(vlan, mac48(eth + FAB_ETH_ADDR_LEN));
	if (!bpf_map_lookup_elem(&macs, &key))
		return FAB_DROP_src_mac_violation;

	__u32 r = check_l2(mac48(eth), etype);
	if (r != VERDICT_PASS)
		return r;
	if (etype == FAB_ETH_P_IPV4)
		return check_ipv4(f, off);
	if (etype == FAB_ETH_P_IPV6)
		return check_ipv6(f, off);
	return VERDICT_PASS;
}

SEC("xdp")
int peerlan_xdp(struct xdp_md *ctx)
{
	struct frame f = {
	    .data = (void *)(long)ctx->data,
	    .end = (void *)(long)ctx->data_end,
	};
	__u32 zero = 0;
	struct dp_xdp_cfg *c = bpf_map_lookup_elem(&cfg, &zero);
	__u32 r;

	f.len = f.end - f.data;
	if (!c)
		return XDP_ABORTED; /* cannot happen: a one-entry array */
	r = classify(&f, c);
	if (r != VERDICT_PASS)
		return drop(r);
	/* No socket on this queue (none bound yet, or a test run): the kernel's. */
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
