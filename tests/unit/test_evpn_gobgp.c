/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-evpn's reading of GoBGP 3.10's JSON (as `gobgp -j global rib -a
 * evpn` and `gobgp -j neighbor` print it) and the gobgp arguments it builds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/evpn/evpn_gobgp.h"

/* Abridged from gobgpd 3.10: a local MAC+IPv4 path, a received MAC-only
 * path, a received type-3 path, and a type-5 path peerlan does not use. */
static const char rib[] =
    "{\"[type:macadv][rd:198.18.0.1:1][etag:0][mac:02:00:5e:10:00:01][ip:192.0.2.1]\": [{"
    "\"nlri\": {\"type\": 2, \"value\": {\"rd\": {\"type\": 1, \"admin\": \"198.18.0.1\", "
    "\"assigned\": 1}, \"esi\": \"single-homed\", \"etag\": 0, \"mac\": \"02:00:5e:10:00:01\", "
    "\"ip\": \"192.0.2.1\", \"labels\": [10100]}}, \"age\": 1, \"best\": true, \"attrs\": ["
    "{\"type\": 1, \"value\": 2}, {\"type\": 16, \"value\": [{\"type\": 0, \"subtype\": 2, "
    "\"value\": \"65000:10100\"}]}, {\"type\": 14, \"nexthop\": \"198.18.0.1\", \"afi\": 25, "
    "\"safi\": 70}], \"stale\": false}],"
    "\"[type:macadv][rd:198.18.0.2:2][etag:0][mac:02:00:5e:10:00:02][ip:<nil>]\": [{"
    "\"nlri\": {\"type\": 2, \"value\": {\"rd\": {\"type\": 1, \"admin\": \"198.18.0.2\", "
    "\"assigned\": 2}, \"esi\": \"single-homed\", \"etag\": 0, \"mac\": \"02:00:5e:10:00:02\", "
    "\"ip\": \"<nil>\", \"labels\": [10100]}}, \"age\": 1, \"best\": true, \"attrs\": ["
    "{\"type\": 14, \"nexthop\": \"198.18.0.2\", \"afi\": 25, \"safi\": 70}], "
    "\"source-id\": \"198.18.0.2\", \"neighbor-ip\": \"198.18.0.2\"}],"
    "\"[type:multicast][rd:198.18.0.2:2][etag:0][ip:198.18.0.2]\": [{"
    "\"nlri\": {\"type\": 3, \"value\": {\"rd\": {\"type\": 1, \"admin\": \"198.18.0.2\", "
    "\"assigned\": 2}, \"etag\": 0, \"ip\": \"198.18.0.2\"}}, \"attrs\": [{\"type\": 22, "
    "\"tunnel-type\": 6, \"label\": 10100, \"tunnel-id\": \"198.18.0.2\"}, {\"type\": 14, "
    "\"nexthop\": \"198.18.0.2\"}], \"neighbor-ip\": \"198.18.0.2\"}],"
    "\"[type:Prefix]\": [{\"nlri\": {\"type\": 5, \"value\": {}}, \"neighbor-ip\": \"1.1.1.1\"}]}";

