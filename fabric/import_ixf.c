/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IX-F Member Export, schema 1.0: the exchange's VLANs with their
 * prefixes, and per member its connections with per-VLAN addresses and
 * MACs. It names no ports, so the import map says which port each
 * connection is on. It also serves an IXP Manager import as a directory of
 * member ASNs and names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

/* The exchange of ixp_list to import: the map's ixp-id, or the only one. */
static yaml_node_t *exchange(struct imp *im, uint32_t *id, bool report)
{
	struct imp_file *f = &im->ixf;
	yaml_node_item_t *it;
	yaml_node_t *found = NULL;
	size_t cnt;

	it = imp_list(im, f, imp_get(f, f->root, "ixp_list"), NULL, "'ixp_list'", &cnt);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *x = imp_item(f, it, i);
		uint32_t v;

		if (!imp_u32(im, f, imp_get(f, x, "ixp_id"), "ixp_list entry", "'ixp_id'",
			     UINT32_MAX, &v))
			continue;
		if (im->map.ixp_id == 0 ? cnt == 1 : v == im->map.ixp_id) {
			*id = v;
			found = x;
		}
	}
	if (found == NULL && report) {
		if (cnt == 0)
			imp_err(im, f, f->asked, NULL,
				"ixp_list is %s: the export describes no exchange, so there are no "
				"VLANs or connections to import (is it the export of one member "
				"rather than of the exchange?)",
				it == NULL ? "missing" : "empty");
		else if (im->map.ixp_id != 0)
			imp_err(im, f, f->root, NULL, "no exchange with ixp_id %u in ixp_list",
				im->map.ixp_id);
		else
			imp_err(im, f, f->root, NULL,
				"ixp_list has %zu exchanges; say which with 'ixp-id' in the map",
				cnt);
	}
	return found;
}

/* Sets or checks one family's prefix of a LAN from an IX-F VLAN entry. */
static void prefix(struct imp *im, yaml_node_t *n, const char *rec, struct fab_lan *lan, bool v6)
{
	struct imp_file *f = &im->ixf;
	const char *a = imp_str(im, f, imp_get(f, n, "prefix"), rec, "'prefix'");
	uint32_t len;
	char text[80];
	struct fab_prefix4 p4;
	struct fab_prefix6 p6;
	bool same;

	if (a == NULL || !imp_u32(im, f, imp_get(f, n, "mask_length"), rec, "'mask_length'",
				  v6 ? 128 : 32, &len))
		return;
	snprintf(text, sizeof(text), "%.50s/%u", a, len);
	if (v6 ? fab_prefix6_parse(text, &p6) != 0 : fab_prefix4_parse(text, &p4) != 0) {
		imp_err(im, f, n, rec, "malformed IPv%d prefix %s (or host bits set)", v6 ? 6 : 4,
			text);
		return;
	}
	if (v6 ? !lan->ipv6.set : !lan->ipv4.set) {
		if (v6)
			lan->ipv6 = p6;
		else
			lan->ipv4 = p4;
		return;
	}
	same = v6 ? lan->ipv6.len == p6.len && memcmp(lan->ipv6.addr, p6.addr, 16) == 0
		  : lan->ipv4.len == p4.len && lan->ipv4.addr == p4.addr;
	if (!same)
		imp_err(im, f, n, rec,
			"prefix %s differs from LAN '%s' in the import map (line %u)", text,
			lan->name, lan->pos.line);
}

/* Every field peerlan reads is the same in these versions; IXP Manager serves all three. */
static const char *const versions[] = {"0.6", "0.7", "1.0"};

