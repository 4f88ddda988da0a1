/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fabric/config.h"
#include "fabric/diff.h"
#include "fabric/tables.h"

#define EXAMPLE SOURCE_ROOT "/docs/example.yaml"
#define FULL    SOURCE_ROOT "/tests/unit/configs/full.yaml"
#define DOC     SOURCE_ROOT "/docs/configuration.md"

/*
 * A valid configuration of 35 lines. Tests append to it (their text starts
 * on line 36) or use their own, so every expected line number is exact.
 */
static const char base[] = "fabric:\n"                               /* 1 */
			   "  name: t\n"                             /* 2 */
			   "lans:\n"                                 /* 3 */
			   "  - name: peering\n"                     /* 4 */
			   "    vlan: 100\n"                         /* 5 */
			   "    ipv4: 192.0.2.0/24\n"                /* 6 */
			   "    ipv6: 2001:db8:100::/64\n"           /* 7 */
			   "  - name: quarantine\n"                  /* 8 */
			   "    vlan: 999\n"                         /* 9 */
			   "ports:\n"                                /* 10 */
			   "  - name: p1\n"                          /* 11 */
			   "    device: net_null0\n"                 /* 12 */
			   "    lans: [peering]\n"                   /* 13 */
			   "  - name: p2\n"                          /* 14 */
			   "    device: net_null1\n"                 /* 15 */
			   "    lans: [peering]\n"                   /* 16 */
			   "  - name: trunk\n"                       /* 17 */
			   "    device: net_null2\n"                 /* 18 */
			   "    mode: trunk\n"                       /* 19 */
			   "    lans: [peering, quarantine]\n"       /* 20 */
			   "  - name: core\n"                        /* 21 */
			   "    device: net_null3\n"                 /* 22 */
			   "    kind: core\n"                        /* 23 */
			   "    mode: trunk\n"                       /* 24 */
			   "    lans: [peering, quarantine]\n"       /* 25 */
			   "members:\n"                              /* 26 */
			   "  - asn: 64501\n"                        /* 27 */
			   "    name: A\n"                           /* 28 */
			   "    connections:\n"                      /* 29 */
			   "      - port: p1\n"                      /* 30 */
			   "        lans:\n"                         /* 31 */
			   "          - lan: peering\n"              /* 32 */
			   "            macs: [02:00:5e:10:00:01]\n" /* 33 */
			   "            ipv4: [192.0.2.11]\n"        /* 34 */
			   "            ipv6: [2001:db8:100::11]\n"; /* 35 */

/* The head of a second member on port p2, LAN peering: lines 36 to 41. */
#define MEMBER_B             \
	"  - asn: 64502\n"   \
	"    name: B\n"      \
	"    connections:\n" \
	"      - port: p2\n" \
	"        lans:\n"    \
	"          - lan: peering\n"

static struct fab_model *load(const char *text, struct fab_config_errors *e)
{
	return fab_config_load_string(text, strlen(text), "test.yaml", e);
}

static char *cat2(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static char *with_base(const char *extra)
{
	return cat2(base, extra);
}

/*
 * Asserts that text is rejected with an error at line (and col, unless 0)
 * whose message contains sub; returns the number of errors.
 */
static size_t expect_error(const char *text, uint32_t line, uint32_t col, const char *sub)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = load(text, &e);
	bool found = false;
	size_t n = e.n;

	for (size_t i = 0; i < e.n; i++)
		if (strstr(e.v[i].msg, sub) != NULL && e.v[i].line == line &&
		    (col == 0 || e.v[i].col == col) && strcmp(e.v[i].file, "test.yaml") == 0)
			found = true;
	if (!found) {
		fprintf(stderr, "wanted %u:%u: %s\ngot:\n", line, col, sub);
		fab_config_errors_print(&e, stderr);
	}
	assert_null(m);
	assert_true(found);
	fab_config_errors_clear(&e);
	return n;
}

static size_t expect_base_error(const char *extra, uint32_t line, uint32_t col, const char *sub)
{
	char *text = with_base(extra);
	size_t n = expect_error(text, line, col, sub);

	free(text);
	return n;
}

/* Asserts a load succeeded with no error, showing the errors if not. */
static struct fab_model *loaded(struct fab_model *m, struct fab_config_errors *e)
{
	if (m == NULL)
		fab_config_errors_print(e, stderr);
	assert_non_null(m);
	assert_int_equal(e->n, 0);
	return m;
}

static struct fab_model *load_ok(const char *text)
{
	struct fab_config_errors e = {0};

	return loaded(load(text, &e), &e);
}

static void test_base_loads(void **state)
{
	struct fab_model *m = load_ok(base);
	const struct fab_binding *b;

	(void)state;
	assert_string_equal(m->name, "t");
	assert_int_equal(m->nlans, 2);
	assert_int_equal(m->nports, 4);
	assert_int_equal(m->nmembers, 1);
	assert_int_equal(m->lans[0].pos.line, 4);
	assert_int_equal(m->ports[1].pos.line, 14);
	assert_int_equal(m->ports[1].mtu, 1500);
	assert_true(m->ports[1].admin_up);
	assert_int_equal(m->ports[1].violation, FAB_VIOLATION_RESTRICT);
	assert_int_equal(m->ports[2].nlans, 2);
	assert_int_equal(m->members[0].pos.line, 27);
	b = &m->members[0].conns[0].bindings[0];
	assert_int_equal(b->nmacs, 1);
	assert_true(b->macs[0] == 0x02005e100001ULL);
	assert_int_equal(b->nipv4, 1);
	assert_true(b->ipv4[0] == 0xc000020bu);
	assert_int_equal(b->nipv6, 1);
	assert_int_equal(b->pos.line, 32);
	fab_model_destroy(m);
}

static struct fab_model *load_file_ok(const char *path)
{
	struct fab_config_errors e = {0};

	return loaded(fab_config_load_file(path, &e), &e);
}

