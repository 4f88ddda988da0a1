/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-snmp's view (sorted objects, GET and GETNEXT) and what it builds
 * from control's answers: ifIndexes kept in the state file across
 * reordered and added ports, discontinuities, ifLastChange, frozen
 * counters without a dataplane, the forwarding tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/snmp/snmp_mib.h"

#define IFX       1, 3, 6, 1, 2, 1, 31, 1, 1, 1
#define IFE       1, 3, 6, 1, 2, 1, 2, 2, 1
#define N_OIDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct snmp_obj *get(const struct snmp_view *v, const oid *name, size_t len)
{
	return snmp_view_get(v, name, len);
}
#define GET(v, ...) \
	get(v, (const oid[]){__VA_ARGS__}, sizeof((const oid[]){__VA_ARGS__}) / sizeof(oid))

static void view_sorted_get_next(void **state)
{
	struct snmp_view *v = snmp_view_create();
	const oid a[] = {1, 3, 6, 2}, b[] = {1, 3, 6, 10}, c[] = {1, 3, 6, 10, 1}, idx[] = {5};
	const struct snmp_obj *o;

	(void)state;
	assert_int_equal(snmp_view_u64(v, b, 4, NULL, 0, ASN_COUNTER64, 7), 0);
	assert_int_equal(snmp_view_str(v, c, 5, idx, 1, "p1", 2), 0);
	assert_int_equal(snmp_view_int(v, a, 4, NULL, 0, ASN_INTEGER, -3), 0);
	assert_int_equal(snmp_view_seal(v), 0);
	assert_int_equal(snmp_view_count(v), 3);
	o = GET(v, 1, 3, 6, 10);
	assert_non_null(o);
	assert_int_equal(o->v.u, 7);
	assert_null(GET(v, 1, 3, 6, 10, 1)); /* a prefix of an object is not it */
	/* Next: 1.3.6.10 sorts after 1.3.6.2 (numbers, not text). */
	o = snmp_view_next(v, (const oid[]){1, 3}, 2);
	assert_int_equal(o->v.i, -3);
	o = snmp_view_next(v, a, 4);
	assert_int_equal(o->v.u, 7);
	o = snmp_view_next(v, (const oid[]){1, 3, 6, 10, 1}, 5);
	assert_int_equal(o->type, ASN_OCTET_STR);
	assert_memory_equal(snmp_view_text(v, o), "p1", 2);
	assert_null(snmp_view_next(v, o->name, o->len));
	assert_null(snmp_view_next(NULL, a, 4));
	snmp_view_destroy(v);
}

static void view_refuses_bad_objects(void **state)
{
	struct snmp_view *v = snmp_view_create();
	oid longname[SNMP_OID_MAX + 1] = {1};

	(void)state;
	assert_int_equal(snmp_view_int(v, longname, SNMP_OID_MAX, longname, 1, ASN_INTEGER, 1),
			 -ENAMETOOLONG);
	assert_int_equal(snmp_view_int(v, longname, 3, NULL, 0, ASN_INTEGER, 1), 0);
	assert_int_equal(snmp_view_int(v, longname, 3, NULL, 0, ASN_INTEGER, 2), 0);
	assert_int_equal(snmp_view_seal(v), -EEXIST);
	snmp_view_destroy(v);
	snmp_view_destroy(NULL);
}

struct fx {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/pl-snmpunit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ifindex", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A show ports answer: each port "name:oper:rx_octets" (rx < 0: no counters). */
static json_t *ports_json(const char *const *spec, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char name[32], oper[16];
		long long rx;
		json_t *p;

		assert_int_equal(sscanf(spec[i], "%31[^:]:%15[^:]:%lld", name, oper, &rx), 3);
		p = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:[{s:i, s:s}], s:[{s:s, s:i}]}",
			      "name", name, "description", "", "admin", "up", "oper", oper, "mtu",
			      1500, "speed_mbps", 100000, "members", "asn", 64500 + (int)i, "name",
			      "Member", "lans", "lan", "peering", "vlan", 100);
		/* The first port's MAC address is known, the others' are not. */
		if (i == 0)
			json_object_set_new(p, "mac_address", json_string("02:fd:00:00:00:01"));
		if (rx >= 0) {
			json_object_set_new(p, "counters",
					    json_pack("{s:I, s:I}", "rx_octets", (json_int_t)rx,
						      "tx_octets", (json_int_t)(2 * rx)));
			json_object_set_new(p, "drop_reasons", json_pack("{s:I}", "runt", 3));
		}
		json_array_append_new(a, p);
	}
	return json_pack("{s:o}", "ports", a);
}

