/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The importers on the sample exports (tests/unit/import/), on exports with
 * one record per kind of error, through the loader's `import:` section, and
 * the diff of a re-import of a changed export.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fabric/config.h"
#include "fabric/diff.h"
#include "fabric/import.h"

#define DIR        SOURCE_ROOT "/tests/unit/import/"
#define VLANS      DIR "ixpmanager-vlans.yaml"
#define L2         DIR "ixpmanager-layer2interfaces.yaml"
#define L2_CHANGED DIR "ixpmanager-layer2interfaces-changed.yaml"
#define L2_ERRORS  DIR "ixpm-errors-layer2interfaces.yaml"
#define IXPM_MAP   DIR "ixpm-map.yaml"
#define IXF        DIR "ixf-member-export.json"
#define IXF_MAP    DIR "ixf-map.yaml"
#define IXF_ERRORS DIR "ixf-errors.json"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/*
 * A temporary copy of a fixture with the text from `from` up to `until`
 * (or just `from`, if until is NULL) replaced by `to`; the caller drops it.
 */
static char *variant(const char *path, const char *from, const char *until, const char *to)
{
	char *text = slurp(path), *at = strstr(text, from), *end;
	char *tmp = strdup("/tmp/peerlan-test-import-XXXXXX.yaml");
	FILE *f;
	int fd;

	assert_non_null(at);
	end = until ? strstr(at, until) : at + strlen(from);
	assert_non_null(end);
	assert_non_null(tmp);
	fd = mkstemps(tmp, 5);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fwrite(text, 1, (size_t)(at - text), f);
	fputs(to, f);
	fputs(end, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	return tmp;
}

static void drop(char *tmp)
{
	unlink(tmp);
	free(tmp);
}

/* The 1-based line of the first occurrence of needle in the file. */
static uint32_t line_of(const char *path, const char *needle)
{
	char *text = slurp(path), *at = strstr(text, needle);
	uint32_t line = 1;

	assert_non_null(at);
	for (char *p = text; p < at; p++)
		line += *p == '\n';
	free(text);
	return line;
}

static struct fab_model *ixpm(const char *l2, const char *map, const char *ixf,
			      struct fab_config_errors *e, struct fab_config_errors *notes)
{
	struct fab_import_files f = {.format = FAB_IMPORT_IXP_MANAGER,
				     .vlans = VLANS,
				     .interfaces = l2,
				     .map = map,
				     .ixf = ixf};

	return fab_import(&f, e, notes);
}

static struct fab_model *ixf(const char *export, const char *map, struct fab_config_errors *e)
{
	struct fab_import_files f = {.format = FAB_IMPORT_IXF, .ixf = export, .map = map};

	return fab_import(&f, e, NULL);
}

/* Imports the IXP Manager samples with `from` changed to `to` in the map, expecting rejection. */
static char *map_rejected(const char *from, const char *to, struct fab_config_errors *e)
{
	char *map = variant(IXPM_MAP, from, NULL, to);

	assert_null(ixpm(L2, map, NULL, e, NULL));
	return map;
}

/*
 * The line of the YAML list item (indented by indent spaces) holding
 * needle: records start there, and errors about a whole record point at it.
 */
static uint32_t item_line(const char *path, const char *needle, size_t indent)
{
	char *text = slurp(path), *at = strstr(text, needle);
	uint32_t line = 1, item = 0;

	assert_non_null(at);
	for (char *p = text; p <= at; p++) {
		if (p == text || p[-1] == '\n') {
			if (strspn(p, " ") == indent && strncmp(p + indent, "- ", 2) == 0)
				item = line;
		}
		line += *p == '\n';
	}
	free(text);
	assert_true(item > 0);
	return item;
}

/*
 * Asserts an error in file (compared by its tail) at line (unless 0) whose
 * message contains every one of the NULL-ended substrings.
 */
static void expect(const struct fab_config_errors *e, const char *path, uint32_t line, ...)
{
	const char *tail = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	bool found = false;

	for (size_t i = 0; i < e->n && !found; i++) {
		const struct fab_config_error *x = &e->v[i];
		size_t lf = strlen(x->file), lt = strlen(tail);
		va_list ap;
		const char *sub;
		bool all = lf >= lt && strcmp(x->file + lf - lt, tail) == 0 &&
			   (line == 0 || x->line == line);

		va_start(ap, line);
		while ((sub = va_arg(ap, const char *)) != NULL)
			all &= strstr(x->msg, sub) != NULL;
		va_end(ap);
		found = all;
	}
	if (!found) {
		fprintf(stderr, "wanted an error in %s at line %u; got:\n", tail, line);
		fab_config_errors_print(e, stderr);
	}
	assert_true(found);
}

static const struct fab_port *port(const struct fab_model *m, const char *name)
{
	int i = fab_model_port_by_name(m, name);

	assert_true(i >= 0);
	return &m->ports[i];
}

static const struct fab_member *member(const struct fab_model *m, uint32_t asn)
{
	int i = fab_model_member_by_asn(m, asn);

	assert_true(i >= 0);
	return &m->members[i];
}

/* Asserts that the import gave a model, printing what it said first (why, when it gave none). */
static void assert_imported(const struct fab_model *m, const struct fab_config_errors *e)
{
	fab_config_errors_print(e, stderr);
	assert_non_null(m);
}

/* Port name of m, asserted to be on exactly one LAN, of the given kind. */
static const struct fab_port *one_lan_port(const struct fab_model *m, const char *name,
					   enum fab_lan_kind kind)
{
	const struct fab_port *p = port(m, name);

	assert_int_equal(p->nlans, 1);
	assert_int_equal(m->lans[p->lans[0]].kind, kind);
	return p;
}

/* The result loads through the configuration loader to the same fabric. */
static void assert_loads(const struct fab_model *m)
{
	struct fab_config_errors e = {0};
	int rc = fab_config_recheck(m, "printed", &e);

	fab_config_errors_print(&e, stderr);
	assert_int_equal(rc, 0);
	assert_int_equal(e.n, 0);
}

static void test_ixpm_sample(void **state)
{
	struct fab_config_errors e = {0}, notes = {0};
	struct fab_model *m = ixpm(L2, IXPM_MAP, NULL, &e, &notes);
	const struct fab_port *p;
	int peering, quarantine;

	(void)state;
	assert_imported(m, &e);
	assert_int_equal(e.n, 0);
	assert_loads(m);
	assert_string_equal(m->name, "example-ix");
	assert_true(m->policy.sponge.gratuitous); /* carried over from the map */
	peering = fab_model_lan_by_name(m, "peering");
	quarantine = fab_model_lan_by_name(m, "quarantine");
	assert_int_equal(m->lans[quarantine].kind, FAB_LAN_QUARANTINE);
	assert_int_equal(m->lans[quarantine].neigh, FAB_NEIGH_PROXY);
	/* The LAG's three interfaces are left out, port7 is only in the map. */
	assert_int_equal(m->nports, 5);
	assert_int_equal(fab_model_port_by_name(m, "port3"), -1);
	assert_int_equal(fab_model_port_by_name(m, "bond3"), -1);

	p = port(m, "port1");
	assert_string_equal(p->device, "0000:03:00.0");
	assert_int_equal(p->mode, FAB_PORT_ACCESS);
	assert_int_equal(p->speed_mbps, 10000);
	/* rate_limit in Mb/s: a 250 Mb/s sub-rate port on a 10G one. */
	assert_int_equal(p->rate_bps, 250000000);
	assert_int_equal(p->rate_burst, 312500);
	assert_string_equal(p->description, "Example Transit - single port");
	p = port(m, "port2");
	assert_string_equal(p->device, "0000:03:00.1");
	assert_int_equal(p->mode, FAB_PORT_TRUNK); /* dot1q: true */
	assert_int_equal(p->rate_bps, 0);          /* rate_limit: null */
	assert_int_equal(p->mtu, 9000);
	p = port(m, "port5");
	assert_int_equal(p->nlans, 1);
	assert_int_equal(p->lans[0], quarantine);
	assert_int_equal(p->violation, FAB_VIOLATION_SHUTDOWN);
	assert_true(p->admin_up);
	p = port(m, "port6");
	assert_false(p->admin_up);
	assert_int_equal(p->lans[0], peering);
	p = port(m, "core1"); /* interface port8 */
	assert_int_equal(p->kind, FAB_PORT_CORE);
	assert_int_equal(p->mode, FAB_PORT_TRUNK);
	assert_int_equal(p->nlans, 2);
	assert_int_equal(p->mtu, 9216);

	/* Two MACs during a router swap, both on port2. */
	assert_int_equal(member(m, 64502)->nconns, 1);
	assert_int_equal(member(m, 64502)->conns[0].bindings[0].nmacs, 2);
	assert_int_equal(member(m, 64502)->conns[0].bindings[0].macs[1], 0x02005e100022ULL);
	assert_int_equal(member(m, 64502)->conns[0].bindings[0].ipv4[0], 0xc000020c);
	/* The newcomer in quarantine has no MAC yet: a member without connections. */
	assert_string_equal(member(m, 64504)->name, "Example Newcomer");
	assert_int_equal(member(m, 64504)->nconns, 0);
	/* The departed member's port is down but its MAC stays provisioned. */
	assert_int_equal(member(m, 64505)->conns[0].bindings[0].macs[0], 0x02005e100005ULL);
	assert_int_equal(fab_model_member_by_asn(m, 64503), -1);
	expect(&notes, L2, item_line(L2, "name: bond3", 0),
	       "interface bond3 (virtualinterfaceid 13)", "excluded", NULL);
	expect(&notes, IXPM_MAP, 0, "port 'port7'", "not imported", NULL);
	fab_model_destroy(m);
	fab_config_errors_clear(&notes);
}

/*
 * Neither export carries an MTU: a jumbo-frame LAN's is in the map, and
 * the ports on it without one of their own take it.
 */
static void test_ixpm_lan_mtu(void **state)
{
	struct fab_config_errors e = {0};
	char *map = variant(IXPM_MAP, "    vlan: 100\n", NULL, "    vlan: 100\n    mtu: 9000\n");
	struct fab_model *m = ixpm(L2, map, NULL, &e, NULL);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->lans[fab_model_lan_by_name(m, "peering")].mtu, 9000);
	assert_int_equal(m->lans[fab_model_lan_by_name(m, "quarantine")].mtu, 1500);
	assert_int_equal(port(m, "port1")->mtu, 9000);
	assert_int_equal(port(m, "port5")->mtu, 1500); /* quarantine only */
	assert_int_equal(port(m, "core1")->mtu, 9216); /* its own */
	fab_model_destroy(m);
	drop(map);
}

