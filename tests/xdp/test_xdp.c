/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP pre-filter run on crafted frames with bpf_prog_test_run_opts: for
 * each rule a frame it drops (and the one counter that must rise) and frames
 * it passes, then map updates, the port-down flag and pinned counters
 * surviving a reload.
 *
 * Needs root and a kernel that lets it load XDP programs; otherwise it says
 * why and exits 77 (skipped). It works in a mount namespace of its own, so
 * the bpffs it mounts and the maps it pins vanish with it.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include <xdp/xsk.h>

#include "dataplane/xdp/dp_xdp.h"
#include "fabric/proto.h"

#define MAC_A        0x020000000001ULL /* member A, access port edge1, LAN peering */
#define MAC_B        0x020000000002ULL /* member B, trunk port core1, LAN backup only */
#define MAC_C        0x020000000003ULL /* provisioned nowhere at first */
#define MAC_GW       0x020000000099ULL /* a destination MAC */
#define VLAN_PEERING 100
#define VLAN_BACKUP  200

enum { PORT_EDGE, PORT_CORE };

/* ---- crafted frames ---- */

struct frame {
	uint8_t b[1600];
	uint16_t len;
};

static void put8(struct frame *f, uint8_t v)
{
	assert_true(f->len < sizeof(f->b));
	f->b[f->len++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void put_mac(struct frame *f, uint64_t mac)
{
	for (int i = 5; i >= 0; i--)
		put8(f, (mac >> (8 * i)) & 0xff);
}

static void put_zeros(struct frame *f, size_t n)
{
	while (n--)
		put8(f, 0);
}

static void eth(struct frame *f, uint64_t dst, uint64_t src, uint16_t etype)
{
	f->len = 0;
	put_mac(f, dst);
	put_mac(f, src);
	put16(f, etype);
}

static void tag(struct frame *f, uint16_t vid, uint16_t inner)
{
	put16(f, vid);
	put16(f, inner);
}

/* IPv4 header, 20 bytes, to 192.0.2.x or to dst_hi.0.0.x */
static void ipv4(struct frame *f, uint8_t proto, uint8_t dst_first, uint16_t frag)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 20 + 8);
	put16(f, 1);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put8(f, 192), put8(f, 0), put8(f, 2), put8(f, 1);
	put8(f, dst_first), put8(f, 0), put8(f, 2), put8(f, 2);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8);
	put16(f, 0);
}

/* IPv6 header from 2001:db8::1 to ff02::2 or 2001:db8::2 */
static void ipv6(struct frame *f, uint8_t next, bool mcast)
{
	put8(f, 0x60);
	put_zeros(f, 3);
	put16(f, 16);
	put8(f, next);
	put8(f, 255);
	put16(f, 0x2001), put16(f, 0x0db8), put_zeros(f, 11), put8(f, 1);
	if (mcast)
		put16(f, 0xff02), put_zeros(f, 13), put8(f, 2);
	else
		put16(f, 0x2001), put16(f, 0x0db8), put_zeros(f, 11), put8(f, 2);
}

/* An 8-byte hop-by-hop, destination-options or routing header. */
static void ext(struct frame *f, uint8_t next)
{
	put8(f, next);
	put8(f, 0);
	put_zeros(f, 6);
}

static void icmp(struct frame *f, uint8_t type)
{
	put8(f, type);
	put_zeros(f, 7);
}

/* Pads to the 60-byte Ethernet minimum, as a NIC does. */
static void pad(struct frame *f)
{
	if (f->len < FAB_ETH_MIN_LEN)
		put_zeros(f, FAB_ETH_MIN_LEN - f->len);
}

/* ---- the model ---- */

static uint16_t *u16s(size_t n, const uint16_t *v)
{
	uint16_t *p = calloc(n, sizeof(*p));

	assert_non_null(p);
	memcpy(p, v, n * sizeof(*p));
	return p;
}

static void bind_macs(struct fab_binding *b, uint16_t lan, size_t n, const fab_mac_t *macs)
{
	free(b->macs);
	b->lan = lan;
	b->nmacs = n;
	b->macs = n ? calloc(n, sizeof(*b->macs)) : NULL;
	if (n)
		memcpy(b->macs, macs, n * sizeof(*b->macs));
}

/*
 * LANs peering (VLAN 100) and backup (VLAN 200); port edge1 is an access
 * port on peering with member A; port core1 is a trunk with both LANs and
 * member B bound on backup only.
 */
