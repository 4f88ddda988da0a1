/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "fabric/proto.h"
#include "fixture.h"
#include "frames.h"

static uint8_t *at(struct fr *fr, size_t off)
{
	return fr->buf + FR_HEADROOM + off;
}

static void put(struct fr *fr, const void *p, size_t n)
{
	if (fr->len + n > sizeof(fr->buf) - FR_HEADROOM)
		abort();
	memcpy(at(fr, fr->len), p, n);
	fr->len = (uint16_t)(fr->len + n);
}

void fr_u8(struct fr *fr, uint8_t v)
{
	put(fr, &v, 1);
}

void fr_u16(struct fr *fr, uint16_t v)
{
	fr_u8(fr, (uint8_t)(v >> 8));
	fr_u8(fr, (uint8_t)v);
}

void fr_u32(struct fr *fr, uint32_t v)
{
	fr_u16(fr, (uint16_t)(v >> 16));
	fr_u16(fr, (uint16_t)v);
}

void fr_mac(struct fr *fr, fab_mac_t mac)
{
	fr_u16(fr, (uint16_t)(mac >> 32));
	fr_u32(fr, (uint32_t)mac);
}

void fr_zero(struct fr *fr, size_t n)
{
	while (n--)
		fr_u8(fr, 0);
}

void fr_eth(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, uint16_t etype)
{
	memset(fr->buf, 0xee, sizeof(fr->buf)); /* garbage that a test would notice */
	fr->len = 0;
	fr_mac(fr, dst);
	fr_mac(fr, src);
	if (vid != 0) {
		fr_u16(fr, FAB_ETH_P_8021Q);
		fr_u16(fr, vid);
	}
	fr_u16(fr, etype);
}

struct fab_frame *fr_raw(struct fr *fr)
{
	fr->f = (struct fab_frame){.data = at(fr, 0), .len = fr->len, .headroom = FR_HEADROOM};
	return &fr->f;
}

struct fab_frame *fr_done(struct fr *fr)
{
	if (fr->len < FAB_ETH_MIN_LEN)
		fr_zero(fr, FAB_ETH_MIN_LEN - fr->len);
	return fr_raw(fr);
}

void fr_arp(struct fr *fr, uint16_t op, fab_mac_t sha, const char *spa, fab_mac_t tha,
	    const char *tpa)
{
	fr_u16(fr, FAB_ARP_HTYPE_ETH);
	fr_u16(fr, FAB_ETH_P_IPV4);
	fr_u8(fr, 6);
	fr_u8(fr, 4);
	fr_u16(fr, op);
	fr_mac(fr, sha);
	fr_u32(fr, fx_parse4(spa));
	fr_mac(fr, tha);
	fr_u32(fr, fx_parse4(tpa));
}

void fr_ipv4(struct fr *fr, uint8_t proto, const char *src, const char *dst, size_t l4len)
{
	fr_u8(fr, 0x45);
	fr_u8(fr, 0);
	fr_u16(fr, (uint16_t)(FAB_IPV4_HLEN_MIN + l4len));
	fr_u32(fr, 0x12344000); /* id, don't fragment */
	fr_u8(fr, 64);
	fr_u8(fr, proto);
	fr_u16(fr, 0);
	fr_u32(fr, fx_parse4(src));
	fr_u32(fr, fx_parse4(dst));
}

static void put6(struct fr *fr, const char *a)
{
	struct fab_ip6 ip = fx_parse6(a);

	put(fr, ip.b, sizeof(ip.b));
}

void fr_ipv6(struct fr *fr, uint8_t nh, const char *src, const char *dst, uint8_t hop, size_t plen)
{
	fr->ip_off = fr->len;
	fr_u32(fr, 0x60000000);
	fr_u16(fr, (uint16_t)plen);
	fr_u8(fr, nh);
	fr_u8(fr, hop);
	put6(fr, src);
	put6(fr, dst);
}

void fr_ext(struct fr *fr, uint8_t nh)
{
	fr_u8(fr, nh);
	fr_u8(fr, 0);
	fr_u8(fr, 1); /* PadN over the remaining 4 bytes */
	fr_u8(fr, 4);
	fr_zero(fr, 4);
}

void fr_frag(struct fr *fr, uint8_t nh, uint16_t offset)
{
	fr_u8(fr, nh);
	fr_u8(fr, 0);
	fr_u16(fr, (uint16_t)(offset | 1)); /* more fragments */
	fr_u32(fr, 0xabcd);
}

void fr_icmp6(struct fr *fr, uint8_t type)
{
	fr->l4_off = fr->len;
	fr_u8(fr, type);
	fr_u8(fr, 0);
	fr_u16(fr, 0);
}

