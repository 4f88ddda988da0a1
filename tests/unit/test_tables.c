/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/tables.h"
#include "fixture.h"

static void test_exchange_lookups(void **state)
{
	struct fab_model *m = fx_exchange();
	struct fab_tables *t = fab_tables_build(m, 42);
	struct fab_ip6 a6 = fx_parse6("2001:db8:1::e");
	struct fab_owner o;

	(void)state;
	assert_non_null(t);
	fab_model_destroy(m);
	assert_int_equal(fab_tables_generation(t), 42);
	assert_int_equal(fab_tables_nports(t), FX_NPORTS);

	assert_int_equal(fab_tables_lookup_mac(t, FX_LAN_STEER, FX_MAC_D, &o), 0);
	assert_int_equal(o.port, FX_P_CORE);
	assert_int_equal(o.member, 3);
	/* A MAC is provisioned on one LAN only. */
	assert_int_equal(fab_tables_lookup_mac(t, FX_LAN_PROXY, FX_MAC_D, &o), -ENOENT);
	assert_int_equal(fab_tables_lookup_mac(t, FX_LAN_STEER, 0x020000000099ULL, &o), -ENOENT);

	assert_int_equal(fab_tables_lookup_ip4(t, FX_LAN_STEER, fx_parse4("192.0.2.12"), &o), 0);
	assert_int_equal(o.port, FX_P_C);
	assert_int_equal(o.mac, FX_MAC_C);
	assert_int_equal(fab_tables_lookup_ip4(t, FX_LAN_PROXY, fx_parse4("198.51.100.12"), &o), 0);
	assert_int_equal(o.mac, FX_MAC_C2);
	assert_int_equal(fab_tables_lookup_ip4(t, FX_LAN_PROXY, fx_parse4("192.0.2.12"), &o),
			 -ENOENT);

	assert_int_equal(fab_tables_lookup_ip6(t, FX_LAN_PROXY, &a6, &o), 0);
	assert_int_equal(o.mac, FX_MAC_E2);
	assert_int_equal(o.port, FX_P_CORE);
	assert_int_equal(fab_tables_lookup_ip6(t, FX_LAN_STEER, &a6, &o), -ENOENT);

	/* VLAN to LAN: trunk ports by tag, access ports untagged only. */
	assert_int_equal(fab_tables_lan_of(t, FX_P_C, 100), FX_LAN_STEER);
	assert_int_equal(fab_tables_lan_of(t, FX_P_C, 200), FX_LAN_PROXY);
	assert_int_equal(fab_tables_lan_of(t, FX_P_C, 300), -1);
	assert_int_equal(fab_tables_lan_of(t, FX_P_C, 0), -1);
	assert_int_equal(fab_tables_lan_of(t, FX_P_A, 0), FX_LAN_STEER);
	assert_int_equal(fab_tables_lan_of(t, FX_P_A, 100), -1);
	assert_int_equal(fab_tables_lan_of(t, FX_NPORTS, 0), -1);
	fab_tables_destroy(t);
	fab_tables_destroy(NULL);
}

enum { BIG_MEMBERS = 2000, BIG_LANS = 8, BIG_PORTS = 8 };

static fab_mac_t big_mac(int i, int k)
{
	return 0x020000000000ULL | (uint64_t)k << 16 | (uint64_t)i;
}

