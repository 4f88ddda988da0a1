/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LAG ports on DPDK's bonding driver. A LAG is one ethdev to the rest of the
 * dataplane (the bond); its links are the bond's slaves, which nothing else
 * touches. In 802.3ad mode the driver runs LACP itself: LACPDUs and Marker
 * frames arriving on a link are taken out in the bond's RX burst and never
 * reach the pipeline, and its own LACPDUs go out in the bond's TX burst,
 * which the workers call even when idle (dp_worker.c).
 *
 * The main lcore polls each link's LACP state (dp_lag_poll): the links
 * collecting and distributing, the partner, and min-links, under which the
 * LAG is down for the fabric however many links have carrier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_eth_bond.h>
#include <rte_eth_bond_8023ad.h>
#include <rte_ethdev.h>

#include "fabric/wire.h"

#include "dp.h"

#define LACP_UP (STATE_SYNCHRONIZATION | STATE_COLLECTING | STATE_DISTRIBUTING)

static uint8_t bond_mode(const struct fab_lag *lag)
{
	/* "on": a static bundle, no LACP; the same hash picks the link. */
	return lag->lacp == FAB_LACP_ON ? BONDING_MODE_BALANCE : BONDING_MODE_8023AD;
}

static uint8_t bond_policy(enum fab_lag_hash h)
{
	switch (h) {
	case FAB_LAG_HASH_L2:
		return BALANCE_XMIT_POLICY_LAYER2;
	case FAB_LAG_HASH_L34:
		return BALANCE_XMIT_POLICY_LAYER34;
	case FAB_LAG_HASH_L23:
	default:
		return BALANCE_XMIT_POLICY_LAYER23;
	}
}

/*
 * A bond's RX and TX bursts, in the workers, copy its list of active links
 * without a lock and then read them. A link is removed while the workers
 * hold (dp_workers_hold), so that no burst has it in its copy afterwards
 * and it can be closed; the hold lasts for the removal alone. A link is
 * added without one: no burst reads it until it is in the list, and the
 * driver sets it up (the long part) before it puts it there.
 */
static int bond_add(struct dp_port *p, uint16_t link)
{
	return rte_eth_bond_slave_add(p->eth_port, link);
}

/* Link k out of the bond; the log says how long forwarding waited for it. */
static int bond_remove(struct dp *dp, struct dp_port *p, uint8_t k)
{
	uint64_t t0 = rte_get_tsc_cycles();
	int rc;

	dp_workers_hold(dp);
	rc = rte_eth_bond_slave_remove(p->eth_port, p->links[k].eth_port);
	dp_workers_resume(dp);
	dp_log("port %s: link %s removed from the bond, the workers held for %lu us", p->name,
	       p->lag.links[k],
	       (unsigned long)((rte_get_tsc_cycles() - t0) * 1000000 / dp->tsc_hz));
	return rc;
}

/* Finds or probes one link; its ethdev id in *id. */
static int link_attach(struct dp_port *p, uint8_t k, uint16_t *id)
{
	char name[FAB_DEVICE_MAX];
	int rc;

	dp_device_name(p->lag.links[k], name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, id) == 0)
		return 0;
	rc = rte_dev_probe(p->lag.links[k]);
	if (rc < 0) {
		dp_log("port %s: link %s cannot be probed (%s); the driver's reason, if it gave "
		       "one, is logged above",
		       p->name, p->lag.links[k], strerror(-rc));
		return rc;
	}
	p->links[k].hotplugged = true;
	if (rte_eth_dev_get_port_by_name(name, id) != 0) {
		dp_log("port %s: link %s probed but no ethdev port is named '%s'", p->name,
		       p->lag.links[k], name);
		return -ENODEV;
	}
	return 0;
}

/* The LACP timers of the configured rate, in the driver's terms. */
static int lag_lacp_setup(struct dp_port *p)
{
	struct rte_eth_bond_8023ad_conf conf;
	int rc = rte_eth_bond_8023ad_conf_get(p->eth_port, &conf);

	if (rc < 0)
		return rc;
	if (p->lag.rate == FAB_LACP_SLOW) {
		conf.fast_periodic_ms = 29000;
		conf.short_timeout_ms = 90000;
	}
	/* Each link joins the aggregator of links with its partner's system and
	 * key, and keeps it: the others' "most links" modes move every link to
	 * the largest aggregator whoever its partner is. */
	conf.agg_selection = AGG_STABLE;
	rc = rte_eth_bond_8023ad_setup(p->eth_port, &conf);
	if (rc == 0)
		rc = rte_eth_bond_8023ad_agg_selection_set(p->eth_port, AGG_STABLE);
	return rc;
}

