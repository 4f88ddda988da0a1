/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fixture.h"
#include "frames.h"
#include "pipe_env.h"

/* The fixture exchange with port F down. */
static struct env *env_new(struct fab_model *m)
{
	struct env *e = pe_env_new(m);

	e->oper[FX_P_F] = FAB_OPER_DOWN;
	return e;
}

static int setup(void **state)
{
	*state = env_new(fx_exchange());
	return 0;
}

static void expect_fwd_flags(struct env *e, uint16_t in, struct fab_frame *f, uint16_t out,
			     uint8_t flags)
{
	const uint8_t *data = f->data;
	uint16_t len = f->len;
	struct fab_verdict v = run1(e, in, f);

	if (v.action == FAB_ACT_DROP)
		fail_msg("dropped as %s", fab_drop_name(v.reason));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, out);
	assert_int_equal(v.flags & ~FAB_VF_MOVED, flags);
	/* MOVED says exactly whether the caller must update its buffer. */
	assert_int_equal((v.flags & FAB_VF_MOVED) != 0, f->data != data || f->len != len);
}

static void expect_fwd(struct env *e, uint16_t in, struct fab_frame *f, uint16_t out)
{
	expect_fwd_flags(e, in, f, out, 0);
}

/* A steered request: forwarded to the owner, with a copy for the sponge. */
static void expect_steer(struct env *e, uint16_t in, struct fab_frame *f, uint16_t out)
{
	expect_fwd_flags(e, in, f, out, FAB_VF_PUNT);
}

static struct fab_frame *tcp4(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid)
{
	return fr_ip4_frame(fr, dst, src, vid, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.11", 20);
}

static void test_forward_unicast(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f = tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	uint8_t before[64];

	memcpy(before, f->data, sizeof(before));
	expect_fwd(e, FX_P_A, f, FX_P_B);
	/* Access to access: not a byte changes. */
	assert_int_equal(f->len, 60);
	assert_memory_equal(f->data, before, sizeof(before));
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_forwarded], 1);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_unicast], 1);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_octets], 60);
	/* Members behind a core port are reached through it, tagged. */
	expect_fwd(e, FX_P_A, tcp4(&fr, FX_MAC_D, FX_MAC_A, 0), FX_P_CORE);
	expect_fwd(e, FX_P_CORE, tcp4(&fr, FX_MAC_A, FX_MAC_D, 100), FX_P_A);
}

static void test_port_down_and_size(void **state)
{
	struct env *e = *state;
	struct fr fr;

	expect_drop(e, FX_P_F, tcp4(&fr, FX_MAC_E2, FX_MAC_F2, 0), FAB_DROP_port_down);
	assert_int_equal(e->stats[FX_P_F].ctr[FAB_CTR_rx_packets], 1);
	e->oper[FX_P_B] = FAB_OPER_ERRDISABLED;
	expect_drop(e, FX_P_B, tcp4(&fr, FX_MAC_A, FX_MAC_B, 0), FAB_DROP_port_down);
	e->oper[FX_P_B] = FAB_OPER_UP;

	tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	fr.len = 59;
	expect_drop(e, FX_P_A, fr_raw(&fr), FAB_DROP_runt);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_errors], 1);
	fr.len = 3; /* too short even for a destination: counted, not classified */
	expect_drop(e, FX_P_A, fr_raw(&fr), FAB_DROP_runt);

	/* MTU 1500 on A: 1514 bytes untagged pass, 1515 do not. */
	fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.11", 1480);
	assert_int_equal(fr.len, 1514);
	expect_fwd(e, FX_P_A, fr_raw(&fr), FX_P_B);
	fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.11", 1481);
	expect_drop(e, FX_P_A, fr_raw(&fr), FAB_DROP_oversize);
	/* MTU 9000 on the trunk C: 9018 bytes tagged pass, 9019 do not. */
	fr_ip4_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_TCP, "192.0.2.12", "192.0.2.13",
		     8980);
	assert_int_equal(fr.len, 9018);
	expect_fwd(e, FX_P_C, fr_raw(&fr), FX_P_CORE);
	fr_ip4_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_TCP, "192.0.2.12", "192.0.2.13",
		     8981);
	expect_drop(e, FX_P_C, fr_raw(&fr), FAB_DROP_oversize);
}

/*
 * The LAN's MTU, not only the port's: C's trunk takes 9000 bytes of IP, and
 * so does LAN 100, but LAN 200 is a 1500 LAN, so the same port drops 1501
 * bytes tagged for it as oversize while it forwards 9000 on LAN 100.
 */
static void test_lan_mtu(void **state)
{
	struct env *e = *state;
	struct fr fr;

	fr_ip4_frame(&fr, FX_MAC_E2, FX_MAC_C2, 200, FAB_IPPROTO_TCP, "198.51.100.12",
		     "198.51.100.14", 1480);
	assert_int_equal(fr.len, 1518);
	expect_fwd(e, FX_P_C, fr_raw(&fr), FX_P_CORE);
	fr_ip4_frame(&fr, FX_MAC_E2, FX_MAC_C2, 200, FAB_IPPROTO_TCP, "198.51.100.12",
		     "198.51.100.14", 1481);
	expect_drop(e, FX_P_C, fr_raw(&fr), FAB_DROP_oversize);
	fr_ip6_frame(&fr, FX_MAC_E2, FX_MAC_C2, 200, FAB_IPPROTO_TCP, "2001:db8:1::c",
		     "2001:db8:1::e", 1461);
	expect_drop(e, FX_P_C, fr_raw(&fr), FAB_DROP_oversize);
	fr_ip6_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_TCP, "2001:db8::c", "2001:db8::d",
		     8960);
	expect_fwd(e, FX_P_C, fr_raw(&fr), FX_P_CORE);
	assert_int_equal(e->stats[FX_P_C].drop[FAB_DROP_oversize], 2);
}

/* A frame in buffers of seg bytes: what lies past the first is the caller's. */
static struct fab_frame *segmented(struct fr *fr, uint16_t seg)
{
	fr->f.more = (uint16_t)(fr->f.len - seg);
	return &fr->f;
}

/*
 * Jumbo frames in several buffers: forwarded by the full path (the fast
 * path leaves them), their length the whole frame's, nothing past the first
 * buffer read or written; ARP and ND, which the fabric rewrites, and
 * headers past the first buffer are dropped as scattered.
 */
static void test_segmented_frames(void **state)
{
	struct env *e = *state;
	struct fab_frame *f;
	struct fr fr;
	uint8_t tail[64];

	/* 9000 bytes of IP from C, tagged, to D on the core: 2048 in the first buffer. */
	fr_ip4_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_UDP, "192.0.2.12", "192.0.2.13",
		     8980);
	f = segmented(&fr, 2048);
	expect_fwd(e, FX_P_C, f, FX_P_CORE);
	assert_int_equal(f->len, 9018);
	assert_int_equal(f->more, 9018 - 2048);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_rx_octets], 9018);
	/* Still oversize by the whole length, not the first buffer's. */
	fr_ip4_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_UDP, "192.0.2.12", "192.0.2.13",
		     8981);
	expect_drop(e, FX_P_C, segmented(&fr, 2048), FAB_DROP_oversize);

	/* A fast-path port (A, access): left to the full path, forwarded as it is. */
	fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.11", 1480);
	expect_fwd(e, FX_P_A, segmented(&fr, 1000), FX_P_B);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_forwarded], 1);

	/* The tag popped for A: the first buffer's addresses move, the rest stays. */
	fr_ip4_frame(&fr, FX_MAC_A, FX_MAC_C, 100, FAB_IPPROTO_TCP, "192.0.2.12", "192.0.2.10",
		     1400);
	memset(fr.buf + FR_HEADROOM + 1024, 0x5a, fr.len - 1024);
	memcpy(tail, fr.buf + FR_HEADROOM + 1024, sizeof(tail));
	f = segmented(&fr, 1024);
	expect_fwd_flags(e, FX_P_C, f, FX_P_A, 0);
	assert_int_equal(f->len, 1400 + 20 + 14);
	assert_int_equal(f->more, fr.len - 1024);
	assert_int_equal(f->len - f->more, 1020);
	assert_memory_equal(fr.buf + FR_HEADROOM + 1024, tail, sizeof(tail));

	/* Headers past the first buffer are never read. */
	fr_ip4_frame(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_IPPROTO_UDP, "192.0.2.12", "192.0.2.13",
		     3000);
	expect_drop(e, FX_P_C, segmented(&fr, FAB_SEG_MIN - 1), FAB_DROP_scattered);
	fr_eth(&fr, FX_MAC_D, FX_MAC_C, 100, FAB_ETH_P_IPV6);
	fr_ipv6(&fr, FAB_IPPROTO_DSTOPTS, "2001:db8::c", "2001:db8::d", 64, 88 + 8 + 3000);
	fr_u8(&fr, FAB_IPPROTO_UDP); /* one destination-options header of 88 bytes */
	fr_u8(&fr, 10);
	fr_u8(&fr, 1);
	fr_u8(&fr, 84);
	fr_zero(&fr, 84 + 8 + 3000);
	fr_raw(&fr);
	expect_drop(e, FX_P_C, segmented(&fr, FAB_SEG_MIN), FAB_DROP_scattered);
	fr_raw(&fr);
	expect_drop(e, FX_P_C, segmented(&fr, FAB_SEG_MIN + 2), FAB_DROP_scattered);
	fr_raw(&fr);
	expect_fwd(e, FX_P_C, segmented(&fr, 18 + 40 + 88 + 8), FX_P_CORE);

	/* ARP and ND are read whole and may be rewritten: never in pieces. */
	fr_arp_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, FAB_ARP_OP_REQUEST, "192.0.2.10",
		     "192.0.2.11");
	fr_zero(&fr, 200);
	fr_raw(&fr);
	expect_drop(e, FX_P_A, segmented(&fr, 160), FAB_DROP_scattered);
	fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	fr_zero(&fr, 200);
	fr_raw(&fr);
	expect_drop(e, FX_P_A, segmented(&fr, 160), FAB_DROP_scattered);
	assert_int_equal(e->stats[FX_P_A].drop[FAB_DROP_scattered], 2);
	assert_int_equal(e->stats[FX_P_C].drop[FAB_DROP_scattered], 3);
}

