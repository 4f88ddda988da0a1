/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IXP Manager's provisioner API for one switch: the `vlans` list and the
 * `layer2interfaces` list. Edge interfaces become member ports, core
 * interfaces core ports. The provisioner names no ASN and no DPDK device,
 * so both come from the import map (or the ASN and name from an IX-F
 * export given alongside, matched by MAC or address).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

/* What one layer-2 interface says about LAGs. */
struct iface {
	yaml_node_t *node;
	const char *name;
	uint32_t vid; /* virtualinterfaceid; ties LAG members to their master */
	bool lag_master, lag_member;
	bool fast_lacp;
	uint32_t speed;
};

static void rec_of(char *rec, size_t size, const struct iface *x)
{
	snprintf(rec, size, "interface %.60s (virtualinterfaceid %u)", x->name, x->vid);
}

/* Checks the vlans output against the map: every VLAN must say which LAN it is. */
static void check_vlans(struct imp *im, struct imp_file *f, bool *known)
{
	yaml_node_item_t *it;
	size_t cnt;

	it = imp_list(im, f, imp_get(f, f->root, "vlans"), NULL, "'vlans'", &cnt);
	if (it == NULL)
		imp_err(im, f, f->root, NULL, "not a provisioner vlans output: no 'vlans' list");
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *v = imp_item(f, it, i);
		yaml_node_t *nm = imp_get(f, v, "name");
		char rec[IMP_REC_MAX];
		uint32_t tag;

		snprintf(rec, sizeof(rec), "VLAN '%.60s'",
			 nm && nm->type == YAML_SCALAR_NODE ? (const char *)nm->data.scalar.value
							    : "?");
		if (!imp_u32(im, f, imp_get(f, v, "tag"), rec, "'tag'", 4094, &tag))
			continue;
		known[tag] = true;
		if (fab_model_lan_by_vlan(im->m, (uint16_t)tag) < 0)
			imp_err(im, f, v, rec,
				"VLAN %u is not in the import map's lans; say which LAN it is "
				"(name, kind and prefixes)",
				tag);
	}
}

/* The ASN and name of the member on an interface: from the map, else from the IX-F export. */
static int owner(struct imp *im, struct imp_file *f, const struct iface *x, const char *rec,
		 const fab_mac_t *macs, size_t nmacs, const char *const *ips, size_t nips)
{
	const char *name = NULL;
	long asn = 0;

	for (size_t i = 0; i < im->map.nmembers && asn == 0; i++) {
		const struct imap_member *mb = &im->map.members[i];

		for (size_t k = 0; k < mb->nifaces; k++)
			if (strcmp(mb->ifaces[k], x->name) == 0) {
				asn = mb->asn;
				name = mb->has_name ? mb->name : NULL;
			}
	}
	if (asn == 0 && im->ixf.root != NULL)
		asn = imp_ixf_owner(im, macs, nmacs, ips, nips, &name, f, x->node, rec);
	if (asn < 0)
		return -1;
	if (asn == 0) {
		imp_err(im, f, x->node, rec,
			"no member ASN: list the interface under its member in the map's "
			"members%s",
			im->ixf.root ? " (no member of the IX-F export uses its MACs or addresses)"
				     : ", or give an IX-F export");
		return -1;
	}
	if (name == NULL) {
		bool listed;

		name = imp_ixf_name(im, (uint32_t)asn, &listed);
	}
	if (name == NULL) {
		imp_err(im, f, x->node, rec,
			"AS%ld has no name: give 'name' in the map's members%s", asn,
			im->ixf.root ? " (it is not in the IX-F export)" : "");
		return -1;
	}
	return imp_member(im, (uint32_t)asn, name);
}

/* Collects one VLAN entry's MACs and addresses (as text) and their nodes. */
struct vlan_entry {
	yaml_node_t *node;
	uint32_t number;
	yaml_node_t *macs[64];
	size_t nmacs;
	yaml_node_t *ips[2 * 16];
	bool ip_v6[2 * 16];
	size_t nips;
};

static void ips_of(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec, bool v6,
		   struct vlan_entry *e)
{
	yaml_node_item_t *it;
	size_t cnt = 0;