/* The sample's LAG bond3 of port3 and port4, mapped: one port, its links the members' devices. */
static void test_ixpm_sample_lag(void **state)
{
	struct fab_config_errors e = {0};
	char *a = variant(IXPM_MAP, "  - name: core1\n", NULL,
			  "  - name: port3\n    device: \"0000:07:00.0\"\n"
			  "  - name: port4\n    device: \"0000:07:00.1\"\n  - name: core1\n");
	char *b = variant(a, "exclude: [bond3, port3, port4]", NULL, "");
	char *map = variant(b, "  - asn: 64504\n", NULL,
			    "  - asn: 64503\n    name: Example Eyeballs\n    interfaces: [bond3]\n"
			    "  - asn: 64504\n");
	struct fab_model *m = ixpm(L2, map, NULL, &e, NULL);
	const struct fab_port *p;

	(void)state;
	assert_non_null(m);
	p = port(m, "port3");
	assert_true(fab_port_is_lag(p));
	assert_int_equal(p->lag.nlinks, 2);
	assert_string_equal(p->lag.links[0], "0000:07:00.0");
	assert_string_equal(p->lag.links[1], "0000:07:00.1");
	assert_string_equal(p->device, "");
	assert_int_equal(p->lag.lacp, FAB_LACP_ACTIVE);
	assert_int_equal(p->lag.rate, FAB_LACP_FAST); /* fastlacp: true */
	assert_int_equal(p->lag.min_links, 1);
	assert_int_equal(p->speed_mbps, 20000); /* the links' speeds */
	assert_int_equal(fab_model_port_by_name(m, "port4"), -1);
	assert_int_equal(member(m, 64503)->nconns, 1);
	assert_int_equal(member(m, 64503)->conns[0].port, fab_model_port_by_name(m, "port3"));
	assert_int_equal(member(m, 64503)->conns[0].bindings[0].macs[0], 0x02005e100003ULL);
	assert_loads(m);
	fab_model_destroy(m);
	drop(map);

	/* A link the map does not give a device is named, and nothing is imported. */
	map = variant(b, "  - name: port4\n    device: \"0000:07:00.1\"\n", NULL, "");
	assert_null(ixpm(L2, map, NULL, &e, NULL));
	expect(&e, L2, 0, "interface bond3 (virtualinterfaceid 13)",
	       "link port4 of LAG bond3 is not in the import map's ports", NULL);
	fab_config_errors_clear(&e);
	drop(map);
	drop(b);
	drop(a);
}

/*
 * An L2-LAG core bundle as IXP Manager exports it: the bundle (type core,
 * lagmaster, lagmembers, no MACs in its VLANs) and each core link of it
 * (lagmaster: false, the same virtualinterfaceid). It becomes one core
 * trunk port that is a LAG of the links' devices, named after the first.
 */