static void test_vlan(void **state)
{
	struct env *e = *state;
	struct fr fr;

	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_B, FX_MAC_A, 100), FAB_DROP_vlan_tagged_on_access);
	expect_drop(e, FX_P_C, tcp4(&fr, FX_MAC_A, FX_MAC_C, 0), FAB_DROP_vlan_untagged_on_trunk);
	expect_drop(e, FX_P_C, tcp4(&fr, FX_MAC_A, FX_MAC_C, 300), FAB_DROP_vlan_not_allowed);
	expect_fwd(e, FX_P_C, tcp4(&fr, FX_MAC_A, FX_MAC_C, 100), FX_P_A);
	/* A second tag of any kind, or an 802.1ad/0x9100 outer tag. */
	for (int i = 0; i < 3; i++) {
		static const uint16_t tags[] = {FAB_ETH_P_8021Q, FAB_ETH_P_8021AD, FAB_ETH_P_QINQ1};

		fr_eth(&fr, FX_MAC_A, FX_MAC_C, 100, tags[i]);
		fr_u16(&fr, 100);
		fr_u16(&fr, FAB_ETH_P_IPV4);
		expect_drop(e, FX_P_C, fr_done(&fr), FAB_DROP_vlan_double_tag);
	}
	fr_eth(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_ETH_P_8021AD);
	fr_u16(&fr, 100);
	fr_u16(&fr, FAB_ETH_P_IPV4);
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_vlan_double_tag);
	fr_eth(&fr, FX_MAC_A, FX_MAC_C, 0, FAB_ETH_P_QINQ1);
	fr_u16(&fr, 100);
	fr_u16(&fr, FAB_ETH_P_IPV4);
	expect_drop(e, FX_P_C, fr_done(&fr), FAB_DROP_vlan_double_tag);
	assert_int_equal(e->stats[FX_P_C].last_offender_reason, FAB_DROP_vlan_double_tag);
	assert_int_equal(e->stats[FX_P_C].last_offender_ethertype, FAB_ETH_P_QINQ1);
}

static void test_source_mac(void **state)
{
	struct env *e = *state;
	struct fab_port_stats *s = &e->stats[FX_P_A];
	struct fr fr;

	e->ctx.now = 1234;
	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_A, FX_MAC_B, 0), FAB_DROP_src_mac_violation);
	assert_int_equal(s->last_offender_mac, FX_MAC_B);
	assert_int_equal(s->last_offender_ethertype, FAB_ETH_P_IPV4);
	assert_int_equal(s->last_offender_time, 1234);
	assert_int_equal(s->last_offender_reason, FAB_DROP_src_mac_violation);
	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_B, 0x020000000099ULL, 0),
		    FAB_DROP_src_mac_violation);
	/* C's MAC for VLAN 100 is not valid on VLAN 200. */
	expect_drop(e, FX_P_C, tcp4(&fr, FX_MAC_E2, FX_MAC_C, 200), FAB_DROP_src_mac_violation);
	expect_fwd(e, FX_P_C, tcp4(&fr, FX_MAC_E2, FX_MAC_C2, 200), FX_P_CORE);
	/* Behind a core port: any MAC provisioned behind it, on its own LAN. */
	expect_fwd(e, FX_P_CORE, tcp4(&fr, FX_MAC_C2, FX_MAC_E2, 200), FX_P_C);
	expect_drop(e, FX_P_CORE, tcp4(&fr, FX_MAC_A, FX_MAC_E2, 100), FAB_DROP_src_mac_violation);
	expect_drop(e, FX_P_CORE, tcp4(&fr, FX_MAC_D, FX_MAC_A, 100), FAB_DROP_src_mac_violation);
	e->ctx.now = 7;
}

static void test_link_local_and_ethertypes(void **state)
{
	static const struct {
		fab_mac_t dst;
		uint16_t etype;
		int reason;
	} cases[] = {
	    {0x0180c2000000ULL, FAB_ETH_P_IPV4, FAB_DROP_link_local}, /* STP */
	    {0x0180c2000002ULL, FAB_ETH_P_SLOW, FAB_DROP_link_local}, /* LACP */
	    {0x0180c200000eULL, FAB_ETH_P_LLDP, FAB_DROP_link_local},
	    {0x0180c200000fULL, FAB_ETH_P_IPV4, FAB_DROP_link_local},
	    {0x01000cccccccULL, 0x0100, FAB_DROP_cisco_discovery},
	    {0x01000ccccccdULL, 0x0100, FAB_DROP_cisco_discovery},
	    {0x00e02b000000ULL, FAB_ETH_P_IPV4, FAB_DROP_edp},
	    {FX_MAC_B, FAB_ETH_P_LLDP, FAB_DROP_lldp},
	    {FX_MAC_B, FAB_ETH_P_MNDP, FAB_DROP_vendor_discovery},
	    {FX_MAC_B, FAB_ETH_P_HUAWEI1, FAB_DROP_vendor_discovery},
	    {FX_MAC_B, FAB_ETH_P_HUAWEI2, FAB_DROP_vendor_discovery},
	    {FX_MAC_B, 0x0040, FAB_DROP_llc_snap},
	    {FX_MAC_B, 0x05ff, FAB_DROP_llc_snap},
	    {FX_MAC_B, 0x8847, FAB_DROP_ethertype}, /* MPLS */
	    {FX_MAC_B, FAB_ETH_P_SLOW, FAB_DROP_ethertype},
	    {0x030000000001ULL, 0x0600, FAB_DROP_ethertype},
	};
	struct env *e = *state;
	struct fr fr;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fr_eth(&fr, cases[i].dst, FX_MAC_A, 0, cases[i].etype);
		expect_drop(e, FX_P_A, fr_done(&fr), cases[i].reason);
		assert_int_equal(e->stats[FX_P_A].last_offender_reason, cases[i].reason);
		assert_int_equal(e->stats[FX_P_A].last_offender_ethertype, cases[i].etype);
	}
	/* Just outside the IEEE range: an ordinary multicast. */
	expect_drop(e, FX_P_A, tcp4(&fr, 0x0180c2000010ULL, FX_MAC_A, 0), FAB_DROP_multicast);
}

/* An EtherType added to the allow-list is forwarded, but not to multicast. */
static void test_allowed_other_ethertype(void **state)
{
	struct fab_model *m = fx_exchange();
	struct env *e;
	struct fr fr;

	(void)state;
	m->policy.ethertypes[m->policy.nethertypes++] = 0x88b5;
	m->policy.ethertypes[m->policy.nethertypes++] = FAB_ETH_P_LLDP;
	e = env_new(m);
	fr_eth(&fr, FX_MAC_B, FX_MAC_A, 0, 0x88b5);
	expect_fwd(e, FX_P_A, fr_done(&fr), FX_P_B);
	fr_eth(&fr, 0x030000000001ULL, FX_MAC_A, 0, 0x88b5);
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_multicast);
	fr_eth(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, 0x88b5);
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_broadcast);
	/* LLDP stays forbidden whatever the allow-list says. */
	fr_eth(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_ETH_P_LLDP);
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_lldp);
	teardown((void **)&e);
}

static void test_ipv4_rules(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;

	expect_fwd(e, FX_P_A,
		   fr_udp4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11", 5353, 53),
		   FX_P_B);
	expect_drop(e, FX_P_A,
		    fr_udp4_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, "0.0.0.0", "255.255.255.255",
				  68, 67),
		    FAB_DROP_ipv4_dhcp);
	expect_drop(e, FX_P_A,
		    fr_udp4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11", 67, 68),
		    FAB_DROP_ipv4_dhcp);
	expect_drop(e, FX_P_A,
		    fr_udp4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11", 68, 4000),
		    FAB_DROP_ipv4_dhcp);
	expect_drop(e, FX_P_A,
		    fr_ip4_frame(&fr, 0x01005e000001ULL, FX_MAC_A, 0, FAB_IPPROTO_IGMP,
				 "192.0.2.10", "224.0.0.1", 8),
		    FAB_DROP_ipv4_igmp);
	expect_drop(e, FX_P_A,
		    fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_PIM, "192.0.2.10",
				 "192.0.2.11", 8),
		    FAB_DROP_ipv4_pim);
	expect_drop(e, FX_P_A,
		    fr_ip4_frame(&fr, 0x01005e000005ULL, FX_MAC_A, 0, FAB_IPPROTO_OSPF,
				 "192.0.2.10", "224.0.0.5", 8),
		    FAB_DROP_ipv4_ospf);
	expect_drop(e, FX_P_A,
		    fr_ip4_frame(&fr, 0x01005e000012ULL, FX_MAC_A, 0, FAB_IPPROTO_VRRP,
				 "192.0.2.10", "224.0.0.18", 8),
		    FAB_DROP_ipv4_vrrp);
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_ICMP, "192.0.2.10", "192.0.2.11",
			 8);
	f->data[14 + 20] = FAB_ICMP_REDIRECT;
	expect_drop(e, FX_P_A, f, FAB_DROP_ipv4_icmp_redirect);
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_ICMP, "192.0.2.10", "192.0.2.11",
			 8);
	f->data[14 + 20] = 8; /* echo request */
	expect_fwd(e, FX_P_A, f, FX_P_B);
	/* Multicast by IP destination or by MAC. */
	expect_drop(
	    e, FX_P_A,
	    fr_udp4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, "192.0.2.10", "239.1.2.3", 5000, 5000),
	    FAB_DROP_ipv4_multicast);
	expect_drop(e, FX_P_A,
		    fr_udp4_frame(&fr, 0x01005e010203ULL, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11",
				  5000, 5000),
		    FAB_DROP_ipv4_multicast);
	expect_drop(e, FX_P_A,
		    fr_udp4_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, "192.0.2.10", "192.0.2.255",
				  5000, 5000),
		    FAB_DROP_broadcast);
	/* Broken headers. */
	f = tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	f->data[14] = 0x44;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	f->data[14] = 0x65;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	f->data[14 + 3] = 47; /* total length beyond the 46 bytes the frame holds */
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	f->data[14 + 3] = 19;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_UDP, "192.0.2.10", "192.0.2.11",
			 6);
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_errors], 5);
	/* A later fragment has no UDP header to judge: only its destination counts. */
	f = fr_udp4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11", 68, 67);
	f->data[14 + 6] = 0x00;
	f->data[14 + 7] = 0x10;
	expect_fwd(e, FX_P_A, f, FX_P_B);
}