static void test_example_loads(void **state)
{
	struct fab_model *m = load_file_ok(EXAMPLE);
	int rs, core;

	(void)state;
	assert_string_equal(m->name, "example-ix");
	assert_int_equal(m->nlans, 2);
	assert_int_equal(m->lans[1].kind, FAB_LAN_QUARANTINE);
	assert_int_equal(m->lans[1].neigh, FAB_NEIGH_PROXY);
	assert_true(m->nmembers >= 4 && m->nmembers <= 6);
	rs = fab_model_member_by_asn(m, 64500);
	assert_true(rs >= 0);
	core = fab_model_port_by_name(m, "core1");
	assert_true(core >= 0);
	assert_int_equal(m->ports[core].kind, FAB_PORT_CORE);
	assert_int_equal(fab_model_member_by_port(m, (uint16_t)core), -1);
	assert_int_equal(fab_model_member_by_port(m, m->members[rs].conns[0].port), rs);
	fab_model_destroy(m);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* The reference embeds the example; a change to one must be made to both. */
static void test_doc_shows_example(void **state)
{
	char *doc = read_all(DOC), *ex = read_all(EXAMPLE);

	(void)state;
	assert_non_null(strstr(doc, ex));
	free(doc);
	free(ex);
}

/* Every key of the fixture is set to something other than its default. */
static void test_full_config_fields(void **state)
{
	struct fab_model *m = load_file_ok(FULL);
	const struct fab_policy *p = &m->policy;
	const struct fab_port *pt;
	const struct fab_member *mb;
	const struct fab_binding *b;

	(void)state;
	assert_string_equal(m->name, "test-ix.example");
	assert_int_equal(p->nethertypes, 4);
	assert_int_equal(p->ethertypes[0], 0x86dd);
	assert_int_equal(p->ethertypes[1], 0x0800);
	assert_int_equal(p->ethertypes[3], 0x88b5);
	assert_int_equal(p->neigh, FAB_NEIGH_PROXY);
	assert_int_equal(p->violation, FAB_VIOLATION_PROTECT);
	assert_int_equal(p->errdisable_recovery_s, 0);
	assert_int_equal(p->flap_changes, 7);
	assert_int_equal(p->flap_window_s, 60);
	assert_int_equal(p->flap_hold_s, 600);
	assert_int_equal(p->storm_arp.pps, 11);
	assert_int_equal(p->storm_arp.burst, 22);
	assert_int_equal(p->storm_nd.pps, 0);
	assert_int_equal(p->storm_nd.burst, 1);
	assert_int_equal(p->storm_errdisable_s, 30);
	assert_int_equal(p->punt_port.pps, 33);
	assert_int_equal(p->punt_port.burst, 44);
	assert_int_equal(p->punt_total.pps, 5555);
	assert_int_equal(p->punt_total.burst, 6666);
	assert_false(p->sponge.enabled);
	assert_int_equal(p->sponge.queue_depth, 77);
	assert_int_equal(p->sponge.rate_per_min, 88);
	assert_int_equal(p->sponge.flood_ms, 99);
	assert_int_equal(p->sponge.probes, 3);
	assert_int_equal(p->sponge.probe_interval_ms, 250);
	assert_int_equal(p->sponge.learning_s, 0);
	assert_int_equal(p->sponge.init_state, FAB_SPONGE_PENDING);
	assert_true(p->sponge.mac == 0x02005e0000aaULL);
	assert_true(p->sponge.gratuitous);
	assert_string_equal(m->mgmt.control_socket, "/tmp/pl/dp.sock");
	assert_string_equal(m->mgmt.cli_socket, "/tmp/pl/cli.sock");
	assert_string_equal(m->mgmt.cli_ro_socket, "/tmp/pl/ro.sock");
	assert_string_equal(m->mgmt.cli_group, "noc");
	assert_string_equal(m->mgmt.metrics_listen, "[::1]:9100");
	assert_string_equal(m->mgmt.state_dir, "/tmp/pl/state");

	assert_int_equal(m->nlans, 3);
	assert_int_equal(m->lans[0].vlan, 4094);
	assert_int_equal(m->lans[0].ipv4.len, 25);
	assert_int_equal(m->lans[0].neigh, FAB_NEIGH_STEER); /* set, overriding policy */
	assert_int_equal(m->lans[0].blackhole.mac, 0x02005e000666ULL);
	assert_int_equal(m->lans[0].blackhole.ipv4, 0xc0000242);
	assert_true(m->lans[0].blackhole.has_ipv6);
	assert_int_equal(m->lans[1].blackhole.mac, 0);
	assert_int_equal(m->ports[0].rate_bps, 250000000);
	assert_int_equal(m->ports[0].rate_burst, 500000);
	assert_int_equal(m->ports[1].rate_bps, 0);
	assert_int_equal(m->lans[1].neigh, FAB_NEIGH_PROXY); /* from policy */
	assert_false(m->lans[1].ipv6.set);
	assert_false(m->lans[2].ipv4.set);
	assert_int_equal(m->lans[2].ipv6.len, 48);

	pt = &m->ports[0];
	assert_string_equal(pt->name, "et-0/0/1");
	assert_string_equal(pt->device, "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap");
	assert_string_equal(pt->description, "Says \"hello\": colon, quotes \\ and more");
	assert_false(pt->admin_up);
	assert_int_equal(pt->mtu, 9000);
	assert_int_equal(pt->speed_mbps, 25000);
	assert_int_equal(pt->violation, FAB_VIOLATION_SHUTDOWN);
	assert_int_equal(m->ports[1].violation, FAB_VIOLATION_PROTECT); /* from policy */
	assert_int_equal(m->ports[1].mtu, 576);
	assert_int_equal(m->ports[1].nlans, 3);
	assert_int_equal(m->ports[1].lans[0], 1);
	assert_int_equal(m->ports[2].kind, FAB_PORT_CORE);

	assert_int_equal(m->nmembers, 3);
	mb = &m->members[0];
	assert_true(mb->asn == 4294967295u);
	assert_string_equal(mb->name, "Quote \" and backslash \\ and colon: \xc3\xa9");
	b = &mb->conns[0].bindings[0];
	assert_int_equal(b->nmacs, 2);
	assert_true(b->macs[1] == 0x02005e100002ULL);
	assert_int_equal(b->nipv4, 2);
	assert_int_equal(b->nipv6, 2);
	mb = &m->members[1];
	assert_string_equal(mb->name, "");
	assert_int_equal(mb->nconns, 2);
	assert_int_equal(mb->conns[0].nbindings, 2);
	assert_int_equal(mb->conns[0].bindings[0].lan, 2);
	assert_int_equal(mb->conns[0].bindings[1].nipv4, 0);
	assert_int_equal(m->members[2].nconns, 0);
	fab_model_destroy(m);
}

/* Prints m, loads the text back and checks it is equal; returns the text. */
static char *round_trip(const struct fab_model *m)
{
	struct fab_config_errors e = {0};
	struct fab_model *back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fab_config_print(m, f), 0);
	fclose(f);
	back = fab_config_load_string(text, len, "printed", &e);
	if (back == NULL) {
		fab_config_errors_print(&e, stderr);
		fputs(text, stderr);
	}
	assert_non_null(back);
	assert_true(fab_model_equal(m, back));
	fab_model_destroy(back);
	return text;
}

static void round_trip_file(const char *path)
{
	struct fab_model *m = load_file_ok(path), *again;
	char *first = round_trip(m), *second;
	struct fab_config_errors e = {0};

	/* The canonical form is a fixed point: printing it again changes nothing. */
	again = load(first, &e);
	assert_non_null(again);
	second = round_trip(again);
	assert_string_equal(first, second);
	free(first);
	free(second);
	fab_model_destroy(again);
	fab_model_destroy(m);
}

static void test_round_trip_example(void **state)
{
	(void)state;
	round_trip_file(EXAMPLE);
}

static void test_round_trip_full(void **state)
{
	(void)state;
	round_trip_file(FULL);
}

static void test_round_trip_defaults_and_edges(void **state)
{
	struct fab_model *m = load_ok("fabric: {name: x}\n"
				      "management: {metrics: \"\"}\n");
	char *text;

	(void)state;
	assert_string_equal(m->mgmt.metrics_listen, "");
	text = round_trip(m);
	assert_non_null(strstr(text, "metrics: \"off\""));
	assert_non_null(strstr(text, "lans: []"));
	free(text);
	fab_model_destroy(m);
	m = load_ok("fabric: {name: x}\nmanagement: {metrics: off}\n");
	assert_string_equal(m->mgmt.metrics_listen, "");
	fab_model_destroy(m);
}

static void test_sflow(void **state)
{
	static const struct {
		const char *sflow, *msg;
	} bad[] = {
	    {"{collectors: [192.0.2.10]}", "sFlow collector must be ADDRESS:PORT"},
	    {"{collectors: [192.0.2.10:6343]}", "need an 'agent-address'"},
	    {"{agent-address: example}", "must be an IPv4 or IPv6 address"},
	    {"{header-bytes: 1500}", "header-bytes"},
	    {"{header-bytes: 63}", "header-bytes"},
	    {"{sampling-rate: 0}", "sampling-rate"},
	    {"{polling-interval: 3601}", "polling-interval"},
	    {"{collectors: [192.0.2.1:1, 192.0.2.1:2, 192.0.2.1:3, 192.0.2.1:4, 192.0.2.1:5], "
	     "agent-address: 192.0.2.1}",
	     "collectors"},
	};
	struct fab_model *m = load_ok("fabric: {name: x}\n"
				      "management:\n"
				      "  sflow:\n"
				      "    collectors: [192.0.2.10:6343, \"[2001:db8::10]:6343\"]\n"
				      "    agent-address: \"2001:db8::\"\n"
				      "    sampling-rate: 2048\n"
				      "    polling-interval: 30\n"
				      "    header-bytes: 64\n");
	char *text;

	(void)state;
	assert_int_equal(m->mgmt.sflow.ncollectors, 2);
	assert_string_equal(m->mgmt.sflow.collectors[1], "[2001:db8::10]:6343");
	assert_string_equal(m->mgmt.sflow.agent, "2001:db8::");
	assert_int_equal(m->mgmt.sflow.sampling_rate, 2048);
	assert_int_equal(m->mgmt.sflow.polling_interval_s, 30);
	assert_int_equal(m->mgmt.sflow.header_bytes, 64);
	text = round_trip(m);
	assert_non_null(strstr(text, "    sampling-rate: 2048\n"));
	free(text);
	fab_model_destroy(m);

	/* Defaults: no collector (export off), 1 in 8192, 20 s, 128 bytes. */
	m = load_ok("fabric: {name: x}\n");
	assert_int_equal(m->mgmt.sflow.ncollectors, 0);
	assert_int_equal(m->mgmt.sflow.sampling_rate, 8192);
	assert_int_equal(m->mgmt.sflow.polling_interval_s, 20);
	assert_int_equal(m->mgmt.sflow.header_bytes, 128);
	fab_model_destroy(m);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char bad_text[256];

		snprintf(bad_text, sizeof(bad_text),
			 "fabric: {name: x}\nmanagement:\n  sflow: %s\n", bad[i].sflow);
		expect_error(bad_text, 3, 0, bad[i].msg);
	}
}

