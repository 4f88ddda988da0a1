/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP and ND frames: builders and parsers shared by the pipeline and the
 * control process's sponge (see neigh.h).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "neigh.h"
#include "pipeline.h"

/* ::ffff:0:0/96, where an IPv4 address sits in a 16-byte one */
static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
/* ff02::1:ff00:0/104, the solicited-node prefix */
static const uint8_t snm_prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

void fab_arp_write(uint8_t *a, const struct fab_arp_msg *m)
{
	fab_wr16(a + FAB_ARP_OFF_HTYPE, FAB_ARP_HTYPE_ETH);
	fab_wr16(a + FAB_ARP_OFF_PTYPE, FAB_ARP_PTYPE_IPV4);
	a[FAB_ARP_OFF_HLEN] = FAB_ETH_ADDR_LEN;
	a[FAB_ARP_OFF_PLEN] = FAB_ARP_PLEN_IPV4;
	fab_wr16(a + FAB_ARP_OFF_OP, m->op);
	fab_wr_mac(a + FAB_ARP_OFF_SHA, m->sha);
	memcpy(a + FAB_ARP_OFF_SPA, m->spa, FAB_ARP_PLEN_IPV4);
	fab_wr_mac(a + FAB_ARP_OFF_THA, m->tha);
	memcpy(a + FAB_ARP_OFF_TPA, m->tpa, FAB_ARP_PLEN_IPV4);
}

int fab_arp_read(const uint8_t *a, size_t len, struct fab_arp_msg *m)
{
	if (len < FAB_ARP_LEN || fab_rd16(a + FAB_ARP_OFF_HTYPE) != FAB_ARP_HTYPE_ETH ||
	    fab_rd16(a + FAB_ARP_OFF_PTYPE) != FAB_ARP_PTYPE_IPV4 ||
	    a[FAB_ARP_OFF_HLEN] != FAB_ETH_ADDR_LEN || a[FAB_ARP_OFF_PLEN] != FAB_ARP_PLEN_IPV4)
		return -EBADMSG;
	m->op = fab_rd16(a + FAB_ARP_OFF_OP);
	if (m->op != FAB_ARP_OP_REQUEST && m->op != FAB_ARP_OP_REPLY)
		return -EBADMSG;
	m->sha = fab_rd_mac(a + FAB_ARP_OFF_SHA);
	memcpy(m->spa, a + FAB_ARP_OFF_SPA, FAB_ARP_PLEN_IPV4);
	m->tha = fab_rd_mac(a + FAB_ARP_OFF_THA);
	memcpy(m->tpa, a + FAB_ARP_OFF_TPA, FAB_ARP_PLEN_IPV4);
	return 0;
}

void fab_arp_answer(uint8_t *a, fab_mac_t owner)
{
	struct fab_arp_msg r = {
	    .op = FAB_ARP_OP_REPLY, .sha = owner, .tha = fab_rd_mac(a + FAB_ARP_OFF_SHA)};

	/* Copied first: the reply overwrites the request it comes from. */
	memcpy(r.spa, a + FAB_ARP_OFF_TPA, FAB_ARP_PLEN_IPV4);
	memcpy(r.tpa, a + FAB_ARP_OFF_SPA, FAB_ARP_PLEN_IPV4);
	fab_arp_write(a, &r);
}

size_t fab_nd_len(const struct fab_nd_msg *m)
{
	return m->lla == FAB_ND_NO_LLA ? FAB_ND_MSG_LEN : FAB_ND_LLA_MSG_LEN;
}

size_t fab_nd_write(uint8_t *ip, const struct fab_nd_msg *m)
{
	uint8_t *icmp = ip + FAB_IPV6_HLEN;
	uint16_t len = (uint16_t)fab_nd_len(m);

	fab_wr32(ip, FAB_IPV6_VFC);
	fab_wr16(ip + FAB_IPV6_OFF_PLEN, len);
	ip[FAB_IPV6_OFF_NH] = FAB_IPPROTO_ICMPV6;
	ip[FAB_IPV6_OFF_HLIM] = FAB_ND_HOP_LIMIT;
	memcpy(ip + FAB_IPV6_OFF_SRC, m->src, FAB_IPV6_ADDR_LEN);
	memcpy(ip + FAB_IPV6_OFF_DST, m->dst, FAB_IPV6_ADDR_LEN);
	/* Type, code, checksum, then the flags' word: all zero but the type and flags. */
	memset(icmp, 0, FAB_ND_OFF_TARGET);
	icmp[FAB_ICMP6_OFF_TYPE] = m->type;
	icmp[FAB_ND_OFF_FLAGS] = m->flags;
	memcpy(icmp + FAB_ND_OFF_TARGET, m->target, FAB_IPV6_ADDR_LEN);
	if (m->lla != FAB_ND_NO_LLA) {
		uint8_t *o = icmp + FAB_ND_OFF_OPTS;

		o[0] = m->type == FAB_ICMP6_NS ? FAB_ND_OPT_SLLA : FAB_ND_OPT_TLLA;
		o[1] = FAB_ND_OPT_LLA_LEN / FAB_ND_OPT_UNIT;
		fab_wr_mac(o + 2, m->lla);
	}
	fab_wr16(icmp + FAB_ICMP6_OFF_CSUM, fab_icmp6_csum(ip, icmp, len));
	return FAB_IPV6_HLEN + (size_t)len;
}

