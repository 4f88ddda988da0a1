/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The show commands: data only, as JSON. peerlanctl turns it into text or
 * prints it as it is, so every show has both forms from one builder.
 */
#include <errno.h>
#include <string.h>

#include "ctl_int.h"
#include "ctl_lag.h"
#include "fabric/pipeline.h"

static const char *oper_name(uint8_t oper)
{
	switch (oper) {
	case FAB_OPER_UP:
		return "up";
	case FAB_OPER_ERRDISABLED:
		return "err-disabled";
	default:
		return "down";
	}
}

static json_t *mac_json(fab_mac_t mac)
{
	char buf[18];

	fab_mac_format(mac, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *u64_json(uint64_t v)
{
	/* JSON integers are signed 64-bit in jansson; counters never get there. */
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : a;
}

void ctl_port_display(const struct ctl *c, size_t port, struct fab_port_stats *out)
{
	const struct fab_port_stats *b = &c->baseline[port];
	bool restarted = false;

	*out = c->fresh->stats[port];
	if (c->baseline_ns[port] == 0)
		return;
	/* Counters below the baseline mean the dataplane restarted: no baseline then. */
	for (int i = 0; i < FAB_CTR__COUNT; i++)
		restarted |= out->ctr[i] < b->ctr[i];
	if (restarted)
		return;
	for (int i = 0; i < FAB_CTR__COUNT; i++)
		out->ctr[i] = sub_sat(out->ctr[i], b->ctr[i]);
	for (int i = 0; i < FAB_DROP__COUNT; i++)
		out->drop[i] = sub_sat(out->drop[i], b->drop[i]);
}

/* The newest kept read at least 0.9 s older than the fresh one, for rates. */
static const struct ctl_sample *rate_base(const struct ctl *c)
{
	for (unsigned k = 0; k < c->nsamples; k++) {
		const struct ctl_sample *s =
		    c->samples[(c->sample_head + CTL_SAMPLES - k) % CTL_SAMPLES];

		if (s->t_ns + 900000000ULL <= c->fresh->t_ns && s->c.nports == c->fresh->c.nports)
			return s;
	}
	return NULL;
}

static json_t *rates_json(const struct ctl *c, const struct ctl_sample *base, size_t i)
{
	const struct fab_port_stats *a, *b;
	double dt;
	json_t *o;

	if (base == NULL || i >= base->c.nports)
		return json_null();
	a = &base->stats[i];
	b = &c->fresh->stats[i];
	dt = (double)(c->fresh->t_ns - base->t_ns) / 1e9;
	o = json_object();
	json_object_set_new(o, "rx_pps",
			    json_integer((json_int_t)((double)sub_sat(b->ctr[FAB_CTR_rx_packets],
								      a->ctr[FAB_CTR_rx_packets]) /
						      dt)));
	json_object_set_new(o, "tx_pps",
			    json_integer((json_int_t)((double)sub_sat(b->ctr[FAB_CTR_tx_packets],
								      a->ctr[FAB_CTR_tx_packets]) /
						      dt)));
	json_object_set_new(o, "rx_bps",
			    json_integer((json_int_t)(8.0 *
						      (double)sub_sat(b->ctr[FAB_CTR_rx_octets],
								      a->ctr[FAB_CTR_rx_octets]) /
						      dt)));
	json_object_set_new(o, "tx_bps",
			    json_integer((json_int_t)(8.0 *
						      (double)sub_sat(b->ctr[FAB_CTR_tx_octets],
								      a->ctr[FAB_CTR_tx_octets]) /
						      dt)));
	json_object_set_new(o, "interval_s", json_real(dt));
	return o;
}

static uint64_t drops_total(const struct fab_port_stats *s)
{
	uint64_t t = 0;

	for (int i = 0; i < FAB_DROP__COUNT; i++)
		t += s->drop[i];
	return t;
}

/* The member on a port: one for an edge port, any number behind a core port. */
static json_t *port_members(const struct fab_model *m, size_t port)
{
	json_t *a = json_array();

	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t k = 0; k < m->members[i].nconns; k++)
			if (m->members[i].conns[k].port == port) {
				json_t *o = json_object();

				json_object_set_new(o, "asn", json_integer(m->members[i].asn));
				json_object_set_new(o, "name", json_string(m->members[i].name));
				json_array_append_new(a, o);
				break;
			}
	return a;
}

static json_t *port_lans(const struct fab_model *m, const struct fab_port *p)
{
	json_t *a = json_array();

	for (size_t i = 0; i < p->nlans; i++) {
		const struct fab_lan *l = &m->lans[p->lans[i]];
		json_t *o = json_object();

		json_object_set_new(o, "lan", json_string(l->name));
		json_object_set_new(o, "vlan", json_integer(l->vlan));
		json_object_set_new(o, "mtu", json_integer(l->mtu));
		json_array_append_new(a, o);
	}
	return a;
}

/* State of port i as far as we know; dataplane's view when we have one. */
static void port_state(const struct ctl *c, size_t i, json_t *o)
{
	const struct fab_port *p = &c->running->ports[i];
	bool known = c->synced && i < c->dp_status.hello.nports;

	json_object_set_new(o, "admin", json_string(p->admin_up ? "up" : "down"));
	json_object_set_new(o, "oper",
			    json_string(known ? oper_name(c->dp_ports[i].oper) : "unknown"));
	/* The port's own address, as the dataplane's driver reports it. */
	if (known && i < c->dp_nmacs && c->dp_macs[i] != 0)
		json_object_set_new(o, "mac_address", mac_json(c->dp_macs[i]));
	if (ctl_psec_errdisabled(c->psec, (uint16_t)i))
		json_object_set_new(
		    o, "errdisabled",
		    json_string(ctl_psec_cause_name(ctl_psec_cause(c->psec, (uint16_t)i))));
}

static bool have_counters(const struct ctl *c, size_t i)
{
	return c->synced && i < c->fresh->c.nports;
}

static json_t *counters_json(const struct fab_port_stats *s)
{
	json_t *o = json_object();

	for (int k = 0; k < FAB_CTR__COUNT; k++)
		json_object_set_new(o, fab_counter_name(k), u64_json(s->ctr[k]));
	return o;
}

static json_t *drops_json(const struct fab_port_stats *s)
{
	json_t *o = json_object();

	for (int k = 0; k < FAB_DROP__COUNT; k++)
		json_object_set_new(o, fab_drop_name(k), u64_json(s->drop[k]));
	return o;
}

static int show_ports(struct ctl *c, json_t **out)
{
	const struct fab_model *m = c->running;
	const struct ctl_sample *base = have_counters(c, 0) ? rate_base(c) : NULL;
	json_t *a = json_array();

	for (size_t i = 0; i < m->nports; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(m->ports[i].name));
		json_object_set_new(o, "description", json_string(m->ports[i].description));
		port_state(c, i, o);
		json_object_set_new(o, "kind", json_string(fab_port_kind_name(m->ports[i].kind)));
		json_object_set_new(o, "mtu", json_integer(m->ports[i].mtu));
		json_object_set_new(o, "speed_mbps", json_integer(m->ports[i].speed_mbps));
		json_object_set_new(o, "members", port_members(m, i));
		json_object_set_new(o, "lans", port_lans(m, &m->ports[i]));
		if (have_counters(c, i)) {
			struct fab_port_stats s;

			const struct fab_port_stats *abs = &c->fresh->stats[i];

			ctl_port_display(c, i, &s);
			json_object_set_new(o, "rx_packets",
					    u64_json(abs->ctr[FAB_CTR_rx_packets]));
			json_object_set_new(o, "tx_packets",
					    u64_json(abs->ctr[FAB_CTR_tx_packets]));
			json_object_set_new(o, "drops", u64_json(drops_total(abs)));
			json_object_set_new(o, "drops_since_clear", u64_json(drops_total(&s)));
			json_object_set_new(o, "rates", rates_json(c, base, i));
			/* Every absolute counter in one answer, for pollers (peerlan-snmp). */
			json_object_set_new(o, "counters", counters_json(abs));
			json_object_set_new(o, "drop_reasons", drops_json(abs));
		}
		json_array_append_new(a, o);
	}
	*out = json_object();
	json_object_set_new(*out, "ports", a);
	return 0;
}

