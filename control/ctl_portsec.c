/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_portsec.h"
#include "fabric/bucket.h"
#include "fabric/pipeline.h"

#define NS_PER_S 1000000000ULL

struct psec_port {
	char name[FAB_NAME_MAX];
	/* What the dataplane should do, and whether it is known to. */
	bool errdisabled;
	bool dirty;
	enum ctl_psec_cause cause;
	uint64_t since_ns;
	uint64_t until_ns; /* 0: no automatic recovery */
	char detail[128];  /* why, in words, for show and the event */
	/* Baselines from the last read. */
	bool have_base;
	uint64_t offences;
	uint64_t storm;
	uint32_t link_changes;
	uint32_t link_changes_first; /* at the first read: the link coming up is no flap */
	/* What was seen. */
	uint64_t violations;
	uint64_t errdisables;
	uint64_t last_mac;
	uint64_t last_ns;
	uint16_t last_ethertype;
	uint16_t last_reason;
	uint64_t storm_since_ns; /* first of the reads in a row with storm drops; 0: none */
	uint64_t flaps[CTL_PSEC_FLAPS_MAX];
	unsigned nflaps, flap_head;
	struct fab_bucket events;
	uint64_t suppressed; /* restrict violations not logged one by one */
};

struct ctl_psec {
	struct ctl_events *ev;
	ctl_psec_push_fn push;
	void *arg;
	const struct fab_model *m;
	struct psec_port *p;
	size_t n;
};

struct ctl_psec *ctl_psec_create(struct ctl_events *ev, ctl_psec_push_fn push, void *arg)
{
	struct ctl_psec *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	ps->ev = ev;
	ps->push = push;
	ps->arg = arg;
	return ps;
}

void ctl_psec_destroy(struct ctl_psec *ps)
{
	if (ps == NULL)
		return;
	free(ps->p);
	free(ps);
}

int ctl_psec_set_model(struct ctl_psec *ps, const struct fab_model *m)
{
	struct psec_port *p = calloc(m->nports ? m->nports : 1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nports; i++) {
		snprintf(p[i].name, sizeof(p[i].name), "%s", m->ports[i].name);
		for (size_t j = 0; j < ps->n; j++)
			if (strcmp(ps->p[j].name, m->ports[i].name) == 0) {
				p[i] = ps->p[j];
				break;
			}
		/* The dataplane keeps ports by index: a port that moved has other counters. */
		if (i >= ps->n || strcmp(ps->p[i].name, p[i].name) != 0)
			p[i].have_base = false;
	}
	free(ps->p);
	ps->p = p;
	ps->n = m->nports;
	ps->m = m;
	return 0;
}

static void errdisable(struct ctl_psec *ps, size_t i, enum ctl_psec_cause cause, uint64_t hold_s,
		       uint64_t now_ns, uint64_t wall_ns, const char *detail)
{
	struct psec_port *p = &ps->p[i];

	if (p->errdisabled)
		return;
	p->errdisabled = true;
	p->dirty = true;
	p->cause = cause;
	p->since_ns = now_ns;
	p->until_ns = hold_s ? now_ns + hold_s * NS_PER_S : 0;
	p->errdisables++;
	p->storm_since_ns = 0;
	p->nflaps = 0;
	snprintf(p->detail, sizeof(p->detail), "%s", detail);
	if (hold_s)
		ctl_events_add(ps->ev, wall_ns, "err-disable", p->name,
			       "err-disabled by %s: %s; recovers in %llu s",
			       ctl_psec_cause_name(cause), detail, (unsigned long long)hold_s);
	else
		ctl_events_add(ps->ev, wall_ns, "err-disable", p->name,
			       "err-disabled by %s: %s; no automatic recovery",
			       ctl_psec_cause_name(cause), detail);
}

/* "member AS64500 (name)" of the member on port i, or "core port". */
static void member_of(const struct ctl_psec *ps, size_t i, char *buf, size_t len)
{
	int k = fab_model_member_by_port(ps->m, (uint16_t)i);

	if (k < 0)
		snprintf(buf, len, "%s", "core port");
	else
		snprintf(buf, len, "member AS%u (%s)", ps->m->members[k].asn,
			 ps->m->members[k].name);
}

