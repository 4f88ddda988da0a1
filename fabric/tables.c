/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "matrix.h"
#include "proto.h"
#include "tables_impl.h"

#define VLAN_IDS 4096

static bool mac_valid(fab_mac_t mac)
{
	return mac != 0 && mac <= FAB_MAC_BROADCAST && !fab_mac_is_multicast(mac);
}

static bool ip4_valid(uint32_t a)
{
	/* Not 0.0.0.0 (the DAD sender), not multicast, broadcast or class E. */
	return a != 0 && a < 0xe0000000u;
}

static bool ip6_valid(const struct fab_ip6 *a)
{
	static const uint8_t zero[16];

	return a->b[0] != 0xff && memcmp(a->b, zero, sizeof(zero)) != 0;
}

static bool port_has_lan(const struct fab_port *p, uint16_t lan)
{
	for (size_t i = 0; i < p->nlans; i++)
		if (p->lans[i] == lan)
			return true;
	return false;
}

static int check_policy(const struct fab_model *m)
{
	const struct fab_policy *p = &m->policy;

	if (p->nethertypes > FAB_ETHERTYPE_MAX ||
	    (p->neigh != FAB_NEIGH_STEER && p->neigh != FAB_NEIGH_PROXY))
		return -EINVAL;
	for (size_t i = 0; i < p->nethertypes; i++)
		if (p->ethertypes[i] < FAB_ETHERTYPE_MIN)
			return -EINVAL;
	return 0;
}

static int check_lans(const struct fab_model *m)
{
	if (m->nlans > FAB_LANS_MAX || (m->nlans > 0 && m->lans == NULL))
		return -EINVAL;
	for (size_t i = 0; i < m->nlans; i++) {
		const struct fab_lan *l = &m->lans[i];

		if (l->vlan < 1 || l->vlan > FAB_VLAN_MAX - 1 || l->vni > FAB_VNI_MAX ||
		    l->mtu < FAB_MTU_MIN || l->mtu > FAB_MTU_MAX ||
		    (l->neigh != FAB_NEIGH_STEER && l->neigh != FAB_NEIGH_PROXY))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (m->lans[j].vlan == l->vlan || (l->vni != 0 && m->lans[j].vni == l->vni))
				return -EINVAL;
	}
	return 0;
}

static int check_ports(const struct fab_model *m)
{
	int underlay = -1;

	if (m->nports > FAB_PORTS_MAX || (m->nports > 0 && m->ports == NULL))
		return -EINVAL;
	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];

		bool under = p->kind == FAB_PORT_UNDERLAY;

		if ((p->mode != FAB_PORT_ACCESS && p->mode != FAB_PORT_TRUNK) ||
		    p->kind > FAB_PORT_VTEP || p->mtu < FAB_MTU_MIN || p->mtu > FAB_MTU_MAX ||
		    (under ? p->nlans != 0 || underlay >= 0 || p->vxlan.address == 0
			   : p->nlans == 0 || p->lans == NULL) ||
		    (!under && p->mode == FAB_PORT_ACCESS && p->nlans != 1) ||
		    (p->kind == FAB_PORT_VTEP &&
		     (p->mode != FAB_PORT_TRUNK || p->vxlan.address == 0)))
			return -EINVAL;
		if (under)
			underlay = (int)i;
		for (size_t k = 0; k < p->nlans; k++) {
			if (p->lans[k] >= m->nlans)
				return -EINVAL;
			for (size_t j = 0; j < k; j++)
				if (p->lans[j] == p->lans[k])
					return -EINVAL;
		}
	}
	/* A VTEP port is reached through the underlay, in its LANs' VNIs. */
	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];

		if (p->kind != FAB_PORT_VTEP)
			continue;
		if (underlay < 0 || p->vxlan.address == m->ports[underlay].vxlan.address)
			return -EINVAL;
		for (size_t k = 0; k < p->nlans; k++)
			if (m->lans[p->lans[k]].vni == 0)
				return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (m->ports[j].kind == FAB_PORT_VTEP &&
			    m->ports[j].vxlan.address == p->vxlan.address)
				return -EINVAL;
	}
	return 0;
}

