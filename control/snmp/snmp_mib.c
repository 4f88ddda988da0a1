/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl_persist.h"
#include "fabric/counters.h"
#include "fabric/model.h"
#include "snmp_mib.h"

/* IF-MIB */
#define MIB2 1, 3, 6, 1, 2, 1
static const oid o_ifNumber[] = {MIB2, 2, 1, 0};
static const oid o_ifEntry[] = {MIB2, 2, 2, 1};
static const oid o_ifXEntry[] = {MIB2, 31, 1, 1, 1};
static const oid o_ifStackStatus[] = {MIB2, 31, 1, 2, 1, 3};
static const oid o_ifTableLastChange[] = {MIB2, 31, 1, 5, 0};
/* BRIDGE-MIB and Q-BRIDGE-MIB */
static const oid o_dot1dBaseNumPorts[] = {MIB2, 17, 1, 2, 0};
static const oid o_dot1dBaseType[] = {MIB2, 17, 1, 3, 0};
static const oid o_dot1dBasePortEntry[] = {MIB2, 17, 1, 4, 1};
static const oid o_dot1dTpFdbEntry[] = {MIB2, 17, 4, 3, 1};
static const oid o_dot1qTpFdbEntry[] = {MIB2, 17, 7, 1, 2, 2, 1};
static const oid o_dot1qVlanFdbId[] = {MIB2, 17, 7, 1, 4, 2, 1, 3};
static const oid o_dot1qVlanStaticName[] = {MIB2, 17, 7, 1, 4, 3, 1, 1};
/* IEEE8023-LAG-MIB: dot3adAggEntry, dot3adAggPortListEntry, dot3adAggPortEntry */
#define LAGMIB 1, 2, 840, 10006, 300, 43, 1
static const oid o_dot3adAggEntry[] = {LAGMIB, 1, 1, 1};
static const oid o_dot3adAggPortListEntry[] = {LAGMIB, 1, 2, 1};
static const oid o_dot3adAggPortEntry[] = {LAGMIB, 2, 1, 1};
/* PEERLAN-MIB plDropEntry */
static const oid o_plDropEntry[] = {1, 3, 6, 1, 4, 1, SNMP_PEERLAN_ENTERPRISE, 1, 1, 1};

const struct snmp_subtree snmp_subtrees[] = {
    {"interfaces", {MIB2, 2}, 7},
    {"ifXTable", {MIB2, 31, 1, 1}, 9},
    {"ifStackTable", {MIB2, 31, 1, 2}, 9},
    {"ifTableLastChange", {MIB2, 31, 1, 5}, 9},
    {"BRIDGE-MIB", {MIB2, 17}, 7},
    {"IEEE8023-LAG-MIB", {1, 2, 840, 10006, 300, 43}, 6},
    {"PEERLAN-MIB", {1, 3, 6, 1, 4, 1, SNMP_PEERLAN_ENTERPRISE}, 7},
};
const size_t snmp_nsubtrees = sizeof(snmp_subtrees) / sizeof(snmp_subtrees[0]);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The longest name kept in the state file: a LAG link's LAG/DEVICE, with
 * the NUL; the width in load()'s format is one less. */
#define SNMP_IFNAME_MAX 320
_Static_assert(SNMP_IFNAME_MAX >= FAB_NAME_MAX + FAB_DEVICE_MAX, "LAG/DEVICE must fit");

/* What one port looked like at the last build, by ifIndex. */
struct port_hist {
	bool seen;
	int oper;               /* ifOperStatus */
	uint32_t last_change;   /* ifLastChange */
	uint32_t discontinuity; /* ifCounterDiscontinuityTime */
	bool have;              /* counters below are from the dataplane */
	uint64_t ctr[FAB_CTR__COUNT];
	uint64_t drop[FAB_DROP__COUNT];
};

struct ifname {
	char *name;
	uint32_t ifindex;
};

struct snmp_mib {
	char path[4096];
	struct ifname *names;
	size_t nnames;
	uint32_t max_ifindex;
	struct port_hist *hist; /* indexed by ifIndex, max_ifindex + 1 of them */
	size_t nhist;
	int64_t dp_start; /* dataplane start, seconds on the agent's clock; -1 unknown */
	uint32_t table_change;
	size_t last_nports; /* interfaces at the last build */
};

uint32_t snmp_mib_ifindex(const struct snmp_mib *m, const char *name)
{
	for (size_t i = 0; i < m->nnames; i++)
		if (strcmp(m->names[i].name, name) == 0)
			return m->names[i].ifindex;
	return 0;
}