static void violation(struct ctl_psec *ps, size_t i, uint64_t delta, const struct fab_port_stats *s,
		      uint64_t now_ns, uint64_t wall_ns)
{
	const struct fab_port *fp = &ps->m->ports[i];
	struct psec_port *p = &ps->p[i];
	char mac[18], member[FAB_NAME_MAX + 32], what[128];

	p->violations += delta;
	p->last_mac = s->last_offender_mac;
	p->last_ethertype = s->last_offender_ethertype;
	p->last_reason = s->last_offender_reason;
	p->last_ns = now_ns;
	fab_mac_format(s->last_offender_mac, mac, sizeof(mac));
	member_of(ps, i, member, sizeof(member));
	snprintf(what, sizeof(what), "%s from %s ethertype 0x%04x", fab_drop_name(p->last_reason),
		 mac, p->last_ethertype);
	if (fp->violation == FAB_VIOLATION_PROTECT)
		return;
	if (fp->violation == FAB_VIOLATION_SHUTDOWN && fp->kind == FAB_PORT_EDGE) {
		errdisable(ps, i, CTL_PSEC_VIOLATION, ps->m->policy.errdisable_recovery_s, now_ns,
			   wall_ns, what);
		return;
	}
	if (!fab_bucket_take(&p->events, now_ns)) {
		p->suppressed += delta;
		return;
	}
	ctl_events_add(ps->ev, wall_ns, "violation", p->name, "%s: %llu frame%s dropped, last %s%s",
		       member, (unsigned long long)(delta + p->suppressed),
		       delta + p->suppressed == 1 ? "" : "s", what,
		       p->suppressed ? " (includes ones not logged singly)" : "");
	p->suppressed = 0;
}

static void flaps(struct ctl_psec *ps, size_t i, uint32_t delta, uint64_t now_ns, uint64_t wall_ns)
{
	const struct fab_policy *pol = &ps->m->policy;
	struct psec_port *p = &ps->p[i];
	uint64_t window = (uint64_t)pol->flap_window_s * NS_PER_S;
	unsigned recent = 0;
	char what[96];

	for (uint32_t k = 0; k < delta && k < CTL_PSEC_FLAPS_MAX; k++) {
		p->flaps[p->flap_head] = now_ns;
		p->flap_head = (p->flap_head + 1) % CTL_PSEC_FLAPS_MAX;
		if (p->nflaps < CTL_PSEC_FLAPS_MAX)
			p->nflaps++;
	}
	for (unsigned k = 0; k < p->nflaps; k++) {
		uint64_t t =
		    p->flaps[(p->flap_head + CTL_PSEC_FLAPS_MAX - 1 - k) % CTL_PSEC_FLAPS_MAX];

		if (now_ns - t <= window)
			recent++;
	}
	if (pol->flap_changes == 0 || recent <= pol->flap_changes)
		return;
	snprintf(what, sizeof(what), "%u link changes within %u s", recent, pol->flap_window_s);
	errdisable(ps, i, CTL_PSEC_FLAP, pol->flap_hold_s, now_ns, wall_ns, what);
}

/*
 * A "link" event for each read that saw the link change, so that the NOC sees
 * a member's link go down before flap dampening has anything to say. The
 * port state carries oper, not the link itself: a port that is up and not
 * err-disabled is oper down only for its link. Limited like restrict
 * events; a flapping port says more through its err-disable.
 */
static void link_event(struct ctl_psec *ps, size_t i, uint32_t delta,
		       const struct fab_wire_port_state *st, uint64_t now_ns, uint64_t wall_ns)
{
	struct psec_port *p = &ps->p[i];
	const char *what = "link changed";
	char more[64] = "";

	if (!fab_bucket_take(&p->events, now_ns))
		return;
	if (st->oper == FAB_OPER_UP)
		what = "link up";
	else if (st->oper == FAB_OPER_DOWN && st->admin_up)
		what = "link down";
	if (delta > 1)
		snprintf(more, sizeof(more), " (%u changes since the last read)", delta);
	ctl_events_add(ps->ev, wall_ns, "link", p->name, "%s%s", what, more);
}