static struct fab_model *model_build(void)
{
	struct fab_model *m = fab_model_create();

	assert_non_null(m);
	m->nlans = 2;
	m->lans = calloc(2, sizeof(*m->lans));
	snprintf(m->lans[0].name, sizeof(m->lans[0].name), "peering");
	m->lans[0].vlan = VLAN_PEERING;
	m->lans[0].mtu = FAB_MTU_DEFAULT;
	m->lans[1].mtu = FAB_MTU_DEFAULT;
	snprintf(m->lans[1].name, sizeof(m->lans[1].name), "backup");
	m->lans[1].vlan = VLAN_BACKUP;

	m->nports = 2;
	m->ports = calloc(2, sizeof(*m->ports));
	snprintf(m->ports[PORT_EDGE].name, FAB_NAME_MAX, "edge1");
	m->ports[PORT_EDGE].mode = FAB_PORT_ACCESS;
	m->ports[PORT_EDGE].lans = u16s(1, (uint16_t[]){0});
	m->ports[PORT_EDGE].nlans = 1;
	snprintf(m->ports[PORT_CORE].name, FAB_NAME_MAX, "core1");
	m->ports[PORT_CORE].mode = FAB_PORT_TRUNK;
	m->ports[PORT_CORE].lans = u16s(2, (uint16_t[]){0, 1});
	m->ports[PORT_CORE].nlans = 2;
	for (int i = 0; i < 2; i++) {
		m->ports[i].admin_up = true;
		m->ports[i].mtu = 1500;
	}

	m->nmembers = 2;
	m->members = calloc(2, sizeof(*m->members));
	for (int i = 0; i < 2; i++) {
		struct fab_member *mb = &m->members[i];

		mb->asn = 64500 + i;
		mb->nconns = 1;
		mb->conns = calloc(1, sizeof(*mb->conns));
		mb->conns[0].port = i;
		mb->conns[0].nbindings = 1;
		mb->conns[0].bindings = calloc(1, sizeof(*mb->conns[0].bindings));
	}
	bind_macs(&m->members[0].conns[0].bindings[0], 0, 1, (fab_mac_t[]){MAC_A});
	bind_macs(&m->members[1].conns[0].bindings[0], 1, 1, (fab_mac_t[]){MAC_B});
	return m;
}

/* ---- running the program ---- */

struct env {
	struct fab_model *m;
	struct dp_xdp *edge;
	struct dp_xdp *core;
};

static struct dp_xdp *open_port(const char *name)
{
	struct dp_xdp_opts o = {.port = name};
	struct dp_xdp *x = dp_xdp_create(&o);

	if (x == NULL)
		fprintf(stderr, "dp_xdp_create(%s): %s\n", name, strerror(errno));
	return x;
}

static int group_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->m = model_build();
	e->edge = open_port("edge1");
	e->core = open_port("core1");
	if (e->edge == NULL || e->core == NULL || dp_xdp_update(e->edge, e->m, PORT_EDGE) < 0 ||
	    dp_xdp_update(e->core, e->m, PORT_CORE) < 0)
		return -1;
	*state = e;
	return 0;
}

static int group_teardown(void **state)
{
	struct env *e = *state;

	dp_xdp_destroy(e->edge);
	dp_xdp_destroy(e->core);
	fab_model_destroy(e->m);
	free(e);
	return 0;
}

/* Runs one frame; returns the XDP action and the one counter that moved (or -1). */
static int run(struct dp_xdp *x, struct frame *f, int *moved)
{
	uint64_t before[FAB_DROP__COUNT], after[FAB_DROP__COUNT];
	uint8_t out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(dp_xdp_read_drops(x, before), 0);
	assert_int_equal(bpf_prog_test_run_opts(dp_xdp_prog_fd(x), &o), 0);
	assert_int_equal(dp_xdp_read_drops(x, after), 0);
	*moved = -1;
	for (int r = 0; r < FAB_DROP__COUNT; r++) {
		if (after[r] == before[r])
			continue;
		assert_int_equal(after[r] - before[r], 1);
		assert_int_equal(*moved, -1); /* exactly one reason */
		*moved = r;
	}
	return (int)o.retval;
}

static void expect_drop(struct dp_xdp *x, struct frame *f, enum fab_drop_reason r)
{
	int moved, act = run(x, f, &moved);

	if (act != XDP_DROP || moved != (int)r)
		fail_msg("expected drop as %s, got action %d, counter %s", fab_drop_name(r), act,
			 moved < 0 ? "none" : fab_drop_name(moved));
}