	if (n == NULL)
		return;
	if (n->type == YAML_SCALAR_NODE) {
		if (e->nips < 32) {
			e->ip_v6[e->nips] = v6;
			e->ips[e->nips++] = n;
		}
		return;
	}
	it = imp_list(im, f, n, rec, v6 ? "'ipv6'" : "'ipv4'", &cnt);
	for (size_t i = 0; i < cnt && e->nips < 32; i++) {
		e->ip_v6[e->nips] = v6;
		e->ips[e->nips++] = imp_item(f, it, i);
	}
	if (cnt > 16)
		imp_err(im, f, n, rec, "more than 16 addresses in one VLAN");
}

static bool read_vlan_entry(struct imp *im, struct imp_file *f, yaml_node_t *v, const char *rec,
			    const bool *known, struct vlan_entry *e)
{
	yaml_node_item_t *it;
	size_t cnt;

	memset(e, 0, sizeof(*e));
	e->node = v;
	if (!imp_u32(im, f, imp_get(f, v, "number"), rec, "VLAN 'number'", 4094, &e->number))
		return false;
	if (!known[e->number]) {
		imp_err(im, f, v, rec, "VLAN %u is not in the provisioner's vlans output",
			e->number);
		return false;
	}
	if (fab_model_lan_by_vlan(im->m, (uint16_t)e->number) < 0)
		return false; /* reported once, against the vlans output */
	it = imp_list(im, f, imp_get(f, v, "macaddresses"), rec, "'macaddresses'", &cnt);
	if (cnt > 64) {
		imp_err(im, f, v, rec, "more than 64 MAC addresses in VLAN %u", e->number);
		cnt = 64;
	}
	for (size_t i = 0; i < cnt; i++)
		e->macs[e->nmacs++] = imp_item(f, it, i);
	ips_of(im, f, imp_get(f, imp_get(f, v, "ipaddresses"), "ipv4"), rec, false, e);
	ips_of(im, f, imp_get(f, imp_get(f, v, "ipaddresses"), "ipv6"), rec, true, e);
	return true;
}

/* The single LAN of kind quarantine in the map, or -1 (reported) if there is none. */
static int quarantine_lan(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec)
{
	for (size_t i = 0; i < im->m->nlans; i++)
		if (im->m->lans[i].kind == FAB_LAN_QUARANTINE)
			return (int)i;
	imp_err(im, f, n, rec,
		"status is quarantine, but the map has no LAN of kind quarantine to put it in");
	return -1;
}

static void edge_bindings(struct imp *im, struct imp_file *f, const struct iface *x,
			  const char *rec, int port, struct vlan_entry *ents, size_t nents,
			  int quarantine)
{
	fab_mac_t macs[8];
	const char *ips[8];
	size_t nmacs = 0, nips = 0;
	struct imp_place pl = {.f = f, .rec = rec};
	int member = -2;

	for (size_t e = 0; e < nents; e++) {
		struct vlan_entry *v = &ents[e];
		int lan = quarantine >= 0 ? quarantine
					  : fab_model_lan_by_vlan(im->m, (uint16_t)v->number);
		bool keep_ips = lan == fab_model_lan_by_vlan(im->m, (uint16_t)v->number);
		char vrec[IMP_REC_MAX + 16];

		if (v->nmacs == 0) {
			/* New members wait in quarantine with addresses, before a MAC. */
			if (v->nips != 0 && quarantine < 0)
				imp_err(
				    im, f, v->node, rec,
				    "VLAN %u has addresses but no MAC address; peerlan forwards "
				    "only from provisioned MACs",
				    v->number);
			continue;
		}
		if (member == -2) {
			/* The owner is looked up once, by all the interface's MACs and addresses. */
			for (size_t k = 0; k < nents; k++) {
				for (size_t i = 0; i < ents[k].nmacs && nmacs < 8; i++) {
					const char *s =
					    imp_str(im, f, ents[k].macs[i], rec, "a MAC");

					if (s != NULL && fab_mac_parse(s, &macs[nmacs]) == 0)
						nmacs++;
				}
				for (size_t i = 0; i < ents[k].nips && nips < 8; i++) {
					const char *s =
					    imp_str(im, f, ents[k].ips[i], rec, "an address");

					if (s != NULL)
						ips[nips++] = s;
				}
			}
			member = owner(im, f, x, rec, macs, nmacs, ips, nips);
		}
		if (member < 0)
			return;
		snprintf(vrec, sizeof(vrec), "%s VLAN %u", rec, v->number);
		pl.rec = vrec;
		pl.member = (size_t)member;
		if (!imp_binding(im, &pl, port, (uint16_t)lan))
			return;
		for (size_t i = 0; i < v->nmacs; i++) {
			const char *s = imp_str(im, f, v->macs[i], vrec, "a MAC");

			if (s != NULL)
				imp_add_mac(im, &pl, v->macs[i], s);
		}
		if (!keep_ips && v->nips != 0)
			imp_note(im, f, v->node, vrec,
				 "in quarantine: its MACs are allowed on the quarantine LAN, its "
				 "production addresses are not imported");
		for (size_t i = 0; keep_ips && i < v->nips; i++) {
			const char *s = imp_str(im, f, v->ips[i], vrec, "an address");

			if (s != NULL)
				imp_add_ip(im, &pl, v->ips[i], s, v->ip_v6[i]);
		}
	}
	/* A member the map names on a port with no MAC yet is kept, being provisioned. */
	for (size_t i = 0; member == -2 && i < im->map.nmembers; i++)
		for (size_t k = 0; k < im->map.members[i].nifaces; k++)
			if (strcmp(im->map.members[i].ifaces[k], x->name) == 0)
				member = owner(im, f, x, rec, NULL, 0, NULL, 0);
}

