/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP EVPN against the member database: the evpn section and the vtep
 * port's flag as the loader checks them, which received routes are allowed
 * or refused and why, what a withdrawal leaves in the compiled tables, and
 * the routes this node announces.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/config.h"
#include "fabric/evpn.h"
#include "fabric/tables.h"
#include "fabric/wire_evpn.h"

#define VTEP_B 0xc6120002u /* 198.18.0.2: node B, EVPN */
#define VTEP_S 0xc6120003u /* 198.18.0.3: node S, static */
#define MAC_A  0x02005e100001ULL
#define MAC_B  0x02005e100002ULL
#define MAC_B2 0x02005e100012ULL
#define MAC_S  0x02005e100003ULL

static const char base[] =
    "fabric: {name: t}\n"
    "evpn: {asn: 65000, neighbors: [198.18.0.254]}\n"
    "lans:\n"
    "  - {name: peering, vlan: 100, vni: 10100, ipv4: 192.0.2.0/24, ipv6: 2001:db8::/64}\n"
    "  - {name: other, vlan: 200, vni: 10200}\n"
    "ports:\n"
    "  - {name: p1, device: net_null0, lans: [peering]}\n"
    "  - name: underlay\n"
    "    kind: underlay\n"
    "    device: net_null1\n"
    "    mtu: 1600\n"
    "    vtep-address: 198.18.0.1\n"
    "    vtep-mac: 02:aa:00:00:00:01\n"
    "    next-hop-mac: 02:bb:00:00:00:01\n"
    "  - {name: node-b, kind: vtep, remote: 198.18.0.2, evpn: true, lans: [peering]}\n"
    "  - {name: node-s, kind: vtep, remote: 198.18.0.3, lans: [peering, other]}\n"
    "members:\n"
    "  - asn: 64501\n"
    "    name: A\n"
    "    connections:\n"
    "      - port: p1\n"
    "        lans: [{lan: peering, macs: [02:00:5e:10:00:01], ipv4: [192.0.2.1], "
    "ipv6: ['2001:db8::1']}]\n"
    "  - asn: 64502\n"
    "    name: B\n"
    "    connections:\n"
    "      - port: node-b\n"
    "        lans: [{lan: peering, macs: [02:00:5e:10:00:02, 02:00:5e:10:00:12], ipv4: "
    "[192.0.2.2]}]\n"
    "  - asn: 64503\n"
    "    name: S\n"
    "    connections:\n"
    "      - port: node-s\n"
    "        lans: [{lan: peering, macs: [02:00:5e:10:00:03]}]\n";

static struct fab_model *load(const char *text, struct fab_config_errors *e)
{
	return fab_config_load_string(text, strlen(text), "t.yaml", e);
}

/* Loads base with one line replaced; returns the first error or "". */
static char *first_error(const char *from, const char *to)
{
	static char msg[512];
	char text[sizeof(base) + 256];
	const char *at = strstr(base, from);
	struct fab_config_errors e = {0};
	struct fab_model *m;

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	m = load(text, &e);
	msg[0] = '\0';
	if (e.n > 0)
		snprintf(msg, sizeof(msg), "%u:%u: %s", e.v[0].line, e.v[0].col, e.v[0].msg);
	fab_model_destroy(m);
	fab_config_errors_clear(&e);
	return msg;
}

static void test_config(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = load(base, &e), *back;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(e.n, 0);
	assert_non_null(m);
	assert_int_equal(m->evpn.asn, 65000);
	assert_int_equal(m->evpn.neighbor_asn, 65000);
	/* The router id defaults to the VTEP address. */
	assert_int_equal(m->evpn.router_id, 0xc6120001u);
	assert_int_equal(m->evpn.nneighbors, 1);
	assert_true(m->ports[2].vxlan.evpn);
	assert_false(m->ports[3].vxlan.evpn);
	/* The canonical form loads back to the same model. */
	f = open_memstream(&text, &len);
	assert_int_equal(fab_config_print(m, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "evpn: true"));
	back = load(text, &e);
	assert_non_null(back);
	assert_true(fab_model_equal(m, back));
	fab_model_destroy(back);
	free(text);
	fab_model_destroy(m);
}

