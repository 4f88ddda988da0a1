/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP pre-filter on the dataplane's net_af_xdp ports (docs/xdp.md).
 *
 * The PMD loads our object itself (xdp_prog= in the device arguments); once
 * its RX queues exist, the port's own instance with the pinned maps takes
 * over in one atomic replace. Its maps follow every table swap in two halves
 * around the swap, the port's down state, and its drop counters are added
 * into the port's when counters are summed. A port that should have the
 * filter and cannot get it stops the dataplane from starting: an exchange
 * that believes it drops a flood in the driver must not quietly take it on
 * its cores instead. --no-xdp-filter runs such ports without it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "xdp/dp_xdp.h"

#define AF_XDP_DRIVER "net_af_xdp"

static bool is_af_xdp(const char *device)
{
	return strncmp(device, AF_XDP_DRIVER, strlen(AF_XDP_DRIVER)) == 0;
}

int dp_xdpport_init(struct dp *dp)
{
	dp->xdp = calloc(dp->nports, sizeof(*dp->xdp));
	dp->xdp_errdisabled = calloc(dp->nports, 1);
	dp->xdp_admin_up = calloc(dp->nports, 1);
	return dp->xdp && dp->xdp_errdisabled && dp->xdp_admin_up ? 0 : -ENOMEM;
}

void dp_xdpport_free(struct dp *dp)
{
	free(dp->xdp);
	free(dp->xdp_errdisabled);
	free(dp->xdp_admin_up);
	dp->xdp = NULL;
}