static int add_name(struct snmp_mib *m, const char *name, uint32_t ifindex)
{
	struct ifname *p = realloc(m->names, (m->nnames + 1) * sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	m->names = p;
	p[m->nnames].name = strdup(name);
	if (p[m->nnames].name == NULL)
		return -ENOMEM;
	p[m->nnames++].ifindex = ifindex;
	if (ifindex > m->max_ifindex)
		m->max_ifindex = ifindex;
	return 0;
}

/* The file: one "IFINDEX NAME" a line, in the order they were given. */
static int load(struct snmp_mib *m, char *err, size_t errlen)
{
	FILE *f = fopen(m->path, "r");
	char line[SNMP_IFNAME_MAX + 32];
	unsigned lineno = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", m->path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[SNMP_IFNAME_MAX], extra;
		unsigned long idx;
		int n;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		n = sscanf(line, "%lu %319s %c", &idx, name, &extra);
		if (n != 2 || idx == 0 || idx > INT32_MAX || snmp_mib_ifindex(m, name) != 0 ||
		    strchr(line, '\n') == NULL) {
			snprintf(err, errlen, "%s:%u: not \"IFINDEX NAME\" of a new name and index",
				 m->path, lineno);
			fclose(f);
			return -EINVAL;
		}
		for (size_t i = 0; i < m->nnames; i++)
			if (m->names[i].ifindex == idx) {
				snprintf(err, errlen, "%s:%u: ifIndex %lu given twice", m->path,
					 lineno, idx);
				fclose(f);
				return -EINVAL;
			}
		if (add_name(m, name, (uint32_t)idx) != 0) {
			fclose(f);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	fclose(f);
	return 0;
}

static int save(const struct snmp_mib *m)
{
	size_t cap = 64 + m->nnames * (SNMP_IFNAME_MAX + 16), len = 0;
	char *buf = malloc(cap);
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	len += (size_t)snprintf(buf, cap,
				"# peerlan-snmp: the ifIndex of every port and LAG link name it "
				"has served\n");
	for (size_t i = 0; i < m->nnames; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%" PRIu32 " %s\n",
					m->names[i].ifindex, m->names[i].name);
	rc = ctl_write_atomic(m->path, buf, len);
	free(buf);
	return rc;
}

struct snmp_mib *snmp_mib_create(const char *state_path, char *err, size_t errlen)
{
	struct snmp_mib *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->dp_start = -1;
	if ((size_t)snprintf(m->path, sizeof(m->path), "%s", state_path) >= sizeof(m->path)) {
		snprintf(err, errlen, "state file name too long");
		free(m);
		return NULL;
	}
	if (load(m, err, errlen) != 0) {
		snmp_mib_destroy(m);
		return NULL;
	}
	return m;
}

void snmp_mib_destroy(struct snmp_mib *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i].name);
	free(m->names);
	free(m->hist);
	free(m);
}

