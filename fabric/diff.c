/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each object is turned into named text fields and the fields are compared,
 * so every kind of change prints the same way and the comparison cannot
 * miss a field the printer shows.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "diff.h"

#define FIELDS_MAX 32
#define VALUE_MAX  (FAB_DEVICE_MAX + 8)

struct fields {
	const char *key[FIELDS_MAX];
	char val[FIELDS_MAX][VALUE_MAX];
	size_t n;
};

__attribute__((format(printf, 3, 4))) static void put(struct fields *f, const char *key,
						      const char *fmt, ...)
{
	va_list ap;

	if (f->n >= FIELDS_MAX)
		return;
	f->key[f->n] = key;
	va_start(ap, fmt);
	vsnprintf(f->val[f->n], VALUE_MAX, fmt, ap);
	va_end(ap);
	f->n++;
}

static void rate(struct fields *f, const char *key, const struct fab_rate *r)
{
	put(f, key, "%u pps, burst %u", r->pps, r->burst);
}

static void policy_fields(const struct fab_model *m, struct fields *f)
{
	const struct fab_policy *p = &m->policy;
	const struct fab_sponge_policy *s = &p->sponge;
	const struct fab_management *g = &m->mgmt;
	char et[FAB_ETHERTYPE_MAX * 8] = "", mac[18];
	size_t o = 0;

	for (size_t i = 0; i < p->nethertypes && o < sizeof(et); i++)
		o += (size_t)snprintf(et + o, sizeof(et) - o, "%s0x%04x", i ? " " : "",
				      p->ethertypes[i]);
	fab_mac_format(s->mac, mac, sizeof(mac));
	put(f, "fabric name", "%s", m->name);
	put(f, "policy ethertypes", "%s", et);
	put(f, "policy neighbor-policy", "%s", fab_neigh_policy_name(p->neigh));
	put(f, "policy violation", "%s", fab_violation_name(p->violation));
	put(f, "policy errdisable-recovery", "%u", p->errdisable_recovery_s);
	put(f, "policy flap-dampening", "%u changes in %u s, hold %u s", p->flap_changes,
	    p->flap_window_s, p->flap_hold_s);
	rate(f, "policy storm-control arp", &p->storm_arp);
	rate(f, "policy storm-control nd", &p->storm_nd);
	put(f, "policy storm-control errdisable-after", "%u", p->storm_errdisable_s);
	rate(f, "policy punt port", &p->punt_port);
	rate(f, "policy punt total", &p->punt_total);
	put(f, "policy sponge enabled", "%s", s->enabled ? "true" : "false");
	put(f, "policy sponge queue-depth", "%u", s->queue_depth);
	put(f, "policy sponge rate", "%u", s->rate_per_min);
	put(f, "policy sponge flood-protection", "%u", s->flood_ms);
	put(f, "policy sponge probes", "%u", s->probes);
	put(f, "policy sponge probe-interval", "%u", s->probe_interval_ms);
	put(f, "policy sponge learning", "%u", s->learning_s);
	put(f, "policy sponge init-state", "%s", fab_sponge_state_name(s->init_state));
	put(f, "policy sponge mac", "%s", mac);
	put(f, "policy sponge gratuitous", "%s", s->gratuitous ? "true" : "false");
	put(f, "management control-socket", "%s", g->control_socket);
	put(f, "management cli-socket", "%s", g->cli_socket);
	put(f, "management cli-readonly-socket", "%s", g->cli_ro_socket);
	put(f, "management cli-group", "%s", g->cli_group);
	put(f, "management metrics", "%s", g->metrics_listen[0] ? g->metrics_listen : "off");
	put(f, "management state-dir", "%s", g->state_dir);
	put(f, "management p2p-file", "%s", g->p2p_file);
	put(f, "management p2p-interval", "%u", g->p2p_interval_s);
	for (size_t i = 0; i < g->sflow.ncollectors; i++)
		put(f, "management sflow collector", "%s", g->sflow.collectors[i]);
	put(f, "management sflow agent-address", "%s", g->sflow.agent);
	put(f, "management sflow sampling-rate", "%u", g->sflow.sampling_rate);
	put(f, "management sflow polling-interval", "%u", g->sflow.polling_interval_s);
	put(f, "management sflow header-bytes", "%u", g->sflow.header_bytes);
	put(f, "management sync vlans", "%s", g->sync.vlans_url);
	put(f, "management sync interfaces", "%s", g->sync.interfaces_url);
	put(f, "management sync map", "%s", g->sync.map);
	put(f, "management sync api-key-file", "%s", g->sync.api_key_file);
	put(f, "management sync ca-file", "%s", g->sync.ca_file);
	put(f, "management sync interval", "%u", g->sync.interval_s);
	put(f, "management sync timeout", "%u", g->sync.timeout_s);
	put(f, "management sync max-removal", "%u", g->sync.max_removal_pct);
}