/* No socket is bound in a test run, so a frame that passes meets XDP_PASS. */
static void expect_pass(struct dp_xdp *x, struct frame *f)
{
	int moved, act = run(x, f, &moved);

	if (act != XDP_PASS || moved != -1)
		fail_msg("expected pass, got action %d, counter %s", act,
			 moved < 0 ? "none" : fab_drop_name(moved));
}

static struct env *env_of(void **state)
{
	return *state;
}

/* ---- the rules ---- */

static void test_allowed_traffic_passes(void **state)
{
	struct dp_xdp *x = env_of(state)->edge;
	struct frame f;

	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	expect_pass(x, &f);
	eth(&f, FAB_MAC_BROADCAST, MAC_A, FAB_ETH_P_ARP), put_zeros(&f, FAB_ARP_LEN), pad(&f);
	expect_pass(x, &f);
	/* Neighbour solicitation to a solicited-node group: the pipeline's to judge. */
	eth(&f, FAB_MAC_IPV6_SNMC_BASE | 2, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_ICMPV6, true), icmp(&f, FAB_ICMP6_NS), pad(&f);
	expect_pass(x, &f);
	/* A later fragment shows no UDP header, whatever its first bytes look like. */
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_UDP, 192, 0x0010);
	udp(&f, 68, 67), pad(&f);
	expect_pass(x, &f);
}

static void test_runt(void **state)
{
	struct frame f;

	/* An unpadded ARP frame: 42 bytes. */
	eth(&f, FAB_MAC_BROADCAST, MAC_A, FAB_ETH_P_ARP), put_zeros(&f, FAB_ARP_LEN);
	expect_drop(env_of(state)->edge, &f, FAB_DROP_runt);
}

static void test_source_mac(void **state)
{
	struct frame f;

	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	expect_drop(env_of(state)->edge, &f, FAB_DROP_src_mac_violation);
	/* MAC_B is provisioned, but on the other port. */
	eth(&f, MAC_GW, MAC_B, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	expect_drop(env_of(state)->edge, &f, FAB_DROP_src_mac_violation);
	/* The source check comes first: a spoofed BPDU counts as a spoofed source. */
	eth(&f, FAB_MAC_IEEE_LL_BASE, MAC_C, 0x0026), pad(&f);
	expect_drop(env_of(state)->edge, &f, FAB_DROP_src_mac_violation);
}

static void test_destination_and_ethertype_rules(void **state)
{
	struct dp_xdp *x = env_of(state)->edge;
	struct frame f;

	eth(&f, FAB_MAC_IEEE_LL_BASE, MAC_A, 0x0026), pad(&f); /* STP */
	expect_drop(x, &f, FAB_DROP_link_local);
	eth(&f, FAB_MAC_IEEE_LL_BASE | 0x02, MAC_A, FAB_ETH_P_SLOW), pad(&f); /* LACP */
	expect_drop(x, &f, FAB_DROP_link_local);
	eth(&f, FAB_MAC_IEEE_LL_BASE | 0x0e, MAC_A, FAB_ETH_P_LLDP), pad(&f);
	expect_drop(x, &f, FAB_DROP_link_local);
	eth(&f, FAB_MAC_CISCO_CDP, MAC_A, 0x0026), pad(&f);
	expect_drop(x, &f, FAB_DROP_cisco_discovery);
	eth(&f, FAB_MAC_CISCO_PVST, MAC_A, 0x0026), pad(&f);
	expect_drop(x, &f, FAB_DROP_cisco_discovery);
	eth(&f, FAB_MAC_EDP, MAC_A, 0x0026), pad(&f);
	expect_drop(x, &f, FAB_DROP_edp);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_LLDP), pad(&f);
	expect_drop(x, &f, FAB_DROP_lldp);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_MNDP), pad(&f);
	expect_drop(x, &f, FAB_DROP_vendor_discovery);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_HUAWEI1), pad(&f);
	expect_drop(x, &f, FAB_DROP_vendor_discovery);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_HUAWEI2), pad(&f);
	expect_drop(x, &f, FAB_DROP_vendor_discovery);
	eth(&f, MAC_GW, MAC_A, 0x05dc), pad(&f); /* an 802.3 length */
	expect_drop(x, &f, FAB_DROP_llc_snap);
	eth(&f, MAC_GW, MAC_A, 0x8847), pad(&f); /* MPLS */
	expect_drop(x, &f, FAB_DROP_ethertype);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_PAE), pad(&f);
	expect_drop(x, &f, FAB_DROP_ethertype);
}