/* An IPv6 address ending in "::" closes a flow list; printed plain it would not load back. */
static void test_round_trip_ipv6_ending_in_colons(void **state)
{
	struct fab_model *m = load_ok("fabric: {name: x}\n"
				      "lans: [{name: p, vlan: 100, ipv6: 2001:db8:100::/48}]\n"
				      "ports: [{name: p1, device: net_null0, lans: [p]}]\n"
				      "members:\n"
				      "  - asn: 64501\n"
				      "    name: A\n"
				      "    connections:\n"
				      "      - port: p1\n"
				      "        lans:\n"
				      "          - lan: p\n"
				      "            macs: [02:00:5e:10:00:01]\n"
				      "            ipv6: [\"2001:db8:100:1::\", 2001:db8:100::1,\n"
				      "                   \"2001:db8:100:2::\"]\n");
	char *text;

	(void)state;
	text = round_trip(m);
	assert_non_null(strstr(text, "ipv6: [\"2001:db8:100:1::\", 2001:db8:100::1, "
				     "\"2001:db8:100:2::\"]"));
	free(text);
	fab_model_destroy(m);
}

static void test_load_twice_equal(void **state)
{
	struct fab_model *a = load_file_ok(FULL), *b = load_file_ok(FULL);

	(void)state;
	assert_true(fab_model_equal(a, b));
	fab_model_destroy(a);
	fab_model_destroy(b);
	a = load_file_ok(EXAMPLE);
	b = load_file_ok(EXAMPLE);
	assert_true(fab_model_equal(a, b));
	fab_model_destroy(a);
	fab_model_destroy(b);
}

static void test_nonexistent_file(void **state)
{
	struct fab_config_errors e = {0};
	const char *path = "/nonexistent/peerlan.yaml";

	(void)state;
	assert_null(fab_config_load_file(path, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].file, path);
	assert_int_equal(e.v[0].line, 0);
	assert_non_null(strstr(e.v[0].msg, strerror(ENOENT)));
	fab_config_errors_clear(&e);
	assert_null(e.v);
	assert_int_equal(e.n, 0);
}

static void test_errors_print_format(void **state)
{
	struct fab_config_errors e = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_null(load("fabric: {name: x}\npolicy: {violation: nope}\n", &e));
	assert_int_equal(e.n, 1);
	fab_config_errors_print(&e, f);
	fclose(f);
	assert_string_equal(out, "test.yaml:2:21: invalid violation action 'nope'; valid values: "
				 "protect, restrict, shutdown\n");
	free(out);
	fab_config_errors_clear(&e);
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error("fabric:\n  name: t\nlans: [a, b\nports: []\n", 4, 0, "YAML syntax error");
	expect_error("fabric:\n  name: t\n\tlans: []\n", 3, 1, "YAML syntax error");
	expect_error("fabric: {name: t}\n---\nfabric: {name: u}\n", 3, 1, "second YAML document");
}

/* depth collections nested in one line under key x: maps {a: ...} or lists [...]. */
static char *nested(size_t depth, bool maps)
{
	const char *head = "fabric: {name: t}\nx: ";
	size_t hl = strlen(head), open = maps ? 4 : 1, len = hl + depth * (open + 1) + 3;
	char *s = malloc(len), *p;

	assert_non_null(s);
	memcpy(s, head, hl);
	p = s + hl;
	for (size_t i = 0; i < depth; i++, p += open)
		memcpy(p, maps ? "{a: " : "[", open);
	*p++ = '1';
	memset(p, maps ? '}' : ']', depth);
	p += depth;
	memcpy(p, "\n", 2);
	return s;
}

/* Deep nesting is refused at the first collection too deep, before the slow load. */
static void test_nesting_too_deep(void **state)
{
	struct fab_config_errors e = {0};
	const uint32_t at = FAB_CONFIG_DEPTH_MAX + 1; /* the root map is level 1 */
	char *text;

	(void)state;
	text = nested(50000, true);
	expect_error(text, 2, 4 + (at - 2) * 4, "nesting deeper than 64 levels");
	free(text);
	text = nested(100000, false);
	expect_error(text, 2, 4 + (at - 2), "nesting deeper than 64 levels");
	free(text);
	/* 200,000 levels in 400 KB: refused in time linear in the file, not its square. */
	{
		struct timespec t0, t1;

		text = nested(200000, false);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		expect_error(text, 2, 4 + (at - 2), "nesting deeper than 64 levels");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 <
			    2000);
		free(text);
	}
	/* At the limit, the file is read as usual (and x is an unknown key). */
	text = nested(FAB_CONFIG_DEPTH_MAX - 1, false);
	assert_null(load(text, &e));
	assert_true(e.n > 0);
	for (size_t i = 0; i < e.n; i++)
		assert_null(strstr(e.v[i].msg, "nesting"));
	fab_config_errors_clear(&e);
	free(text);
}

/* management.sync: HTTPS only, the map required, printed and read back the same. */
static void test_management_sync(void **state)
{
	static const char sync_head[] = "fabric: {name: t}\nmanagement:\n  sync:\n";
	struct fab_config_errors e = {0};
	struct fab_model *m;
	char *text;

	(void)state;
	text = cat2(sync_head, "    vlans: https://ixp.example.net/v.yaml\n"
			       "    interfaces: https://ixp.example.net/l.yaml\n"
			       "    map: /etc/peerlan/map.yaml\n    ca-file: /etc/peerlan/ca.pem\n"
			       "    interval: 60\n");
	m = load_ok(text);
	assert_string_equal(m->mgmt.sync.interfaces_url, "https://ixp.example.net/l.yaml");
	assert_int_equal(m->mgmt.sync.interval_s, 60);
	assert_int_equal(m->mgmt.sync.max_removal_pct, 10);
	assert_int_equal(fab_config_recheck(m, "printed", &e), 0);
	fab_model_destroy(m);
	free(text);

	text =
	    cat2(sync_head, "    vlans: http://ixp.example.net/v.yaml\n"
			    "    interfaces: https://ixp.example.net/l.yaml\n    map: /m.yaml\n");
	expect_error(text, 4, 12, "must be an https:// URL");
	free(text);
	text = cat2(sync_head, "    vlans: https://ixp.example.net/v.yaml\n"
			       "    interfaces: https://ixp.example.net/l.yaml\n");
	expect_error(text, 4, 5, "map");
	free(text);
}

/* Asserts that head followed by extra is rejected as expect_error() says. */
static void expect_error_after(const char *head, const char *extra, uint32_t line, uint32_t col,
			       const char *sub)
{
	char *text = cat2(head, extra);

	expect_error(text, line, col, sub);
	free(text);
}