/* 2000 members over 8 LANs behind 8 core ports; the same IPv4 address on every LAN. */
static void test_2000_members(void **state)
{
	struct fab_model *m = fx_model();
	uint16_t lans[BIG_LANS];
	struct fab_tables *t;
	struct fab_owner o;
	char a[64];

	(void)state;
	for (int l = 0; l < BIG_LANS; l++) {
		snprintf(a, sizeof(a), "lan%d", l);
		lans[l] = fx_lan(m, a, (uint16_t)(100 + l), FAB_NEIGH_STEER);
	}
	for (int p = 0; p < BIG_PORTS; p++) {
		snprintf(a, sizeof(a), "core%d", p);
		fx_port(m, a, FAB_PORT_CORE, FAB_PORT_TRUNK, 9000, BIG_LANS, lans);
	}
	for (int i = 0; i < BIG_MEMBERS; i++) {
		struct fab_binding *b;

		snprintf(a, sizeof(a), "m%d", i);
		b = fx_bind(m, fx_member(m, 64512u + (uint32_t)i, a), (uint16_t)(i / 8 % BIG_PORTS),
			    (uint16_t)(i % BIG_LANS));
		fx_mac(b, big_mac(i, 0));
		fx_mac(b, big_mac(i, 1));
		snprintf(a, sizeof(a), "192.0.2.%d", i / 8 + 1);
		fx_ip4(b, a);
		snprintf(a, sizeof(a), "2001:db8:%x::%x", i % BIG_LANS, i / 8 + 1);
		fx_ip6(b, a);
	}
	t = fab_tables_build(m, 1);
	assert_non_null(t);
	for (int i = 0; i < BIG_MEMBERS; i++) {
		const struct fab_binding *b = &m->members[i].conns[0].bindings[0];
		uint16_t lan = (uint16_t)(i % BIG_LANS), port = (uint16_t)(i / 8 % BIG_PORTS);

		for (int k = 0; k < 2; k++) {
			assert_int_equal(fab_tables_lookup_mac(t, lan, big_mac(i, k), &o), 0);
			assert_int_equal(o.member, i);
			assert_int_equal(o.port, port);
			assert_int_equal(
			    fab_tables_lookup_mac(t, (lan + 1) % BIG_LANS, big_mac(i, k), &o),
			    -ENOENT);
		}
		assert_int_equal(fab_tables_lookup_ip4(t, lan, b->ipv4[0], &o), 0);
		assert_int_equal(o.member, i);
		assert_int_equal(o.mac, big_mac(i, 0));
		assert_int_equal(fab_tables_lookup_ip6(t, lan, &b->ipv6[0], &o), 0);
		assert_int_equal(o.member, i);
		assert_int_equal(o.port, port);
		assert_int_equal(o.lan, lan);
		assert_int_equal(fab_tables_lookup_ip6(t, (lan + 1) % BIG_LANS, &b->ipv6[0], &o),
				 -ENOENT);
	}
	assert_int_equal(fab_tables_lookup_mac(t, 0, big_mac(BIG_MEMBERS, 0), &o), -ENOENT);
	assert_int_equal(fab_tables_lookup_ip4(t, 0, fx_parse4("192.0.2.252"), &o), -ENOENT);
	fab_tables_destroy(t);
	fab_model_destroy(m);
}

/*
 * The MAC table is a perfect hash built for the keys it holds: keys that
 * differ only in their LAN (one router on eight LANs) or only in their
 * first octet must still each get a slot of their own and be found, and
 * nothing else may be.
 */
static void test_mac_table_hard_keys(void **state)
{
	enum { LANS = 8, MEMBERS = 1000, OCTETS = 4 };
	struct fab_model *m = fx_model();
	uint16_t lans[LANS];
	struct fab_tables *t;
	struct fab_owner o;
	char a[64];

	(void)state;
	for (int l = 0; l < LANS; l++) {
		snprintf(a, sizeof(a), "lan%d", l);
		lans[l] = fx_lan(m, a, (uint16_t)(100 + l), FAB_NEIGH_STEER);
	}
	fx_port(m, "core0", FAB_PORT_CORE, FAB_PORT_TRUNK, 9000, LANS, lans);
	for (int i = 0; i < MEMBERS; i++) {
		int mb;

		snprintf(a, sizeof(a), "m%d", i);
		mb = fx_member(m, 64512u + (uint32_t)i, a);
		for (int l = 0; l < LANS; l++) {
			struct fab_binding *b = fx_bind(m, mb, 0, lans[l]);

			/* 02:, 06:, 0a:, 0e: then the same five octets. */
			for (int k = 0; k < OCTETS; k++)
				fx_mac(b,
				       (uint64_t)(0x02 + 4 * k) << 40 | 0x5e0000ULL | (uint64_t)i);
		}
	}
	t = fab_tables_build(m, 1);
	assert_non_null(t);
	for (int i = 0; i < MEMBERS; i++)
		for (int l = 0; l < LANS; l++)
			for (int k = 0; k < OCTETS; k++) {
				fab_mac_t mac =
				    (uint64_t)(0x02 + 4 * k) << 40 | 0x5e0000ULL | (uint64_t)i;

				assert_int_equal(fab_tables_lookup_mac(t, lans[l], mac, &o), 0);
				assert_int_equal(o.member, i);
				assert_int_equal(o.lan, lans[l]);
				assert_int_equal(o.mac, mac);
				/* The same five octets under a first octet nobody has. */
				assert_int_equal(
				    fab_tables_lookup_mac(t, lans[l], mac ^ 0x100000000000ULL, &o),
				    -ENOENT);
			}
	fab_tables_destroy(t);
	fab_model_destroy(m);
}

