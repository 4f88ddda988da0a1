/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the per-frame pipeline: any bytes, as a burst of frames on any
 * port of the test exchange (tests/unit/fixture.h), with any ports down,
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
 * asks for a copy. Counters must add up. And the same burst decided with
 * the fast path off (full_rules) must give the same verdicts, the same
 * frames and the same counters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/model.h"
#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fabric/tables.h"
#include "tests/unit/fixture.h"
#include "tests/fuzz/fuzz.h"

#include <sanitizer/asan_interface.h>

#define HEADROOM   8
#define MAX_FRAMES (2 * FAB_BURST_MAX + 3) /* past one burst, to cross chunks */

/* The context byte. */
#define CTX_QUARANTINE_STEER 0x01 /* the steering LAN (VLAN 100) is a quarantine LAN */
#define CTX_QUARANTINE_PROXY 0x02 /* so is the proxy LAN (VLAN 200) */
#define CTX_SPONGED          0x04 /* the sponge answers for the addresses of sponged[] */
#define CTX_SPONGE_OFF       0x08 /* the policy turns the sponge off */
#define CTX_STORM            0x10 /* storm control on, at STORM_PPS with a burst of STORM_BURST */
#define CTX_VARIANTS         0x10 /* the bits below CTX_STORM each select other tables */
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