/* Checks the members and counts what the hash tables must hold. */
static int check_members(const struct fab_model *m, size_t *nb, size_t *nmac, size_t *n4,
			 size_t *n6)
{
	int *edge_owner = malloc((m->nports ? m->nports : 1) * sizeof(*edge_owner));
	int rc = 0;

	if (edge_owner == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nports; i++)
		edge_owner[i] = -1;
	*nb = *nmac = *n4 = *n6 = 0;
	if (m->nmembers > 0 && m->members == NULL)
		rc = -EINVAL;
	for (size_t i = 0; rc == 0 && i < m->nmembers; i++) {
		const struct fab_member *mb = &m->members[i];

		if (mb->nconns > 0 && mb->conns == NULL)
			rc = -EINVAL;
		for (size_t c = 0; rc == 0 && c < mb->nconns; c++) {
			const struct fab_connection *cn = &mb->conns[c];
			const struct fab_port *p;

			if (cn->port >= m->nports || (cn->nbindings > 0 && cn->bindings == NULL)) {
				rc = -EINVAL;
				break;
			}
			p = &m->ports[cn->port];
			/* An edge port is one member's router; only core ports are shared. */
			if (p->kind == FAB_PORT_EDGE) {
				if (edge_owner[cn->port] >= 0 && edge_owner[cn->port] != (int)i) {
					rc = -EINVAL;
					break;
				}
				edge_owner[cn->port] = (int)i;
			}
			for (size_t b = 0; rc == 0 && b < cn->nbindings; b++) {
				const struct fab_binding *bd = &cn->bindings[b];

				if (bd->lan >= m->nlans || !port_has_lan(p, bd->lan) ||
				    bd->nmacs == 0 || bd->macs == NULL ||
				    (bd->nipv4 > 0 && bd->ipv4 == NULL) ||
				    (bd->nipv6 > 0 && bd->ipv6 == NULL)) {
					rc = -EINVAL;
					break;
				}
				for (size_t k = 0; k < bd->nmacs; k++)
					if (!mac_valid(bd->macs[k]))
						rc = -EINVAL;
				for (size_t k = 0; k < bd->nipv4; k++)
					if (!ip4_valid(bd->ipv4[k]))
						rc = -EINVAL;
				for (size_t k = 0; k < bd->nipv6; k++)
					if (!ip6_valid(&bd->ipv6[k]))
						rc = -EINVAL;
				*nb += 1;
				*nmac += bd->nmacs;
				*n4 += bd->nipv4;
				*n6 += bd->nipv6;
			}
		}
	}
	free(edge_owner);
	if (rc == 0 && *nb > UINT32_MAX)
		rc = -EINVAL;
	return rc;
}

/* Slots for n keys at a load factor of at most one half; a power of two. */
static uint32_t slots_for(size_t n)
{
	uint32_t s = 16;

	while (s < 2 * n)
		s <<= 1;
	return s;
}

/* Inserts a unique key; -EINVAL if it is already there (the same MAC or address twice). */
static int ent_insert(struct fab_t_ent *tab, uint32_t mask, uint64_t key, uint32_t binding,
		      uint16_t port)
{
	uint32_t i = fab_t_hash(key) & mask;

	while (tab[i].key != FAB_T_EMPTY) {
		if (tab[i].key == key)
			return -EINVAL;
		i = (i + 1) & mask;
	}
	tab[i] = (struct fab_t_ent){
	    .key = key, .binding = (uint16_t)binding, .mx = FAB_MX_ID_NONE, .port = port};
	return 0;
}