bool imp_ixf_prefixes(struct imp *im)
{
	struct imp_file *f = &im->ixf;
	bool own = im->files->format == FAB_IMPORT_IXF;
	const char *version = imp_str(im, f, imp_get(f, f->root, "version"), NULL, "'version'");
	yaml_node_item_t *it;
	yaml_node_t *x;
	uint32_t id;
	size_t cnt, known;

	if (version == NULL)
		return false;
	for (known = 0; known < sizeof(versions) / sizeof(versions[0]); known++)
		if (strcmp(version, versions[known]) == 0)
			break;
	if (known == sizeof(versions) / sizeof(versions[0])) {
		imp_err(im, f, imp_get(f, f->root, "version"), NULL,
			"IX-F export version '%.20s'; peerlan reads versions 0.6, 0.7 and 1.0 "
			"(nothing else of the file was read)",
			version);
		return false;
	}
	if ((x = exchange(im, &id, true)) == NULL)
		return false;
	it = imp_list(im, f, imp_get(f, x, "vlan"), NULL, "'vlan'", &cnt);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *v = imp_item(f, it, i), *p;
		char rec[IMP_REC_MAX];
		uint32_t vid;
		int lan;

		snprintf(rec, sizeof(rec), "ixp_id %u vlan", id);
		if (!imp_u32(im, f, imp_get(f, v, "id"), rec, "'id'", UINT32_MAX, &vid))
			continue;
		snprintf(rec, sizeof(rec), "ixp_id %u vlan %u", id, vid);
		lan = imp_ixf_lan(im, vid);
		if (lan < 0) {
			if (own)
				imp_err(im, f, v, rec,
					"not in the import map's 'ixf-vlans'; say which LAN it is");
			continue;
		}
		if ((p = imp_get(f, v, "ipv4")) != NULL)
			prefix(im, p, rec, &im->m->lans[lan], false);
		if ((p = imp_get(f, v, "ipv6")) != NULL)
			prefix(im, p, rec, &im->m->lans[lan], true);
	}
	return true;
}

/*
 * Calls fn for each VLAN entry of each connection at the exchange, quietly
 * skipping what is malformed: this walk serves lookups, and imp_ixf
 * reports the export's errors itself.
 */
typedef bool (*vlan_fn)(struct imp *im, uint32_t asn, yaml_node_t *member, yaml_node_t *vlan,
			void *ctx);

static void each_vlan(struct imp *im, vlan_fn fn, void *ctx)
{
	struct imp_file *f = &im->ixf;
	yaml_node_t *ml = imp_get(f, f->root, "member_list");
	uint32_t id;

	if (exchange(im, &id, false) == NULL || ml == NULL || ml->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *m = ml->data.sequence.items.start; m < ml->data.sequence.items.top;
	     m++) {
		yaml_node_t *mb = yaml_document_get_node(&f->doc, *m);
		yaml_node_t *asn = imp_get(f, mb, "asnum"), *cl = imp_get(f, mb, "connection_list");

		if (asn == NULL || asn->type != YAML_SCALAR_NODE || cl == NULL ||
		    cl->type != YAML_SEQUENCE_NODE)
			continue;
		for (yaml_node_item_t *c = cl->data.sequence.items.start;
		     c < cl->data.sequence.items.top; c++) {
			yaml_node_t *cn = yaml_document_get_node(&f->doc, *c);
			yaml_node_t *vl = imp_get(f, cn, "vlan_list");
			yaml_node_t *ix = imp_get(f, cn, "ixp_id");

			if (vl == NULL || vl->type != YAML_SEQUENCE_NODE || ix == NULL ||
			    ix->type != YAML_SCALAR_NODE ||
			    strtoul((const char *)ix->data.scalar.value, NULL, 10) != id)
				continue;
			for (yaml_node_item_t *v = vl->data.sequence.items.start;
			     v < vl->data.sequence.items.top; v++)
				if (!fn(im,
					(uint32_t)strtoul((const char *)asn->data.scalar.value,
							  NULL, 10),
					mb, yaml_document_get_node(&f->doc, *v), ctx))
					return;
		}
	}
}