/*
 * The links of LAG master x: its member interfaces (those of its virtual
 * interface), each mapped to a DPDK device by the map. The LAG is the
 * fabric port of the map's entry for its first link. NULL (reported) if a
 * link is missing from the map or there is none.
 */
static struct imap_port *lag_links(struct imp *im, struct imp_file *f, const struct iface *x,
				   const char *rec, const struct iface *ifs, size_t n,
				   struct fab_lag *lag, uint32_t *speed)
{
	struct imap_port *first = NULL;
	bool bad = false;

	memset(lag, 0, sizeof(*lag));
	*speed = 0;
	for (size_t k = 0; k < n; k++) {
		const struct iface *l = &ifs[k];
		struct imap_port *mp;

		if (!l->lag_member || l->vid != x->vid)
			continue;
		if (imp_excluded(im, l->name)) {
			imp_note(im, f, l->node, rec, "link %s excluded by the import map",
				 l->name);
			continue;
		}
		mp = imp_map_port(im, l->name, false);
		if (mp == NULL) {
			imp_err(im, f, l->node, rec,
				"link %s of LAG %s is not in the import map's ports: map it to a "
				"DPDK device, or exclude it",
				l->name, x->name);
			bad = true;
			continue;
		}
		if (lag->nlinks == FAB_LAG_LINKS_MAX) {
			imp_err(im, f, l->node, rec, "LAG %s has more than %d links", x->name,
				FAB_LAG_LINKS_MAX);
			bad = true;
			break;
		}
		snprintf(lag->links[lag->nlinks++], FAB_DEVICE_MAX, "%s", mp->device);
		mp->used = true;
		*speed += l->speed;
		if (first == NULL)
			first = mp;
	}
	if (!bad && first == NULL)
		imp_err(im, f, x->node, rec,
			"LAG %s has no member port in the export (or all are excluded)", x->name);
	if (bad || first == NULL)
		return NULL;
	lag->lacp = FAB_LACP_ACTIVE;
	lag->rate = x->fast_lacp ? FAB_LACP_FAST : FAB_LACP_SLOW;
	lag->min_links = 1;
	lag->hash = FAB_LAG_HASH_L23;
	return first;
}