static int ent6_insert(struct fab_tables *t, uint16_t lan, const struct fab_ip6 *a,
		       uint32_t binding, uint16_t port)
{
	struct fab_t_ent6 e = {.binding = binding, .lan = lan, .port = port};
	uint32_t i;

	if (fab_t_find6(t, lan, a->b) != NULL)
		return -EINVAL;
	memcpy(&e.hi, a->b, 8);
	memcpy(&e.lo, a->b + 8, 8);
	i = fab_t_hash6(e.hi, e.lo, lan) & t->ip6_mask;
	while (t->ip6[i].lan != FAB_T_NO_LAN)
		i = (i + 1) & t->ip6_mask;
	t->ip6[i] = e;
	return 0;
}

static void build_etype(struct fab_tables *t, const struct fab_policy *p)
{
	static const uint16_t tags[] = {FAB_ETH_P_8021Q, FAB_ETH_P_8021AD, FAB_ETH_P_QINQ1};
	static const uint16_t vendor[] = {FAB_ETH_P_MNDP, FAB_ETH_P_HUAWEI1, FAB_ETH_P_HUAWEI2};

	for (uint32_t e = 0; e < 65536; e++)
		t->etype[e] =
		    FAB_EC_DROP | (e < FAB_ETHERTYPE_MIN ? FAB_DROP_llc_snap : FAB_DROP_ethertype);
	for (size_t i = 0; i < p->nethertypes; i++) {
		uint16_t e = p->ethertypes[i];

		t->etype[e] = e == FAB_ETH_P_IPV4   ? FAB_EC_IPV4
			      : e == FAB_ETH_P_ARP  ? FAB_EC_ARP
			      : e == FAB_ETH_P_IPV6 ? FAB_EC_IPV6
						    : FAB_EC_OTHER;
	}
	/* These stay forbidden whatever the allow-list says. */
	t->etype[FAB_ETH_P_LLDP] = FAB_EC_DROP | FAB_DROP_lldp;
	for (size_t i = 0; i < sizeof(vendor) / sizeof(vendor[0]); i++)
		t->etype[vendor[i]] = FAB_EC_DROP | FAB_DROP_vendor_discovery;
	/* Seen after the first tag: a second one. */
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		t->etype[tags[i]] = FAB_EC_DROP | FAB_DROP_vlan_double_tag;
}

static void build_ports(struct fab_tables *t, const struct fab_model *m)
{
	uint16_t *map = t->vlan2lan;

	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];
		struct fab_t_port *tp = &t->ports[i];
		uint16_t mtu;

		tp->mode = (uint8_t)p->mode;
		tp->kind = (uint8_t)p->kind;
		tp->mtu = p->mtu;
		tp->egress = (uint16_t)(p->mtu | (p->mode == FAB_PORT_TRUNK ? FAB_T_TRUNK : 0) |
					(p->kind == FAB_PORT_VTEP ? FAB_T_VTEP : 0));
		tp->access_lan =
		    p->mode == FAB_PORT_ACCESS && p->nlans > 0 ? p->lans[0] : FAB_T_NO_LAN;
		/* Untagged, an access port's frames are its LAN's: the smaller MTU
		 * holds. Tagged, the port's here and the LAN's once the tag names it. */
		mtu = p->mtu;
		if (tp->access_lan != FAB_T_NO_LAN && m->lans[tp->access_lan].mtu < mtu)
			mtu = m->lans[tp->access_lan].mtu;
		tp->max_len[0] = (uint16_t)(mtu + FAB_ETH_HLEN);
		tp->max_len[1] = (uint16_t)(p->mtu + FAB_ETH_HLEN + FAB_VLAN_HLEN);
		tp->vtep_ip = p->kind == FAB_PORT_VTEP ? p->vxlan.address : 0;
		/* The one place the fast path's eligibility is decided (tables_impl.h):
		 * never the underlay's, whose frames are decapsulated first. */
		tp->fast = p->mode == FAB_PORT_ACCESS && tp->access_lan != FAB_T_NO_LAN &&
			   t->lans[tp->access_lan].kind != FAB_LAN_QUARANTINE;
		tp->storm[FAB_STORM_ARP] = m->policy.storm_arp;
		tp->storm[FAB_STORM_ND] = m->policy.storm_nd;
		tp->rate_bps = p->rate_bps;
		tp->rate_burst = p->rate_burst;
		tp->vlan2lan = NULL;
		if (p->mode != FAB_PORT_TRUNK)
			continue;
		for (size_t v = 0; v < VLAN_IDS; v++)
			map[v] = FAB_T_NO_LAN;
		for (size_t k = 0; k < p->nlans; k++)
			map[m->lans[p->lans[k]].vlan] = p->lans[k];
		tp->vlan2lan = map;
		map += VLAN_IDS;
	}
}