static json_t *binding_macs(const struct fab_model *m, const struct fab_binding *b)
{
	json_t *a = json_array();

	(void)m;
	for (size_t i = 0; i < b->nmacs; i++)
		json_array_append_new(a, mac_json(b->macs[i]));
	return a;
}

static json_t *offender_json(const struct ctl *c, const struct fab_port_stats *s)
{
	json_t *o;
	char et[8];

	if (s->last_offender_time == 0)
		return json_null();
	o = json_object();
	snprintf(et, sizeof(et), "0x%04x", s->last_offender_ethertype);
	json_object_set_new(o, "mac", mac_json(s->last_offender_mac));
	json_object_set_new(o, "ethertype", json_string(et));
	json_object_set_new(o, "reason", json_string(fab_drop_name(s->last_offender_reason)));
	if (c->fresh->c.now >= s->last_offender_time)
		json_object_set_new(
		    o, "age_s", json_real((double)(c->fresh->c.now - s->last_offender_time) / 1e9));
	return o;
}

static int show_port(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	const struct fab_model *m = c->running;
	int i = fab_model_port_by_name(m, r->port);
	const struct fab_port *p;
	json_t *o, *macs;

	if (i < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	p = &m->ports[i];
	o = json_object();
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "description", json_string(p->description));
	json_object_set_new(o, "device", json_string(p->device));
	json_object_set_new(o, "kind", json_string(fab_port_kind_name(p->kind)));
	json_object_set_new(o, "mode", json_string(fab_port_mode_name(p->mode)));
	json_object_set_new(o, "mtu", json_integer(p->mtu));
	json_object_set_new(o, "speed_mbps", json_integer(p->speed_mbps));
	json_object_set_new(o, "violation", json_string(fab_violation_name(p->violation)));
	port_state(c, (size_t)i, o);
	json_object_set_new(o, "members", port_members(m, (size_t)i));
	json_object_set_new(o, "lans", port_lans(m, p));
	macs = json_array();
	for (size_t k = 0; k < m->nmembers; k++)
		for (size_t n = 0; n < m->members[k].nconns; n++) {
			const struct fab_connection *cn = &m->members[k].conns[n];

			if (cn->port != (uint16_t)i)
				continue;
			for (size_t b = 0; b < cn->nbindings; b++) {
				json_t *e = json_object();

				json_object_set_new(e, "lan",
						    json_string(m->lans[cn->bindings[b].lan].name));
				json_object_set_new(e, "asn", json_integer(m->members[k].asn));
				json_object_set_new(e, "macs", binding_macs(m, &cn->bindings[b]));
				json_array_append_new(macs, e);
			}
		}
	json_object_set_new(o, "macs", macs);
	json_object_set_new(o, "swap_windows", ctl_swap_json(c, p->name));
	if (ctl_lag_of(c, (uint16_t)i) != NULL)
		json_object_set_new(o, "lag", ctl_lag_json(c, ctl_lag_of(c, (uint16_t)i)));
	if (have_counters(c, (size_t)i)) {
		const struct fab_port_stats *abs = &c->fresh->stats[i];
		struct fab_port_stats s;

		/* Absolute, like the exported metrics: a clear never makes them go back. */
		ctl_port_display(c, (size_t)i, &s);
		json_object_set_new(o, "counters", counters_json(abs));
		json_object_set_new(o, "drops", drops_json(abs));
		json_object_set_new(o, "counters_since_clear", counters_json(&s));
		json_object_set_new(o, "drops_since_clear", drops_json(&s));
		json_object_set_new(o, "last_offender", offender_json(c, &s));
		json_object_set_new(o, "rates", rates_json(c, rate_base(c), (size_t)i));
		if (c->baseline_ns[i] != 0)
			json_object_set_new(
			    o, "cleared_s_ago",
			    json_real((double)(ctl_now_ns() - c->baseline_ns[i]) / 1e9));
	}
	*out = o;
	return 0;
}