static const char *scalar_of(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

struct owner_q {
	const fab_mac_t *macs;
	size_t nmacs;
	const char *const *ips;
	size_t nips;
	long asn;
	const char *name;
	uint32_t other; /* a second ASN that matched */
};

static bool same_ip(const char *a, const char *b)
{
	struct fab_ip6 x, y;
	uint32_t x4, y4;

	if (fab_ip4_parse(a, &x4) == 0 && fab_ip4_parse(b, &y4) == 0)
		return x4 == y4;
	return fab_ip6_parse(a, &x) == 0 && fab_ip6_parse(b, &y) == 0 &&
	       memcmp(&x, &y, sizeof(x)) == 0;
}

static bool owner_match(struct imp *im, uint32_t asn, yaml_node_t *member, yaml_node_t *vlan,
			void *ctx)
{
	struct owner_q *q = ctx;
	struct imp_file *f = &im->ixf;
	bool hit = false;

	for (int fam = 0; fam < 2 && !hit; fam++) {
		yaml_node_t *a = imp_get(f, vlan, fam ? "ipv6" : "ipv4");
		yaml_node_t *ml = imp_get(f, a, "mac_addresses");
		const char *addr = scalar_of(imp_get(f, a, "address"));

		for (size_t i = 0; addr != NULL && i < q->nips; i++)
			hit |= same_ip(addr, q->ips[i]);
		for (yaml_node_item_t *m = ml && ml->type == YAML_SEQUENCE_NODE
					       ? ml->data.sequence.items.start
					       : NULL;
		     m != NULL && m < ml->data.sequence.items.top; m++) {
			const char *s = scalar_of(yaml_document_get_node(&f->doc, *m));
			fab_mac_t mac;

			for (size_t i = 0; s && fab_mac_parse(s, &mac) == 0 && i < q->nmacs; i++)
				hit |= mac == q->macs[i];
		}
	}
	if (!hit)
		return true;
	if (q->asn != 0 && q->asn != asn) {
		q->other = asn;
		return false;
	}
	q->asn = asn;
	q->name = scalar_of(imp_get(f, member, "name"));
	return true;
}

long imp_ixf_owner(struct imp *im, const fab_mac_t *macs, size_t nmacs, const char *const *ips,
		   size_t nips, const char **name, struct imp_file *f, yaml_node_t *n,
		   const char *rec)
{
	struct owner_q q = {.macs = macs, .nmacs = nmacs, .ips = ips, .nips = nips};

	each_vlan(im, owner_match, &q);
	if (q.other != 0) {
		imp_err(im, f, n, rec,
			"its MACs and addresses belong to AS%ld and AS%u in the IX-F export; "
			"name its member in the map",
			q.asn, q.other);
		return -1;
	}
	*name = q.name;
	return q.asn;
}

const char *imp_ixf_name(struct imp *im, uint32_t asn, bool *listed)
{
	struct imp_file *f = &im->ixf;
	yaml_node_t *ml = imp_get(f, f->root, "member_list");

	*listed = false;
	if (ml == NULL || ml->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *m = ml->data.sequence.items.start; m < ml->data.sequence.items.top;
	     m++) {
		yaml_node_t *mb = yaml_document_get_node(&f->doc, *m);
		const char *a = scalar_of(imp_get(f, mb, "asnum"));

		if (a != NULL && strtoul(a, NULL, 10) == asn) {
			*listed = true;
			return scalar_of(imp_get(f, mb, "name"));
		}
	}
	return NULL;
}

/* ---- the import proper ---- */

/* Which connection of which member, for every message about it. */
struct conn_ctx {
	uint32_t asn;
	const char *name;
	size_t index; /* 1-based, among the member's connections at this exchange */
	yaml_node_t *node;
	char rec[IMP_REC_MAX];
};

/* Adds one family's address and MACs of a vlan_list entry. */
static void vlan_family(struct imp *im, struct imp_place *pl, yaml_node_t *a, bool v6)
{
	struct imp_file *f = &im->ixf;
	yaml_node_t *addr = imp_get(f, a, "address");
	yaml_node_item_t *it;
	size_t cnt;
	const char *s;

	it = imp_list(im, f, imp_get(f, a, "mac_addresses"), pl->rec, "'mac_addresses'", &cnt);
	for (size_t i = 0; i < cnt; i++)
		if ((s = imp_str(im, f, imp_item(f, it, i), pl->rec, "a MAC")) != NULL)
			imp_add_mac(im, pl, imp_item(f, it, i), s);
	if (addr != NULL && (s = imp_str(im, f, addr, pl->rec, "'address'")) != NULL)
		imp_add_ip(im, pl, addr, s, v6);
}

static bool has_macs(struct imp *im, yaml_node_t *v)
{
	struct imp_file *f = &im->ixf;

	for (int fam = 0; fam < 2; fam++) {
		yaml_node_t *l = imp_get(f, imp_get(f, v, fam ? "ipv6" : "ipv4"), "mac_addresses");

		if (l != NULL && l->type == YAML_SEQUENCE_NODE &&
		    l->data.sequence.items.top > l->data.sequence.items.start)
			return true;
	}
	return false;
}

/*
 * A connection the map writes as a list of ports is a LAG: the fabric port
 * of its first port, whose links are the devices of all of them. The map,
 * not the export, says which links a LAG has: exports often list only the
 * connected ones. LACP settings are the defaults (active, fast). False
 * (reported) if a port is missing from the map.
 */
static bool map_lag(struct imp *im, struct conn_ctx *cc, const struct imap_conn *mc,
		    struct fab_lag *lag)
{
	memset(lag, 0, sizeof(*lag));
	if (mc->nports > FAB_LAG_LINKS_MAX) {
		imp_err(im, &im->ixf, cc->node, cc->rec,
			"a LAG of %zu ports (map line %u): at most %d", mc->nports, mc->line,
			FAB_LAG_LINKS_MAX);
		return false;
	}
	for (size_t i = 0; i < mc->nports; i++) {
		struct imap_port *q = imp_map_port(im, mc->ports[i], true);

		if (q == NULL) {
			imp_err(im, &im->ixf, cc->node, cc->rec,
				"link '%s' of the LAG (map line %u) is not in the map's ports",
				mc->ports[i], mc->line);
			return false;
		}
		snprintf(lag->links[lag->nlinks++], FAB_DEVICE_MAX, "%s", q->device);
		q->used = true;
	}
	lag->lacp = FAB_LACP_ACTIVE;
	lag->rate = FAB_LACP_FAST;
	lag->min_links = 1;
	lag->hash = FAB_LAG_HASH_L23;
	return true;
}

/*
 * The port a connection is on, created on first use; -1 (reported) if it
 * cannot be. nlans is the number of distinct LANs it carries: IX-F lists a
 * VLAN once per address family in many exports, which is still one LAN.
 */
static int conn_port(struct imp *im, struct conn_ctx *cc, const struct imap_conn *mc,
		     yaml_node_t *cn, size_t nlans, long *port_user)
{
	struct imp_file *f = &im->ixf;
	yaml_node_item_t *it;
	struct imap_port *mp;
	uint32_t speed = 0;
	size_t nifs = 0;
	const char *state;
	char desc[FAB_DESC_MAX];
	struct fab_lag lag;
	int port;

	if (mc->nports == 0) {
		imp_err(im, f, cc->node, cc->rec, "the map names no port for it (line %u)",
			mc->line);
		return -1;
	}
	mp = imp_map_port(im, mc->ports[0], true);
	if (mp == NULL) {
		imp_err(im, f, cc->node, cc->rec,
			"port '%s' (map line %u) is not in the map's ports", mc->ports[0],
			mc->line);
		return -1;
	}
	lag.nlinks = 0;
	if ((mc->nports > 1 || mc->lag) && !map_lag(im, cc, mc, &lag))
		return -1;
	it = imp_list(im, f, imp_get(f, cn, "if_list"), cc->rec, "'if_list'", &nifs);
	if (nifs > 1 && mp->kind != FAB_PORT_CORE && lag.nlinks == 0) {
		imp_err(im, f, cc->node, cc->rec,
			"%zu interfaces on edge port '%s': a LAG, which is never imported as a "
			"plain port; write its links as a list in the map (connections: "
			"[[%s, ...]]), or exclude AS%u/%zu",
			nifs, mp->name, mp->name, cc->asn, cc->index);
		return -1;
	}
	/* if_speed is optional in the schema (and null in some exports); a LAG's is
	 * the sum of the links the export lists (often only those connected). */
	for (size_t i = 0; i < nifs && (nifs == 1 || lag.nlinks > 0); i++) {
		uint32_t one = 0;

		if (imp_get(f, imp_item(f, it, i), "if_speed") != NULL &&
		    imp_u32(im, f, imp_get(f, imp_item(f, it, i), "if_speed"), cc->rec,
			    "'if_speed'", UINT32_MAX, &one))
			speed += one;
	}
	port = fab_model_port_by_name(im->m, mp->name);
	if (port >= 0) {
		const struct fab_member *other = &im->m->members[port_user[port]];

		if (im->m->ports[port].kind == FAB_PORT_EDGE) {
			imp_err(
			    im, f, cc->node, cc->rec,
			    "edge port '%s' is already used by AS%u (%s); only core ports carry "
			    "several connections",
			    mp->name, other->asn, other->name);
			return -1;
		}
		return port;
	}
	snprintf(desc, sizeof(desc), "AS%u %s", cc->asn, cc->name);
	port = imp_add_port(im, mp, FAB_PORT_EDGE, nlans > 1 ? FAB_PORT_TRUNK : FAB_PORT_ACCESS,
			    speed, desc);
	if (port < 0)
		return -1;
	if (lag.nlinks > 0) {
		im->m->ports[port].device[0] = '\0';
		im->m->ports[port].lag = lag;
	}
	if (im->m->ports[port].kind == FAB_PORT_CORE) {
		/* A core port is the link to the switch a member is on, not that member's port. */
		im->m->ports[port].mode =
		    mp->mode >= 0 ? (enum fab_port_mode)mp->mode : FAB_PORT_TRUNK;
		im->m->ports[port].speed_mbps = 0;
		im->m->ports[port].description[0] = '\0';
		if (mp->has_description)
			snprintf(im->m->ports[port].description,
				 sizeof(im->m->ports[port].description), "%s", mp->description);
	}
	/* state is optional: a connection without one is taken as active. */
	state = imp_get(f, cn, "state") != NULL
		    ? imp_str(im, f, imp_get(f, cn, "state"), cc->rec, "'state'")
		    : NULL;
	if (im->m->ports[port].kind == FAB_PORT_EDGE && state != NULL &&
	    strcmp(state, "active") != 0) {
		im->m->ports[port].admin_up = false;
		imp_note(im, f, cn, cc->rec, "state '%.20s': port '%s' is configured down", state,
			 mp->name);
	}
	return port;
}

/* How many different LANs of the map the vlan_list entries name. */
static size_t distinct_lans(struct imp *im, yaml_node_item_t *it, size_t cnt)
{
	struct imp_file *f = &im->ixf;
	bool on[FAB_LANS_MAX] = {0};
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++) {
		const char *s = scalar_of(imp_get(f, imp_item(f, it, i), "vlan_id"));
		int lan = s != NULL ? imp_ixf_lan(im, (uint32_t)strtoul(s, NULL, 10)) : -1;

		if (lan >= 0 && !on[lan]) {
			on[lan] = true;
			n++;
		}
	}
	return n;
}

