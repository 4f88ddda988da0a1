/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN in the pipeline: frames to members behind remote VTEPs leave the
 * underlay port encapsulated, byte for byte as RFC 7348 says; frames from
 * the underlay are decapsulated and decided as received on the sending
 * VTEP's port, which may send only from the MACs the database places there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/bytes.h"
#include "fabric/matrix.h"
#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fabric/vxlan.h"
#include "fixture.h"
#include "frames.h"
#include "pipe_env.h"

/*
 * LAN 100 (VNI 10100, steering) and LAN 200 (VNI 10200). Ports: A, edge
 * access on 100 (member A); T, edge trunk 100+200 (member C); U, the
 * underlay (VTEP 198.18.0.1); V1, remote VTEP 198.18.0.2 on 100 (member R1);
 * V2, remote VTEP 198.18.0.3 on 100+200 (member R2).
 */
enum { P_A, P_T, P_U, P_V1, P_V2, NPORTS };
enum { LAN1, LAN2 };
#define VNI1     10100
#define VNI2     10200
#define VTEP_MAC 0x02aa00000001ULL
#define NH_MAC   0x02bb00000001ULL
#define VTEP_IP  0xc6120001u /* 198.18.0.1 */
#define V1_IP    0xc6120002u
#define V2_IP    0xc6120003u
#define MAC_A    0x02000000000aULL
#define MAC_C    0x02000000000cULL
#define MAC_C2   0x02000000010cULL
#define MAC_R1   0x020000000021ULL
#define MAC_R2   0x020000000022ULL
#define MAC_R2B  0x020000000122ULL /* R2 on LAN 200 */

static void bind(struct fab_model *m, int mb, uint16_t port, uint16_t lan, fab_mac_t mac,
		 const char *ip4, const char *ip6)
{
	struct fab_binding *b = fx_bind(m, mb, port, lan);

	fx_mac(b, mac);
	fx_ip4(b, ip4);
	fx_ip6(b, ip6);
}

static struct fab_model *fabric(void)
{
	struct fab_model *m = fx_model();
	uint16_t l1, l2, both[2];

	l1 = fx_lan(m, "one", 100, FAB_NEIGH_STEER);
	l2 = fx_lan(m, "two", 200, FAB_NEIGH_STEER);
	m->lans[l1].vni = VNI1;
	m->lans[l2].vni = VNI2;
	/* A jumbo LAN, so that the VTEP's own MTU is what limits a frame to it. */
	m->lans[l1].mtu = 9000;
	both[0] = l1;
	both[1] = l2;
	fx_port(m, "a", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, &l1);
	fx_port(m, "t", FAB_PORT_EDGE, FAB_PORT_TRUNK, 9000, 2, both);
	fx_port(m, "u", FAB_PORT_UNDERLAY, FAB_PORT_ACCESS, 1600, 0, NULL);
	fx_port(m, "v1", FAB_PORT_VTEP, FAB_PORT_TRUNK, 1500, 1, &l1);
	fx_port(m, "v2", FAB_PORT_VTEP, FAB_PORT_TRUNK, 1500, 2, both);
	m->ports[P_U].vxlan =
	    (struct fab_vxlan_port){.address = VTEP_IP, .mac = VTEP_MAC, .next_hop_mac = NH_MAC};
	m->ports[P_V1].vxlan.address = V1_IP;
	m->ports[P_V2].vxlan.address = V2_IP;
	m->ports[P_V1].device[0] = m->ports[P_V2].device[0] = '\0';
	bind(m, fx_member(m, 64500, "A"), P_A, l1, MAC_A, "192.0.2.10", "2001:db8::a");
	bind(m, fx_member(m, 64501, "C"), P_T, l1, MAC_C, "192.0.2.12", "2001:db8::c");
	bind(m, 1, P_T, l2, MAC_C2, "198.51.100.12", "2001:db8:1::c");
	bind(m, fx_member(m, 64502, "R1"), P_V1, l1, MAC_R1, "192.0.2.21", "2001:db8::21");
	bind(m, fx_member(m, 64503, "R2"), P_V2, l1, MAC_R2, "192.0.2.22", "2001:db8::22");
	bind(m, 3, P_V2, l2, MAC_R2B, "198.51.100.22", "2001:db8:1::22");
	return m;
}