static void test_ipv4_protocols(void **state)
{
	struct dp_xdp *x = env_of(state)->edge;
	static const struct {
		uint8_t proto;
		uint8_t group; /* low octet of the group MAC */
		enum fab_drop_reason r;
	} mcast[] = {
	    {FAB_IPPROTO_IGMP, 1, FAB_DROP_ipv4_igmp},
	    {FAB_IPPROTO_PIM, 13, FAB_DROP_ipv4_pim},
	    {FAB_IPPROTO_OSPF, 5, FAB_DROP_ipv4_ospf},
	    {FAB_IPPROTO_VRRP, 18, FAB_DROP_ipv4_vrrp},
	};
	struct frame f;

	eth(&f, FAB_MAC_BROADCAST, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_UDP, 255, 0);
	udp(&f, FAB_UDP_BOOTPC, FAB_UDP_BOOTPS), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv4_dhcp);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_UDP, 192, 0);
	udp(&f, FAB_UDP_BOOTPS, FAB_UDP_BOOTPC), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv4_dhcp);
	/* Multicast destinations: the protocol is the reason, before ipv4_multicast. */
	for (size_t i = 0; i < sizeof(mcast) / sizeof(mcast[0]); i++) {
		eth(&f, FAB_MAC_IPV4_MCAST_BASE | mcast[i].group, MAC_A, FAB_ETH_P_IPV4);
		ipv4(&f, mcast[i].proto, 224, 0), pad(&f);
		expect_drop(x, &f, mcast[i].r);
	}
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_ICMP, 192, 0);
	icmp(&f, FAB_ICMP_REDIRECT), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv4_icmp_redirect);
	eth(&f, FAB_MAC_IPV4_MCAST_BASE | 0x7b, MAC_A, FAB_ETH_P_IPV4);
	ipv4(&f, FAB_IPPROTO_UDP, 239, 0), udp(&f, 5000, 5000), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv4_multicast);
}

static void test_ipv6_protocols(void **state)
{
	struct dp_xdp *x = env_of(state)->edge;
	static const struct {
		uint8_t type;
		enum fab_drop_reason r;
	} icmp6[] = {
	    {FAB_ICMP6_RA, FAB_DROP_ipv6_ra},
	    {FAB_ICMP6_RS, FAB_DROP_ipv6_rs},
	    {FAB_ICMP6_REDIRECT, FAB_DROP_ipv6_redirect},
	    {FAB_ICMP6_MLD_QUERY, FAB_DROP_ipv6_mld},
	    {FAB_ICMP6_MLD2_REPORT, FAB_DROP_ipv6_mld},
	};
	struct frame f;

	for (size_t i = 0; i < sizeof(icmp6) / sizeof(icmp6[0]); i++) {
		eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
		ipv6(&f, FAB_IPPROTO_ICMPV6, true), icmp(&f, icmp6[i].type), pad(&f);
		expect_drop(x, &f, icmp6[i].r);
	}
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 5, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_OSPF, true), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_ospf);
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 13, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_PIM, true), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_pim);
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 2, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_UDP, true), udp(&f, 546, FAB_UDP_DHCP6_SERVER), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_dhcp);
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 18, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_VRRP, true), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_vrrp);
}

/* An RA hidden behind extension headers, up to the bound the pipeline also walks. */
static void test_ipv6_extension_headers(void **state)
{
	struct dp_xdp *x = env_of(state)->edge;
	struct frame f;

	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_HOPOPTS, true), ext(&f, FAB_IPPROTO_DSTOPTS);
	ext(&f, FAB_IPPROTO_FRAGMENT), ext(&f, FAB_IPPROTO_ICMPV6); /* first fragment */
	icmp(&f, FAB_ICMP6_RA), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_ra);

	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_DSTOPTS, true);
	for (int i = 1; i < FAB_IPV6_EXT_MAX; i++)
		ext(&f, FAB_IPPROTO_DSTOPTS);
	ext(&f, FAB_IPPROTO_ICMPV6), icmp(&f, FAB_ICMP6_RA), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_ra);

	/* One header more than the bound: left to the pipeline. */
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_DSTOPTS, true);
	for (int i = 0; i < FAB_IPV6_EXT_MAX; i++)
		ext(&f, FAB_IPPROTO_DSTOPTS);
	ext(&f, FAB_IPPROTO_ICMPV6), icmp(&f, FAB_ICMP6_RA), pad(&f);
	expect_pass(x, &f);

	/* A later fragment, and a chain cut short by the frame's end. */
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_FRAGMENT, true);
	put8(&f, FAB_IPPROTO_ICMPV6), put8(&f, 0), put16(&f, 0x0008), put_zeros(&f, 4);
	icmp(&f, FAB_ICMP6_RA), pad(&f);
	expect_pass(x, &f);
	eth(&f, FAB_MAC_IPV6_MCAST_BASE | 1, MAC_A, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_HOPOPTS, true), put8(&f, FAB_IPPROTO_ICMPV6), put8(&f, 1);
	pad(&f); /* says 16 bytes, frame ends after 6 */
	expect_pass(x, &f);
}