int dp_lag_attach(struct dp *dp, struct dp_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int socket, rc;
	uint16_t id;

	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		p->links[k].eth_port = RTE_MAX_ETHPORTS;
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		rc = link_attach(p, k, &id);
		if (rc < 0)
			return rc;
		for (uint16_t i = 0; i < dp->nports; i++) {
			const struct dp_port *q = &dp->ports[i];
			bool used = q->eth_port == id;

			for (uint8_t j = 0; j < q->lag.nlinks; j++)
				used |= q->links[j].eth_port == id;
			if (used) {
				dp_log(
				    "port %s: link %s is ethdev port %u, already used by port %s",
				    p->name, p->lag.links[k], id, q->name);
				return -EEXIST;
			}
		}
		p->links[k].eth_port = id;
	}
	socket = rte_eth_dev_socket_id(p->links[0].eth_port);
	snprintf(name, sizeof(name), "net_bonding_peerlan%u", (unsigned)(p - dp->ports));
	rc = rte_eth_bond_create(name, bond_mode(&p->lag), (uint8_t)(socket < 0 ? 0 : socket));
	if (rc < 0) {
		dp_log("port %s: cannot create its bonding device %s: %s", p->name, name,
		       strerror(-rc));
		return rc;
	}
	p->eth_port = (uint16_t)rc;
	p->bonded = true;
	snprintf(p->device, sizeof(p->device), "%s", name);
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		rc = rte_eth_bond_slave_add(p->eth_port, p->links[k].eth_port);
		if (rc < 0) {
			dp_log("port %s: cannot add link %s to the bond: %s", p->name,
			       p->lag.links[k], strerror(-rc));
			return rc;
		}
		p->links[k].in_bond = true;
	}
	rc = rte_eth_bond_xmit_policy_set(p->eth_port, bond_policy(p->lag.hash));
	if (rc == 0 && p->lag.lacp != FAB_LACP_ON)
		rc = lag_lacp_setup(p);
	if (rc < 0)
		dp_log("port %s: cannot set up the bond's hash or LACP: %s", p->name,
		       strerror(-rc));
	return rc;
}

/* Closes a link's device if this process probed it. */
static void link_release(struct dp_link *l)
{
	struct rte_eth_dev_info info;

	if (l->hotplugged && rte_eth_dev_is_valid_port(l->eth_port) &&
	    rte_eth_dev_info_get(l->eth_port, &info) == 0) {
		/* The bond leaves a link it lets go started; a started device
		 * cannot be closed, and removing it unclosed crashes. */
		rte_eth_dev_stop(l->eth_port);
		rte_eth_dev_close(l->eth_port);
		rte_dev_remove(info.device);
	}
	l->hotplugged = false;
	l->eth_port = RTE_MAX_ETHPORTS;
}

int dp_lag_relink(struct dp *dp, uint16_t port, const struct fab_lag *lag, char *why, size_t whylen)
{
	struct dp_port *p = &dp->ports[port];
	struct dp_link keep[FAB_LAG_LINKS_MAX];
	struct fab_lag was = p->lag;
	uint8_t n = 0;
	int rc;

	if (p->lag.nlinks == 0 || !p->bonded)
		return 0;
	/* Links that stay keep their state; those that go leave the bond. */
	for (uint8_t k = 0; k < was.nlinks; k++) {
		bool stays = false;

		for (uint8_t j = 0; j < lag->nlinks; j++)
			stays |= strcmp(was.links[k], lag->links[j]) == 0;
		if (stays)
			continue;
		if (p->links[k].in_bond)
			bond_remove(dp, p, k);
		link_release(&p->links[k]);
		dp_log("port %s: link %s taken out of the LAG", p->name, was.links[k]);
	}
	for (uint8_t j = 0; j < lag->nlinks; j++) {
		struct dp_link *l = &keep[n];
		bool found = false;

		for (uint8_t k = 0; k < was.nlinks && !found; k++)
			if (strcmp(was.links[k], lag->links[j]) == 0) {
				*l = p->links[k];
				found = true;
			}
		if (!found) {
			memset(l, 0, sizeof(*l));
			snprintf(p->lag.links[n], FAB_DEVICE_MAX, "%s", lag->links[j]);
			p->links[n].hotplugged = false;
			rc = link_attach(p, n, &l->eth_port);
			l->hotplugged = p->links[n].hotplugged;
			if (rc == 0)
				rc = bond_add(p, l->eth_port);
			if (rc < 0) {
				if (why != NULL && whylen > 0)
					snprintf(why, whylen, "port %s: cannot add link %s: %s",
						 p->name, lag->links[j], strerror(-rc));
				link_release(l);
				memcpy(p->links, keep, n * sizeof(*keep));
				p->lag.nlinks = n;
				return rc;
			}
			l->in_bond = true;
			dp_log("port %s: link %s added to the LAG", p->name, lag->links[j]);
		}
		n++;
	}
	memcpy(p->links, keep, n * sizeof(*keep));
	for (uint8_t k = n; k < FAB_LAG_LINKS_MAX; k++) {
		memset(&p->links[k], 0, sizeof(p->links[k]));
		p->links[k].eth_port = RTE_MAX_ETHPORTS;
	}
	p->lag.nlinks = n;
	for (uint8_t k = 0; k < n; k++)
		snprintf(p->lag.links[k], FAB_DEVICE_MAX, "%s", lag->links[k]);
	/* The new links' kernel interfaces, for their carrier. */
	rc = dp_port_kernel_link(dp, p);
	p->polled = false;
	return rc;
}