static json_t *member_summary(const struct fab_model *m, const struct fab_member *mb)
{
	json_t *o = json_object(), *ports = json_array();
	size_t nmac = 0, n4 = 0, n6 = 0;

	json_object_set_new(o, "asn", json_integer(mb->asn));
	json_object_set_new(o, "name", json_string(mb->name));
	for (size_t k = 0; k < mb->nconns; k++) {
		json_array_append_new(ports, json_string(m->ports[mb->conns[k].port].name));
		for (size_t b = 0; b < mb->conns[k].nbindings; b++) {
			nmac += mb->conns[k].bindings[b].nmacs;
			n4 += mb->conns[k].bindings[b].nipv4;
			n6 += mb->conns[k].bindings[b].nipv6;
		}
	}
	json_object_set_new(o, "ports", ports);
	/* Counts: show member has the lists under macs, ipv4 and ipv6. */
	json_object_set_new(o, "mac_count", json_integer((json_int_t)nmac));
	json_object_set_new(o, "ipv4_count", json_integer((json_int_t)n4));
	json_object_set_new(o, "ipv6_count", json_integer((json_int_t)n6));
	return o;
}

static int show_members(struct ctl *c, json_t **out)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->running->nmembers; i++)
		json_array_append_new(a, member_summary(c->running, &c->running->members[i]));
	*out = json_object();
	json_object_set_new(*out, "members", a);
	return 0;
}

