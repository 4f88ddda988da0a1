/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the per-frame pipeline: any bytes, as a burst of frames on any
 * port of the test exchange (tests/unit/fixture.h) and of the VXLAN ports
 * added to it (an underlay port, and a remote VTEP with member R behind it
 * on both LANs), with any ports down,
 * either LAN or both in quarantine, the sponge on or off and answering for
 * a set of addresses or none, and storm control on or off.
 *
 * Input: one byte picks the ingress port (one value past the last is a port
 * the tables do not know), one byte says which ports are down, one byte
 * picks the context (CTX_* below), then frames, each a 2-byte big-endian
 * length and that many bytes (cut short by the end of the input). Each
 * frame lives in its own allocation of exactly HEADROOM + len bytes, so
 * AddressSanitizer catches any read or write outside
 * [data - headroom, data + len). A length with its top bit set is a frame
 * in several buffers (a jumbo frame received with RX scatter): one more
 * byte k, before the frame's bytes, puts FAB_SEG_MIN - 8 + 4 * k of them in
 * the first buffer, and the rest (fab_frame.more) are poisoned while the
 * pipeline runs, so that any access past the first buffer is caught too.
 *
 * The oracle aborts unless every frame that leaves is one the exchange's
 * rules allow: a forward from a provisioned source to the provisioned owner
 * of its destination on another port of the same production LAN, with its
 * payload untouched; or an ARP reply or neighbour advertisement back to the
 * asker, from the owner of the address it answers for or from the sponge
 * for an address it answers for. A dropped frame is left exactly as it was
 * received, and is copied for control exactly when its reason is one that
 * asks for a copy. A frame for R leaves the underlay port inside outer
 * headers the oracle checks field by field, and is judged as if it left
 * on R's VTEP port. A frame on the underlay port is VXLAN the oracle
 * decapsulates itself, judged as received on the VTEP port; or an ARP
 * request for this node's VTEP, answered; or dropped under one of the
 * underlay's reasons. Counters must add up. And the same burst decided with
 * the fast path off (full_rules) must give the same verdicts, the same
 * frames and the same counters; with the families for the traffic matrix
 * asked for (CTX_MATRIX), each forward's must be its frame's as it leaves.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/matrix_count.h"
#include "fabric/model.h"
#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fabric/tables.h"
#include "fabric/vxlan.h"
#include "tests/unit/fixture.h"
#include "tests/fuzz/fuzz.h"

#include <sanitizer/asan_interface.h>

/* The headroom of each frame: enough for a tag, or (CTX_ROOMY) for VXLAN's outer headers. */
#define HEADROOM       8
#define HEADROOM_VXLAN FAB_VXLAN_OUTER_LEN
#define MAX_FRAMES     (2 * FAB_BURST_MAX + 3) /* past one burst, to cross chunks */

/* The VXLAN ports added to the fixture exchange, and what identifies them. */
#define P_U       FX_NPORTS       /* the underlay port */
#define P_V       (FX_NPORTS + 1) /* the remote VTEP's port */
#define NPORTS    (FX_NPORTS + 2)
#define VTEP_IP   0xc6120001u /* 198.18.0.1, this node's */
#define V_IP      0xc6120002u
#define VTEP_MAC  0x02aa00000001ULL
#define NH_MAC    0x02bb00000001ULL
#define VNI_STEER 10100
#define VNI_PROXY 10200

/* The context byte. */
#define CTX_QUARANTINE_STEER 0x01 /* the steering LAN (VLAN 100) is a quarantine LAN */
#define CTX_QUARANTINE_PROXY 0x02 /* so is the proxy LAN (VLAN 200) */
#define CTX_SPONGED          0x04 /* the sponge answers for the addresses of sponged[] */
#define CTX_SPONGE_OFF       0x08 /* the policy turns the sponge off */
#define CTX_STORM            0x10 /* storm control on, at STORM_PPS with a burst of STORM_BURST */
#define CTX_VARIANTS         0x10 /* the bits below CTX_STORM each select other tables */
#define CTX_ROOMY            0x20 /* frames have room for VXLAN's outer headers in front */
#define CTX_MATRIX           0x40 /* the pipeline gives the families for the traffic matrix */
#define STORM_PPS            2
#define BH_MAC               0x02005e000666ULL
#define STORM_BURST          3

/*
 * Addresses the sponge answers for under CTX_SPONGED: B's (steered
 * otherwise), F's on the proxy LAN (owner down, F's port being down or
 * not), E's (answered by proxy otherwise), and one nobody owns on each LAN.
 */
static const char *const sponged_addrs[] = {"192.0.2.11",   "198.51.100.15", "192.0.2.99",
					    "2001:db8::b",  "2001:db8:1::e", "2001:db8:1::f",
					    "2001:db8::99", "198.51.100.99"};
#define NSPONGED (sizeof(sponged_addrs) / sizeof(sponged_addrs[0]))
static uint8_t sponged[NSPONGED][16];

static struct fab_model *models[CTX_VARIANTS];
static struct fab_tables *variants[CTX_VARIANTS];
/* The variant the current input runs on. */
static struct fab_model *model;
static struct fab_tables *tables;
static uint16_t nports;
/* FUZZ_PIPELINE_VERBOSE=1 prints every verdict, to see what the seeds reach. */
static bool verbose;

/* The drop reasons that ask for a copy for control; no other drop carries one. */
static const bool punt_reason[FAB_DROP__COUNT] = {
    [FAB_DROP_arp_spoof] = true,      [FAB_DROP_arp_unknown_target] = true,
    [FAB_DROP_arp_owner_down] = true, [FAB_DROP_arp_gratuitous] = true,
    [FAB_DROP_nd_spoof] = true,       [FAB_DROP_nd_unknown_target] = true,
    [FAB_DROP_nd_owner_down] = true,  [FAB_DROP_nd_unsolicited] = true,
    [FAB_DROP_sponge_mac] = true,     [FAB_DROP_quarantine] = true,
};