static int setup(void **state)
{
	*state = pe_env_new(fabric());
	return 0;
}

/* The IPv4 header checksum, computed here apart from the fabric's. */
static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * out becomes in's frame inside the outer headers a VTEP at src sends to
 * dst in vni with UDP source port sport: what the fabric must build, and
 * what a remote VTEP sends it.
 */
static struct fab_frame *vxlan_of(struct fr *out, const struct fab_frame *in, fab_mac_t dmac,
				  fab_mac_t smac, uint32_t src, uint32_t dst, uint32_t vni,
				  uint16_t sport)
{
	uint8_t *ip;

	fr_eth(out, dmac, smac, 0, FAB_ETH_P_IPV4);
	fr_u8(out, 0x45);
	fr_u8(out, 0);
	fr_u16(out, (uint16_t)(20 + 8 + 8 + in->len));
	fr_u16(out, 0);
	fr_u16(out, 0x4000); /* DF */
	fr_u8(out, 64);
	fr_u8(out, 17);
	fr_u16(out, 0);
	fr_u32(out, src);
	fr_u32(out, dst);
	fr_u16(out, sport);
	fr_u16(out, 4789);
	fr_u16(out, (uint16_t)(8 + 8 + in->len));
	fr_u16(out, 0);
	fr_u32(out, 0x08000000);
	fr_u32(out, vni << 8);
	for (uint16_t i = 0; i < in->len; i++)
		fr_u8(out, in->data[i]);
	ip = out->buf + FR_HEADROOM + 14;
	ip[10] = (uint8_t)(csum(ip, 20) >> 8);
	ip[11] = (uint8_t)csum(ip, 20);
	return fr_raw(out);
}

/* What a remote VTEP at src sends this node: in inside VXLAN to 198.18.0.1. */
static struct fab_frame *from_vtep(struct fr *out, const struct fab_frame *in, uint32_t src,
				   uint32_t vni)
{
	return vxlan_of(out, in, VTEP_MAC, NH_MAC, src, VTEP_IP, vni, 50000);
}

/* A frame to a member behind V1 leaves U inside VXLAN to 198.18.0.2, exactly. */
static void test_encap(void **state)
{
	struct env *e = *state;
	struct fr in, copy, want;
	struct fab_frame *f =
	    fr_udp4_frame(&in, MAC_R1, MAC_A, 0, "192.0.2.10", "192.0.2.21", 1000, 2000);
	struct fab_verdict v;
	uint16_t sport;

	fr_udp4_frame(&copy, MAC_R1, MAC_A, 0, "192.0.2.10", "192.0.2.21", 1000, 2000);
	v = run1(e, P_A, f);
	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_U);
	assert_true(v.flags & FAB_VF_MOVED);
	assert_int_equal(f->len, copy.f.len + 50);
	assert_int_equal(f->headroom, FR_HEADROOM - 50);
	sport = fr_rd16(f->data + 34);
	assert_true(sport >= 49152);
	vxlan_of(&want, &copy.f, NH_MAC, VTEP_MAC, VTEP_IP, V1_IP, VNI1, sport);
	assert_int_equal(f->len, want.f.len);
	assert_memory_equal(f->data, want.f.data, f->len);
	assert_int_equal(csum(f->data + 14, 20), 0);
	assert_int_equal(e->stats[P_A].ctr[FAB_CTR_forwarded], 1);
	/* V1's port counts it sent, as the member sent it. */
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_tx_packets], 1);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_tx_unicast], 1);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_tx_octets], copy.f.len);
	assert_int_equal(e->stats[P_V2].ctr[FAB_CTR_tx_packets], 0);
	/* The entropy port is the flow's: the same again, another for another flow. */
	assert_int_equal(fab_vxlan_sport(copy.f.data, copy.f.len), sport);
	fr_udp4_frame(&copy, MAC_R1, MAC_A, 0, "192.0.2.10", "192.0.2.99", 1000, 2000);
	assert_int_not_equal(fab_vxlan_sport(copy.f.data, copy.f.len), sport);
}