static void test_ixpm_core_bundle_lag(void **state)
{
	/* One entry of the bundle: its name, then what only the master or a link has. */
	static const char entry[] =
	    "- type: core\n  description: 'Core: sw1 to sw2'\n  dot1q: true\n  stp: false\n"
	    "  virtualinterfaceid: 90\n  corebundleid: 1\n  lagframing: true\n  lagindex: 10\n"
	    "  vlans:\n  - number: 100\n    macaddresses: []\n  - number: 101\n"
	    "    macaddresses: []\n  name: %s\n  fastlacp: false\n  shutdown: false\n%s";
	static const char *const parts[][2] = {
	    {"Port-Channel10", "  lagmaster: true\n  lagmembers: [port8, port9]\n"},
	    {"port8", "  lagmaster: false\n  autoneg: true\n  speed: 100000\n"},
	    {"port9", "  lagmaster: false\n  autoneg: true\n  speed: 100000\n"}};
	char core_lag[2048];
	size_t o = 0;
	struct fab_config_errors e = {0};
	struct fab_model *m;
	const struct fab_port *p;
	char *l2, *map;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		o += (size_t)snprintf(core_lag + o, sizeof(core_lag) - o, entry, parts[i][0],
				      parts[i][1]);
	assert_true(o < sizeof(core_lag));
	l2 = variant(L2, "- type: core\n", "...", core_lag);
	map = variant(IXPM_MAP, "    mtu: 9216\n", NULL,
		      "    mtu: 9216\n  - name: core2\n    interface: port9\n"
		      "    device: \"0000:06:00.1\"\n");
	m = ixpm(l2, map, NULL, &e, NULL);
	if (m == NULL)
		fab_config_errors_print(&e, stderr);
	assert_non_null(m);
	p = port(m, "core1");
	assert_int_equal(p->kind, FAB_PORT_CORE);
	assert_int_equal(p->mode, FAB_PORT_TRUNK);
	assert_int_equal(p->nlans, 2);
	assert_int_equal(p->mtu, 9216);
	assert_true(fab_port_is_lag(p));
	assert_string_equal(p->device, "");
	assert_int_equal(p->lag.nlinks, 2);
	assert_string_equal(p->lag.links[0], "0000:06:00.0");
	assert_string_equal(p->lag.links[1], "0000:06:00.1");
	assert_int_equal(p->lag.lacp, FAB_LACP_ACTIVE);
	assert_int_equal(p->lag.rate, FAB_LACP_SLOW); /* fastlacp: false */
	assert_int_equal(p->speed_mbps, 200000);      /* the links' speeds */
	assert_int_equal(fab_model_port_by_name(m, "core2"), -1);
	assert_loads(m);
	fab_model_destroy(m);
	drop(map);
	drop(l2);
}

/* ASNs and names from an IX-F export given alongside, matched by MAC and address. */
static void test_ixpm_names_from_ixf(void **state)
{
	static const char *const members[] = {
	    "members: []\n",
	    "members: [{asn: 64505, interfaces: [port6]}]\n",
	    "members: [{asn: 64505, name: Example Departed, interfaces: [port6]}]\n",
	};
	struct fab_config_errors e = {0};
	struct fab_model *m;
	char *map[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		map[i] = variant(IXPM_MAP, "# The provisioner names no ASN", "# bond3", members[i]);
	/* port6's member is in neither the map nor the export. */
	m = ixpm(L2, map[0], IXF, &e, NULL);
	assert_null(m);
	expect(&e, L2, item_line(L2, "name: port6", 0), "interface port6 (virtualinterfaceid 15)",
	       "no member ASN", NULL);
	fab_config_errors_clear(&e);
	/* With an ASN but no name in the map, and none in the export, the member is reported. */
	m = ixpm(L2, map[1], IXF, &e, NULL);
	assert_null(m);
	expect(&e, L2, item_line(L2, "name: port6", 0), "AS64505 has no name", NULL);
	fab_config_errors_clear(&e);

	m = ixpm(L2, map[2], IXF, &e, NULL);
	assert_imported(m, &e);
	assert_string_equal(member(m, 64501)->name, "Example Transit");
	assert_string_equal(member(m, 64502)->name, "Example Content");
	assert_string_equal(m->ports[member(m, 64502)->conns[0].port].name, "port2");
	assert_string_equal(member(m, 64505)->name, "Example Departed");
	assert_loads(m);
	fab_model_destroy(m);
	for (int i = 0; i < 3; i++)
		drop(map[i]);
}

/* The reference embeds the IXP Manager map; a change to one must be made to both. */
static void test_doc_shows_map(void **state)
{
	char *doc = slurp(SOURCE_ROOT "/docs/configuration.md"), *map = slurp(IXPM_MAP);

	(void)state;
	assert_non_null(strstr(doc, map));
	free(doc);
	free(map);
}

static void test_ixf_sample(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = ixf(IXF, IXF_MAP, &e);
	const struct fab_lan *lan;
	int peering;

	(void)state;
	assert_imported(m, &e);
	assert_loads(m);
	peering = fab_model_lan_by_name(m, "peering");
	lan = &m->lans[peering];
	/* The prefixes come from the export's ixp_list. */
	assert_true(lan->ipv4.set);
	assert_int_equal(lan->ipv4.addr, 0xc0000200);
	assert_int_equal(lan->ipv4.len, 24);
	assert_true(lan->ipv6.set);
	assert_int_equal(lan->ipv6.len, 64);
	assert_int_equal(m->nmembers, 3);
	assert_string_equal(member(m, 64501)->name, "Example Transit");
	assert_string_equal(member(m, 64510)->name, "Example IX Route Servers"); /* map's name */
	assert_string_equal(port(m, "rs1")->device, "0000:05:00.0");
	assert_string_equal(port(m, "rs1")->description, "Route servers");
	assert_string_equal(port(m, "port1")->description, "AS64501 Example Transit");
	assert_int_equal(port(m, "port2")->speed_mbps, 100000);
	/* IX-F lists the MAC per family; it is bound once. */
	assert_int_equal(member(m, 64501)->conns[0].bindings[0].nmacs, 1);
	assert_int_equal(member(m, 64501)->conns[0].bindings[0].nipv6, 1);
	/* A spare port the map gives LANs to. */
	assert_int_equal(m->lans[port(m, "port9")->lans[0]].kind, FAB_LAN_QUARANTINE);
	fab_model_destroy(m);
}

/* The device the map (a file) gives the port named name. */
static const char *port_device(const char *map, const char *name)
{
	static char dev[FAB_DEVICE_MAX];
	char *text = slurp(map), *at, *q, needle[FAB_NAME_MAX + 16];

	snprintf(needle, sizeof(needle), "name: %s\n", name);
	at = strstr(text, needle);
	assert_non_null(at);
	at = strstr(at, "device: \"");
	assert_non_null(at);
	at += strlen("device: \"");
	q = strchr(at, '"');
	assert_non_null(q);
	snprintf(dev, sizeof(dev), "%.*s", (int)(q - at), at);
	free(text);
	return dev;
}

static void test_ixf_sample_lag(void **state)
{
	struct fab_config_errors e = {0};
	char *map = variant(IXF_MAP, "exclude: [AS64503/1]", NULL, "");
	char *map2 = variant(IXF_MAP, "[[port3, port4]]", NULL, "[port3]");
	char *map3 = variant(map2, "exclude: [AS64503/1]", NULL, "");
	struct fab_model *m = ixf(IXF, map, &e);

	const struct fab_port *p;

	(void)state;
	/* The map's [[port3, port4]]: one LAG port, its links the two ports' devices. */
	if (m == NULL)
		fab_config_errors_print(&e, stderr);
	assert_non_null(m);
	p = port(m, "port3");
	assert_true(fab_port_is_lag(p));
	assert_int_equal(p->lag.nlinks, 2);
	assert_string_equal(p->lag.links[0], port_device(IXF_MAP, "port3"));
	assert_string_equal(p->lag.links[1], port_device(IXF_MAP, "port4"));
	assert_int_equal(fab_model_port_by_name(m, "port4"), -1);
	assert_int_equal(member(m, 64503)->conns[0].port, fab_model_port_by_name(m, "port3"));
	assert_loads(m);
	fab_model_destroy(m);
	/* Two interfaces in the export on one edge port of the map: still a LAG, refused
	 * until the map says which links it has. */
	m = ixf(IXF, map3, &e);
	assert_null(m);
	expect(&e, IXF, 0, "AS64503 connection 1", "2 interfaces on edge port 'port3'",
	       "never imported as a plain port", NULL);
	fab_config_errors_clear(&e);
	/* A name too long for the configuration is shortened, never mid-character. */
	drop(map);
	map = variant(IXF, "\"Example Transit\"", NULL,
		      "\"Example Transit \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		      "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		      "\u00e9\u00e9\u00e9\u00e9\"");
	m = ixf(map, IXF_MAP, &e);
	assert_imported(m, &e);
	/* 16 bytes, then 23 two-byte characters fit in 63 and the 24th does not. */
	assert_int_equal(strlen(member(m, 64501)->name), 16 + 2 * 23);
	assert_int_equal((unsigned char)member(m, 64501)->name[16 + 2 * 23 - 1], 0xa9);
	fab_model_destroy(m);
	/* The whole member can be excluded too. */
	drop(map);
	map = variant(IXF_MAP, "exclude: [AS64503/1]", NULL, "exclude: [AS64503]");
	m = ixf(IXF, map, &e);
	assert_non_null(m);
	assert_int_equal(fab_model_member_by_asn(m, 64503), -1);
	fab_model_destroy(m);
	drop(map);
	drop(map2);
	drop(map3);
}

/* One interface per kind of error; every one is reported against its record. */
static void test_ixpm_errors(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = ixpm(L2_ERRORS, DIR "ixpm-errors-map.yaml", NULL, &e, NULL);

	(void)state;
	assert_null(m);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "02:00:5e:10:00:zz"),
	       "interface e1 (virtualinterfaceid 21) VLAN 100",
	       "malformed MAC address '02:00:5e:10:00:zz'", NULL);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "01:00:5e:00:00:01"), "interface e2",
	       "must be unicast", NULL);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "- 02:00:5e:10:00:23\n- name: e5"), "interface e4",
	       "MAC 02:00:5e:10:00:23 is already given to AS64523 by interface e3", NULL);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "{ipv4: 192.0.2.23}"), "interface e5",
	       "address 192.0.2.23 is already given to AS64523 by interface e3", NULL);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "198.51.100.26"), "interface e6",
	       "address 198.51.100.26 is outside LAN 'peering'", NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "name: e7", 0),
	       "interface e7 (virtualinterfaceid 27)", "not in the import map's ports", NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "number: 300", 2), "interface e8",
	       "VLAN 300 is not in the provisioner's vlans output", NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "name: e9", 0), "interface e9", "type 'fanout'",
	       NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "name: e10", 0), "interface e10",
	       "no member ASN", NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "192.0.2.31", 2), "interface e11",
	       "addresses but no MAC", NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "name: e12", 0), "interface e12", "untagged",
	       NULL);
	expect(&e, L2_ERRORS, item_line(L2_ERRORS, "name: e14", 0), "interface e13",
	       "link e14 of LAG e13 is not in the import map's ports", NULL);
	expect(&e, L2_ERRORS, line_of(L2_ERRORS, "02:00:5e:00:00:fe"), "interface e15",
	       "sponge's MAC", NULL);
	assert_int_equal(e.n, 13);
	fab_config_errors_clear(&e);
}