void dp_lag_detach(struct dp_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	if (p->bonded && rte_eth_dev_get_name_by_port(p->eth_port, name) == 0)
		rte_eth_bond_free(name);
	p->bonded = false;
	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		link_release(&p->links[k]);
}

/* Why a link is not in the bundle, in words for the log and the CLI. */
static const char *link_reason(const struct dp_link *l, const struct dp_link *agg)
{
	if (!l->carrier)
		return "no carrier";
	if (l->suspended)
		return "taken out while the LAG is below min-links";
	if (l->mismatch)
		return l->mismatch_why;
	if (l->actor_state & STATE_DEFAULTED)
		return "no LACPDU from a partner";
	if (agg != NULL && agg != l &&
	    (memcmp(agg->partner_system, l->partner_system, 6) != 0 ||
	     agg->partner_key != l->partner_key))
		return "partner system or key differs from the bundle's";
	if (!(l->partner_state & STATE_SYNCHRONIZATION))
		return "partner not in sync";
	return "waiting for the partner to collect and distribute";
}

/*
 * A link whose driver reports link up whatever its kernel interface does
 * (net_af_packet, net_af_xdp) would stay in the bond, its flows sent into
 * a dead cable, until LACP times out (90 s with the partner's slow rate):
 * the bond loses such a link with its carrier and takes it back with it,
 * as it does by itself for a NIC's link.
 */
static void link_follow_carrier(struct dp *dp, struct dp_port *p, uint8_t k)
{
	struct dp_link *l = &p->links[k];
	int rc;

	if (!l->carrier)
		l->mismatch = false; /* a new cable may have a new partner */
	if (l->carrier == l->in_bond || l->mismatch || l->suspended)
		return;
	if (l->carrier)
		rc = bond_add(p, l->eth_port);
	else
		rc = bond_remove(dp, p, k);
	if (rc < 0) {
		dp_log("port %s: cannot %s link %s: %s", p->name,
		       l->carrier ? "take back" : "take out", p->lag.links[k], strerror(-rc));
		return;
	}
	l->in_bond = l->carrier;
	if (!l->in_bond) {
		l->actor_state = 0;
		l->partner_state = 0;
	}
}