static int grow_hist(struct snmp_mib *m)
{
	size_t want = (size_t)m->max_ifindex + 1;
	struct port_hist *p;

	if (want <= m->nhist)
		return 0;
	p = realloc(m->hist, want * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	memset(p + m->nhist, 0, (want - m->nhist) * sizeof(*p));
	m->hist = p;
	m->nhist = want;
	return 0;
}

static uint64_t jnum(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Builds into v; rc accumulates the first error. */
struct build {
	struct snmp_view *v;
	int rc;
};

static void b_int(struct build *b, const oid *p, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, int64_t val)
{
	if (b->rc == 0)
		b->rc = snmp_view_int(b->v, p, plen, idx, nidx, type, val);
}

static void b_u64(struct build *b, const oid *p, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, uint64_t val)
{
	if (b->rc == 0)
		b->rc = snmp_view_u64(b->v, p, plen, idx, nidx, type, val);
}

static void b_str(struct build *b, const oid *p, size_t plen, const oid *idx, size_t nidx,
		  const void *s, size_t len)
{
	if (b->rc == 0)
		b->rc = snmp_view_str(b->v, p, plen, idx, nidx, s, len);
}

/* One column of a table entry: entry.col.idx... */
static void col_int(struct build *b, const oid *entry, size_t elen, oid col, const oid *idx,
		    size_t nidx, uint8_t type, int64_t val)
{
	oid p[SNMP_OID_MAX];

	memcpy(p, entry, elen * sizeof(oid));
	p[elen] = col;
	b_int(b, p, elen + 1, idx, nidx, type, val);
}

static void col_u64(struct build *b, const oid *entry, size_t elen, oid col, const oid *idx,
		    size_t nidx, uint8_t type, uint64_t val)
{
	oid p[SNMP_OID_MAX];

	memcpy(p, entry, elen * sizeof(oid));
	p[elen] = col;
	b_u64(b, p, elen + 1, idx, nidx, type, val);
}

static void col_bytes(struct build *b, const oid *entry, size_t elen, oid col, const oid *idx,
		      size_t nidx, const void *s, size_t len)
{
	oid p[SNMP_OID_MAX];

	memcpy(p, entry, elen * sizeof(oid));
	p[elen] = col;
	b_str(b, p, elen + 1, idx, nidx, s, len);
}

static void col_str(struct build *b, const oid *entry, size_t elen, oid col, const oid *idx,
		    size_t nidx, const char *s)
{
	col_bytes(b, entry, elen, col, idx, nidx, s, strlen(s));
}

static void col_null_oid(struct build *b, const oid *entry, size_t elen, oid col, const oid *idx,
			 size_t nidx)
{
	oid p[SNMP_OID_MAX];

	memcpy(p, entry, elen * sizeof(oid));
	p[elen] = col;
	if (b->rc == 0)
		b->rc = snmp_view_null_oid(b->v, p, elen + 1, idx, nidx);
}

static int parse_mac(const char *s, oid out[6])
{
	unsigned v[6];
	char extra;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		out[i] = v[i];
	return 0;
}

/* The MAC address at key of o as 6 bytes; all zero when there is none. */
static void mac_bytes(json_t *o, const char *key, uint8_t out[6])
{
	oid mac[6];

	memset(out, 0, 6);
	if (parse_mac(jstr(o, key), mac) == 0)
		for (int k = 0; k < 6; k++)
			out[k] = (uint8_t)mac[k];
}

static bool mac_known(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) != 0;
}

enum { UP = 1, DOWN = 2, UNKNOWN = 4 };

static int oper_status(const char *s)
{
	if (strcmp(s, "up") == 0)
		return UP;
	if (strcmp(s, "unknown") == 0)
		return UNKNOWN;
	return DOWN; /* down, err-disabled */
}

/* ifAlias: the description, else the member(s) on the port. */
static void port_alias(json_t *port, char *buf, size_t len)
{
	const char *d = jstr(port, "description");
	json_t *mb;
	size_t i, o = 0;

	buf[0] = '\0';
	if (d[0] != '\0') {
		snprintf(buf, len, "%s", d);
		return;
	}
	json_array_foreach(json_object_get(port, "members"), i, mb)
	{
		int n = snprintf(buf + o, len - o, "%sAS%" PRIu64 " %s", i ? ", " : "",
				 jnum(mb, "asn"), jstr(mb, "name"));

		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

/* Reads the port's counters into h; false (h unchanged) if it has none. */
static bool read_counters(json_t *port, struct port_hist *h, bool *backwards)
{
	json_t *c = json_object_get(port, "counters"), *d = json_object_get(port, "drop_reasons");
	uint64_t ctr[FAB_CTR__COUNT], drop[FAB_DROP__COUNT];

	if (!json_is_object(c) || !json_is_object(d))
		return false;
	*backwards = false;
	for (int k = 0; k < FAB_CTR__COUNT; k++) {
		ctr[k] = jnum(c, fab_counter_name(k));
		*backwards |= h->have && ctr[k] < h->ctr[k];
	}
	for (int k = 0; k < FAB_DROP__COUNT; k++) {
		drop[k] = jnum(d, fab_drop_name(k));
		*backwards |= h->have && drop[k] < h->drop[k];
	}
	memcpy(h->ctr, ctr, sizeof(ctr));
	memcpy(h->drop, drop, sizeof(drop));
	h->have = true;
	return true;
}

static uint32_t c32(uint64_t v)
{
	return (uint32_t)v;
}

/* ifTable and ifXTable: a port, a LAG or a LAG's link (iftype). */
static void if_rows(struct build *b, json_t *port, uint32_t ifindex, const struct port_hist *h,
		    int iftype)
{
	const oid idx[] = {ifindex};
	const uint64_t *c = h->ctr;
	const char *name = jstr(port, "name");
	uint64_t speed = jnum(port, "speed_mbps");
	char alias[256];
	uint8_t mac[6];
	const oid *e = o_ifEntry, *x = o_ifXEntry;
	size_t el = N(o_ifEntry), xl = N(o_ifXEntry);

	port_alias(port, alias, sizeof(alias));
	col_int(b, e, el, 1, idx, 1, ASN_INTEGER, ifindex);
	col_str(b, e, el, 2, idx, 1, name);
	col_int(b, e, el, 3, idx, 1, ASN_INTEGER, iftype);
	col_int(b, e, el, 4, idx, 1, ASN_INTEGER, (int64_t)jnum(port, "mtu"));
	col_u64(b, e, el, 5, idx, 1, ASN_GAUGE,
		speed * 1000000 > UINT32_MAX ? UINT32_MAX : speed * 1000000);
	/* The port's MAC address as the dataplane's driver reports it (a
	 * LAG's: its bond's); empty when it is not known (a LAG's link). */
	mac_bytes(port, "mac_address", mac);
	col_bytes(b, e, el, 6, idx, 1, mac, mac_known(mac) ? 6 : 0);
	col_int(b, e, el, 7, idx, 1, ASN_INTEGER,
		strcmp(jstr(port, "admin"), "up") == 0 ? UP : DOWN);
	col_int(b, e, el, 8, idx, 1, ASN_INTEGER, h->oper);
	col_u64(b, e, el, 9, idx, 1, ASN_TIMETICKS, h->last_change);
	col_u64(b, e, el, 10, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_rx_octets]));
	col_u64(b, e, el, 11, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_rx_unicast]));
	col_u64(b, e, el, 12, idx, 1, ASN_COUNTER,
		c32(c[FAB_CTR_rx_multicast] + c[FAB_CTR_rx_broadcast]));
	/* Every frame dropped, whatever the reason, and those the device lost. */
	col_u64(b, e, el, 13, idx, 1, ASN_COUNTER,
		c32(c[FAB_CTR_rx_discards] + c[FAB_CTR_rx_missed]));
	col_u64(b, e, el, 14, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_rx_errors]));
	col_u64(b, e, el, 15, idx, 1, ASN_COUNTER, 0);
	col_u64(b, e, el, 16, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_tx_octets]));
	col_u64(b, e, el, 17, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_tx_unicast]));
	col_u64(b, e, el, 18, idx, 1, ASN_COUNTER,
		c32(c[FAB_CTR_tx_multicast] + c[FAB_CTR_tx_broadcast]));
	col_u64(b, e, el, 19, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_tx_discards]));
	col_u64(b, e, el, 20, idx, 1, ASN_COUNTER,
		c32(jnum(json_object_get(port, "counters"), "tx_errors")));
	col_u64(b, e, el, 21, idx, 1, ASN_GAUGE, 0);
	col_null_oid(b, e, el, 22, idx, 1);

	col_str(b, x, xl, 1, idx, 1, name);
	col_u64(b, x, xl, 2, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_rx_multicast]));
	col_u64(b, x, xl, 3, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_rx_broadcast]));
	col_u64(b, x, xl, 4, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_tx_multicast]));
	col_u64(b, x, xl, 5, idx, 1, ASN_COUNTER, c32(c[FAB_CTR_tx_broadcast]));
	col_u64(b, x, xl, 6, idx, 1, ASN_COUNTER64, c[FAB_CTR_rx_octets]);
	col_u64(b, x, xl, 7, idx, 1, ASN_COUNTER64, c[FAB_CTR_rx_unicast]);
	col_u64(b, x, xl, 8, idx, 1, ASN_COUNTER64, c[FAB_CTR_rx_multicast]);
	col_u64(b, x, xl, 9, idx, 1, ASN_COUNTER64, c[FAB_CTR_rx_broadcast]);
	col_u64(b, x, xl, 10, idx, 1, ASN_COUNTER64, c[FAB_CTR_tx_octets]);
	col_u64(b, x, xl, 11, idx, 1, ASN_COUNTER64, c[FAB_CTR_tx_unicast]);
	col_u64(b, x, xl, 12, idx, 1, ASN_COUNTER64, c[FAB_CTR_tx_multicast]);
	col_u64(b, x, xl, 13, idx, 1, ASN_COUNTER64, c[FAB_CTR_tx_broadcast]);
	col_int(b, x, xl, 14, idx, 1, ASN_INTEGER, 2); /* traps: disabled */
	col_u64(b, x, xl, 15, idx, 1, ASN_GAUGE, speed > UINT32_MAX ? UINT32_MAX : speed);
	col_int(b, x, xl, 16, idx, 1, ASN_INTEGER, 2); /* not promiscuous */
	col_int(b, x, xl, 17, idx, 1, ASN_INTEGER, 1); /* a connector */
	col_str(b, x, xl, 18, idx, 1, alias);
	col_u64(b, x, xl, 19, idx, 1, ASN_TIMETICKS, h->discontinuity);
}