static void connection(struct imp *im, struct conn_ctx *cc, const struct imap_conn *mc,
		       yaml_node_t *cn, int member, long *port_user)
{
	struct imp_file *f = &im->ixf;
	yaml_node_item_t *it;
	size_t cnt;
	int port;

	it = imp_list(im, f, imp_get(f, cn, "vlan_list"), cc->rec, "'vlan_list'", &cnt);
	if (cnt == 0) {
		imp_err(im, f, cn, cc->rec, "no vlan_list: nothing to provision");
		return;
	}
	port = conn_port(im, cc, mc, cn, distinct_lans(im, it, cnt), port_user);
	if (port < 0)
		return;
	port_user[port] = member;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *v = imp_item(f, it, i);
		struct imp_place pl = {.f = f, .member = (size_t)member};
		char rec[IMP_REC_MAX + 16];
		uint32_t vid;
		int lan;

		if (!imp_u32(im, f, imp_get(f, v, "vlan_id"), cc->rec, "'vlan_id'", UINT32_MAX,
			     &vid))
			continue;
		snprintf(rec, sizeof(rec), "%s vlan_id %u", cc->rec, vid);
		pl.rec = rec;
		lan = imp_ixf_lan(im, vid);
		if (lan < 0) {
			imp_err(im, f, v, rec, "VLAN id %u is not in the import map's 'ixf-vlans'",
				vid);
			continue;
		}
		imp_port_add_lan(im, port, (uint16_t)lan);
		/*
		 * A member whose MAC is not known yet (IXP Manager lists new members
		 * so) keeps its port and LAN, and nothing is forwarded from it.
		 */
		if (!has_macs(im, v)) {
			imp_note(im, f, v, rec,
				 "no MAC address yet: nothing is forwarded from this member on "
				 "this LAN until one is provisioned");
			continue;
		}
		im->ixf_macs = true;
		if (!imp_binding(im, &pl, port, (uint16_t)lan))
			return;
		vlan_family(im, &pl, imp_get(f, v, "ipv4"), false);
		vlan_family(im, &pl, imp_get(f, v, "ipv6"), true);
	}
}