static void test_ixf_errors(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = ixf(IXF_ERRORS, DIR "ixf-errors-map.yaml", &e);

	(void)state;
	assert_null(m);
	expect(&e, IXF_ERRORS, line_of(IXF_ERRORS, "{ \"id\": 200 }"), "ixp_id 1 vlan 200",
	       "not in the import map's 'ixf-vlans'", NULL);
	expect(&e, IXF_ERRORS, line_of(IXF_ERRORS, "02:00:5e:10:00:4\""),
	       "AS64541 connection 1 vlan_id 100", "malformed MAC", NULL);
	expect(&e, IXF_ERRORS, line_of(IXF_ERRORS, "ff:ff:ff:ff:ff:ff"), "AS64542 connection 1",
	       "must be unicast", NULL);
	expect(
	    &e, IXF_ERRORS,
	    line_of(IXF_ERRORS, "\"192.0.2.43\", \"mac_addresses\": [ \"02:00:5e:10:00:43\" ] },"),
	    "AS64544 connection 1 vlan_id 100", "MAC 02:00:5e:10:00:43 is already given to AS64543",
	    NULL);
	expect(&e, IXF_ERRORS, 0, "AS64544", "address 192.0.2.43 is already given to AS64543",
	       NULL);
	expect(&e, IXF_ERRORS, line_of(IXF_ERRORS, "2001:db8:999::44"), "AS64544",
	       "outside LAN 'peering'", NULL);
	expect(&e, IXF_ERRORS, 0, "AS64545 connection 1", "not in the map's members", NULL);
	expect(&e, IXF_ERRORS, 0, "AS64546 connection 1", "port 'p46'", "not in the map's ports",
	       NULL);
	expect(&e, IXF_ERRORS, line_of(IXF_ERRORS, "{ \"vlan_id\": 200"),
	       "AS64547 connection 1 vlan_id 200",
	       "VLAN id 200 is not in the import map's 'ixf-vlans'", NULL);
	expect(&e, IXF_ERRORS, 0, "AS64549 connection 1",
	       "edge port 'p43' is already used by AS64543", NULL);
	expect(&e, IXF_ERRORS, 0, "AS64550 connection 1", "2 interfaces", "LAG", NULL);
	expect(&e, IXF_ERRORS, 0, "AS64551", "listed twice in member_list", NULL);
	assert_int_equal(e.n, 12);
	fab_config_errors_clear(&e);
}

