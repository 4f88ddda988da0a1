/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fabric/neigh: what the builders write is byte for byte what the test
 * frame builders (frames.c, written independently) write, the parser reads
 * back what was built, and malformed frames are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/neigh.h"
#include "fixture.h"
#include "frames.h"

#define MAC_A 0x020000000001ULL
#define MAC_B 0x020000000002ULL

static void ip4(uint8_t out[4], const char *s)
{
	uint32_t a = fx_parse4(s);

	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

static void ip6(uint8_t out[16], const char *s)
{
	struct fab_ip6 a = fx_parse6(s);

	memcpy(out, a.b, 16);
}

/* s as 16 bytes the way the parser gives addresses: IPv4 mapped into IPv6. */
static void naddr(uint8_t out[16], const char *s)
{
	if (strchr(s, ':') != NULL) {
		ip6(out, s);
		return;
	}
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	ip4(out + 12, s);
}

/* Parses a copy of exactly len bytes, so a read past the end is an ASan error. */
static int parse_exact(const uint8_t *d, size_t len, struct fab_neigh_frame *nf)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, d, len);
	rc = fab_neigh_parse(copy, len, nf);
	free(copy);
	return rc;
}

static void assert_addr(const uint8_t got[16], const char *want)
{
	uint8_t w[16];

	naddr(w, want);
	assert_memory_equal(got, w, 16);
}

static struct fab_arp_msg arp_msg(uint16_t op, fab_mac_t sha, const char *spa, fab_mac_t tha,
				  const char *tpa)
{
	struct fab_arp_msg m = {.op = op, .sha = sha, .tha = tha};

	ip4(m.spa, spa);
	ip4(m.tpa, tpa);
	return m;
}

static void arp_round_trip(uint16_t op, bool tagged, enum fab_neigh_kind kind)
{
	struct fab_eth_hdr e = {.dst = op == FAB_ARP_OP_REPLY ? MAC_B : FAB_MAC_BROADCAST,
				.src = MAC_A,
				.tagged = tagged,
				.vid = 100};
	struct fab_arp_msg m =
	    arp_msg(op, MAC_A, "192.0.2.10", op == FAB_ARP_OP_REPLY ? MAC_B : 0, "192.0.2.11");
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	struct fab_neigh_frame nf;
	struct fr fr = {0};
	size_t n = fab_arp_frame(d, &e, &m);

	fr_eth(&fr, e.dst, MAC_A, tagged ? 100 : 0, FAB_ETH_P_ARP);
	fr_arp(&fr, op, MAC_A, "192.0.2.10", m.tha, "192.0.2.11");
	fr_raw(&fr);
	assert_int_equal(n, fr.len);
	assert_memory_equal(d, fr.f.data, n);

	assert_int_equal(parse_exact(d, n, &nf), 0);
	assert_int_equal(nf.kind, kind);
	assert_true(nf.eth.dst == e.dst && nf.eth.src == MAC_A);
	assert_int_equal(nf.eth.tagged, tagged);
	assert_int_equal(nf.eth.vid, tagged ? 100 : 0);
	assert_addr(nf.sender, "192.0.2.10");
	assert_addr(nf.target, "192.0.2.11");
	assert_addr(nf.to, "192.0.2.11");
	assert_int_equal(nf.msg.arp.op, op);
	assert_true(nf.msg.arp.sha == MAC_A && nf.msg.arp.tha == m.tha);
	assert_memory_equal(nf.msg.arp.spa, m.spa, 4);
	assert_memory_equal(nf.msg.arp.tpa, m.tpa, 4);
}

static void test_arp_request_round_trip(void **state)
{
	(void)state;
	arp_round_trip(FAB_ARP_OP_REQUEST, false, FAB_NEIGH_ARP_REQUEST);
	arp_round_trip(FAB_ARP_OP_REQUEST, true, FAB_NEIGH_ARP_REQUEST);
}