static const struct imap_member *map_member(struct imp *im, uint32_t asn)
{
	for (size_t i = 0; i < im->map.nmembers; i++)
		if (im->map.members[i].asn == asn)
			return &im->map.members[i];
	return NULL;
}

/* Whether ixp_list has an exchange with this id. */
static bool listed_exchange(struct imp *im, uint32_t id)
{
	struct imp_file *f = &im->ixf;
	yaml_node_t *l = imp_get(f, f->root, "ixp_list");

	for (yaml_node_item_t *x =
		 l != NULL && l->type == YAML_SEQUENCE_NODE ? l->data.sequence.items.start : NULL;
	     x != NULL && x < l->data.sequence.items.top; x++) {
		const char *s =
		    scalar_of(imp_get(f, yaml_document_get_node(&f->doc, *x), "ixp_id"));

		if (s != NULL && strtoul(s, NULL, 10) == id)
			return true;
	}
	return false;
}

/* Members already read, by ASN, to find one listed twice. */
struct asn_seen {
	uint32_t *asn;
	uint32_t *line;
	size_t n;
};

static void member(struct imp *im, yaml_node_t *mb, uint32_t ixp, long *port_user,
		   struct asn_seen *as)
{
	struct imp_file *f = &im->ixf;
	struct conn_ctx cc = {0};
	const struct imap_member *mm;
	yaml_node_item_t *it;
	size_t cnt;
	uint32_t cid;
	char excl[32];
	int idx = -1;