/* ifStackStatus.HIGHER.LOWER active(1); 0 is nothing above or below. */
static void stack_row(struct build *b, uint32_t higher, uint32_t lower)
{
	const oid idx[] = {higher, lower};

	b_int(b, o_ifStackStatus, N(o_ifStackStatus), idx, 2, ASN_INTEGER, 1);
}

/* A port's rows outside IF-MIB: it is a bridge port and has drops. */
static void bridge_port_rows(struct build *b, uint32_t ifindex, const struct port_hist *h)
{
	const oid idx[] = {ifindex};

	/* BRIDGE-MIB: the bridge port number is the ifIndex. */
	col_int(b, o_dot1dBasePortEntry, N(o_dot1dBasePortEntry), 1, idx, 1, ASN_INTEGER, ifindex);
	col_int(b, o_dot1dBasePortEntry, N(o_dot1dBasePortEntry), 2, idx, 1, ASN_INTEGER, ifindex);
	col_null_oid(b, o_dot1dBasePortEntry, N(o_dot1dBasePortEntry), 3, idx, 1);
	/* PEERLAN-MIB: drops by reason; the reason index is its place in
	 * fabric/counters.h, plus one. */
	for (int k = 0; k < FAB_DROP__COUNT; k++) {
		const oid di[] = {ifindex, (oid)k + 1};

		col_str(b, o_plDropEntry, N(o_plDropEntry), 2, di, 2, fab_drop_name(k));
		col_u64(b, o_plDropEntry, N(o_plDropEntry), 3, di, 2, ASN_COUNTER64, h->drop[k]);
	}
}

