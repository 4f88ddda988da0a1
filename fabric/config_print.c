/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The canonical YAML form of a model: every policy and management key written
 * out, lists in model order, so that what the fabric runs can be read whole
 * and loads back to an equal model.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "config.h"

/* A double-quoted YAML string; any byte below 0x20 is escaped, so nothing breaks a line. */
static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void put_key_str(FILE *out, const char *indent, const char *key, const char *s)
{
	fprintf(out, "%s%s: ", indent, key);
	put_str(out, s);
	fputc('\n', out);
}

static void put_rate(FILE *out, const char *indent, const char *key, const struct fab_rate *r)
{
	fprintf(out, "%s%s: {pps: %u, burst: %u}\n", indent, key, r->pps, r->burst);
}

static void print_policy(const struct fab_policy *p, FILE *out)
{
	const struct fab_sponge_policy *s = &p->sponge;
	char mac[18];

	fputs("policy:\n  ethertypes: [", out);
	for (size_t i = 0; i < p->nethertypes; i++)
		fprintf(out, "%s0x%04x", i ? ", " : "", p->ethertypes[i]);
	fputs("]\n", out);
	fprintf(out, "  neighbor-policy: %s\n", fab_neigh_policy_name(p->neigh));
	fprintf(out, "  violation: %s\n", fab_violation_name(p->violation));
	fprintf(out, "  errdisable-recovery: %u\n", p->errdisable_recovery_s);
	fprintf(out, "  flap-dampening: {changes: %u, window: %u, hold: %u}\n", p->flap_changes,
		p->flap_window_s, p->flap_hold_s);
	fputs("  storm-control:\n", out);
	put_rate(out, "    ", "arp", &p->storm_arp);
	put_rate(out, "    ", "nd", &p->storm_nd);
	fprintf(out, "    errdisable-after: %u\n", p->storm_errdisable_s);
	fputs("  punt:\n", out);
	put_rate(out, "    ", "port", &p->punt_port);
	put_rate(out, "    ", "total", &p->punt_total);
	fab_mac_format(s->mac, mac, sizeof(mac));
	fprintf(out,
		"  sponge:\n"
		"    enabled: %s\n"
		"    queue-depth: %u\n"
		"    rate: %u\n"
		"    flood-protection: %u\n"
		"    probes: %u\n"
		"    probe-interval: %u\n"
		"    learning: %u\n"
		"    init-state: %s\n"
		"    mac: %s\n"
		"    gratuitous: %s\n",
		s->enabled ? "true" : "false", s->queue_depth, s->rate_per_min, s->flood_ms,
		s->probes, s->probe_interval_ms, s->learning_s,
		fab_sponge_state_name(s->init_state), mac, s->gratuitous ? "true" : "false");
}