static struct fab_frame *icmp6(struct fr *fr, fab_mac_t dst, const char *dip, uint8_t type, int ext,
			       uint8_t ext_type)
{
	fr_eth(fr, dst, FX_MAC_A, 0, FAB_ETH_P_IPV6);
	fr_ipv6(fr, ext ? ext_type : FAB_IPPROTO_ICMPV6, "2001:db8::a", dip, 255,
		(size_t)ext * 8 + 8);
	for (int i = 0; i < ext; i++)
		fr_ext(fr, i + 1 < ext ? ext_type : FAB_IPPROTO_ICMPV6);
	fr_icmp6(fr, type);
	fr_zero(fr, 4);
	fr_icmp6_sum(fr);
	return fr_done(fr);
}

static void test_ipv6_rules(void **state)
{
	static const struct {
		uint8_t type;
		int reason;
	} icmp[] = {
	    {FAB_ICMP6_RA, FAB_DROP_ipv6_ra},
	    {FAB_ICMP6_RS, FAB_DROP_ipv6_rs},
	    {FAB_ICMP6_REDIRECT, FAB_DROP_ipv6_redirect},
	    {FAB_ICMP6_MLD_QUERY, FAB_DROP_ipv6_mld},
	    {FAB_ICMP6_MLD_REPORT, FAB_DROP_ipv6_mld},
	    {FAB_ICMP6_MLD_DONE, FAB_DROP_ipv6_mld},
	    {FAB_ICMP6_MLD2_REPORT, FAB_DROP_ipv6_mld},
	};
	static const uint8_t exts[] = {FAB_IPPROTO_HOPOPTS, FAB_IPPROTO_DSTOPTS,
				       FAB_IPPROTO_ROUTING};
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;

	for (size_t i = 0; i < sizeof(icmp) / sizeof(icmp[0]); i++) {
		expect_drop(e, FX_P_A, icmp6(&fr, 0x333300000001ULL, "ff02::1", icmp[i].type, 0, 0),
			    icmp[i].reason);
		/* Unicast, and behind each kind of extension header. */
		expect_drop(e, FX_P_A, icmp6(&fr, FX_MAC_B, "2001:db8::b", icmp[i].type, 0, 0),
			    icmp[i].reason);
		for (size_t k = 0; k < sizeof(exts); k++)
			expect_drop(
			    e, FX_P_A,
			    icmp6(&fr, 0x333300000001ULL, "ff02::1", icmp[i].type, 3, exts[k]),
			    icmp[i].reason);
	}
	/* Echo request unicast passes, to a group it does not. */
	expect_fwd(e, FX_P_A, icmp6(&fr, FX_MAC_B, "2001:db8::b", 128, 2, FAB_IPPROTO_HOPOPTS),
		   FX_P_B);
	expect_drop(e, FX_P_A, icmp6(&fr, 0x333300000001ULL, "ff02::1", 128, 0, 0),
		    FAB_DROP_ipv6_multicast);
	expect_drop(e, FX_P_A, icmp6(&fr, FX_MAC_B, "ff0e::1", 128, 0, 0), FAB_DROP_ipv6_multicast);
	expect_drop(e, FX_P_A, icmp6(&fr, 0x333300000001ULL, "2001:db8::b", 128, 0, 0),
		    FAB_DROP_ipv6_multicast);
	/* Eight extension headers are walked; a ninth is too many. */
	expect_fwd(e, FX_P_A, icmp6(&fr, FX_MAC_B, "2001:db8::b", 128, 8, FAB_IPPROTO_DSTOPTS),
		   FX_P_B);
	expect_drop(e, FX_P_A, icmp6(&fr, FX_MAC_B, "2001:db8::b", 128, 9, FAB_IPPROTO_DSTOPTS),
		    FAB_DROP_ipv6_ext_chain);

	static const struct {
		uint8_t nh;
		uint16_t port;
		int reason;
	} l4[] = {
	    {FAB_IPPROTO_OSPF, 0, FAB_DROP_ipv6_ospf},
	    {FAB_IPPROTO_PIM, 0, FAB_DROP_ipv6_pim},
	    {FAB_IPPROTO_VRRP, 0, FAB_DROP_ipv6_vrrp},
	    {FAB_IPPROTO_UDP, FAB_UDP_DHCP6_SERVER, FAB_DROP_ipv6_dhcp},
	    {FAB_IPPROTO_UDP, FAB_UDP_DHCP6_CLIENT, FAB_DROP_ipv6_dhcp},
	};
	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++) {
		f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, l4[i].nh, "2001:db8::a", "2001:db8::b",
				 16);
		f->data[14 + 40 + 2] = (uint8_t)(l4[i].port >> 8);
		f->data[14 + 40 + 3] = (uint8_t)l4[i].port;
		expect_drop(e, FX_P_A, f, l4[i].reason);
	}
	f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_UDP, "2001:db8::a", "2001:db8::b",
			 16);
	f->data[14 + 40 + 3] = 53;
	expect_fwd(e, FX_P_A, f, FX_P_B);
	expect_fwd(e, FX_P_A,
		   fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "2001:db8::a",
				"2001:db8::b", 20),
		   FX_P_B);

	/* Truncation: payload length beyond the frame, an extension header cut short. */
	f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "2001:db8::a", "2001:db8::b",
			 20);
	f->data[14 + 5] = 21;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_HOPOPTS, "2001:db8::a",
			 "2001:db8::b", 8);
	f->data[14 + 40 + 1] = 1; /* 16 bytes of header in 8 bytes of payload */
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "2001:db8::a", "2001:db8::b",
			 20);
	f->data[14] = 0x40;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
}

/* A fragment header, then an ICMPv6 message of the given type. */
static struct fab_frame *frag6(struct fr *fr, fab_mac_t dst, const char *dip, uint16_t offset,
			       uint8_t type)
{
	fr_eth(fr, dst, FX_MAC_A, 0, FAB_ETH_P_IPV6);
	fr_ipv6(fr, FAB_IPPROTO_FRAGMENT, "2001:db8::a", dip, 255, 8 + 16);
	fr_frag(fr, FAB_IPPROTO_ICMPV6, offset);
	fr_icmp6(fr, type);
	fr_zero(fr, 12);
	return fr_done(fr);
}

static void test_ipv6_fragments(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;

	/* The first fragment carries the upper header, so an RA in it is an RA. */
	expect_drop(e, FX_P_A, frag6(&fr, 0x333300000001ULL, "ff02::1", 0, FAB_ICMP6_RA),
		    FAB_DROP_ipv6_ra);
	expect_drop(e, FX_P_A, frag6(&fr, FX_MAC_B, "2001:db8::b", 0, FAB_ICMP6_RA),
		    FAB_DROP_ipv6_ra);
	/* Later fragments: unicast passes, multicast does not. */
	expect_fwd(e, FX_P_A, frag6(&fr, FX_MAC_B, "2001:db8::b", 0x100, FAB_ICMP6_RA), FX_P_B);
	expect_drop(e, FX_P_A, frag6(&fr, 0x333300000001ULL, "ff02::1", 0x100, FAB_ICMP6_RA),
		    FAB_DROP_ipv6_multicast);
	/* A first fragment whose header chain ends before the upper header. */
	f = frag6(&fr, FX_MAC_B, "2001:db8::b", 0, FAB_ICMP6_RA);
	f->data[14 + 5] = 10;
	expect_drop(e, FX_P_A, f, FAB_DROP_truncated);
	/* ND is never fragmented (RFC 6980). */
	expect_drop(e, FX_P_A, frag6(&fr, FX_MAC_B, "2001:db8::b", 0, FAB_ICMP6_NS),
		    FAB_DROP_nd_malformed);
}

/* A broadcast ARP request with the frame's source as sender. */
static struct fab_frame *who_has(struct fr *fr, fab_mac_t src, uint16_t vid, const char *spa,
				 const char *tpa)
{
	return fr_arp_frame(fr, FAB_MAC_BROADCAST, src, vid, FAB_ARP_OP_REQUEST, spa, tpa);
}

static void test_arp_steer(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;
	uint8_t before[60];

	f = who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11");
	memcpy(before, f->data, sizeof(before));
	expect_steer(e, FX_P_A, f, FX_P_B);
	/* Only the destination MAC changed: now B's. */
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_B);
	assert_memory_equal(f->data + 6, before + 6, sizeof(before) - 6);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_steered], 1);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_forwarded], 0);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_broadcast], 1);
	/* Unicast requests (cache refresh) are steered as well. */
	expect_steer(e, FX_P_A,
		     fr_arp_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_ARP_OP_REQUEST, "192.0.2.10",
				  "192.0.2.11"),
		     FX_P_B);
	/* From a trunk to an access port: tag popped, destination rewritten. */
	f = who_has(&fr, FX_MAC_C, 100, "192.0.2.12", "192.0.2.10");
	expect_steer(e, FX_P_C, f, FX_P_A);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_A);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_ARP);
	assert_int_equal(fr_rd32(f->data + 14 + 24), fx_parse4("192.0.2.10"));
	/* To a member behind the core: out the core port, tagged. */
	f = who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.13");
	expect_steer(e, FX_P_A, f, FX_P_CORE);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_D);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_8021Q);
	assert_int_equal(fr_rd16(f->data + 14), 100);
	/* Replies go to their unicast destination. */
	expect_fwd(
	    e, FX_P_B,
	    fr_arp_frame(&fr, FX_MAC_A, FX_MAC_B, 0, FAB_ARP_OP_REPLY, "192.0.2.11", "192.0.2.10"),
	    FX_P_A);
	expect_drop(e, FX_P_B,
		    fr_arp_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_B, 0, FAB_ARP_OP_REPLY,
				 "192.0.2.11", "192.0.2.10"),
		    FAB_DROP_broadcast);
	expect_drop(e, FX_P_A,
		    fr_arp_frame(&fr, 0x030000000001ULL, FX_MAC_A, 0, FAB_ARP_OP_REQUEST,
				 "192.0.2.10", "192.0.2.11"),
		    FAB_DROP_multicast);
}