/* From a trunk the inner frame leaves untagged, in the VNI of the tag's LAN. */
static void test_encap_from_trunk(void **state)
{
	struct env *e = *state;
	struct fr in, copy, want;
	struct fab_frame *f =
	    fr_ip6_frame(&in, MAC_R2B, MAC_C2, 200, 17, "2001:db8:1::c", "2001:db8:1::22", 100);
	struct fab_verdict v;

	fr_ip6_frame(&copy, MAC_R2B, MAC_C2, 0, 17, "2001:db8:1::c", "2001:db8:1::22", 100);
	v = run1(e, P_T, f);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_U);
	vxlan_of(&want, &copy.f, NH_MAC, VTEP_MAC, VTEP_IP, V2_IP, VNI2, fr_rd16(f->data + 34));
	assert_int_equal(f->len, want.f.len);
	assert_memory_equal(f->data, want.f.data, f->len);
	assert_int_equal(f->headroom, FR_HEADROOM - 50 + 4);
	/* Counted sent on V2's port without the tag it came with. */
	assert_int_equal(e->stats[P_V2].ctr[FAB_CTR_tx_octets], copy.f.len);
}

/*
 * For the traffic matrix, a frame sent to a VTEP is of its own family, as
 * the member sent it, not of the outer headers' IPv4: from an access port
 * and from a trunk.
 */
static void test_encap_family(void **state)
{
	struct env *e = *state;
	struct fr in;
	struct fab_verdict v;
	uint8_t afi = FAB_AFI_OTHER;
	struct fab_frame *f =
	    fr_ip6_frame(&in, MAC_R1, MAC_A, 0, 17, "2001:db8::a", "2001:db8::21", 100);

	e->ctx.afi = &afi;
	v = run1(e, P_A, f);
	assert_int_equal(v.port, P_U);
	assert_int_equal(afi, FAB_AFI_IPV6);
	afi = FAB_AFI_OTHER;
	f = fr_ip6_frame(&in, MAC_R2B, MAC_C2, 200, 17, "2001:db8:1::c", "2001:db8:1::22", 100);
	v = run1(e, P_T, f);
	assert_int_equal(v.port, P_U);
	assert_int_equal(afi, FAB_AFI_IPV6);
	e->ctx.afi = NULL;
}

/*
 * The fabric's IPv4 checksum against the one above, on headers of every
 * kind of content (carries, all ones, all zeros) and lengths up to 60.
 */
static void test_ip4_csum(void **state)
{
	uint8_t h[60];
	uint32_t x = 12345;

	(void)state;
	for (int k = 0; k < 20000; k++) {
		uint32_t len = 4 * (5 + (uint32_t)k % 11);

		for (size_t i = 0; i < sizeof(h); i++) {
			x = x * 1103515245u + 12345u;
			h[i] = k % 7 == 0 ? 0xff : k % 7 == 1 ? 0 : (uint8_t)(x >> 16);
		}
		assert_int_equal(fab_ip4_csum(h, len), csum(h, len));
		/* With its own checksum written in, a header sums to 0. */
		fab_wr16(h + 10, 0);
		fab_wr16(h + 10, fab_ip4_csum(h, len));
		assert_int_equal(fab_ip4_csum(h, len), 0);
	}
}

/* Too little room in front for the outer headers, or too long for V1's MTU. */
static void test_encap_limits(void **state)
{
	struct env *e = *state;
	struct fr in;
	struct fab_frame *f =
	    fr_udp4_frame(&in, MAC_R1, MAC_A, 0, "192.0.2.10", "192.0.2.21", 1000, 2000);

	f->headroom = 49;
	expect_drop(e, P_A, f, FAB_DROP_no_buffer);
	assert_int_equal(f->headroom, 49);
	f = fr_ip4_frame(&in, MAC_R1, MAC_C, 100, 17, "192.0.2.12", "192.0.2.21", 1481);
	expect_drop(e, P_T, f, FAB_DROP_dst_mtu);
	f = fr_ip4_frame(&in, MAC_R1, MAC_C, 100, 17, "192.0.2.12", "192.0.2.21", 1480);
	assert_int_equal(run1(e, P_T, f).port, P_U);
}

