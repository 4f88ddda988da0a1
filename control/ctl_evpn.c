/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_evpn.h"
#include "ctl_int.h"
#include "fabric/wire_evpn.h"

/* Refusal events one message may log; the rest are counted only. */
#define EVENTS_PER_MESSAGE 16

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

/* The order of the kept routes: everything but the EVI, which names our own. */
static int route_cmp(const void *pa, const void *pb)
{
	const struct fab_evpn_route *a = pa, *b = pb;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->vni != b->vni)
		return a->vni < b->vni ? -1 : 1;
	if (a->vtep != b->vtep)
		return a->vtep < b->vtep ? -1 : 1;
	if (a->mac != b->mac)
		return a->mac < b->mac ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->ip, b->ip, sizeof(a->ip));
}

static const char *vtep_port_name(const struct fab_model *m, uint32_t vtep)
{
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_VTEP && m->ports[i].vxlan.address == vtep)
			return m->ports[i].name;
	return NULL;
}

/* The verdict an earlier message gave the same route, or -1 if it had none. */
static int earlier(const struct ctl_evpn *e, const struct fab_evpn_route *r)
{
	const struct fab_evpn_route *hit =
	    e->nroutes ? bsearch(r, e->routes, e->nroutes, sizeof(*r), route_cmp) : NULL;

	return hit ? e->verdicts[hit - e->routes] : -1;
}

/*
 * Judges the new set, counts and reports each refusal once, and keeps the
 * set. Returns whether it differs from the one kept before.
 */
static bool take(struct ctl *c, struct fab_evpn_route *routes, uint8_t *verdicts, size_t n)
{
	struct ctl_evpn *e = &c->evpn;
	unsigned logged = 0, unlogged = 0;
	bool changed = n != e->nroutes;

	for (size_t i = 0; i < n; i++) {
		enum fab_evpn_verdict v = fab_evpn_check(c->running, &routes[i], NULL);
		char line[160];

		verdicts[i] = (uint8_t)v;
		if (!changed && route_cmp(&routes[i], &e->routes[i]) != 0)
			changed = true;
		if (v == FAB_EVPN_OK || earlier(e, &routes[i]) == (int)v)
			continue;
		e->refused[v]++;
		if (logged == EVENTS_PER_MESSAGE) {
			unlogged++;
			continue;
		}
		logged++;
		fab_evpn_route_format(&routes[i], line, sizeof(line));
		ctl_events_add(c->events, ctl_wall_ns(), "evpn-refused",
			       vtep_port_name(c->running, routes[i].vtep),
			       "EVPN route refused, not installed: %s: %s", line,
			       fab_evpn_verdict_text(v));
	}
	if (unlogged > 0)
		ctl_events_add(c->events, ctl_wall_ns(), "evpn-refused", NULL,
			       "%u more EVPN routes refused in the same update (show evpn)",
			       unlogged);
	free(e->routes);
	free(e->verdicts);
	e->routes = routes;
	e->verdicts = verdicts;
	e->nroutes = n;
	return changed;
}

static void session(struct ctl *c, bool up)
{
	struct ctl_evpn *e = &c->evpn;

	if (e->heard && e->session_up == up)
		return;
	if (e->heard || up) {
		e->session_changes++;
		ctl_events_add(
		    c->events, ctl_wall_ns(), up ? "bgp-up" : "bgp-down", NULL,
		    up ? "BGP EVPN session up; %zu routes held before"
		       : "BGP EVPN sessions down: forwarding on with the last %zu routes "
			 "until one is up again",
		    e->nroutes);
	}
	e->session_up = up;
	e->since_wall_ns = ctl_wall_ns();
}

/* This node's routes and settings, as the reply. */
static int reply(struct ctl *c, const struct fab_wire_hdr *h, struct fab_wire_buf *out)
{
	const struct fab_model *m = c->running;
	struct fab_wire_evpn_local loc = {.asn = m->evpn.asn,
					  .router_id = m->evpn.router_id,
					  .neighbor_asn = m->evpn.neighbor_asn,
					  .nneighbors = (uint8_t)m->evpn.nneighbors};
	size_t n = fab_evpn_local(m, NULL, 0);
	struct fab_evpn_route *r = calloc(n ? n : 1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	memcpy(loc.neighbors, m->evpn.neighbors, sizeof(loc.neighbors));
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_UNDERLAY)
			loc.vtep = m->ports[i].vxlan.address;
	fab_evpn_local(m, r, n);
	rc = fab_wire_evpn_local_encode(out, h, &loc, r, n);
	free(r);
	return rc;
}

