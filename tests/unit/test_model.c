/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/model.h"

static void test_mac_parse_forms(void **state)
{
	static const char *const forms[] = {
	    "02:00:5e:10:00:01", "02-00-5e-10-00-01", "0200.5e10.0001",
	    "02005e100001",      "02:00:5E:10:00:01", "0200.5E10.0001",
	};
	fab_mac_t mac;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		mac = 0;
		assert_int_equal(fab_mac_parse(forms[i], &mac), 0);
		assert_true(mac == 0x02005e100001ULL);
	}
	assert_int_equal(fab_mac_parse("ff:ff:ff:ff:ff:ff", &mac), 0);
	assert_true(mac == 0xffffffffffffULL);
}

static void test_mac_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "02:00:5e:10:00",       /* five octets */
	    "02:00:5e:10:00:01:02", /* seven */
	    "02:00-5e:10:00:01",    /* mixed separators */
	    "02.00.5e.10.00.01",    /* dots in the colon form */
	    "020:05e:100:001",      /* separators misplaced */
	    "0200:5e10:0001",       /* colons in the Cisco form */
	    "02005e10000g",         /* not hex */
	    "02:00:5e:10:00:0g",
	    "0x02005e1000",
	    " 02:00:5e:10:00:01",
	    "02:00:5e:10:00:01 ",
	    "2:0:5e:10:0:1",
	};
	fab_mac_t mac = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fab_mac_parse(bad[i], &mac), -EINVAL);
		assert_true(mac == 42); /* untouched on error */
	}
}

static void test_mac_format_and_multicast(void **state)
{
	char buf[18];

	(void)state;
	fab_mac_format(0x02005e1000abULL, buf, sizeof(buf));
	assert_string_equal(buf, "02:00:5e:10:00:ab");
	assert_true(fab_mac_is_multicast(0x01005e000001ULL));
	assert_true(fab_mac_is_multicast(0x333300000001ULL));
	assert_false(fab_mac_is_multicast(0x02005e100001ULL));
}

static void test_ip4_parse(void **state)
{
	static const char *const bad[] = {"1",          "0x1",          "256.0.0.1", "192.0.2",
					  "192.0.2.1.", "192.0.2.1/24", "",          " 192.0.2.1"};
	uint32_t a = 7;
	char buf[16];

	(void)state;
	assert_int_equal(fab_ip4_parse("192.0.2.11", &a), 0);
	assert_true(a == 0xc000020bu);
	fab_ip4_format(a, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.11");
	a = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fab_ip4_parse(bad[i], &a), -EINVAL);
		assert_true(a == 7);
	}
}

static void test_ip6_parse(void **state)
{
	struct fab_ip6 a, keep;
	char buf[46];

	(void)state;
	assert_int_equal(fab_ip6_parse("2001:db8:100::11", &a), 0);
	assert_int_equal(a.b[0], 0x20);
	assert_int_equal(a.b[1], 0x01);
	assert_int_equal(a.b[5], 0x00);
	assert_int_equal(a.b[15], 0x11);
	fab_ip6_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:100::11");
	/* Formatting is canonical (RFC 5952): zeros compressed, lower case. */
	assert_int_equal(fab_ip6_parse("2001:0DB8:0100:0000:0000:0000:0000:0011", &a), 0);
	fab_ip6_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:100::11");
	keep = a;
	assert_int_equal(fab_ip6_parse("2001:db8::1::2", &a), -EINVAL);
	assert_int_equal(fab_ip6_parse("2001:db8:100::/64", &a), -EINVAL);
	assert_int_equal(fab_ip6_parse("192.0.2.1", &a), -EINVAL);
	assert_int_equal(fab_ip6_parse("", &a), -EINVAL);
	assert_memory_equal(&a, &keep, sizeof(a));
}