/*
 * VXLAN in several buffers (an underlay with RX scatter): decapsulated when
 * the outer headers are in the first buffer and the inner frame runs to the
 * frame's end, its tail left where it was; any other frame in pieces on the
 * underlay is dropped as scattered, since a tail past the first buffer
 * cannot be cut off.
 */
static void test_underlay_segmented(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *inner =
	    fr_ip4_frame(&in, MAC_A, MAC_R1, 0, FAB_IPPROTO_UDP, "192.0.2.21", "192.0.2.10", 1000);
	struct fab_frame *f = from_vtep(&out, inner, V1_IP, VNI1);
	const uint8_t *end = f->data + f->len;
	uint16_t more = (uint16_t)(f->len - 600);
	struct fab_verdict v;

	e->ctx.segmented = true;
	f->more = more;
	memset(&v, 0xaa, sizeof(v));
	fab_pipeline_run(&e->ctx, P_U, f, &v, 1);
	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.port, P_A);
	assert_int_equal(f->len, inner->len);
	assert_int_equal(f->more, more);
	assert_ptr_equal(f->data + f->len, end);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 1);

	/* Four bytes after the inner frame: the outer IPv4 length says where it ends. */
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->len = (uint16_t)(f->len + 4);
	f->more = (uint16_t)(f->len - 600);
	expect_drop(e, P_U, f, FAB_DROP_scattered);
	/* The outer headers and more not in a first buffer of FAB_SEG_MIN bytes. */
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->more = (uint16_t)(f->len - (FAB_SEG_MIN - 1));
	expect_drop(e, P_U, f, FAB_DROP_scattered);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 1);
	assert_int_equal(e->stats[P_U].drop[FAB_DROP_scattered], 2);
}

/* A frame from V1 reaches A as R1 sent it, counted on U and then on V1. */
static void test_decap(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *inner =
	    fr_udp4_frame(&in, MAC_A, MAC_R1, 0, "192.0.2.21", "192.0.2.10", 3000, 4000);
	struct fab_frame *f = from_vtep(&out, inner, V1_IP, VNI1);
	struct fab_verdict v = run1(e, P_U, f);

	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_A);
	assert_true(v.flags & FAB_VF_MOVED);
	assert_int_equal(f->len, inner->len);
	assert_memory_equal(f->data, inner->data, inner->len);
	assert_int_equal(f->headroom, FR_HEADROOM + 50);
	assert_int_equal(f->port, P_V1);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 1);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_rx_packets], 1);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_rx_packets], 1);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_forwarded], 1);
	/* To a trunk it goes tagged with the LAN's VLAN. */
	inner = fr_udp4_frame(&in, MAC_C, MAC_R1, 0, "192.0.2.21", "192.0.2.12", 3000, 4000);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	v = run1(e, P_U, f);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_T);
	assert_int_equal(f->len, inner->len + 4);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_8021Q);
	assert_int_equal(fr_rd16(f->data + 14), 100);
	assert_int_equal(fr_rd16(f->data + 16), FAB_ETH_P_IPV4);
	assert_memory_equal(f->data + 18, inner->data + 14, inner->len - 14);
}

/* An inner frame under the Ethernet minimum (Linux does not pad it) is padded. */
static void test_decap_short_inner(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *inner;
	struct fab_verdict v;

	fr_eth(&in, MAC_A, MAC_R1, 0, FAB_ETH_P_ARP);
	fr_arp(&in, FAB_ARP_OP_REPLY, MAC_R1, "192.0.2.21", MAC_A, "192.0.2.10");
	inner = fr_raw(&in);
	assert_int_equal(inner->len, 42);
	v = run1(e, P_U, from_vtep(&out, inner, V1_IP, VNI1));
	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.port, P_A);
	assert_int_equal(out.f.len, 60);
	assert_memory_equal(out.f.data, inner->data, 42);
	for (int i = 42; i < 60; i++)
		assert_int_equal(out.f.data[i], 0);
}