/* What the pipeline decides before the source check is left to it. */
static void test_left_to_the_pipeline(void **state)
{
	struct env *e = env_of(state);
	struct frame f;

	/* Tagged on an access port (vlan_tagged_on_access). */
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_8021Q), tag(&f, VLAN_PEERING, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->edge, &f);
	/* Longer than the port's MTU allows (oversize). */
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), put_zeros(&f, 1501);
	expect_pass(e->edge, &f);
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), put_zeros(&f, 1500);
	expect_drop(e->edge, &f, FAB_DROP_src_mac_violation);
	/* Untagged on a trunk, a VLAN the trunk does not carry, two tags. */
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->core, &f);
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_8021Q), tag(&f, 300, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->core, &f);
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_8021Q), tag(&f, VLAN_BACKUP, FAB_ETH_P_8021Q);
	tag(&f, 5, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->core, &f);
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_8021AD), tag(&f, VLAN_BACKUP, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->core, &f);
}

static void test_trunk(void **state)
{
	struct dp_xdp *x = env_of(state)->core;
	struct frame f;

	eth(&f, MAC_GW, MAC_B, FAB_ETH_P_8021Q), tag(&f, VLAN_BACKUP, FAB_ETH_P_IPV4);
	ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	expect_pass(x, &f);
	/* MAC_B is provisioned on backup only, not on peering. */
	eth(&f, MAC_GW, MAC_B, FAB_ETH_P_8021Q), tag(&f, VLAN_PEERING, FAB_ETH_P_IPV4);
	ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	expect_drop(x, &f, FAB_DROP_src_mac_violation);
	/* The priority bits are not part of the VLAN id. */
	eth(&f, MAC_GW, MAC_B, FAB_ETH_P_8021Q), tag(&f, 0xe000 | VLAN_BACKUP, FAB_ETH_P_IPV6);
	ipv6(&f, FAB_IPPROTO_ICMPV6, true), icmp(&f, FAB_ICMP6_RA), pad(&f);
	expect_drop(x, &f, FAB_DROP_ipv6_ra);
	eth(&f, MAC_GW, MAC_B, FAB_ETH_P_8021Q), tag(&f, VLAN_BACKUP, FAB_ETH_P_LLDP), pad(&f);
	expect_drop(x, &f, FAB_DROP_lldp);
}

static void test_port_down(void **state)
{
	struct env *e = env_of(state);
	struct frame f;

	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	assert_int_equal(dp_xdp_set_down(e->edge, true), 0);
	expect_drop(e->edge, &f, FAB_DROP_port_down);
	assert_int_equal(dp_xdp_set_down(e->edge, false), 0);
	expect_pass(e->edge, &f);

	e->m->ports[PORT_EDGE].admin_up = false;
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), 0);
	expect_drop(e->edge, &f, FAB_DROP_port_down);
	/* Clearing an err-disable leaves an admin-down port down. */
	assert_int_equal(dp_xdp_set_down(e->edge, false), 0);
	expect_drop(e->edge, &f, FAB_DROP_port_down);
	e->m->ports[PORT_EDGE].admin_up = true;
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), 0);
	expect_pass(e->edge, &f);
}