/* Errors in the files themselves and in the map, named with file and line. */
static void test_file_and_map_errors(void **state)
{
	struct fab_config_errors e = {0};
	char *map, *bad;
	struct fab_model *m;

	(void)state;
	m = ixpm(DIR "missing.yaml", IXPM_MAP, NULL, &e, NULL);
	assert_null(m);
	expect(&e, DIR "missing.yaml", 0, "cannot open", NULL);
	fab_config_errors_clear(&e);

	bad = variant(L2, "  virtualinterfaceid: 11\n", NULL, "  virtualinterfaceid: [11\n");
	m = ixpm(bad, IXPM_MAP, NULL, &e, NULL);
	assert_null(m);
	expect(&e, bad, 0, "syntax error", NULL);
	assert_true(e.v[0].line > 0);
	fab_config_errors_clear(&e);
	drop(bad);

	/* A version peerlan does not read is one error, not one per record it misreads. */
	bad = variant(IXF, "\"version\": \"1.0\"", NULL, "\"version\": \"0.5\"");
	m = ixf(bad, IXF_MAP, &e);
	assert_null(m);
	expect(&e, bad, line_of(bad, "\"version\""), "peerlan reads versions 0.6, 0.7 and 1.0",
	       NULL);
	assert_int_equal(e.n, 1);
	fab_config_errors_clear(&e);
	drop(bad);

	/* 0.6 and 0.7 are read: every field peerlan uses is the same as in 1.0. */
	for (int i = 0; i < 2; i++) {
		bad = variant(IXF, "\"version\": \"1.0\"", NULL,
			      i ? "\"version\": \"0.7\"" : "\"version\": \"0.6\"");
		m = ixf(bad, IXF_MAP, &e);
		assert_imported(m, &e);
		fab_model_destroy(m);
		drop(bad);
	}

	bad = variant(IXF, "\"prefix\": \"192.0.2.0\"", NULL, "\"prefix\": \"192.0.2.1\"");
	m = ixf(bad, IXF_MAP, &e);
	assert_null(m);
	expect(&e, bad, 0, "ixp_id 1 vlan 1", "host bits", NULL);
	fab_config_errors_clear(&e);
	drop(bad);

	/* A typo in the map is an error with the valid keys, never ignored. */
	map = map_rejected("    mtu: 9000", "    mut: 9000", &e);
	expect(&e, map, line_of(map, "mut: 9000"), "unknown key 'mut'", "mtu", NULL);
	fab_config_errors_clear(&e);
	drop(map);

	/* The map's configuration sections are checked as the loader checks them. */
	map = map_rejected("  violation: restrict", "  violation: loudly", &e);
	expect(&e, map, line_of(map, "violation: loudly"), "invalid violation action 'loudly'",
	       NULL);
	fab_config_errors_clear(&e);
	drop(map);

	/* The map's lans must say what the prefix-less provisioner VLANs are. */
	map = map_rejected("    vlan: 101\n", "    vlan: 102\n", &e);
	expect(&e, VLANS, item_line(VLANS, "- name: Quarantine LAN", 0), "VLAN 'Quarantine LAN'",
	       "VLAN 101 is not in the import map's lans", NULL);
	fab_config_errors_clear(&e);
	drop(map);

	/* What only the loader checks (identifiers) still rejects the import. */
	map = variant(IXPM_MAP, "  - name: port1\n", NULL,
		      "  - name: port 1\n    interface: port1\n");
	m = ixpm(L2, map, NULL, &e, NULL);
	assert_null(m);
	expect(&e, "imported configuration", 0, "the result would be rejected", "'port 1'", NULL);
	fab_config_errors_clear(&e);
	drop(map);
}

/* JSON is read as YAML: deep nesting is refused as in a configuration. */
static void test_nesting_too_deep(void **state)
{
	struct fab_config_errors e = {0};
	char deep[2 * 1000 + 2], *bad;

	(void)state;
	memset(deep, '[', 1000);
	deep[1000] = '1';
	memset(deep + 1001, ']', 1000);
	deep[2001] = '\0';
	bad = variant(IXF, "\"1.0\"", NULL, deep);
	assert_null(ixf(bad, IXF_MAP, &e));
	expect(&e, bad, line_of(bad, "[[["), "nesting deeper than 64 levels", NULL);
	fab_config_errors_clear(&e);
	drop(bad);
}

/* A temporary copy of a fixture ending just before `at`: a download cut short. */
static char *cut(const char *path, const char *at)
{
	char *text = slurp(path), *end = strstr(text, at);
	char *tmp = strdup("/tmp/peerlan-test-import-XXXXXX.yaml");
	FILE *f;
	int fd;

	assert_non_null(end);
	assert_non_null(tmp);
	fd = mkstemps(tmp, 5);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fwrite(text, 1, (size_t)(end - text), f);
	assert_int_equal(fclose(f), 0);
	free(text);
	return tmp;
}

static bool has_msg(const struct fab_config_errors *e, const char *sub)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->v[i].msg, sub) != NULL)
			return true;
	return false;
}

/*
 * IX-F's vlan_id is IXP Manager's database id, not the 802.1Q tag: the
 * map's 'ixf-vlans' says which LAN it is (the sample's id 1 is tag 100),
 * and id 0 is an id like any other.
 */
static void test_ixf_vlan_id_is_not_the_tag(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = ixf(IXF, IXF_MAP, &e);
	char *bad, *map;
	int lan;

	(void)state;
	assert_imported(m, &e);
	lan = port(m, "port1")->lans[0];
	assert_int_equal(m->lans[lan].vlan, 100);
	assert_string_equal(m->lans[lan].name, "peering");
	assert_true(m->lans[lan].ipv4.set); /* the prefix came through the id, too */
	fab_model_destroy(m);

	map = variant(IXF_MAP, "  - {id: 1, lan: peering}", NULL, "  - {id: 0, lan: peering}");
	bad = variant(IXF, "{ \"id\": 1, \"name\": \"Peering LAN\"", NULL,
		      "{ \"id\": 0, \"name\": \"Peering LAN\"");
	{
		char *b2 = variant(bad, "\"vlan_id\": 1,", NULL, "\"vlan_id\": 0,");
		char *b3 = variant(b2, "\"vlan_id\": 1,", NULL, "\"vlan_id\": 0,");
		char *b4 = variant(b3, "\"vlan_id\": 1,", NULL, "\"vlan_id\": 0,");
		char *b5 = variant(b4, "\"vlan_id\": 1,", NULL, "\"vlan_id\": 0,");

		m = ixf(b5, map, &e);
		assert_imported(m, &e);
		assert_int_equal(m->lans[port(m, "rs1")->lans[0]].vlan, 100);
		fab_model_destroy(m);
		drop(b2);
		drop(b3);
		drop(b4);
		drop(b5);
	}
	drop(bad);
	drop(map);

	/* Without 'ixf-vlans' an IX-F import says what is missing, not which tag is unknown. */
	map = variant(IXF_MAP, "ixf-vlans:\n  - {id: 1, lan: peering}\n", NULL, "");
	assert_null(ixf(IXF, map, &e));
	expect(&e, map, 0, "needs 'ixf-vlans'", "not the 802.1Q tag", NULL);
	fab_config_errors_clear(&e);
	drop(map);
}