/* Each breaks one invariant of the exchange fixture that fab_tables_build relies on. */
static void dup_mac(struct fab_model *m)
{
	fx_mac(fx_bind(m, 1, FX_P_B, FX_LAN_STEER), FX_MAC_A);
}

static void dup_ip4(struct fab_model *m)
{
	fx_ip4(fx_bind(m, 1, FX_P_B, FX_LAN_STEER), "192.0.2.10");
}

static void dup_ip6(struct fab_model *m)
{
	fx_ip6(fx_bind(m, 3, FX_P_CORE, FX_LAN_STEER), "2001:db8::a");
}

static void multicast_mac(struct fab_model *m)
{
	fx_mac(fx_bind(m, 0, FX_P_A, FX_LAN_STEER), 0x030000000001ULL);
}

static void zero_mac(struct fab_model *m)
{
	fx_mac(fx_bind(m, 0, FX_P_A, FX_LAN_STEER), 0);
}

static void zero_ip4(struct fab_model *m)
{
	fx_ip4(fx_bind(m, 0, FX_P_A, FX_LAN_STEER), "0.0.0.0");
}

static void multicast_ip6(struct fab_model *m)
{
	fx_ip6(fx_bind(m, 0, FX_P_A, FX_LAN_STEER), "ff02::1");
}

static void binding_lan_not_on_port(struct fab_model *m)
{
	fx_mac(fx_bind(m, 0, FX_P_A, FX_LAN_PROXY), 0x020000000077ULL);
}

static void binding_without_mac(struct fab_model *m)
{
	fx_ip4(fx_bind(m, 2, FX_P_CORE, FX_LAN_STEER), "192.0.2.99");
}

static void port_lan_out_of_range(struct fab_model *m)
{
	m->ports[FX_P_C].lans[1] = 7;
}

static void access_two_lans(struct fab_model *m)
{
	const uint16_t both[] = {FX_LAN_STEER, FX_LAN_PROXY};

	fx_port(m, "x", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 2, both);
}

static void vlan_zero(struct fab_model *m)
{
	m->lans[0].vlan = 0;
}

static void vlan_duplicate(struct fab_model *m)
{
	m->lans[1].vlan = m->lans[0].vlan;
}

static void mtu_too_small(struct fab_model *m)
{
	m->ports[FX_P_B].mtu = FAB_MTU_MIN - 1;
}

static void conn_port_out_of_range(struct fab_model *m)
{
	m->members[0].conns[0].port = FX_NPORTS;
}

static void two_members_one_edge_port(struct fab_model *m)
{
	fx_mac(fx_bind(m, 1, FX_P_A, FX_LAN_STEER), 0x020000000077ULL);
}

static void ethertype_is_length(struct fab_model *m)
{
	m->policy.ethertypes[m->policy.nethertypes++] = 0x05dc;
}

static void test_bad_models_rejected(void **state)
{
	static void (*const breakers[])(struct fab_model *) = {
	    dup_mac,
	    dup_ip4,
	    dup_ip6,
	    multicast_mac,
	    zero_mac,
	    zero_ip4,
	    multicast_ip6,
	    binding_lan_not_on_port,
	    binding_without_mac,
	    port_lan_out_of_range,
	    access_two_lans,
	    vlan_zero,
	    vlan_duplicate,
	    mtu_too_small,
	    conn_port_out_of_range,
	    two_members_one_edge_port,
	    ethertype_is_length,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(breakers) / sizeof(breakers[0]); i++) {
		struct fab_model *m = fx_exchange();
		struct fab_tables *t = fab_tables_build(m, 1);

		/* The fixture itself is valid, so each failure below is the breaker's. */
		assert_non_null(t);
		fab_tables_destroy(t);
		breakers[i](m);
		errno = 0;
		t = fab_tables_build(m, 1);
		if (t != NULL)
			fail_msg("breaker %zu accepted", i);
		assert_int_equal(errno, EINVAL);
		fab_model_destroy(m);
	}
	errno = 0;
	assert_null(fab_tables_build(NULL, 1));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exchange_lookups),
	    cmocka_unit_test(test_2000_members),
	    cmocka_unit_test(test_mac_table_hard_keys),
	    cmocka_unit_test(test_bad_models_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