/* A MAC added passes, one removed drops; in between both old and new pass. */
static void test_mac_update(void **state)
{
	struct env *e = env_of(state);
	struct fab_binding *b = &e->m->members[0].conns[0].bindings[0];
	struct frame fa, fc;

	eth(&fa, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&fa, FAB_IPPROTO_TCP, 192, 0), pad(&fa);
	eth(&fc, MAC_GW, MAC_C, FAB_ETH_P_IPV4), ipv4(&fc, FAB_IPPROTO_TCP, 192, 0), pad(&fc);
	expect_drop(e->edge, &fc, FAB_DROP_src_mac_violation);

	bind_macs(b, 0, 1, (fab_mac_t[]){MAC_C}); /* A replaced by C */
	assert_int_equal(dp_xdp_update_begin(e->edge, e->m, PORT_EDGE), 0);
	expect_pass(e->edge, &fa);
	expect_pass(e->edge, &fc);
	assert_int_equal(dp_xdp_update_end(e->edge), 0);
	expect_drop(e->edge, &fa, FAB_DROP_src_mac_violation);
	expect_pass(e->edge, &fc);

	bind_macs(b, 0, 1, (fab_mac_t[]){MAC_A});
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), 0);
	expect_pass(e->edge, &fa);
	expect_drop(e->edge, &fc, FAB_DROP_src_mac_violation);
	assert_int_equal(dp_xdp_update_end(e->edge), -EINVAL); /* nothing begun */
}

static void test_ethertype_update(void **state)
{
	struct env *e = env_of(state);
	struct fab_policy *p = &e->m->policy;
	struct frame f;

	eth(&f, MAC_GW, MAC_A, 0x8847), pad(&f);
	expect_drop(e->edge, &f, FAB_DROP_ethertype);
	p->ethertypes[p->nethertypes++] = 0x8847;
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), 0);
	expect_pass(e->edge, &f);
	p->nethertypes--;
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), 0);
	expect_drop(e->edge, &f, FAB_DROP_ethertype);
}

/* A model the port cannot take changes nothing. */
static void test_bad_update_changes_nothing(void **state)
{
	struct env *e = env_of(state);
	struct fab_binding *b = &e->m->members[0].conns[0].bindings[0];
	struct frame f;

	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	assert_int_equal(dp_xdp_update(e->edge, e->m, 7), -EINVAL);
	b->lan = 9; /* no such LAN */
	assert_int_equal(dp_xdp_update(e->edge, e->m, PORT_EDGE), -EINVAL);
	b->lan = 0;
	expect_pass(e->edge, &f);
}

/* The maps are pinned per port and reused: counts survive a reload. */
static void test_counters_survive_reload(void **state)
{
	struct env *e = env_of(state);
	uint64_t before[FAB_DROP__COUNT], after[FAB_DROP__COUNT];
	struct stat st;
	struct frame f;

	assert_int_equal(stat(DP_XDP_PIN_ROOT "/edge1/drops", &st), 0);
	assert_int_equal(stat(DP_XDP_PIN_ROOT "/core1/macs", &st), 0);
	assert_int_equal(dp_xdp_read_drops(e->edge, before), 0);
	assert_true(before[FAB_DROP_src_mac_violation] > 0);

	dp_xdp_destroy(e->edge);
	e->edge = open_port("edge1");
	assert_non_null(e->edge);
	assert_int_equal(dp_xdp_read_drops(e->edge, after), 0);
	assert_memory_equal(before, after, sizeof(before));
	/* The reloaded program filters with the maps it found. */
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), pad(&f);
	expect_drop(e->edge, &f, FAB_DROP_src_mac_violation);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), pad(&f);
	expect_pass(e->edge, &f);
}

static void test_bad_options(void **state)
{
	static const char *const bad[] = {"", ".", "..", "a/b"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dp_xdp_opts o = {.port = bad[i]};

		errno = 0;
		assert_null(dp_xdp_create(&o));
		assert_int_equal(errno, EINVAL);
	}
	assert_null(dp_xdp_create(&(struct dp_xdp_opts){.port = "p", .takeover = true}));
	assert_int_equal(errno, EINVAL);
	dp_xdp_destroy(NULL);
}

/* ---- end to end: take over from the PMD's program on a veth pair ---- */

#define VETH_XDP       "plxdp0" /* the port: XDP program and AF_XDP socket */
#define VETH_PEER      "plxdp1" /* the member: frames are written here */
#define XSK_FRAMES     64
#define XSK_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE

static bool have_netns;

/* What net_af_xdp does with xdp_prog=: load the object, attach it, bind a socket. */
struct pmd_sim {
	struct bpf_object *obj;
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	struct xsk_ring_prod tx;
};

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret != 0)
		fprintf(stderr, "'%s' failed (%d)\n", cmd, ret);
	return ret;
}