void ctl_evpn_message(struct ctl *c, const struct fab_wire_hdr *h, const uint8_t *p, size_t len,
		      struct fab_wire_buf *out)
{
	struct ctl_evpn *e = &c->evpn;
	struct fab_wire_evpn_routes m;
	struct fab_evpn_route *routes;
	uint8_t *verdicts;
	size_t n = 0;
	char err[256];

	e->messages++;
	if (fab_wire_evpn_routes_decode(p, len, &m) != 0) {
		e->messages_bad++;
		if (m.bad != UINT32_MAX)
			snprintf(err, sizeof(err),
				 "EVPN route %u of the message is malformed; nothing changed",
				 m.bad);
		else
			snprintf(err, sizeof(err),
				 "malformed EVPN message (%zu bytes); nothing changed", len);
		fab_wire_put_error(out, h, -EBADMSG, err);
		return;
	}
	routes = calloc(m.n ? m.n : 1, sizeof(*routes));
	verdicts = calloc(m.n ? m.n : 1, 1);
	if (routes == NULL || verdicts == NULL) {
		free(routes);
		free(verdicts);
		fab_wire_put_error(out, h, -ENOMEM, "out of memory; nothing changed");
		return;
	}
	for (uint32_t i = 0; i < m.n; i++)
		fab_wire_evpn_rec(m.recs, i, &routes[i]);
	qsort(routes, m.n, sizeof(*routes), route_cmp);
	for (uint32_t i = 0; i < m.n; i++)
		if (n == 0 || route_cmp(&routes[n - 1], &routes[i]) != 0)
			routes[n++] = routes[i];
	session(c, m.flags & FAB_WIRE_EVPN_UP);
	e->heard = true;
	e->last_ns = ctl_now_ns();
	/* Only a changed set is pushed: the adapter reports every second. */
	if (e->session_up) {
		if (take(c, routes, verdicts, n) && c->synced &&
		    ctl_push_running(c, err, sizeof(err)) != 0)
			ctl_log("cannot give the dataplane the EVPN routes: %s", err);
	} else {
		free(routes);
		free(verdicts);
	}
	if (reply(c, h, out) != 0)
		fab_wire_put_error(out, h, -ENOMEM, "reply too large");
}

struct fab_model *ctl_evpn_filtered(const struct ctl *c, const struct fab_model *m)
{
	const struct ctl_evpn *e = &c->evpn;
	struct fab_model *f;
	uint64_t *keys;
	size_t n = 0;

	errno = 0;
	if (!fab_evpn_any(m))
		return NULL;
	/* Judged against m, which may be a new configuration: a member moved
	 * to another node is active only once that node announces it. */
	keys = calloc(e->nroutes ? e->nroutes : 1, sizeof(*keys));
	if (keys == NULL)
		return NULL;
	for (size_t i = 0; i < e->nroutes; i++) {
		struct fab_evpn_place at;

		if (e->routes[i].type == FAB_EVPN_MACIP &&
		    fab_evpn_check(m, &e->routes[i], &at) == FAB_EVPN_OK)
			keys[n++] = fab_evpn_key(at.lan, e->routes[i].mac);
	}
	qsort(keys, n, sizeof(*keys), u64_cmp);
	f = fab_evpn_filter(m, keys, n);
	free(keys);
	if (f == NULL)
		errno = ENOMEM;
	return f;
}

static const char *state_name(const struct ctl_evpn *e)
{
	return !e->heard ? "unknown" : e->session_up ? "up" : "down";
}