struct fdb_ent {
	uint64_t mac;
	size_t order;
	uint32_t ifindex;
};

static int cmp_fdb(const void *a, const void *b)
{
	const struct fdb_ent *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void mac_oids(uint64_t mac, oid out[6])
{
	for (int k = 0; k < 6; k++)
		out[k] = (mac >> (8 * (5 - k))) & 0xff;
}

/* The forwarding tables: every provisioned MAC, status mgmt(5). */
static void fdb_rows(struct build *b, const struct snmp_mib *m, json_t *macs)
{
	json_t *a = json_object_get(macs, "macs"), *e;
	struct fdb_ent *all = calloc(json_array_size(a) + 1, sizeof(*all));
	size_t i, n = 0;

	if (all == NULL) {
		b->rc = -ENOMEM;
		return;
	}
	json_array_foreach(a, i, e)
	{
		oid mac[6], qidx[7];
		uint32_t ifindex = snmp_mib_ifindex(m, jstr(e, "port"));
		uint64_t vlan = jnum(e, "vlan");

		if (ifindex == 0 || vlan == 0 || vlan > 4094 || parse_mac(jstr(e, "mac"), mac) != 0)
			continue;
		qidx[0] = vlan;
		memcpy(qidx + 1, mac, sizeof(mac));
		col_int(b, o_dot1qTpFdbEntry, N(o_dot1qTpFdbEntry), 2, qidx, 7, ASN_INTEGER,
			ifindex);
		col_int(b, o_dot1qTpFdbEntry, N(o_dot1qTpFdbEntry), 3, qidx, 7, ASN_INTEGER, 5);
		all[n].mac = 0;
		for (int k = 0; k < 6; k++)
			all[n].mac = all[n].mac << 8 | mac[k];
		all[n].order = i;
		all[n++].ifindex = ifindex;
	}
	/* dot1dTpFdbTable has one row a MAC: the first LAN's. */
	qsort(all, n, sizeof(*all), cmp_fdb);
	for (i = 0; i < n; i++) {
		oid mac[6];
		uint8_t raw[6];

		if (i > 0 && all[i].mac == all[i - 1].mac)
			continue;
		mac_oids(all[i].mac, mac);
		for (int k = 0; k < 6; k++)
			raw[k] = (uint8_t)mac[k];
		{
			oid p[SNMP_OID_MAX];

			memcpy(p, o_dot1dTpFdbEntry, sizeof(o_dot1dTpFdbEntry));
			p[N(o_dot1dTpFdbEntry)] = 1;
			b_str(b, p, N(o_dot1dTpFdbEntry) + 1, mac, 6, raw, 6);
		}
		col_int(b, o_dot1dTpFdbEntry, N(o_dot1dTpFdbEntry), 2, mac, 6, ASN_INTEGER,
			all[i].ifindex);
		col_int(b, o_dot1dTpFdbEntry, N(o_dot1dTpFdbEntry), 3, mac, 6, ASN_INTEGER, 5);
	}
	free(all);
}

/* Q-BRIDGE-MIB: each LAN's VLAN, its name and its filtering database. */
static void vlan_rows(struct build *b, json_t *ports)
{
	uint8_t *seen = calloc(4096, 1);
	json_t *p, *l;
	size_t i, k;

	if (seen == NULL) {
		b->rc = -ENOMEM;
		return;
	}
	json_array_foreach(json_object_get(ports, "ports"), i, p)
	{
		json_array_foreach(json_object_get(p, "lans"), k, l)
		{
			uint64_t vlan = jnum(l, "vlan");
			const oid cur[] = {0, vlan}, st[] = {vlan};

			if (vlan == 0 || vlan > 4094 || seen[vlan])
				continue;
			seen[vlan] = 1;
			b_u64(b, o_dot1qVlanFdbId, N(o_dot1qVlanFdbId), cur, 2, ASN_UNSIGNED, vlan);
			b_str(b, o_dot1qVlanStaticName, N(o_dot1qVlanStaticName), st, 1,
			      jstr(l, "lan"), strlen(jstr(l, "lan")));
		}
	}
	free(seen);
}

/* IEEE 802.1AX actor/partner state bits as show lag names them, lowest
 * first; LacpState BITS puts bit 0 in the top bit of its octet. */
static const char *const lacp_bits[8] = {
    "activity",   "timeout",      "aggregation", "synchronization",
    "collecting", "distributing", "defaulted",   "expired",
};

static uint8_t lacp_state(json_t *end)
{
	json_t *s;
	size_t i;
	uint8_t v = 0;

	json_array_foreach(json_object_get(end, "state"), i, s)
	{
		for (int k = 0; k < 8; k++)
			if (json_is_string(s) && strcmp(json_string_value(s), lacp_bits[k]) == 0)
				v |= (uint8_t)(0x80u >> k);
	}
	return v;
}

static bool usable_name(const char *name, size_t max)
{
	return name[0] != '\0' && strlen(name) < max && strchr(name, ' ') == NULL &&
	       strchr(name, '\n') == NULL;
}

/* The LAG of show lag on the port named port, or NULL. */
static json_t *lag_of(json_t *lags, const char *port)
{
	json_t *g;
	size_t i;

	json_array_foreach(lags, i, g)
	{
		if (strcmp(jstr(g, "port"), port) == 0)
			return g;
	}
	return NULL;
}

/* A link's name: LAG/DEVICE; false if it cannot be one. */
static bool link_name(json_t *g, json_t *l, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", jstr(g, "port"), jstr(l, "device"));

	return n > 0 && (size_t)n < len && jstr(l, "device")[0] != '\0' &&
	       usable_name(buf, SNMP_IFNAME_MAX);
}

/* A link as a port of show ports: its carrier, the LAG's admin state,
 * MTU and alias, its own NIC counters (every frame counted as unicast:
 * the NIC does not tell them apart). */
static json_t *link_as_port(json_t *port, json_t *l, const char *name)
{
	json_t *k = json_object_get(l, "counters");
	json_t *p = json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{}}", "name", name,
	    "description", jstr(port, "description"), "admin", jstr(port, "admin"), "oper",
	    strcmp(jstr(l, "carrier"), "up") == 0 ? "up" : "down", "mtu",
	    (json_int_t)jnum(port, "mtu"), "speed_mbps", 0, "counters", "rx_octets",
	    (json_int_t)jnum(k, "rx_bytes"), "rx_unicast", (json_int_t)jnum(k, "rx_packets"),
	    "rx_errors", (json_int_t)jnum(k, "rx_errors"), "tx_octets",
	    (json_int_t)jnum(k, "tx_bytes"), "tx_unicast", (json_int_t)jnum(k, "tx_packets"),
	    "tx_errors", (json_int_t)jnum(k, "tx_errors"), "drop_reasons");

	if (p != NULL && json_is_array(json_object_get(port, "members")))
		json_object_set(p, "members", json_object_get(port, "members"));
	return p;
}