static void pmd_start(struct pmd_sim *p, int ifindex)
{
	struct xsk_socket_config xc = {
	    .rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
	    .tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
	    .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	    .bind_flags = XDP_COPY,
	};
	struct bpf_program *prog;
	uint32_t idx = 0, q = 0;
	int fd;

	p->obj = bpf_object__open_file(dp_xdp_object_path(), NULL);
	assert_non_null(p->obj);
	assert_int_equal(bpf_object__load(p->obj), 0);
	prog = bpf_object__next_program(p->obj, NULL);
	assert_non_null(prog);
	assert_int_equal(
	    bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), 0);

	p->area = mmap(NULL, XSK_FRAMES * XSK_FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p->area != MAP_FAILED);
	assert_int_equal(xsk_umem__create(&p->umem, p->area, XSK_FRAMES * XSK_FRAME_SIZE, &p->fill,
					  &p->comp, NULL),
			 0);
	assert_int_equal(xsk_socket__create(&p->xsk, VETH_XDP, 0, p->umem, &p->rx, &p->tx, &xc), 0);
	assert_int_equal(xsk_ring_prod__reserve(&p->fill, XSK_FRAMES, &idx), XSK_FRAMES);
	for (uint32_t i = 0; i < XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&p->fill, idx + i) = (uint64_t)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&p->fill, XSK_FRAMES);
	fd = xsk_socket__fd(p->xsk);
	assert_int_equal(
	    bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(p->obj, "xsks_map")), &q,
				&fd, 0),
	    0);
}

static void pmd_stop(struct pmd_sim *p)
{
	xsk_socket__delete(p->xsk);
	xsk_umem__delete(p->umem);
	munmap(p->area, XSK_FRAMES * XSK_FRAME_SIZE);
	bpf_object__close(p->obj);
}

/* Frames the socket received within the timeout, as the PMD's RX would see them. */
static unsigned pmd_receive(struct pmd_sim *p, unsigned want, uint64_t *srcs)
{
	struct pollfd pfd = {.fd = xsk_socket__fd(p->xsk), .events = POLLIN};
	unsigned got = 0;
	uint32_t idx = 0;

	while (poll(&pfd, 1, got < want ? 1000 : 200) > 0) {
		unsigned n = xsk_ring_cons__peek(&p->rx, XSK_FRAMES, &idx);

		for (unsigned i = 0; i < n; i++, got++) {
			const uint8_t *d = xsk_umem__get_data(
			    p->area, xsk_ring_cons__rx_desc(&p->rx, idx + i)->addr);
			uint64_t src = 0;

			for (int k = 6; k < 12; k++)
				src = (src << 8) | d[k];
			if (got < want)
				srcs[got] = src;
		}
		xsk_ring_cons__release(&p->rx, n);
		if (n == 0)
			break;
	}
	return got;
}

static void send_frames(int ifindex, struct frame *f, int count)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	assert_true(s >= 0);
	for (int i = 0; i < count; i++)
		assert_int_equal(sendto(s, f->b, f->len, 0, (struct sockaddr *)&sll, sizeof(sll)),
				 f->len);
	close(s);
}

/*
 * A spoofed-MAC flood and forbidden frames never reach the socket, allowed
 * frames do, and the counters rise, after the loader has replaced the
 * PMD's instance of the program with its own (sharing the socket map).
 */