static void test_config_errors(void **state)
{
	(void)state;
	assert_string_equal(first_error("evpn: {asn: 65000, neighbors: [198.18.0.254]}\n", ""),
			    "14:5: VTEP port 'node-b' has 'evpn: true' but the configuration has "
			    "no 'evpn' section");
	assert_string_equal(first_error("neighbors: [198.18.0.254]", "neighbors: []"),
			    "2:31: 'neighbors' needs at least one address: the route reflector");
	assert_string_equal(first_error("neighbors: [198.18.0.254]", "neighbors: [224.0.0.1]"),
			    "2:32: a neighbor '224.0.0.1' must be a unicast IPv4 address");
	assert_string_equal(first_error("asn: 65000", "asn: 0"),
			    "2:13: 'asn' 0 is out of range (1 to 4294967295)");
	assert_string_equal(first_error("neighbors: [198.18.0.254]", "neighbours: [1.2.3.4]"),
			    "2:7: missing required key 'neighbors' in evpn");
	assert_string_equal(first_error("device: net_null0, lans", "device: net_null0, evpn: "
								   "true, lans"),
			    "7:41: 'evpn' belongs to a port of kind vtep only");
	assert_string_equal(first_error("evpn: true", "evpn: maybe"),
			    "15:58: 'evpn' must be true or false, not 'maybe'");
}

static struct fab_evpn_route mac_route(uint32_t vtep, fab_mac_t mac)
{
	return (struct fab_evpn_route){
	    .type = FAB_EVPN_MACIP, .vni = 10100, .vtep = vtep, .mac = mac};
}

static void test_check(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = load(base, &e);
	struct fab_evpn_route r = mac_route(VTEP_B, MAC_B);
	struct fab_evpn_place at;

	(void)state;
	assert_non_null(m);
	assert_int_equal(fab_evpn_check(m, &r, &at), FAB_EVPN_OK);
	assert_int_equal(at.port, 2);
	assert_int_equal(at.lan, 0);
	assert_int_equal(at.member, 1);
	/* MAC+IP with the member's address, and with another's. */
	r.family = 4;
	memcpy(r.ip, (uint8_t[]){192, 0, 2, 2}, 4);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_OK);
	r.ip[3] = 1;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_WRONG_IP);
	r.family = 6;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_WRONG_IP);
	/* A MAC the database places on this node, or behind another VTEP. */
	r = mac_route(VTEP_B, MAC_A);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_NOT_PLACED);
	r = mac_route(VTEP_B, MAC_S);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_NOT_PLACED);
	/* From a VTEP that does not follow EVPN, from nowhere, from ourselves. */
	r = mac_route(VTEP_S, MAC_S);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_NO_VTEP);
	r = mac_route(0xc6120009u, MAC_B);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_NO_VTEP);
	r = mac_route(0xc6120001u, MAC_A);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_OWN);
	/* A VNI node B does not carry, and none at all. */
	r = mac_route(VTEP_B, MAC_B);
	r.vni = 10200;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_NO_VNI);
	r.vni = 0;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_BAD);
	r = mac_route(VTEP_B, 0x01005e000001ULL);
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_BAD);
	r = mac_route(VTEP_B, MAC_B);
	r.family = 5;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_BAD);
	/* Type 3: the VTEP's presence in a VNI it carries. */
	r = (struct fab_evpn_route){.type = FAB_EVPN_IMET, .vni = 10100, .vtep = VTEP_B};
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_OK);
	r.type = 4;
	assert_int_equal(fab_evpn_check(m, &r, NULL), FAB_EVPN_BAD);
	fab_model_destroy(m);
}