static void test_arp_policy_drops(void **state)
{
	struct env *e = *state;
	struct fab_port_stats *s = &e->stats[FX_P_A];
	struct fab_verdict v;
	struct fr fr;
	struct fab_frame *f;

	/* Unknown target: dropped, a copy for the sponge. */
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.99"));
	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_int_equal(v.reason, FAB_DROP_arp_unknown_target);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	assert_int_equal(s->ctr[FAB_CTR_punted], 1);
	/* Owner down (F, proxy LAN): not answered, copied. */
	v = run1(e, FX_P_C, who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.15"));
	assert_int_equal(v.reason, FAB_DROP_arp_owner_down);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	/* Malformed. */
	f = who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11");
	f->data[15] = 6; /* htype IEEE 802 */
	expect_drop(e, FX_P_A, f, FAB_DROP_arp_malformed);
	f = fr_arp_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, 3, "192.0.2.10", "192.0.2.11");
	expect_drop(e, FX_P_A, f, FAB_DROP_arp_malformed);
	f = who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11");
	f->data[14 + 5] = 16; /* protocol address length */
	expect_drop(e, FX_P_A, f, FAB_DROP_arp_malformed);
	/* Spoofs: sender MAC not the frame's, or an address that is not A's. */
	fr_eth(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, FAB_ETH_P_ARP);
	fr_arp(&fr, FAB_ARP_OP_REQUEST, FX_MAC_B, "192.0.2.10", 0, "192.0.2.11");
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_arp_spoof);
	assert_int_equal(s->last_offender_reason, FAB_DROP_arp_spoof);
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.11", "192.0.2.12"),
		    FAB_DROP_arp_spoof);
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.200", "192.0.2.12"),
		    FAB_DROP_arp_spoof);
	expect_drop(
	    e, FX_P_A,
	    fr_arp_frame(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_ARP_OP_REPLY, "192.0.2.11", "192.0.2.11"),
	    FAB_DROP_arp_spoof);
	/* Gratuitous ARP from the owner: dropped, copied so control sees it alive. */
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.10"));
	assert_int_equal(v.reason, FAB_DROP_arp_gratuitous);
	assert_int_equal(v.flags, FAB_VF_PUNT);
}

static void test_arp_dad(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_verdict v;
	struct fab_frame *f;

	/* A probe for the prober's own address: nobody may answer. */
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "0.0.0.0", "192.0.2.10"),
		    FAB_DROP_arp_dad);
	/* For an address nobody owns: no one to defend it. */
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "0.0.0.0", "192.0.2.99"),
		    FAB_DROP_arp_dad);
	/* For another member's address: steered to it so it defends. */
	f = who_has(&fr, FX_MAC_A, 0, "0.0.0.0", "192.0.2.11");
	expect_steer(e, FX_P_A, f, FX_P_B);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_B);
	/* On the proxy LAN too: a probe is never answered by the fabric. */
	f = who_has(&fr, FX_MAC_C2, 200, "0.0.0.0", "198.51.100.14");
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.port, FX_P_CORE);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_answered], 0);
}

static void test_arp_proxy_answer(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_verdict v;
	struct fab_frame *f;
	uint8_t *a;

	f = who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.14");
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.port, FX_P_C);
	assert_int_equal(v.flags, 0);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_answered], 1);
	assert_int_equal(f->len, 60);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_C2);
	assert_int_equal(fr_rd_mac(f->data + 6), FX_MAC_E2);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_8021Q);
	assert_int_equal(fr_rd16(f->data + 14), 200);
	assert_int_equal(fr_rd16(f->data + 16), FAB_ETH_P_ARP);
	a = f->data + 18;
	assert_int_equal(fr_rd16(a), FAB_ARP_HTYPE_ETH);
	assert_int_equal(fr_rd16(a + 2), FAB_ETH_P_IPV4);
	assert_int_equal(fr_rd16(a + 6), FAB_ARP_OP_REPLY);
	assert_int_equal(fr_rd_mac(a + 8), FX_MAC_E2);
	assert_int_equal(fr_rd32(a + 14), fx_parse4("198.51.100.14"));
	assert_int_equal(fr_rd_mac(a + 18), FX_MAC_C2);
	assert_int_equal(fr_rd32(a + 24), fx_parse4("198.51.100.12"));
	for (int i = 18 + 28; i < 60; i++)
		assert_int_equal(f->data[i], 0);
}

static void test_nd_steer(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;
	uint8_t before[86];

	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	memcpy(before, f->data, sizeof(before));
	expect_steer(e, FX_P_A, f, FX_P_B);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_steered], 1);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_multicast], 1);
	/* The MAC is the owner's; the IPv6 destination stays the solicited-node group. */
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_B);
	assert_memory_equal(f->data + 6, before + 6, sizeof(before) - 6);
	/* Unicast NS (reachability) without a link-layer option. */
	expect_steer(
	    e, FX_P_A,
	    fr_ns(&fr, FX_MAC_B, FX_MAC_A, 0, "2001:db8::a", "2001:db8::b", "2001:db8::b", 0),
	    FX_P_B);
	/* To the core, tagged. */
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::d", FX_MAC_A);
	expect_steer(e, FX_P_A, f, FX_P_CORE);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_D);
	assert_int_equal(fr_rd16(f->data + 14), 100);
	/* From the core, as the switch behind it (another peerlan node) steered
	 * it: to the owner's MAC, still to the target's solicited-node group. */
	f = fr_ns(&fr, FX_MAC_A, FX_MAC_D, 100, "2001:db8::d", NULL, "2001:db8::a", FX_MAC_D);
	expect_steer(e, FX_P_CORE, f, FX_P_A);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_A);
	/* Routers solicit from their link-local address too. */
	expect_steer(e, FX_P_A,
		     fr_ns(&fr, 0, FX_MAC_A, 0, "fe80::a", NULL, "2001:db8::b", FX_MAC_A), FX_P_B);
	/* A solicited NA goes back unicast like any frame. */
	expect_fwd(e, FX_P_B,
		   fr_na(&fr, FX_MAC_A, FX_MAC_B, 0, "2001:db8::b", "2001:db8::a", "2001:db8::b",
			 FAB_ND_NA_SOLICITED | FAB_ND_NA_OVERRIDE, FX_MAC_B),
		   FX_P_A);
	expect_fwd(e, FX_P_B,
		   fr_na(&fr, FX_MAC_A, FX_MAC_B, 0, "2001:db8::b", "2001:db8::a", "2001:db8::b",
			 FAB_ND_NA_SOLICITED, 0),
		   FX_P_A);
	/* An NA for the sender's own link-local address, answering a link-local NS. */
	expect_fwd(e, FX_P_B,
		   fr_na(&fr, FX_MAC_A, FX_MAC_B, 0, "fe80::b", "fe80::a", "fe80::b",
			 FAB_ND_NA_SOLICITED, FX_MAC_B),
		   FX_P_A);
}

