/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct fab_model *fab_model_create(void)
{
	struct fab_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	fab_model_defaults(m);
	return m;
}

void fab_model_defaults(struct fab_model *m)
{
	struct fab_policy *p = &m->policy;
	struct fab_management *g = &m->mgmt;

	snprintf(m->name, sizeof(m->name), "%s", "peerlan");
	p->ethertypes[0] = 0x0800;
	p->ethertypes[1] = 0x0806;
	p->ethertypes[2] = 0x86dd;
	p->nethertypes = 3;
	p->neigh = FAB_NEIGH_STEER;
	/* arpsponge's defaults, which AMS-IX has run for years. */
	p->sponge.enabled = true;
	p->sponge.queue_depth = 1000;
	p->sponge.rate_per_min = 50;
	p->sponge.flood_ms = 333;
	p->sponge.probes = 5;
	p->sponge.probe_interval_ms = 1000;
	p->sponge.learning_s = 5;
	p->sponge.init_state = FAB_SPONGE_ALIVE;
	p->sponge.mac = 0x02005e0000feULL; /* locally administered */
	p->sponge.gratuitous = false;
	p->storm_arp = (struct fab_rate){.pps = 100, .burst = 200};
	p->storm_nd = (struct fab_rate){.pps = 100, .burst = 200};
	p->punt_port = (struct fab_rate){.pps = 200, .burst = 400};
	p->punt_total = (struct fab_rate){.pps = 2000, .burst = 4000};
	p->violation = FAB_VIOLATION_RESTRICT;
	p->errdisable_recovery_s = 300;
	p->flap_changes = 3;
	p->flap_window_s = 5;
	p->flap_hold_s = 10;

	snprintf(g->control_socket, sizeof(g->control_socket), "%s", "/run/peerlan/dataplane.sock");
	snprintf(g->cli_socket, sizeof(g->cli_socket), "%s", "/run/peerlan/cli.sock");
	snprintf(g->cli_ro_socket, sizeof(g->cli_ro_socket), "%s", "/run/peerlan/cli-ro.sock");
	snprintf(g->metrics_listen, sizeof(g->metrics_listen), "%s", "127.0.0.1:9712");
	snprintf(g->state_dir, sizeof(g->state_dir), "%s", "/var/lib/peerlan");
	snprintf(g->cli_group, sizeof(g->cli_group), "%s", "peerlan");
	g->p2p_interval_s = 300;
	/* The middle of what exchanges run (1 in 2048 to 1 in 16384 on 10G and up). */
	g->sflow.sampling_rate = 8192;
	g->sflow.polling_interval_s = 20;
	g->sflow.header_bytes = 128;
	g->sync.interval_s = 300;
	g->sync.timeout_s = 30;
	g->sync.max_removal_pct = 10;
}

static void binding_free(struct fab_binding *b)
{
	free(b->macs);
	free(b->ipv4);
	free(b->ipv6);
}

void fab_model_destroy(struct fab_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nports; i++)
		free(m->ports[i].lans);
	for (size_t i = 0; i < m->nmembers; i++) {
		struct fab_member *mb = &m->members[i];

		for (size_t c = 0; c < mb->nconns; c++) {
			for (size_t b = 0; b < mb->conns[c].nbindings; b++)
				binding_free(&mb->conns[c].bindings[b]);
			free(mb->conns[c].bindings);
		}
		free(mb->conns);
	}
	free(m->lans);
	free(m->ports);
	free(m->members);
	free(m);
}

/* Copies n elements of size sz; NULL for n == 0 is not an error. */
static int dup_array(void **dst, const void *src, size_t n, size_t sz)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = malloc(n * sz);
	if (*dst == NULL)
		return -ENOMEM;
	memcpy(*dst, src, n * sz);
	return 0;
}