/* The underlay port, the remote VTEP's port and member R behind it on both LANs. */
static void add_vxlan(struct fab_model *m)
{
	static const uint16_t both[] = {FX_LAN_STEER, FX_LAN_PROXY};
	struct fab_binding *b;
	int r;

	m->lans[FX_LAN_STEER].vni = VNI_STEER;
	m->lans[FX_LAN_PROXY].vni = VNI_PROXY;
	if (fx_port(m, "u", FAB_PORT_UNDERLAY, FAB_PORT_ACCESS, 1600, 0, NULL) != P_U ||
	    fx_port(m, "v", FAB_PORT_VTEP, FAB_PORT_TRUNK, 1500, 2, both) != P_V)
		abort();
	m->ports[P_U].vxlan =
	    (struct fab_vxlan_port){.address = VTEP_IP, .mac = VTEP_MAC, .next_hop_mac = NH_MAC};
	m->ports[P_V].vxlan.address = V_IP;
	m->ports[P_V].device[0] = '\0';
	r = fx_member(m, 64599, "R");
	b = fx_bind(m, r, P_V, FX_LAN_STEER);
	fx_mac(b, 0x020000000021ULL);
	fx_ip4(b, "192.0.2.33");
	fx_ip6(b, "2001:db8::21");
	b = fx_bind(m, r, P_V, FX_LAN_PROXY);
	fx_mac(b, 0x020000000121ULL);
	fx_ip4(b, "198.51.100.33");
	fx_ip6(b, "2001:db8:1::21");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NSPONGED; i++) {
		if (strchr(sponged_addrs[i], ':') != NULL) {
			struct fab_ip6 a6 = fx_parse6(sponged_addrs[i]);

			memcpy(sponged[i], a6.b, 16);
		} else {
			uint32_t a4 = fx_parse4(sponged_addrs[i]);

			sponged[i][10] = sponged[i][11] = 0xff;
			for (int k = 0; k < 4; k++)
				sponged[i][12 + k] = (uint8_t)(a4 >> (24 - 8 * k));
		}
	}
	for (unsigned c = 0; c < CTX_VARIANTS; c++) {
		struct fab_model *m = fx_exchange();
		struct fab_tables *t;

		if (c & CTX_QUARANTINE_STEER)
			m->lans[FX_LAN_STEER].kind = FAB_LAN_QUARANTINE;
		if (c & CTX_QUARANTINE_PROXY)
			m->lans[FX_LAN_PROXY].kind = FAB_LAN_QUARANTINE;
		m->policy.sponge.enabled = !(c & CTX_SPONGE_OFF);
		/* RFC 7999 blackholing on the steering LAN, in every variant. */
		m->lans[FX_LAN_STEER].blackhole =
		    (struct fab_blackhole){.mac = BH_MAC,
					   .ipv4 = fx_parse4("192.0.2.66"),
					   .has_ipv6 = true,
					   .ipv6 = fx_parse6("2001:db8::66")};
		add_vxlan(m);
		m->policy.storm_arp = (struct fab_rate){.pps = STORM_PPS, .burst = STORM_BURST};
		m->policy.storm_nd = (struct fab_rate){.pps = STORM_PPS, .burst = STORM_BURST};
		t = fab_tables_build(m, 1);
		if (t == NULL || fab_tables_set_sponged(t, (const uint8_t(*)[16])sponged,
							c & CTX_SPONGED ? NSPONGED : 0) != 0)
			abort();
		models[c] = m;
		variants[c] = t;
	}
	nports = fab_tables_nports(variants[0]);
	verbose = getenv("FUZZ_PIPELINE_VERBOSE") != NULL;
	return 0;
}