static void test_arp_reply_round_trip(void **state)
{
	(void)state;
	arp_round_trip(FAB_ARP_OP_REPLY, false, FAB_NEIGH_ARP_REPLY);
	arp_round_trip(FAB_ARP_OP_REPLY, true, FAB_NEIGH_ARP_REPLY);
}

/* The pipeline's answer: the request becomes the owner's reply to its sender, in place. */
static void test_arp_answer_in_place(void **state)
{
	struct fab_arp_msg req = arp_msg(FAB_ARP_OP_REQUEST, MAC_A, "192.0.2.10", 0, "192.0.2.11");
	struct fab_arp_msg rep;
	uint8_t a[FAB_ARP_LEN];

	(void)state;
	fab_arp_write(a, &req);
	fab_arp_answer(a, MAC_B);
	assert_int_equal(fab_arp_read(a, sizeof(a), &rep), 0);
	assert_int_equal(rep.op, FAB_ARP_OP_REPLY);
	assert_true(rep.sha == MAC_B && rep.tha == MAC_A);
	assert_memory_equal(rep.spa, req.tpa, 4);
	assert_memory_equal(rep.tpa, req.spa, 4);
}

static struct fab_nd_msg nd_msg(uint8_t type, uint8_t flags, const char *src, const char *dst,
				const char *target, fab_mac_t lla)
{
	struct fab_nd_msg m = {.type = type, .flags = flags, .lla = lla};

	ip6(m.src, src);
	ip6(m.dst, dst);
	ip6(m.target, target);
	return m;
}

/*
 * Builds m, checks it against frames.c's frame of the same message (lla 0
 * there meaning none) and its checksum independently, and parses it back.
 */
static void nd_round_trip(const struct fab_nd_msg *m, const char *src, const char *dst,
			  const char *target, bool tagged)
{
	struct fab_eth_hdr e = {.dst = MAC_B, .src = MAC_A, .tagged = tagged, .vid = 7};
	fab_mac_t fr_lla = m->lla == FAB_ND_NO_LLA ? 0 : m->lla;
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	size_t l2 = FAB_ETH_HLEN + (tagged ? FAB_VLAN_HLEN : 0);
	struct fab_neigh_frame nf;
	struct fr fr = {0};
	size_t n = fab_nd_frame(d, &e, m);

	assert_int_equal(n, l2 + FAB_IPV6_HLEN + fab_nd_len(m));
	assert_int_equal(fab_nd_len(m), m->lla == FAB_ND_NO_LLA ? 24 : 32);
	if (m->type == FAB_ICMP6_NS)
		fr_ns(&fr, MAC_B, MAC_A, tagged ? 7 : 0, src, dst, target, fr_lla);
	else
		fr_na(&fr, MAC_B, MAC_A, tagged ? 7 : 0, src, dst, target, m->flags, fr_lla);
	assert_true(fr.len >= n);
	assert_memory_equal(d, fr.f.data, n);
	assert_int_equal(fr_icmp6_check(d + l2), 0);

	assert_int_equal(parse_exact(d, n, &nf), 0);
	assert_int_equal(nf.kind, m->type == FAB_ICMP6_NS ? FAB_NEIGH_NS : FAB_NEIGH_NA);
	assert_int_equal(nf.eth.tagged, tagged);
	assert_int_equal(nf.solicited, (m->flags & FAB_ND_NA_SOLICITED) != 0);
	assert_addr(nf.sender, src);
	assert_addr(nf.target, target);
	assert_addr(nf.to, dst);
	assert_int_equal(nf.msg.nd.type, m->type);
	assert_int_equal(nf.msg.nd.flags, m->flags);
	assert_true(nf.msg.nd.lla == m->lla);
	assert_memory_equal(nf.msg.nd.src, m->src, 16);
	assert_memory_equal(nf.msg.nd.dst, m->dst, 16);
	assert_memory_equal(nf.msg.nd.target, m->target, 16);
}

