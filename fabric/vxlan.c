/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bytes.h"
#include "counters.h"
#include "vxlan.h"

#define IP4_TTL     64
#define IP4_DF      0x4000
#define IP4_VER_IHL 0x45

/*
 * Four bytes at a time, in the machine's order: a one's-complement sum is
 * the same whichever order the bytes of its 16-bit words are added in
 * (RFC 1071, 2.B), so the folded sum is swapped once at the end instead of
 * every word on the way. An IPv4 header's length is a multiple of 4; a
 * last odd byte is not summed.
 */
uint16_t fab_ip4_csum(const uint8_t *ip, uint32_t len)
{
	uint64_t s = 0;
	uint32_t i = 0, w;
	uint16_t h;

	for (; i + 4 <= len; i += 4) {
		memcpy(&w, ip + i, sizeof(w));
		s += w;
	}
	if (i + 2 <= len) {
		memcpy(&h, ip + i, sizeof(h));
		s += h;
	}
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	h = (uint16_t)~s;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = __builtin_bswap16(h);
#endif
	return h;
}

void fab_vxlan_write(uint8_t *hdr, const struct fab_vxlan_outer *o, uint16_t inner_len)
{
	uint8_t *ip = hdr + FAB_ETH_HLEN, *udp = ip + FAB_IPV4_HLEN_MIN, *vx = udp + FAB_UDP_HLEN;
	uint16_t udp_len = (uint16_t)(FAB_UDP_HLEN + FAB_VXLAN_HLEN + inner_len);

	fab_wr_mac(hdr, o->dst_mac);
	fab_wr_mac(hdr + FAB_ETH_ADDR_LEN, o->src_mac);
	fab_wr16(hdr + FAB_ETH_OFF_TYPE, FAB_ETH_P_IPV4);
	ip[0] = IP4_VER_IHL;
	ip[1] = 0;
	fab_wr16(ip + FAB_IPV4_OFF_LEN, (uint16_t)(FAB_IPV4_HLEN_MIN + udp_len));
	fab_wr16(ip + 4, 0); /* identification: DF is set, nothing is fragmented */
	fab_wr16(ip + FAB_IPV4_OFF_FRAG, IP4_DF);
	ip[8] = IP4_TTL;
	ip[FAB_IPV4_OFF_PROTO] = FAB_IPPROTO_UDP;
	fab_wr16(ip + 10, 0);
	fab_wr32(ip + FAB_IPV4_OFF_SRC, o->src_ip);
	fab_wr32(ip + FAB_IPV4_OFF_DST, o->dst_ip);
	fab_wr16(ip + 10, fab_ip4_csum(ip, FAB_IPV4_HLEN_MIN));
	fab_wr16(udp, o->sport);
	fab_wr16(udp + 2, FAB_VXLAN_PORT);
	fab_wr16(udp + 4, udp_len);
	fab_wr16(udp + 6, 0);
	fab_wr32(vx, (uint32_t)FAB_VXLAN_FLAG_I << 24);
	fab_wr32(vx + 4, o->vni << 8);
}

uint16_t fab_vxlan_sport(const uint8_t *inner, uint32_t len)
{
	uint64_t h = fab_rd_mac(inner) * 0x9e3779b97f4a7c15ULL ^ fab_rd_mac(inner + 6);
	uint16_t et = fab_rd16(inner + FAB_ETH_OFF_TYPE);
	const uint8_t *l3 = inner + FAB_ETH_HLEN;

	if (et == FAB_ETH_P_IPV4 && len >= FAB_ETH_HLEN + FAB_IPV4_HLEN_MIN) {
		h ^= (uint64_t)fab_rd32(l3 + FAB_IPV4_OFF_SRC) << 32 |
		     fab_rd32(l3 + FAB_IPV4_OFF_DST);
	} else if (et == FAB_ETH_P_IPV6 && len >= FAB_ETH_HLEN + FAB_IPV6_HLEN) {
		uint64_t a[4];

		memcpy(a, l3 + FAB_IPV6_OFF_SRC, sizeof(a));
		h ^= a[0] ^ a[1] * 0xff51afd7ed558ccdULL ^ a[2] * 0xc4ceb9fe1a85ec53ULL ^ a[3];
	}
	h *= 0x9e3779b97f4a7c15ULL;
	return (uint16_t)(FAB_VXLAN_SPORT_MIN + (h >> 50));
}