int ctl_evpn_cmd(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	const struct ctl_evpn *e = &c->evpn;
	json_t *routes = json_array(), *refused = json_object();
	size_t active = 0;

	(void)r;
	*out = json_object();
	if (*out == NULL || routes == NULL || refused == NULL) {
		json_decref(routes);
		json_decref(refused);
		return -ENOMEM;
	}
	for (size_t i = 0; i < e->nroutes; i++) {
		struct fab_evpn_place at;
		enum fab_evpn_verdict v = fab_evpn_check(c->running, &e->routes[i], &at);
		json_t *o = json_object();
		char line[160];
		const char *port = vtep_port_name(c->running, e->routes[i].vtep);

		fab_evpn_route_format(&e->routes[i], line, sizeof(line));
		json_object_set_new(o, "route", json_string(line));
		json_object_set_new(o, "port", port ? json_string(port) : json_null());
		json_object_set_new(o, "state",
				    json_string(v == FAB_EVPN_OK ? "installed" : "refused"));
		if (v != FAB_EVPN_OK)
			json_object_set_new(o, "reason", json_string(fab_evpn_verdict_text(v)));
		else if (e->routes[i].type == FAB_EVPN_MACIP)
			json_object_set_new(o, "member",
					    json_integer(c->running->members[at.member].asn));
		active += v == FAB_EVPN_OK;
		json_array_append_new(routes, o);
	}
	for (int v = 1; v < FAB_EVPN_VERDICT__MAX; v++)
		json_object_set_new(refused, fab_evpn_verdict_name((enum fab_evpn_verdict)v),
				    json_integer((json_int_t)e->refused[v]));
	json_object_set_new(*out, "enabled", json_boolean(c->running->evpn.asn != 0));
	json_object_set_new(*out, "session", json_string(state_name(e)));
	json_object_set_new(
	    *out, "last_update_s",
	    e->heard ? json_integer((json_int_t)((ctl_now_ns() - e->last_ns) / 1000000000ULL))
		     : json_null());
	json_object_set_new(*out, "installed", json_integer((json_int_t)active));
	json_object_set_new(*out, "refused_now", json_integer((json_int_t)(e->nroutes - active)));
	json_object_set_new(*out, "refused_total", refused);
	json_object_set_new(*out, "routes", routes);
	return 0;
}

void ctl_evpn_metrics(const struct ctl *c, FILE *out)
{
	const struct ctl_evpn *e = &c->evpn;
	size_t installed = 0;

	if (c->running->evpn.asn == 0)
		return;
	/* Judged again: the configuration may have changed since they came. */
	for (size_t i = 0; i < e->nroutes; i++)
		installed += fab_evpn_check(c->running, &e->routes[i], NULL) == FAB_EVPN_OK;
	ctl_metrics_family(out, "peerlan_evpn_session_up", "gauge",
			   "1 while a BGP EVPN session of peerlan-evpn's speaker is established; "
			   "0 when none is, or the adapter never spoke");
	fprintf(out, "peerlan_evpn_session_up %d\n", e->heard && e->session_up);
	ctl_metrics_family(out, "peerlan_evpn_session_changes_total", "counter",
			   "BGP EVPN session state changes reported by peerlan-evpn");
	fprintf(out, "peerlan_evpn_session_changes_total %llu\n",
		(unsigned long long)e->session_changes);
	ctl_metrics_family(out, "peerlan_evpn_update_age_seconds", "gauge",
			   "Seconds since peerlan-evpn's last message; -1 if it never sent one");
	fprintf(out, "peerlan_evpn_update_age_seconds %lld\n",
		e->heard ? (long long)((ctl_now_ns() - e->last_ns) / 1000000000ULL) : -1LL);
	ctl_metrics_family(out, "peerlan_evpn_routes", "gauge",
			   "EVPN routes received from other VTEPs, by state");
	fprintf(out, "peerlan_evpn_routes{state=\"installed\"} %zu\n", installed);
	fprintf(out, "peerlan_evpn_routes{state=\"refused\"} %zu\n", e->nroutes - installed);
	ctl_metrics_family(out, "peerlan_evpn_routes_refused_total", "counter",
			   "EVPN routes the member database refused, each counted once when it "
			   "appears, by reason");
	for (int v = 1; v < FAB_EVPN_VERDICT__MAX; v++)
		fprintf(out, "peerlan_evpn_routes_refused_total{reason=\"%s\"} %llu\n",
			fab_evpn_verdict_name((enum fab_evpn_verdict)v),
			(unsigned long long)e->refused[v]);
	ctl_metrics_family(out, "peerlan_evpn_messages_bad_total", "counter",
			   "EVPN messages from peerlan-evpn refused as malformed");
	fprintf(out, "peerlan_evpn_messages_bad_total %llu\n", (unsigned long long)e->messages_bad);
}

void ctl_evpn_free(struct ctl *c)
{
	free(c->evpn.routes);
	free(c->evpn.verdicts);
	c->evpn.routes = NULL;
	c->evpn.verdicts = NULL;
	c->evpn.nroutes = 0;
}