/*
 * The link-layer address option of the type ND type wants (source for an
 * NS, target for an NA) among the len bytes of options at o. Others are
 * skipped, as RFC 4861 says; -EBADMSG if the options do not parse.
 */
static int nd_lla(const uint8_t *o, size_t len, uint8_t type, fab_mac_t *lla)
{
	uint8_t want = type == FAB_ICMP6_NS ? FAB_ND_OPT_SLLA : FAB_ND_OPT_TLLA;

	*lla = FAB_ND_NO_LLA;
	while (len > 0) {
		size_t olen;

		if (len < 2)
			return -EBADMSG;
		olen = (size_t)o[1] * FAB_ND_OPT_UNIT;
		if (olen == 0 || olen > len)
			return -EBADMSG;
		if (o[0] == want && olen == FAB_ND_OPT_LLA_LEN)
			*lla = fab_rd_mac(o + 2);
		o += olen;
		len -= olen;
	}
	return 0;
}

int fab_nd_read(const uint8_t *ip, size_t len, struct fab_nd_msg *m)
{
	const uint8_t *icmp = ip + FAB_IPV6_HLEN;
	size_t plen;

	if (len < FAB_IPV6_HLEN || ip[0] >> 4 != FAB_IPV6_VERSION)
		return -EBADMSG;
	plen = fab_rd16(ip + FAB_IPV6_OFF_PLEN);
	if (FAB_IPV6_HLEN + plen > len)
		return -EBADMSG;
	if (ip[FAB_IPV6_OFF_NH] != FAB_IPPROTO_ICMPV6 || plen < FAB_ICMP6_HLEN ||
	    (icmp[FAB_ICMP6_OFF_TYPE] != FAB_ICMP6_NS && icmp[FAB_ICMP6_OFF_TYPE] != FAB_ICMP6_NA))
		return -ENOMSG;
	m->type = icmp[FAB_ICMP6_OFF_TYPE];
	if (plen < FAB_ND_MSG_LEN || ip[FAB_IPV6_OFF_HLIM] != FAB_ND_HOP_LIMIT ||
	    icmp[FAB_ICMP6_OFF_CODE] != 0 || icmp[FAB_ND_OFF_TARGET] == FAB_IPV6_MCAST ||
	    fab_icmp6_csum(ip, icmp, (uint32_t)plen) != 0 ||
	    nd_lla(icmp + FAB_ND_OFF_OPTS, plen - FAB_ND_MSG_LEN, m->type, &m->lla) != 0)
		return -EBADMSG;
	m->flags = m->type == FAB_ICMP6_NA ? icmp[FAB_ND_OFF_FLAGS] : 0;
	memcpy(m->src, ip + FAB_IPV6_OFF_SRC, FAB_IPV6_ADDR_LEN);
	memcpy(m->dst, ip + FAB_IPV6_OFF_DST, FAB_IPV6_ADDR_LEN);
	memcpy(m->target, icmp + FAB_ND_OFF_TARGET, FAB_IPV6_ADDR_LEN);
	return 0;
}

void fab_nd_snm(const uint8_t target[FAB_IPV6_ADDR_LEN], uint8_t group[FAB_IPV6_ADDR_LEN],
		fab_mac_t *mac)
{
	memcpy(group, snm_prefix, sizeof(snm_prefix));
	memcpy(group + sizeof(snm_prefix), target + sizeof(snm_prefix),
	       FAB_IPV6_ADDR_LEN - sizeof(snm_prefix));
	*mac = FAB_MAC_IPV6_SNMC_BASE | (fab_mac_t)target[13] << 16 | (fab_mac_t)target[14] << 8 |
	       target[15];
}

size_t fab_eth_write(uint8_t *d, const struct fab_eth_hdr *e, uint16_t etype)
{
	size_t off = FAB_ETH_OFF_TYPE;

	fab_wr_mac(d + FAB_ETH_OFF_DST, e->dst);
	fab_wr_mac(d + FAB_ETH_OFF_SRC, e->src);
	if (e->tagged) {
		fab_wr16(d + off, FAB_ETH_P_8021Q);
		fab_wr16(d + off + 2, e->vid & FAB_VLAN_VID_MASK);
		off += FAB_VLAN_HLEN;
	}
	fab_wr16(d + off, etype);
	return off + 2;
}