static void test_nd_policy_drops(void **state)
{
	struct env *e = *state;
	struct fab_verdict v;
	struct fr fr;
	struct fab_frame *f;

	/* Spoofs: link-layer option, source address or NA target not the sender's. */
	expect_drop(e, FX_P_A,
		    fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_B),
		    FAB_DROP_nd_spoof);
	expect_drop(e, FX_P_A,
		    fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::c", NULL, "2001:db8::b", FX_MAC_A),
		    FAB_DROP_nd_spoof);
	/* A link-local source is every router's right, but not with another's MAC. */
	expect_drop(e, FX_P_A, fr_ns(&fr, 0, FX_MAC_A, 0, "fe80::a", NULL, "2001:db8::b", FX_MAC_B),
		    FAB_DROP_nd_spoof);
	expect_drop(e, FX_P_B,
		    fr_na(&fr, FX_MAC_A, FX_MAC_B, 0, "2001:db8::b", "2001:db8::a", "2001:db8::c",
			  FAB_ND_NA_SOLICITED, FX_MAC_B),
		    FAB_DROP_nd_spoof);
	expect_drop(e, FX_P_B,
		    fr_na(&fr, FX_MAC_A, FX_MAC_B, 0, "2001:db8::b", "2001:db8::a", "2001:db8::b",
			  FAB_ND_NA_SOLICITED, FX_MAC_A),
		    FAB_DROP_nd_spoof);
	/* Unknown target and owner down: dropped with a copy. */
	v = run1(e, FX_P_A,
		 fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::99", FX_MAC_A));
	assert_int_equal(v.reason, FAB_DROP_nd_unknown_target);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	v = run1(e, FX_P_C,
		 fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::f", FX_MAC_C2));
	assert_int_equal(v.reason, FAB_DROP_nd_owner_down);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	/* Unsolicited NA to all-nodes: liveness for control, nothing for the LAN. */
	v = run1(e, FX_P_B,
		 fr_na(&fr, 0x333300000001ULL, FX_MAC_B, 0, "2001:db8::b", "ff02::1", "2001:db8::b",
		       FAB_ND_NA_OVERRIDE, FX_MAC_B));
	assert_int_equal(v.reason, FAB_DROP_nd_unsolicited);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	expect_drop(e, FX_P_B,
		    fr_na(&fr, 0x333300000001ULL, FX_MAC_B, 0, "2001:db8::b", "ff02::1",
			  "2001:db8::b", FAB_ND_NA_SOLICITED, FX_MAC_B),
		    FAB_DROP_nd_malformed);
	/* Malformed: hop limit, checksum, length, code, group of another target. */
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	f->data[14 + 7] = 64;
	expect_drop(e, FX_P_A, f, FAB_DROP_nd_malformed);
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	f->data[14 + 40 + 2] ^= 1;
	expect_drop(e, FX_P_A, f, FAB_DROP_nd_malformed);
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	f->data[14 + 40 + 1] = 1;
	expect_drop(e, FX_P_A, f, FAB_DROP_nd_malformed);
	fr_eth(&fr, FX_MAC_B, FX_MAC_A, 0, FAB_ETH_P_IPV6);
	fr_ipv6(&fr, FAB_IPPROTO_ICMPV6, "2001:db8::a", "2001:db8::b", 255, 20);
	fr_icmp6(&fr, FAB_ICMP6_NS);
	fr_zero(&fr, 16);
	fr_icmp6_sum(&fr);
	expect_drop(e, FX_P_A, fr_done(&fr), FAB_DROP_nd_malformed);
	f = fr_ns(&fr, 0x3333ff00000cULL, FX_MAC_A, 0, "2001:db8::a", "ff02::1:ff00:c",
		  "2001:db8::b", FX_MAC_A);
	expect_drop(e, FX_P_A, f, FAB_DROP_nd_malformed);
	/* A bad option length. */
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
	f->data[14 + 40 + 25] = 0;
	expect_drop(e, FX_P_A, f, FAB_DROP_nd_malformed);
	/* Groups other than all-nodes and solicited-node, or a MAC that does not match. */
	expect_drop(e, FX_P_A,
		    fr_ns(&fr, 0x333300000002ULL, FX_MAC_A, 0, "2001:db8::a", "ff02::2",
			  "2001:db8::b", FX_MAC_A),
		    FAB_DROP_ipv6_multicast);
	expect_drop(e, FX_P_A,
		    fr_ns(&fr, 0x3333ff000099ULL, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b",
			  FX_MAC_A),
		    FAB_DROP_ipv6_multicast);
}

static void test_nd_dad(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;

	expect_drop(e, FX_P_A, fr_ns(&fr, 0, FX_MAC_A, 0, "::", NULL, "2001:db8::a", 0),
		    FAB_DROP_nd_dad);
	expect_drop(e, FX_P_A, fr_ns(&fr, 0, FX_MAC_A, 0, "::", NULL, "2001:db8::99", 0),
		    FAB_DROP_nd_dad);
	f = fr_ns(&fr, 0, FX_MAC_A, 0, "::", NULL, "2001:db8::b", 0);
	expect_steer(e, FX_P_A, f, FX_P_B);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_B);
	/* Proxy LAN: steered, never answered. */
	expect_steer(e, FX_P_C, fr_ns(&fr, 0, FX_MAC_C2, 200, "::", NULL, "2001:db8:1::e", 0),
		     FX_P_CORE);
	/* DAD carries no link-layer option and goes to the group. */
	expect_drop(e, FX_P_A, fr_ns(&fr, 0, FX_MAC_A, 0, "::", NULL, "2001:db8::b", FX_MAC_A),
		    FAB_DROP_nd_malformed);
	expect_drop(e, FX_P_A,
		    fr_ns(&fr, FX_MAC_B, FX_MAC_A, 0, "::", "2001:db8::b", "2001:db8::b", 0),
		    FAB_DROP_nd_malformed);
}

/* Checks an NA built by the proxy, every field an NS sender looks at. */
static void check_na(const struct fab_frame *f, fab_mac_t to, const char *asker, const char *target,
		     fab_mac_t owner)
{
	const uint8_t *ip = f->data + 18, *icmp = ip + 40;
	struct fab_ip6 a = fx_parse6(asker), t = fx_parse6(target);

	assert_int_equal(f->len, 18 + 40 + 32);
	assert_int_equal(fr_rd_mac(f->data), to);
	assert_int_equal(fr_rd_mac(f->data + 6), owner);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_8021Q);
	assert_int_equal(fr_rd16(f->data + 14), 200);
	assert_int_equal(fr_rd16(f->data + 16), FAB_ETH_P_IPV6);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(fr_rd16(ip + 4), 32);
	assert_int_equal(ip[6], FAB_IPPROTO_ICMPV6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, t.b, 16);
	assert_memory_equal(ip + 24, a.b, 16);
	assert_int_equal(icmp[0], FAB_ICMP6_NA);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(icmp[4], FAB_ND_NA_SOLICITED | FAB_ND_NA_OVERRIDE);
	assert_int_equal(icmp[4] & FAB_ND_NA_ROUTER, 0);
	assert_memory_equal(icmp + 8, t.b, 16);
	assert_int_equal(icmp[24], FAB_ND_OPT_TLLA);
	assert_int_equal(icmp[25], 1);
	assert_int_equal(fr_rd_mac(icmp + 26), owner);
	assert_int_equal(fr_icmp6_check(ip), 0);
}

static void test_nd_proxy_answer(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_verdict v;
	struct fab_frame *f;
	uint8_t *start;

	/* NS with its option (94 bytes tagged): the NA fits in place. */
	f = fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::e", FX_MAC_C2);
	start = f->data;
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.port, FX_P_C);
	assert_ptr_equal(f->data, start);
	check_na(f, FX_MAC_C2, "2001:db8:1::c", "2001:db8:1::e", FX_MAC_E2);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_answered], 1);
	/* Unicast NS without an option is 8 bytes short: the NA grows into the headroom. */
	f = fr_ns(&fr, FX_MAC_E2, FX_MAC_C2, 200, "2001:db8:1::c", "2001:db8:1::e", "2001:db8:1::e",
		  0);
	start = f->data;
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_ptr_equal(f->data, start - 8);
	assert_int_equal(f->headroom, FR_HEADROOM - 8);
	check_na(f, FX_MAC_C2, "2001:db8:1::c", "2001:db8:1::e", FX_MAC_E2);
	/* ... and without headroom it cannot. */
	f = fr_ns(&fr, FX_MAC_E2, FX_MAC_C2, 200, "2001:db8:1::c", "2001:db8:1::e", "2001:db8:1::e",
		  0);
	f->headroom = 4;
	expect_drop(e, FX_P_C, f, FAB_DROP_no_buffer);
}

#define SPONGE_MAC 0x02005e0000feULL /* the policy's default */

static void sponge_set(struct env *e, const char *const *addrs, size_t n)
{
	uint8_t v[8][16];

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		struct fab_ip6 a6;
		uint32_t a4;

		if (strchr(addrs[i], ':') != NULL) {
			a6 = fx_parse6(addrs[i]);
			memcpy(v[i], a6.b, 16);
		} else {
			a4 = fx_parse4(addrs[i]);
			memset(v[i], 0, 10);
			v[i][10] = v[i][11] = 0xff;
			v[i][12] = (uint8_t)(a4 >> 24);
			v[i][13] = (uint8_t)(a4 >> 16);
			v[i][14] = (uint8_t)(a4 >> 8);
			v[i][15] = (uint8_t)a4;
		}
	}
	assert_int_equal(fab_tables_set_sponged(e->t, (const uint8_t(*)[16])v, n), 0);
	assert_int_equal(fab_tables_nsponged(e->t), n);
}

/* A (192.0.2.10) asks who has target, and the fabric answers for it with mac, uncopied. */
static void expect_arp_reply_to_a(struct env *e, const char *target, fab_mac_t mac)
{
	struct fr fr;
	struct fab_frame *f = who_has(&fr, FX_MAC_A, 0, "192.0.2.10", target);
	struct fab_verdict v = run1(e, FX_P_A, f);
	const uint8_t *a = f->data + 14;

	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.port, FX_P_A);
	assert_int_equal(v.flags, 0);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_A);
	assert_int_equal(fr_rd_mac(f->data + 6), mac);
	assert_int_equal(fr_rd16(a + 6), FAB_ARP_OP_REPLY);
	assert_int_equal(fr_rd_mac(a + 8), mac);
	assert_int_equal(fr_rd32(a + 14), fx_parse4(target));
	assert_int_equal(fr_rd32(a + 24), fx_parse4("192.0.2.10"));
}

/* Sponged addresses, known or not, owner up or not, are answered with the sponge MAC. */
static void test_sponge_answers(void **state)
{
	static const char *const addrs[] = {"192.0.2.99", "192.0.2.11", "2001:db8:1::e"};
	struct env *e = *state;
	struct fab_verdict v;
	struct fr fr;
	struct fab_frame *f;

	/* Before: B's address is steered, the unknown one punted. */
	expect_steer(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11"), FX_P_B);
	sponge_set(e, addrs, 3);
	for (int i = 0; i < 2; i++) {
		expect_arp_reply_to_a(e, addrs[i], SPONGE_MAC);
	}
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_answered], 2);
	/* A DAD probe is never answered, sponged or not. */
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "0.0.0.0", "192.0.2.99"),
		    FAB_DROP_arp_dad);
	/* IPv6, on the proxy LAN: the sponge's NA comes before the owner's. */
	f = fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::e", FX_MAC_C2);
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_REPLY);
	check_na(f, FX_MAC_C2, "2001:db8:1::c", "2001:db8:1::e", SPONGE_MAC);
	/* Addresses not in the set are untouched. */
	expect_steer(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.13"), FX_P_CORE);
	/* Whatever is sent to the sponge MAC is dropped with a copy for control. */
	v = run1(e, FX_P_B,
		 fr_arp_frame(&fr, SPONGE_MAC, FX_MAC_B, 0, FAB_ARP_OP_REPLY, "192.0.2.11",
			      "192.0.2.10"));
	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_int_equal(v.reason, FAB_DROP_sponge_mac);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	assert_int_equal(e->stats[FX_P_B].ctr[FAB_CTR_punted], 1);
	/* An empty set ends it. */
	sponge_set(e, NULL, 0);
	expect_steer(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11"), FX_P_B);
}

/*
 * A request from an address the sponge answers for is its owner back: when
 * the fabric answers it itself (the target sponged too, or a proxy LAN)
 * the answer carries a copy for control, which a steered request has
 * anyway; requests from other senders are answered without one.
 */
static void test_sponged_sender_heard(void **state)
{
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.99", "198.51.100.12",
					    "2001:db8:1::c"};
	struct env *e = *state;
	struct fab_verdict v;
	struct fr fr;

	sponge_set(e, addrs, 4);
	/* A, sponged, asks for a sponged address: the sponge's answer, copied. */
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.99"));
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.flags & FAB_VF_PUNT, FAB_VF_PUNT);
	/* ... and for B's: steered, copied as every steered request is. */
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11"));
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	assert_int_equal(v.flags & FAB_VF_PUNT, FAB_VF_PUNT);
	/* C2, sponged, on the proxy LAN: the owner's answer, copied. */
	v = run1(e, FX_P_C, who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.14"));
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.flags & FAB_VF_PUNT, FAB_VF_PUNT);
	v = run1(e, FX_P_C,
		 fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::e", FX_MAC_C2));
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.flags & FAB_VF_PUNT, FAB_VF_PUNT);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_punted], 2);
	/* Not sponged: answered with no copy. */
	sponge_set(e, addrs + 1, 1);
	v = run1(e, FX_P_C, who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.14"));
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.flags, 0);
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.99"));
	assert_int_equal(v.action, FAB_ACT_REPLY);
	assert_int_equal(v.flags, 0);
}