static void interface(struct imp *im, struct imp_file *f, const struct iface *x, const bool *known,
		      const struct iface *ifs, size_t nifs)
{
	struct fab_lag lag;
	yaml_node_t *n = x->node, *d;
	struct vlan_entry ents[16];
	struct imap_port *mp;
	char rec[IMP_REC_MAX];
	const char *type, *status = NULL, *desc = NULL;
	bool dot1q = false, shutdown = false, core;
	uint32_t speed = 0, rate = 0;
	size_t cnt, nents = 0;
	yaml_node_item_t *it;
	int port, quarantine = -1;

	rec_of(rec, sizeof(rec), x);
	type = imp_str(im, f, imp_get(f, n, "type"), rec, "'type'");
	if (type == NULL)
		return;
	if (strcmp(type, "edge") != 0 && strcmp(type, "core") != 0) {
		imp_err(im, f, n, rec, "type '%.40s' is neither edge nor core", type);
		return;
	}
	core = strcmp(type, "core") == 0;
	if (x->lag_master) {
		mp = lag_links(im, f, x, rec, ifs, nifs, &lag, &speed);
		if (mp == NULL)
			return;
	} else {
		lag.nlinks = 0;
		mp = imp_map_port(im, x->name, false);
	}
	if (mp == NULL) {
		imp_err(im, f, n, rec,
			"not in the import map's ports: map it to a DPDK device, or exclude it");
		return;
	}
	/* The map's LANs are those of a spare port; the export's VLANs replace them. */
	if (mp->kind >= 0)
		imp_err(im, f, n, rec,
			"the map gives port '%s' a kind; for IXP Manager it comes from the export",
			mp->name);
	if ((d = imp_get(f, n, "dot1q")) != NULL)
		imp_bool(im, f, d, rec, "'dot1q'", &dot1q);
	if ((d = imp_get(f, n, "shutdown")) != NULL)
		imp_bool(im, f, d, rec, "'shutdown'", &shutdown);
	if ((d = imp_get(f, n, "speed")) != NULL && !x->lag_master)
		imp_u32(im, f, d, rec, "'speed'", UINT32_MAX, &speed);
	/* IXP Manager's sub-rate ports: rate_limit in Mb/s, null or 0 for none. */
	if ((d = imp_get(f, n, "rate_limit")) != NULL && d->type == YAML_SCALAR_NODE &&
	    strcmp((const char *)d->data.scalar.value, "null") != 0)
		imp_u32(im, f, d, rec, "'rate_limit'", 400000, &rate);
	if ((d = imp_get(f, n, "status")) != NULL)
		status = imp_str(im, f, d, rec, "'status'");
	if ((d = imp_get(f, n, "description")) != NULL)
		desc = imp_str(im, f, d, rec, "'description'");
	it = imp_list(im, f, imp_get(f, n, "vlans"), rec, "'vlans'", &cnt);
	if (cnt == 0) {
		imp_err(im, f, n, rec, "in no VLAN");
		return;
	}
	if (cnt > 16) {
		imp_err(im, f, n, rec, "in more than 16 VLANs");
		cnt = 16;
	}
	for (size_t i = 0; i < cnt; i++)
		if (read_vlan_entry(im, f, imp_item(f, it, i), rec, known, &ents[nents]))
			nents++;
	if (!core && status != NULL && strcmp(status, "quarantine") == 0 &&
	    (quarantine = quarantine_lan(im, f, n, rec)) < 0)
		return;
	if (!dot1q && quarantine < 0 && cnt > 1)
		imp_err(im, f, n, rec, "untagged (dot1q: false) but in %zu VLANs", cnt);
	mp->nlans = 0;
	port =
	    imp_add_port(im, mp, core ? FAB_PORT_CORE : FAB_PORT_EDGE,
			 dot1q && quarantine < 0 ? FAB_PORT_TRUNK : FAB_PORT_ACCESS, speed, desc);
	if (port < 0)
		return;
	im->m->ports[port].admin_up = !shutdown;
	if (lag.nlinks > 0) {
		im->m->ports[port].device[0] = '\0';
		im->m->ports[port].lag = lag;
	}
	if (rate != 0) {
		im->m->ports[port].rate_bps = (uint64_t)rate * 1000000;
		im->m->ports[port].rate_burst = fab_rate_burst_default(im->m->ports[port].rate_bps);
	}
	for (size_t i = 0; i < nents; i++)
		imp_port_add_lan(im, port,
				 quarantine >= 0 ? (uint16_t)quarantine
						 : (uint16_t)fab_model_lan_by_vlan(
						       im->m, (uint16_t)ents[i].number));
	if (quarantine >= 0)
		imp_port_add_lan(im, port, (uint16_t)quarantine);
	if (core) {
		/* Members behind a core port are provisioned on the switch they are on. */
		for (size_t i = 0; i < nents; i++)
			if (ents[i].nmacs != 0)
				imp_err(im, f, ents[i].node, rec,
					"a core interface with MAC addresses in VLAN %u",
					ents[i].number);
		return;
	}
	edge_bindings(im, f, x, rec, port, ents, nents, quarantine);
}

/*
 * A LAG's member port: imported with its master (lag_links), so only a
 * member without one, or whose master is excluded, is reported here.
 */