/* A node's VTEP on its underlay port, remote VTEPs as ports, VNIs on LANs. */
static void test_vxlan(void **state)
{
	static const char head[] = "fabric: {name: t}\n"                          /* 1 */
				   "lans:\n"                                      /* 2 */
				   "  - {name: peering, vlan: 100, vni: 10100}\n" /* 3 */
				   "  - {name: other, vlan: 200}\n"               /* 4 */
				   "ports:\n"                                     /* 5 */
				   "  - name: u\n"                                /* 6 */
				   "    kind: underlay\n"                         /* 7 */
				   "    device: net_null0\n"                      /* 8 */
				   "    mtu: 1600\n"                              /* 9 */
				   "    vtep-address: 198.18.0.1\n"               /* 10 */
				   "    vtep-mac: 02:aa:00:00:00:01\n"            /* 11 */
				   "    next-hop-mac: 02:bb:00:00:00:01\n"        /* 12 */
				   "  - name: b\n"                                /* 13 */
				   "    kind: vtep\n"                             /* 14 */
				   "    remote: 198.18.0.2\n"                     /* 15 */
				   "    lans: [peering]\n";                       /* 16 */
	static const char member[] = "members:\n"                                 /* 17 */
				     "  - asn: 64501\n"                           /* 18 */
				     "    name: R\n"                              /* 19 */
				     "    connections:\n"                         /* 20 */
				     "      - port: b\n"                          /* 21 */
				     "        lans:\n"                            /* 22 */
				     "          - lan: peering\n"                 /* 23 */
				     "            macs: [02:00:00:00:00:21]\n";
	struct fab_config_errors e = {0};
	struct fab_model *m;
	struct fab_tables *t;
	char *text;

	(void)state;
	text = cat2(head, member);
	m = load_ok(text);
	assert_int_equal(m->lans[0].vni, 10100);
	assert_int_equal(m->ports[0].kind, FAB_PORT_UNDERLAY);
	assert_int_equal(m->ports[0].nlans, 0);
	assert_int_equal(m->ports[0].vxlan.address, 0xc6120001u);
	assert_int_equal(m->ports[0].vxlan.next_hop_mac, 0x02bb00000001ULL);
	assert_int_equal(m->ports[1].kind, FAB_PORT_VTEP);
	assert_int_equal(m->ports[1].mode, FAB_PORT_TRUNK);
	assert_string_equal(m->ports[1].device, "");
	assert_int_equal(m->ports[1].vxlan.address, 0xc6120002u);
	assert_int_equal(fab_config_recheck(m, "printed", &e), 0);
	t = fab_tables_build(m, 1);
	assert_non_null(t);
	fab_tables_destroy(t);
	fab_model_destroy(m);
	free(text);

	expect_error_after(head, "  - {name: c, kind: vtep, remote: 198.18.0.2, lans: [peering]}\n",
			   17, 5, "remote 198.18.0.2 is already VTEP port 'b' at line 13");
	expect_error_after(head, "  - {name: c, kind: vtep, remote: 198.18.0.1, lans: [peering]}\n",
			   17, 5, "remote 198.18.0.1 is this node's own VTEP address");
	expect_error_after(head, "  - {name: c, kind: vtep, remote: 198.18.0.3, lans: [other]}\n",
			   17, 5, "VTEP port 'c' carries LAN 'other', which has no 'vni'");
	expect_error_after(head,
			   "  - {name: c, kind: vtep, remote: 198.18.0.3, lans: [peering], "
			   "mtu: 1551}\n",
			   17, 5,
			   "MTU 1551 and VXLAN's 50 bytes exceed the underlay port's MTU 1600");
	expect_error_after(head, "  - {name: c, kind: vtep, remote: 224.0.0.1, lans: [peering]}\n",
			   17, 35, "'remote' '224.0.0.1' must be a unicast IPv4 address");
	expect_error_after(
	    head, "  - {name: c, kind: vtep, device: x, remote: 198.18.0.3, lans: [peering]}\n", 17,
	    35, "VTEP port 'c' has no device");
	expect_error_after(head, "  - {name: c, kind: vtep, lans: [peering]}\n", 17, 5,
			   "needs 'remote'");
	expect_error_after(head,
			   "  - {name: c, kind: underlay, device: y, vtep-address: 198.18.0.9, "
			   "vtep-mac: 02:aa:00:00:00:02, next-hop-mac: 02:bb:00:00:00:01}\n",
			   17, 5, "port 'c' is a second underlay port");
	expect_error_after(head, "  - {name: c, device: y, remote: 198.18.0.3, lans: [peering]}\n",
			   17, 34, "'remote' belongs to a port of kind vtep only");
	expect_error_after(head,
			   "members:\n  - asn: 64501\n    name: R\n    connections:\n"
			   "      - port: u\n        lans: []\n",
			   21, 15, "the underlay");
	/* Without an underlay port, a VTEP port has no way out. */
	expect_error("fabric: {name: t}\nlans: [{name: p, vlan: 1, vni: 1}]\nports:\n"
		     "  - {name: b, kind: vtep, remote: 198.18.0.2, lans: [p]}\n",
		     4, 5, "needs a port of kind underlay");
	expect_error("fabric: {name: t}\nlans:\n  - {name: p, vlan: 1, vni: 7}\n"
		     "  - {name: q, vlan: 2, vni: 7}\n",
		     4, 29, "VNI 7 is already used by LAN 'p' at line 3");
	expect_error("fabric: {name: t}\nlans: [{name: p, vlan: 1, vni: 16777216}]\n", 2, 32,
		     "VNI 16777216 is out of range");
}

static void test_empty_file(void **state)
{
	(void)state;
	expect_error("", 0, 0, "empty");
	expect_error("lans: []\n", 1, 1, "missing required key 'fabric' in the top level");
}

static void test_unknown_key_suggests(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            mca: [02:00:5e:10:00:02]\n", 42, 13,
			  "unknown key 'mca' in LAN binding; did you mean 'macs'?");
	expect_base_error("policy:\n  neighbour-policy: proxy\n", 37, 3,
			  "unknown key 'neighbour-policy' in policy; did you mean "
			  "'neighbor-policy'?");
	/* Nothing close: no suggestion. */
	expect_base_error("frobnicate: 1\n", 36, 1, "unknown key 'frobnicate' in the top level");
	expect_base_error("policy:\n  sponge: {ttl: 3}\n", 37, 12, "unknown key 'ttl' in sponge");
}

static void test_unknown_key_without_close_match(void **state)
{
	struct fab_config_errors e = {0};
	char *text = with_base("frobnicate: 1\n");

	(void)state;
	assert_null(load(text, &e));
	assert_int_equal(e.n, 1);
	assert_null(strstr(e.v[0].msg, "did you mean"));
	fab_config_errors_clear(&e);
	free(text);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_error("fabric:\n  name: t\n  name: u\n", 3, 3,
		     "duplicate key 'name' in fabric (first given at line 2)");
	expect_base_error("fabric: {name: u}\n", 36, 1, "duplicate key 'fabric' in the top level");
}

static void test_wrong_node_type(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: 02:00:5e:10:00:02\n", 42, 19,
			  "'macs' must be a list, not a single value");
	expect_base_error("policy: [1, 2]\n", 36, 9, "'policy' must be a mapping, not a list");
	expect_base_error(MEMBER_B "            macs: [[02:00:5e:10:00:02]]\n", 42, 20,
			  "MAC must be a single value, not a list");
	expect_error("fabric: {name: t}\nlans:\n  - peering\n", 3, 5,
		     "each entry of 'lans' must be a mapping, not a single value");
	expect_error("- a\n- b\n", 1, 1, "the configuration must be a mapping");
}

static void test_malformed_mac(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00]\n", 42, 20,
			  "malformed MAC address '02:00:5e:10:00'");
	expect_base_error(MEMBER_B "            macs: [\"02:00:5e:10:00:0g\"]\n", 42, 20,
			  "malformed MAC address");
}

static void test_special_macs(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: [01:00:5e:00:00:01]\n", 42, 20,
			  "MAC 01:00:5e:00:00:01 is a multicast address");
	expect_base_error(MEMBER_B "            macs: [ff:ff:ff:ff:ff:ff]\n", 42, 20,
			  "is the broadcast address");
	expect_base_error(MEMBER_B "            macs: [00:00:00:00:00:00]\n", 42, 20,
			  "is all zeros");
}

static void test_malformed_ip(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv4: [192.0.2.300]\n",
			  43, 20, "malformed IPv4 address '192.0.2.300'");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv6: [\"2001:db8:100::1::2\"]\n",
			  43, 20, "malformed IPv6 address");
}