/* One vlan_list entry per address family is one LAN: an access port, not a trunk. */
static void test_ixf_mode_from_distinct_vlans(void **state)
{
	struct fab_config_errors e = {0};
	char *split = variant(IXF, "\"ipv4\": { \"address\": \"192.0.2.11\"",
			      "\"ipv6\": { \"address\": \"2001:db8:100::11\"",
			      "\"ipv4\": { \"address\": \"192.0.2.11\", \"mac_addresses\": "
			      "[\"02:00:5e:10:00:01\"] } },\n            { \"vlan_id\": 1, ");
	struct fab_model *m = ixf(split, IXF_MAP, &e);
	const struct fab_connection *c;

	(void)state;
	assert_imported(m, &e);
	assert_int_equal(port(m, "port1")->mode, FAB_PORT_ACCESS);
	assert_int_equal(port(m, "port1")->nlans, 1);
	c = &member(m, 64501)->conns[0];
	assert_int_equal(c->nbindings, 1);
	assert_int_equal(c->bindings[0].nipv4, 1);
	assert_int_equal(c->bindings[0].nipv6, 1);
	assert_int_equal(c->bindings[0].nmacs, 1);
	fab_model_destroy(m);
	drop(split);
}

/* IXP Manager's new member: in quarantine, addresses assigned, no MAC yet. */
static void test_ixpm_quarantine_without_mac(void **state)
{
	struct fab_config_errors e = {0};
	char *l2 = variant(L2, "  - number: 101\n    macaddresses: []\n  shutdown: false\n", NULL,
			   "  - number: 100\n    macaddresses: []\n    ipaddresses:\n"
			   "      ipv4: 192.0.2.14\n      ipv6: 2001:db8:100::14\n"
			   "  shutdown: false\n");
	struct fab_model *m = ixpm(l2, IXPM_MAP, NULL, &e, NULL);

	(void)state;
	assert_imported(m, &e);
	one_lan_port(m, "port5", FAB_LAN_QUARANTINE);
	member(m, 64504); /* kept, being provisioned */
	fab_model_destroy(m);
	drop(l2);
}

/*
 * A spare port: the map gives it LANs, the export does not list it yet. It is
 * imported (so a member put on it later is a change of bindings, which a
 * running dataplane takes); once the export lists it, the export's VLANs win.
 */
static void test_ixpm_spare_port(void **state)
{
	struct fab_config_errors e = {0};
	char *map = variant(IXPM_MAP, "  - name: port6\n    device: \"0000:04:00.1\"\n", NULL,
			    "  - name: port6\n    device: \"0000:04:00.1\"\n"
			    "    lans: [quarantine]\n  - name: port9\n"
			    "    device: \"0000:07:00.0\"\n    lans: [quarantine]\n");
	struct fab_model *m = ixpm(L2, map, NULL, &e, NULL);
	const struct fab_port *p;

	(void)state;
	assert_imported(m, &e);
	assert_int_equal(e.n, 0);
	p = one_lan_port(m, "port9", FAB_LAN_QUARANTINE);
	assert_int_equal(p->kind, FAB_PORT_EDGE);
	assert_int_equal(p->mode, FAB_PORT_ACCESS);
	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t c = 0; c < m->members[i].nconns; c++)
			assert_string_not_equal(m->ports[m->members[i].conns[c].port].name,
						"port9");
	/* port6 is in the export: its VLANs, not the map's. */
	one_lan_port(m, "port6", FAB_LAN_PEERING);
	assert_loads(m);
	fab_model_destroy(m);
	drop(map);
}

/*
 * What the schema makes optional is optional: the member's name when the
 * map gives one, the connection's state, if_speed (also null). What is
 * missing is reported at its record's line, and a member without a name is
 * not said to be missing from the export.
 */
static void test_ixf_optional_fields(void **state)
{
	struct fab_config_errors e = {0}, notes = {0};
	char *a = variant(IXF, "\"member_type\": \"ixp\", \"name\": \"Example Route Servers\",",
			  NULL, "\"member_type\": \"ixp\",");
	char *b = variant(a, "{ \"ixp_id\": 1, \"state\": \"active\",", NULL, "{ \"ixp_id\": 1,");
	char *c = variant(b, "\"if_speed\": 10000 }", NULL, "\"if_speed\": null }");
	char *d;
	struct fab_model *m = ixf(c, IXF_MAP, &e);
	struct fab_import_files f = {.format = FAB_IMPORT_IXF, .map = IXF_MAP};

	(void)state;
	assert_imported(m, &e);
	assert_string_equal(member(m, 64510)->name, "Example IX Route Servers");
	assert_true(port(m, "port1")->admin_up);
	assert_int_equal(port(m, "port1")->speed_mbps, 0);
	fab_model_destroy(m);

	/* AS64501 has no name in the map: its missing name is an error at its record. */
	d = variant(IXF, "\"member_type\": \"peering\", \"name\": \"Example Transit\",", NULL,
		    "\"member_type\": \"peering\",");
	f.ixf = d;
	assert_null(fab_import(&f, &e, &notes));
	expect(&e, d, line_of(d, "\"asnum\": 64501") - 1, "AS64501", "'name'", "missing", NULL);
	assert_false(has_msg(&notes, "not in the IX-F export"));
	fab_config_errors_clear(&e);
	fab_config_errors_clear(&notes);
	drop(d);

	/* A required field missing has its record's line too. */
	d = variant(c, "{ \"vlan_id\": 1,\n              \"ipv4\": { \"address\": \"192.0.2.11\"",
		    NULL, "{\n              \"ipv4\": { \"address\": \"192.0.2.11\"");
	assert_null(ixf(d, IXF_MAP, &e));
	expect(&e, d, line_of(d, "\"address\": \"192.0.2.11\"") - 1, "AS64501 connection 1",
	       "'vlan_id' is missing", NULL);
	fab_config_errors_clear(&e);
	drop(d);
	drop(a);
	drop(b);
	drop(c);
}

/*
 * A member whose MAC is not known yet keeps its port and LAN, forwarding
 * nothing, with a note; an export with no MAC at all is refused.
 */
static void test_ixf_member_without_mac(void **state)
{
	struct fab_config_errors e = {0}, notes = {0};
	char *a = variant(IXF, "\"192.0.2.12\", \"mac_addresses\": [\"02:00:5e:10:00:02\"]", NULL,
			  "\"192.0.2.12\", \"mac_addresses\": []");
	char *b = variant(a, "\"2001:db8:100::12\", \"mac_addresses\": [\"02:00:5e:10:00:02\"]",
			  NULL, "\"2001:db8:100::12\"");
	struct fab_import_files f = {.format = FAB_IMPORT_IXF, .map = IXF_MAP, .ixf = b};
	struct fab_model *m = fab_import(&f, &e, &notes);

	(void)state;
	assert_imported(m, &e);
	assert_int_equal(port(m, "port2")->nlans, 1);
	assert_int_equal(member(m, 64502)->nconns, 0);
	assert_true(has_msg(&notes, "AS64502 connection 1 vlan_id 1: no MAC address yet"));
	fab_model_destroy(m);
	fab_config_errors_clear(&notes);
	drop(a);
	drop(b);
}