static void test_prefix4_parse(void **state)
{
	static const char *const bad[] = {
	    "192.0.2.1/24", /* host bits */
	    "192.0.2.0/33", "192.0.2.0",  "192.0.2.0/",     "/24", "192.0.2.0/+4", "192.0.2.0/2x",
	    "192.0.2.0/-1", "192.0.2/24", "192.0.2.0/1234",
	};
	struct fab_prefix4 p, keep;

	(void)state;
	assert_int_equal(fab_prefix4_parse("192.0.2.0/24", &p), 0);
	assert_true(p.set);
	assert_int_equal(p.len, 24);
	assert_true(p.addr == 0xc0000200u);
	assert_int_equal(fab_prefix4_parse("192.0.2.1/32", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(fab_prefix4_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	keep = p;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fab_prefix4_parse(bad[i], &p), -EINVAL);
		assert_memory_equal(&p, &keep, sizeof(p));
	}
}

static void test_prefix6_parse(void **state)
{
	static const char *const bad[] = {
	    "2001:db8:100::1/64", /* host bits */
	    "2001:db8:4000::/33", /* host bit in the partial byte */
	    "2001:db8:100::/129", "2001:db8:100::",     "2001:db8:100::/",
	    "192.0.2.0/24",       "2001:db8:100:::/64",
	};
	struct fab_prefix6 p, keep;

	(void)state;
	assert_int_equal(fab_prefix6_parse("2001:db8:100::/64", &p), 0);
	assert_true(p.set);
	assert_int_equal(p.len, 64);
	assert_int_equal(p.addr[5], 0x00);
	assert_int_equal(p.addr[4], 0x01);
	assert_int_equal(fab_prefix6_parse("2001:db8:8000::/33", &p), 0);
	assert_int_equal(p.len, 33);
	assert_int_equal(fab_prefix6_parse("::/0", &p), 0);
	assert_int_equal(fab_prefix6_parse("2001:db8::1/128", &p), 0);
	keep = p;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fab_prefix6_parse(bad[i], &p), -EINVAL);
		assert_memory_equal(&p, &keep, sizeof(p));
	}
}

static void test_prefix_contains(void **state)
{
	struct fab_prefix4 p4, all4, host4, unset4 = {0};
	struct fab_prefix6 p6, odd6, unset6 = {0};
	struct fab_ip6 a;

	(void)state;
	assert_int_equal(fab_prefix4_parse("192.0.2.0/24", &p4), 0);
	assert_int_equal(fab_prefix4_parse("0.0.0.0/0", &all4), 0);
	assert_int_equal(fab_prefix4_parse("192.0.2.7/32", &host4), 0);
	assert_true(fab_prefix4_contains(&p4, 0xc0000200u));
	assert_true(fab_prefix4_contains(&p4, 0xc00002ffu));
	assert_false(fab_prefix4_contains(&p4, 0xc0000300u));
	assert_false(fab_prefix4_contains(&p4, 0xc00001ffu));
	assert_true(fab_prefix4_contains(&all4, 0xc6336401u));
	assert_true(fab_prefix4_contains(&host4, 0xc0000207u));
	assert_false(fab_prefix4_contains(&host4, 0xc0000206u));
	assert_false(fab_prefix4_contains(&unset4, 0));

	assert_int_equal(fab_prefix6_parse("2001:db8:100::/64", &p6), 0);
	assert_int_equal(fab_ip6_parse("2001:db8:100::11", &a), 0);
	assert_true(fab_prefix6_contains(&p6, &a));
	assert_int_equal(fab_ip6_parse("2001:db8:100:0:ffff:ffff:ffff:ffff", &a), 0);
	assert_true(fab_prefix6_contains(&p6, &a));
	assert_int_equal(fab_ip6_parse("2001:db8:101::11", &a), 0);
	assert_false(fab_prefix6_contains(&p6, &a));
	assert_false(fab_prefix6_contains(&unset6, &a));
	/* A length that ends inside a byte compares only that byte's top bits. */
	assert_int_equal(fab_prefix6_parse("2001:db8:8000::/33", &odd6), 0);
	assert_int_equal(fab_ip6_parse("2001:db8:ffff::1", &a), 0);
	assert_true(fab_prefix6_contains(&odd6, &a));
	assert_int_equal(fab_ip6_parse("2001:db8:7fff::1", &a), 0);
	assert_false(fab_prefix6_contains(&odd6, &a));
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(fab_lan_kind_name(FAB_LAN_QUARANTINE), "quarantine");
	assert_string_equal(fab_neigh_policy_name(FAB_NEIGH_PROXY), "proxy");
	assert_string_equal(fab_port_kind_name(FAB_PORT_CORE), "core");
	assert_string_equal(fab_port_mode_name(FAB_PORT_TRUNK), "trunk");
	assert_string_equal(fab_violation_name(FAB_VIOLATION_PROTECT), "protect");
	assert_string_equal(fab_violation_name(FAB_VIOLATION_SHUTDOWN), "shutdown");
	assert_string_equal(fab_sponge_state_name(FAB_SPONGE_DEAD), "dead");
	assert_string_equal(fab_sponge_state_name(FAB_SPONGE_PENDING), "pending");
}