/* A LAN with an RFC 7999 blackhole, and one member whose MAC and address lines 16, 17 end. */
#define BH_TEXT(bh, mac, ip)                                                                    \
	"fabric: {name: t}\nlans:\n  - name: a\n    vlan: 1\n    ipv4: 192.0.2.0/24\n"          \
	"    ipv6: 2001:db8::/64\n    blackhole: " bh "\nports:\n"                              \
	"  - {name: p1, device: net_null0, lans: [a]}\nmembers:\n  - asn: 64501\n    name: A\n" \
	"    connections:\n      - port: p1\n        lans:\n          - lan: a\n"               \
	"            macs: [" mac "]\n            ipv4: [" ip "]\n"
#define BH_OK "{mac: 02:00:5e:00:06:66, ipv4: 192.0.2.66, ipv6: \"2001:db8::666\"}"

static void test_blackhole(void **state)
{
	struct fab_model *m = load_ok(BH_TEXT(BH_OK, "02:00:5e:10:00:01", "192.0.2.1"));
	struct fab_model *m2;
	const struct fab_blackhole *bh = &m->lans[0].blackhole;
	struct fab_ip6 a6;
	char *text;
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(bh->mac, 0x02005e000666ULL);
	assert_int_equal(bh->ipv4, 0xc0000242);
	assert_true(bh->has_ipv6);
	assert_int_equal(fab_ip6_parse("2001:db8::666", &a6), 0);
	assert_memory_equal(&bh->ipv6, &a6, sizeof(a6));
	/* Printed and read back, it is the same. */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fab_config_print(m, f);
	fclose(f);
	m2 = load_ok(text);
	assert_true(fab_model_equal(m, m2));
	m2->lans[0].blackhole.ipv4++;
	assert_false(fab_model_equal(m, m2));
	free(text);
	fab_model_destroy(m2);
	fab_model_destroy(m);
	expect_error(BH_TEXT("{mac: 02:00:5e:00:06:66, ipv4: 198.51.100.66}", "02:00:5e:10:00:01",
			     "192.0.2.1"),
		     7, 0, "blackhole address 198.51.100.66 is outside LAN 'a'");
	expect_error(BH_TEXT("{mac: 02:00:5e:00:06:66}", "02:00:5e:10:00:01", "192.0.2.1"), 7, 0,
		     "needs an 'ipv4' or 'ipv6' next hop");
	expect_error(BH_TEXT("{ipv4: 192.0.2.66}", "02:00:5e:10:00:01", "192.0.2.1"), 7, 0,
		     "missing required key 'mac'");
	expect_error(
	    BH_TEXT("{mac: 01:00:5e:00:06:66, ipv4: 192.0.2.66}", "02:00:5e:10:00:01", "192.0.2.1"),
	    7, 0, "is a multicast address");
	expect_error(BH_TEXT(BH_OK, "02:00:5e:00:06:66", "192.0.2.1"), 17, 0,
		     "MAC 02:00:5e:00:06:66 of AS64501 is the blackhole MAC of LAN 'a'");
	expect_error(BH_TEXT(BH_OK, "02:00:5e:10:00:01", "192.0.2.66"), 18, 0,
		     "address 192.0.2.66 is already assigned at line 7");
}

/* A sub-rate port: rate in bit/s, burst by default 10 ms of it and at least a jumbo frame. */
static void test_rate_limit(void **state)
{
	struct fab_model *m;

	(void)state;
	m = load_ok(BH_TEXT(BH_OK, "02:00:5e:10:00:01", "192.0.2.1"));
	assert_int_equal(m->ports[0].rate_bps, 0);
	fab_model_destroy(m);
	m = load_ok("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		    "  - {name: p1, device: net_null0, lans: [a], rate-limit: {rate: 250000000}}\n"
		    "  - {name: p2, device: net_null1, lans: [a], rate-limit: {rate: 100000}}\n");
	assert_int_equal(m->ports[0].rate_bps, 250000000);
	assert_int_equal(m->ports[0].rate_burst, 312500);
	assert_int_equal(m->ports[1].rate_bps, 100000);
	assert_int_equal(m->ports[1].rate_burst, 9216 + 26);
	fab_model_destroy(m);
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p1, device: net_null0, lans: [a], rate-limit: {rate: 250M}}\n",
		     4, 0, "rate-limit rate '250M' must be bit/s");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p1, device: net_null0, lans: [a], rate-limit: {rate: 1000}}\n",
		     4, 0, "must be bit/s from 64000");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p1, device: net_null0, lans: [a], rate-limit: {rate: 1000000, "
		     "burst: 1500}}\n",
		     4, 0, "burst");
}

static void test_prefix_errors(void **state)
{
	(void)state;
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n    vlan: 1\n    ipv4: 192.0.2.1/24\n",
		     5, 11, "prefix 192.0.2.1/24 has host bits set; did you mean 192.0.2.0/24?");
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n    vlan: 1\n"
		     "    ipv6: 2001:db8:100::1/64\n",
		     5, 11, "did you mean 2001:db8:100::/64?");
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n    vlan: 1\n    ipv4: 192.0.2.0\n", 5,
		     11, "malformed IPv4 prefix '192.0.2.0'");
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n    vlan: 1\n    ipv4: 192.0.2.0/33\n",
		     5, 11, "malformed IPv4 prefix");
}

static void test_asn_errors(void **state)
{
	(void)state;
	expect_base_error("  - asn: AS64502\n    name: B\n", 36, 10,
			  "ASN must be a number, not 'AS64502'");
	expect_base_error("  - asn: 0\n    name: B\n", 36, 10,
			  "ASN 0 is out of range (1 to 4294967295)");
	expect_base_error("  - asn: 4294967296\n    name: B\n", 36, 10,
			  "ASN 4294967296 is out of range");
	expect_base_error("  - asn: 64501\n    name: B\n", 36, 10,
			  "AS64501 is already defined at line 27 (A)");
}

static void test_number_errors(void **state)
{
	(void)state;
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: ten}\n", 3, 21,
		     "VLAN id must be a number, not 'ten'");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: -1}\n", 3, 21,
		     "VLAN id must be a number");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 0x10}\n", 3, 21,
		     "VLAN id must be a number");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 4095}\n", 3, 21,
		     "VLAN id 4095 is out of range (1 to 4094)");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 0}\n", 3, 21,
		     "VLAN id 0 is out of range");
	expect_base_error("policy: {flap-dampening: {window: 99999999999}}\n", 36, 35,
			  "'window' 99999999999 is out of range");
	expect_base_error("policy: {sponge: {probes: 0}}\n", 36, 27, "'probes' 0 is out of range");
	expect_base_error("policy: {storm-control: {errdisable-after: 86401}}\n", 36, 44,
			  "'errdisable-after' 86401 is out of range");
	expect_base_error("policy: {sponge: {enabled: maybe}}\n", 36, 28,
			  "'enabled' must be true or false, not 'maybe'");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p, device: d, lans: [a], mtu: 575}\n",
		     4, 42, "MTU 575 is out of range (576 to 9216)");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p, device: d, lans: [a], mtu: 9217}\n",
		     4, 42, "MTU 9217 is out of range");
}

static void test_enum_errors(void **state)
{
	(void)state;
	expect_base_error("policy: {violation: kill}\n", 36, 21,
			  "invalid violation action 'kill'; valid values: protect, restrict, "
			  "shutdown");
	expect_base_error("policy: {neighbor-policy: flood}\n", 36, 27,
			  "valid values: steer, proxy");
	expect_base_error("policy: {sponge: {init-state: static}}\n", 36, 31,
			  "valid values: alive, dead, pending");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1, kind: transit}]\n", 2, 33,
		     "invalid LAN kind 'transit'; valid values: peering, quarantine");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p, device: d, lans: [a], mode: hybrid, kind: edge, admin: off}\n",
		     4, 43, "invalid port mode 'hybrid'; valid values: access, trunk");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p, device: d, lans: [a], kind: spine}\n",
		     4, 43, "invalid port kind 'spine'; valid values: edge, core");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n"
		     "  - {name: p, device: d, lans: [a], admin: off}\n",
		     4, 44, "invalid admin state 'off'; valid values: up, down");
}