static void lan_fields(const struct fab_lan *lan, struct fields *f)
{
	char a[INET6_ADDRSTRLEN];
	struct fab_ip6 p;

	put(f, "vlan", "%u", lan->vlan);
	put(f, "kind", "%s", fab_lan_kind_name(lan->kind));
	put(f, "mtu", "%u", lan->mtu);
	fab_ip4_format(lan->ipv4.addr, a, sizeof(a));
	put(f, "ipv4", lan->ipv4.set ? "%s/%u" : "none", a, lan->ipv4.len);
	memcpy(p.b, lan->ipv6.addr, sizeof(p.b));
	fab_ip6_format(&p, a, sizeof(a));
	put(f, "ipv6", lan->ipv6.set ? "%s/%u" : "none", a, lan->ipv6.len);
	put(f, "neighbor-policy", "%s", fab_neigh_policy_name(lan->neigh));
	/* Every field always, so that both sides of a diff line up. */
	fab_mac_format(lan->blackhole.mac, a, sizeof(a));
	put(f, "blackhole mac", "%s", lan->blackhole.mac ? a : "none");
	fab_ip4_format(lan->blackhole.ipv4, a, sizeof(a));
	put(f, "blackhole ipv4", "%s", lan->blackhole.ipv4 ? a : "none");
	fab_ip6_format(&lan->blackhole.ipv6, a, sizeof(a));
	put(f, "blackhole ipv6", "%s", lan->blackhole.has_ipv6 ? a : "none");
	put(f, "vni", lan->vni ? "%u" : "none", lan->vni);
}

/*
 * A LAG's links and min-links change live (a link is added to or taken out
 * of the running bond); its LACP mode, rate and hash are the driver's at
 * start, and a port does not become a LAG or stop being one live.
 */
static bool lag_links_equal(const struct fab_lag *a, const struct fab_lag *b)
{
	return (a->nlinks == 0) == (b->nlinks == 0) && a->lacp == b->lacp && a->rate == b->rate &&
	       a->hash == b->hash;
}

static void port_fields(const struct fab_model *m, const struct fab_port *p, struct fields *f)
{
	char lans[VALUE_MAX] = "";
	size_t o = 0;

	for (size_t i = 0; i < p->nlans && o < sizeof(lans); i++)
		o += (size_t)snprintf(lans + o, sizeof(lans) - o, "%s%s", i ? "," : "",
				      m->lans[p->lans[i]].name);
	put(f, "device", "%s", p->device);
	if (fab_port_is_lag(p)) {
		char links[VALUE_MAX];

		put(f, "lag", "%s", fab_port_devices(p, links, sizeof(links)));
		put(f, "lacp", "%s", fab_lacp_mode_name(p->lag.lacp));
		put(f, "lacp-rate", "%s", fab_lacp_rate_name(p->lag.rate));
		put(f, "min-links", "%u", p->lag.min_links);
		put(f, "hash", "%s", fab_lag_hash_name(p->lag.hash));
	}
	put(f, "description", "\"%s\"", p->description);
	put(f, "kind", "%s", fab_port_kind_name(p->kind));
	put(f, "mode", "%s", fab_port_mode_name(p->mode));
	put(f, "lans", "%s", lans);
	put(f, "admin", "%s", p->admin_up ? "up" : "down");
	put(f, "mtu", "%u", p->mtu);
	put(f, "speed", "%u", p->speed_mbps);
	put(f, "rate-limit", p->rate_bps ? "%llu bit/s, burst %u" : "none",
	    (unsigned long long)p->rate_bps, p->rate_burst);
	put(f, "violation", "%s", fab_violation_name(p->violation));
	fab_ip4_format(p->vxlan.address, lans, sizeof(lans));
	put(f, p->kind == FAB_PORT_VTEP ? "remote" : "vtep-address", "%s",
	    p->vxlan.address ? lans : "none");
	fab_mac_format(p->vxlan.mac, lans, sizeof(lans));
	put(f, "vtep-mac", "%s", p->vxlan.mac ? lans : "none");
	fab_mac_format(p->vxlan.next_hop_mac, lans, sizeof(lans));
	put(f, "next-hop-mac", "%s", p->vxlan.next_hop_mac ? lans : "none");
}