static void print_management(const struct fab_management *g, FILE *out)
{
	fputs("management:\n", out);
	put_key_str(out, "  ", "control-socket", g->control_socket);
	put_key_str(out, "  ", "cli-socket", g->cli_socket);
	put_key_str(out, "  ", "cli-readonly-socket", g->cli_ro_socket);
	put_key_str(out, "  ", "cli-group", g->cli_group);
	put_key_str(out, "  ", "metrics", g->metrics_listen[0] ? g->metrics_listen : "off");
	put_key_str(out, "  ", "state-dir", g->state_dir);
	if (g->p2p_file[0] != '\0')
		put_key_str(out, "  ", "p2p-file", g->p2p_file);
	fprintf(out, "  p2p-interval: %u\n", g->p2p_interval_s);
	fputs("  sflow:\n    collectors: [", out);
	for (size_t i = 0; i < g->sflow.ncollectors; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", g->sflow.collectors[i]);
	fputs("]\n", out);
	if (g->sflow.agent[0] != '\0')
		put_key_str(out, "    ", "agent-address", g->sflow.agent);
	fprintf(out, "    sampling-rate: %u\n    polling-interval: %u\n    header-bytes: %u\n",
		g->sflow.sampling_rate, g->sflow.polling_interval_s, g->sflow.header_bytes);
	if (g->sync.vlans_url[0] == '\0')
		return;
	fputs("  sync:\n", out);
	put_key_str(out, "    ", "vlans", g->sync.vlans_url);
	put_key_str(out, "    ", "interfaces", g->sync.interfaces_url);
	put_key_str(out, "    ", "map", g->sync.map);
	if (g->sync.api_key_file[0] != '\0')
		put_key_str(out, "    ", "api-key-file", g->sync.api_key_file);
	if (g->sync.ca_file[0] != '\0')
		put_key_str(out, "    ", "ca-file", g->sync.ca_file);
	fprintf(out, "    interval: %u\n    timeout: %u\n    max-removal: %u\n", g->sync.interval_s,
		g->sync.timeout_s, g->sync.max_removal_pct);
}

static void print_blackhole(const struct fab_blackhole *bh, FILE *out)
{
	char a[INET6_ADDRSTRLEN];

	fab_mac_format(bh->mac, a, sizeof(a));
	fprintf(out, "    blackhole:\n      mac: %s\n", a);
	if (bh->ipv4 != 0) {
		fab_ip4_format(bh->ipv4, a, sizeof(a));
		fprintf(out, "      ipv4: %s\n", a);
	}
	if (bh->has_ipv6) {
		fab_ip6_format(&bh->ipv6, a, sizeof(a));
		fprintf(out, "      ipv6: %s\n", a);
	}
}

static void print_lans(const struct fab_model *m, FILE *out)
{
	fputs(m->nlans ? "lans:\n" : "lans: []\n", out);
	for (size_t i = 0; i < m->nlans; i++) {
		const struct fab_lan *lan = &m->lans[i];
		char a[INET6_ADDRSTRLEN];

		fputs("  - ", out);
		put_key_str(out, "", "name", lan->name);
		fprintf(out, "    vlan: %u\n    kind: %s\n    mtu: %u\n", lan->vlan,
			fab_lan_kind_name(lan->kind), lan->mtu);
		if (lan->ipv4.set) {
			fab_ip4_format(lan->ipv4.addr, a, sizeof(a));
			fprintf(out, "    ipv4: %s/%u\n", a, lan->ipv4.len);
		}
		if (lan->ipv6.set) {
			struct fab_ip6 p;

			memcpy(p.b, lan->ipv6.addr, sizeof(p.b));
			fab_ip6_format(&p, a, sizeof(a));
			fprintf(out, "    ipv6: %s/%u\n", a, lan->ipv6.len);
		}
		fprintf(out, "    neighbor-policy: %s\n", fab_neigh_policy_name(lan->neigh));
		if (lan->blackhole.mac != 0)
			print_blackhole(&lan->blackhole, out);
		if (lan->vni != 0)
			fprintf(out, "    vni: %u\n", lan->vni);
	}
}

static void print_evpn(const struct fab_evpn *e, FILE *out)
{
	char a[16];

	if (e->asn == 0)
		return;
	fab_ip4_format(e->router_id, a, sizeof(a));
	fprintf(out, "evpn:\n  asn: %u\n  router-id: %s\n  neighbor-asn: %u\n  neighbors: [",
		e->asn, a, e->neighbor_asn);
	for (size_t i = 0; i < e->nneighbors; i++) {
		fab_ip4_format(e->neighbors[i], a, sizeof(a));
		fprintf(out, "%s%s", i ? ", " : "", a);
	}
	fputs("]\n", out);
}

/* The VXLAN keys of an underlay or VTEP port. */
static void print_vxlan(const struct fab_port *p, FILE *out)
{
	char a[16], mac[18], nh[18];

	fab_ip4_format(p->vxlan.address, a, sizeof(a));
	if (p->kind == FAB_PORT_VTEP)
		fprintf(out, "    remote: %s\n", a);
	if (p->kind == FAB_PORT_VTEP && p->vxlan.evpn)
		fputs("    evpn: true\n", out);
	if (p->kind != FAB_PORT_UNDERLAY)
		return;
	fab_mac_format(p->vxlan.mac, mac, sizeof(mac));
	fab_mac_format(p->vxlan.next_hop_mac, nh, sizeof(nh));
	fprintf(out, "    vtep-address: %s\n    vtep-mac: %s\n    next-hop-mac: %s\n", a, mac, nh);
}

static void print_ports(const struct fab_model *m, FILE *out)
{
	fputs(m->nports ? "ports:\n" : "ports: []\n", out);
	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];

		fputs("  - ", out);
		put_key_str(out, "", "name", p->name);
		if (fab_port_is_lag(p)) {
			fprintf(out, "    lag:\n      links:\n");
			for (uint8_t k = 0; k < p->lag.nlinks; k++) {
				fputs("        - ", out);
				put_str(out, p->lag.links[k]);
				fputc('\n', out);
			}
			fprintf(
			    out,
			    "      lacp: %s\n      rate: %s\n      min-links: %u\n      hash: %s\n",
			    fab_lacp_mode_name(p->lag.lacp), fab_lacp_rate_name(p->lag.rate),
			    p->lag.min_links, fab_lag_hash_name(p->lag.hash));
		} else if (p->kind != FAB_PORT_VTEP) {
			put_key_str(out, "    ", "device", p->device);
		}
		if (p->description[0] != '\0')
			put_key_str(out, "    ", "description", p->description);
		fprintf(out, "    kind: %s\n", fab_port_kind_name(p->kind));
		if (p->kind != FAB_PORT_VTEP)
			fprintf(out, "    mode: %s\n", fab_port_mode_name(p->mode));
		print_vxlan(p, out);
		if (p->kind != FAB_PORT_UNDERLAY) {
			fputs("    lans: [", out);
			for (size_t k = 0; k < p->nlans; k++) {
				fputs(k ? ", " : "", out);
				put_str(out, m->lans[p->lans[k]].name);
			}
			fputs("]\n", out);
		}
		fprintf(out, "    admin: %s\n    mtu: %u\n", p->admin_up ? "up" : "down", p->mtu);
		if (p->speed_mbps != 0)
			fprintf(out, "    speed: %u\n", p->speed_mbps);
		if (p->rate_bps != 0)
			fprintf(out, "    rate-limit: {rate: %llu, burst: %u}\n",
				(unsigned long long)p->rate_bps, p->rate_burst);
		fprintf(out, "    violation: %s\n", fab_violation_name(p->violation));
	}
}