static void test_ns_round_trip(void **state)
{
	struct fab_nd_msg dad =
	    nd_msg(FAB_ICMP6_NS, 0, "::", "ff02::1:ff00:b", "2001:db8::b", FAB_ND_NO_LLA);
	struct fab_nd_msg ns =
	    nd_msg(FAB_ICMP6_NS, 0, "2001:db8::a", "ff02::1:ff00:b", "2001:db8::b", MAC_A);

	(void)state;
	nd_round_trip(&dad, "::", "ff02::1:ff00:b", "2001:db8::b", false);
	nd_round_trip(&ns, "2001:db8::a", "ff02::1:ff00:b", "2001:db8::b", false);
	nd_round_trip(&ns, "2001:db8::a", "ff02::1:ff00:b", "2001:db8::b", true);
}

static void test_na_round_trip(void **state)
{
	struct fab_nd_msg sol = nd_msg(FAB_ICMP6_NA, FAB_ND_NA_SOLICITED | FAB_ND_NA_OVERRIDE,
				       "2001:db8::b", "2001:db8::a", "2001:db8::b", MAC_B);
	struct fab_nd_msg unsol = nd_msg(FAB_ICMP6_NA, FAB_ND_NA_OVERRIDE, "2001:db8::b", "ff02::1",
					 "2001:db8::b", MAC_B);
	struct fab_nd_msg bare = nd_msg(FAB_ICMP6_NA, FAB_ND_NA_ROUTER | FAB_ND_NA_SOLICITED,
					"2001:db8::b", "2001:db8::a", "2001:db8::b", FAB_ND_NO_LLA);

	(void)state;
	nd_round_trip(&sol, "2001:db8::b", "2001:db8::a", "2001:db8::b", false);
	nd_round_trip(&unsol, "2001:db8::b", "ff02::1", "2001:db8::b", true);
	nd_round_trip(&bare, "2001:db8::b", "2001:db8::a", "2001:db8::b", false);
}

static void test_solicited_node_group(void **state)
{
	uint8_t t[16], g[16], want[16];
	fab_mac_t mac;

	(void)state;
	ip6(t, "2001:db8::12:3456:789a");
	ip6(want, "ff02::1:ff56:789a");
	fab_nd_snm(t, g, &mac);
	assert_memory_equal(g, want, 16);
	assert_true(mac == 0x3333ff56789aULL);
}

/* Other IP packets: only their addresses, for data sent to the sponge MAC. */
static void test_ip_data(void **state)
{
	struct fab_neigh_frame nf;
	struct fr fr = {0};
	struct fab_frame *f;

	(void)state;
	f = fr_udp4_frame(&fr, MAC_B, MAC_A, 0, "192.0.2.10", "192.0.2.11", 1000, 179);
	assert_int_equal(parse_exact(f->data, f->len, &nf), 0);
	assert_int_equal(nf.kind, FAB_NEIGH_IP);
	assert_addr(nf.sender, "192.0.2.10");
	assert_addr(nf.target, "192.0.2.11");
	assert_addr(nf.to, "192.0.2.11");

	memset(&fr, 0, sizeof(fr));
	f = fr_ip6_frame(&fr, MAC_B, MAC_A, 5, FAB_IPPROTO_TCP, "2001:db8::a", "2001:db8::b", 20);
	assert_int_equal(parse_exact(f->data, f->len, &nf), 0);
	assert_int_equal(nf.kind, FAB_NEIGH_IP);
	assert_true(nf.eth.tagged && nf.eth.vid == 5);
	assert_addr(nf.sender, "2001:db8::a");
	assert_addr(nf.target, "2001:db8::b");

	/* ICMPv6 that is not ND is data too. */
	memset(&fr, 0, sizeof(fr));
	fr_eth(&fr, MAC_B, MAC_A, 0, FAB_ETH_P_IPV6);
	fr_ipv6(&fr, FAB_IPPROTO_ICMPV6, "2001:db8::a", "2001:db8::b", 64, 8);
	fr_icmp6(&fr, 128); /* echo request */
	fr_zero(&fr, 4);
	fr_icmp6_sum(&fr);
	f = fr_raw(&fr);
	assert_int_equal(parse_exact(f->data, f->len, &nf), 0);
	assert_int_equal(nf.kind, FAB_NEIGH_IP);
}