/* A remote VTEP may send only from the MACs the database places behind it. */
static void test_decap_src_mac(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	fab_mac_t wrong[] = {MAC_R2, MAC_A, 0x02deadbeef01ULL};

	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		struct fab_frame *inner =
		    fr_udp4_frame(&in, MAC_A, wrong[i], 0, "192.0.2.22", "192.0.2.10", 3000, 4000);

		expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI1), FAB_DROP_vxlan_src_mac);
	}
	assert_int_equal(e->stats[P_V1].drop[FAB_DROP_vxlan_src_mac], 3);
	assert_int_equal(e->stats[P_V1].drop[FAB_DROP_src_mac_violation], 0);
	assert_int_equal(e->stats[P_V1].last_offender_mac, 0x02deadbeef01ULL);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 3);
}

/* What the underlay port refuses, each under its reason, counted there. */
static void test_underlay_drops(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *inner =
	    fr_udp4_frame(&in, MAC_A, MAC_R1, 0, "192.0.2.21", "192.0.2.10", 3000, 4000);
	struct fab_frame *f;

	expect_drop(e, P_U, from_vtep(&out, inner, 0xc6120009u, VNI1), FAB_DROP_vxlan_unknown_vtep);
	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, 4242), FAB_DROP_vxlan_unknown_vni);
	/* V1 does not carry LAN 200. */
	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI2), FAB_DROP_vxlan_unknown_vni);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->data[24] ^= 1; /* the checksum */
	expect_drop(e, P_U, f, FAB_DROP_vxlan_malformed);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->data[42] = 0; /* no I flag */
	expect_drop(e, P_U, f, FAB_DROP_vxlan_malformed);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->data[20] = 0x20; /* more fragments */
	f->data[24] ^= 0x20;
	expect_drop(e, P_U, f, FAB_DROP_vxlan_malformed);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->len = 50 + 13;
	expect_drop(e, P_U, f, FAB_DROP_vxlan_malformed);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->data[37] = 0xb6; /* UDP 4790, not VXLAN */
	expect_drop(e, P_U, f, FAB_DROP_underlay_other);
	f = from_vtep(&out, inner, V1_IP, VNI1);
	f->data[5] ^= 1; /* not this VTEP's MAC */
	expect_drop(e, P_U, f, FAB_DROP_underlay_other);
	/* A member's frame on the underlay is no VXLAN either. */
	expect_drop(e, P_U, inner, FAB_DROP_underlay_other);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 0);
	assert_int_equal(e->stats[P_U].drop[FAB_DROP_vxlan_malformed], 4);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_rx_packets], 0);
	/* Down, it takes nothing. */
	e->oper[P_U] = FAB_OPER_DOWN;
	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI1), FAB_DROP_port_down);
}

/* Nodes do not relay: V1 cannot reach R2 behind V2 through this node. */
static void test_no_transit(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *inner =
	    fr_udp4_frame(&in, MAC_R2, MAC_R1, 0, "192.0.2.21", "192.0.2.22", 3000, 4000);

	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI1), FAB_DROP_vxlan_transit);
	inner = fr_arp_frame(&in, 0xffffffffffffULL, MAC_R1, 0, FAB_ARP_OP_REQUEST, "192.0.2.21",
			     "192.0.2.22");
	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI1), FAB_DROP_vxlan_transit);
	/* Back to itself is a hairpin, as on any port. */
	inner = fr_udp4_frame(&in, MAC_R1, MAC_R1, 0, "192.0.2.21", "192.0.2.21", 1, 2);
	expect_drop(e, P_U, from_vtep(&out, inner, V1_IP, VNI1), FAB_DROP_hairpin);
}

