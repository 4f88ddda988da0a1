/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evpn.h"

static const char *const verdict_names[] = {"ok",     "malformed",  "own-vtep",     "no-vtep",
					    "no-vni", "not-placed", "wrong-address"};
static const char *const verdict_texts[] = {
#define X(n, t) t,
    FAB_EVPN_VERDICTS(X)
#undef X
};
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == FAB_EVPN_VERDICT__MAX,
	       "a name per verdict");

const char *fab_evpn_verdict_name(enum fab_evpn_verdict v)
{
	return (unsigned)v < FAB_EVPN_VERDICT__MAX ? verdict_names[v] : "unknown";
}

const char *fab_evpn_verdict_text(enum fab_evpn_verdict v)
{
	return (unsigned)v < FAB_EVPN_VERDICT__MAX ? verdict_texts[v] : "unknown";
}

static uint32_t own_vtep(const struct fab_model *m)
{
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_UNDERLAY)
			return m->ports[i].vxlan.address;
	return 0;
}

static bool well_formed(const struct fab_evpn_route *r)
{
	if (r->vni == 0 || r->vni > FAB_VNI_MAX || r->vtep == 0 || r->vtep >= 0xe0000000u)
		return false;
	if (r->type == FAB_EVPN_IMET)
		return true;
	return r->type == FAB_EVPN_MACIP && r->mac != 0 && r->mac < 0xffffffffffffULL &&
	       !fab_mac_is_multicast(r->mac) &&
	       (r->family == 0 || r->family == 4 || r->family == 6);
}

static bool port_has_lan(const struct fab_port *p, uint16_t lan)
{
	for (size_t i = 0; i < p->nlans; i++)
		if (p->lans[i] == lan)
			return true;
	return false;
}

static bool has_address(const struct fab_binding *b, const struct fab_evpn_route *r)
{
	if (r->family == 4) {
		uint32_t a = (uint32_t)r->ip[0] << 24 | (uint32_t)r->ip[1] << 16 |
			     (uint32_t)r->ip[2] << 8 | r->ip[3];

		for (size_t i = 0; i < b->nipv4; i++)
			if (b->ipv4[i] == a)
				return true;
		return false;
	}
	for (size_t i = 0; i < b->nipv6; i++)
		if (memcmp(b->ipv6[i].b, r->ip, 16) == 0)
			return true;
	return r->family == 0;
}

enum fab_evpn_verdict fab_evpn_check(const struct fab_model *m, const struct fab_evpn_route *r,
				     struct fab_evpn_place *at)
{
	int port = -1, lan = -1;

	if (!well_formed(r))
		return FAB_EVPN_BAD;
	if (r->vtep == own_vtep(m))
		return FAB_EVPN_OWN;
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_VTEP && m->ports[i].vxlan.evpn &&
		    m->ports[i].vxlan.address == r->vtep)
			port = (int)i;
	if (port < 0)
		return FAB_EVPN_NO_VTEP;
	for (size_t i = 0; i < m->nlans; i++)
		if (m->lans[i].vni == r->vni && port_has_lan(&m->ports[port], (uint16_t)i))
			lan = (int)i;
	if (lan < 0)
		return FAB_EVPN_NO_VNI;
	if (at != NULL)
		*at = (struct fab_evpn_place){(uint16_t)port, (uint16_t)lan, UINT32_MAX};
	if (r->type == FAB_EVPN_IMET)
		return FAB_EVPN_OK;
	for (size_t k = 0; k < m->nmembers; k++)
		for (size_t c = 0; c < m->members[k].nconns; c++) {
			const struct fab_connection *cn = &m->members[k].conns[c];

			for (size_t b = 0; cn->port == port && b < cn->nbindings; b++) {
				const struct fab_binding *bd = &cn->bindings[b];

				if (bd->lan != lan)
					continue;
				for (size_t i = 0; i < bd->nmacs; i++) {
					if (bd->macs[i] != r->mac)
						continue;
					if (!has_address(bd, r))
						return FAB_EVPN_WRONG_IP;
					if (at != NULL)
						at->member = (uint32_t)k;
					return FAB_EVPN_OK;
				}
			}
		}
	return FAB_EVPN_NOT_PLACED;
}

static bool key_in(const uint64_t *v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == key)
			return true;
		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Keeps the active MACs of one connection's bindings; drops empty bindings. */
static void filter_conn(struct fab_connection *cn, const uint64_t *active, size_t n)
{
	size_t keep = 0;

	for (size_t b = 0; b < cn->nbindings; b++) {
		struct fab_binding *bd = &cn->bindings[b];
		size_t k = 0;

		for (size_t i = 0; i < bd->nmacs; i++)
			if (key_in(active, n, fab_evpn_key(bd->lan, bd->macs[i])))
				bd->macs[k++] = bd->macs[i];
		bd->nmacs = k;
		if (k == 0) {
			free(bd->macs);
			free(bd->ipv4);
			free(bd->ipv6);
			continue;
		}
		cn->bindings[keep++] = *bd;
	}
	cn->nbindings = keep;
}