	if (!imp_u32(im, f, imp_get(f, mb, "asnum"), "member", "'asnum'", UINT32_MAX, &cc.asn))
		return;
	snprintf(cc.rec, sizeof(cc.rec), "AS%u", cc.asn);
	if (cc.asn == 0) {
		imp_err(im, f, mb, cc.rec, "ASN 0 is reserved");
		return;
	}
	mm = map_member(im, cc.asn);
	/* name is optional in the schema: the map's name serves, else it is needed. */
	if (imp_get(f, mb, "name") != NULL || mm == NULL || !mm->has_name)
		cc.name = imp_str(im, f, imp_get(f, mb, "name"), cc.rec,
				  "'name' (or a name for it in the map's members)");
	else
		cc.name = mm->name;
	if (cc.name == NULL)
		return;
	for (size_t i = 0; i < as->n; i++)
		if (as->asn[i] == cc.asn) {
			imp_err(im, f, mb, cc.rec, "listed twice in member_list (first at line %u)",
				as->line[i]);
			return;
		}
	as->asn[as->n] = cc.asn;
	as->line[as->n++] = (uint32_t)mb->start_mark.line + 1;
	snprintf(excl, sizeof(excl), "AS%u", cc.asn);
	if (imp_excluded(im, excl)) {
		imp_note(im, f, mb, cc.rec, "excluded by the import map");
		return;
	}
	it = imp_list(im, f, imp_get(f, mb, "connection_list"), cc.rec, "'connection_list'", &cnt);
	for (size_t i = 0; i < cnt; i++) {
		cc.node = imp_item(f, it, i);
		if (!imp_u32(im, f, imp_get(f, cc.node, "ixp_id"), cc.rec, "'ixp_id'", UINT32_MAX,
			     &cid))
			continue;
		if (cid != ixp) {
			/* Another exchange of the export is skipped; one it does not describe is an error. */
			if (!listed_exchange(im, cid))
				imp_err(
				    im, f, cc.node, cc.rec,
				    "a connection at ixp_id %u, which ixp_list does not describe",
				    cid);
			continue;
		}
		cc.index++;
		snprintf(cc.rec, sizeof(cc.rec), "AS%u connection %zu", cc.asn, cc.index);
		snprintf(excl, sizeof(excl), "AS%u/%zu", cc.asn, cc.index);
		if (imp_excluded(im, excl)) {
			imp_note(im, f, cc.node, cc.rec, "excluded by the import map");
			continue;
		}
		if (mm == NULL || cc.index > mm->nconns) {
			imp_err(
			    im, f, cc.node, cc.rec,
			    "%s (%.60s): the map does not say which port this connection is on; "
			    "add it to the member's 'connections' in the map, or exclude %s",
			    mm == NULL ? "not in the map's members" : "no port in the map", cc.name,
			    excl);
			continue;
		}
		if (idx < 0)
			idx = imp_member(im, cc.asn, mm->has_name ? mm->name : cc.name);
		if (idx < 0)
			return;
		connection(im, &cc, &mm->conns[cc.index - 1], cc.node, idx, port_user);
	}
	snprintf(cc.rec, sizeof(cc.rec), "AS%u", cc.asn);
	if (mm != NULL && mm->nconns > cc.index)
		imp_err(
		    im, f, mb, cc.rec,
		    "the map (line %u) names %zu connections, the export has %zu at this exchange",
		    mm->line, mm->nconns, cc.index);
}