static void test_veth_takeover(void **state)
{
	struct env *e = env_of(state);
	uint64_t before[FAB_DROP__COUNT], after[FAB_DROP__COUNT], srcs[8];
	struct dp_xdp_opts o = {.port = "veth", .takeover = true};
	uint32_t pmd_id = 0, our_id = 0;
	struct pmd_sim pmd = {0};
	struct dp_xdp *x;
	struct frame f;
	int ifx, ifp;

	if (!have_netns)
		skip();
	if (sh("ip link add " VETH_XDP " type veth peer name " VETH_PEER) != 0)
		skip();
	/* No addresses, no IPv6: the kernel itself sends nothing on the pair. */
	assert_int_equal(sh("sysctl -qw net.ipv6.conf." VETH_XDP ".disable_ipv6=1 "
			    "net.ipv6.conf." VETH_PEER ".disable_ipv6=1 "
			    "net.ipv4.conf." VETH_XDP ".arp_ignore=8 "
			    "net.ipv4.conf." VETH_PEER ".arp_ignore=8"),
			 0);
	assert_int_equal(sh("ip link set " VETH_XDP " up && ip link set " VETH_PEER " up"), 0);
	ifx = (int)if_nametoindex(VETH_XDP);
	ifp = (int)if_nametoindex(VETH_PEER);
	assert_true(ifx > 0 && ifp > 0);

	pmd_start(&pmd, ifx);
	assert_int_equal(bpf_xdp_query_id(ifx, 0, &pmd_id), 0);

	o.ifindex = ifx;
	x = dp_xdp_create(&o);
	assert_non_null(x);
	assert_int_equal(dp_xdp_update(x, e->m, PORT_EDGE), 0);
	assert_int_equal(dp_xdp_attach(x), 0);
	assert_int_equal(bpf_xdp_query_id(ifx, 0, &our_id), 0);
	assert_true(our_id != 0 && our_id != pmd_id);
	/* A second takeover of a program no longer there fails and changes nothing. */
	assert_int_equal(dp_xdp_attach(x), -EEXIST);

	assert_int_equal(dp_xdp_read_drops(x, before), 0);
	eth(&f, MAC_GW, MAC_C, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	send_frames(ifp, &f, 50);
	eth(&f, FAB_MAC_IEEE_LL_BASE | 0x0e, MAC_A, FAB_ETH_P_LLDP), pad(&f);
	send_frames(ifp, &f, 5);
	eth(&f, MAC_GW, MAC_A, FAB_ETH_P_IPV4), ipv4(&f, FAB_IPPROTO_TCP, 192, 0), pad(&f);
	send_frames(ifp, &f, 3);

	assert_int_equal(pmd_receive(&pmd, 3, srcs), 3);
	for (int i = 0; i < 3; i++)
		assert_true(srcs[i] == MAC_A);
	assert_int_equal(dp_xdp_read_drops(x, after), 0);
	assert_int_equal(after[FAB_DROP_src_mac_violation] - before[FAB_DROP_src_mac_violation],
			 50);
	assert_int_equal(after[FAB_DROP_link_local] - before[FAB_DROP_link_local], 5);

	assert_int_equal(dp_xdp_detach(x), 0);
	assert_int_equal(bpf_xdp_query_id(ifx, 0, &our_id), 0);
	assert_int_equal(our_id, 0);
	dp_xdp_destroy(x);
	pmd_stop(&pmd);
	sh("ip link del " VETH_XDP);
}

/*
 * Private mounts, and no bpffs on /sys/fs/bpf in them, so the loader's own
 * mount is exercised and nothing outlives the test. 0, or 77 with a reason.
 */
static int isolate(void)
{
	struct statfs st;

	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root to load XDP programs\n");
		return 77;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "skip: no private mount namespace: %s\n", strerror(errno));
		return 77;
	}
	/* The veth test's interfaces live and die with this process's own netns. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "no private network namespace (%s): veth test skipped\n",
			strerror(errno));
	while (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		if (umount2("/sys/fs/bpf", MNT_DETACH) < 0)
			break;
	return 0;
}

/* Whether this kernel lets us load an XDP program at all. */
static int probe_bpf(void)
{
	struct dp_xdp_opts o = {.port = "probe", .pin_root = "/sys/fs/bpf/peerlan-probe"};
	struct dp_xdp *x = dp_xdp_create(&o);

	if (x == NULL) {
		fprintf(stderr, "skip: cannot load the XDP program: %s\n", strerror(errno));
		return 77;
	}
	dp_xdp_destroy(x);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed_traffic_passes),
	    cmocka_unit_test(test_runt),
	    cmocka_unit_test(test_source_mac),
	    cmocka_unit_test(test_destination_and_ethertype_rules),
	    cmocka_unit_test(test_ipv4_protocols),
	    cmocka_unit_test(test_ipv6_protocols),
	    cmocka_unit_test(test_ipv6_extension_headers),
	    cmocka_unit_test(test_left_to_the_pipeline),
	    cmocka_unit_test(test_trunk),
	    cmocka_unit_test(test_port_down),
	    cmocka_unit_test(test_mac_update),
	    cmocka_unit_test(test_ethertype_update),
	    cmocka_unit_test(test_bad_update_changes_nothing),
	    cmocka_unit_test(test_counters_survive_reload),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_veth_takeover),
	};
	int ret = isolate();

	if (ret == 0)
		ret = probe_bpf();
	if (ret != 0)
		return ret;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