/* rx = forwarded + steered + answered + drops, per reason as the verdicts say. */
static void check_counters(uint16_t in_port, const struct fab_port_stats *before,
			   const struct fab_port_stats *after, const struct fab_verdict *v,
			   uint16_t n, uint64_t octets)
{
	uint64_t fwd = 0, rep = 0, punt = 0, drops[FAB_DROP__COUNT] = {0}, ndrop = 0;

	for (uint16_t p = 0; p < nports; p++)
		if (p != in_port || in_port >= nports)
			CHECK(memcmp(&before[p], &after[p], sizeof(before[p])) == 0);
	if (in_port >= nports)
		return;
	for (uint16_t i = 0; i < n; i++) {
		fwd += v[i].action == FAB_ACT_FORWARD;
		rep += v[i].action == FAB_ACT_REPLY;
		punt += (v[i].flags & FAB_VF_PUNT) != 0;
		if (v[i].action == FAB_ACT_DROP) {
			drops[v[i].reason]++;
			ndrop++;
		}
	}
	const uint64_t *b = before[in_port].ctr, *a = after[in_port].ctr;
	uint64_t sum = 0;

	for (int r = 0; r < FAB_DROP__COUNT; r++) {
		CHECK(after[in_port].drop[r] - before[in_port].drop[r] == drops[r]);
		sum += after[in_port].drop[r] - before[in_port].drop[r];
	}
	CHECK(a[FAB_CTR_rx_packets] - b[FAB_CTR_rx_packets] == n);
	CHECK(a[FAB_CTR_rx_octets] - b[FAB_CTR_rx_octets] == octets);
	CHECK(a[FAB_CTR_rx_packets] - b[FAB_CTR_rx_packets] ==
	      a[FAB_CTR_forwarded] - b[FAB_CTR_forwarded] + a[FAB_CTR_steered] -
		  b[FAB_CTR_steered] + a[FAB_CTR_answered] - b[FAB_CTR_answered] + sum);
	CHECK(a[FAB_CTR_forwarded] - b[FAB_CTR_forwarded] + a[FAB_CTR_steered] -
		  b[FAB_CTR_steered] ==
	      fwd);
	CHECK(a[FAB_CTR_answered] - b[FAB_CTR_answered] == rep);
	CHECK(a[FAB_CTR_rx_discards] - b[FAB_CTR_rx_discards] == ndrop);
	CHECK(a[FAB_CTR_punted] - b[FAB_CTR_punted] == punt);
	CHECK(a[FAB_CTR_rx_errors] - b[FAB_CTR_rx_errors] <= ndrop);
	CHECK(a[FAB_CTR_rx_unicast] - b[FAB_CTR_rx_unicast] + a[FAB_CTR_rx_multicast] -
		  b[FAB_CTR_rx_multicast] + a[FAB_CTR_rx_broadcast] - b[FAB_CTR_rx_broadcast] <=
	      n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fab_port_stats stats[FX_NPORTS], before[FX_NPORTS];
	static struct fab_frame frames[MAX_FRAMES];
	static struct fab_verdict verdicts[MAX_FRAMES];
	static struct fab_port_stats stats2[FX_NPORTS];
	static struct fab_frame frames2[MAX_FRAMES];
	static struct fab_verdict verdicts2[MAX_FRAMES];
	static uint8_t *bufs[MAX_FRAMES], *origs[MAX_FRAMES], *bufs2[MAX_FRAMES];
	static uint16_t olens[MAX_FRAMES], mores[MAX_FRAMES];
	static struct fab_bucket storm[FX_NPORTS * FAB_STORM__COUNT];
	static struct fab_bucket storm2[FX_NPORTS * FAB_STORM__COUNT];
	static uint8_t fill[HEADROOM];
	uint8_t oper[FX_NPORTS];
	struct fab_pipeline_ctx ctx, ctx2;
	uint16_t in_port, n = 0;
	uint64_t octets = 0;
	size_t off = 3;

	if (size < 3)
		return 0;
	in_port = (uint16_t)(data[0] % (nports + 1));
	for (uint16_t p = 0; p < FX_NPORTS; p++)
		oper[p] = (data[1] >> p) & 1 ? FAB_OPER_DOWN : FAB_OPER_UP;
	model = models[data[2] % CTX_VARIANTS];
	tables = variants[data[2] % CTX_VARIANTS];
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
	while (n < MAX_FRAMES && off + 2 <= size) {
		uint16_t len = rd16(data + off), more = 0, seg = 0;

		off += 2;
		if ((len & 0x8000) && off < size) {
			len &= 0x7fff;
			seg = (uint16_t)(FAB_SEG_MIN - 8 + 4 * data[off++]);
		}
		if (len > size - off)
			len = (uint16_t)(size - off);
		bufs[n] = malloc((size_t)HEADROOM + len);
		bufs2[n] = malloc((size_t)HEADROOM + len);
		origs[n] = malloc(len ? len : 1);
		if (bufs[n] == NULL || bufs2[n] == NULL || origs[n] == NULL)
			abort();
		memcpy(bufs[n], fill, HEADROOM);
		memcpy(bufs[n] + HEADROOM, data + off, len);
		memcpy(bufs2[n], bufs[n], (size_t)HEADROOM + len);
		frames2[n] = (struct fab_frame){
		    .data = bufs2[n] + HEADROOM, .len = len, .headroom = HEADROOM};
		memcpy(origs[n], data + off, len);
		olens[n] = len;
		if (seg != 0 && seg < len)
			more = (uint16_t)(len - seg);
		frames[n] = (struct fab_frame){
		    .data = bufs[n] + HEADROOM, .len = len, .headroom = HEADROOM, .more = more};
		frames2[n].more = more;
		mores[n] = more;
		ASAN_POISON_MEMORY_REGION(bufs[n] + HEADROOM + len - more, more);
		ASAN_POISON_MEMORY_REGION(bufs2[n] + HEADROOM + len - more, more);
		octets += len;
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
		ASAN_UNPOISON_MEMORY_REGION(bufs[i] + HEADROOM + olens[i] - mores[i], mores[i]);
		ASAN_UNPOISON_MEMORY_REGION(bufs2[i] + HEADROOM + olens[i] - mores[i], mores[i]);
	}
	CHECK(memcmp(stats, stats2, sizeof(stats)) == 0);

	check_counters(in_port, before, stats, verdicts, n, octets);
	for (uint16_t i = 0; i < n; i++) {
		const struct fab_frame *f = &frames[i];
		const struct fab_verdict *v = &verdicts[i];

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
		      f->data + f->len - f->more == bufs[i] + HEADROOM + olens[i] - mores[i]);
		CHECK(memcmp(bufs[i], bufs2[i], (size_t)HEADROOM + olens[i]) == 0);
		/* The frame stays inside its buffer, and headroom says where it starts. */
		CHECK(f->data >= bufs[i] && f->data - bufs[i] == f->headroom);
		CHECK(f->data + f->len <= bufs[i] + HEADROOM + olens[i]);
		CHECK(v->action <= FAB_ACT_REPLY &&
		      (v->flags & ~(FAB_VF_PUNT | FAB_VF_MOVED)) == 0);
		/* MOVED is set exactly on frames that leave changed in place or length. */
		CHECK(((v->flags & FAB_VF_MOVED) != 0) ==
		      (v->action != FAB_ACT_DROP &&
		       (f->data != bufs[i] + HEADROOM || f->len != olens[i])));
		/* Whatever leaves goes to a provisioned MAC, never a group. */
		CHECK(v->action == FAB_ACT_DROP || (f->len >= 6 && !(f->data[0] & 1)));
		if (in_port >= nports || oper[in_port] != FAB_OPER_UP)
			CHECK(v->action == FAB_ACT_DROP && v->reason == FAB_DROP_port_down);
		/* The matrix's pair is named on forwards only (fabric/pipeline.h). */
		CHECK(v->dst == 0 || v->action == FAB_ACT_FORWARD);
		switch (v->action) {
		case FAB_ACT_DROP:
			/* A drop is the whole decision: no port left from a plan it overturned. */
			CHECK(v->reason < FAB_DROP__COUNT && v->port == 0 && v->dst == 0);
			/* A dropped frame is left as received, headroom included, whatever
			 * a rule before the one that dropped it had planned for it... */
			CHECK(f->len == olens[i] && f->data == bufs[i] + HEADROOM &&
			      f->headroom == HEADROOM);
			CHECK(memcmp(f->data, origs[i], olens[i]) == 0);
			CHECK(memcmp(bufs[i], fill, HEADROOM) == 0);
			/* ... and copied for control exactly when its reason asks for it. */
			CHECK(((v->flags & FAB_VF_PUNT) != 0) == punt_reason[v->reason]);
			/* With the sponge off no MAC is the sponge's, not even 0. */
			CHECK(v->reason != FAB_DROP_sponge_mac || model->policy.sponge.enabled);
			/* Only frames to the blackhole MAC of the steering LAN are blackholed. */
			CHECK(v->reason != FAB_DROP_blackhole ||
			      (olens[i] >= FAB_ETH_ADDR_LEN && rd_mac(origs[i]) == BH_MAC));
			break;
		case FAB_ACT_FORWARD:
			/* Only a steered request carries a copy, for the sponge if it is on. */
			CHECK(!(v->flags & FAB_VF_PUNT) ||
			      (neigh_request(origs[i], olens[i]) && model->policy.sponge.enabled));
			check_forward(in_port, oper, origs[i], olens[i], f, v);
			break;
		case FAB_ACT_REPLY:
			/* Copied exactly when the requester is sponged: its owner speaks. */
			CHECK(((v->flags & FAB_VF_PUNT) != 0) ==
			      requester_sponged(origs[i], olens[i]));
			check_reply(in_port, oper, origs[i], olens[i], f, v);
			break;
		}
		free(bufs[i]);
		free(bufs2[i]);
		free(origs[i]);
	}
	return 0;
}