/* A LAG of one link is a LAG (so a second link can join without an outage), never a plain port. */
static void test_lag_of_one_link(void **state)
{
	struct fab_config_errors e = {0};
	char *map =
	    variant(IXF_MAP, "    connections: [port1]", NULL, "    connections: [[port1]]");
	struct fab_model *m;
	char *l2;

	(void)state;
	m = ixf(IXF, map, &e);
	assert_non_null(m);
	assert_true(fab_port_is_lag(port(m, "port1")));
	assert_int_equal(port(m, "port1")->lag.nlinks, 1);
	assert_string_equal(port(m, "port1")->lag.links[0], "0000:03:00.0");
	assert_string_equal(port(m, "port1")->device, "");
	fab_model_destroy(m);
	drop(map);

	/* A provisioner LAG member without its master: the export is incomplete. */
	l2 = variant(L2, "  virtualinterfaceid: 11\n  lagframing: false\n", NULL,
		     "  virtualinterfaceid: 11\n  lagframing: true\n");
	assert_null(ixpm(l2, IXPM_MAP, NULL, &e, NULL));
	expect(&e, l2, 0, "interface port1", "LAG member port without its LAG master", NULL);
	fab_config_errors_clear(&e);
	drop(l2);
}

/* A provisioner output cut short (at an entry boundary) is refused, not half imported. */
static void test_ixpm_cut_document(void **state)
{
	struct fab_config_errors e = {0};
	char *l2 = cut(L2, "- type: edge\n  description: Example Newcomer");
	char *vl = cut(VLANS, "...");
	struct fab_import_files f = {
	    .format = FAB_IMPORT_IXP_MANAGER, .vlans = vl, .interfaces = L2, .map = IXPM_MAP};

	(void)state;
	assert_null(ixpm(l2, IXPM_MAP, NULL, &e, NULL));
	expect(&e, l2, 0, "no YAML end marker '...'", "cut short", NULL);
	fab_config_errors_clear(&e);
	assert_null(fab_import(&f, &e, NULL));
	expect(&e, vl, 0, "no YAML end marker", NULL);
	fab_config_errors_clear(&e);
	drop(l2);
	drop(vl);
}

/* Deep nesting costs time linear in the file: 200,000 levels are refused at once. */
static void test_nesting_time(void **state)
{
	enum { LEVELS = 200000 };
	struct fab_config_errors e = {0};
	char *deep = malloc(2 * LEVELS + 64), *bad;
	struct timespec t0, t1;
	double s;

	(void)state;
	assert_non_null(deep);
	memset(deep, '[', LEVELS);
	memset(deep + LEVELS, ']', LEVELS);
	deep[2 * LEVELS] = '\0';
	bad = variant(IXF, "\"1.0\"", NULL, deep);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(ixf(bad, IXF_MAP, &e));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	expect(&e, bad, 0, "nesting deeper than 64 levels", NULL);
	assert_true(s < 2.0);
	fab_config_errors_clear(&e);
	drop(bad);
	free(deep);
}

/* Long messages whole; a key given twice refused; an empty ixp_list explained. */
static void test_messages_and_keys(void **state)
{
	struct fab_config_errors e = {0};
	static const char longname[] = "a-lag-master-with-a-long-name-as-some-switches-use-them";
	char *l1 = variant(L2, "  name: bond3\n", NULL,
			   "  name: a-lag-master-with-a-long-name-as-some-switches-use-them\n");
	char *l2 = variant(l1, "  name: port3\n", NULL,
			   "  name: a-lag-link-with-a-long-name-as-some-switches-use-them-too\n");
	char *map = variant(IXPM_MAP, "exclude: [bond3, port3, port4]", NULL, "exclude: []");
	char *bad;
	bool whole = false;

	(void)state;
	assert_null(ixpm(l2, map, NULL, &e, NULL));
	for (size_t i = 0; i < e.n; i++)
		if (strstr(e.v[i].msg, longname) != NULL && strstr(e.v[i].msg, "-too of LAG") &&
		    strlen(e.v[i].msg) > 255) {
			const char *end = "or exclude it";
			size_t n = strlen(e.v[i].msg);

			whole = n > strlen(end) && strcmp(e.v[i].msg + n - strlen(end), end) == 0;
		}
	if (!whole)
		fab_config_errors_print(&e, stderr);
	assert_true(whole);
	fab_config_errors_clear(&e);
	drop(l2);
	drop(l1);
	drop(map);

	bad = variant(IXF, "\"asnum\": 64502,", NULL, "\"asnum\": 64502, \"asnum\": 64599,");
	assert_null(ixf(bad, IXF_MAP, &e));
	expect(&e, bad, line_of(bad, "\"asnum\": 64599"), "duplicate key 'asnum'", NULL);
	fab_config_errors_clear(&e);
	drop(bad);

	bad = variant(IXF, "\"ixp_list\": [", "\"member_list\"", "\"ixp_list\": [],\n  ");
	assert_null(ixf(bad, IXF_MAP, &e));
	expect(&e, bad, 0, "ixp_list is empty", "no exchange", NULL);
	assert_false(has_msg(&e, "ixp-id"));
	fab_config_errors_clear(&e);
	drop(bad);
}

/* The loader's `import:` section: the same model as the import, re-read on every load. */
static void test_config_import_section(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *a = ixpm(L2, IXPM_MAP, NULL, &e, NULL);
	struct fab_model *b = fab_config_load_file(DIR "ixpm-config.yaml", &e);
	struct fab_model *c = ixf(IXF, IXF_MAP, &e);
	struct fab_model *d = fab_config_load_file(DIR "ixf-config.yaml", &e);
	const char *text;

	(void)state;
	fab_config_errors_print(&e, stderr);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(fab_model_equal(a, b));
	assert_non_null(c);
	assert_non_null(d);
	assert_true(fab_model_equal(c, d));
	fab_model_destroy(a);
	fab_model_destroy(b);
	fab_model_destroy(c);
	fab_model_destroy(d);

	/* Everything else belongs in the map; a mixed file is rejected. */
	text = "fabric: {name: x}\nimport: {format: ixf, export: e.json, map: m.yaml}\n";
	assert_null(fab_config_load_string(text, strlen(text), "mixed.yaml", &e));
	expect(&e, "mixed.yaml", 0, "unknown key 'fabric'", NULL);
	fab_config_errors_clear(&e);

	text = "import: {format: ixp-manger, map: m.yaml}\n";
	assert_null(fab_config_load_string(text, strlen(text), "fmt.yaml", &e));
	expect(&e, "fmt.yaml", 0, "invalid format 'ixp-manger'", NULL);
	fab_config_errors_clear(&e);

	/* Relative paths are relative to the configuration file; a missing file is named. */
	text = "import: {format: ixf, export: nowhere.json, map: ixf-map.yaml}\n";
	assert_null(fab_config_load_string(text, strlen(text), DIR "cfg.yaml", &e));
	expect(&e, DIR "nowhere.json", 0, "cannot open", NULL);
	fab_config_errors_clear(&e);
}