static enum fab_vxlan_rx rx_drop(struct fab_vxlan_in *in, unsigned r)
{
	in->reason = (uint16_t)r;
	return FAB_VXLAN_RX_DROP;
}

/* An ARP request, Ethernet/IPv4, for the VTEP's address. */
static enum fab_vxlan_rx classify_arp(const uint8_t *d, uint32_t len, uint32_t vtep_ip,
				      struct fab_vxlan_in *in)
{
	const uint8_t *a = d + FAB_ETH_HLEN;

	if (len < FAB_ETH_HLEN + FAB_ARP_LEN ||
	    fab_rd16(a + FAB_ARP_OFF_HTYPE) != FAB_ARP_HTYPE_ETH ||
	    fab_rd16(a + FAB_ARP_OFF_PTYPE) != FAB_ARP_PTYPE_IPV4 ||
	    a[FAB_ARP_OFF_HLEN] != FAB_ETH_ADDR_LEN || a[FAB_ARP_OFF_PLEN] != FAB_ARP_PLEN_IPV4 ||
	    fab_rd16(a + FAB_ARP_OFF_OP) != FAB_ARP_OP_REQUEST ||
	    fab_rd32(a + FAB_ARP_OFF_TPA) != vtep_ip || (a[FAB_ARP_OFF_SHA] & 1) ||
	    fab_rd_mac(a + FAB_ARP_OFF_SHA) != fab_rd_mac(d + FAB_ETH_OFF_SRC))
		return rx_drop(in, FAB_DROP_underlay_other);
	return FAB_VXLAN_RX_ARP;
}

enum fab_vxlan_rx fab_vxlan_classify(const uint8_t *d, uint32_t len, uint32_t vtep_ip,
				     fab_mac_t vtep_mac, struct fab_vxlan_in *in)
{
	const uint8_t *ip = d + FAB_ETH_HLEN, *udp = ip + FAB_IPV4_HLEN_MIN;
	const uint8_t *vx = udp + FAB_UDP_HLEN;
	uint16_t et, iplen;

	if (len < FAB_ETH_MIN_LEN)
		return rx_drop(in, FAB_DROP_runt);
	et = fab_rd16(d + FAB_ETH_OFF_TYPE);
	if (et == FAB_ETH_P_ARP)
		return classify_arp(d, len, vtep_ip, in);
	/* VXLAN to this VTEP, or nothing of ours: only its protocol and address say so. */
	if (et != FAB_ETH_P_IPV4 || fab_rd_mac(d) != vtep_mac || (ip[0] >> 4) != FAB_IPV4_VERSION ||
	    fab_rd32(ip + FAB_IPV4_OFF_DST) != vtep_ip || ip[FAB_IPV4_OFF_PROTO] != FAB_IPPROTO_UDP)
		return rx_drop(in, FAB_DROP_underlay_other);
	if ((ip[0] & 0x0f) * 4 != FAB_IPV4_HLEN_MIN)
		return rx_drop(in, FAB_DROP_vxlan_malformed);
	if (fab_rd16(udp + 2) != FAB_VXLAN_PORT)
		return rx_drop(in, FAB_DROP_underlay_other);
	iplen = fab_rd16(ip + FAB_IPV4_OFF_LEN);
	if ((fab_rd16(ip + FAB_IPV4_OFF_FRAG) & (FAB_IPV4_FRAG_OFF | 0x2000)) != 0 ||
	    len < FAB_VXLAN_OUTER_LEN + FAB_ETH_HLEN || iplen < FAB_VXLAN_OVERHEAD ||
	    iplen > len - FAB_ETH_HLEN || fab_ip4_csum(ip, FAB_IPV4_HLEN_MIN) != 0 ||
	    !(vx[0] & FAB_VXLAN_FLAG_I))
		return rx_drop(in, FAB_DROP_vxlan_malformed);
	in->vni = fab_rd32(vx + 4) >> 8;
	in->src_ip = fab_rd32(ip + FAB_IPV4_OFF_SRC);
	in->inner_len = (uint16_t)(iplen - FAB_IPV4_HLEN_MIN - FAB_UDP_HLEN - FAB_VXLAN_HLEN);
	return FAB_VXLAN_RX_DECAP;
}