static void test_rib(void **state)
{
	struct evpn_path *p;
	size_t n, skipped;
	char line[160];

	(void)state;
	assert_int_equal(evpn_gobgp_rib(rib, strlen(rib), &p, &n, &skipped), 0);
	assert_int_equal(n, 3);
	assert_int_equal(skipped, 1);
	assert_true(p[0].local);
	assert_string_equal(p[0].rd, "198.18.0.1:1");
	fab_evpn_route_format(&p[0].r, line, sizeof(line));
	assert_string_equal(line,
			    "type-2 vni 10100 vtep 198.18.0.1 mac 02:00:5e:10:00:01 ip 192.0.2.1");
	assert_false(p[1].local);
	fab_evpn_route_format(&p[1].r, line, sizeof(line));
	assert_string_equal(line, "type-2 vni 10100 vtep 198.18.0.2 mac 02:00:5e:10:00:02");
	fab_evpn_route_format(&p[2].r, line, sizeof(line));
	assert_string_equal(line, "type-3 vni 10100 vtep 198.18.0.2");
	free(p);
	/* Nothing, an empty RIB, and what is not GoBGP's RIB. */
	assert_int_equal(evpn_gobgp_rib("", 0, &p, &n, &skipped), 0);
	assert_int_equal(n, 0);
	assert_int_equal(evpn_gobgp_rib("{}", 2, &p, &n, &skipped), 0);
	free(p);
	assert_int_equal(evpn_gobgp_rib("[1]", 3, &p, &n, &skipped), -EBADMSG);
	assert_int_equal(evpn_gobgp_rib("{\"a\": 1}", 8, &p, &n, &skipped), -EBADMSG);
	assert_int_equal(evpn_gobgp_rib("{\"a\": [", 7, &p, &n, &skipped), -EBADMSG);
	/* A VNI out of range, a bad MAC: skipped, not read as something else. */
	static const char bad[] =
	    "{\"a\": [{\"nlri\": {\"type\": 2, \"value\": {\"mac\": \"02:00:5e:10:00:02\", \"ip\": "
	    "\"<nil>\", \"labels\": [16777216]}}, \"attrs\": [{\"type\": 14, \"nexthop\": "
	    "\"198.18.0.2\"}]}, {\"nlri\": {\"type\": 2, \"value\": {\"mac\": \"zz\", \"labels\": "
	    "[5]}}, \"attrs\": [{\"type\": 14, \"nexthop\": \"198.18.0.2\"}]}]}";
	assert_int_equal(evpn_gobgp_rib(bad, strlen(bad), &p, &n, &skipped), 0);
	assert_int_equal(n, 0);
	assert_int_equal(skipped, 2);
	free(p);
}

static void test_neighbors(void **state)
{
	static const char nb[] =
	    "[{\"conf\": {\"neighbor_address\": \"198.18.0.254\", \"peer_asn\": 65000}, \"state\": "
	    "{\"session_state\": 6}}, {\"conf\": {\"neighbor_address\": \"198.18.0.253\"}, "
	    "\"state\": {\"session_state\": 3}}]";
	uint32_t addrs[4];
	unsigned est;
	size_t n;

	(void)state;
	assert_int_equal(evpn_gobgp_neighbors(nb, strlen(nb), &est, addrs, 4, &n), 0);
	assert_int_equal(est, 1);
	assert_int_equal(n, 2);
	assert_int_equal(addrs[0], 0xc61200feu);
	assert_int_equal(evpn_gobgp_neighbors("{}", 2, &est, addrs, 4, &n), -EBADMSG);
}

static void test_argv(void **state)
{
	struct fab_evpn_route r = {.type = FAB_EVPN_MACIP,
				   .family = 6,
				   .vni = 10100,
				   .vtep = 0xc6120001u,
				   .mac = 0x02005e100001ULL,
				   .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	const char *argv[40];
	char buf[512], joined[512] = "";
	int n = evpn_gobgp_argv(&r, "198.18.0.1:1", 65000, true, argv, 40, buf, sizeof(buf));

	(void)state;
	assert_int_equal(n, 20);
	for (int i = 0, at = 0; i < n; i++)
		at += snprintf(joined + at, sizeof(joined) - (size_t)at, "%s%s", i ? " " : "",
			       argv[i]);
	assert_null(argv[n]);
	assert_string_equal(joined,
			    "global rib -a evpn add macadv 02:00:5e:10:00:01 2001:db8::1 etag 0 "
			    "label 10100 rd 198.18.0.1:1 rt 65000:10100 encap vxlan nexthop "
			    "198.18.0.1");
	/* The withdrawal names the route only; no room is an error, not a cut. */
	assert_int_equal(
	    evpn_gobgp_argv(&r, "198.18.0.1:1", 65000, false, argv, 40, buf, sizeof(buf)), 14);
	assert_int_equal(
	    evpn_gobgp_argv(&r, "198.18.0.1:1", 65000, true, argv, 10, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(evpn_gobgp_argv(&r, "198.18.0.1:1", 65000, true, argv, 40, buf, 40),
			 -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rib),
	    cmocka_unit_test(test_neighbors),
	    cmocka_unit_test(test_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