static void test_missing_required(void **state)
{
	(void)state;
	expect_error("fabric: {}\n", 1, 9, "missing required key 'name' in fabric");
	expect_error("fabric: {name: t}\nlans:\n  - vlan: 1\n", 3, 5,
		     "missing required key 'name' in LAN");
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n", 3, 5,
		     "missing required key 'vlan' in LAN");
	expect_error("fabric: {name: t}\nlans:\n  - name: a\n    vlan:\n", 4, 5,
		     "'vlan' in LAN has no value");
	expect_error("fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n  - name: p9\n"
		     "    lans: [a]\n",
		     4, 5, "port 'p9' needs 'device' (one link) or 'lag' (several)");
	expect_error("fabric: {name: t}\nports:\n  - name: p9\n    device: net_null9\n", 3, 5,
		     "missing required key 'lans' in port");
	expect_base_error("  - name: B\n", 36, 5, "missing required key 'asn' in member");
	expect_base_error("  - asn: 64502\n", 36, 5, "missing required key 'name' in member");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - lans: []\n", 39,
			  9, "missing required key 'port' in connection");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p2\n", 39,
			  9, "missing required key 'lans' in connection");
	expect_base_error(MEMBER_B "            ipv4: [192.0.2.12]\n"
				   "          - macs: [02:00:5e:10:00:02]\n",
			  41, 13, "missing required key 'macs' in LAN binding");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "          - macs: [02:00:5e:10:00:03]\n",
			  43, 13, "missing required key 'lan' in LAN binding");
}

/* A port or LAN added at the end of the base's list: these texts replace it. */
static const char lans_head[] = "fabric: {name: t}\n"       /* 1 */
				"lans:\n"                   /* 2 */
				"  - {name: a, vlan: 1}\n"; /* 3 */

static void expect_lans_error(const char *extra, uint32_t line, uint32_t col, const char *sub)
{
	char *text = cat2(lans_head, extra);

	expect_error(text, line, col, sub);
	free(text);
}

/*
 * A LAN's MTU: 1500 unless given, 576 to 9216, and the default of the
 * ports that carry it (the largest of their LANs'), which may set their own.
 */
static void test_lan_mtu(void **state)
{
	static const char text[] =
	    "fabric: {name: t}\n"
	    "lans:\n  - {name: std, vlan: 100}\n  - {name: jumbo, vlan: 200, mtu: 9000}\n"
	    "ports:\n"
	    "  - {name: p1, device: d1, lans: [std]}\n"
	    "  - {name: p2, device: d2, lans: [jumbo]}\n"
	    "  - {name: p3, device: d3, mode: trunk, lans: [std, jumbo]}\n"
	    "  - {name: p4, device: d4, lans: [jumbo], mtu: 1500}\n";
	struct fab_config_errors e = {0};
	struct fab_model *m = load(text, &e);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->lans[0].mtu, 1500);
	assert_int_equal(m->lans[1].mtu, 9000);
	assert_int_equal(m->ports[0].mtu, 1500);
	assert_int_equal(m->ports[1].mtu, 9000);
	assert_int_equal(m->ports[2].mtu, 9000);
	assert_int_equal(m->ports[3].mtu, 1500);
	fab_model_destroy(m);
	fab_config_errors_clear(&e);
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 1, mtu: 9217}\n", 3, 29,
		     "LAN MTU 9217 is out of range (576 to 9216)");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 1, mtu: 575}\n", 3, 29,
		     "LAN MTU 575 is out of range");
	expect_error("fabric: {name: t}\nlans:\n  - {name: a, vlan: 1, mtu: jumbo}\n", 3, 29,
		     "LAN MTU must be a number");
}

static void test_lan_defined_twice(void **state)
{
	(void)state;
	expect_lans_error("  - {name: a, vlan: 2}\n", 4, 12,
			  "LAN 'a' is already defined at line 3");
	expect_lans_error("  - {name: b, vlan: 1}\n", 4, 21,
			  "VLAN 1 is already used by LAN 'a' at line 3");
}

static void test_lan_names_checked(void **state)
{
	(void)state;
	expect_lans_error("  - {name: \"a b\", vlan: 2}\n", 4, 12,
			  "LAN name 'a b' may contain only letters, digits");
	expect_lans_error("  - {name: \"\", vlan: 2}\n", 4, 12, "LAN name must not be empty");
	expect_lans_error("  - {name: "
			  "a123456789012345678901234567890123456789012345678901234567890123, "
			  "vlan: 2}\n",
			  4, 12, "LAN name is too long (64 bytes; at most 63)");
}

static void test_port_errors(void **state)
{
	(void)state;
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: [a]}\n"
			  "  - {name: p, device: e, lans: [a]}\n",
			  6, 12, "port 'p' is already defined at line 5");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: [a]}\n"
			  "  - {name: q, device: d, lans: [a]}\n",
			  6, 23, "device of port 'q' is already used by port 'p' at line 5");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: [a, nope]}\n",
			  5, 36, "port 'p' refers to LAN 'nope', which is not defined");
	expect_lans_error("  - {name: b, vlan: 2}\nports:\n"
			  "  - {name: p, device: d, lans: [a, b]}\n",
			  6, 32, "access port 'p' must carry exactly one LAN, not 2");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: []}\n",
			  5, 32, "port 'p' carries no LAN");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, mode: trunk, lans: [a, a]}\n",
			  5, 49, "LAN 'a' is listed twice on port 'p'");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: \"\", lans: [a]}\n",
			  5, 23, "device of port 'p' is empty");
	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: [a], description: \"x\\ny\"}\n",
			  5, 50, "description contains a control character");
}

/* A LAG port: its links and settings, defaults, the printed form, and every error with its place. */
static void test_lag(void **state)
{
	char *text =
	    cat2(lans_head, "ports:\n"
			    "  - name: g\n"
			    "    lag: {links: [\"net_af_packet0,iface=a\", \"0000:03:00.1\"],\n"
			    "          lacp: passive, rate: slow, min-links: 2, hash: l34}\n"
			    "    lans: [a]\n"
			    "  - {name: h, lag: {links: [x]}, lans: [a]}\n"
			    "  - {name: p, device: d, lans: [a]}\n");
	struct fab_model *m = load_ok(text);
	const struct fab_port *g, *h;

	(void)state;
	g = &m->ports[0];
	h = &m->ports[1];
	assert_true(fab_port_is_lag(g));
	assert_false(fab_port_is_lag(&m->ports[2]));
	assert_int_equal(g->lag.nlinks, 2);
	assert_string_equal(g->lag.links[1], "0000:03:00.1");
	assert_int_equal(g->lag.lacp, FAB_LACP_PASSIVE);
	assert_int_equal(g->lag.rate, FAB_LACP_SLOW);
	assert_int_equal(g->lag.min_links, 2);
	assert_int_equal(g->lag.hash, FAB_LAG_HASH_L34);
	/* Defaults: active, fast, min-links 1, layer 2+3. */
	assert_int_equal(h->lag.lacp, FAB_LACP_ACTIVE);
	assert_int_equal(h->lag.rate, FAB_LACP_FAST);
	assert_int_equal(h->lag.min_links, 1);
	assert_int_equal(h->lag.hash, FAB_LAG_HASH_L23);
	free(round_trip(m));
	{
		/* Links and min-links change live; LACP mode, rate and hash, or a
		 * plain port becoming a LAG, need a restart. */
		static const char *const live[] = {"[\"0000:03:00.1\", \"0000:03:00.2\"]",
						   "[x, y]"};
		static const struct {
			const char *from, *to;
		} fixed[] = {
		    {"lacp: passive", "lacp: active"},
		    {"hash: l34", "hash: l2"},
		    {"{name: p, device: d, lans: [a]}", "{name: p, lag: {links: [d]}, lans: [a]}"}};
		char buf[512];

		for (size_t i = 0; i < 2; i++) {
			char *t2 = strdup(text), *at;
			struct fab_model *b;

			assert_non_null(t2);
			at = strstr(t2, i == 0 ? "[\"net_af_packet0,iface=a\", \"0000:03:00.1\"]"
					       : "[x]");
			assert_non_null(at);
			{
				const char *tail = strchr(at, ']') + 1;
				char *n = malloc(strlen(t2) + 64);

				assert_non_null(n);
				snprintf(n, strlen(t2) + 64, "%.*s%s%s", (int)(at - t2), t2,
					 live[i], tail);
				free(t2);
				t2 = n;
			}
			b = load_ok(t2);
			assert_int_equal(fab_model_restart_text(m, b, false, buf, sizeof(buf)), 0);
			fab_model_destroy(b);
			free(t2);
		}
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			char *at = strstr(text, fixed[i].from), *t2;
			struct fab_model *b;
			size_t n = strlen(text) + 64;

			assert_non_null(at);
			t2 = malloc(n);
			assert_non_null(t2);
			snprintf(t2, n, "%.*s%s%s", (int)(at - text), text, fixed[i].to,
				 at + strlen(fixed[i].from));
			b = load_ok(t2);
			assert_int_equal(fab_model_restart_text(m, b, false, buf, sizeof(buf)), 1);
			fab_model_destroy(b);
			free(t2);
		}
	}
	fab_model_destroy(m);
	free(text);

	expect_lans_error("ports:\n"
			  "  - {name: p, device: d, lans: [a]}\n"
			  "  - name: g\n"
			  "    lag: {links: [d, e]}\n"
			  "    lans: [a]\n",
			  7, 19, "link 'd' of LAG 'g' is already used by port 'p' at line 5");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    lag: {links: [e, e]}\n"
			  "    lans: [a]\n",
			  6, 22, "link 'e' is listed twice in LAG 'g'");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    lag: {links: [e, f]}\n"
			  "    lans: [a]\n"
			  "  - {name: q, device: f, lans: [a]}\n",
			  8, 23, "device of port 'q' is already used by port 'g' at line 6");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    lag: {links: []}\n"
			  "    lans: [a]\n",
			  6, 18, "LAG 'g' has no links");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    lag: {links: [e, f], min-links: 3}\n"
			  "    lans: [a]\n",
			  6, 37, "min-links 3 of LAG 'g' is more than its 2 link(s)");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    lag: {links: [e], lacp: sometimes}\n"
			  "    lans: [a]\n",
			  6, 29, "invalid LACP mode 'sometimes'");
	expect_lans_error("ports:\n"
			  "  - name: g\n"
			  "    device: d\n"
			  "    lag: {links: [e]}\n"
			  "    lans: [a]\n",
			  7, 10, "port 'g' has both 'device' and 'lag'");
}