/* "~ WHAT KEY: old -> new" for each field that differs; returns the count. */
static size_t fields_diff(FILE *out, const char *what, const struct fields *a,
			  const struct fields *b)
{
	size_t lines = 0;

	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (strcmp(a->val[i], b->val[i]) != 0) {
			fprintf(out, "~ %s%s%s: %s -> %s\n", what, what[0] ? " " : "", a->key[i],
				a->val[i], b->val[i]);
			lines++;
		}
	return lines;
}

static size_t diff_lans(const struct fab_model *a, const struct fab_model *b, FILE *out)
{
	size_t lines = 0;

	for (size_t i = 0; i < a->nlans; i++) {
		int j = fab_model_lan_by_name(b, a->lans[i].name);
		struct fields fa = {0}, fb = {0};
		char what[FAB_NAME_MAX + 8];

		if (j < 0) {
			fprintf(out, "- lan %s (vlan %u)\n", a->lans[i].name, a->lans[i].vlan);
			lines++;
			continue;
		}
		lan_fields(&a->lans[i], &fa);
		lan_fields(&b->lans[j], &fb);
		snprintf(what, sizeof(what), "lan %s", a->lans[i].name);
		lines += fields_diff(out, what, &fa, &fb);
	}
	for (size_t j = 0; j < b->nlans; j++)
		if (fab_model_lan_by_name(a, b->lans[j].name) < 0) {
			fprintf(out, "+ lan %s (vlan %u, %s)\n", b->lans[j].name, b->lans[j].vlan,
				fab_lan_kind_name(b->lans[j].kind));
			lines++;
		}
	return lines;
}

static size_t diff_ports(const struct fab_model *a, const struct fab_model *b, FILE *out)
{
	size_t lines = 0;

	for (size_t i = 0; i < a->nports; i++) {
		int j = fab_model_port_by_name(b, a->ports[i].name);
		struct fields fa = {0}, fb = {0};
		char what[FAB_NAME_MAX + 8];

		if (j < 0) {
			fprintf(out, "- port %s (device %s)\n", a->ports[i].name,
				a->ports[i].device);
			lines++;
			continue;
		}
		port_fields(a, &a->ports[i], &fa);
		port_fields(b, &b->ports[j], &fb);
		snprintf(what, sizeof(what), "port %s", a->ports[i].name);
		lines += fields_diff(out, what, &fa, &fb);
	}
	for (size_t j = 0; j < b->nports; j++)
		if (fab_model_port_by_name(a, b->ports[j].name) < 0) {
			fprintf(out, "+ port %s (device %s)\n", b->ports[j].name,
				b->ports[j].device);
			lines++;
		}
	return lines;
}