/* ARP and ND for a remote owner go to its VTEP alone, as unicast VXLAN. */
static void test_neigh_steered(void **state)
{
	struct env *e = *state;
	struct fr in, copy, want;
	struct fab_frame *f = fr_arp_frame(&in, 0xffffffffffffULL, MAC_A, 0, FAB_ARP_OP_REQUEST,
					   "192.0.2.10", "192.0.2.21");
	struct fab_verdict v = run1(e, P_A, f);

	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_U);
	fr_arp_frame(&copy, MAC_R1, MAC_A, 0, FAB_ARP_OP_REQUEST, "192.0.2.10", "192.0.2.21");
	vxlan_of(&want, &copy.f, NH_MAC, VTEP_MAC, VTEP_IP, V1_IP, VNI1, fr_rd16(f->data + 34));
	assert_memory_equal(f->data, want.f.data, want.f.len);
	assert_int_equal(e->stats[P_A].ctr[FAB_CTR_steered], 1);
	/* A solicitation to R2's solicited-node group goes to V2 with R2's MAC. */
	f = fr_ns(&in, 0, MAC_C, 100, "2001:db8::c", NULL, "2001:db8::22", MAC_C);
	v = run1(e, P_T, f);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_U);
	assert_int_equal(fr_rd32(f->data + 30), V2_IP);
	assert_int_equal(fr_rd_mac(f->data + 50), MAC_R2);
	assert_int_equal(fr_rd16(f->data + 50 + 12), FAB_ETH_P_IPV6);
	assert_int_equal(e->stats[P_T].ctr[FAB_CTR_steered], 1);
	/* A request from behind V1 for A's address reaches A alone. */
	f = fr_arp_frame(&in, 0xffffffffffffULL, MAC_R1, 0, FAB_ARP_OP_REQUEST, "192.0.2.21",
			 "192.0.2.10");
	v = run1(e, P_U, from_vtep(&copy, f, V1_IP, VNI1));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_A);
	assert_int_equal(fr_rd_mac(copy.f.data), MAC_A);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_steered], 1);
}

/*
 * A solicitation another peerlan node steered arrives as it left that node:
 * to its owner's MAC, still addressed to the target's solicited-node group.
 * It reaches its owner (two nodes' IPv6 sessions hang on it); the same pair
 * from a member's own port stays an offence, and from a VTEP so does one to
 * a group that is not the target's.
 */
static void test_neigh_steered_by_peer(void **state)
{
	struct env *e = *state;
	struct fr in, out;
	struct fab_frame *f =
	    fr_ns(&in, MAC_A, MAC_R1, 0, "2001:db8::21", NULL, "2001:db8::a", MAC_R1);
	struct fab_verdict v = run1(e, P_U, from_vtep(&out, f, V1_IP, VNI1));

	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, P_A);
	assert_int_equal(fr_rd_mac(out.f.data), MAC_A);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_steered], 1);
	f = fr_ns(&in, MAC_R1, MAC_A, 0, "2001:db8::a", NULL, "2001:db8::21", MAC_A);
	v = run1(e, P_A, f);
	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_int_equal(v.reason, FAB_DROP_ipv6_multicast);
	f = fr_ns(&in, MAC_A, MAC_R1, 0, "2001:db8::21", "ff02::1:ff00:c", "2001:db8::a", MAC_R1);
	v = run1(e, P_U, from_vtep(&out, f, V1_IP, VNI1));
	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_int_equal(v.reason, FAB_DROP_nd_malformed);
}

/* The underlay answers ARP for this node's VTEP address, and nothing else. */
static void test_underlay_arp(void **state)
{
	struct env *e = *state;
	struct fr in, want;
	struct fab_frame *f = fr_arp_frame(&in, 0xffffffffffffULL, NH_MAC, 0, FAB_ARP_OP_REQUEST,
					   "198.18.0.254", "198.18.0.1");
	struct fab_verdict v = run1(e, P_U, f);

	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.port, P_U);
	fr_eth(&want, NH_MAC, VTEP_MAC, 0, FAB_ETH_P_ARP);
	fr_arp(&want, FAB_ARP_OP_REPLY, VTEP_MAC, "198.18.0.1", NH_MAC, "198.18.0.254");
	fr_done(&want);
	assert_int_equal(f->len, want.f.len);
	assert_memory_equal(f->data, want.f.data, f->len);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_answered], 1);
	f = fr_arp_frame(&in, 0xffffffffffffULL, NH_MAC, 0, FAB_ARP_OP_REQUEST, "198.18.0.254",
			 "198.18.0.2");
	expect_drop(e, P_U, f, FAB_DROP_underlay_other);
}