static void test_connection_errors(void **state)
{
	(void)state;
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p7\n"
			  "        lans: []\n",
			  39, 15, "AS64502 is connected to port 'p7', which is not defined");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p1\n"
			  "        lans:\n          - lan: peering\n"
			  "            macs: [02:00:5e:10:00:02]\n",
			  39, 15,
			  "edge port 'p1' is already used by AS64501 at line 30; only core ports");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "      - port: p2\n        lans: []\n",
			  43, 15, "AS64502 already has a connection on port 'p2' at line 39");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p2\n"
			  "        lans: []\n",
			  40, 15, "connection of AS64502 on port 'p2' has no LAN");
}

static void test_core_port_carries_several_members(void **state)
{
	char *text = with_base("  - asn: 64502\n    name: B\n    connections:\n      - port: core\n"
			       "        lans:\n          - lan: peering\n"
			       "            macs: [02:00:5e:10:00:02]\n"
			       "  - asn: 64503\n    name: C\n    connections:\n      - port: core\n"
			       "        lans:\n          - lan: quarantine\n"
			       "            macs: [02:00:5e:10:00:03]\n");
	struct fab_model *m = load_ok(text);

	(void)state;
	assert_int_equal(m->nmembers, 3);
	assert_int_equal(m->members[1].conns[0].port, m->members[2].conns[0].port);
	fab_model_destroy(m);
	free(text);
}

static void test_binding_errors(void **state)
{
	(void)state;
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p2\n"
			  "        lans:\n          - lan: quarantine\n"
			  "            macs: [02:00:5e:10:00:02]\n",
			  41, 18, "port 'p2' does not carry LAN 'quarantine'");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: p2\n"
			  "        lans:\n          - lan: nowhere\n"
			  "            macs: [02:00:5e:10:00:02]\n",
			  41, 18, "LAN 'nowhere' is not defined");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "          - lan: peering\n"
				   "            macs: [02:00:5e:10:00:02]\n",
			  43, 18, "LAN 'peering' appears twice in this connection of AS64502");
	expect_base_error(MEMBER_B "            macs: []\n", 42, 19,
			  "AS64502 has no MAC address on LAN 'peering'");
}

static void test_mac_conflicts(void **state)
{
	char *text;
	struct fab_model *m;

	(void)state;
	/* Two members. */
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:01]\n", 42, 20,
			  "MAC 02:00:5e:10:00:01 is already assigned to AS64501 (A) at line 33");
	/* The same member on two ports. */
	expect_base_error(
	    "  - asn: 64502\n    name: B\n    connections:\n      - port: p2\n"
	    "        lans:\n          - lan: peering\n"
	    "            macs: [02:00:5e:10:00:02]\n"
	    "      - port: core\n        lans:\n          - lan: peering\n"
	    "            macs: [02:00:5e:10:00:02]\n",
	    46, 20, "MAC 02:00:5e:10:00:02 of AS64502 is already used on port 'p2' at line 42");
	/* The same MAC twice in one binding. */
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02, 0200.5e10.0002]\n", 42,
			  39, "MAC 02:00:5e:10:00:02 is listed twice (first at line 42)");
	/* Fine: one MAC in two LANs of one connection. */
	text = with_base("  - asn: 64502\n    name: B\n    connections:\n      - port: trunk\n"
			 "        lans:\n          - lan: peering\n"
			 "            macs: [02:00:5e:10:00:02]\n"
			 "          - lan: quarantine\n"
			 "            macs: [02:00:5e:10:00:02]\n");
	m = load_ok(text);
	assert_int_equal(m->members[1].conns[0].nbindings, 2);
	fab_model_destroy(m);
	free(text);
}

static void test_ip_placement(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv4: [198.51.100.1]\n",
			  43, 20, "address 198.51.100.1 is outside LAN 'peering' (192.0.2.0/24)");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv6: [\"2001:db8:101::1\"]\n",
			  43, 20,
			  "address 2001:db8:101::1 is outside LAN 'peering' (2001:db8:100::/64)");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: trunk\n"
			  "        lans:\n          - lan: quarantine\n"
			  "            macs: [02:00:5e:10:00:02]\n"
			  "            ipv4: [198.51.100.1]\n",
			  43, 20, "LAN 'quarantine' has no IPv4 prefix");
	expect_base_error("  - asn: 64502\n    name: B\n    connections:\n      - port: trunk\n"
			  "        lans:\n          - lan: quarantine\n"
			  "            macs: [02:00:5e:10:00:02]\n"
			  "            ipv6: [\"2001:db8:101::1\"]\n",
			  43, 20, "LAN 'quarantine' has no IPv6 prefix");
}

static void test_ip_assigned_twice(void **state)
{
	(void)state;
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv4: [192.0.2.11]\n",
			  43, 20, "address 192.0.2.11 is already assigned at line 34");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv6: [\"2001:db8:100:0::11\"]\n",
			  43, 20, "address 2001:db8:100:0::11 is already assigned at line 35");
	expect_base_error(MEMBER_B "            macs: [02:00:5e:10:00:02]\n"
				   "            ipv4: [192.0.2.12, 192.0.2.12]\n",
			  43, 32, "address 192.0.2.12 is already assigned at line 43");
}

static void test_sponge_mac(void **state)
{
	(void)state;
	expect_base_error("policy: {sponge: {mac: 03:00:5e:00:00:fe}}\n", 36, 24,
			  "sponge MAC 03:00:5e:00:00:fe is a multicast address");
	expect_base_error("policy: {sponge: {mac: 00:00:00:00:00:00}}\n", 36, 24,
			  "sponge MAC 00:00:00:00:00:00 is all zeros");
	expect_base_error("policy: {sponge: {mac: 02:00:5e:10:00:01}}\n", 33, 20,
			  "MAC 02:00:5e:10:00:01 of AS64501 is the sponge's MAC");
	/* The default sponge MAC is reserved too. */
	expect_base_error(MEMBER_B "            macs: [02:00:5e:00:00:fe]\n", 42, 20,
			  "is the sponge's MAC");
}