static void lag_member(struct imp *im, struct imp_file *f, const struct iface *ifs, size_t n,
		       size_t i)
{
	const struct iface *x = &ifs[i];
	const struct iface *master = NULL;
	char rec[IMP_REC_MAX];

	rec_of(rec, sizeof(rec), x);
	for (size_t k = 0; k < n; k++)
		if (ifs[k].vid == x->vid && ifs[k].lag_master)
			master = &ifs[k];
	if (master == NULL)
		imp_err(im, f, x->node, rec,
			"a LAG member port without its LAG master (lagmaster: true with the same "
			"virtualinterfaceid): the export is incomplete; exclude it in the map");
	else if (imp_excluded(im, master->name))
		imp_note(im, f, x->node, rec, "link of LAG %s, which the map excludes",
			 master->name);
}

void imp_ixpm(struct imp *im)
{
	struct imp_file vf = {0}, lf = {0};
	bool known[FAB_VLAN_MAX] = {0};
	struct iface *ifs = NULL;
	yaml_node_item_t *it;
	size_t cnt = 0;

	if (!imp_file_open(im, &vf, im->files->vlans, true) ||
	    !imp_file_open(im, &lf, im->files->interfaces, true))
		goto out;
	check_vlans(im, &vf, known);
	it = imp_list(im, &lf, imp_get(&lf, lf.root, "layer2interfaces"), NULL,
		      "'layer2interfaces'", &cnt);
	if (it == NULL) {
		imp_err(im, &lf, lf.root, NULL,
			"not a provisioner layer2interfaces output: no 'layer2interfaces' list");
		goto out;
	}
	ifs = calloc(cnt ? cnt : 1, sizeof(*ifs));
	if (ifs == NULL) {
		im->nomem = true;
		goto out;
	}
	for (size_t i = 0; i < cnt; i++) {
		struct iface *x = &ifs[i];
		yaml_node_t *d;
		char rec[IMP_REC_MAX];

		x->node = imp_item(&lf, it, i);
		x->name = imp_str(im, &lf, imp_get(&lf, x->node, "name"), "a layer-2 interface",
				  "'name'");
		if (x->name == NULL)
			x->name = "?";
		snprintf(rec, sizeof(rec), "interface %.60s", x->name);
		imp_u32(im, &lf, imp_get(&lf, x->node, "virtualinterfaceid"), rec,
			"'virtualinterfaceid'", UINT32_MAX, &x->vid);
		if ((d = imp_get(&lf, x->node, "lagmaster")) != NULL)
			imp_bool(im, &lf, d, rec, "'lagmaster'", &x->lag_master);
		/* lagframing alone marks a LAG too: a LAG of one link is still a LAG. */
		if ((d = imp_get(&lf, x->node, "lagframing")) != NULL)
			imp_bool(im, &lf, d, rec, "'lagframing'", &x->lag_member);
		x->lag_member =
		    !x->lag_master && (x->lag_member || imp_get(&lf, x->node, "lagindex") != NULL);
		if ((d = imp_get(&lf, x->node, "fastlacp")) != NULL)
			imp_bool(im, &lf, d, rec, "'fastlacp'", &x->fast_lacp);
		if (x->lag_member && (d = imp_get(&lf, x->node, "speed")) != NULL)
			imp_u32(im, &lf, d, rec, "'speed'", UINT32_MAX, &x->speed);
		for (size_t k = 0; k < i; k++)
			if (strcmp(ifs[k].name, x->name) == 0)
				imp_err(im, &lf, x->node, rec,
					"interface %s is listed twice (line %zu)", x->name,
					ifs[k].node->start_mark.line + 1);
	}
	for (size_t i = 0; i < cnt; i++) {
		char rec[IMP_REC_MAX];

		if (ifs[i].lag_member) {
			lag_member(im, &lf, ifs, cnt, i);
		} else if (imp_excluded(im, ifs[i].name)) {
			rec_of(rec, sizeof(rec), &ifs[i]);
			imp_note(im, &lf, ifs[i].node, rec, "excluded by the import map");
		} else {
			interface(im, &lf, &ifs[i], known, ifs, cnt);
		}
	}
	imp_spare_ports(im);
out:
	free(ifs);
	imp_file_close(&vf);
	imp_file_close(&lf);
}