/* What the interface did since the last build: ifLastChange and
 * ifCounterDiscontinuityTime move, counters are read. */
static void track(struct port_hist *h, json_t *port, bool restarted, uint32_t now_ticks)
{
	int oper = oper_status(jstr(port, "oper"));
	bool backwards = false;

	if (h->seen && oper != h->oper)
		h->last_change = now_ticks;
	h->oper = oper;
	/* No counters (no dataplane): the last ones stay, frozen. */
	if (read_counters(port, h, &backwards) && h->seen && (backwards || restarted))
		h->discontinuity = now_ticks;
	h->seen = true;
}

/*
 * A LAG port's links: an ifTable row each, the stack LAG over link over
 * nothing, and IEEE8023-LAG-MIB's aggregator (indexed by the LAG's
 * ifIndex) and aggregation ports (by the link's). The aggregator's MAC and
 * system are its actor system, as LACP announces them.
 */
static void lag_rows(struct build *b, struct snmp_mib *m, json_t *port, json_t *g,
		     uint32_t lagindex, bool restarted, uint32_t now_ticks)
{
	const oid gi[] = {lagindex};
	json_t *links = json_object_get(g, "links"), *l, *first = NULL, *bundled = NULL;
	size_t i, nbits = ((size_t)m->max_ifindex + 7) / 8;
	uint8_t *portlist = calloc(nbits + 1, 1), sys[6];
	size_t nrows = 0;

	if (portlist == NULL) {
		b->rc = -ENOMEM;
		return;
	}
	json_array_foreach(links, i, l)
	{
		char name[SNMP_IFNAME_MAX];
		uint32_t li;
		oid idx[1];
		bool in = json_is_true(json_object_get(l, "bundled"));
		json_t *lp, *actor = json_object_get(l, "actor"),
			    *partner = json_object_get(l, "partner");
		uint8_t st;

		if (!link_name(g, l, name, sizeof(name)) || (li = snmp_mib_ifindex(m, name)) == 0)
			continue;
		lp = link_as_port(port, l, name);
		if (lp == NULL) {
			b->rc = -ENOMEM;
			break;
		}
		track(&m->hist[li], lp, restarted, now_ticks);
		if_rows(b, lp, li, &m->hist[li], 6); /* ethernetCsmacd */
		json_decref(lp);
		stack_row(b, lagindex, li);
		stack_row(b, li, 0);
		nrows++;
		if (first == NULL)
			first = l;
		if (in && bundled == NULL)
			bundled = l;
		if (in)
			portlist[(li - 1) / 8] |= (uint8_t)(0x80u >> ((li - 1) % 8));

		idx[0] = li;
		mac_bytes(actor, "system", sys);
		col_bytes(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 3, idx, 1, sys, 6);
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 4, idx, 1, ASN_INTEGER,
			(int64_t)jnum(actor, "key"));
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 5, idx, 1, ASN_INTEGER,
			(int64_t)jnum(actor, "key"));
		mac_bytes(partner, "system", sys);
		col_bytes(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 9, idx, 1, sys, 6);
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 11, idx, 1, ASN_INTEGER,
			(int64_t)jnum(partner, "key"));
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 12, idx, 1, ASN_INTEGER,
			in ? lagindex : 0);
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 13, idx, 1, ASN_INTEGER,
			in ? lagindex : 0);
		st = lacp_state(actor);
		col_bytes(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 21, idx, 1, &st, 1);
		st = lacp_state(partner);
		col_bytes(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 23, idx, 1, &st, 1);
		col_int(b, o_dot3adAggPortEntry, N(o_dot3adAggPortEntry), 24, idx, 1, ASN_INTEGER,
			1); /* aggregatable: true */
	}
	if (nrows == 0)
		stack_row(b, lagindex, 0);
	/* The aggregator: its actor side from a link, its partner from a
	 * bundled one (none: zeros). */
	mac_bytes(json_object_get(first, "actor"), "system", sys);
	col_bytes(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 2, gi, 1, sys, 6);
	col_bytes(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 4, gi, 1, sys, 6);
	col_int(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 5, gi, 1, ASN_INTEGER, 1);
	col_int(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 6, gi, 1, ASN_INTEGER,
		(int64_t)jnum(json_object_get(first, "actor"), "key"));
	col_int(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 7, gi, 1, ASN_INTEGER,
		(int64_t)jnum(json_object_get(first, "actor"), "key"));
	mac_bytes(json_object_get(bundled, "partner"), "system", sys);
	col_bytes(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 8, gi, 1, sys, 6);
	col_int(b, o_dot3adAggEntry, N(o_dot3adAggEntry), 10, gi, 1, ASN_INTEGER,
		(int64_t)jnum(json_object_get(bundled, "partner"), "key"));
	/* PortList: one bit an ifIndex, ifIndex 1 the top bit of octet 0. */
	col_bytes(b, o_dot3adAggPortListEntry, N(o_dot3adAggPortListEntry), 1, gi, 1, portlist,
		  nbits);
	free(portlist);
}