static void link_read(struct dp *dp, struct dp_port *p, uint8_t k)
{
	struct dp_link *l = &p->links[k];
	struct rte_eth_bond_8023ad_slave_info info;
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	l->carrier =
	    rte_eth_link_get_nowait(l->eth_port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
	if (l->ifname[0] != '\0') {
		if (l->carrier)
			l->carrier = dp_kernel_running(dp, l->ifname, &l->if_err);
		link_follow_carrier(dp, p, k);
	}
	if (p->lag.lacp == FAB_LACP_ON) {
		l->actor_state = l->carrier ? LACP_UP : 0;
		l->partner_state = l->actor_state;
		return;
	}
	if (!l->in_bond || rte_eth_bond_8023ad_slave_info(p->eth_port, l->eth_port, &info) != 0)
		return;
	l->actor_state = info.actor_state;
	l->partner_state = info.partner_state;
	l->actor_key = rte_be_to_cpu_16(info.actor.key);
	l->partner_key = rte_be_to_cpu_16(info.partner.key);
	memcpy(l->actor_system, info.actor.system.addr_bytes, 6);
	memcpy(l->partner_system, info.partner.system.addr_bytes, 6);
	l->agg_port = info.agg_port_id;
	l->selected = info.selected == SELECTED;
}

static bool link_bundled(const struct dp_link *l)
{
	return l->carrier && (l->actor_state & LACP_UP) == LACP_UP &&
	       (l->partner_state & (STATE_COLLECTING | STATE_DISTRIBUTING)) ==
		   (STATE_COLLECTING | STATE_DISTRIBUTING);
}

#define MISMATCH_PROBE_S 20

static bool partner_known(const struct dp_link *l)
{
	static const uint8_t zero[6];

	return l->in_bond && !(l->actor_state & STATE_DEFAULTED) &&
	       memcmp(l->partner_system, zero, 6) != 0;
}

static bool same_partner(const struct dp_link *a, const struct dp_link *b)
{
	return memcmp(a->partner_system, b->partner_system, 6) == 0 &&
	       a->partner_key == b->partner_key;
}

/*
 * One LAG, one partner: DPDK's bonding distributes over every link in
 * collecting and distributing state, even links whose partner is another
 * system or key (a cabling mistake, a partner's misconfiguration). The
 * bundle's partner is the one most links have; a link with another is
 * taken out of the bond (its LACP stops, so its partner sees it down) and
 * tried again every MISMATCH_PROBE_S seconds, or when its carrier returns.
 */
static void lag_one_partner(struct dp *dp, struct dp_port *p)
{
	uint64_t now = rte_get_tsc_cycles();
	int ref = -1, best = 0;

	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		int n = 0;

		if (!partner_known(&p->links[k]))
			continue;
		for (uint8_t j = 0; j < p->lag.nlinks; j++)
			n +=
			    partner_known(&p->links[j]) && same_partner(&p->links[j], &p->links[k]);
		if (n > best) {
			best = n;
			ref = k;
		}
	}
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		struct dp_link *l = &p->links[k];
		char want[18], got[18];

		if (l->mismatch && l->carrier && now - l->out_tsc > MISMATCH_PROBE_S * dp->tsc_hz) {
			if (bond_add(p, l->eth_port) == 0) {
				l->in_bond = true;
				l->mismatch = false;
			}
			continue;
		}
		if (ref < 0 || !partner_known(l) || same_partner(l, &p->links[ref]))
			continue;
		if (bond_remove(dp, p, k) < 0)
			continue;
		l->in_bond = false;
		l->mismatch = true;
		l->out_tsc = now;
		snprintf(got, sizeof(got), "%02x:%02x:%02x:%02x:%02x:%02x", l->partner_system[0],
			 l->partner_system[1], l->partner_system[2], l->partner_system[3],
			 l->partner_system[4], l->partner_system[5]);
		snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x",
			 p->links[ref].partner_system[0], p->links[ref].partner_system[1],
			 p->links[ref].partner_system[2], p->links[ref].partner_system[3],
			 p->links[ref].partner_system[4], p->links[ref].partner_system[5]);
		snprintf(
		    l->mismatch_why, sizeof(l->mismatch_why),
		    "partner system or key differs from the bundle's: %s key %u, not %s key %u",
		    got, l->partner_key, want, p->links[ref].partner_key);
	}
}

/* A link with carrier that has not joined the bundle this long after it
 * could no longer counts as one that will (a partner that does not agree). */
#define JOIN_GRACE_S 10

/*
 * Below min-links the LAG is down, and the member must hear it from LACP,
 * or it keeps sending on the links still bundled into a port that drops
 * everything. DPDK 22.11's 802.3ad offers no call to clear a live link's
 * synchronization, collecting or distributing (only its external state
 * machine mode, which leaves all of LACP to the application), so those
 * links are taken out of the bond: their LACPDUs stop, and the partner
 * expires them (3 s at its fast rate, 90 s at slow) and stops sending.
 * They are taken back, to negotiate again, once enough links are there to
 * reach min-links: those bundled, those taken out, and those with carrier
 * that have had less than JOIN_GRACE_S to join. Links with carrier that a
 * partner will not bundle do not count, or the LAG would never go down.
 */
static void lag_min_links(struct dp *dp, struct dp_port *p, const bool *in)
{
	uint64_t now = rte_get_tsc_cycles();
	uint8_t could = 0;

	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		struct dp_link *l = &p->links[k];

		if (in[k] || !l->carrier || !p->polled)
			l->since_tsc = now;
		if (l->carrier && !l->mismatch &&
		    (in[k] || l->suspended || now - l->since_tsc < JOIN_GRACE_S * dp->tsc_hz))
			could++;
	}
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		struct dp_link *l = &p->links[k];

		if (could < p->lag.min_links && in[k] && l->in_bond) {
			if (bond_remove(dp, p, k) < 0)
				continue;
			l->in_bond = false;
			l->suspended = true;
			l->actor_state = 0;
			l->partner_state = 0;
			dp_log("port %s: link %s taken out: %u link(s) could be in the bundle, "
			       "below min-links %u; its partner stops when its LACPDUs do",
			       p->name, p->lag.links[k], could, p->lag.min_links);
		} else if (could >= p->lag.min_links && l->suspended && l->carrier) {
			if (bond_add(p, l->eth_port) < 0)
				continue;
			l->in_bond = true;
			l->suspended = false;
			l->since_tsc = now;
			dp_log("port %s: link %s taken back: %u link(s) could be in the bundle, "
			       "min-links %u",
			       p->name, p->lag.links[k], could, p->lag.min_links);
		}
	}
}