/* Who the tables say owns mac on the LAN: a port, or -1. */
static int owner(const struct fab_model *m, fab_mac_t mac)
{
	struct fab_tables *t = fab_tables_build(m, 1);
	struct fab_owner o;
	int port;

	assert_non_null(t);
	port = fab_tables_lookup_mac(t, 0, mac, &o) == 0 ? o.port : -1;
	fab_tables_destroy(t);
	return port;
}

static struct fab_model *reloaded(const struct fab_model *m)
{
	struct fab_config_errors e = {0};
	struct fab_model *back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(fab_config_print(m, f), 0);
	fclose(f);
	back = fab_config_load_string(text, len, "filtered", &e);
	free(text);
	assert_int_equal(e.n, 0);
	return back;
}

static void test_filter(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = load(base, &e), *f, *back;
	uint64_t one[] = {fab_evpn_key(0, MAC_B2)};

	(void)state;
	assert_non_null(m);
	/* Nothing active: node B's member is gone, the static VTEP's stays. */
	f = fab_evpn_filter(m, NULL, 0);
	assert_non_null(f);
	assert_int_equal(owner(f, MAC_B), -1);
	assert_int_equal(owner(f, MAC_B2), -1);
	assert_int_equal(owner(f, MAC_S), 3);
	assert_int_equal(owner(f, MAC_A), 0);
	assert_int_equal(f->members[1].nconns, 0);
	/* What is pushed is a configuration the dataplane loads. */
	back = reloaded(f);
	assert_non_null(back);
	assert_true(fab_model_equal(f, back));
	fab_model_destroy(back);
	fab_model_destroy(f);
	/* One MAC active: that MAC alone, with the binding's addresses. */
	f = fab_evpn_filter(m, one, 1);
	assert_int_equal(owner(f, MAC_B), -1);
	assert_int_equal(owner(f, MAC_B2), 2);
	assert_int_equal(f->members[1].conns[0].bindings[0].nipv4, 1);
	fab_model_destroy(f);
	fab_model_destroy(m);
}

static void test_local(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = load(base, &e);
	struct fab_evpn_route r[8];
	char line[128], rd[32], rt[32];
	size_t n;

	(void)state;
	assert_non_null(m);
	n = fab_evpn_local(m, r, 8);
	/* Type 3 for both VNIs; member A: its MAC, MAC+IPv4, MAC+IPv6. */
	assert_int_equal(n, 5);
	fab_evpn_route_format(&r[0], line, sizeof(line));
	assert_string_equal(line, "type-3 vni 10100 vtep 198.18.0.1");
	fab_evpn_route_format(&r[1], line, sizeof(line));
	assert_string_equal(line, "type-3 vni 10200 vtep 198.18.0.1");
	fab_evpn_route_format(&r[2], line, sizeof(line));
	assert_string_equal(line, "type-2 vni 10100 vtep 198.18.0.1 mac 02:00:5e:10:00:01");
	fab_evpn_route_format(&r[3], line, sizeof(line));
	assert_string_equal(line,
			    "type-2 vni 10100 vtep 198.18.0.1 mac 02:00:5e:10:00:01 ip 192.0.2.1");
	fab_evpn_route_format(&r[4], line, sizeof(line));
	assert_string_equal(
	    line, "type-2 vni 10100 vtep 198.18.0.1 mac 02:00:5e:10:00:01 ip 2001:db8::1");
	/* Only the count when out has no room. */
	assert_int_equal(fab_evpn_local(m, NULL, 0), 5);
	assert_int_equal(r[1].evi, 2);
	fab_evpn_rd(m->evpn.router_id, r[1].evi, rd, sizeof(rd));
	assert_string_equal(rd, "198.18.0.1:2");
	fab_evpn_rt(m->evpn.asn, 10200, rt, sizeof(rt));
	assert_string_equal(rt, "65000:10200");
	fab_evpn_rt(4200000001u, 10100, rt, sizeof(rt));
	assert_string_equal(rt, "59905:10100");
	m->evpn.asn = 0;
	assert_int_equal(fab_evpn_local(m, r, 8), 0);
	fab_model_destroy(m);
}