/* The binding of a member on a port (by name) and LAN (by name), or NULL. */
static const struct fab_binding *find_binding(const struct fab_model *m,
					      const struct fab_member *mb, const char *port,
					      const char *lan)
{
	for (size_t c = 0; mb != NULL && c < mb->nconns; c++) {
		const struct fab_connection *cn = &mb->conns[c];

		if (strcmp(m->ports[cn->port].name, port) != 0)
			continue;
		for (size_t k = 0; k < cn->nbindings; k++)
			if (strcmp(m->lans[cn->bindings[k].lan].name, lan) == 0)
				return &cn->bindings[k];
	}
	return NULL;
}

/* The binding's MACs and addresses as text, one entry per line of the diff. */
static size_t binding_items(const struct fab_binding *b, char (*items)[INET6_ADDRSTRLEN + 8],
			    size_t max)
{
	size_t n = 0;
	char s[INET6_ADDRSTRLEN];

	for (size_t i = 0; b != NULL && i < b->nmacs && n < max; i++) {
		fab_mac_format(b->macs[i], s, sizeof(s));
		snprintf(items[n++], INET6_ADDRSTRLEN + 8, "mac %s", s);
	}
	for (size_t i = 0; b != NULL && i < b->nipv4 && n < max; i++) {
		fab_ip4_format(b->ipv4[i], s, sizeof(s));
		snprintf(items[n++], INET6_ADDRSTRLEN + 8, "ipv4 %s", s);
	}
	for (size_t i = 0; b != NULL && i < b->nipv6 && n < max; i++) {
		fab_ip6_format(&b->ipv6[i], s, sizeof(s));
		snprintf(items[n++], INET6_ADDRSTRLEN + 8, "ipv6 %s", s);
	}
	return n;
}

#define ITEMS_MAX 256

/* Lines for what `from` has and `to` lacks, marked with sign. */
static size_t binding_minus(FILE *out, char sign, uint32_t asn, const char *port, const char *lan,
			    const struct fab_binding *from, const struct fab_binding *to)
{
	char fi[ITEMS_MAX][INET6_ADDRSTRLEN + 8], ti[ITEMS_MAX][INET6_ADDRSTRLEN + 8];
	size_t nf = binding_items(from, fi, ITEMS_MAX), nt = binding_items(to, ti, ITEMS_MAX);
	size_t lines = 0;

	for (size_t i = 0; i < nf; i++) {
		size_t k;

		for (k = 0; k < nt && strcmp(fi[i], ti[k]) != 0; k++)
			;
		if (k == nt) {
			fprintf(out, "%c AS%u port %s lan %s: %s\n", sign, asn, port, lan, fi[i]);
			lines++;
		}
	}
	return lines;
}

/* Every binding of x that y lacks in part or whole, marked with sign. */
static size_t member_minus(FILE *out, char sign, const struct fab_model *mx,
			   const struct fab_member *x, const struct fab_model *my,
			   const struct fab_member *y)
{
	size_t lines = 0;

	for (size_t c = 0; x != NULL && c < x->nconns; c++) {
		const struct fab_connection *cn = &x->conns[c];
		const char *port = mx->ports[cn->port].name;

		for (size_t k = 0; k < cn->nbindings; k++) {
			const char *lan = mx->lans[cn->bindings[k].lan].name;

			lines += binding_minus(out, sign, x->asn, port, lan, &cn->bindings[k],
					       find_binding(my, y, port, lan));
		}
	}
	return lines;
}

static size_t diff_members(const struct fab_model *a, const struct fab_model *b, FILE *out)
{
	size_t lines = 0;

	for (size_t i = 0; i < a->nmembers; i++) {
		const struct fab_member *x = &a->members[i];
		int j = fab_model_member_by_asn(b, x->asn);
		const struct fab_member *y = j >= 0 ? &b->members[j] : NULL;

		if (y == NULL) {
			fprintf(out, "- member AS%u (%s)\n", x->asn, x->name);
			lines++;
		} else if (strcmp(x->name, y->name) != 0) {
			fprintf(out, "~ member AS%u name: %s -> %s\n", x->asn, x->name, y->name);
			lines++;
		}
		lines += member_minus(out, '-', a, x, b, y);
	}
	for (size_t j = 0; j < b->nmembers; j++) {
		const struct fab_member *y = &b->members[j];
		int i = fab_model_member_by_asn(a, y->asn);

		if (i < 0) {
			fprintf(out, "+ member AS%u (%s)\n", y->asn, y->name);
			lines++;
		}
		lines += member_minus(out, '+', b, y, a, i >= 0 ? &a->members[i] : NULL);
	}
	return lines;
}