static void storm(struct ctl_psec *ps, size_t i, uint64_t delta, uint64_t now_ns, uint64_t wall_ns)
{
	uint32_t after = ps->m->policy.storm_errdisable_s;
	struct psec_port *p = &ps->p[i];
	char what[96];

	if (delta == 0) {
		p->storm_since_ns = 0;
		return;
	}
	if (p->storm_since_ns == 0)
		p->storm_since_ns = now_ns;
	if (after == 0 || now_ns - p->storm_since_ns < (uint64_t)after * NS_PER_S)
		return;
	snprintf(what, sizeof(what), "ARP/ND over the storm rate for %llu s",
		 (unsigned long long)((now_ns - p->storm_since_ns) / NS_PER_S));
	errdisable(ps, i, CTL_PSEC_STORM, ps->m->policy.errdisable_recovery_s, now_ns, wall_ns,
		   what);
}

static uint64_t offences(const struct fab_port_stats *s)
{
	uint64_t n = 0;

	for (unsigned r = 0; r < FAB_DROP__COUNT; r++)
		if (fab_drop_is_offence(r))
			n += s->drop[r];
	return n;
}

void ctl_psec_observe(struct ctl_psec *ps, uint64_t now_ns, uint64_t wall_ns,
		      const struct fab_wire_port_state *ports, const struct fab_port_stats *stats,
		      size_t nports)
{
	for (size_t i = 0; i < ps->n && i < nports; i++) {
		struct psec_port *p = &ps->p[i];
		uint64_t off = offences(&stats[i]), st = stats[i].drop[FAB_DROP_storm];
		uint32_t lc = ports[i].link_changes;
		bool base =
		    p->have_base && off >= p->offences && st >= p->storm && lc >= p->link_changes;

		if (base && !p->errdisabled) {
			if (off > p->offences)
				violation(ps, i, off - p->offences, &stats[i], now_ns, wall_ns);
			if (lc > p->link_changes)
				link_event(ps, i, lc - p->link_changes, &ports[i], now_ns, wall_ns);
			if (!p->errdisabled && lc > p->link_changes)
				flaps(ps, i, lc - p->link_changes, now_ns, wall_ns);
			if (!p->errdisabled)
				storm(ps, i, st - p->storm, now_ns, wall_ns);
		}
		if (!p->have_base) {
			fab_bucket_init(&p->events, CTL_PSEC_EVENTS_PER_S, CTL_PSEC_EVENTS_BURST,
					now_ns);
			p->link_changes_first = lc;
		}
		/* A restarted dataplane counts from 0 again. */
		if (lc < p->link_changes_first)
			p->link_changes_first = 0;
		p->have_base = true;
		p->offences = off;
		p->storm = st;
		p->link_changes = lc;
	}
}

void ctl_psec_sync(struct ctl_psec *ps, const struct fab_wire_port_state *ports, size_t nports)
{
	for (size_t i = 0; i < ps->n && i < nports; i++)
		if ((ports[i].oper == FAB_OPER_ERRDISABLED) != ps->p[i].errdisabled)
			ps->p[i].dirty = true;
}

void ctl_psec_rebase(struct ctl_psec *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		ps->p[i].have_base = false;
}

static void recover(struct ctl_psec *ps, size_t i, uint64_t wall_ns, const char *why)
{
	struct psec_port *p = &ps->p[i];

	p->errdisabled = false;
	p->dirty = true;
	ctl_events_add(ps->ev, wall_ns, "recovery", p->name, "re-enabled (%s) after %s: %s", why,
		       ctl_psec_cause_name(p->cause), p->detail);
	p->cause = CTL_PSEC_NONE;
	p->until_ns = 0;
	p->storm_since_ns = 0;
	p->nflaps = 0;
}