static json_t *addr_list(const struct fab_binding *b, bool v6)
{
	json_t *a = json_array();
	char buf[46];

	for (size_t i = 0; i < (v6 ? b->nipv6 : b->nipv4); i++) {
		if (v6)
			fab_ip6_format(&b->ipv6[i], buf, sizeof(buf));
		else
			fab_ip4_format(b->ipv4[i], buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

int ctl_show_member(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	const struct fab_model *m = c->running;
	int i = fab_model_member_by_asn(m, r->asn);
	const struct fab_member *mb;
	json_t *o, *conns;

	if (i < 0)
		return ctl_error(out, -ENOENT, "no such member: AS%u", r->asn);
	mb = &m->members[i];
	o = member_summary(m, mb);
	conns = json_array();
	for (size_t k = 0; k < mb->nconns; k++) {
		const struct fab_connection *cn = &mb->conns[k];
		json_t *co = json_object(), *lans = json_array();

		json_object_set_new(co, "port", json_string(m->ports[cn->port].name));
		port_state(c, cn->port, co);
		for (size_t b = 0; b < cn->nbindings; b++) {
			const struct fab_binding *bd = &cn->bindings[b];
			json_t *lo = json_object();

			json_object_set_new(lo, "lan", json_string(m->lans[bd->lan].name));
			json_object_set_new(lo, "vlan", json_integer(m->lans[bd->lan].vlan));
			json_object_set_new(lo, "macs", binding_macs(m, bd));
			json_object_set_new(lo, "ipv4", addr_list(bd, false));
			json_object_set_new(lo, "ipv6", addr_list(bd, true));
			json_array_append_new(lans, lo);
		}
		json_object_set_new(co, "lans", lans);
		json_array_append_new(conns, co);
	}
	json_object_set_new(o, "connections", conns);
	*out = o;
	return 0;
}

/* Calls fn for every binding of every member (on one LAN if lan >= 0). */
static void each_binding(struct ctl *c, int lan,
			 void (*fn)(struct ctl *c, const struct fab_member *mb,
				    const struct fab_connection *cn, const struct fab_binding *b,
				    void *arg),
			 void *arg)
{
	const struct fab_model *m = c->running;

	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t k = 0; k < m->members[i].nconns; k++) {
			const struct fab_connection *cn = &m->members[i].conns[k];

			for (size_t b = 0; b < cn->nbindings; b++)
				if (lan < 0 || cn->bindings[b].lan == lan)
					fn(c, &m->members[i], cn, &cn->bindings[b], arg);
		}
}

static json_t *entry(struct ctl *c, const struct fab_member *mb, const struct fab_connection *cn,
		     const struct fab_binding *b)
{
	json_t *o = json_object();
	const struct fab_model *m = c->running;

	json_object_set_new(o, "lan", json_string(m->lans[b->lan].name));
	json_object_set_new(o, "vlan", json_integer(m->lans[b->lan].vlan));
	json_object_set_new(o, "port", json_string(m->ports[cn->port].name));
	json_object_set_new(o, "asn", json_integer(mb->asn));
	json_object_set_new(o, "member", json_string(mb->name));
	return o;
}

static void mac_entries(struct ctl *c, const struct fab_member *mb, const struct fab_connection *cn,
			const struct fab_binding *b, void *arg)
{
	for (size_t i = 0; i < b->nmacs; i++) {
		json_t *o = entry(c, mb, cn, b);

		json_object_set_new(o, "mac", mac_json(b->macs[i]));
		json_array_append_new(arg, o);
	}
}

int ctl_show_mac_table(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int lan = -1;
	json_t *a;

	if (r->lan[0] != '\0' && (lan = fab_model_lan_by_name(c->running, r->lan)) < 0)
		return ctl_error(out, -ENOENT, "no such LAN: %s", r->lan);
	a = json_array();
	each_binding(c, lan, mac_entries, a);
	*out = json_object();
	json_object_set_new(*out, "macs", a);
	return 0;
}

struct neigh_arg {
	json_t *a;
	int family;
};

static void neigh_entries(struct ctl *c, const struct fab_member *mb,
			  const struct fab_connection *cn, const struct fab_binding *b, void *arg)
{
	struct neigh_arg *na = arg;

	for (int v6 = 0; v6 < 2; v6++) {
		json_t *addrs;
		size_t i;
		json_t *ad;

		if (na->family == (v6 ? 4 : 6))
			continue;
		addrs = addr_list(b, v6);
		json_array_foreach(addrs, i, ad)
		{
			json_t *o = entry(c, mb, cn, b);

			json_object_set(o, "address", ad);
			json_object_set_new(o, "family", json_string(v6 ? "ipv6" : "ipv4"));
			json_object_set_new(o, "macs", binding_macs(c->running, b));
			port_state(c, cn->port, o);
			ctl_sponge_annotate(c, json_string_value(ad), o);
			json_array_append_new(na->a, o);
		}
		json_decref(addrs);
	}
}

int ctl_show_neighbors(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	struct neigh_arg na = {.a = json_array(), .family = r->family};

	each_binding(c, -1, neigh_entries, &na);
	*out = json_object();
	json_object_set_new(*out, "neighbors", na.a);
	return 0;
}

static int show_drops(struct ctl *c, json_t **out)
{
	uint64_t total[FAB_DROP__COUNT] = {0};
	json_t *ports = json_array(), *sum = json_array();

	for (size_t i = 0; i < c->running->nports && have_counters(c, i); i++) {
		struct fab_port_stats s;
		json_t *po = json_object(), *reasons = json_array();

		ctl_port_display(c, i, &s);
		for (int k = 0; k < FAB_DROP__COUNT; k++) {
			json_t *e;

			if (s.drop[k] == 0)
				continue;
			total[k] += s.drop[k];
			e = json_object();
			json_object_set_new(e, "reason", json_string(fab_drop_name(k)));
			json_object_set_new(e, "count", u64_json(s.drop[k]));
			json_array_append_new(reasons, e);
		}
		json_object_set_new(po, "port", json_string(c->running->ports[i].name));
		json_object_set_new(po, "drops", reasons);
		json_object_set_new(po, "last_offender", offender_json(c, &s));
		json_array_append_new(ports, po);
	}
	for (int k = 0; k < FAB_DROP__COUNT; k++) {
		json_t *e;

		if (total[k] == 0)
			continue;
		e = json_object();
		json_object_set_new(e, "reason", json_string(fab_drop_name(k)));
		json_object_set_new(e, "help", json_string(fab_drop_help(k)));
		json_object_set_new(e, "count", u64_json(total[k]));
		json_array_append_new(sum, e);
	}
	*out = json_object();
	json_object_set_new(*out, "total", sum);
	json_object_set_new(*out, "ports", ports);
	return 0;
}

static int show_status(struct ctl *c, json_t **out)
{
	json_t *o = json_object(), *dp = json_object();
	uint64_t now = ctl_now_ns();
	char digest[20];

	json_object_set_new(o, "version", json_string(PEERLAN_VERSION));
	json_object_set_new(o, "uptime_s",
			    json_integer((json_int_t)((now - c->start_ns) / 1000000000)));
	json_object_set_new(o, "fabric", json_string(c->running->name));
	json_object_set_new(o, "config_source", json_string(c->source));
	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)c->running_digest);
	json_object_set_new(o, "config_digest", json_string(digest));
	json_object_set_new(o, "ports", json_integer((json_int_t)c->running->nports));
	json_object_set_new(o, "members", json_integer((json_int_t)c->running->nmembers));
	/* Always there: null when no apply waits for a confirm. */
	json_object_set_new(
	    o, "confirm_left_s",
	    c->confirm_from == NULL
		? json_null()
		: json_integer((json_int_t)(c->confirm_deadline_ns > now
						? (c->confirm_deadline_ns - now) / 1000000000
						: 0)));
	json_object_set_new(o, "rollback_available", json_boolean(c->previous != NULL));
	json_object_set_new(o, "cli_readonly_refused", u64_json(c->cli_ro_refused));
	json_object_set_new(dp, "socket", json_string(c->running->mgmt.control_socket));
	json_object_set_new(dp, "connected", json_boolean(c->synced));
	json_object_set_new(dp, "connects", u64_json(c->connects));
	json_object_set_new(dp, "punts_received", u64_json(c->punts));
	json_object_set_new(dp, "punts_malformed", u64_json(c->punts_bad));
	if (c->dp_error[0] != '\0')
		json_object_set_new(dp, "last_error", json_string(c->dp_error));
	if (c->stall_ns != 0)
		json_object_set_new(dp, "answering", json_false());
	if (c->synced) {
		char err[256];

		if (ctl_dp_status(c, err, sizeof(err)) == 0) {
			snprintf(digest, sizeof(digest), "%016llx",
				 (unsigned long long)c->dp_status.hello.digest);
			json_object_set_new(dp, "version",
					    json_string(c->dp_status.hello.software));
			json_object_set_new(dp, "generation",
					    u64_json(c->dp_status.hello.generation));
			json_object_set_new(dp, "config_digest", json_string(digest));
			json_object_set_new(
			    dp, "in_sync",
			    json_boolean(c->dp_status.hello.digest == c->pushed_digest));
			json_object_set_new(dp, "uptime_s",
					    u64_json(c->dp_status.uptime_ns / 1000000000));
			json_object_set_new(dp, "workers", json_integer(c->dp_status.nworkers));
			json_object_set_new(dp, "punts_dropped",
					    u64_json(c->dp_status.punt_dropped));
		}
	}
	json_object_set_new(o, "dataplane", dp);
	*out = o;
	return 0;
}