/* The message round trip, and each way a record or a length can lie. */
static void test_wire(void **state)
{
	struct fab_evpn_route in[3] = {mac_route(VTEP_B, MAC_B),
				       mac_route(VTEP_B, MAC_B),
				       {.type = FAB_EVPN_IMET, .vni = 10100, .vtep = VTEP_B}},
			      out;
	struct fab_wire_buf b = {0};
	struct fab_wire_evpn_routes m;
	struct fab_wire_evpn_local loc = {.asn = 65000,
					  .router_id = 1,
					  .nneighbors = 2,
					  .neighbors = {7, 8}},
				   back;
	struct fab_wire_hdr h = {.id = 9};
	uint8_t *p;
	size_t len;

	(void)state;
	in[1].family = 6;
	in[1].ip[0] = 0x20;
	in[1].ip[15] = 2;
	assert_int_equal(fab_wire_evpn_routes_encode(&b, 1, FAB_WIRE_EVPN_UP, in, 3), 0);
	p = b.data + FAB_WIRE_HDR_LEN;
	len = b.len - FAB_WIRE_HDR_LEN;
	assert_int_equal(len, 1 + 4 + 3 * FAB_WIRE_EVPN_REC);
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), 0);
	assert_int_equal(m.flags, FAB_WIRE_EVPN_UP);
	assert_int_equal(m.n, 3);
	for (uint32_t i = 0; i < 3; i++) {
		fab_wire_evpn_rec(m.recs, i, &out);
		assert_memory_equal(&out, &in[i], sizeof(out));
	}
	/* A short or long payload, an unknown flag, a count that lies. */
	assert_int_equal(fab_wire_evpn_routes_decode(p, len - 1, &m), -EBADMSG);
	p[0] = 0x80;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	p[0] = 0;
	p[4] = 4;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	p[4] = 3;
	/* Record 2: a type 4; a type 3 with a MAC; record 1: family 5; padding set. */
	p[5 + 2 * FAB_WIRE_EVPN_REC] = 4;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	assert_int_equal(m.bad, 2);
	p[5 + 2 * FAB_WIRE_EVPN_REC] = 3;
	p[5 + 2 * FAB_WIRE_EVPN_REC + 13] = 1;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	p[5 + 2 * FAB_WIRE_EVPN_REC + 13] = 0;
	p[5 + FAB_WIRE_EVPN_REC + 1] = 5;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	assert_int_equal(m.bad, 1);
	p[5 + FAB_WIRE_EVPN_REC + 1] = 6;
	p[5 + 18] = 1;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), -EBADMSG);
	assert_int_equal(m.bad, 0);
	p[5 + 18] = 0;
	assert_int_equal(fab_wire_evpn_routes_decode(p, len, &m), 0);
	/* The reply. */
	b.len = 0;
	assert_int_equal(fab_wire_evpn_local_encode(&b, &h, &loc, in, 1), 0);
	assert_int_equal(
	    fab_wire_evpn_local_decode(b.data + FAB_WIRE_HDR_LEN, b.len - FAB_WIRE_HDR_LEN, &back),
	    0);
	assert_int_equal(back.asn, 65000);
	assert_int_equal(back.nneighbors, 2);
	assert_int_equal(back.neighbors[1], 8);
	assert_int_equal(back.n, 1);
	b.data[FAB_WIRE_HDR_LEN + 16] = FAB_EVPN_NEIGHBORS_MAX + 1;
	assert_int_equal(
	    fab_wire_evpn_local_decode(b.data + FAB_WIRE_HDR_LEN, b.len - FAB_WIRE_HDR_LEN, &back),
	    -EBADMSG);
	fab_wire_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config), cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_check),  cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_local),  cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