static json_t *status_json(long long up)
{
	return json_pack("{s:{s:I}}", "dataplane", "uptime_s", (json_int_t)up);
}

/* A view from a show ports answer made of spec, and macs and lags (taken). */
static struct snmp_view *build_all(struct snmp_mib *m, const char *const *spec, size_t n,
				   json_t *macs, json_t *lags, long long up, uint32_t ticks)
{
	json_t *p = ports_json(spec, n), *s = status_json(up);
	char err[256] = "";
	struct snmp_view *v = snmp_mib_build(m, p, macs, s, lags, ticks, err, sizeof(err));

	assert_non_null(v);
	assert_string_equal(err, "");
	json_decref(p);
	json_decref(s);
	json_decref(lags);
	return v;
}

static struct snmp_view *build(struct snmp_mib *m, const char *const *spec, size_t n, json_t *macs,
			       long long up, uint32_t ticks)
{
	return build_all(m, spec, n, macs, NULL, up, ticks);
}

static uint64_t val(const struct snmp_view *v, oid col, uint32_t ifindex, bool ifx)
{
	oid n[SNMP_OID_MAX] = {IFE}, x[] = {IFX};
	size_t len = 9;
	const struct snmp_obj *o;

	if (ifx) {
		memcpy(n, x, sizeof(x));
		len = 10;
	}
	n[len] = col;
	n[len + 1] = ifindex;
	o = snmp_view_get(v, n, len + 2);
	assert_non_null(o);
	return o->v.u;
}

static void ifindex_kept_across_reorder_and_restart(void **state)
{
	struct fx *f = *state;
	char err[256];
	static const char *const first[] = {"p1:up:10", "p2:up:20"};
	static const char *const later[] = {"p0:up:0", "p2:up:20", "p1:up:10", "p9:up:0"};
	struct snmp_mib *m = snmp_mib_create(f->path, err, sizeof(err));
	struct snmp_view *v = build(m, first, 2, NULL, 100, 100);

	assert_int_equal(snmp_mib_ifindex(m, "p1"), 1);
	assert_int_equal(snmp_mib_ifindex(m, "p2"), 2);
	assert_int_equal(val(v, 6, 2, true), 20);  /* ifHCInOctets */
	assert_int_equal(val(v, 10, 2, true), 40); /* ifHCOutOctets */
	{ /* ifPhysAddress: the 6 bytes of the address, empty when not known */
		const struct snmp_obj *o1 = GET(v, IFE, 6, 1), *o2 = GET(v, IFE, 6, 2);

		assert_non_null(o1);
		assert_int_equal(o1->slen, 6);
		assert_memory_equal(snmp_view_text(v, o1), "\x02\xfd\x00\x00\x00\x01", 6);
		assert_non_null(o2);
		assert_int_equal(o2->slen, 0);
	}
	snmp_view_destroy(v);
	snmp_mib_destroy(m);

	/* Another process, another order, a port before and one after. */
	m = snmp_mib_create(f->path, err, sizeof(err));
	assert_non_null(m);
	v = build(m, later, 4, NULL, 100, 100);
	assert_int_equal(snmp_mib_ifindex(m, "p1"), 1);
	assert_int_equal(snmp_mib_ifindex(m, "p2"), 2);
	assert_int_equal(snmp_mib_ifindex(m, "p0"), 3);
	assert_int_equal(snmp_mib_ifindex(m, "p9"), 4);
	assert_int_equal(val(v, 6, 1, true), 10);
	{
		const struct snmp_obj *o = GET(v, 1, 3, 6, 1, 2, 1, 2, 1, 0);

		assert_non_null(o);
		assert_int_equal(o->v.i, 4); /* ifNumber */
	}
	snmp_view_destroy(v);
	snmp_mib_destroy(m);
}

