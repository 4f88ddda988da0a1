/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_dp.h"
#include "ctl_events.h"
#include "ctl_int.h"
#include "ctl_lag.h"
#include "ctl_metrics.h"

/* IEEE 802.1AX actor/partner state bits, lowest first. */
static const char *const state_bits[8] = {
    "activity",   "timeout",      "aggregation", "synchronization",
    "collecting", "distributing", "defaulted",   "expired",
};

static void mac_text(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static json_t *state_json(uint8_t s)
{
	json_t *a = json_array();

	for (int i = 0; i < 8; i++)
		if (s & (1u << i))
			json_array_append_new(a, json_string(state_bits[i]));
	return a;
}

static json_t *end_json(const uint8_t *system, uint16_t key, uint8_t state)
{
	char mac[18];

	mac_text(system, mac, sizeof(mac));
	return json_pack("{s:s, s:i, s:o}", "system", mac, "key", key, "state", state_json(state));
}

json_t *ctl_lag_json(const struct ctl *c, const struct fab_wire_lag *g)
{
	const struct fab_port *p = &c->running->ports[g->port];
	json_t *links = json_array();
	bool up = g->nbundled >= g->min_links;

	for (uint8_t k = 0; k < g->nlinks; k++) {
		const struct fab_wire_lag_link *l = &g->links[k];

		json_array_append_new(
		    links,
		    json_pack(
			"{s:s, s:s, s:b, s:s, s:o, s:o, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
			"device", l->device, "carrier", l->carrier ? "up" : "down", "bundled",
			l->bundled, "why", l->why, "actor",
			end_json(l->actor_system, l->actor_key, l->actor_state), "partner",
			end_json(l->partner_system, l->partner_key, l->partner_state),
			"bundle_changes", (int)l->bundle_changes, "counters", "rx_packets",
			(json_int_t)l->rx_packets, "tx_packets", (json_int_t)l->tx_packets,
			"rx_bytes", (json_int_t)l->rx_bytes, "tx_bytes", (json_int_t)l->tx_bytes,
			"rx_errors", (json_int_t)l->rx_errors, "tx_errors",
			(json_int_t)l->tx_errors));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:o}", "port", p->name, "lacp",
			 fab_lacp_mode_name(p->lag.lacp), "rate", fab_lacp_rate_name(p->lag.rate),
			 "hash", fab_lag_hash_name(p->lag.hash), "min_links", g->min_links,
			 "links_bundled", g->nbundled, "links_total", g->nlinks, "state",
			 up ? "up" : "below min-links", "links", links);
}

const struct fab_wire_lag *ctl_lag_of(const struct ctl *c, uint16_t port)
{
	for (uint16_t i = 0; i < c->lags.nlags; i++)
		if (c->lags.lags[i].port == port)
			return &c->lags.lags[i];
	return NULL;
}

/* Events for what changed between the last read and this one. */
static void lag_events(struct ctl *c, const struct fab_wire_lag *g)
{
	const struct fab_wire_lag *was = ctl_lag_of(c, g->port);
	const char *name;
	uint64_t now = ctl_wall_ns();

	if (was == NULL || was->nlinks != g->nlinks || g->port >= c->running->nports)
		return;
	name = c->running->ports[g->port].name;
	for (uint8_t k = 0; k < g->nlinks; k++) {
		const struct fab_wire_lag_link *l = &g->links[k], *o = &was->links[k];

		if (strcmp(l->device, o->device) != 0 || l->bundled == o->bundled)
			continue;
		if (l->bundled)
			ctl_events_add(c->events, now, "lag-link", name,
				       "link %s joined the bundle (%u of %u)", l->device,
				       g->nbundled, g->nlinks);
		else
			ctl_events_add(c->events, now, "lag-link", name,
				       "link %s left the bundle: %s (%u of %u)", l->device, l->why,
				       g->nbundled, g->nlinks);
	}
	if ((g->nbundled >= g->min_links) != (was->nbundled >= was->min_links)) {
		if (g->nbundled < g->min_links)
			ctl_events_add(c->events, now, "lag-down", name,
				       "%u of %u links in the bundle, below min-links %u: the LAG "
				       "is down",
				       g->nbundled, g->nlinks, g->min_links);
		else
			ctl_events_add(c->events, now, "lag-up", name,
				       "%u of %u links in the bundle, min-links %u: the LAG is up",
				       g->nbundled, g->nlinks, g->min_links);
	}
}