struct fab_model *fab_evpn_filter(const struct fab_model *m, const uint64_t *active, size_t n)
{
	struct fab_model *out = fab_model_clone(m);

	for (size_t k = 0; out != NULL && k < out->nmembers; k++) {
		struct fab_member *mb = &out->members[k];
		size_t keep = 0;

		for (size_t c = 0; c < mb->nconns; c++) {
			struct fab_connection *cn = &mb->conns[c];

			if (out->ports[cn->port].kind == FAB_PORT_VTEP &&
			    out->ports[cn->port].vxlan.evpn) {
				filter_conn(cn, active, n);
				if (cn->nbindings == 0) {
					free(cn->bindings);
					continue;
				}
			}
			mb->conns[keep++] = *cn;
		}
		mb->nconns = keep;
	}
	return out;
}

bool fab_evpn_any(const struct fab_model *m)
{
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_VTEP && m->ports[i].vxlan.evpn)
			return true;
	return false;
}

/* The LAN's position among those with a VNI, from 1; 0 if none has it. */
static unsigned evi_number(const struct fab_model *m, uint32_t vni)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->nlans; i++)
		if (m->lans[i].vni != 0) {
			n++;
			if (m->lans[i].vni == vni)
				return n;
		}
	return 0;
}

static void put(struct fab_evpn_route *out, size_t max, size_t *n, const struct fab_evpn_route *r)
{
	if (*n < max)
		out[*n] = *r;
	(*n)++;
}

size_t fab_evpn_local(const struct fab_model *m, struct fab_evpn_route *out, size_t max)
{
	uint32_t vtep = own_vtep(m);
	size_t n = 0;

	if (m->evpn.asn == 0 || vtep == 0)
		return 0;
	for (size_t i = 0; i < m->nlans; i++)
		if (m->lans[i].vni != 0)
			put(out, max, &n,
			    &(struct fab_evpn_route){.type = FAB_EVPN_IMET,
						     .evi = (uint16_t)evi_number(m, m->lans[i].vni),
						     .vni = m->lans[i].vni,
						     .vtep = vtep});
	for (size_t k = 0; k < m->nmembers; k++)
		for (size_t c = 0; c < m->members[k].nconns; c++) {
			const struct fab_connection *cn = &m->members[k].conns[c];

			if (m->ports[cn->port].kind != FAB_PORT_EDGE)
				continue;
			for (size_t b = 0; b < cn->nbindings; b++) {
				const struct fab_binding *bd = &cn->bindings[b];
				struct fab_evpn_route r = {.type = FAB_EVPN_MACIP,
							   .vni = m->lans[bd->lan].vni,
							   .vtep = vtep};

				if (r.vni == 0 || bd->nmacs == 0)
					continue;
				r.evi = (uint16_t)evi_number(m, r.vni);
				for (size_t i = 0; i < bd->nmacs; i++) {
					r.mac = bd->macs[i];
					put(out, max, &n, &r);
				}
				/* An address belongs to the binding's first MAC (tables.h). */
				r.mac = bd->macs[0];
				r.family = 4;
				for (size_t i = 0; i < bd->nipv4; i++) {
					memset(r.ip, 0, sizeof(r.ip));
					r.ip[0] = (uint8_t)(bd->ipv4[i] >> 24);
					r.ip[1] = (uint8_t)(bd->ipv4[i] >> 16);
					r.ip[2] = (uint8_t)(bd->ipv4[i] >> 8);
					r.ip[3] = (uint8_t)bd->ipv4[i];
					put(out, max, &n, &r);
				}
				r.family = 6;
				for (size_t i = 0; i < bd->nipv6; i++) {
					memcpy(r.ip, bd->ipv6[i].b, 16);
					put(out, max, &n, &r);
				}
			}
		}
	return n;
}

void fab_evpn_rd(uint32_t router_id, uint16_t evi, char *buf, size_t len)
{
	char a[16];

	fab_ip4_format(router_id, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, evi);
}

void fab_evpn_rt(uint32_t asn, uint32_t vni, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", asn > 65535 ? asn & 0xffff : asn, vni);
}

void fab_evpn_route_format(const struct fab_evpn_route *r, char *buf, size_t len)
{
	char vtep[16], mac[18], ip[64] = "";

	fab_ip4_format(r->vtep, vtep, sizeof(vtep));
	if (r->type != FAB_EVPN_MACIP) {
		snprintf(buf, len, "type-3 vni %u vtep %s", r->vni, vtep);
		return;
	}
	fab_mac_format(r->mac, mac, sizeof(mac));
	if (r->family == 4)
		snprintf(ip, sizeof(ip), " ip %u.%u.%u.%u", r->ip[0], r->ip[1], r->ip[2], r->ip[3]);
	else if (r->family == 6) {
		struct fab_ip6 a;
		char t[46];

		memcpy(a.b, r->ip, 16);
		fab_ip6_format(&a, t, sizeof(t));
		snprintf(ip, sizeof(ip), " ip %s", t);
	}
	snprintf(buf, len, "type-2 vni %u vtep %s mac %s%s", r->vni, vtep, mac, ip);
}