bool dp_lag_poll(struct dp *dp, uint16_t port)
{
	struct dp_port *p = &dp->ports[port];
	const struct dp_link *agg = NULL;
	bool in[FAB_LAG_LINKS_MAX];
	uint8_t n = 0;

	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		link_read(dp, p, k);
	if (p->lag.lacp != FAB_LACP_ON) {
		lag_one_partner(dp, p);
		for (uint8_t k = 0; k < p->lag.nlinks; k++)
			in[k] = link_bundled(&p->links[k]);
		lag_min_links(dp, p, in);
	}
	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		in[k] = link_bundled(&p->links[k]);
	/* The aggregator the most links chose: links outside it say why. */
	for (uint8_t k = 0; k < p->lag.nlinks && agg == NULL; k++)
		if (in[k])
			agg = &p->links[k];
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		struct dp_link *l = &p->links[k];

		n += in[k];
		if (in[k] != l->bundled) {
			l->bundle_changes++;
			if (in[k])
				dp_log("port %s: link %s joined the bundle", p->name,
				       p->lag.links[k]);
			else
				dp_log("port %s: link %s left the bundle: %s", p->name,
				       p->lag.links[k], link_reason(l, agg));
		}
		l->bundled = in[k];
		snprintf(l->why, sizeof(l->why), "%s", in[k] ? "" : link_reason(l, agg));
	}
	if ((n >= p->lag.min_links) != (p->nbundled >= p->lag.min_links) || !p->polled)
		dp_log("port %s: %u of %u link(s) in the bundle, min-links %u: LAG %s", p->name, n,
		       p->lag.nlinks, p->lag.min_links, n >= p->lag.min_links ? "up" : "down");
	p->nbundled = n;
	p->polled = true;
	return n >= p->lag.min_links;
}

int dp_lag_msg(struct dp *dp, struct fab_wire_buf *out, const struct fab_wire_hdr *req)
{
	struct fab_wire_lags m = {0};
	int rc;

	for (uint16_t i = 0; i < dp->nports; i++)
		m.cap += dp->ports[i].lag.nlinks > 0;
	m.lags = calloc(m.cap ? m.cap : 1, sizeof(*m.lags));
	if (m.lags == NULL)
		return -ENOMEM;
	for (uint16_t i = 0; i < dp->nports; i++) {
		const struct dp_port *p = &dp->ports[i];
		struct fab_wire_lag *g;

		if (p->lag.nlinks == 0)
			continue;
		g = &m.lags[m.nlags++];
		g->port = i;
		g->min_links = p->lag.min_links;
		g->nbundled = p->nbundled;
		g->nlinks = p->lag.nlinks;
		for (uint8_t k = 0; k < p->lag.nlinks; k++) {
			const struct dp_link *l = &p->links[k];
			struct fab_wire_lag_link *w = &g->links[k];
			struct rte_eth_stats st;

			snprintf(w->device, sizeof(w->device), "%s", p->lag.links[k]);
			w->carrier = l->carrier;
			w->bundled = l->bundled;
			w->actor_state = l->actor_state;
			w->partner_state = l->partner_state;
			w->actor_key = l->actor_key;
			w->partner_key = l->partner_key;
			memcpy(w->actor_system, l->actor_system, 6);
			memcpy(w->partner_system, l->partner_system, 6);
			w->bundle_changes = l->bundle_changes;
			snprintf(w->why, sizeof(w->why), "%s", l->why);
			if (rte_eth_stats_get(l->eth_port, &st) == 0) {
				w->rx_packets = st.ipackets;
				w->tx_packets = st.opackets;
				w->rx_bytes = st.ibytes;
				w->tx_bytes = st.obytes;
				w->rx_errors = st.ierrors + st.imissed;
				w->tx_errors = st.oerrors;
			}
		}
	}
	rc = fab_wire_lags_encode(out, req, &m);
	free(m.lags);
	return rc;
}