/* The name's ifIndex, a new one (saved later) if it has none. */
static int give_ifindex(struct snmp_mib *m, const char *name, bool *added, char *err, size_t errlen)
{
	if (snmp_mib_ifindex(m, name) != 0)
		return 0;
	if (m->max_ifindex >= INT32_MAX || add_name(m, name, m->max_ifindex + 1) != 0) {
		snprintf(err, errlen, "cannot give %s an ifIndex", name);
		return -ENOMEM;
	}
	*added = true;
	return 0;
}

/* Seconds the dataplane has been up, from show status; -1 if not known. */
static int64_t dp_uptime(json_t *status)
{
	json_t *dp = json_object_get(status, "dataplane");
	json_t *up = json_object_get(dp, "uptime_s");

	return json_is_integer(up) ? json_integer_value(up) : -1;
}

struct snmp_view *snmp_mib_build(struct snmp_mib *m, json_t *ports, json_t *macs, json_t *status,
				 json_t *lags, uint32_t now_ticks, char *err, size_t errlen)
{
	json_t *a = json_object_get(ports, "ports"), *p;
	json_t *ga = lags != NULL ? json_object_get(lags, "lags") : NULL;
	size_t nifs = 0;
	struct build b = {.v = snmp_view_create()};
	int64_t up = status != NULL ? dp_uptime(status) : -1;
	bool restarted = false, added = false;
	size_t i;

	if (b.v == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!json_is_array(a)) {
		snprintf(err, errlen, "show ports: no \"ports\" list in the answer");
		snmp_view_destroy(b.v);
		return NULL;
	}
	if (lags != NULL && !json_is_array(ga)) {
		snprintf(err, errlen, "show lag: no \"lags\" list in the answer");
		snmp_view_destroy(b.v);
		return NULL;
	}
	/* A dataplane that started again since the last build: its counters
	 * start from zero, and every port's discontinuity time moves. */
	if (up >= 0) {
		int64_t start = (int64_t)(now_ticks / 100) - up;

		restarted =
		    m->dp_start >= 0 && (start - m->dp_start > 2 || m->dp_start - start > 2);
		m->dp_start = start;
	}
	json_array_foreach(a, i, p)
	{
		const char *name = jstr(p, "name");

		if (!usable_name(name, FAB_NAME_MAX)) {
			snprintf(err, errlen, "show ports: a port without a usable name");
			snmp_view_destroy(b.v);
			return NULL;
		}
		if (give_ifindex(m, name, &added, err, errlen) != 0) {
			snmp_view_destroy(b.v);
			return NULL;
		}
		nifs++;
	}
	/* Then the links of LAGs that are ports, after every port. */
	json_array_foreach(a, i, p)
	{
		json_t *g = lag_of(ga, jstr(p, "name")), *l;
		size_t k;

		json_array_foreach(json_object_get(g, "links"), k, l)
		{
			char name[SNMP_IFNAME_MAX];

			if (!link_name(g, l, name, sizeof(name)))
				continue;
			if (give_ifindex(m, name, &added, err, errlen) != 0) {
				snmp_view_destroy(b.v);
				return NULL;
			}
			nifs++;
		}
	}
	if (added) {
		int rc = save(m);

		/* Served anyway: the names keep their indexes while we run. */
		if (rc != 0)
			snprintf(err, errlen, "cannot save %s: %s", m->path, strerror(-rc));
	}
	if (grow_hist(m) != 0) {
		snprintf(err, errlen, "out of memory");
		snmp_view_destroy(b.v);
		return NULL;
	}
	if (nifs != m->last_nports || added)
		m->table_change = now_ticks;
	m->last_nports = nifs;
	json_array_foreach(a, i, p)
	{
		uint32_t ifindex = snmp_mib_ifindex(m, jstr(p, "name"));
		struct port_hist *h = &m->hist[ifindex];
		json_t *g = lag_of(ga, jstr(p, "name"));

		track(h, p, restarted, now_ticks);
		if_rows(&b, p, ifindex, h, g != NULL ? 161 : 6); /* ieee8023adLag, ethernetCsmacd */
		bridge_port_rows(&b, ifindex, h);
		stack_row(&b, 0, ifindex);
		if (g != NULL)
			lag_rows(&b, m, p, g, ifindex, restarted, now_ticks);
		else
			stack_row(&b, ifindex, 0);
	}
	b_int(&b, o_ifNumber, N(o_ifNumber), NULL, 0, ASN_INTEGER, (int64_t)nifs);
	b_u64(&b, o_ifTableLastChange, N(o_ifTableLastChange), NULL, 0, ASN_TIMETICKS,
	      m->table_change);
	b_int(&b, o_dot1dBaseNumPorts, N(o_dot1dBaseNumPorts), NULL, 0, ASN_INTEGER,
	      (int64_t)json_array_size(a));
	b_int(&b, o_dot1dBaseType, N(o_dot1dBaseType), NULL, 0, ASN_INTEGER, 2);
	if (macs != NULL)
		fdb_rows(&b, m, macs);
	vlan_rows(&b, ports);
	if (b.rc == 0)
		b.rc = snmp_view_seal(b.v);
	if (b.rc != 0) {
		snprintf(err, errlen, "cannot build the view: %s", strerror(-b.rc));
		snmp_view_destroy(b.v);
		return NULL;
	}
	return b.v;
}