/* Equal models may differ in the bytes after a string's NUL and in padding. */
static void test_model_equal_ignores_bytes_after_nul(void **state)
{
	struct fab_model *a = fab_model_create(), *b = fab_model_create();

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_true(fab_model_equal(a, b));
	snprintf(a->mgmt.state_dir, sizeof(a->mgmt.state_dir), "%s", "/srv");
	memset(b->mgmt.state_dir, 'x', sizeof(b->mgmt.state_dir));
	snprintf(b->mgmt.state_dir, sizeof(b->mgmt.state_dir), "%s", "/srv");
	assert_true(fab_model_equal(a, b));
	b->policy.ethertypes[5] = 0x88cc; /* beyond nethertypes: not part of the list */
	assert_true(fab_model_equal(a, b));
	b->policy.sponge.probes++;
	assert_false(fab_model_equal(a, b));
	b->policy.sponge.probes--;
	snprintf(b->mgmt.cli_group, sizeof(b->mgmt.cli_group), "%s", "noc");
	assert_false(fab_model_equal(a, b));
	fab_model_destroy(a);
	fab_model_destroy(b);
}

static void test_model_clone_equal(void **state)
{
	struct fab_model *a = fab_model_create(), *c;
	uint16_t lan0 = 0;
	fab_mac_t mac = 0x02005e100001ULL;
	struct fab_binding bind = {.lan = 0, .macs = &mac, .nmacs = 1};
	struct fab_connection conn = {.port = 0, .bindings = &bind, .nbindings = 1};

	(void)state;
	assert_non_null(a);
	a->lans = calloc(1, sizeof(*a->lans));
	a->ports = calloc(1, sizeof(*a->ports));
	a->members = calloc(1, sizeof(*a->members));
	assert_non_null(a->lans);
	assert_non_null(a->ports);
	assert_non_null(a->members);
	a->nlans = a->nports = a->nmembers = 1;
	snprintf(a->lans[0].name, sizeof(a->lans[0].name), "%s", "peering");
	a->lans[0].vlan = 100;
	a->lans[0].mtu = FAB_MTU_DEFAULT;
	a->ports[0].lans = malloc(sizeof(lan0));
	assert_non_null(a->ports[0].lans);
	a->ports[0].lans[0] = lan0;
	a->ports[0].nlans = 1;
	a->members[0].asn = 64501;
	/* Point the member at stack data for the clone, then detach it before destroy. */
	a->members[0].conns = &conn;
	a->members[0].nconns = 1;
	c = fab_model_clone(a);
	assert_non_null(c);
	assert_true(fab_model_equal(a, c));
	assert_ptr_not_equal(c->members[0].conns, a->members[0].conns);
	c->members[0].conns[0].bindings[0].macs[0]++;
	assert_false(fab_model_equal(a, c));
	a->members[0].conns = NULL;
	a->members[0].nconns = 0;
	fab_model_destroy(a);
	fab_model_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mac_parse_forms),
	    cmocka_unit_test(test_mac_parse_rejects),
	    cmocka_unit_test(test_mac_format_and_multicast),
	    cmocka_unit_test(test_ip4_parse),
	    cmocka_unit_test(test_ip6_parse),
	    cmocka_unit_test(test_prefix4_parse),
	    cmocka_unit_test(test_prefix6_parse),
	    cmocka_unit_test(test_prefix_contains),
	    cmocka_unit_test(test_enum_names),
	    cmocka_unit_test(test_model_equal_ignores_bytes_after_nul),
	    cmocka_unit_test(test_model_clone_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