/* Every prefix of a good frame is refused, without a read past its end. */
static void test_short_frames(void **state)
{
	struct fab_eth_hdr e = {.dst = MAC_B, .src = MAC_A, .tagged = true, .vid = 9};
	struct fab_arp_msg a = arp_msg(FAB_ARP_OP_REQUEST, MAC_A, "192.0.2.10", 0, "192.0.2.11");
	struct fab_nd_msg ns =
	    nd_msg(FAB_ICMP6_NS, 0, "2001:db8::a", "ff02::1:ff00:b", "2001:db8::b", MAC_A);
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	struct fab_neigh_frame nf;
	size_t n;

	(void)state;
	n = fab_arp_frame(d, &e, &a);
	for (size_t len = 0; len < n; len++)
		assert_int_equal(parse_exact(d, len, &nf), -EBADMSG);
	n = fab_nd_frame(d, &e, &ns);
	for (size_t len = 0; len < n; len++)
		assert_int_equal(parse_exact(d, len, &nf), -EBADMSG);
	assert_int_equal(parse_exact(d, n, &nf), 0);
}

/* One byte of a good ARP frame changed: anything but Ethernet/IPv4 request or reply is refused. */
static void test_bad_arp(void **state)
{
	static const struct {
		size_t off;
		uint8_t v;
	} bad[] = {
	    {FAB_ARP_OFF_HTYPE + 1, 6}, /* IEEE 802 */
	    {FAB_ARP_OFF_PTYPE, 0x86},  /* IPv6 */
	    {FAB_ARP_OFF_HLEN, 8},      {FAB_ARP_OFF_PLEN, 16},
	    {FAB_ARP_OFF_OP + 1, 3}, /* RARP request */
	    {FAB_ARP_OFF_OP + 1, 0},
	};
	struct fab_eth_hdr e = {.dst = FAB_MAC_BROADCAST, .src = MAC_A};
	struct fab_arp_msg a = arp_msg(FAB_ARP_OP_REQUEST, MAC_A, "192.0.2.10", 0, "192.0.2.11");
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	struct fab_neigh_frame nf;
	size_t n = fab_arp_frame(d, &e, &a);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t was = d[FAB_ETH_HLEN + bad[i].off];

		d[FAB_ETH_HLEN + bad[i].off] = bad[i].v;
		assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
		d[FAB_ETH_HLEN + bad[i].off] = was;
		assert_int_equal(parse_exact(d, n, &nf), 0);
	}
	/* An EtherType the sponge has no use for. */
	d[FAB_ETH_OFF_TYPE] = 0x88;
	d[FAB_ETH_OFF_TYPE + 1] = 0xcc;
	assert_int_equal(parse_exact(d, n, &nf), -EPROTONOSUPPORT);
}

/* An NS in d (untagged) with its checksum put right after the test changed it. */
static size_t ns_with(uint8_t *d, fab_mac_t lla)
{
	struct fab_eth_hdr e = {.dst = MAC_B, .src = MAC_A};
	struct fab_nd_msg ns =
	    nd_msg(FAB_ICMP6_NS, 0, "2001:db8::a", "ff02::1:ff00:b", "2001:db8::b", lla);

	return fab_nd_frame(d, &e, &ns);
}

static void resum(uint8_t *d)
{
	uint8_t *ip = d + FAB_ETH_HLEN, *icmp = ip + FAB_IPV6_HLEN;
	uint16_t s;

	icmp[FAB_ICMP6_OFF_CSUM] = icmp[FAB_ICMP6_OFF_CSUM + 1] = 0;
	s = fab_icmp6_csum(ip, icmp, fr_rd16(ip + FAB_IPV6_OFF_PLEN));
	icmp[FAB_ICMP6_OFF_CSUM] = (uint8_t)(s >> 8);
	icmp[FAB_ICMP6_OFF_CSUM + 1] = (uint8_t)s;
}