/* Whether the sponge of the current tables answers for addr (16 bytes, IPv4 mapped). */
static bool is_sponged(const uint8_t *addr)
{
	if (fab_tables_nsponged(tables) == 0)
		return false;
	for (size_t i = 0; i < NSPONGED; i++)
		if (memcmp(sponged[i], addr, 16) == 0)
			return true;
	return false;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static fab_mac_t rd_mac(const uint8_t *p)
{
	return (fab_mac_t)rd16(p) << 32 | rd32(p + 2);
}

/* A frame's LAN on port and the length of its Ethernet header, or -1. */
static int lan_of(uint16_t port, const uint8_t *d, uint16_t len, uint16_t *l2len)
{
	if (len < FAB_ETH_HLEN)
		return -1;
	if (rd16(d + 12) == FAB_ETH_P_8021Q) {
		if (len < FAB_ETH_HLEN + FAB_VLAN_HLEN)
			return -1;
		*l2len = FAB_ETH_HLEN + FAB_VLAN_HLEN;
		return fab_tables_lan_of(tables, port, rd16(d + FAB_ETH_HLEN) & 0xfff);
	}
	*l2len = FAB_ETH_HLEN;
	return fab_tables_lan_of(tables, port, 0);
}

/* The shape a frame must have to leave on port: one tag on a trunk, none on access. */
static void check_egress_shape(uint16_t port, const uint8_t *d, uint16_t len, uint16_t lan)
{
	const struct fab_port *p = &model->ports[port];
	bool tagged = len >= FAB_ETH_HLEN && rd16(d + 12) == FAB_ETH_P_8021Q;
	uint16_t l2len = 0;
	int out_lan = lan_of(port, d, len, &l2len);

	CHECK(len >= FAB_ETH_MIN_LEN);
	CHECK(tagged == (p->mode == FAB_PORT_TRUNK));
	if (tagged)
		CHECK((rd16(d + FAB_ETH_HLEN) & 0xf000) == 0); /* PCP 0, DEI 0 */
	CHECK(out_lan == lan);
	CHECK((uint32_t)(len - l2len) <= p->mtu);
	CHECK(rd16(d + l2len - 2) != FAB_ETH_P_8021Q);
}

/*
 * The ones' complement sum of an ICMPv6 message with its pseudo-header
 * (0xffff when the checksum is right). The oracle computes it itself: the
 * pipeline's own routine cannot judge the answers it was used to build.
 */
static uint16_t icmp6_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint32_t s = len + FAB_IPPROTO_ICMPV6;

	for (int i = 8; i < 40; i += 2)
		s += rd16(ip + i);
	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += rd16(icmp + i);
	if (len & 1)
		s += (uint32_t)icmp[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Whether a frame is an ARP request or an IPv6 neighbour solicitation. */
static bool neigh_request(const uint8_t *d, uint16_t len)
{
	uint16_t l2 = FAB_ETH_HLEN;

	if (len >= FAB_ETH_HLEN + FAB_VLAN_HLEN && rd16(d + 12) == FAB_ETH_P_8021Q)
		l2 += FAB_VLAN_HLEN;
	if (len < l2 + 41)
		return false;
	if (rd16(d + l2 - 2) == FAB_ETH_P_ARP)
		return rd16(d + l2 + 6) == FAB_ARP_OP_REQUEST;
	if (rd16(d + l2 - 2) != FAB_ETH_P_IPV6)
		return false;
	/* Behind any extension headers, as the pipeline walks them. */
	uint8_t nh = d[l2 + 6];
	uint32_t off = l2 + 40u;

	for (int k = 0; k < 16 && (nh == FAB_IPPROTO_HOPOPTS || nh == FAB_IPPROTO_ROUTING ||
				   nh == FAB_IPPROTO_FRAGMENT || nh == FAB_IPPROTO_DSTOPTS ||
				   nh == FAB_IPPROTO_AH);
	     k++) {
		uint32_t hlen;

		if (len < off + 8)
			return false;
		hlen = nh == FAB_IPPROTO_FRAGMENT ? 8u
		       : nh == FAB_IPPROTO_AH     ? (d[off + 1] + 2u) * 4
						  : (d[off + 1] + 1u) * 8;
		nh = d[off];
		off += hlen;
	}
	return nh == FAB_IPPROTO_ICMPV6 && len > off && d[off] == FAB_ICMP6_NS;
}

/* Whether the requester of an answered ARP or ND request is an address the
 * sponge answers for: its sender protocol address, or its IPv6 source. */
static bool requester_sponged(const uint8_t *d, uint16_t len)
{
	uint8_t addr[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint16_t l2 = FAB_ETH_HLEN;

	if (len >= FAB_ETH_HLEN + FAB_VLAN_HLEN && rd16(d + 12) == FAB_ETH_P_8021Q)
		l2 += FAB_VLAN_HLEN;
	if (len < l2 + 40)
		return false;
	if (rd16(d + l2 - 2) == FAB_ETH_P_ARP)
		memcpy(addr + 12, d + l2 + 14, 4);
	else
		memcpy(addr, d + l2 + 8, 16);
	return is_sponged(addr);
}

/* A forward: provisioned source on the ingress port, provisioned owner of the destination. */
static void check_forward(uint16_t in_port, const uint8_t *oper, const uint8_t *orig, uint16_t olen,
			  const struct fab_frame *f, const struct fab_verdict *v)
{
	struct fab_owner src, dst;
	uint16_t ol2 = 0, l2 = 0, etype;
	int lan = lan_of(in_port, orig, olen, &ol2);
	const uint8_t *d = f->data;
	uint16_t plen, oplen;

	CHECK(v->port < nports && v->port != in_port);
	CHECK(oper[v->port] == FAB_OPER_UP);
	CHECK(lan >= 0 && model->lans[lan].kind != FAB_LAN_QUARANTINE);
	check_egress_shape(v->port, d, f->len, (uint16_t)lan);
	lan_of(v->port, d, f->len, &l2);
	CHECK(fab_tables_lookup_mac(tables, (uint16_t)lan, rd_mac(d + 6), &src) == 0);
	CHECK(src.port == in_port && rd_mac(d + 6) == rd_mac(orig + 6));
	CHECK(fab_tables_lookup_mac(tables, (uint16_t)lan, rd_mac(d), &dst) == 0);
	CHECK(dst.port == v->port);
	etype = rd16(d + l2 - 2);
	/* Only the destination of a steered request may change, to its owner's MAC. */
	CHECK(rd_mac(d) == rd_mac(orig) ||
	      (etype == FAB_ETH_P_ARP && rd16(d + l2 + 6) == FAB_ARP_OP_REQUEST) ||
	      etype == FAB_ETH_P_IPV6);
	CHECK(etype == FAB_ETH_P_IPV4 || etype == FAB_ETH_P_ARP || etype == FAB_ETH_P_IPV6);
	CHECK(etype == rd16(orig + ol2 - 2));
	/* The payload leaves as it came; a short frame whose tag was popped ends in zeros. */
	plen = (uint16_t)(f->len - l2);
	oplen = (uint16_t)(olen - ol2);
	CHECK(plen >= oplen);
	CHECK(memcmp(d + l2, orig + ol2, plen < oplen ? plen : oplen) == 0);
	for (uint16_t i = oplen; i < plen; i++)
		CHECK(d[l2 + i] == 0);
}

/*
 * An answer: back to the asker, from the owner of the address answered for
 * on a proxy LAN, or from the sponge on any LAN for an address it answers
 * for.
 */
static void check_reply(uint16_t in_port, const uint8_t *oper, const uint8_t *orig, uint16_t olen,
			const struct fab_frame *f, const struct fab_verdict *v)
{
	struct fab_owner from, owner;
	uint16_t ol2 = 0, l2 = 0;
	int lan = lan_of(in_port, orig, olen, &ol2);
	const uint8_t *d = f->data, *a;
	bool sponge, blackhole;
	const struct fab_blackhole *bh;

	CHECK(v->port == in_port && lan >= 0 && model->lans[lan].kind != FAB_LAN_QUARANTINE);
	bh = &model->lans[lan].blackhole;
	check_egress_shape(in_port, d, f->len, (uint16_t)lan);
	lan_of(in_port, d, f->len, &l2);
	CHECK(rd_mac(d) == rd_mac(orig + 6));
	sponge = model->policy.sponge.enabled && rd_mac(d + 6) == model->policy.sponge.mac;
	/* The LAN's blackhole answers for its own next hops, and only for them. */
	blackhole = bh->mac != 0 && rd_mac(d + 6) == bh->mac;
	if (!sponge && !blackhole) {
		CHECK(model->lans[lan].neigh == FAB_NEIGH_PROXY);
		CHECK(fab_tables_lookup_mac(tables, (uint16_t)lan, rd_mac(d + 6), &from) == 0);
		CHECK(from.port != in_port && oper[from.port] == FAB_OPER_UP);
	}
	a = d + l2;
	if (rd16(d + l2 - 2) == FAB_ETH_P_ARP) {
		uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		CHECK(f->len - l2 >= FAB_ARP_LEN);
		CHECK(rd16(a) == FAB_ARP_HTYPE_ETH && rd16(a + 2) == FAB_ARP_PTYPE_IPV4);
		CHECK(a[4] == 6 && a[5] == 4 && rd16(a + 6) == FAB_ARP_OP_REPLY);
		CHECK(rd_mac(a + 8) == rd_mac(d + 6) && rd_mac(a + 18) == rd_mac(orig + 6));
		memcpy(mapped + 12, a + 14, 4);
		if (blackhole) {
			CHECK(bh->ipv4 != 0 && rd32(a + 14) == bh->ipv4);
			return;
		}
		if (sponge) {
			CHECK(is_sponged(mapped));
			return;
		}
		CHECK(fab_tables_lookup_ip4(tables, (uint16_t)lan, rd32(a + 14), &owner) == 0);
		CHECK(owner.binding == from.binding && owner.mac == rd_mac(d + 6));
	} else {
		struct fab_ip6 target;

		CHECK(rd16(d + l2 - 2) == FAB_ETH_P_IPV6);
		CHECK(f->len == l2 + FAB_IPV6_HLEN + FAB_ND_MSG_LEN + 8);
		CHECK((a[0] >> 4) == 6 && rd16(a + 4) == FAB_ND_MSG_LEN + 8);
		CHECK(a[6] == FAB_IPPROTO_ICMPV6 && a[7] == FAB_ND_HOP_LIMIT);
		CHECK(a[FAB_IPV6_HLEN] == FAB_ICMP6_NA && a[FAB_IPV6_HLEN + 1] == 0);
		CHECK(icmp6_sum(a, a + FAB_IPV6_HLEN, FAB_ND_MSG_LEN + 8) == 0xffff);
		memcpy(target.b, a + FAB_IPV6_HLEN + 8, sizeof(target.b));
		CHECK(memcmp(target.b, a + 8, 16) == 0);
		CHECK(rd_mac(a + FAB_IPV6_HLEN + FAB_ND_MSG_LEN + 2) == rd_mac(d + 6));
		if (blackhole) {
			CHECK(bh->has_ipv6 && memcmp(target.b, bh->ipv6.b, 16) == 0);
			return;
		}
		if (sponge) {
			CHECK(is_sponged(target.b));
			return;
		}
		CHECK(fab_tables_lookup_ip6(tables, (uint16_t)lan, &target, &owner) == 0);
		CHECK(owner.binding == from.binding && owner.mac == rd_mac(d + 6));
	}
}

/* The ones' complement sum of an IPv4 header without options (0xffff when right). */
static uint16_t ip4_sum(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < FAB_IPV4_HLEN_MIN; i += 2)
		s += rd16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A LAN's VLAN by its VNI, or 0. */
static uint16_t vlan_of_vni(uint32_t vni)
{
	return vni == VNI_STEER ? 100 : vni == VNI_PROXY ? 200 : 0;
}

/*
 * The frame of len bytes at d as the VTEP port gets it: with the tag of the
 * LAN of vni after its addresses, padded with zeros to the Ethernet minimum.
 * Returns its length in out.
 */
static uint16_t tagged_inner(const uint8_t *d, uint16_t len, uint32_t vni, uint8_t *out)
{
	uint16_t n = (uint16_t)(len + FAB_VLAN_HLEN);

	memcpy(out, d, 12);
	out[12] = 0x81;
	out[13] = 0;
	out[14] = (uint8_t)(vlan_of_vni(vni) >> 8);
	out[15] = (uint8_t)vlan_of_vni(vni);
	memcpy(out + 16, d + 12, len - 12u);
	for (; n < FAB_ETH_MIN_LEN; n++)
		out[n] = 0;
	return n;
}

/*
 * Whether a frame received on the underlay is VXLAN for this node from the
 * remote VTEP in a VNI it carries, by RFC 7348 and the oracle's own reading:
 * if so, out holds the inner frame as the VTEP port gets it (tagged_inner),
 * *olen its length.
 */
static bool oracle_decap(const uint8_t *d, uint16_t len, uint8_t *out, uint16_t *olen)
{
	const uint8_t *ip = d + FAB_ETH_HLEN;
	uint16_t iplen;
	uint32_t vni;

	if (len < FAB_VXLAN_OUTER_LEN + FAB_ETH_HLEN || rd16(d + 12) != FAB_ETH_P_IPV4 ||
	    rd_mac(d) != VTEP_MAC || ip[0] != 0x45 || ip[9] != FAB_IPPROTO_UDP ||
	    rd32(ip + 16) != VTEP_IP || rd32(ip + 12) != V_IP || rd16(ip + 22) != 4789 ||
	    (rd16(ip + 6) & 0x3fff) != 0 || ip4_sum(ip) != 0xffff || !(ip[28] & 0x08))
		return false;
	iplen = rd16(ip + 2);
	vni = rd32(ip + 32) >> 8;
	if (iplen < 50 || iplen > len - FAB_ETH_HLEN || vlan_of_vni(vni) == 0)
		return false;
	*olen = tagged_inner(d + FAB_VXLAN_OUTER_LEN, (uint16_t)(iplen - 36), vni, out);
	return true;
}

/*
 * A frame this node sends the remote VTEP: outer headers as RFC 7348 and
 * this node's VTEP say, field by field; returns in out the inner frame as
 * it would leave the VTEP's port were it a trunk (tagged_inner), for the
 * checks of any frame that leaves a port, and its length.
 */
static uint16_t check_outer(const uint8_t *d, uint16_t len, uint8_t *out)
{
	const uint8_t *ip = d + FAB_ETH_HLEN, *udp = ip + 20, *vx = udp + 8;

	CHECK(len >= FAB_VXLAN_OUTER_LEN + FAB_ETH_HLEN);
	CHECK(rd_mac(d) == NH_MAC && rd_mac(d + 6) == VTEP_MAC && rd16(d + 12) == FAB_ETH_P_IPV4);
	CHECK(ip[0] == 0x45 && rd16(ip + 2) == len - FAB_ETH_HLEN && rd16(ip + 6) == 0x4000);
	CHECK(ip[8] == 64 && ip[9] == FAB_IPPROTO_UDP && ip4_sum(ip) == 0xffff);
	CHECK(rd32(ip + 12) == VTEP_IP && rd32(ip + 16) == V_IP);
	CHECK(rd16(udp) >= 49152 && rd16(udp + 2) == 4789 && rd16(udp + 4) == len - 34);
	CHECK(rd16(udp + 6) == 0 && rd32(vx) == 0x08000000 && vx[7] == 0);
	CHECK(vlan_of_vni(rd32(vx + 4) >> 8) != 0);
	/* The inner frame carries no tag: its LAN is the VNI. */
	CHECK(rd16(d + FAB_VXLAN_OUTER_LEN + 12) != FAB_ETH_P_8021Q);
	return tagged_inner(d + FAB_VXLAN_OUTER_LEN, (uint16_t)(len - FAB_VXLAN_OUTER_LEN),
			    rd32(vx + 4) >> 8, out);
}

/* An answer of the underlay port: ARP for this node's VTEP, back to the asker. */
static void check_underlay_reply(const uint8_t *orig, uint16_t olen, const struct fab_frame *f)
{
	const uint8_t *a = f->data + FAB_ETH_HLEN, *q = orig + FAB_ETH_HLEN;

	CHECK(olen >= FAB_ETH_HLEN + FAB_ARP_LEN && f->len == olen);
	CHECK(rd16(orig + 12) == FAB_ETH_P_ARP && rd16(q + 6) == FAB_ARP_OP_REQUEST);
	CHECK(rd32(q + 24) == VTEP_IP);
	CHECK(rd_mac(f->data) == rd_mac(orig + 6) && rd_mac(f->data + 6) == VTEP_MAC);
	CHECK(rd16(a + 6) == FAB_ARP_OP_REPLY && rd_mac(a + 8) == VTEP_MAC);
	CHECK(rd32(a + 14) == VTEP_IP && rd_mac(a + 18) == rd_mac(q + 8));
	CHECK(rd32(a + 24) == rd32(q + 14));
}

/*
 * One port's counters against the verdicts of the frames counted on it
 * (at[i] == port): rx = forwarded + steered + answered + decap + drops,
 * per reason as the verdicts say, where decap is how many it passed on.
 */
static void check_port_counters(uint16_t port, const struct fab_port_stats *before,
				const struct fab_port_stats *after, const struct fab_verdict *v,
				const uint16_t *at, uint16_t n, uint64_t octets, uint64_t decap)
{
	uint64_t fwd = 0, rep = 0, punt = 0, drops[FAB_DROP__COUNT] = {0}, ndrop = 0, mine = 0;
	const uint64_t *b = before[port].ctr, *a = after[port].ctr;
	uint64_t sum = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (at[i] != port)
			continue;
		mine++;
		fwd += v[i].action == FAB_ACT_FORWARD;
		rep += v[i].action == FAB_ACT_REPLY;
		punt += (v[i].flags & FAB_VF_PUNT) != 0;
		if (v[i].action == FAB_ACT_DROP) {
			drops[v[i].reason]++;
			ndrop++;
		}
	}
	for (int r = 0; r < FAB_DROP__COUNT; r++) {
		CHECK(after[port].drop[r] - before[port].drop[r] == drops[r]);
		sum += after[port].drop[r] - before[port].drop[r];
	}
	CHECK(a[FAB_CTR_rx_packets] - b[FAB_CTR_rx_packets] == mine + decap);
	CHECK(a[FAB_CTR_rx_octets] - b[FAB_CTR_rx_octets] == octets);
	CHECK(a[FAB_CTR_decapsulated] - b[FAB_CTR_decapsulated] == decap);
	CHECK(a[FAB_CTR_rx_packets] - b[FAB_CTR_rx_packets] ==
	      a[FAB_CTR_forwarded] - b[FAB_CTR_forwarded] + a[FAB_CTR_steered] -
		  b[FAB_CTR_steered] + a[FAB_CTR_answered] - b[FAB_CTR_answered] + decap + sum);
	CHECK(a[FAB_CTR_forwarded] - b[FAB_CTR_forwarded] + a[FAB_CTR_steered] -
		  b[FAB_CTR_steered] ==
	      fwd);
	CHECK(a[FAB_CTR_answered] - b[FAB_CTR_answered] == rep);
	CHECK(a[FAB_CTR_rx_discards] - b[FAB_CTR_rx_discards] == ndrop);
	CHECK(a[FAB_CTR_punted] - b[FAB_CTR_punted] == punt);
	CHECK(a[FAB_CTR_rx_errors] - b[FAB_CTR_rx_errors] <= ndrop);
	CHECK(a[FAB_CTR_rx_unicast] - b[FAB_CTR_rx_unicast] + a[FAB_CTR_rx_multicast] -
		  b[FAB_CTR_rx_multicast] + a[FAB_CTR_rx_broadcast] - b[FAB_CTR_rx_broadcast] <=
	      mine + decap);
}

/*
 * The VTEP's port, when the frames came from a member's: it counts those
 * encapsulated to it as sent (packets and unicast exactly, octets within
 * what the frames can be), and nothing else changes.
 */
static void check_vtep_sent(uint16_t in_port, const struct fab_port_stats *before,
			    const struct fab_port_stats *after, const struct fab_verdict *v,
			    uint16_t n)
{
	struct fab_port_stats was = before[P_V];
	uint64_t enc = 0, sent;

	for (uint16_t i = 0; i < n; i++)
		enc += v[i].action == FAB_ACT_FORWARD && v[i].port == P_U && in_port != P_U;
	sent = after[P_V].ctr[FAB_CTR_tx_octets] - was.ctr[FAB_CTR_tx_octets];
	CHECK(after[P_V].ctr[FAB_CTR_tx_packets] - was.ctr[FAB_CTR_tx_packets] == enc);
	CHECK(after[P_V].ctr[FAB_CTR_tx_unicast] - was.ctr[FAB_CTR_tx_unicast] == enc);
	CHECK(sent >= enc * FAB_ETH_HLEN && sent <= enc * UINT16_MAX);
	was.ctr[FAB_CTR_tx_packets] = after[P_V].ctr[FAB_CTR_tx_packets];
	was.ctr[FAB_CTR_tx_unicast] = after[P_V].ctr[FAB_CTR_tx_unicast];
	was.ctr[FAB_CTR_tx_octets] = after[P_V].ctr[FAB_CTR_tx_octets];
	CHECK(memcmp(&was, &after[P_V], sizeof(was)) == 0);
}

/* The counters of every port: only those of the ports the frames reached changed. */
static void check_counters(uint16_t in_port, const struct fab_port_stats *before,
			   const struct fab_port_stats *after, const struct fab_verdict *v,
			   const uint16_t *at, uint16_t n, uint64_t octets, uint64_t v_octets)
{
	uint64_t decap = 0;

	for (uint16_t i = 0; i < n; i++)
		decap += at[i] == P_V && in_port == P_U;
	for (uint16_t p = 0; p < nports; p++) {
		if (in_port < nports && p == P_V && in_port != P_U && in_port != P_V)
			check_vtep_sent(in_port, before, after, v, n);
		else if (in_port >= nports || (p != in_port && (p != P_V || in_port != P_U)))
			CHECK(memcmp(&before[p], &after[p], sizeof(before[p])) == 0);
	}
	if (in_port >= nports)
		return;
	check_port_counters(in_port, before, after, v, at, n, octets, in_port == P_U ? decap : 0);
	if (in_port == P_U)
		check_port_counters(P_V, before, after, v, at, n, v_octets, 0);
}

/* The reasons the underlay port drops a frame for before any member's rule. */
static bool underlay_reason(unsigned r)
{
	return r == FAB_DROP_port_down || r == FAB_DROP_runt || r == FAB_DROP_underlay_other ||
	       r == FAB_DROP_vxlan_malformed || r == FAB_DROP_vxlan_unknown_vtep ||
	       r == FAB_DROP_vxlan_unknown_vni;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t afi[MAX_FRAMES], afi2[MAX_FRAMES];
	static struct fab_port_stats stats[NPORTS], before[NPORTS];
	static struct fab_frame frames[MAX_FRAMES];
	static struct fab_verdict verdicts[MAX_FRAMES];
	static struct fab_port_stats stats2[NPORTS];
	static struct fab_frame frames2[MAX_FRAMES];
	static struct fab_verdict verdicts2[MAX_FRAMES];
	static uint8_t *bufs[MAX_FRAMES], *origs[MAX_FRAMES], *bufs2[MAX_FRAMES];
	static uint16_t olens[MAX_FRAMES], at[MAX_FRAMES], mores[MAX_FRAMES];
	static struct fab_bucket storm[NPORTS * FAB_STORM__COUNT];
	static struct fab_bucket storm2[NPORTS * FAB_STORM__COUNT];
	static uint8_t fill[HEADROOM_VXLAN];
	static uint8_t inner[MAX_FRAMES][65536 + 64];
	static uint16_t ilens[MAX_FRAMES];
	static uint8_t out[65536 + 64];
	uint8_t oper[NPORTS];
	struct fab_pipeline_ctx ctx, ctx2;
	uint16_t in_port, n = 0, room;
	uint64_t octets = 0, v_octets = 0;
	size_t off = 3;

	if (size < 3)
		return 0;
	in_port = (uint16_t)(data[0] % (nports + 1));
	for (uint16_t p = 0; p < NPORTS; p++)
		oper[p] = (data[1] >> p) & 1 ? FAB_OPER_DOWN : FAB_OPER_UP;
	model = models[data[2] % CTX_VARIANTS];
	tables = variants[data[2] % CTX_VARIANTS];
	room = data[2] & CTX_ROOMY ? HEADROOM_VXLAN : HEADROOM;
	/* Both runs start from full buckets, so each input decides the same way every time. */
	memset(storm, 0, sizeof(storm));
	memset(storm2, 0, sizeof(storm2));
	memset(fill, 0xa5, sizeof(fill));
	ctx = (struct fab_pipeline_ctx){.t = tables,
					.oper = oper,
					.stats = stats,
					.now = 1,
					.storm = data[2] & CTX_STORM ? storm : NULL};
	ctx2 = ctx;
	ctx2.stats = stats2;
	ctx2.storm = ctx.storm != NULL ? storm2 : NULL;
	ctx2.full_rules = true;
	if (data[2] & CTX_MATRIX) {
		/* As a worker does: a family for every frame, forwarded or not. */
		memset(afi, FAB_AFI_OTHER, sizeof(afi));
		memset(afi2, FAB_AFI_OTHER, sizeof(afi2));
		ctx.afi = afi;
		ctx2.afi = afi2;
	}
	while (n < MAX_FRAMES && off + 2 <= size) {
		uint16_t len = rd16(data + off), more = 0, seg = 0;

		off += 2;
		if ((len & 0x8000) && off < size) {
			len &= 0x7fff;
			seg = (uint16_t)(FAB_SEG_MIN - 8 + 4 * data[off++]);
		}
		if (len > size - off)
			len = (uint16_t)(size - off);
		bufs[n] = malloc((size_t)room + len);
		bufs2[n] = malloc((size_t)room + len);
		origs[n] = malloc(len ? len : 1);
		if (bufs[n] == NULL || bufs2[n] == NULL || origs[n] == NULL)
			abort();
		memcpy(bufs[n], fill, room);
		memcpy(bufs[n] + room, data + off, len);
		memcpy(bufs2[n], bufs[n], (size_t)room + len);
		frames2[n] =
		    (struct fab_frame){.data = bufs2[n] + room, .len = len, .headroom = room};
		memcpy(origs[n], data + off, len);
		olens[n] = len;
		if (seg != 0 && seg < len)
			more = (uint16_t)(len - seg);
		frames[n] = (struct fab_frame){
		    .data = bufs[n] + room, .len = len, .headroom = room, .more = more};
		frames2[n].more = more;
		mores[n] = more;
		ASAN_POISON_MEMORY_REGION(bufs[n] + room + len - more, more);
		ASAN_POISON_MEMORY_REGION(bufs2[n] + room + len - more, more);
		octets += len;
		/* On the underlay, the oracle decides for itself what is VXLAN to decapsulate. */
		at[n] = in_port;
		/* In several buffers, only VXLAN whose inner frame runs to the end,
		 * with the outer headers in the first buffer (else scattered). */
		if (in_port == P_U && oper[P_U] == FAB_OPER_UP &&
		    oracle_decap(origs[n], len, inner[n], &ilens[n]) &&
		    (more == 0 || (len - more >= FAB_SEG_MIN &&
				   rd16(origs[n] + FAB_ETH_HLEN + 2) + FAB_ETH_HLEN == len))) {
			at[n] = P_V;
			v_octets += ilens[n];
		}
		off += len;
		n++;
	}
	memset(stats, 0, sizeof(stats));
	memset(stats2, 0, sizeof(stats2));
	memcpy(before, stats, sizeof(before));
	/* A burst with a frame in pieces is decided as a chaining port's. */
	for (uint16_t i = 0; i < n; i++)
		ctx.segmented |= mores[i] != 0;
	ctx2.segmented = ctx.segmented;

	fab_pipeline_run(&ctx, in_port, frames, verdicts, n);
	fab_pipeline_run(&ctx2, in_port, frames2, verdicts2, n);
	for (uint16_t i = 0; i < n; i++) {
		ASAN_UNPOISON_MEMORY_REGION(bufs[i] + room + olens[i] - mores[i], mores[i]);
		ASAN_UNPOISON_MEMORY_REGION(bufs2[i] + room + olens[i] - mores[i], mores[i]);
	}
	CHECK(memcmp(stats, stats2, sizeof(stats)) == 0);

	check_counters(in_port, before, stats, verdicts, at, n, octets, v_octets);
	for (uint16_t i = 0; i < n; i++) {
		const struct fab_frame *f = &frames[i];
		const struct fab_verdict *v = &verdicts[i];
		bool decap = at[i] != in_port;
		/* What the rules judged: the frame as received, or its inner frame. */
		const uint8_t *orig = decap ? inner[i] : origs[i];
		uint16_t olen = decap ? ilens[i] : olens[i], from = at[i];
		struct fab_frame leaves = *f;
		struct fab_verdict as = *v;

		if (verbose)
			fprintf(stderr, "ctx %#x port %u frame %u (%u bytes): %s %s port %u%s\n",
				data[2], in_port, i, olens[i],
				v->action == FAB_ACT_DROP      ? "drop"
				: v->action == FAB_ACT_FORWARD ? "forward"
							       : "reply",
				v->action == FAB_ACT_DROP ? fab_drop_name(v->reason) : "", v->port,
				v->flags & FAB_VF_PUNT ? " punt" : "");
		/* Fast path or full rules: one outcome. */
		CHECK(memcmp(v, &verdicts2[i], sizeof(*v)) == 0);
		CHECK(f->len == frames2[i].len && f->headroom == frames2[i].headroom);
		/* What lies past the first buffer stays as it is, and where it is. */
		CHECK(f->more == mores[i] && frames2[i].more == mores[i]);
		CHECK(mores[i] == 0 ||
		      f->data + f->len - f->more == bufs[i] + room + olens[i] - mores[i]);
		CHECK(memcmp(bufs[i], bufs2[i], (size_t)room + olens[i]) == 0);
		/* The frame stays inside its buffer, and headroom says where it starts. */
		CHECK(f->data >= bufs[i] && f->data - bufs[i] == f->headroom);
		CHECK(f->data + f->len <= bufs[i] + room + olens[i]);
		CHECK(v->action <= FAB_ACT_REPLY &&
		      (v->flags & ~(FAB_VF_PUNT | FAB_VF_MOVED)) == 0);
		/* MOVED is set exactly on frames that leave changed in place or length,
		 * and on every decapsulated frame, which is no longer where it came. */
		CHECK(((v->flags & FAB_VF_MOVED) != 0) ==
		      (decap || (v->action != FAB_ACT_DROP &&
				 (f->data != bufs[i] + room || f->len != olens[i]))));
		/* Whatever leaves goes to a provisioned MAC, never a group. */
		CHECK(v->action == FAB_ACT_DROP || (f->len >= 6 && !(f->data[0] & 1)));
		if (in_port >= nports || oper[in_port] != FAB_OPER_UP || oper[from] != FAB_OPER_UP)
			CHECK(v->action == FAB_ACT_DROP && v->reason == FAB_DROP_port_down);
		/* The matrix's pair is named on forwards only (fabric/pipeline.h), with
		 * the family of the frame as it leaves (to a VTEP: the inner frame's). */
		CHECK(v->dst == 0 || v->action == FAB_ACT_FORWARD);
		CHECK(v->dst != 0 || v->src == 0 || v->action == FAB_ACT_DROP);
		CHECK(!(data[2] & CTX_MATRIX) || v->dst == 0 ||
		      (afi[i] ==
			   fab_mx_afi_of(f->data + (v->port == P_U ? FAB_VXLAN_OUTER_LEN : 0)) &&
		       afi2[i] == afi[i]));
		/* A verdict that names no pair is counted too, under whatever family
		 * it has, which must index the counters. */
		CHECK(!(data[2] & CTX_MATRIX) || v->action == FAB_ACT_DROP ||
		      (afi[i] < FAB_AFI__COUNT && afi2[i] < FAB_AFI__COUNT));
		/* The underlay's own frames are answered or dropped there, for its reasons. */
		if (in_port == P_U && !decap) {
			CHECK(v->action != FAB_ACT_FORWARD);
			if (v->action == FAB_ACT_REPLY) {
				CHECK(v->port == P_U && v->flags == 0);
				check_underlay_reply(origs[i], olens[i], f);
				goto next;
			}
			CHECK(underlay_reason(v->reason) ||
			      (mores[i] != 0 && v->reason == FAB_DROP_scattered));
		}
		if (decap)
			CHECK(v->action != FAB_ACT_DROP || !underlay_reason(v->reason) ||
			      v->reason == FAB_DROP_port_down);
		/* A frame for R leaves the underlay in VXLAN: judged as it would leave R's port.
		 * From R, only an answer goes back to R (no transit). */
		if (v->action != FAB_ACT_DROP && v->port == P_U) {
			CHECK((!decap && in_port != P_U) || (decap && v->action == FAB_ACT_REPLY));
			leaves = (struct fab_frame){.data = out,
						    .len = check_outer(f->data, f->len, out)};
			as.port = P_V;
		}
		switch (v->action) {
		case FAB_ACT_DROP:
			/* A drop is the whole decision: no port left from a plan it overturned. */
			CHECK(v->reason < FAB_DROP__COUNT && v->port == 0 && v->dst == 0);
			/* A dropped frame is left as received (or as decapsulated), headroom
			 * included, whatever a rule before the one that dropped it had
			 * planned for it... */
			CHECK(f->len == olen && memcmp(f->data, orig, olen) == 0);
			if (!decap) {
				CHECK(f->data == bufs[i] + room && f->headroom == room);
				CHECK(memcmp(bufs[i], fill, room) == 0);
			}
			/* ... and copied for control exactly when its reason asks for it. */
			CHECK(((v->flags & FAB_VF_PUNT) != 0) == punt_reason[v->reason]);
			/* With the sponge off no MAC is the sponge's, not even 0. */
			CHECK(v->reason != FAB_DROP_sponge_mac || model->policy.sponge.enabled);
			/* Only frames to the blackhole MAC of the steering LAN are blackholed. */
			CHECK(v->reason != FAB_DROP_blackhole ||
			      (olen >= FAB_ETH_ADDR_LEN && rd_mac(orig) == BH_MAC));
			/* The remote VTEP's own reason for a source it may not use. */
			CHECK(v->reason != FAB_DROP_vxlan_src_mac || from == P_V);
			CHECK(v->reason != FAB_DROP_src_mac_violation || from != P_V);
			break;
		case FAB_ACT_FORWARD:
			/* Only a steered request carries a copy, for the sponge if it is on. */
			CHECK(!(v->flags & FAB_VF_PUNT) ||
			      (neigh_request(orig, olen) && model->policy.sponge.enabled));
			/* Nodes do not relay: from R's VTEP never back into the underlay. */
			CHECK(from != P_V || v->port != P_U);
			check_forward(from, oper, orig, olen, &leaves, &as);
			break;
		case FAB_ACT_REPLY:
			/* Copied exactly when the requester is sponged: its owner speaks. */
			CHECK(((v->flags & FAB_VF_PUNT) != 0) == requester_sponged(orig, olen));
			if (from == P_V) {
				/* An answer to R goes back to its VTEP, in VXLAN. */
				CHECK(v->port == P_U);
				leaves = (struct fab_frame){
				    .data = out, .len = check_outer(f->data, f->len, out)};
				as.port = P_V;
			}
			check_reply(from, oper, orig, olen, &leaves, &as);
			break;
		}
	next:
		free(bufs[i]);
		free(bufs2[i]);
		free(origs[i]);
	}
	return 0;
}