size_t fab_model_diff(const struct fab_model *a, const struct fab_model *b, FILE *out)
{
	struct fields fa = {0}, fb = {0};
	size_t lines;

	policy_fields(a, &fa);
	policy_fields(b, &fb);
	lines = fields_diff(out, "", &fa, &fb);
	lines += diff_lans(a, b, out);
	lines += diff_ports(a, b, out);
	lines += diff_members(a, b, out);
	return lines;
}

__attribute__((format(printf, 3, 4))) static void reason(fab_reason_fn fn, void *arg,
							 const char *fmt, ...)
{
	char text[2 * FAB_NAME_MAX + 2 * FAB_DEVICE_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fn(arg, text);
}

/* The dataplane opens its ports at start (dataplane/main.c) and keeps them. */
#define FIXED "ports are fixed at start (restart the dataplane)"

size_t fab_model_restart_reasons(const struct fab_model *a, const struct fab_model *b, bool mtu,
				 fab_reason_fn fn, void *arg)
{
	size_t n = 0, moved = 0;
	uint16_t mtu_max = 0;

	for (size_t j = 0; j < b->nports; j++) {
		const struct fab_port *p = &b->ports[j];
		int i = fab_model_port_by_name(a, p->name);

		if (i < 0) {
			reason(fn, arg, "port %s (%s) added: " FIXED, p->name, p->device);
			n++;
		} else if (strcmp(a->ports[i].device, p->device) != 0 ||
			   !lag_links_equal(&a->ports[i].lag, &p->lag)) {
			char from[FAB_DEVICE_MAX], to[FAB_DEVICE_MAX];

			reason(fn, arg, "port %s: device %s -> %s: " FIXED, p->name,
			       fab_port_devices(&a->ports[i], from, sizeof(from)),
			       fab_port_devices(p, to, sizeof(to)));
			n++;
		} else if ((size_t)i != j) {
			moved++;
		}
	}
	for (size_t i = 0; i < a->nports; i++) {
		if (fab_model_port_by_name(b, a->ports[i].name) < 0) {
			reason(fn, arg, "port %s (%s) removed: " FIXED, a->ports[i].name,
			       a->ports[i].device);
			n++;
		}
		if (a->ports[i].mtu > mtu_max)
			mtu_max = a->ports[i].mtu;
	}
	/* Moves that only follow an added or removed port are said by that line. */
	if (moved > 0 && a->nports == b->nports && n == 0) {
		reason(fn, arg, "%zu port(s) in another order: " FIXED ", matched by position",
		       moved);
		n++;
	}
	for (size_t j = 0; mtu && j < b->nports; j++)
		if (b->ports[j].mtu > mtu_max) {
			reason(fn, arg,
			       "port %s: MTU %u is above %u, the largest running: buffers and NIC "
			       "MTUs are sized at dataplane start",
			       b->ports[j].name, b->ports[j].mtu, mtu_max);
			n++;
		}
	return n;
}

struct joined {
	char *buf;
	size_t len, off;
};

static void join(void *arg, const char *text)
{
	struct joined *j = arg;
	int w;

	if (j->len == 0 || j->off >= j->len)
		return;
	w = snprintf(j->buf + j->off, j->len - j->off, "%s%s", j->off ? "; " : "", text);
	j->off = w < 0 ? j->len : j->off + (size_t)w;
}

size_t fab_model_restart_text(const struct fab_model *a, const struct fab_model *b, bool mtu,
			      char *buf, size_t len)
{
	struct joined j = {.buf = buf, .len = len};

	if (len > 0)
		buf[0] = '\0';
	return fab_model_restart_reasons(a, b, mtu, join, &j);
}