static void test_bad_nd(void **state)
{
	uint8_t d[FAB_NEIGH_FRAME_MAX + 16];
	uint8_t *ip = d + FAB_ETH_HLEN, *icmp = ip + FAB_IPV6_HLEN, *opt = icmp + FAB_ND_OFF_OPTS;
	struct fab_neigh_frame nf;
	size_t n;

	(void)state;
	/* A bad checksum. */
	n = ns_with(d, MAC_A);
	icmp[FAB_ICMP6_OFF_CSUM] ^= 1;
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* Hop limit other than 255: from off the link. */
	n = ns_with(d, MAC_A);
	ip[FAB_IPV6_OFF_HLIM] = 64;
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* Code other than 0, checksum right. */
	n = ns_with(d, MAC_A);
	icmp[FAB_ICMP6_OFF_CODE] = 1;
	resum(d);
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* A multicast target. */
	n = ns_with(d, MAC_A);
	icmp[FAB_ND_OFF_TARGET] = FAB_IPV6_MCAST;
	resum(d);
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* An option of length 0, which would loop forever. */
	n = ns_with(d, MAC_A);
	opt[1] = 0;
	resum(d);
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* An option longer than what is left. */
	n = ns_with(d, MAC_A);
	opt[1] = 2;
	resum(d);
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* A payload length past the frame's end. */
	n = ns_with(d, MAC_A);
	ip[FAB_IPV6_OFF_PLEN + 1] += 8;
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
	/* A lone byte after the last option. */
	n = ns_with(d, MAC_A);
	d[n] = 0;
	ip[FAB_IPV6_OFF_PLEN + 1] += 1;
	resum(d);
	assert_int_equal(parse_exact(d, n + 1, &nf), -EBADMSG);
	/* An NS too short for its target. */
	n = ns_with(d, FAB_ND_NO_LLA);
	ip[FAB_IPV6_OFF_PLEN + 1] = FAB_ND_MSG_LEN - 8;
	resum(d);
	assert_int_equal(parse_exact(d, n - 8, &nf), -EBADMSG);
	/* Not version 6. */
	n = ns_with(d, MAC_A);
	ip[0] = 0x40;
	assert_int_equal(parse_exact(d, n, &nf), -EBADMSG);
}

/* Options the sponge does not want are skipped: only the message's own link-layer option counts. */
static void test_nd_options(void **state)
{
	uint8_t d[FAB_NEIGH_FRAME_MAX + 16];
	uint8_t *ip = d + FAB_ETH_HLEN, *icmp = ip + FAB_IPV6_HLEN, *opt = icmp + FAB_ND_OFF_OPTS;
	struct fab_neigh_frame nf;
	size_t n;

	(void)state;
	/* A target link-layer option in an NS is not its source's. */
	n = ns_with(d, MAC_A);
	opt[0] = FAB_ND_OPT_TLLA;
	resum(d);
	assert_int_equal(parse_exact(d, n, &nf), 0);
	assert_true(nf.msg.nd.lla == FAB_ND_NO_LLA);
	/* An unknown option (a nonce, 8 bytes) before the source's. */
	n = ns_with(d, MAC_A);
	memmove(opt + 8, opt, FAB_ND_OPT_LLA_LEN);
	memset(opt, 0, 8);
	opt[0] = 14;
	opt[1] = 1;
	ip[FAB_IPV6_OFF_PLEN + 1] += 8;
	resum(d);
	assert_int_equal(parse_exact(d, n + 8, &nf), 0);
	assert_int_equal(nf.kind, FAB_NEIGH_NS);
	assert_true(nf.msg.nd.lla == MAC_A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_request_round_trip),
	    cmocka_unit_test(test_arp_reply_round_trip),
	    cmocka_unit_test(test_arp_answer_in_place),
	    cmocka_unit_test(test_ns_round_trip),
	    cmocka_unit_test(test_na_round_trip),
	    cmocka_unit_test(test_solicited_node_group),
	    cmocka_unit_test(test_ip_data),
	    cmocka_unit_test(test_short_frames),
	    cmocka_unit_test(test_bad_arp),
	    cmocka_unit_test(test_bad_nd),
	    cmocka_unit_test(test_nd_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