size_t fab_arp_frame(uint8_t *d, const struct fab_eth_hdr *e, const struct fab_arp_msg *m)
{
	size_t off = fab_eth_write(d, e, FAB_ETH_P_ARP);

	fab_arp_write(d + off, m);
	return off + FAB_ARP_LEN;
}

size_t fab_nd_frame(uint8_t *d, const struct fab_eth_hdr *e, const struct fab_nd_msg *m)
{
	size_t off = fab_eth_write(d, e, FAB_ETH_P_IPV6);

	return off + fab_nd_write(d + off, m);
}

static void mapped4(uint8_t a[FAB_IPV6_ADDR_LEN], const uint8_t *v4)
{
	memcpy(a, v4_mapped, sizeof(v4_mapped));
	memcpy(a + sizeof(v4_mapped), v4, FAB_IPV4_ADDR_LEN);
}

static int parse_arp(const uint8_t *a, size_t len, struct fab_neigh_frame *nf)
{
	struct fab_arp_msg *m = &nf->msg.arp;

	if (fab_arp_read(a, len, m) != 0)
		return -EBADMSG;
	nf->kind = m->op == FAB_ARP_OP_REQUEST ? FAB_NEIGH_ARP_REQUEST : FAB_NEIGH_ARP_REPLY;
	mapped4(nf->sender, m->spa);
	mapped4(nf->target, m->tpa);
	memcpy(nf->to, nf->target, FAB_IPV6_ADDR_LEN);
	return 0;
}

static int parse_ip4(const uint8_t *ip, size_t len, struct fab_neigh_frame *nf)
{
	if (len < FAB_IPV4_HLEN_MIN || ip[0] >> 4 != FAB_IPV4_VERSION)
		return -EBADMSG;
	nf->kind = FAB_NEIGH_IP;
	mapped4(nf->sender, ip + FAB_IPV4_OFF_SRC);
	mapped4(nf->target, ip + FAB_IPV4_OFF_DST);
	memcpy(nf->to, nf->target, FAB_IPV6_ADDR_LEN);
	return 0;
}

static int parse_ip6(const uint8_t *ip, size_t len, struct fab_neigh_frame *nf)
{
	struct fab_nd_msg *m = &nf->msg.nd;
	int rc = fab_nd_read(ip, len, m);

	if (rc != 0 && rc != -ENOMSG)
		return rc;
	memcpy(nf->sender, ip + FAB_IPV6_OFF_SRC, FAB_IPV6_ADDR_LEN);
	memcpy(nf->to, ip + FAB_IPV6_OFF_DST, FAB_IPV6_ADDR_LEN);
	if (rc == -ENOMSG) {
		nf->kind = FAB_NEIGH_IP;
		memcpy(nf->target, nf->to, FAB_IPV6_ADDR_LEN);
		return 0;
	}
	nf->kind = m->type == FAB_ICMP6_NS ? FAB_NEIGH_NS : FAB_NEIGH_NA;
	nf->solicited = (m->flags & FAB_ND_NA_SOLICITED) != 0;
	memcpy(nf->target, m->target, FAB_IPV6_ADDR_LEN);
	return 0;
}

int fab_neigh_parse(const uint8_t *d, size_t len, struct fab_neigh_frame *nf)
{
	size_t off = FAB_ETH_HLEN;
	uint16_t et;

	memset(nf, 0, sizeof(*nf));
	if (len < FAB_ETH_HLEN)
		return -EBADMSG;
	nf->eth.dst = fab_rd_mac(d + FAB_ETH_OFF_DST);
	nf->eth.src = fab_rd_mac(d + FAB_ETH_OFF_SRC);
	et = fab_rd16(d + FAB_ETH_OFF_TYPE);
	if (et == FAB_ETH_P_8021Q) {
		if (len < FAB_ETH_HLEN + FAB_VLAN_HLEN)
			return -EBADMSG;
		nf->eth.tagged = true;
		nf->eth.vid = fab_rd16(d + FAB_ETH_HLEN) & FAB_VLAN_VID_MASK;
		et = fab_rd16(d + FAB_ETH_HLEN + 2);
		off += FAB_VLAN_HLEN;
	}
	switch (et) {
	case FAB_ETH_P_ARP:
		return parse_arp(d + off, len - off, nf);
	case FAB_ETH_P_IPV4:
		return parse_ip4(d + off, len - off, nf);
	case FAB_ETH_P_IPV6:
		return parse_ip6(d + off, len - off, nf);
	default:
		return -EPROTONOSUPPORT;
	}
}