static int build_members(struct fab_tables *t, const struct fab_model *m)
{
	uint32_t nb = 0;
	int rc = 0;

	for (size_t i = 0; i < m->nmembers; i++) {
		const struct fab_member *mb = &m->members[i];

		for (size_t c = 0; c < mb->nconns; c++) {
			const struct fab_connection *cn = &mb->conns[c];

			for (size_t b = 0; b < cn->nbindings; b++, nb++) {
				const struct fab_binding *bd = &cn->bindings[b];

				t->bindings[nb] =
				    (struct fab_t_binding){.mac = bd->macs[0],
							   .port = cn->port,
							   .lan = bd->lan,
							   .member = (uint32_t)i,
							   .asn = mb->asn,
							   .vlan = m->lans[bd->lan].vlan};
				for (size_t k = 0; rc == 0 && k < bd->nmacs; k++)
					rc = ent_insert(t->mac, t->mac_mask,
							fab_t_mac_key(bd->lan, bd->macs[k]), nb,
							cn->port);
				for (size_t k = 0; rc == 0 && k < bd->nipv4; k++)
					rc = ent_insert(t->ip4, t->ip4_mask,
							fab_t_ip4_key(bd->lan, bd->ipv4[k]), nb,
							cn->port);
				for (size_t k = 0; rc == 0 && k < bd->nipv6; k++)
					rc = ent6_insert(t, bd->lan, &bd->ipv6[k], nb, cn->port);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}

/*
 * The MAC table's perfect hash (tables_impl.h). Buckets are placed largest
 * first; each gets the first displacement that puts all its keys on free
 * slots. With twice as many slots as keys and two keys per bucket on
 * average this succeeds at once nearly always; a multiplier under which two
 * keys of one bucket share a base slot cannot succeed, so the build tries
 * others, and then a table twice the size.
 */
#define MAC_PH_TRIES 16

/* splitmix64: the multipliers tried, the same on every build. */
static uint64_t ph_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct ph_key {
	uint32_t bucket;
	uint32_t base;
	const struct fab_t_ent *ent;
};

static int ph_bucket_cmp(const void *a, const void *b)
{
	const struct ph_key *x = a, *y = b;

	return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

struct ph_run {
	uint32_t first;
	uint32_t len;
};

static int ph_run_cmp(const void *a, const void *b)
{
	const struct ph_run *x = a, *y = b;

	/* Largest first; ties in bucket order, so the build is deterministic. */
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* One attempt with t's multiplier and sizes; false if it cannot place every key. */
static bool ph_place(struct fab_tables *t, struct ph_key *keys, struct ph_run *runs, size_t n)
{
	uint32_t nslots = t->mac_mask + 1, nruns = 0;

	memset(t->mac, 0xff, (size_t)nslots * sizeof(*t->mac));
	memset(t->mac_disp, 0, ((size_t)1 << (64 - t->mac_bshift)) * sizeof(*t->mac_disp));
	for (size_t i = 0; i < n; i++) {
		uint64_t x = fab_t_mac_mix(t, keys[i].ent->key);

		keys[i].bucket = (uint32_t)(x >> t->mac_bshift);
		keys[i].base = (uint32_t)x & t->mac_mask;
	}
	qsort(keys, n, sizeof(*keys), ph_bucket_cmp);
	for (uint32_t i = 0; i < n; i = runs[nruns - 1].first + runs[nruns - 1].len) {
		uint32_t j = i + 1;

		while (j < n && keys[j].bucket == keys[i].bucket)
			j++;
		runs[nruns++] = (struct ph_run){.first = i, .len = j - i};
		/* Two keys with one base land together whatever the displacement. */
		for (uint32_t a = i; a < j; a++)
			for (uint32_t b = a + 1; b < j; b++)
				if (keys[a].base == keys[b].base)
					return false;
	}
	qsort(runs, nruns, sizeof(*runs), ph_run_cmp);
	for (uint32_t r = 0; r < nruns; r++) {
		const struct ph_key *k = &keys[runs[r].first];
		uint32_t d, len = runs[r].len;

		for (d = 0; d < nslots; d++) {
			uint32_t i;

			for (i = 0; i < len; i++)
				if (t->mac[k[i].base ^ d].key != FAB_T_EMPTY)
					break;
			if (i == len)
				break;
		}
		if (d == nslots)
			return false;
		t->mac_disp[k[0].bucket] = d;
		for (uint32_t i = 0; i < len; i++) {
			struct fab_t_ent *e = &t->mac[k[i].base ^ d];
			const struct fab_t_port *p;

			*e = *k[i].ent;
			p = &t->ports[e->port];
			e->egress = p->egress;
		}
	}
	return true;
}

/*
 * Compiles the MAC table, built with linear probing as lin (mask + 1
 * slots, n keys, duplicates already refused), into the perfect hash.
 */
static int compile_mac(struct fab_tables *t, const struct fab_t_ent *lin, uint32_t mask, size_t n)
{
	struct ph_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct ph_run *runs = calloc(n ? n : 1, sizeof(*runs));
	uint64_t seed = 0;
	size_t k = 0;
	int rc = -ENOMEM;

	for (uint32_t i = 0; keys != NULL && i <= mask; i++)
		if (lin[i].key != FAB_T_EMPTY)
			keys[k++].ent = &lin[i];
	for (uint32_t nslots = slots_for(n); keys != NULL && runs != NULL && nslots != 0;
	     nslots <<= 1) {
		/* A quarter as many buckets as slots: at most two keys per bucket on average. */
		uint32_t bbits = (uint32_t)__builtin_ctz(nslots) - 2;

		free(t->mac);
		free(t->mac_disp);
		t->mac = malloc((size_t)nslots * sizeof(*t->mac));
		t->mac_disp = malloc(((size_t)1 << bbits) * sizeof(*t->mac_disp));
		if (t->mac == NULL || t->mac_disp == NULL)
			break;
		t->mac_mask = nslots - 1;
		t->mac_bshift = (uint8_t)(64 - bbits);
		for (int tries = 0; tries < MAC_PH_TRIES; tries++) {
			t->mac_mult = ph_next(&seed) | 1;
			if (ph_place(t, keys, runs, k)) {
				rc = 0;
				goto out;
			}
		}
	}
out:
	free(keys);
	free(runs);
	return rc;
}

void fab_tables_destroy(struct fab_tables *t)
{
	if (t == NULL)
		return;
	free(t->ports);
	free(t->lans);
	free(t->bindings);
	free(t->mac);
	free(t->mac_disp);
	free(t->ip4);
	free(t->ip6);
	free(t->etype);
	free(t->vlan2lan);
	free(t->sponged);
	free(t->vni2lan);
	free(t->ip2vtep);
	free(t);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct fab_t_pair *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* The VTEP of this node and the lookups of its underlay port (tables_impl.h). */
static int build_vxlan(struct fab_tables *t, const struct fab_model *m)
{
	t->underlay = FAB_T_NO_PORT;
	t->vni2lan = calloc(m->nlans ? m->nlans : 1, sizeof(*t->vni2lan));
	t->ip2vtep = calloc(m->nports ? m->nports : 1, sizeof(*t->ip2vtep));
	if (t->vni2lan == NULL || t->ip2vtep == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nlans; i++)
		if (m->lans[i].vni != 0)
			t->vni2lan[t->nvni++] =
			    (struct fab_t_pair){.key = m->lans[i].vni, .val = (uint16_t)i};
	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];

		if (p->kind == FAB_PORT_UNDERLAY) {
			t->underlay = (uint16_t)i;
			t->vtep_ip = p->vxlan.address;
			t->vtep_mac = p->vxlan.mac;
			t->nh_mac = p->vxlan.next_hop_mac;
		} else if (p->kind == FAB_PORT_VTEP) {
			t->ip2vtep[t->nvteps++] =
			    (struct fab_t_pair){.key = p->vxlan.address, .val = (uint16_t)i};
		}
	}
	qsort(t->vni2lan, t->nvni, sizeof(*t->vni2lan), pair_cmp);
	qsort(t->ip2vtep, t->nvteps, sizeof(*t->ip2vtep), pair_cmp);
	return 0;
}

struct fab_tables *fab_tables_build(const struct fab_model *m, uint64_t generation)
{
	size_t nb, nmac, n4, n6, ntrunks = 0;
	struct fab_tables *t;
	int rc;

	if (m == NULL) {
		errno = EINVAL;
		return NULL;
	}
	rc = check_policy(m);
	if (rc == 0)
		rc = check_lans(m);
	if (rc == 0)
		rc = check_ports(m);
	if (rc == 0)
		rc = check_members(m, &nb, &nmac, &n4, &n6);
	/* A table entry names its binding in 16 bits (tables_impl.h). */
	if (rc == 0 && nb > FAB_T_BINDINGS_MAX)
		rc = -E2BIG;
	if (rc != 0) {
		errno = -rc;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < m->nports; i++)
		ntrunks += m->ports[i].mode == FAB_PORT_TRUNK;
	t->generation = generation;
	t->nports = (uint16_t)m->nports;
	t->nlans = (uint16_t)m->nlans;
	t->nbindings = (uint32_t)nb;
	/* 0 (no valid unicast MAC) marks the sponge off: nothing is answered or punted for it. */
	t->sponge_mac = m->policy.sponge.enabled ? m->policy.sponge.mac : 0;
	t->punt_port = m->policy.punt_port;
	t->punt_total = m->policy.punt_total;
	t->mac_mask = slots_for(nmac) - 1;
	t->ip4_mask = slots_for(n4) - 1;
	t->ip6_mask = slots_for(n6) - 1;
	t->ports = calloc(m->nports ? m->nports : 1, sizeof(*t->ports));
	t->lans = calloc(m->nlans ? m->nlans : 1, sizeof(*t->lans));
	t->bindings = calloc(nb ? nb : 1, sizeof(*t->bindings));
	t->mac = malloc(((size_t)t->mac_mask + 1) * sizeof(*t->mac));
	t->ip4 = malloc(((size_t)t->ip4_mask + 1) * sizeof(*t->ip4));
	t->ip6 = malloc(((size_t)t->ip6_mask + 1) * sizeof(*t->ip6));
	t->etype = malloc(65536);
	t->vlan2lan = malloc((ntrunks ? ntrunks : 1) * VLAN_IDS * sizeof(*t->vlan2lan));
	if (t->ports == NULL || t->lans == NULL || t->bindings == NULL || t->mac == NULL ||
	    t->ip4 == NULL || t->ip6 == NULL || t->etype == NULL || t->vlan2lan == NULL) {
		fab_tables_destroy(t);
		errno = ENOMEM;
		return NULL;
	}
	/* All-ones bytes are the empty key and the empty LAN. */
	memset(t->mac, 0xff, ((size_t)t->mac_mask + 1) * sizeof(*t->mac));
	memset(t->ip4, 0xff, ((size_t)t->ip4_mask + 1) * sizeof(*t->ip4));
	memset(t->ip6, 0xff, ((size_t)t->ip6_mask + 1) * sizeof(*t->ip6));
	for (size_t i = 0; i < m->nlans; i++) {
		const struct fab_blackhole *bh = &m->lans[i].blackhole;

		t->lans[i] = (struct fab_t_lan){
		    .vlan = m->lans[i].vlan,
		    .max_len = (uint16_t)(m->lans[i].mtu + FAB_ETH_HLEN + FAB_VLAN_HLEN),
		    .neigh = (uint8_t)m->lans[i].neigh,
		    .kind = (uint8_t)m->lans[i].kind,
		    .bh_mac = bh->mac,
		    .bh_ip4 = bh->ipv4,
		    .bh_has6 = bh->has_ipv6 && bh->mac != 0,
		    .vni = m->lans[i].vni};
		memcpy(t->lans[i].bh_ip6, bh->ipv6.b, sizeof(t->lans[i].bh_ip6));
	}
	build_etype(t, &m->policy);
	build_ports(t, m);
	rc = build_vxlan(t, m);
	if (rc == 0)
		rc = build_members(t, m);
	if (rc == 0) {
		struct fab_t_ent *lin = t->mac;

		t->mac = NULL;
		rc = compile_mac(t, lin, t->mac_mask, nmac);
		free(lin);
	}
	if (rc != 0) {
		fab_tables_destroy(t);
		errno = -rc;
		return NULL;
	}
	return t;
}

void fab_tables_mx_ids(struct fab_tables *t, struct fab_mx_ids *ids)
{
	for (uint32_t i = 0; i <= t->mac_mask; i++) {
		struct fab_t_ent *e = &t->mac[i];

		if (e->key != FAB_T_EMPTY)
			e->mx = fab_mx_ids_get(ids, t->bindings[e->binding].vlan,
					       t->bindings[e->binding].asn);
	}
}

uint64_t fab_tables_generation(const struct fab_tables *t)
{
	return t->generation;
}

uint16_t fab_tables_nports(const struct fab_tables *t)
{
	return t->nports;
}

static int owner_of(const struct fab_tables *t, uint32_t binding, struct fab_owner *out)
{
	const struct fab_t_binding *b = &t->bindings[binding];

	*out = (struct fab_owner){
	    .mac = b->mac, .port = b->port, .lan = b->lan, .member = b->member, .binding = binding};
	return 0;
}

int fab_tables_lookup_mac(const struct fab_tables *t, uint16_t lan, fab_mac_t mac,
			  struct fab_owner *out)
{
	uint64_t key = fab_t_mac_key(lan, mac);
	const struct fab_t_ent *e;

	if (lan >= t->nlans || mac > FAB_MAC_BROADCAST)
		return -ENOENT;
	e = fab_t_mac_find(t, key);
	if (e == NULL)
		return -ENOENT;
	owner_of(t, e->binding, out);
	out->mac = mac;
	return 0;
}

int fab_tables_lookup_ip4(const struct fab_tables *t, uint16_t lan, uint32_t addr,
			  struct fab_owner *out)
{
	uint64_t key = fab_t_ip4_key(lan, addr);
	const struct fab_t_ent *e;

	if (lan >= t->nlans)
		return -ENOENT;
	e = fab_t_find(t->ip4, t->ip4_mask, key, fab_t_hash(key));
	return e == NULL ? -ENOENT : owner_of(t, e->binding, out);
}

int fab_tables_lookup_ip6(const struct fab_tables *t, uint16_t lan, const struct fab_ip6 *addr,
			  struct fab_owner *out)
{
	const struct fab_t_ent6 *e;

	if (lan >= t->nlans)
		return -ENOENT;
	e = fab_t_find6(t, lan, addr->b);
	return e == NULL ? -ENOENT : owner_of(t, e->binding, out);
}

int fab_tables_lan_of(const struct fab_tables *t, uint16_t port, uint16_t vlan)
{
	const struct fab_t_port *p;
	uint16_t lan;

	if (port >= t->nports || vlan >= VLAN_IDS)
		return -1;
	p = &t->ports[port];
	if (p->mode == FAB_PORT_ACCESS)
		return vlan == 0 && p->access_lan != FAB_T_NO_LAN ? p->access_lan : -1;
	lan = vlan == 0 ? FAB_T_NO_LAN : p->vlan2lan[vlan];
	return lan == FAB_T_NO_LAN ? -1 : lan;
}