#define BH_MAC  0x02005e000666ULL
#define BH_MAC2 0x02005e000667ULL

/*
 * RFC 7999 blackholing: the fabric answers ARP/ND for a LAN's blackhole
 * next hop with its MAC, and drops what is sent there, counted per sender.
 * LAN 100 has an IPv4 next hop, LAN 200 an IPv6 one, each its own MAC.
 */
static void test_blackhole(void **state)
{
	struct fab_model *m = fx_exchange();
	struct env *e;
	struct fab_verdict v;
	struct fr fr;
	struct fab_frame *f;

	(void)state;
	/* Without one, the address is nobody's and the MAC unknown. */
	e = env_new(fab_model_clone(m));
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.66"),
		    FAB_DROP_arp_unknown_target);
	expect_drop(e, FX_P_A, tcp4(&fr, BH_MAC, FX_MAC_A, 0), FAB_DROP_unknown_unicast);
	fab_tables_destroy(e->t);
	free(e);

	m->lans[FX_LAN_STEER].blackhole =
	    (struct fab_blackhole){.mac = BH_MAC, .ipv4 = fx_parse4("192.0.2.66")};
	m->lans[FX_LAN_PROXY].blackhole = (struct fab_blackhole){
	    .mac = BH_MAC2, .has_ipv6 = true, .ipv6 = fx_parse6("2001:db8:1::666")};
	e = env_new(m);
	expect_arp_reply_to_a(e, "192.0.2.66", BH_MAC);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_answered], 1);
	/* A probe for it is nobody's to defend, as for any unowned address. */
	expect_drop(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "0.0.0.0", "192.0.2.66"),
		    FAB_DROP_arp_dad);
	/* IPv6 on LAN 200 (a proxy LAN: the blackhole's answer all the same). */
	f = fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::666", FX_MAC_C2);
	v = run1(e, FX_P_C, f);
	assert_int_equal(v.action, FAB_ACT_REPLY);
	check_na(f, FX_MAC_C2, "2001:db8:1::c", "2001:db8:1::666", BH_MAC2);
	/* LAN 200 has no IPv4 next hop, so 198.51.100.66 is nobody's. */
	expect_drop(e, FX_P_C, who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.66"),
		    FAB_DROP_arp_unknown_target);
	/* Traffic to the MAC is dropped and counted per sender, whatever it carries. */
	expect_drop(e, FX_P_A, tcp4(&fr, BH_MAC, FX_MAC_A, 0), FAB_DROP_blackhole);
	expect_drop(e, FX_P_B, tcp4(&fr, BH_MAC, FX_MAC_B, 0), FAB_DROP_blackhole);
	expect_drop(e, FX_P_B,
		    fr_ip6_frame(&fr, BH_MAC, FX_MAC_B, 0, FAB_IPPROTO_TCP, "2001:db8::b",
				 "2001:db8:5::1", 20),
		    FAB_DROP_blackhole);
	expect_drop(e, FX_P_C, tcp4(&fr, BH_MAC2, FX_MAC_C2, 200), FAB_DROP_blackhole);
	assert_int_equal(e->stats[FX_P_A].drop[FAB_DROP_blackhole], 1);
	assert_int_equal(e->stats[FX_P_B].drop[FAB_DROP_blackhole], 2);
	assert_int_equal(e->stats[FX_P_C].drop[FAB_DROP_blackhole], 1);
	/* Each LAN's MAC is its own: LAN 100's is unknown on LAN 200. */
	expect_drop(e, FX_P_C, tcp4(&fr, BH_MAC, FX_MAC_C2, 200), FAB_DROP_unknown_unicast);
	/* Members' traffic is untouched, and MAC 0 is still nobody's. */
	expect_fwd(e, FX_P_A, tcp4(&fr, FX_MAC_B, FX_MAC_A, 0), FX_P_B);
	expect_drop(e, FX_P_A, tcp4(&fr, 0, FX_MAC_A, 0), FAB_DROP_unknown_unicast);
	teardown((void **)&e);
}

/* With the sponge off nothing is answered or copied for it; spoofs are still copied. */
static void test_sponge_off(void **state)
{
	static const uint8_t addrs[1][16] = {
	    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 11}};
	struct fab_model *m = fx_exchange();
	struct env *e;
	struct fab_verdict v;
	struct fr fr;

	(void)state;
	m->policy.sponge.enabled = false;
	e = env_new(m);
	assert_int_equal(fab_tables_set_sponged(e->t, (const uint8_t(*)[16])addrs, 1), 0);
	assert_int_equal(fab_tables_nsponged(e->t), 0);
	expect_fwd(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11"), FX_P_B);
	expect_drop(e, FX_P_B, tcp4(&fr, SPONGE_MAC, FX_MAC_B, 0), FAB_DROP_unknown_unicast);
	/* The tables mark the sponge off with MAC 0, which is then no one's. */
	v = run1(e, FX_P_B, tcp4(&fr, 0, FX_MAC_B, 0));
	assert_string_equal(fab_drop_name(v.reason), "unknown_unicast");
	assert_int_equal(v.flags, 0);
	v = run1(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.11", "192.0.2.12"));
	assert_int_equal(v.reason, FAB_DROP_arp_spoof);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	v = run1(e, FX_P_A,
		 fr_na(&fr, FX_MAC_B, FX_MAC_A, 0, "2001:db8::a", "2001:db8::b", "2001:db8::b",
		       FAB_ND_NA_SOLICITED, FX_MAC_A));
	assert_int_equal(v.reason, FAB_DROP_nd_spoof);
	assert_int_equal(v.flags, FAB_VF_PUNT);
	teardown((void **)&e);
}

static void test_unicast_drops(void **state)
{
	struct env *e = *state;
	struct fr fr;

	expect_drop(e, FX_P_A, tcp4(&fr, 0x020000000099ULL, FX_MAC_A, 0), FAB_DROP_unknown_unicast);
	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_C2, FX_MAC_A, 0), FAB_DROP_unknown_unicast);
	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_A, FX_MAC_A, 0), FAB_DROP_hairpin);
	expect_drop(e, FX_P_C, tcp4(&fr, FX_MAC_F2, FX_MAC_C2, 200), FAB_DROP_dst_port_down);
	e->oper[FX_P_B] = FAB_OPER_ERRDISABLED;
	expect_drop(e, FX_P_A, tcp4(&fr, FX_MAC_B, FX_MAC_A, 0), FAB_DROP_dst_port_down);
	e->oper[FX_P_B] = FAB_OPER_UP;
	/* G's MTU is 1280: a 1281-byte packet does not fit, 1280 does. */
	fr_ip4_frame(&fr, FX_MAC_G, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.7", 1261);
	expect_drop(e, FX_P_A, fr_raw(&fr), FAB_DROP_dst_mtu);
	fr_ip4_frame(&fr, FX_MAC_G, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.7", 1260);
	expect_fwd(e, FX_P_A, fr_raw(&fr), FX_P_G);
	expect_drop(e, FX_P_A,
		    fr_ip6_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, FAB_IPPROTO_TCP,
				 "2001:db8::a", "2001:db8::b", 20),
		    FAB_DROP_broadcast);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_rx_broadcast], 1);
}