int ctl_lag_poll(struct ctl *c)
{
	struct fab_wire_lags fresh = {0};
	uint32_t id;
	const uint8_t *p;
	size_t len;
	char err[256];
	int rc;

	if (!c->synced || c->running == NULL)
		return -ENOTCONN;
	for (size_t i = 0; i < c->running->nports; i++)
		fresh.cap += fab_port_is_lag(&c->running->ports[i]);
	if (fresh.cap == 0) {
		c->lags.nlags = 0;
		return 0;
	}
	fresh.lags = calloc(fresh.cap, sizeof(*fresh.lags));
	if (fresh.lags == NULL)
		return -ENOMEM;
	id = ctl_dp_next_id(c->dp);
	fab_wire_begin(ctl_dp_out(c->dp), FAB_WIRE_LAG_GET, 0, id, 0);
	rc = ctl_call(c, fab_wire_finish(ctl_dp_out(c->dp)), id, &p, &len, err, sizeof(err));
	if (rc == 0 && fab_wire_lags_decode(p, len, &fresh) != 0)
		rc = -EBADMSG;
	if (rc != 0) {
		free(fresh.lags);
		return rc;
	}
	for (uint16_t i = 0; i < fresh.nlags; i++)
		if (fresh.lags[i].port < c->running->nports)
			lag_events(c, &fresh.lags[i]);
	free(c->lags.lags);
	c->lags = fresh;
	return 0;
}

int ctl_lag_cmd(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	json_t *a = json_array();
	int port = r->port[0] ? fab_model_port_by_name(c->running, r->port) : -1;

	if (r->port[0] && (port < 0 || !fab_port_is_lag(&c->running->ports[port]))) {
		json_decref(a);
		return ctl_error(out, -ENOENT, "%s is not a LAG port", r->port);
	}
	for (uint16_t i = 0; i < c->lags.nlags; i++) {
		const struct fab_wire_lag *g = &c->lags.lags[i];

		if (g->port >= c->running->nports || (port >= 0 && g->port != port))
			continue;
		json_array_append_new(a, ctl_lag_json(c, g));
	}
	*out = json_pack("{s:o}", "lags", a);
	return 0;
}

void ctl_lag_metrics(const struct ctl *c, FILE *out)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} ctrs[] = {
	    {"peerlan_lag_link_rx_packets_total", "Frames received on a link of a LAG",
	     offsetof(struct fab_wire_lag_link, rx_packets)},
	    {"peerlan_lag_link_tx_packets_total", "Frames sent on a link of a LAG",
	     offsetof(struct fab_wire_lag_link, tx_packets)},
	    {"peerlan_lag_link_rx_bytes_total", "Bytes received on a link of a LAG",
	     offsetof(struct fab_wire_lag_link, rx_bytes)},
	    {"peerlan_lag_link_tx_bytes_total", "Bytes sent on a link of a LAG",
	     offsetof(struct fab_wire_lag_link, tx_bytes)},
	};

	if (c->lags.nlags == 0)
		return;
	ctl_metrics_family(out, "peerlan_lag_links_bundled", "gauge",
			   "Links of a LAG collecting and distributing");
	for (uint16_t i = 0; i < c->lags.nlags; i++) {
		const struct fab_wire_lag *g = &c->lags.lags[i];

		fputs("peerlan_lag_links_bundled{lag=\"", out);
		ctl_metrics_label(out, c->running->ports[g->port].name);
		fprintf(out, "\",min_links=\"%u\"} %u\n", g->min_links, g->nbundled);
	}
	ctl_metrics_family(out, "peerlan_lag_link_bundled", "gauge",
			   "1 if a link is in its LAG's bundle (collecting and distributing)");
	for (uint16_t i = 0; i < c->lags.nlags; i++)
		for (uint8_t k = 0; k < c->lags.lags[i].nlinks; k++) {
			fputs("peerlan_lag_link_bundled{lag=\"", out);
			ctl_metrics_label(out, c->running->ports[c->lags.lags[i].port].name);
			fputs("\",link=\"", out);
			ctl_metrics_label(out, c->lags.lags[i].links[k].device);
			fprintf(out, "\"} %u\n", c->lags.lags[i].links[k].bundled);
		}
	for (size_t m = 0; m < sizeof(ctrs) / sizeof(ctrs[0]); m++) {
		ctl_metrics_family(out, ctrs[m].name, "counter", ctrs[m].help);
		for (uint16_t i = 0; i < c->lags.nlags; i++)
			for (uint8_t k = 0; k < c->lags.lags[i].nlinks; k++) {
				const struct fab_wire_lag_link *l = &c->lags.lags[i].links[k];
				uint64_t v;

				memcpy(&v, (const char *)l + ctrs[m].off, sizeof(v));
				fprintf(out, "%s{lag=\"", ctrs[m].name);
				ctl_metrics_label(out,
						  c->running->ports[c->lags.lags[i].port].name);
				fputs("\",link=\"", out);
				ctl_metrics_label(out, l->device);
				fprintf(out, "\"} %llu\n", (unsigned long long)v);
			}
	}
}

void ctl_lag_free(struct ctl *c)
{
	free(c->lags.lags);
	c->lags.lags = NULL;
	c->lags.nlags = 0;
}