void ctl_psec_tick(struct ctl_psec *ps, uint64_t now_ns, uint64_t wall_ns)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct psec_port *p = &ps->p[i];

		if (p->errdisabled && p->until_ns != 0 && now_ns >= p->until_ns)
			recover(ps, i, wall_ns, "recovery timer");
		if (p->dirty && ps->push(ps->arg, (uint16_t)i, p->errdisabled) == 0)
			p->dirty = false;
	}
}

int ctl_psec_clear(struct ctl_psec *ps, uint16_t port, uint64_t now_ns, uint64_t wall_ns,
		   const char *why)
{
	if (port >= ps->n)
		return -ENOENT;
	if (!ps->p[port].errdisabled)
		return 0;
	recover(ps, port, wall_ns, why);
	ctl_psec_tick(ps, now_ns, wall_ns);
	return 1;
}

bool ctl_psec_errdisabled(const struct ctl_psec *ps, uint16_t port)
{
	return port < ps->n && ps->p[port].errdisabled;
}

enum ctl_psec_cause ctl_psec_cause(const struct ctl_psec *ps, uint16_t port)
{
	return port < ps->n ? ps->p[port].cause : CTL_PSEC_NONE;
}

uint64_t ctl_psec_violations(const struct ctl_psec *ps, uint16_t port)
{
	return port < ps->n ? ps->p[port].violations : 0;
}

const char *ctl_psec_cause_name(enum ctl_psec_cause c)
{
	switch (c) {
	case CTL_PSEC_VIOLATION:
		return "violation";
	case CTL_PSEC_STORM:
		return "storm";
	case CTL_PSEC_FLAP:
		return "link-flap";
	default:
		return "none";
	}
}

static json_t *port_json(const struct ctl_psec *ps, size_t i, uint64_t now_ns)
{
	const struct psec_port *p = &ps->p[i];
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "action",
			    json_string(fab_violation_name(ps->m->ports[i].violation)));
	json_object_set_new(o, "state", json_string(p->errdisabled ? "err-disabled" : "enabled"));
	json_object_set_new(o, "violations", json_integer((json_int_t)p->violations));
	json_object_set_new(o, "errdisables", json_integer((json_int_t)p->errdisables));
	json_object_set_new(o, "link_changes", json_integer(p->link_changes));
	json_object_set_new(o, "flaps", json_integer(p->link_changes - p->link_changes_first));
	json_object_set_new(o, "storm_drops", json_integer((json_int_t)p->storm));
	if (p->errdisabled) {
		json_object_set_new(o, "cause", json_string(ctl_psec_cause_name(p->cause)));
		json_object_set_new(o, "detail", json_string(p->detail));
		json_object_set_new(o, "for_s",
				    json_integer((json_int_t)((now_ns - p->since_ns) / NS_PER_S)));
		json_object_set_new(
		    o, "recovers_in_s",
		    p->until_ns
			? json_integer(
			      (json_int_t)((p->until_ns > now_ns ? p->until_ns - now_ns : 0) /
					   NS_PER_S))
			: json_null());
		json_object_set_new(o, "pending", json_boolean(p->dirty));
	}
	if (p->last_ns != 0) {
		json_t *l = json_object();
		char mac[18], et[8];

		fab_mac_format(p->last_mac, mac, sizeof(mac));
		snprintf(et, sizeof(et), "0x%04x", p->last_ethertype);
		json_object_set_new(l, "mac", json_string(mac));
		json_object_set_new(l, "ethertype", json_string(et));
		json_object_set_new(l, "reason", json_string(fab_drop_name(p->last_reason)));
		json_object_set_new(l, "age_s",
				    json_integer((json_int_t)((now_ns - p->last_ns) / NS_PER_S)));
		json_object_set_new(o, "last_violation", l);
	}
	return o;
}

json_t *ctl_psec_json(const struct ctl_psec *ps, int port, uint64_t now_ns)
{
	json_t *a;

	if (port >= 0)
		return (size_t)port < ps->n ? port_json(ps, (size_t)port, now_ns) : NULL;
	a = json_array();
	for (size_t i = 0; a != NULL && i < ps->n; i++)
		json_array_append_new(a, port_json(ps, i, now_ns));
	return a;
}