typedef void (*format_fn)(const void *item, char *buf, size_t len);

static void format_mac(const void *item, char *buf, size_t len)
{
	fab_mac_format(*(const fab_mac_t *)item, buf, len);
}

static void format_ip4(const void *item, char *buf, size_t len)
{
	fab_ip4_format(*(const uint32_t *)item, buf, len);
}

static void format_ip6(const void *item, char *buf, size_t len)
{
	fab_ip6_format(item, buf, len);
}

/* A binding's list as one flow sequence: "key: [a, b]". */
static void put_list(FILE *out, const char *key, const void *v, size_t n, size_t size,
		     format_fn fmt)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(out, "            %s: [", key);
	for (size_t i = 0; i < n; i++) {
		size_t l;

		fmt((const char *)v + i * size, a, sizeof(a));
		l = strlen(a);
		/* In a flow list a plain scalar cannot end in ':' ("2001:db8::" before ',' or
		 * ']' reads as a mapping key), so such an address is quoted. */
		fprintf(out, l > 0 && a[l - 1] == ':' ? "%s\"%s\"" : "%s%s", i ? ", " : "", a);
	}
	fputs("]\n", out);
}

static void print_binding(const struct fab_model *m, const struct fab_binding *b, FILE *out)
{
	fputs("          - ", out);
	put_key_str(out, "", "lan", m->lans[b->lan].name);
	put_list(out, "macs", b->macs, b->nmacs, sizeof(*b->macs), format_mac);
	if (b->nipv4 != 0)
		put_list(out, "ipv4", b->ipv4, b->nipv4, sizeof(*b->ipv4), format_ip4);
	if (b->nipv6 != 0)
		put_list(out, "ipv6", b->ipv6, b->nipv6, sizeof(*b->ipv6), format_ip6);
}

static void print_members(const struct fab_model *m, FILE *out)
{
	fputs(m->nmembers ? "members:\n" : "members: []\n", out);
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct fab_member *mb = &m->members[i];

		fprintf(out, "  - asn: %u\n", mb->asn);
		put_key_str(out, "    ", "name", mb->name);
		fputs(mb->nconns ? "    connections:\n" : "    connections: []\n", out);
		for (size_t c = 0; c < mb->nconns; c++) {
			const struct fab_connection *cn = &mb->conns[c];

			fputs("      - ", out);
			put_key_str(out, "", "port", m->ports[cn->port].name);
			fputs(cn->nbindings ? "        lans:\n" : "        lans: []\n", out);
			for (size_t b = 0; b < cn->nbindings; b++)
				print_binding(m, &cn->bindings[b], out);
		}
	}
}

int fab_config_print(const struct fab_model *m, FILE *out)
{
	fputs("# peerlan configuration (canonical form)\nfabric:\n", out);
	put_key_str(out, "  ", "name", m->name);
	print_policy(&m->policy, out);
	print_management(&m->mgmt, out);
	print_evpn(&m->evpn, out);
	print_lans(m, out);
	print_ports(m, out);
	print_members(m, out);
	if (fflush(out) != 0 || ferror(out))
		return -(errno ? errno : EIO);
	return 0;
}

int fab_config_write(const struct fab_model *m, const char *path, bool replace)
{
	char tmp[FAB_PATH_MAX + 32];
	FILE *out;
	int fd, rc;

	/* A new name each try: a leftover of a killed run must not look like path existing. */
	for (int i = 0;; i++) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.%d.tmp", path, (long)getpid(), i) >=
		    sizeof(tmp))
			return -ENAMETOOLONG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		if (errno != EEXIST || i == 99)
			return -errno;
	}
	out = fdopen(fd, "w");
	if (out == NULL) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = fab_config_print(m, out);
	if (fclose(out) != 0 && rc == 0)
		rc = -errno;
	/* link() fails on an existing name, so no file is ever replaced by accident. */
	if (rc == 0 && (replace ? rename(tmp, path) : link(tmp, path)) != 0)
		rc = -errno;
	if (rc != 0 || !replace)
		unlink(tmp);
	return rc;
}