static void test_egress_tags(void **state)
{
	struct env *e = *state;
	struct fr fr;
	struct fab_frame *f;
	uint8_t payload[46];

	/* Access to trunk: a tag pushed into the headroom, PCP 0. */
	f = tcp4(&fr, FX_MAC_C, FX_MAC_A, 0);
	memcpy(payload, f->data + 14, sizeof(payload));
	expect_fwd(e, FX_P_A, f, FX_P_C);
	assert_int_equal(f->len, 64);
	assert_int_equal(f->headroom, FR_HEADROOM - 4);
	assert_ptr_equal(f->data, fr.buf + FR_HEADROOM - 4);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_C);
	assert_int_equal(fr_rd_mac(f->data + 6), FX_MAC_A);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_8021Q);
	assert_int_equal(fr_rd16(f->data + 14), 100);
	assert_int_equal(fr_rd16(f->data + 16), FAB_ETH_P_IPV4);
	assert_memory_equal(f->data + 18, payload, sizeof(payload));
	/* Trunk to trunk: the tag is rewritten to PCP 0, the frame stays. */
	f = tcp4(&fr, FX_MAC_D, FX_MAC_C, 100);
	f->data[14] = 0xa0; /* PCP 5 */
	expect_fwd(e, FX_P_C, f, FX_P_CORE);
	assert_int_equal(fr_rd16(f->data + 14), 100);
	assert_int_equal(f->len, 60);
	/* Trunk to access, long enough: the addresses move 4 bytes in. */
	fr_ip4_frame(&fr, FX_MAC_A, FX_MAC_C, 100, FAB_IPPROTO_TCP, "192.0.2.12", "192.0.2.10",
		     100);
	f = fr_raw(&fr);
	memcpy(payload, f->data + 18, sizeof(payload));
	expect_fwd(e, FX_P_C, f, FX_P_A);
	assert_int_equal(f->len, 18 + 120 - 4);
	assert_int_equal(f->headroom, FR_HEADROOM + 4);
	assert_int_equal(fr_rd_mac(f->data), FX_MAC_A);
	assert_int_equal(fr_rd_mac(f->data + 6), FX_MAC_C);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_IPV4);
	assert_memory_equal(f->data + 14, payload, sizeof(payload));
	/* A minimum-size tagged frame keeps 60 bytes: the payload moves, zeros pad it. */
	f = tcp4(&fr, FX_MAC_A, FX_MAC_C, 100);
	memset(f->data + 38, 0x5a, 22); /* TCP bytes to the end, so stale ones would show */
	memcpy(payload, f->data + 18, 42);
	expect_fwd(e, FX_P_C, f, FX_P_A);
	assert_int_equal(f->len, 60);
	assert_ptr_equal(f->data, fr.buf + FR_HEADROOM);
	assert_int_equal(fr_rd16(f->data + 12), FAB_ETH_P_IPV4);
	assert_memory_equal(f->data + 14, payload, 42);
	for (int i = 56; i < 60; i++)
		assert_int_equal(f->data[i], 0);
	/* No headroom for a push: dropped, counted. */
	f = tcp4(&fr, FX_MAC_C, FX_MAC_A, 0);
	f->headroom = 3;
	expect_drop(e, FX_P_A, f, FAB_DROP_no_buffer);
}

/*
 * Runs fr's frame on in and expects it dropped for reason, with a copy for
 * control exactly when punt says: a dropped frame leaves as it came, not a
 * byte of its buffer changed, its start and length where they were, so
 * that whatever the caller copies or frees is the frame as received.
 */
static void expect_drop_untouched(struct env *e, uint16_t in, struct fr *fr, int reason, bool punt)
{
	static uint8_t before[sizeof(fr->buf)];
	struct fab_frame *f = &fr->f;
	const uint8_t *data = f->data;
	uint16_t len = f->len, headroom = f->headroom;
	struct fab_verdict v;

	memcpy(before, fr->buf, sizeof(before));
	v = run1(e, in, f);
	if (v.action != FAB_ACT_DROP)
		fail_msg("not dropped: action %u port %u", v.action, v.port);
	assert_string_equal(fab_drop_name(v.reason), fab_drop_name(reason));
	assert_int_equal(v.flags, punt ? FAB_VF_PUNT : 0);
	assert_ptr_equal(f->data, data);
	assert_int_equal(f->len, len);
	assert_int_equal(f->headroom, headroom);
	assert_memory_equal(fr->buf, before, sizeof(before));
}

/* Storm control on, at one request a second with a burst of one, for ARP and ND. */
static struct env *env_storm(void)
{
	struct fab_model *m = fx_exchange();
	struct env *e;

	m->policy.storm_arp = (struct fab_rate){.pps = 1, .burst = 1};
	m->policy.storm_nd = (struct fab_rate){.pps = 1, .burst = 1};
	e = env_new(m);
	e->ctx.storm = e->storm;
	return e;
}

/*
 * Requests over the storm rate are dropped after every other rule has
 * decided them: steered (its destination rewritten, a tag pushed or popped)
 * or answered (turned into the reply, grown into the headroom). The second
 * of each pair below is dropped as it came and with no copy, as storm
 * control decides no copy: it is neither steered nor a report.
 */
static void test_storm_drop_leaves_frame(void **state)
{
	struct env *e = env_storm();
	struct fr fr;

	(void)state;
	/* Trunk to access, steered: tag popped, the short frame closed from the tail. */
	expect_steer(e, FX_P_C, who_has(&fr, FX_MAC_C, 100, "192.0.2.12", "192.0.2.10"), FX_P_A);
	who_has(&fr, FX_MAC_C, 100, "192.0.2.12", "192.0.2.10");
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_storm, false);
	/* Access to the core, steered: a tag pushed into the headroom. */
	expect_steer(e, FX_P_A, who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.13"), FX_P_CORE);
	who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.13");
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_storm, false);
	/* A solicitation steered to the core. */
	expect_steer(e, FX_P_A, fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::d", 0),
		     FX_P_CORE);
	fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::d", 0);
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_storm, false);
	/* Answered on the proxy LAN: C's ARP bucket is empty, its ND one is not. */
	who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.14");
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_storm, false);
	assert_int_equal(
	    run1(e, FX_P_C,
		 fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::e", 0))
		.action,
	    FAB_ACT_REPLY);
	/* A solicitation without its option, whose answer would grow. */
	fr_ns(&fr, 0, FX_MAC_C2, 200, "2001:db8:1::c", NULL, "2001:db8:1::e", 0);
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_storm, false);
	assert_int_equal(e->stats[FX_P_C].ctr[FAB_CTR_punted], 1);
	assert_int_equal(e->stats[FX_P_A].ctr[FAB_CTR_punted], 2);
	teardown((void **)&e);
}

/*
 * On a quarantine LAN every frame is decided in full, then dropped with a
 * copy for the quarantine report: the copy is the frame as received, not
 * the steered request, the forward with its tag pushed or the answer it
 * would have become.
 */
static void test_quarantine_drop_leaves_frame(void **state)
{
	struct fab_model *m = fx_exchange();
	struct env *e;
	struct fr fr;

	(void)state;
	m->lans[FX_LAN_STEER].kind = FAB_LAN_QUARANTINE;
	m->lans[FX_LAN_PROXY].kind = FAB_LAN_QUARANTINE;
	e = env_new(m);
	who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.11");
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_quarantine, true);
	who_has(&fr, FX_MAC_A, 0, "192.0.2.10", "192.0.2.13");
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_quarantine, true);
	who_has(&fr, FX_MAC_C, 100, "192.0.2.12", "192.0.2.10");
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_quarantine, true);
	fr_ns(&fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::d", FX_MAC_A);
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_quarantine, true);
	tcp4(&fr, FX_MAC_C, FX_MAC_A, 0);
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_quarantine, true);
	/* Access port to access port, the fast path's own case: its port's flag
	 * (fab_t_port.fast) keeps a quarantine LAN's frames off it. */
	tcp4(&fr, FX_MAC_B, FX_MAC_A, 0);
	expect_drop_untouched(e, FX_P_A, &fr, FAB_DROP_quarantine, true);
	fr_ip4_frame(&fr, FX_MAC_A, FX_MAC_C, 100, FAB_IPPROTO_TCP, "192.0.2.12", "192.0.2.10",
		     100);
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_quarantine, true);
	who_has(&fr, FX_MAC_C2, 200, "198.51.100.12", "198.51.100.14");
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_quarantine, true);
	fr_ns(&fr, FX_MAC_E2, FX_MAC_C2, 200, "2001:db8:1::c", "2001:db8:1::e", "2001:db8:1::e", 0);
	expect_drop_untouched(e, FX_P_C, &fr, FAB_DROP_quarantine, true);
	teardown((void **)&e);
}

/* A burst of every kind at once, longer than FAB_BURST_MAX: the books balance. */
static void test_mixed_burst_accounting(void **state)
{
	enum { N = 150 };
	struct env *e = *state;
	struct fr *fr = calloc(N, sizeof(*fr));
	struct fab_frame frames[N];
	struct fab_verdict v[N];
	const struct fab_port_stats *s = &e->stats[FX_P_A];
	uint64_t want[4] = {0}, want_drop[FAB_DROP__COUNT] = {0}, bcast = 0, mcast = 0, octets = 0;

	assert_non_null(fr);
	for (int i = 0; i < N; i++) {
		struct fab_frame *f;

		switch (i % 10) {
		case 0:
			f = tcp4(&fr[i], FX_MAC_B, FX_MAC_A, 0);
			break;
		case 1:
			f = tcp4(&fr[i], FX_MAC_C, FX_MAC_A, 0);
			break;
		case 2:
			f = who_has(&fr[i], FX_MAC_A, 0, "192.0.2.10", "192.0.2.11");
			break;
		case 3:
			f = who_has(&fr[i], FX_MAC_A, 0, "192.0.2.10", "192.0.2.99");
			break;
		case 4:
			f = fr_ns(&fr[i], 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b",
				  FX_MAC_A);
			break;
		case 5:
			f = icmp6(&fr[i], 0x333300000001ULL, "ff02::1", FAB_ICMP6_RA, 1,
				  FAB_IPPROTO_HOPOPTS);
			break;
		case 6:
			fr_eth(&fr[i], 0x0180c2000000ULL, FX_MAC_A, 0, 0x0026);
			f = fr_done(&fr[i]);
			break;
		case 7:
			f = tcp4(&fr[i], FX_MAC_B, FX_MAC_A, 0);
			f->len = 40;
			break;
		case 8:
			f = tcp4(&fr[i], FX_MAC_B, FX_MAC_B, 0);
			break;
		default:
			f = tcp4(&fr[i], 0x020000000099ULL, FX_MAC_A, 0);
			break;
		}
		frames[i] = *f;
		octets += f->len;
	}
	fab_pipeline_run(&e->ctx, FX_P_A, frames, v, N);
	for (int i = 0; i < N; i++) {
		static const int expect[10] = {-1,
					       -1,
					       -2,
					       FAB_DROP_arp_unknown_target,
					       -2,
					       FAB_DROP_ipv6_ra,
					       FAB_DROP_link_local,
					       FAB_DROP_runt,
					       FAB_DROP_src_mac_violation,
					       FAB_DROP_unknown_unicast};
		int x = expect[i % 10];

		if (x >= 0) {
			assert_int_equal(v[i].action, FAB_ACT_DROP);
			assert_int_equal(v[i].reason, x);
			want_drop[x]++;
		} else {
			assert_int_equal(v[i].action, FAB_ACT_FORWARD);
			want[-x]++;
		}
		bcast += i % 10 == 2 || i % 10 == 3;
		mcast += i % 10 == 4 || i % 10 == 5 || i % 10 == 6;
	}
	check_accounting(e);
	assert_int_equal(s->ctr[FAB_CTR_rx_packets], N);
	assert_int_equal(s->ctr[FAB_CTR_rx_octets], octets);
	assert_int_equal(s->ctr[FAB_CTR_forwarded], want[1]);
	assert_int_equal(s->ctr[FAB_CTR_steered], want[2]);
	assert_int_equal(s->ctr[FAB_CTR_rx_broadcast], bcast);
	assert_int_equal(s->ctr[FAB_CTR_rx_multicast], mcast);
	assert_int_equal(s->ctr[FAB_CTR_rx_unicast], N - bcast - mcast);
	assert_int_equal(s->ctr[FAB_CTR_rx_errors], want_drop[FAB_DROP_runt]);
	/* Unknown targets, and the steered requests copied for the sponge. */
	assert_int_equal(s->ctr[FAB_CTR_punted], want_drop[FAB_DROP_arp_unknown_target] + want[2]);
	for (int r = 0; r < FAB_DROP__COUNT; r++)
		assert_int_equal(s->drop[r], want_drop[r]);
	free(fr);
}

