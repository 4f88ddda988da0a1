/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/counters.h"
#include "fixture.h"

/* Appends one zeroed element to *arr (n elements of sz bytes) and returns it. */
static void *grow(void *arr, size_t *n, size_t sz)
{
	void **p = arr;
	char *v = realloc(*p, (*n + 1) * sz);

	if (v == NULL)
		abort();
	*p = v;
	memset(v + *n * sz, 0, sz);
	return v + (*n)++ * sz;
}

struct fab_model *fx_model(void)
{
	struct fab_model *m = fab_model_create();

	if (m == NULL)
		abort();
	return m;
}

uint16_t fx_lan(struct fab_model *m, const char *name, uint16_t vlan, enum fab_neigh_policy neigh)
{
	struct fab_lan *l = grow(&m->lans, &m->nlans, sizeof(*l));

	snprintf(l->name, sizeof(l->name), "%s", name);
	l->vlan = vlan;
	l->kind = FAB_LAN_PEERING;
	l->neigh = neigh;
	l->mtu = FAB_MTU_DEFAULT;
	return (uint16_t)(m->nlans - 1);
}

uint16_t fx_port(struct fab_model *m, const char *name, enum fab_port_kind kind,
		 enum fab_port_mode mode, uint16_t mtu, size_t nlans, const uint16_t *lans)
{
	struct fab_port *p = grow(&m->ports, &m->nports, sizeof(*p));

	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->device, sizeof(p->device), "net_null%zu", m->nports - 1);
	p->kind = kind;
	p->mode = mode;
	p->mtu = mtu;
	p->admin_up = true;
	p->violation = FAB_VIOLATION_RESTRICT;
	for (size_t i = 0; i < nlans; i++)
		*(uint16_t *)grow(&p->lans, &p->nlans, sizeof(uint16_t)) = lans[i];
	return (uint16_t)(m->nports - 1);
}

int fx_member(struct fab_model *m, uint32_t asn, const char *name)
{
	struct fab_member *mb = grow(&m->members, &m->nmembers, sizeof(*mb));

	mb->asn = asn;
	snprintf(mb->name, sizeof(mb->name), "%s", name);
	return (int)(m->nmembers - 1);
}

struct fab_binding *fx_bind(struct fab_model *m, int member, uint16_t port, uint16_t lan)
{
	struct fab_member *mb = &m->members[member];
	struct fab_connection *c = NULL;
	struct fab_binding *b;

	for (size_t i = 0; i < mb->nconns; i++)
		if (mb->conns[i].port == port)
			c = &mb->conns[i];
	if (c == NULL) {
		c = grow(&mb->conns, &mb->nconns, sizeof(*c));
		c->port = port;
	}
	for (size_t i = 0; i < c->nbindings; i++)
		if (c->bindings[i].lan == lan)
			return &c->bindings[i];
	b = grow(&c->bindings, &c->nbindings, sizeof(*b));
	b->lan = lan;
	return b;
}

void fx_mac(struct fab_binding *b, fab_mac_t mac)
{
	*(fab_mac_t *)grow(&b->macs, &b->nmacs, sizeof(mac)) = mac;
}

uint32_t fx_parse4(const char *s)
{
	uint32_t a;

	if (fab_ip4_parse(s, &a) != 0)
		abort();
	return a;
}

struct fab_ip6 fx_parse6(const char *s)
{
	struct fab_ip6 a;

	if (fab_ip6_parse(s, &a) != 0)
		abort();
	return a;
}

void fx_ip4(struct fab_binding *b, const char *addr)
{
	*(uint32_t *)grow(&b->ipv4, &b->nipv4, sizeof(uint32_t)) = fx_parse4(addr);
}

void fx_ip6(struct fab_binding *b, const char *addr)
{
	*(struct fab_ip6 *)grow(&b->ipv6, &b->nipv6, sizeof(struct fab_ip6)) = fx_parse6(addr);
}

/* Member x on one LAN, numbered as fixture.h describes. */
static void fx_member_on(struct fab_model *m, int mb, uint16_t port, uint16_t lan, unsigned x)
{
	struct fab_binding *b = fx_bind(m, mb, port, lan);
	char a[64];

	fx_mac(b, 0x020000000000ULL | (lan == FX_LAN_PROXY ? 0x100 : 0) | x);
	snprintf(a, sizeof(a), lan == FX_LAN_PROXY ? "198.51.100.%u" : "192.0.2.%u", x);
	fx_ip4(b, a);
	snprintf(a, sizeof(a), lan == FX_LAN_PROXY ? "2001:db8:1::%x" : "2001:db8::%x", x);
	fx_ip6(b, a);
}

struct fab_model *fx_exchange(void)
{
	struct fab_model *m = fx_model();
	uint16_t steer = fx_lan(m, "peering", 100, FAB_NEIGH_STEER);
	uint16_t proxy = fx_lan(m, "peering-proxy", 200, FAB_NEIGH_PROXY);

	/* Jumbo frames on 100, where the ports' own MTUs are what limits; 1500 on 200. */
	m->lans[steer].mtu = 9000;
	const uint16_t both[] = {steer, proxy};

	fx_port(m, "a", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, &steer);
	fx_port(m, "b", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, &steer);
	fx_port(m, "c", FAB_PORT_EDGE, FAB_PORT_TRUNK, 9000, 2, both);
	fx_port(m, "core", FAB_PORT_CORE, FAB_PORT_TRUNK, 9000, 2, both);
	fx_port(m, "f", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, &proxy);
	fx_port(m, "g", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1280, 1, &steer);
	fx_member_on(m, fx_member(m, 64501, "A"), FX_P_A, steer, 0xa);
	fx_member_on(m, fx_member(m, 64502, "B"), FX_P_B, steer, 0xb);
	fx_member_on(m, fx_member(m, 64503, "C"), FX_P_C, steer, 0xc);
	fx_member_on(m, (int)m->nmembers - 1, FX_P_C, proxy, 0xc);
	fx_member_on(m, fx_member(m, 64504, "D"), FX_P_CORE, steer, 0xd);
	fx_member_on(m, fx_member(m, 64505, "E"), FX_P_CORE, proxy, 0xe);
	fx_member_on(m, fx_member(m, 64506, "F"), FX_P_F, proxy, 0xf);
	fx_member_on(m, fx_member(m, 64507, "G"), FX_P_G, steer, 0x7);
	return m;
}

bool fx_accounts(const struct fab_port_stats *stats, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		const uint64_t *c = stats[p].ctr;
		uint64_t drops = 0;

		for (int r = 0; r < FAB_DROP__COUNT; r++)
			drops += stats[p].drop[r];
		if (c[FAB_CTR_rx_packets] != c[FAB_CTR_forwarded] + c[FAB_CTR_steered] +
						 c[FAB_CTR_answered] + c[FAB_CTR_decapsulated] +
						 drops ||
		    c[FAB_CTR_rx_discards] != drops)
			return false;
	}
	return true;
}