/*
 * Sent configurations: the sender imports (fab_config_import_text) and sends
 * the canonical text; a receiver (fab_config_load_sent) refuses `import:`,
 * which would have it read files with its own rights.
 */
static void test_config_import_sent(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *want = fab_config_load_file(DIR "ixpm-config.yaml", &e), *got;
	const char *plain = "fabric: {name: x}\n";
	char text[512], *out;
	size_t len, outlen;
	FILE *f = fopen(DIR "ixpm-config.yaml", "r");

	(void)state;
	assert_non_null(want);
	assert_non_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_true(len > 0 && len < sizeof(text) - 1);
	assert_null(fab_config_load_sent(text, len, "sent.yaml", &e));
	expect(&e, "sent.yaml", 0, "'import' is not accepted here", NULL);
	fab_config_errors_clear(&e);

	assert_int_equal(
	    fab_config_import_text(text, len, DIR "ixpm-config.yaml", &out, &outlen, &e), 0);
	assert_non_null(out);
	got = fab_config_load_sent(out, outlen, "sent.yaml", &e);
	assert_non_null(got);
	assert_true(fab_model_equal(got, want));
	free(out);
	fab_model_destroy(got);
	fab_model_destroy(want);

	/* Without an import there is nothing to do; a failed one names the file. */
	assert_int_equal(fab_config_import_text(plain, strlen(plain), "p.yaml", &out, &outlen, &e),
			 0);
	assert_null(out);
	assert_int_equal(e.n, 0);
	plain = "import: {format: ixf, export: nowhere.json, map: ixf-map.yaml}\n";
	assert_int_equal(
	    fab_config_import_text(plain, strlen(plain), DIR "cfg.yaml", &out, &outlen, &e),
	    -EINVAL);
	assert_null(out);
	expect(&e, DIR "nowhere.json", 0, "cannot open", NULL);
	fab_config_errors_clear(&e);
}

static char *diff_text(const struct fab_model *a, const struct fab_model *b, size_t *lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	*lines = fab_model_diff(a, b, out);
	fclose(out);
	return text;
}

/* A re-import of a changed export: one MAC changed, one member added, and nothing else. */
static void test_diff_changed_export(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *a = ixpm(L2, IXPM_MAP, NULL, &e, NULL);
	struct fab_model *b = ixpm(L2_CHANGED, IXPM_MAP, NULL, &e, NULL);
	size_t lines;
	char *text;

	(void)state;
	fab_config_errors_print(&e, stderr);
	assert_non_null(a);
	assert_non_null(b);
	text = diff_text(a, a, &lines);
	assert_int_equal(lines, 0);
	assert_string_equal(text, "");
	free(text);
	text = diff_text(a, b, &lines);
	assert_string_equal(text, "+ port port7 (device 0000:05:00.0)\n"
				  "- AS64501 port port1 lan peering: mac 02:00:5e:10:00:01\n"
				  "+ AS64501 port port1 lan peering: mac 02:00:5e:10:00:11\n"
				  "+ member AS64506 (Example Newer)\n"
				  "+ AS64506 port port7 lan peering: mac 02:00:5e:10:00:07\n"
				  "+ AS64506 port port7 lan peering: ipv4 192.0.2.17\n"
				  "+ AS64506 port port7 lan peering: ipv6 2001:db8:100::17\n");
	assert_int_equal(lines, 7);
	free(text);
	/* Backwards, the same changes undone. */
	text = diff_text(b, a, &lines);
	assert_int_equal(lines, 7);
	assert_non_null(strstr(text, "- member AS64506 (Example Newer)\n"));
	assert_non_null(strstr(text, "- port port7 (device 0000:05:00.0)\n"));
	free(text);
	fab_model_destroy(a);
	fab_model_destroy(b);
}

/* Every kind of field change is reported where it is. */
static void test_diff_fields(void **state)
{
	struct fab_config_errors e = {0};
	struct fab_model *a = ixpm(L2, IXPM_MAP, NULL, &e, NULL);
	struct fab_model *b;
	size_t lines;
	char *text;

	(void)state;
	assert_non_null(a);
	b = fab_model_clone(a);
	assert_non_null(b);
	b->policy.violation = FAB_VIOLATION_SHUTDOWN;
	b->ports[fab_model_port_by_name(b, "port6")].admin_up = true;
	b->lans[fab_model_lan_by_name(b, "quarantine")].vlan = 102;
	snprintf(b->members[fab_model_member_by_asn(b, 64502)].name, FAB_NAME_MAX, "Renamed");
	text = diff_text(a, b, &lines);
	assert_string_equal(text, "~ policy violation: restrict -> shutdown\n"
				  "~ lan quarantine vlan: 101 -> 102\n"
				  "~ port port6 admin: down -> up\n"
				  "~ member AS64502 name: Example Content -> Renamed\n");
	assert_int_equal(lines, 4);
	free(text);
	fab_model_destroy(a);
	fab_model_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ixpm_sample),
	    cmocka_unit_test(test_ixpm_sample_lag),
	    cmocka_unit_test(test_ixpm_core_bundle_lag),
	    cmocka_unit_test(test_ixpm_lan_mtu),
	    cmocka_unit_test(test_ixpm_names_from_ixf),
	    cmocka_unit_test(test_doc_shows_map),
	    cmocka_unit_test(test_ixf_sample),
	    cmocka_unit_test(test_ixf_sample_lag),
	    cmocka_unit_test(test_ixpm_errors),
	    cmocka_unit_test(test_ixf_errors),
	    cmocka_unit_test(test_file_and_map_errors),
	    cmocka_unit_test(test_nesting_too_deep),
	    cmocka_unit_test(test_ixf_vlan_id_is_not_the_tag),
	    cmocka_unit_test(test_ixf_mode_from_distinct_vlans),
	    cmocka_unit_test(test_ixpm_quarantine_without_mac),
	    cmocka_unit_test(test_ixpm_spare_port),
	    cmocka_unit_test(test_ixf_optional_fields),
	    cmocka_unit_test(test_ixf_member_without_mac),
	    cmocka_unit_test(test_lag_of_one_link),
	    cmocka_unit_test(test_ixpm_cut_document),
	    cmocka_unit_test(test_nesting_time),
	    cmocka_unit_test(test_messages_and_keys),
	    cmocka_unit_test(test_config_import_section),
	    cmocka_unit_test(test_config_import_sent),
	    cmocka_unit_test(test_diff_changed_export),
	    cmocka_unit_test(test_diff_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