static void bad_state_file_refused(void **state)
{
	struct fx *f = *state;
	char err[256] = "";
	FILE *o = fopen(f->path, "w");

	fputs("1 p1\n1 p2\n", o);
	fclose(o);
	assert_null(snmp_mib_create(f->path, err, sizeof(err)));
	assert_non_null(strstr(err, "ifIndex 1 given twice"));
	o = fopen(f->path, "w");
	fputs("1 p1\nx\n", o);
	fclose(o);
	assert_null(snmp_mib_create(f->path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2:"));
}

static void discontinuity_last_change_and_frozen_counters(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct snmp_mib *m = snmp_mib_create(f->path, err, sizeof(err));
	static const char *const a[] = {"p1:up:1000", "p2:up:50"};
	static const char *const b[] = {"p1:down:2000", "p2:up:60"};
	static const char *const nodp[] = {"p1:unknown:-1", "p2:unknown:-1"};
	static const char *const back[] = {"p1:up:5", "p2:up:7"};
	static const char *const lower[] = {"p1:up:6", "p2:up:3"};
	struct snmp_view *v = build(m, a, 2, NULL, 10, 1000);

	assert_int_equal(val(v, 19, 1, true), 0); /* ifCounterDiscontinuityTime */
	assert_int_equal(val(v, 9, 1, false), 0); /* ifLastChange */
	snmp_view_destroy(v);

	v = build(m, b, 2, NULL, 15, 1500);
	assert_int_equal(val(v, 8, 1, false), 2); /* ifOperStatus down */
	assert_int_equal(val(v, 9, 1, false), 1500);
	assert_int_equal(val(v, 9, 2, false), 0);
	assert_int_equal(val(v, 19, 1, true), 0);
	snmp_view_destroy(v);

	/* No dataplane: the last counters stay, state unknown. */
	v = build(m, nodp, 2, NULL, -1, 1700);
	assert_int_equal(val(v, 8, 1, false), 4);
	assert_int_equal(val(v, 6, 1, true), 2000);
	assert_int_equal(val(v, 19, 1, true), 0);
	snmp_view_destroy(v);

	/* It came back: counters from zero, every port's discontinuity moves. */
	v = build(m, back, 2, NULL, 1, 2000);
	assert_int_equal(val(v, 6, 1, true), 5);
	assert_int_equal(val(v, 19, 1, true), 2000);
	assert_int_equal(val(v, 19, 2, true), 2000);
	snmp_view_destroy(v);

	/* A counter that goes back without an uptime change is one too. */
	v = build(m, lower, 2, NULL, 6, 2500);
	assert_int_equal(val(v, 19, 1, true), 2000);
	assert_int_equal(val(v, 19, 2, true), 2500);
	snmp_view_destroy(v);
	snmp_mib_destroy(m);
}

static void forwarding_tables(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct snmp_mib *m = snmp_mib_create(f->path, err, sizeof(err));
	static const char *const ports[] = {"p1:up:0", "p2:up:0"};
	json_t *macs = json_pack("{s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}, {s:s, s:i, s:s}, "
				 "{s:s, s:i, s:s}]}",
				 "macs", "port", "p2", "vlan", 200, "mac", "02:00:00:00:00:02",
				 "port", "p2", "vlan", 100, "mac", "02:00:00:00:00:02", "port",
				 "p1", "vlan", 100, "mac", "02:00:00:00:00:01", "port", "nowhere",
				 "vlan", 100, "mac", "02:00:00:00:00:09");
	struct snmp_view *v = build(m, ports, 2, macs, 1, 100);
	const struct snmp_obj *o;
	size_t dot1d = 0;
	const oid d_port[] = {1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2};

	o = GET(v, 1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2, 200, 2, 0, 0, 0, 0, 2);
	assert_non_null(o);
	assert_int_equal(o->v.i, 2);
	o = GET(v, 1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 3, 100, 2, 0, 0, 0, 0, 1);
	assert_non_null(o);
	assert_int_equal(o->v.i, 5); /* mgmt */
	/* A MAC of an unknown port is left out. */
	assert_null(GET(v, 1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2, 100, 2, 0, 0, 0, 0, 9));
	/* dot1dTpFdbTable: one row a MAC, however many VLANs. */
	for (o = snmp_view_next(v, d_port, 11);
	     o != NULL && o->len == 17 && memcmp(o->name, d_port, sizeof(d_port)) == 0;
	     o = snmp_view_next(v, o->name, o->len))
		dot1d++;
	assert_int_equal(dot1d, 2);
	o = GET(v, 1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 1, 2, 0, 0, 0, 0, 2);
	assert_non_null(o);
	assert_int_equal(o->slen, 6);
	snmp_view_destroy(v);
	json_decref(macs);
	snmp_mib_destroy(m);
}

/* A device string near the longest a configuration takes. */
static const char *long_device(void)
{
	static char d[256];

	if (d[0] == '\0') {
		snprintf(d, sizeof(d), "net_pcap9,rx_pcap=/");
		memset(d + strlen(d), 'a', sizeof(d) - 1 - strlen(d));
	}
	return d;
}

static uint32_t long_link_ifindex(const struct snmp_mib *m)
{
	char name[320];

	snprintf(name, sizeof(name), "lag1/%s", long_device());
	return snmp_mib_ifindex(m, name);
}

/* show lag with LAG lag1 of two links: one bundled, one without carrier. */
static json_t *lags_json(bool third)
{
	json_t *g = json_pack(
	    "{s:[{s:s, s:[{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:[s,s,s,s,s]}, "
	    "s:{s:s, s:i, s:[s,s,s,s,s]}, s:{s:I, s:I, s:I, s:I, s:I, s:I}}, "
	    "{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:[s,s]}, s:{s:s, s:i, s:[]}, "
	    "s:{s:I, s:I, s:I, s:I, s:I, s:I}}]}]}",
	    "lags", "port", "lag1", "links", "device", "0000:03:00.0", "carrier", "up", "bundled",
	    1, "why", "", "actor", "system", "02:aa:00:00:00:01", "key", 17, "state", "activity",
	    "aggregation", "synchronization", "collecting", "distributing", "partner", "system",
	    "02:bb:00:00:00:02", "key", 33, "state", "activity", "aggregation", "synchronization",
	    "collecting", "distributing", "counters", "rx_packets", (json_int_t)5, "tx_packets",
	    (json_int_t)6, "rx_bytes", (json_int_t)500, "tx_bytes", (json_int_t)600, "rx_errors",
	    (json_int_t)1, "tx_errors", (json_int_t)2, "device", "0000:03:00.1", "carrier", "down",
	    "bundled", 0, "why", "no carrier", "actor", "system", "02:aa:00:00:00:01", "key", 17,
	    "state", "activity", "aggregation", "partner", "system", "00:00:00:00:00:00", "key", 0,
	    "state", "counters", "rx_packets", (json_int_t)0, "tx_packets", (json_int_t)0,
	    "rx_bytes", (json_int_t)0, "tx_bytes", (json_int_t)0, "rx_errors", (json_int_t)0,
	    "tx_errors", (json_int_t)0);

	assert_non_null(g);
	if (third) {
		json_t *links =
		    json_object_get(json_array_get(json_object_get(g, "lags"), 0), "links");

		json_array_insert_new(links, 0,
				      json_pack("{s:s, s:s, s:b}", "device", long_device(),
						"carrier", "up", "bundled", 0));
	}
	return g;
}

static struct snmp_view *build_lag(struct snmp_mib *m, const char *const *spec, size_t n,
				   json_t *lags, uint32_t ticks)
{
	return build_all(m, spec, n, NULL, lags, 10, ticks);
}

#define LAGMIB 1, 2, 840, 10006, 300, 43, 1

static int64_t ival(const struct snmp_obj *o)
{
	assert_non_null(o);
	return o->v.i;
}

static void lag_links_stack_and_lag_mib(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct snmp_mib *m = snmp_mib_create(f->path, err, sizeof(err));
	static const char *const ports[] = {"p1:up:0", "lag1:up:0"};
	static const char *const reordered[] = {"lag1:up:0", "p1:up:0"};
	struct snmp_view *v = build_lag(m, ports, 2, lags_json(false), 100);
	const oid st[] = {1, 3, 6, 1, 2, 1, 31, 1, 2, 1, 3};
	const oid iftype[] = {IFE, 3};
	static const oid want_stack[][2] = {{0, 1}, {0, 2}, {1, 0}, {2, 3}, {2, 4}, {3, 0}, {4, 0}};
	static const int64_t want_type[] = {6, 161, 6, 6};
	const struct snmp_obj *o;
	size_t n = 0;

	/* Links come after every port, named LAG/DEVICE, kept in the file. */
	assert_int_equal(snmp_mib_ifindex(m, "p1"), 1);
	assert_int_equal(snmp_mib_ifindex(m, "lag1"), 2);
	assert_int_equal(snmp_mib_ifindex(m, "lag1/0000:03:00.0"), 3);
	assert_int_equal(snmp_mib_ifindex(m, "lag1/0000:03:00.1"), 4);
	assert_int_equal(ival(GET(v, 1, 3, 6, 1, 2, 1, 2, 1, 0)), 4); /* ifNumber */
	/* GETNEXT through ifType: 1, 2 (the LAG), then its links. */
	for (o = snmp_view_next(v, iftype, N_OIDS(iftype));
	     o != NULL && o->len == 11 && memcmp(o->name, iftype, sizeof(iftype)) == 0;
	     o = snmp_view_next(v, o->name, o->len)) {
		assert_true(n < 4);
		assert_int_equal(o->name[10], n + 1);
		assert_int_equal(o->v.i, want_type[n]);
		n++;
	}
	assert_int_equal(n, 4);
	o = GET(v, IFX, 1, 3);
	assert_non_null(o);
	assert_int_equal(o->slen, strlen("lag1/0000:03:00.0"));
	assert_memory_equal(snmp_view_text(v, o), "lag1/0000:03:00.0", o->slen);
	assert_int_equal(val(v, 8, 3, false), 1);   /* ifOperStatus: carrier up */
	assert_int_equal(val(v, 8, 4, false), 2);   /* no carrier */
	assert_int_equal(val(v, 6, 3, true), 500);  /* ifHCInOctets */
	assert_int_equal(val(v, 10, 3, true), 600); /* ifHCOutOctets */
	assert_int_equal(val(v, 7, 3, true), 5);    /* ifHCInUcastPkts */
	assert_int_equal(val(v, 14, 3, false), 1);  /* ifInErrors */
	assert_int_equal(val(v, 20, 3, false), 2);  /* ifOutErrors */
	/* Links are not bridge ports. */
	assert_null(GET(v, 1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 1, 3));
	assert_non_null(GET(v, 1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 1, 2));

	/* ifStackTable: the LAG over its links, no LAG-over-nothing row. */
	n = 0;
	for (o = snmp_view_next(v, st, N_OIDS(st));
	     o != NULL && o->len == 13 && memcmp(o->name, st, sizeof(st)) == 0;
	     o = snmp_view_next(v, o->name, o->len)) {
		assert_true(n < 7);
		assert_int_equal(o->name[11], want_stack[n][0]);
		assert_int_equal(o->name[12], want_stack[n][1]);
		n++;
	}
	assert_int_equal(n, 7);

	/* dot3adAggTable, indexed by the LAG's ifIndex. */
	o = GET(v, LAGMIB, 1, 1, 1, 4, 2); /* dot3adAggActorSystemID */
	assert_non_null(o);
	assert_int_equal(o->slen, 6);
	assert_memory_equal(snmp_view_text(v, o), "\x02\xaa\x00\x00\x00\x01", 6);
	assert_int_equal(ival(GET(v, LAGMIB, 1, 1, 1, 7, 2)), 17);  /* ActorOperKey */
	assert_int_equal(ival(GET(v, LAGMIB, 1, 1, 1, 10, 2)), 33); /* PartnerOperKey */
	o = GET(v, LAGMIB, 1, 1, 1, 8, 2);                          /* PartnerSystemID */
	assert_non_null(o);
	assert_memory_equal(snmp_view_text(v, o), "\x02\xbb\x00\x00\x00\x02", 6);
	assert_null(GET(v, LAGMIB, 1, 1, 1, 7, 1)); /* p1 is no aggregator */
	/* dot3adAggPortListPorts: the bundled link only, ifIndex 3. */
	o = GET(v, LAGMIB, 1, 2, 1, 1, 2);
	assert_non_null(o);
	assert_int_equal(o->slen, 1);
	assert_int_equal((uint8_t)snmp_view_text(v, o)[0], 0x20);

	/* dot3adAggPortTable: Selected/Attached AggID is the LAG for the
	 * bundled link, 0 for the other; GETNEXT walks link 3, 4, next column. */
	o = snmp_view_next(v, (const oid[]){LAGMIB, 2, 1, 1, 12}, 11);
	assert_non_null(o);
	assert_int_equal(o->name[11], 3);
	assert_int_equal(o->v.i, 2);
	o = snmp_view_next(v, o->name, o->len);
	assert_int_equal(o->name[10], 12);
	assert_int_equal(o->name[11], 4);
	assert_int_equal(o->v.i, 0);
	o = snmp_view_next(v, o->name, o->len);
	assert_int_equal(o->name[10], 13); /* AttachedAggID */
	assert_int_equal(o->name[11], 3);
	assert_int_equal(o->v.i, 2);
	assert_int_equal(ival(GET(v, LAGMIB, 2, 1, 1, 13, 4)), 0);
	assert_int_equal(ival(GET(v, LAGMIB, 2, 1, 1, 5, 4)), 17);  /* ActorOperKey */
	assert_int_equal(ival(GET(v, LAGMIB, 2, 1, 1, 11, 3)), 33); /* PartnerOperKey */
	o = GET(v, LAGMIB, 2, 1, 1, 21, 3); /* ActorOperState: LacpState BITS */
	assert_non_null(o);
	assert_int_equal(o->slen, 1);
	assert_int_equal((uint8_t)snmp_view_text(v, o)[0], 0xbc);
	o = GET(v, LAGMIB, 2, 1, 1, 21, 4);
	assert_int_equal((uint8_t)snmp_view_text(v, o)[0], 0xa0);
	o = GET(v, LAGMIB, 2, 1, 1, 9, 3); /* PartnerOperSystemID */
	assert_memory_equal(snmp_view_text(v, o), "\x02\xbb\x00\x00\x00\x02", 6);
	assert_null(GET(v, LAGMIB, 2, 1, 1, 12, 1));
	snmp_view_destroy(v);
	snmp_mib_destroy(m);

	/* Another process, ports reordered, a link added first: every
	 * ifIndex stays, the new link gets the next one. */
	m = snmp_mib_create(f->path, err, sizeof(err));
	assert_non_null(m);
	v = build_lag(m, reordered, 2, lags_json(true), 200);
	assert_int_equal(snmp_mib_ifindex(m, "lag1/0000:03:00.0"), 3);
	assert_int_equal(snmp_mib_ifindex(m, "lag1/0000:03:00.1"), 4);
	assert_int_equal(long_link_ifindex(m), 5);
	assert_int_equal(ival(GET(v, 1, 3, 6, 1, 2, 1, 2, 1, 0)), 5);
	assert_int_equal(ival(GET(v, 1, 3, 6, 1, 2, 1, 31, 1, 2, 1, 3, 2, 5)), 1);
	assert_int_equal(val(v, 3, 5, false), 6);
	snmp_view_destroy(v);

	/* A control without show lag: the port is a plain one again. */
	v = build_lag(m, ports, 2, NULL, 300);
	assert_int_equal(val(v, 3, 2, false), 6);
	assert_int_equal(ival(GET(v, 1, 3, 6, 1, 2, 1, 31, 1, 2, 1, 3, 2, 0)), 1);
	assert_null(GET(v, 1, 3, 6, 1, 2, 1, 31, 1, 2, 1, 3, 2, 3));
	assert_null(GET(v, LAGMIB, 1, 1, 1, 7, 2));
	assert_int_equal(ival(GET(v, 1, 3, 6, 1, 2, 1, 2, 1, 0)), 2);
	snmp_view_destroy(v);
	snmp_mib_destroy(m);

	/* The long link name came back from the state file. */
	m = snmp_mib_create(f->path, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(long_link_ifindex(m), 5);
	snmp_mib_destroy(m);
}

static void garbage_answer_refused(void **state)
{
	struct fx *f = *state;
	char err[256] = "";
	struct snmp_mib *m = snmp_mib_create(f->path, err, sizeof(err));
	json_t *p = json_pack("{s:[{s:s}]}", "ports", "name", "has space");
	json_t *q = json_pack("{s:i}", "ports", 3);

	assert_null(snmp_mib_build(m, p, NULL, NULL, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "usable name"));
	assert_null(snmp_mib_build(m, q, NULL, NULL, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no \"ports\" list"));
	assert_int_equal(snmp_mib_ifindex(m, "has space"), 0);
	json_decref(p);
	json_decref(q);
	/* A show lag answer without its list fails the build too. */
	p = json_pack("{s:[{s:s}]}", "ports", "name", "lag1");
	q = json_pack("{s:i}", "lags", 1);
	assert_null(snmp_mib_build(m, p, NULL, NULL, q, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no \"lags\" list"));
	json_decref(p);
	json_decref(q);
	snmp_mib_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(view_sorted_get_next),
	    cmocka_unit_test(view_refuses_bad_objects),
	    cmocka_unit_test_setup_teardown(ifindex_kept_across_reorder_and_restart, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(bad_state_file_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(discontinuity_last_change_and_frozen_counters, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(forwarding_tables, setup, teardown),
	    cmocka_unit_test_setup_teardown(lag_links_stack_and_lag_mib, setup, teardown),
	    cmocka_unit_test_setup_teardown(garbage_answer_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