uint16_t fr_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t fr_rd32(const uint8_t *p)
{
	return (uint32_t)fr_rd16(p) << 16 | fr_rd16(p + 2);
}

fab_mac_t fr_rd_mac(const uint8_t *p)
{
	return (uint64_t)fr_rd16(p) << 32 | fr_rd32(p + 2);
}

/* RFC 1071 over the pseudo-header and the message, taken literally. */
static uint16_t sum6(const uint8_t *ip, const uint8_t *msg, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 8; i < 40; i += 2)
		s += fr_rd16(ip + i);
	s += len;
	s += FAB_IPPROTO_ICMPV6;
	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? msg[i] : (uint32_t)msg[i] << 8;
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void fr_icmp6_sum(struct fr *fr)
{
	uint8_t *msg = at(fr, fr->l4_off);
	uint16_t s = sum6(at(fr, fr->ip_off), msg, fr->len - fr->l4_off);

	msg[2] = (uint8_t)(s >> 8);
	msg[3] = (uint8_t)s;
}

uint16_t fr_icmp6_check(const uint8_t *ip)
{
	return sum6(ip, ip + FAB_IPV6_HLEN, fr_rd16(ip + 4));
}

struct fab_frame *fr_arp_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint16_t op, const char *spa, const char *tpa)
{
	fr_eth(fr, dst, src, vid, FAB_ETH_P_ARP);
	fr_arp(fr, op, src, spa, op == FAB_ARP_OP_REPLY ? dst : 0, tpa);
	return fr_done(fr);
}

struct fab_frame *fr_ip4_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint8_t proto, const char *sip, const char *dip, size_t l4len)
{
	fr_eth(fr, dst, src, vid, FAB_ETH_P_IPV4);
	fr_ipv4(fr, proto, sip, dip, l4len);
	fr_zero(fr, l4len);
	return fr_done(fr);
}

struct fab_frame *fr_udp4_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
				const char *sip, const char *dip, uint16_t sport, uint16_t dport)
{
	fr_eth(fr, dst, src, vid, FAB_ETH_P_IPV4);
	fr_ipv4(fr, FAB_IPPROTO_UDP, sip, dip, 8 + 4);
	fr_u16(fr, sport);
	fr_u16(fr, dport);
	fr_u16(fr, 8 + 4);
	fr_u16(fr, 0);
	fr_u32(fr, 0xdeadbeef);
	return fr_done(fr);
}

struct fab_frame *fr_ip6_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint8_t nh, const char *sip, const char *dip, size_t plen)
{
	fr_eth(fr, dst, src, vid, FAB_ETH_P_IPV6);
	fr_ipv6(fr, nh, sip, dip, 64, plen);
	fr_zero(fr, plen);
	return fr_done(fr);
}

/* The solicited-node group of target, in text, and its MAC. */
static fab_mac_t snm(const char *target, char *buf, size_t len)
{
	struct fab_ip6 t = fx_parse6(target), g = fx_parse6("ff02::1:ff00:0");

	memcpy(g.b + 13, t.b + 13, 3);
	fab_ip6_format(&g, buf, len);
	return 0x333300000000ULL | fr_rd32(g.b + 12);
}

static struct fab_frame *nd_frame(struct fr *fr, uint8_t type, fab_mac_t dst, fab_mac_t src,
				  uint16_t vid, const char *sip, const char *dip,
				  const char *target, uint8_t flags, fab_mac_t lla)
{
	char group[64];
	fab_mac_t gmac = snm(target, group, sizeof(group));

	fr_eth(fr, dst ? dst : gmac, src, vid, FAB_ETH_P_IPV6);
	fr_ipv6(fr, FAB_IPPROTO_ICMPV6, sip, dip ? dip : group, FAB_ND_HOP_LIMIT,
		FAB_ND_MSG_LEN + (lla ? 8 : 0));
	fr_icmp6(fr, type);
	fr_u8(fr, flags);
	fr_zero(fr, 3);
	put6(fr, target);
	if (lla) {
		fr_u8(fr, type == FAB_ICMP6_NS ? FAB_ND_OPT_SLLA : FAB_ND_OPT_TLLA);
		fr_u8(fr, 1);
		fr_mac(fr, lla);
	}
	fr_icmp6_sum(fr);
	return fr_done(fr);
}

struct fab_frame *fr_ns(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, const char *sip,
			const char *dip, const char *target, fab_mac_t lla)
{
	return nd_frame(fr, FAB_ICMP6_NS, dst, src, vid, sip, dip, target, 0, lla);
}

struct fab_frame *fr_na(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, const char *sip,
			const char *dip, const char *target, uint8_t flags, fab_mac_t lla)
{
	return nd_frame(fr, FAB_ICMP6_NA, dst, src, vid, sip, dip, target, flags, lla);
}