void imp_ixf(struct imp *im)
{
	struct imp_file *f = &im->ixf;
	struct asn_seen as = {0};
	yaml_node_item_t *it;
	long *port_user;
	uint32_t ixp;
	size_t cnt;

	if (exchange(im, &ixp, false) == NULL)
		return; /* reported with the prefixes */
	it = imp_list(im, f, imp_get(f, f->root, "member_list"), NULL, "'member_list'", &cnt);
	if (it == NULL) {
		imp_err(im, f, f->root, NULL, "not an IX-F member export: no 'member_list'");
		return;
	}
	port_user = calloc(im->map.nports + 1, sizeof(*port_user));
	as.asn = calloc(cnt + 1, sizeof(*as.asn));
	as.line = calloc(cnt + 1, sizeof(*as.line));
	if (port_user == NULL || as.asn == NULL || as.line == NULL) {
		im->nomem = true;
		goto out;
	}
	for (size_t i = 0; i < cnt; i++)
		member(im, imp_item(f, it, i), ixp, port_user, &as);
	if (im->m->nmembers != 0 && !im->ixf_macs)
		imp_err(im, f, f->root, NULL,
			"no connection has a MAC address, so nothing would be forwarded (IXP "
			"Manager gives MACs only to a request with an API key, and only for "
			"interfaces that have one)");
	for (size_t i = 0; i < im->map.nmembers; i++) {
		const struct imap_member *mm = &im->map.members[i];

		bool listed;

		imp_ixf_name(im, mm->asn, &listed);
		if (fab_model_member_by_asn(im->m, mm->asn) < 0 && !listed)
			imp_note(im, NULL, NULL, NULL,
				 "AS%u (map line %u) is not in the IX-F export; not imported",
				 mm->asn, mm->line);
	}
	imp_spare_ports(im);
out:
	free(as.asn);
	free(as.line);
	free(port_user);
}