int dp_xdpport_devargs(const struct dp *dp, const struct dp_port *p, char *buf, size_t len)
{
	char prog[8];
	int n;

	if (dp->xdp_off || !is_af_xdp(p->device) ||
	    dp_devarg(p->device, "xdp_prog", prog, sizeof(prog)) != -ENOENT)
		n = snprintf(buf, len, "%s", p->device);
	else
		n = snprintf(buf, len, "%s,xdp_prog=%s", p->device, dp_xdp_object_path());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dp_xdpport_start(struct dp *dp, const struct fab_model *m, uint16_t port)
{
	struct dp_port *p = &dp->ports[port];
	struct dp_xdp_opts o = {.port = p->name, .takeover = true};
	char iface[IF_NAMESIZE];
	struct dp_xdp *x;
	int rc;

	if (dp->xdp_off || !is_af_xdp(p->device))
		return 0;
	rc = dp_devarg(p->device, "iface", iface, sizeof(iface));
	if (rc < 0) {
		dp_log("port %s (%s): no iface= to attach the XDP pre-filter to", p->name,
		       p->device);
		return -EINVAL;
	}
	o.ifindex = (int)if_nametoindex(iface);
	if (o.ifindex == 0) {
		dp_log("port %s: interface %s: %s", p->name, iface, strerror(errno));
		return -ENODEV;
	}
	x = dp_xdp_create(&o);
	if (x == NULL) {
		rc = -errno;
		dp_log("port %s (%s): cannot load the XDP pre-filter with the maps pinned in "
		       "%s/%s: %s (the program on %s must be the one xdp_prog= names; "
		       "--no-xdp-filter runs without the pre-filter)",
		       p->name, iface, DP_XDP_PIN_ROOT, p->name, strerror(-rc), iface);
		return rc;
	}
	rc = dp_xdp_update(x, m, port);
	if (rc < 0)
		dp_log("port %s: cannot fill the XDP pre-filter's maps: %s", p->name,
		       strerror(-rc));
	if (rc == 0) {
		rc = dp_xdp_attach(x);
		if (rc < 0)
			dp_log("port %s (%s): cannot replace the driver's XDP program with the "
			       "pre-filter: %s",
			       p->name, iface, strerror(-rc));
	}
	if (rc < 0) {
		dp_xdp_destroy(x);
		return rc;
	}
	dp->xdp[port] = x;
	dp->xdp_admin_up[port] = m->ports[port].admin_up;
	dp_log("port %s: XDP pre-filter attached to %s (maps in %s/%s)", p->name, iface,
	       DP_XDP_PIN_ROOT, p->name);
	return 0;
}

void dp_xdpport_stop(struct dp *dp, uint16_t port)
{
	int rc;

	if (dp->xdp == NULL || dp->xdp[port] == NULL)
		return;
	/* The PMD would remove whatever program is attached when it closes; detach ours first. */
	rc = dp_xdp_detach(dp->xdp[port]);
	if (rc < 0 && rc != -ENOENT)
		dp_log("port %s: cannot detach the XDP pre-filter: %s", dp->ports[port].name,
		       strerror(-rc));
	dp_xdp_destroy(dp->xdp[port]);
	dp->xdp[port] = NULL;
}

int dp_xdpport_update_begin(struct dp *dp, const struct fab_model *m)
{
	uint16_t i;
	int rc = 0;

	for (i = 0; i < dp->nports && rc == 0; i++) {
		if (dp->xdp[i] == NULL)
			continue;
		rc = dp_xdp_update_begin(dp->xdp[i], m, i);
		if (rc < 0)
			dp_log("port %s: cannot update the XDP pre-filter: %s", dp->ports[i].name,
			       strerror(-rc));
	}
	if (rc == 0)
		return 0;
	/* Ports already half-way to m go back to the running model. */
	for (uint16_t j = 0; j + 1 < i; j++)
		if (dp->xdp[j] != NULL && dp_xdp_update(dp->xdp[j], dp->model, j) < 0)
			dp_log("port %s: XDP pre-filter left between two models: it drops only "
			       "what both drop",
			       dp->ports[j].name);
	return rc;
}

void dp_xdpport_update_end(struct dp *dp, const struct fab_model *m)
{
	for (uint16_t i = 0; i < dp->nports; i++) {
		int rc;

		if (dp->xdp[i] == NULL)
			continue;
		rc = dp_xdp_update_end(dp->xdp[i]);
		if (rc < 0)
			dp_log("port %s: XDP pre-filter left between two models (%s): it drops "
			       "only what both drop",
			       dp->ports[i].name, strerror(-rc));
		dp->xdp_admin_up[i] = m->ports[i].admin_up;
	}
}

void dp_xdpport_sync_down(struct dp *dp, uint16_t port)
{
	struct dp_xdp *x = dp->xdp != NULL ? dp->xdp[port] : NULL;
	int rc = 0;

	if (x == NULL)
		return;
	if (dp->errdisabled[port] != dp->xdp_errdisabled[port]) {
		rc = dp_xdp_set_down(x, dp->errdisabled[port] != 0);
		if (rc == 0)
			dp->xdp_errdisabled[port] = dp->errdisabled[port];
	}
	/*
	 * An admin change from the control process is already in the model; during a
	 * table swap the model is still the old one, and update_end follows.
	 */
	if (rc == 0 && dp->admin_up[port] != dp->xdp_admin_up[port] && dp->model != NULL &&
	    dp->model->ports[port].admin_up == (dp->admin_up[port] != 0)) {
		rc = dp_xdp_update(x, dp->model, port);
		if (rc == 0)
			dp->xdp_admin_up[port] = dp->admin_up[port];
	}
	if (rc < 0)
		dp_log("port %s: cannot set the XDP pre-filter's down flag: %s",
		       dp->ports[port].name, strerror(-rc));
}

void dp_xdpport_add_stats(const struct dp *dp, uint16_t port, struct fab_port_stats *s)
{
	uint64_t drop[FAB_DROP__COUNT], sum = 0;

	if (dp->xdp == NULL || dp->xdp[port] == NULL || dp_xdp_read_drops(dp->xdp[port], drop) < 0)
		return;
	for (unsigned int r = 0; r < FAB_DROP__COUNT; r++) {
		s->drop[r] += drop[r];
		sum += drop[r];
	}
	/* Never seen by DPDK: received and discarded, as the pipeline counts its own drops. */
	s->ctr[FAB_CTR_rx_packets] += sum;
	s->ctr[FAB_CTR_rx_discards] += sum;
	s->ctr[FAB_CTR_rx_errors] += drop[FAB_DROP_runt];
}

int64_t dp_xdpport_dropped(const struct dp *dp, uint16_t port)
{
	struct fab_port_stats s;

	if (dp->xdp == NULL || dp->xdp[port] == NULL)
		return -1;
	memset(&s, 0, sizeof(s));
	dp_xdpport_add_stats(dp, port, &s);
	return (int64_t)s.ctr[FAB_CTR_rx_discards];
}