int ctl_show_port_security(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int i = -1;

	if (r->port[0] != '\0' && (i = fab_model_port_by_name(c->running, r->port)) < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	/* A fresh read, so a violation of the last second is already counted. */
	(void)ctl_read_counters(c);
	*out = json_object();
	json_object_set_new(*out, "ports",
			    i < 0 ? ctl_psec_json(c->psec, -1, ctl_now_ns())
				  : json_pack("[o]", ctl_psec_json(c->psec, i, ctl_now_ns())));
	json_object_set_new(*out, "errdisable_recovery_s",
			    json_integer(c->running->policy.errdisable_recovery_s));
	return 0;
}

int ctl_show_quarantine(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int i = fab_model_port_by_name(c->running, r->port);
	struct fab_port_stats s;
	fab_mac_t mac;

	if (i < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	(void)ctl_read_counters(c);
	if (have_counters(c, (size_t)i))
		ctl_port_display(c, (size_t)i, &s);
	*out = ctl_quar_report(c->quar, (uint16_t)i, have_counters(c, (size_t)i) ? &s : NULL,
			       ctl_now_ns(), &mac);
	return *out != NULL ? 0 : ctl_error(out, -ENOMEM, "out of memory");
}

int ctl_show_events(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	if (r->port[0] != '\0' && fab_model_port_by_name(c->running, r->port) < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	*out = json_object();
	json_object_set_new(*out, "events",
			    ctl_events_json(c->events, r->port[0] ? r->port : NULL));
	json_object_set_new(*out, "total", json_integer((json_int_t)ctl_events_total(c->events)));
	return 0;
}

/* Counters are read fresh for each show that has them; a failure leaves them out. */
static void read_fresh(struct ctl *c)
{
	if (c->synced && ctl_read_counters(c) != 0)
		c->fresh->c.nports = 0;
}

int ctl_show_ports(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	read_fresh(c);
	return show_ports(c, out);
}

int ctl_show_port(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	read_fresh(c);
	return show_port(c, r, out);
}

int ctl_show_drops(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	read_fresh(c);
	return show_drops(c, out);
}

int ctl_show_members(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	return show_members(c, out);
}

int ctl_show_status(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	return show_status(c, out);
}

int ctl_show_config(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	*out = json_object();
	json_object_set_new(*out, "text", json_stringn(c->running_text, c->running_len));
	return 0;
}

/* What the shell completes: names of ports, LANs and members, and addresses. */
int ctl_show_names(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	const struct fab_model *m = c->running;
	json_t *ports = json_array(), *lags = json_array(), *lans = json_array();
	json_t *members = json_array();
	json_t *addrs = ctl_sponge_addresses(c), *provisioned = json_array(), *a;
	size_t i;

	for (i = 0; i < m->nports; i++) {
		json_array_append_new(ports, json_string(m->ports[i].name));
		if (fab_port_is_lag(&m->ports[i]))
			json_array_append_new(lags, json_string(m->ports[i].name));
	}
	for (i = 0; i < m->nlans; i++)
		json_array_append_new(lans, json_string(m->lans[i].name));
	for (i = 0; i < m->nmembers; i++)
		json_array_append_new(members,
				      json_pack("{s:I,s:s}", "asn", (json_int_t)m->members[i].asn,
						"name", m->members[i].name));
	/* The provisioned addresses first, then what else the sponge tracks. */
	for (i = 0; i < m->nmembers; i++)
		for (size_t k = 0; k < m->members[i].nconns; k++)
			for (size_t b = 0; b < m->members[i].conns[k].nbindings; b++)
				for (int v6 = 0; v6 <= 1; v6++) {
					json_t *l =
					    addr_list(&m->members[i].conns[k].bindings[b], v6);

					json_array_extend(provisioned, l);
					json_decref(l);
				}
	json_array_foreach(addrs, i, a)
	{
		bool known = false;
		size_t j;
		json_t *p;

		json_array_foreach(provisioned, j, p) known |= json_equal(p, a);
		if (!known)
			json_array_append(provisioned, a);
	}
	json_decref(addrs);
	addrs = provisioned;
	(void)r;
	*out = json_pack("{s:o,s:o,s:o,s:o,s:o}", "ports", ports, "lags", lags, "lans", lans,
			 "members", members, "addresses", addrs);
	return *out != NULL ? 0 : ctl_error(out, -ENOMEM, "out of memory");
}