struct fab_model *fab_model_clone(const struct fab_model *m)
{
	struct fab_model *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (c == NULL)
		return NULL;
	*c = *m;
	c->lans = NULL;
	c->ports = NULL;
	c->members = NULL;
	c->nports = 0;
	c->nmembers = 0;
	rc |= dup_array((void **)&c->lans, m->lans, m->nlans, sizeof(*m->lans));
	rc |= dup_array((void **)&c->ports, m->ports, m->nports, sizeof(*m->ports));
	if (rc == 0)
		c->nports = m->nports;
	for (size_t i = 0; rc == 0 && i < c->nports; i++)
		rc |= dup_array((void **)&c->ports[i].lans, m->ports[i].lans, m->ports[i].nlans,
				sizeof(uint16_t));
	rc |= dup_array((void **)&c->members, m->members, m->nmembers, sizeof(*m->members));
	if (rc == 0) {
		/* Clear the inner pointers first so a failure below frees only copies. */
		for (size_t i = 0; i < m->nmembers; i++) {
			c->members[i].conns = NULL;
			c->members[i].nconns = 0;
		}
		c->nmembers = m->nmembers;
	}
	for (size_t i = 0; rc == 0 && i < m->nmembers; i++) {
		const struct fab_member *sm = &m->members[i];
		struct fab_member *dm = &c->members[i];

		rc = dup_array((void **)&dm->conns, sm->conns, sm->nconns, sizeof(*sm->conns));
		if (rc != 0)
			break;
		for (size_t k = 0; k < sm->nconns; k++) {
			dm->conns[k].bindings = NULL;
			dm->conns[k].nbindings = 0;
		}
		dm->nconns = sm->nconns;
		for (size_t k = 0; rc == 0 && k < sm->nconns; k++) {
			const struct fab_connection *sc = &sm->conns[k];
			struct fab_connection *dc = &dm->conns[k];

			rc = dup_array((void **)&dc->bindings, sc->bindings, sc->nbindings,
				       sizeof(*sc->bindings));
			if (rc != 0)
				break;
			for (size_t b = 0; b < sc->nbindings; b++) {
				dc->bindings[b].macs = NULL;
				dc->bindings[b].ipv4 = NULL;
				dc->bindings[b].ipv6 = NULL;
			}
			dc->nbindings = sc->nbindings;
			for (size_t b = 0; rc == 0 && b < sc->nbindings; b++) {
				const struct fab_binding *sb = &sc->bindings[b];
				struct fab_binding *db = &dc->bindings[b];

				rc |= dup_array((void **)&db->macs, sb->macs, sb->nmacs,
						sizeof(*sb->macs));
				rc |= dup_array((void **)&db->ipv4, sb->ipv4, sb->nipv4,
						sizeof(*sb->ipv4));
				rc |= dup_array((void **)&db->ipv6, sb->ipv6, sb->nipv6,
						sizeof(*sb->ipv6));
			}
		}
	}
	if (rc != 0) {
		fab_model_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static bool lan_equal(const struct fab_lan *a, const struct fab_lan *b)
{
	return strcmp(a->name, b->name) == 0 && a->vlan == b->vlan && a->kind == b->kind &&
	       a->mtu == b->mtu && a->neigh == b->neigh && a->ipv4.set == b->ipv4.set &&
	       a->ipv4.len == b->ipv4.len && a->ipv4.addr == b->ipv4.addr &&
	       a->ipv6.set == b->ipv6.set && a->ipv6.len == b->ipv6.len &&
	       memcmp(a->ipv6.addr, b->ipv6.addr, 16) == 0 &&
	       a->blackhole.mac == b->blackhole.mac && a->blackhole.ipv4 == b->blackhole.ipv4 &&
	       a->blackhole.has_ipv6 == b->blackhole.has_ipv6 &&
	       memcmp(&a->blackhole.ipv6, &b->blackhole.ipv6, sizeof(a->blackhole.ipv6)) == 0 &&
	       a->vni == b->vni;
}

static bool port_equal(const struct fab_port *a, const struct fab_port *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->device, b->device) == 0 &&
	       fab_lag_equal(&a->lag, &b->lag) && strcmp(a->description, b->description) == 0 &&
	       a->kind == b->kind && a->mode == b->mode && a->nlans == b->nlans &&
	       (a->nlans == 0 || memcmp(a->lans, b->lans, a->nlans * sizeof(*a->lans)) == 0) &&
	       a->admin_up == b->admin_up && a->mtu == b->mtu && a->speed_mbps == b->speed_mbps &&
	       a->rate_bps == b->rate_bps && a->rate_burst == b->rate_burst &&
	       a->violation == b->violation && a->vxlan.address == b->vxlan.address &&
	       a->vxlan.mac == b->vxlan.mac && a->vxlan.next_hop_mac == b->vxlan.next_hop_mac &&
	       a->vxlan.evpn == b->vxlan.evpn;
}

static bool mem_equal(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

static bool binding_equal(const struct fab_binding *a, const struct fab_binding *b)
{
	return a->lan == b->lan && a->nmacs == b->nmacs && a->nipv4 == b->nipv4 &&
	       a->nipv6 == b->nipv6 && mem_equal(a->macs, b->macs, a->nmacs * sizeof(*a->macs)) &&
	       mem_equal(a->ipv4, b->ipv4, a->nipv4 * sizeof(*a->ipv4)) &&
	       mem_equal(a->ipv6, b->ipv6, a->nipv6 * sizeof(*a->ipv6));
}

static bool member_equal(const struct fab_member *a, const struct fab_member *b)
{
	if (a->asn != b->asn || strcmp(a->name, b->name) != 0 || a->nconns != b->nconns)
		return false;
	for (size_t c = 0; c < a->nconns; c++) {
		const struct fab_connection *ca = &a->conns[c], *cb = &b->conns[c];

		if (ca->port != cb->port || ca->nbindings != cb->nbindings)
			return false;
		for (size_t i = 0; i < ca->nbindings; i++)
			if (!binding_equal(&ca->bindings[i], &cb->bindings[i]))
				return false;
	}
	return true;
}

static bool rate_equal(const struct fab_rate *a, const struct fab_rate *b)
{
	return a->pps == b->pps && a->burst == b->burst;
}

/*
 * Field by field: memcmp of the structs would compare padding and the bytes
 * after each string's NUL, which differ between equal models.
 */
static bool policy_equal(const struct fab_policy *a, const struct fab_policy *b)
{
	const struct fab_sponge_policy *x = &a->sponge, *y = &b->sponge;

	return a->nethertypes == b->nethertypes && a->nethertypes <= FAB_ETHERTYPE_MAX &&
	       memcmp(a->ethertypes, b->ethertypes, a->nethertypes * sizeof(a->ethertypes[0])) ==
		   0 &&
	       a->neigh == b->neigh && rate_equal(&a->storm_arp, &b->storm_arp) &&
	       rate_equal(&a->storm_nd, &b->storm_nd) &&
	       a->storm_errdisable_s == b->storm_errdisable_s &&
	       rate_equal(&a->punt_port, &b->punt_port) &&
	       rate_equal(&a->punt_total, &b->punt_total) && a->violation == b->violation &&
	       a->errdisable_recovery_s == b->errdisable_recovery_s &&
	       a->flap_changes == b->flap_changes && a->flap_window_s == b->flap_window_s &&
	       a->flap_hold_s == b->flap_hold_s && x->queue_depth == y->queue_depth &&
	       x->rate_per_min == y->rate_per_min && x->flood_ms == y->flood_ms &&
	       x->probes == y->probes && x->probe_interval_ms == y->probe_interval_ms &&
	       x->learning_s == y->learning_s && x->init_state == y->init_state &&
	       x->mac == y->mac && x->gratuitous == y->gratuitous && x->enabled == y->enabled;
}

static bool sflow_equal(const struct fab_sflow *a, const struct fab_sflow *b)
{
	if (a->ncollectors != b->ncollectors)
		return false;
	for (size_t i = 0; i < a->ncollectors; i++)
		if (strcmp(a->collectors[i], b->collectors[i]) != 0)
			return false;
	return strcmp(a->agent, b->agent) == 0 && a->sampling_rate == b->sampling_rate &&
	       a->polling_interval_s == b->polling_interval_s && a->header_bytes == b->header_bytes;
}

#define MGMT_BOTH (FAB_MGMT_CONTROL | FAB_MGMT_DATAPLANE)

/*
 * The management settings that are one string each, in the file's order,
 * with who reads them: the dataplane serves the control socket, with the
 * CLI group admitted to it.
 */
static const struct {
	const char *key;
	size_t off;
	unsigned readers;
} mgmt_strings[] = {
    {"control-socket", offsetof(struct fab_management, control_socket), MGMT_BOTH},
    {"cli-socket", offsetof(struct fab_management, cli_socket), FAB_MGMT_CONTROL},
    {"cli-readonly-socket", offsetof(struct fab_management, cli_ro_socket), FAB_MGMT_CONTROL},
    {"cli-group", offsetof(struct fab_management, cli_group), MGMT_BOTH},
    {"metrics", offsetof(struct fab_management, metrics_listen), FAB_MGMT_CONTROL},
    {"state-dir", offsetof(struct fab_management, state_dir), FAB_MGMT_CONTROL},
    {"p2p-file", offsetof(struct fab_management, p2p_file), FAB_MGMT_CONTROL},
};

size_t fab_mgmt_changes(const struct fab_management *a, const struct fab_management *b,
			struct fab_mgmt_change *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(mgmt_strings) / sizeof(mgmt_strings[0]); i++) {
		const char *x = (const char *)a + mgmt_strings[i].off;
		const char *y = (const char *)b + mgmt_strings[i].off;

		if (strcmp(x, y) == 0)
			continue;
		if (n < max)
			out[n] =
			    (struct fab_mgmt_change){mgmt_strings[i].key, x[0] ? x : "off",
						     y[0] ? y : "off", mgmt_strings[i].readers};
		n++;
	}
	if (memcmp(&a->sync, &b->sync, sizeof(a->sync)) != 0) {
		if (n < max)
			out[n] = (struct fab_mgmt_change){"sync", NULL, NULL, FAB_MGMT_CONTROL};
		n++;
	}
	if (!sflow_equal(&a->sflow, &b->sflow)) {
		if (n < max)
			out[n] = (struct fab_mgmt_change){"sflow", NULL, NULL, FAB_MGMT_DATAPLANE};
		n++;
	}
	return n;
}

static bool evpn_equal(const struct fab_evpn *a, const struct fab_evpn *b)
{
	return a->asn == b->asn && a->router_id == b->router_id && a->nneighbors == b->nneighbors &&
	       a->neighbor_asn == b->neighbor_asn &&
	       mem_equal(a->neighbors, b->neighbors, a->nneighbors * sizeof(a->neighbors[0]));
}

bool fab_model_equal(const struct fab_model *a, const struct fab_model *b)
{
	if (strcmp(a->name, b->name) != 0 || !policy_equal(&a->policy, &b->policy) ||
	    fab_mgmt_changes(&a->mgmt, &b->mgmt, NULL, 0) != 0 || !evpn_equal(&a->evpn, &b->evpn) ||
	    a->nlans != b->nlans || a->nports != b->nports || a->nmembers != b->nmembers)
		return false;
	for (size_t i = 0; i < a->nlans; i++)
		if (!lan_equal(&a->lans[i], &b->lans[i]))
			return false;
	for (size_t i = 0; i < a->nports; i++)
		if (!port_equal(&a->ports[i], &b->ports[i]))
			return false;
	for (size_t i = 0; i < a->nmembers; i++)
		if (!member_equal(&a->members[i], &b->members[i]))
			return false;
	return true;
}

int fab_model_lan_by_name(const struct fab_model *m, const char *name)
{
	for (size_t i = 0; i < m->nlans; i++)
		if (strcmp(m->lans[i].name, name) == 0)
			return (int)i;
	return -1;
}

int fab_model_lan_by_vlan(const struct fab_model *m, uint16_t vlan)
{
	for (size_t i = 0; i < m->nlans; i++)
		if (m->lans[i].vlan == vlan)
			return (int)i;
	return -1;
}

int fab_model_port_by_name(const struct fab_model *m, const char *name)
{
	for (size_t i = 0; i < m->nports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int fab_model_member_by_asn(const struct fab_model *m, uint32_t asn)
{
	for (size_t i = 0; i < m->nmembers; i++)
		if (m->members[i].asn == asn)
			return (int)i;
	return -1;
}

uint16_t fab_model_port_mtu_default(const struct fab_model *m, const struct fab_port *p)
{
	uint16_t mtu = 0;

	for (size_t i = 0; i < p->nlans; i++)
		if (p->lans[i] < m->nlans && m->lans[p->lans[i]].mtu > mtu)
			mtu = m->lans[p->lans[i]].mtu;
	return mtu ? mtu : FAB_MTU_DEFAULT;
}

int fab_model_member_by_port(const struct fab_model *m, uint16_t port)
{
	if (port >= m->nports || m->ports[port].kind != FAB_PORT_EDGE)
		return -1;
	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t c = 0; c < m->members[i].nconns; c++)
			if (m->members[i].conns[c].port == port)
				return (int)i;
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Accepts the forms exchanges' databases use: 02:00:5e:10:00:01,
 * 02-00-5e-10-00-01, 0200.5e10.0001 (Cisco) and 02005e100001 (IXP Manager).
 */
int fab_mac_parse(const char *s, fab_mac_t *out)
{
	size_t len = strlen(s);
	fab_mac_t mac = 0;
	int digits = 0;
	char sep = 0;

	if (len == 17)
		sep = s[2];
	else if (len == 14)
		sep = '.';
	else if (len != 12)
		return -EINVAL;
	if (len == 17 && sep != ':' && sep != '-')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = hexval(s[i]);

		if (v < 0) {
			bool sep_here = (len == 17 && i % 3 == 2) || (len == 14 && i % 5 == 4);

			if (!sep_here || s[i] != sep)
				return -EINVAL;
			continue;
		}
		if ((len == 17 && i % 3 == 2) || (len == 14 && i % 5 == 4))
			return -EINVAL;
		mac = (mac << 4) | (fab_mac_t)v;
		digits++;
	}
	if (digits != 12)
		return -EINVAL;
	*out = mac;
	return 0;
}

void fab_mac_format(fab_mac_t mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
		 (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
		 (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

int fab_ip4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	/* inet_pton takes only dotted quads, unlike inet_aton's "1" or "0x1". */
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

void fab_ip4_format(uint32_t addr, char *buf, size_t len)
{
	struct in_addr a = {.s_addr = htonl(addr)};

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL && len > 0)
		buf[0] = '\0';
}

int fab_ip6_parse(const char *s, struct fab_ip6 *out)
{
	struct fab_ip6 a;

	if (inet_pton(AF_INET6, s, a.b) != 1)
		return -EINVAL;
	*out = a;
	return 0;
}

void fab_ip6_format(const struct fab_ip6 *a, char *buf, size_t len)
{
	if (inet_ntop(AF_INET6, a->b, buf, (socklen_t)len) == NULL && len > 0)
		buf[0] = '\0';
}

/* Splits "ADDR/LEN"; the address part is copied to addr (NUL-terminated). */
static int split_prefix(const char *s, char *addr, size_t addrlen, unsigned max, uint8_t *plen)
{
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long n;

	if (slash == NULL || (size_t)(slash - s) >= addrlen || slash[1] == '\0')
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	for (const char *p = slash + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n > max || end - (slash + 1) > 3)
		return -EINVAL;
	*plen = (uint8_t)n;
	return 0;
}

int fab_prefix4_parse(const char *s, struct fab_prefix4 *out)
{
	char addr[INET_ADDRSTRLEN];
	struct fab_prefix4 p = {.set = true};

	if (split_prefix(s, addr, sizeof(addr), 32, &p.len) != 0 ||
	    fab_ip4_parse(addr, &p.addr) != 0)
		return -EINVAL;
	/* Host bits set means the operator typed an address, not a prefix. */
	if (p.len < 32 && (p.addr & (0xffffffffu >> p.len)) != 0)
		return -EINVAL;
	*out = p;
	return 0;
}

int fab_prefix6_parse(const char *s, struct fab_prefix6 *out)
{
	char addr[INET6_ADDRSTRLEN];
	struct fab_prefix6 p = {.set = true};
	struct fab_ip6 a;

	if (split_prefix(s, addr, sizeof(addr), 128, &p.len) != 0 || fab_ip6_parse(addr, &a) != 0)
		return -EINVAL;
	memcpy(p.addr, a.b, 16);
	if (!fab_prefix6_contains(&p, &a))
		return -EINVAL;
	for (unsigned bit = p.len; bit < 128; bit++)
		if (a.b[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	*out = p;
	return 0;
}

bool fab_prefix4_contains(const struct fab_prefix4 *p, uint32_t addr)
{
	uint32_t mask = p->len == 0 ? 0 : 0xffffffffu << (32 - p->len);

	return p->set && (addr & mask) == (p->addr & mask);
}

bool fab_prefix6_contains(const struct fab_prefix6 *p, const struct fab_ip6 *addr)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (!p->set || memcmp(p->addr, addr->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (p->addr[full] & mask) == (addr->b[full] & mask);
}

const char *fab_lan_kind_name(enum fab_lan_kind k)
{
	return k == FAB_LAN_QUARANTINE ? "quarantine" : "peering";
}

const char *fab_neigh_policy_name(enum fab_neigh_policy p)
{
	return p == FAB_NEIGH_PROXY ? "proxy" : "steer";
}

const char *fab_port_kind_name(enum fab_port_kind k)
{
	switch (k) {
	case FAB_PORT_CORE:
		return "core";
	case FAB_PORT_UNDERLAY:
		return "underlay";
	case FAB_PORT_VTEP:
		return "vtep";
	default:
		return "edge";
	}
}

const char *fab_port_mode_name(enum fab_port_mode m)
{
	return m == FAB_PORT_TRUNK ? "trunk" : "access";
}

const char *fab_violation_name(enum fab_violation v)
{
	switch (v) {
	case FAB_VIOLATION_PROTECT:
		return "protect";
	case FAB_VIOLATION_SHUTDOWN:
		return "shutdown";
	case FAB_VIOLATION_RESTRICT:
	default:
		return "restrict";
	}
}

const char *fab_sponge_state_name(enum fab_sponge_state s)
{
	switch (s) {
	case FAB_SPONGE_PENDING:
		return "pending";
	case FAB_SPONGE_DEAD:
		return "dead";
	case FAB_SPONGE_STATIC:
		return "static";
	case FAB_SPONGE_ALIVE:
	default:
		return "alive";
	}
}

const char *fab_lacp_mode_name(enum fab_lacp_mode m)
{
	switch (m) {
	case FAB_LACP_PASSIVE:
		return "passive";
	case FAB_LACP_ON:
		return "on";
	case FAB_LACP_ACTIVE:
	default:
		return "active";
	}
}

const char *fab_lacp_rate_name(enum fab_lacp_rate r)
{
	return r == FAB_LACP_SLOW ? "slow" : "fast";
}

const char *fab_lag_hash_name(enum fab_lag_hash h)
{
	switch (h) {
	case FAB_LAG_HASH_L2:
		return "l2";
	case FAB_LAG_HASH_L34:
		return "l34";
	case FAB_LAG_HASH_L23:
	default:
		return "l23";
	}
}

bool fab_lag_equal(const struct fab_lag *a, const struct fab_lag *b)
{
	if (a->nlinks != b->nlinks || a->min_links != b->min_links || a->lacp != b->lacp ||
	    a->rate != b->rate || a->hash != b->hash)
		return false;
	for (uint8_t i = 0; i < a->nlinks; i++)
		if (strcmp(a->links[i], b->links[i]) != 0)
			return false;
	return true;
}

const char *fab_port_devices(const struct fab_port *p, char *buf, size_t len)
{
	size_t o;

	if (len == 0)
		return buf;
	if (!fab_port_is_lag(p)) {
		snprintf(buf, len, "%s", p->device);
		return buf;
	}
	o = (size_t)snprintf(buf, len, "lag(");
	for (uint8_t i = 0; i < p->lag.nlinks && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "+" : "", p->lag.links[i]);
	if (o < len)
		snprintf(buf + o, len - o, ")");
	return buf;
}