static void test_unknown_port(void **state)
{
	struct env *e = *state;
	struct fab_verdict v[2];
	struct fr fr[2];
	struct fab_frame f[2];

	/* A port the tables do not know: dropped, no counters written out of bounds. */
	f[0] = *tcp4(&fr[0], FX_MAC_B, FX_MAC_A, 0);
	f[1] = *tcp4(&fr[1], FX_MAC_B, FX_MAC_A, 0);
	fab_pipeline_run(&e->ctx, FX_NPORTS, f, v, 2);
	assert_int_equal(v[0].action, FAB_ACT_DROP);
	assert_int_equal(v[1].reason, FAB_DROP_port_down);
}

/* A small deterministic generator (xorshift64), so a failure can be replayed. */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The fast path reaches the same verdicts, frames and counters as the full
 * rules: bursts of known unicast and of its near misses (every kind of
 * address, IPv4 with and without options, UDP to DHCP ports, ICMP
 * redirects, IPv6 with extension headers, multicast, sizes around each
 * port's MTU, and random bytes changed in the headers) go through one
 * pipeline with the fast path and one without.
 */
static void test_fast_path_agrees(void **state)
{
	struct env *fast = *state, *full = env_new(fx_exchange());
	static const fab_mac_t macs[] = {FX_MAC_A,          FX_MAC_B,          FX_MAC_C,
					 FX_MAC_D,          FX_MAC_G,          FX_MAC_C2,
					 FX_MAC_E2,         FAB_MAC_EDP,       FAB_MAC_BROADCAST,
					 0x01005e000001ULL, 0x333300000001ULL, 0x020000000099ULL};
	/* Mostly the access ports of LAN 100 with their members' own MACs. */
	static const uint16_t ports[] = {FX_P_A, FX_P_B, FX_P_G, FX_P_A, FX_P_B, FX_P_C, FX_P_F};
	static const fab_mac_t own[] = {FX_MAC_A, FX_MAC_B, FX_MAC_G, FX_MAC_A,
					FX_MAC_B, FX_MAC_C, FX_MAC_F2};
	static const uint8_t protos4[] = {FAB_IPPROTO_UDP, 6, FAB_IPPROTO_ICMP, FAB_IPPROTO_OSPF,
					  47};
	static const uint8_t nhs6[] = {
	    FAB_IPPROTO_UDP, 6, FAB_IPPROTO_ICMPV6, FAB_IPPROTO_HOPOPTS, FAB_IPPROTO_FRAGMENT, 59};
	static struct fr a[16], b[16];
	struct fab_frame fa[16], fb[16];
	struct fab_verdict va[16], vb[16];
	uint64_t x = 0x9e3779b97f4a7c15ULL, nfwd = 0;

	full->ctx.full_rules = true;
	fast->ctx.full_rules = false;
	for (int burst = 0; burst < 4000; burst++) {
		unsigned pi = (unsigned)(rnd(&x) % 7);
		uint16_t in = ports[pi], n = 1 + (uint16_t)(rnd(&x) % 16);

		for (uint16_t i = 0; i < n; i++) {
			fab_mac_t dst = macs[rnd(&x) % 2 ? rnd(&x) % 5 : rnd(&x) % 12];
			fab_mac_t src = rnd(&x) % 4 ? own[pi] : macs[rnd(&x) % 7];
			size_t l4 = 8 + (size_t)(rnd(&x) % 40);
			struct fab_frame *f;

			if (rnd(&x) % 8 == 0) /* near each MTU: 1280, 1500, 9000 */
				l4 = (size_t[]){
				    1240, 1252, 1253, 1460, 1472, 1473, 8960}[rnd(&x) % 7];
			if (rnd(&x) % 2) {
				f = fr_ip4_frame(&a[i], dst, src, 0, protos4[rnd(&x) % 5],
						 "192.0.2.1",
						 rnd(&x) % 8 ? "192.0.2.2" : "224.0.0.5", l4);
				if (rnd(&x) % 4 == 0) { /* DHCP, where it applies */
					uint8_t *port =
					    f->data + FAB_ETH_HLEN + 20 + (rnd(&x) % 2) * 2;

					port[0] = 0;
					port[1] = (uint8_t)(FAB_UDP_BOOTPS + rnd(&x) % 2);
				}
				if (rnd(&x) % 8 == 0) /* an ICMP redirect, where it applies */
					f->data[FAB_ETH_HLEN + 20] = FAB_ICMP_REDIRECT;
				if (rnd(&x) % 8 == 0)
					f->data[FAB_ETH_HLEN] = 0x46; /* options */
			} else {
				f = fr_ip6_frame(&a[i], dst, src, 0, nhs6[rnd(&x) % 6],
						 "2001:db8:100::1",
						 rnd(&x) % 8 ? "2001:db8:100::2" : "ff02::1", l4);
				if (rnd(&x) % 4 == 0) { /* DHCPv6, where it applies */
					uint8_t *port =
					    f->data + FAB_ETH_HLEN + 40 + (rnd(&x) % 2) * 2;

					port[0] = FAB_UDP_DHCP6_CLIENT >> 8;
					port[1] = (uint8_t)(FAB_UDP_DHCP6_CLIENT + rnd(&x) % 2);
				}
			}
			/* Changes some bytes of the headers: any field, any value. */
			for (uint64_t k = rnd(&x) % 3 ? 0 : 1 + rnd(&x) % 3; k > 0; k--)
				f->data[rnd(&x) % 64] = (uint8_t)rnd(&x);
			if (rnd(&x) % 16 == 0)
				f->len = (uint16_t)(f->len - rnd(&x) % 8);
			b[i] = a[i];
			fa[i] = *f;
			fb[i] = *f;
			fb[i].data = b[i].buf + (f->data - a[i].buf);
		}
		fab_pipeline_run(&fast->ctx, in, fa, va, n);
		fab_pipeline_run(&full->ctx, in, fb, vb, n);
		for (uint16_t i = 0; i < n; i++) {
			if (memcmp(&va[i], &vb[i], sizeof(va[i])) != 0)
				fail_msg(
				    "burst %d frame %u: action %u port %u reason %s flags %#x, "
				    "full rules: action %u port %u reason %s flags %#x",
				    burst, i, va[i].action, va[i].port, fab_drop_name(va[i].reason),
				    va[i].flags, vb[i].action, vb[i].port,
				    fab_drop_name(vb[i].reason), vb[i].flags);
			assert_int_equal(fa[i].len, fb[i].len);
			assert_int_equal(fa[i].headroom, fb[i].headroom);
			assert_memory_equal(fa[i].data, fb[i].data, fa[i].len);
			nfwd += va[i].action == FAB_ACT_FORWARD;
		}
	}
	assert_memory_equal(fast->stats, full->stats, sizeof(fast->stats));
	/* The comparison means something only if both outcomes were common. */
	print_message("%lu forwarded, %lu dropped on A\n", (unsigned long)nfwd,
		      (unsigned long)fast->stats[FX_P_A].ctr[FAB_CTR_rx_discards]);
	assert_true(nfwd > 2000);
	assert_true(fast->stats[FX_P_A].ctr[FAB_CTR_rx_discards] > 2000);
	teardown((void **)&full);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_forward_unicast),
	    T(test_port_down_and_size),
	    T(test_vlan),
	    T(test_source_mac),
	    T(test_link_local_and_ethertypes),
	    cmocka_unit_test(test_allowed_other_ethertype),
	    T(test_ipv4_rules),
	    T(test_ipv6_rules),
	    T(test_ipv6_fragments),
	    T(test_arp_steer),
	    T(test_arp_policy_drops),
	    T(test_arp_dad),
	    T(test_arp_proxy_answer),
	    T(test_nd_steer),
	    T(test_nd_policy_drops),
	    T(test_nd_dad),
	    T(test_nd_proxy_answer),
	    T(test_sponge_answers),
	    T(test_sponged_sender_heard),
	    cmocka_unit_test(test_sponge_off),
	    cmocka_unit_test(test_blackhole),
	    T(test_lan_mtu),
	    T(test_segmented_frames),
	    T(test_unicast_drops),
	    T(test_egress_tags),
	    cmocka_unit_test(test_storm_drop_leaves_frame),
	    cmocka_unit_test(test_quarantine_drop_leaves_frame),
	    T(test_mixed_burst_accounting),
	    T(test_unknown_port),
	    T(test_fast_path_agrees),
	};
	int rc = cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);

	/* Every expectation again, with the fast path off: both paths must meet them. */
	full_rules = true;
	return rc | cmocka_run_group_tests_name("pipeline, full rules only", tests, NULL, NULL);
}