/* One burst from two VTEPs and of drops: each verdict in its place, each counted once. */
static void test_underlay_burst(void **state)
{
	struct env *e = *state;
	struct fr in[6], out[6];
	struct fab_frame f[6];
	struct fab_verdict v[6];

	f[0] = *from_vtep(&out[0],
			  fr_udp4_frame(&in[0], MAC_A, MAC_R1, 0, "192.0.2.21", "192.0.2.10", 1, 2),
			  V1_IP, VNI1);
	f[1] = *from_vtep(
	    &out[1],
	    fr_udp4_frame(&in[1], MAC_C2, MAC_R2B, 0, "198.51.100.22", "198.51.100.12", 1, 2),
	    V2_IP, VNI2);
	/* Tagged inside: VXLAN's inner frames carry no tag, so a tag is a second one. */
	f[2] = *from_vtep(
	    &out[2], fr_udp4_frame(&in[2], MAC_C, MAC_R1, 100, "192.0.2.21", "192.0.2.12", 1, 2),
	    V1_IP, VNI1);
	f[3] = *from_vtep(&out[3],
			  fr_udp4_frame(&in[3], MAC_C, MAC_R1, 0, "192.0.2.21", "192.0.2.12", 1, 2),
			  0xc6120009u, VNI1);
	f[4] = *from_vtep(&out[4],
			  fr_udp4_frame(&in[4], MAC_C, MAC_R2, 0, "192.0.2.22", "192.0.2.12", 1, 2),
			  V2_IP, VNI1);
	f[5] = *from_vtep(&out[5],
			  fr_udp4_frame(&in[5], MAC_A, MAC_R1, 0, "192.0.2.21", "192.0.2.10", 1, 2),
			  V1_IP, VNI1);
	fab_pipeline_run(&e->ctx, P_U, f, v, 6);
	check_accounting(e);
	assert_int_equal(v[0].action, FAB_ACT_FORWARD);
	assert_int_equal(v[0].port, P_A);
	assert_int_equal(v[1].action, FAB_ACT_FORWARD);
	assert_int_equal(v[1].port, P_T);
	assert_int_equal(fr_rd16(f[1].data + 14), 200);
	assert_int_equal(v[2].action, FAB_ACT_DROP);
	assert_string_equal(fab_drop_name(v[2].reason), "vlan_double_tag");
	assert_int_equal(v[3].action, FAB_ACT_DROP);
	assert_string_equal(fab_drop_name(v[3].reason), "vxlan_unknown_vtep");
	assert_int_equal(v[4].port, P_T);
	assert_int_equal(v[5].port, P_A);
	assert_memory_equal(f[5].data, in[5].f.data, in[5].f.len);
	assert_int_equal(e->stats[P_U].ctr[FAB_CTR_decapsulated], 5);
	assert_int_equal(e->stats[P_V1].ctr[FAB_CTR_rx_packets], 3);
	assert_int_equal(e->stats[P_V2].ctr[FAB_CTR_rx_packets], 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_encap),
	    T(test_encap_from_trunk),
	    T(test_encap_family),
	    cmocka_unit_test(test_ip4_csum),
	    T(test_encap_limits),
	    T(test_decap),
	    T(test_decap_short_inner),
	    T(test_decap_src_mac),
	    T(test_underlay_drops),
	    T(test_no_transit),
	    T(test_neigh_steered),
	    T(test_neigh_steered_by_peer),
	    T(test_underlay_arp),
	    T(test_underlay_burst),
	    T(test_underlay_segmented),
	};
	int rc = cmocka_run_group_tests_name("vxlan", tests, NULL, NULL);

	full_rules = true;
	return rc | cmocka_run_group_tests_name("vxlan, full rules only", tests, NULL, NULL);
}
