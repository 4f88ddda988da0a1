/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the counters: every worker keeps its own copy per port, readers
 * add them up. Readers run beside the workers (main lcore, telemetry
 * thread); a 64-bit aligned load is atomic on the CPUs DPDK runs on, so a
 * sum may be a moment old but never torn.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dp.h"

void dp_port_stats(const struct dp *dp, uint16_t port, struct fab_port_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (uint16_t i = 0; i < dp->nworkers; i++)
		fab_port_stats_add(out, &dp->workers[i].stats[port]);
	if (dp->main_stats != NULL)
		fab_port_stats_add(out, &dp->main_stats[port]);
	dp_xdpport_add_stats(dp, port, out);
	out->ctr[FAB_CTR_rx_missed] = __atomic_load_n(&dp->ports[port].missed, __ATOMIC_RELAXED);
}

const char *dp_oper_name(uint8_t oper)
{
	switch (oper) {
	case FAB_OPER_UP:
		return "up";
	case FAB_OPER_DOWN:
		return "down";
	case FAB_OPER_ERRDISABLED:
		return "err-disabled";
	}
	return "unknown";
}

static json_t *port_json(const struct dp *dp, uint16_t port)
{
	struct fab_port_stats s;
	json_t *o = json_object(), *drops = json_object();

	if (o == NULL || drops == NULL) {
		json_decref(o);
		json_decref(drops);
		return NULL;
	}
	dp_port_stats(dp, port, &s);
	json_object_set_new(o, "device", json_string(dp->ports[port].device));
	json_object_set_new(o, "admin", json_string(dp->admin_up[port] ? "up" : "down"));
	json_object_set_new(o, "link", json_string(dp->link_up[port] ? "up" : "down"));
	json_object_set_new(o, "oper", json_string(dp_oper_name(dp->oper[port])));
	for (unsigned int c = 0; c < FAB_CTR__COUNT; c++)
		json_object_set_new(o, fab_counter_name(c), json_integer((json_int_t)s.ctr[c]));
	json_object_set_new(o, "punt_dropped", json_integer((json_int_t)fab_punt_lost(&s)));
	if (dp_xdpport_dropped(dp, port) >= 0)
		json_object_set_new(o, "xdp_dropped",
				    json_integer((json_int_t)dp_xdpport_dropped(dp, port)));
	for (unsigned int r = 0; r < FAB_DROP__COUNT; r++)
		json_object_set_new(drops, fab_drop_name(r), json_integer((json_int_t)s.drop[r]));
	json_object_set_new(o, "drops", drops);
	return o;
}

int dp_stats_write_json(struct dp *dp, const char *path)
{
	json_t *root = json_object(), *ports = json_object();
	int rc = 0;

	if (root == NULL || ports == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	json_object_set_new(
	    root, "generation",
	    json_integer((json_int_t)__atomic_load_n(&dp->generation, __ATOMIC_ACQUIRE)));
	json_object_set_new(root, "punt_consumed", json_integer((json_int_t)dp->punt_consumed));
	json_object_set_new(root, "injected", json_integer((json_int_t)dp->injected));
	for (uint16_t p = 0; p < dp->nports; p++) {
		json_t *o = port_json(dp, p);

		if (o == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		json_object_set_new(ports, dp->ports[p].name, o);
	}
	json_object_set(root, "ports", ports);
	json_object_set_new(root, "matrix", dp_matrix_json(dp));
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = errno ? -errno : -EIO;
out:
	json_decref(ports);
	json_decref(root);
	return rc;
}

uint64_t dp_uptime_s(const struct dp *dp)
{
	return (rte_get_tsc_cycles() - dp->start_tsc) / dp->tsc_hz;
}