static void test_ethertypes(void **state)
{
	(void)state;
	expect_base_error("policy: {ethertypes: []}\n", 36, 22, "'ethertypes' is empty");
	expect_base_error("policy: {ethertypes: [0x0800, 0x05dc]}\n", 36, 31,
			  "EtherType 0x05dc is below 0x0600");
	expect_base_error("policy: {ethertypes: [0x0800, 0x0800]}\n", 36, 31,
			  "EtherType 0x0800 is listed twice");
	expect_base_error("policy: {ethertypes: [0x0800, 0x10000]}\n", 36, 31,
			  "EtherType 0x10000 is out of range");
	expect_base_error("policy: {ethertypes: [0x0800, 0xzz]}\n", 36, 31,
			  "EtherType must be a decimal or 0x hex number, not '0xzz'");
	expect_base_error("policy:\n  ethertypes: [0x0800, 0x0806, 0x86dd, 0x0801, 0x0802, 0x0803, "
			  "0x0804, 0x0805, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x080c, "
			  "0x080d, 0x080e, 0x080f]\n",
			  37, 144, "too many EtherTypes (at most 16)");
}

static void test_management(void **state)
{
	(void)state;
	expect_base_error("management: {metrics: localhost}\n", 36, 23,
			  "'metrics' must be ADDRESS:PORT");
	expect_base_error("management: {metrics: \"127.0.0.1:0\"}\n", 36, 23,
			  "'metrics' must be ADDRESS:PORT");
	expect_base_error("management: {cli-socket: run/cli.sock}\n", 36, 26,
			  "'cli-socket' 'run/cli.sock' must be an absolute path");
	expect_base_error(
	    "management:\n  control-socket: /run/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	    37, 19, "'control-socket' is too long");
}

/* Names and descriptions are shown on the NOC's terminal: no control characters. */
static void test_control_characters_rejected(void **state)
{
	(void)state;
	expect_base_error("  - asn: 64502\n    name: \"B\\nforged: line\"\n", 37, 11,
			  "member name contains a control character");
	expect_base_error("  - asn: 64502\n    name: \"B\\e[2J\"\n", 37, 11,
			  "member name contains a control character");
	expect_base_error("  - asn: 64502\n    name: \"B\\0C\"\n", 37, 11,
			  "member name contains a NUL character");
	expect_base_error("  - asn: 64502\n    name: \"B\\tC\"\n", 37, 11, "control character");
}

static void test_several_errors_all_reported_sorted(void **state)
{
	struct fab_config_errors e = {0};
	static const char text[] = "fabric: {name: t}\n"                    /* 1 */
				   "members:\n"                             /* 2 */
				   "  - asn: 64501\n"                       /* 3 */
				   "    name: A\n"                          /* 4 */
				   "    connections:\n"                     /* 5 */
				   "      - port: p9\n"                     /* 6 */
				   "        lans: []\n"                     /* 7 */
				   "lans:\n"                                /* 8 */
				   "  - {name: a, vlan: 5000}\n"            /* 9 */
				   "policy: {violation: maybe, flap: 1}\n"; /* 10 */

	(void)state;
	assert_null(load(text, &e));
	if (e.n != 4)
		fab_config_errors_print(&e, stderr);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.v[0].line, 6);
	assert_non_null(strstr(e.v[0].msg, "port 'p9', which is not defined"));
	assert_int_equal(e.v[1].line, 9);
	assert_non_null(strstr(e.v[1].msg, "VLAN id 5000"));
	assert_int_equal(e.v[2].line, 10);
	assert_int_equal(e.v[2].col, 21);
	assert_non_null(strstr(e.v[2].msg, "violation action 'maybe'"));
	assert_int_equal(e.v[3].line, 10);
	assert_int_equal(e.v[3].col, 28);
	assert_non_null(strstr(e.v[3].msg, "unknown key 'flap' in policy"));
	fab_config_errors_clear(&e);
}

static void test_too_many_lans(void **state)
{
	size_t cap = 64 + (FAB_LANS_MAX + 1) * 32, o;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "fabric: {name: t}\nlans:\n");
	for (int i = 0; i <= FAB_LANS_MAX; i++)
		o += (size_t)snprintf(text + o, cap - o, "  - {name: l%d, vlan: %d}\n", i, i + 1);
	/* Entry FAB_LANS_MAX (0-based) sits on line FAB_LANS_MAX + 3. */
	expect_error(text, FAB_LANS_MAX + 3, 5, "too many LANs (at most 256)");
	free(text);
}

static void test_too_many_ports(void **state)
{
	size_t cap = 128 + (FAB_PORTS_MAX + 1) * 64, o;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "fabric: {name: t}\nlans: [{name: a, vlan: 1}]\nports:\n");
	for (int i = 0; i <= FAB_PORTS_MAX; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "  - {name: p%d, device: net_null%d, lans: [a]}\n", i, i);
	expect_error(text, FAB_PORTS_MAX + 4, 5, "too many ports (at most 1024)");
	free(text);
}

/* Errors from two loads into one list stay, and each load reports its own failure. */
static void test_errors_accumulate(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m;

	(void)state;
	assert_null(load("fabric: {name: t}\npolicy: {violation: x}\n", &e));
	assert_int_equal(e.n, 1);
	m = load(base, &e);
	assert_non_null(m);
	assert_int_equal(e.n, 1);
	fab_model_destroy(m);
	fab_config_errors_clear(&e);
	fab_config_errors_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_loads),
	    cmocka_unit_test(test_example_loads),
	    cmocka_unit_test(test_doc_shows_example),
	    cmocka_unit_test(test_full_config_fields),
	    cmocka_unit_test(test_round_trip_example),
	    cmocka_unit_test(test_round_trip_full),
	    cmocka_unit_test(test_round_trip_defaults_and_edges),
	    cmocka_unit_test(test_round_trip_ipv6_ending_in_colons),
	    cmocka_unit_test(test_load_twice_equal),
	    cmocka_unit_test(test_nonexistent_file),
	    cmocka_unit_test(test_errors_print_format),
	    cmocka_unit_test(test_yaml_syntax_error),
	    cmocka_unit_test(test_nesting_too_deep),
	    cmocka_unit_test(test_management_sync),
	    cmocka_unit_test(test_vxlan),
	    cmocka_unit_test(test_vxlan),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_unknown_key_suggests),
	    cmocka_unit_test(test_unknown_key_without_close_match),
	    cmocka_unit_test(test_duplicate_key),
	    cmocka_unit_test(test_wrong_node_type),
	    cmocka_unit_test(test_malformed_mac),
	    cmocka_unit_test(test_special_macs),
	    cmocka_unit_test(test_malformed_ip),
	    cmocka_unit_test(test_prefix_errors),
	    cmocka_unit_test(test_blackhole),
	    cmocka_unit_test(test_rate_limit),
	    cmocka_unit_test(test_asn_errors),
	    cmocka_unit_test(test_number_errors),
	    cmocka_unit_test(test_enum_errors),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_lan_defined_twice),
	    cmocka_unit_test(test_lan_mtu),
	    cmocka_unit_test(test_lan_names_checked),
	    cmocka_unit_test(test_port_errors),
	    cmocka_unit_test(test_lag),
	    cmocka_unit_test(test_connection_errors),
	    cmocka_unit_test(test_core_port_carries_several_members),
	    cmocka_unit_test(test_binding_errors),
	    cmocka_unit_test(test_mac_conflicts),
	    cmocka_unit_test(test_ip_placement),
	    cmocka_unit_test(test_ip_assigned_twice),
	    cmocka_unit_test(test_sponge_mac),
	    cmocka_unit_test(test_ethertypes),
	    cmocka_unit_test(test_management),
	    cmocka_unit_test(test_control_characters_rejected),
	    cmocka_unit_test(test_several_errors_all_reported_sorted),
	    cmocka_unit_test(test_too_many_lans),
	    cmocka_unit_test(test_too_many_ports),
	    cmocka_unit_test(test_errors_accumulate),
	    cmocka_unit_test(test_sflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
