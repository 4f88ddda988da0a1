/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Changing the running configuration. A new table set is built beside the
 * one in use, published with one pointer swap, and the old one is freed only
 * after every worker has reported a quiescent state (RCU), so no worker ever
 * sees half a configuration or a freed table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fabric/config.h"
#include "fabric/diff.h"
#include "fabric/proto.h"

#include "dp.h"

struct why {
	char *buf;
	size_t len, off;
};

/* Logs one reason for refusing a configuration and adds it to what control is told. */
__attribute__((format(printf, 2, 3))) static void refuse(struct why *w, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	dp_log("configuration refused: %s", text);
	if (w->buf == NULL || w->off >= w->len)
		return;
	n = snprintf(w->buf + w->off, w->len - w->off, "%s%s", w->off ? "; " : "", text);
	w->off = n < 0 ? w->len : w->off + (size_t)n;
}

static void refuse_reason(void *arg, const char *text)
{
	refuse(arg, "%s", text);
}

/*
 * The ports were brought up from the configuration at start; a reload keeps
 * them. dp->model names the same ports in the same order as dp->ports (this
 * check lets nothing else in), so fabric's list of restart reasons applies.
 */
static int check_ports_fixed(const struct dp *dp, const struct fab_model *m, struct why *w)
{
	int bad = 0;

	/* At start there is no model yet: the ports were just opened from m. */
	if (dp->model != NULL &&
	    fab_model_restart_reasons(dp->model, m, false, refuse_reason, w) > 0)
		return -EINVAL;
	for (uint16_t i = 0; i < dp->nports; i++) {
		const struct fab_port *p = &m->ports[i];
		const struct dp_port *run = &dp->ports[i];
		/* A VTEP port's frames cross the underlay inside VXLAN's 50 bytes. */
		int limit = run->vtep ? dp->ports[run->underlay].nic_mtu - FAB_VXLAN_OVERHEAD
				      : run->nic_mtu;

		if (p->mtu > limit) {
			refuse(w,
			       "port %s: MTU %u is over the %d the port was started with; restart "
			       "the dataplane to raise it",
			       p->name, p->mtu, limit);
			bad = -EINVAL;
		}
	}
	return bad;
}

void dp_reclaim_poll(struct dp *dp)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < dp->nreclaim; i++) {
		struct dp_reclaim *r = &dp->reclaim[i];

		if (rte_rcu_qsbr_check(dp->rcu, r->token, false) == 1)
			fab_tables_destroy(r->tables);
		else
			dp->reclaim[kept++] = *r;
	}
	dp->nreclaim = kept;
}

int dp_tables_publish(struct dp *dp, const struct fab_model *m, uint64_t gen)
{
	struct fab_tables *t, *old;
	int rc;

	dp_reclaim_poll(dp);
	if (dp->nreclaim == DP_RECLAIM_MAX) {
		dp_log("%u older table sets are still in use by a worker; not publishing "
		       "generation %" PRIu64,
		       dp->nreclaim, gen);
		return -EBUSY;
	}
	t = fab_tables_build(m, gen);
	if (t == NULL) {
		rc = -errno;
		dp_log("cannot build the tables of generation %" PRIu64 ": %s", gen,
		       strerror(errno));
		return rc;
	}
	fab_tables_mx_ids(t, &dp->mx_ids);
	rc = fab_tables_set_sponged(t, (const uint8_t(*)[16])dp->sponged, dp->nsponged);
	if (rc < 0) {
		fab_tables_destroy(t);
		return rc;
	}
	old = dp->tables;
	__atomic_store_n(&dp->tables, t, __ATOMIC_RELEASE);
	if (old != NULL) {
		dp->reclaim[dp->nreclaim].tables = old;
		dp->reclaim[dp->nreclaim].token = rte_rcu_qsbr_start(dp->rcu);
		dp->nreclaim++;
	}
	return 0;
}

int dp_apply_model(struct dp *dp, struct fab_model *m, char *why, size_t whylen)
{
	struct why w = {.buf = why, .len = whylen};
	uint64_t gen = dp->generation + 1;
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	rc = check_ports_fixed(dp, m, &w);
	if (rc < 0)
		return rc;
	/* A LAG's links follow the file: new ones are probed and added to the bond. */
	for (uint16_t i = 0; i < dp->nports; i++) {
		rc = dp_lag_relink(dp, i, &m->ports[i].lag, w.buf ? w.buf + w.off : NULL,
				   w.buf ? w.len - w.off : 0);
		if (rc < 0)
			return rc;
	}
	/* The pre-filter first allows what either table set allows, then narrows to m's. */
	rc = dp_xdpport_update_begin(dp, m);
	if (rc < 0) {
		refuse(&w, "cannot update the XDP pre-filter: %s", strerror(-rc));
		return rc;
	}
	rc = dp_tables_publish(dp, m, gen);
	if (rc < 0) {
		refuse(&w, "cannot publish the tables: %s", strerror(-rc));
		dp_xdpport_update_end(dp, dp->model);
		return rc;
	}
	for (uint16_t i = 0; i < dp->nports; i++) {
		dp->admin_up[i] = m->ports[i].admin_up;
		dp->ports[i].lag.min_links = m->ports[i].lag.min_links;
		dp_port_oper_update(dp, i);
	}
	fab_model_destroy(dp->model);
	dp->model = m;
	dp_xdpport_update_end(dp, m);
	__atomic_store_n(&dp->generation, gen, __ATOMIC_RELEASE);
	dp_log("configuration generation %" PRIu64 " applied: %zu LANs, %zu ports, %zu members",
	       gen, m->nlans, m->nports, m->nmembers);
	return 0;
}

int dp_reload(struct dp *dp)
{
	struct fab_config_errors errs = {0};
	struct fab_model *m;
	int rc;

	dp_log("reloading %s", dp->config_path);
	m = fab_config_load_file(dp->config_path, &errs);
	if (m == NULL) {
		dp_log("%s has %zu error(s); keeping generation %" PRIu64 ":", dp->config_path,
		       errs.n, dp->generation);
		fab_config_errors_print(&errs, stderr);
		fab_config_errors_clear(&errs);
		return -EINVAL;
	}
	rc = dp_apply_model(dp, m, NULL, 0);
	if (rc < 0) {
		dp_log("%s not applied; keeping generation %" PRIu64, dp->config_path,
		       dp->generation);
		fab_model_destroy(m);
	}
	return rc;
}
