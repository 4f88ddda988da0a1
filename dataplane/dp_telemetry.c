/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands, so the state and counters can be read with
 * dpdk-telemetry.py while the dataplane runs, with or without the control
 * process:
 *   /peerlan/status                generation, uptime, version
 *   /peerlan/ports                 the ports, by index, with their names
 *   /peerlan/port,<name|index>     a port's state, counters and drops by reason
 *   /peerlan/matrix[,on|off]       whether the traffic matrix counts; switches it
 *
 * The callbacks run on DPDK's telemetry thread. The telemetry library takes
 * no user data, so the dataplane is reached through a file-scope pointer
 * that the main lcore clears under a mutex before tearing the state down.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "dp.h"
#include "dp_sflow.h"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dp *tel_dp;

/* Each answer is written with the dataplane held, so it cannot go away mid-way. */
static int with_dp(int (*fn)(const struct dp *, const char *, struct rte_tel_data *),
		   const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	if (tel_dp != NULL)
		rc = fn(tel_dp, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int status(const struct dp *dp, const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", PEERLAN_VERSION);
	rte_tel_data_add_dict_u64(d, "generation",
				  __atomic_load_n(&dp->generation, __ATOMIC_ACQUIRE));
	rte_tel_data_add_dict_u64(d, "uptime_s", dp_uptime_s(dp));
	rte_tel_data_add_dict_u64(d, "start_time", dp->start_time);
	rte_tel_data_add_dict_int(d, "ports", dp->nports);
	rte_tel_data_add_dict_int(d, "workers", dp->nworkers);
	rte_tel_data_add_dict_u64(d, "punt_consumed", dp->punt_consumed);
	return 0;
}

static int ports(const struct dp *dp, const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (uint16_t i = 0; i < dp->nports; i++)
		rte_tel_data_add_array_string(d, dp->ports[i].name);
	return 0;
}

/* A port by name, or by its index in /peerlan/ports; -1 if none. */
static int port_lookup(const struct dp *dp, const char *arg)
{
	char *end;
	unsigned long idx;

	if (arg == NULL || *arg == '\0')
		return -1;
	for (uint16_t i = 0; i < dp->nports; i++) {
		if (strcmp(dp->ports[i].name, arg) == 0)
			return i;
	}
	errno = 0;
	idx = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || idx >= dp->nports)
		return -1;
	return (int)idx;
}

static int port(const struct dp *dp, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *drops;
	struct fab_port_stats s;
	int p = port_lookup(dp, params);

	if (p < 0)
		return -EINVAL;
	drops = rte_tel_data_alloc();
	if (drops == NULL)
		return -ENOMEM;
	dp_port_stats(dp, (uint16_t)p, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", dp->ports[p].name);
	rte_tel_data_add_dict_string(d, "device", dp->ports[p].device);
	rte_tel_data_add_dict_int(d, "ethdev_port", dp->ports[p].eth_port);
	rte_tel_data_add_dict_string(d, "admin", dp->admin_up[p] ? "up" : "down");
	rte_tel_data_add_dict_string(d, "link", dp->link_up[p] ? "up" : "down");
	rte_tel_data_add_dict_string(d, "oper", dp_oper_name(dp->oper[p]));
	for (unsigned int c = 0; c < FAB_CTR__COUNT; c++)
		rte_tel_data_add_dict_u64(d, fab_counter_name(c), s.ctr[c]);
	rte_tel_data_add_dict_u64(d, "punt_dropped", fab_punt_lost(&s));
	if (dp_xdpport_dropped(dp, (uint16_t)p) >= 0)
		rte_tel_data_add_dict_u64(d, "xdp_dropped",
					  (uint64_t)dp_xdpport_dropped(dp, (uint16_t)p));
	rte_tel_data_start_dict(drops);
	for (unsigned int r = 0; r < FAB_DROP__COUNT; r++)
		rte_tel_data_add_dict_u64(drops, fab_drop_name(r), s.drop[r]);
	/* keep = 0: the container now belongs to d. */
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	return 0;
}

static void mac_text(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* One link of a LAG: its LACP state as the main lcore last read it, and its NIC counters. */
static struct rte_tel_data *lag_link(const struct dp_port *p, uint8_t k)
{
	const struct dp_link *l = &p->links[k];
	struct rte_tel_data *d = rte_tel_data_alloc();
	struct rte_eth_stats st;
	char mac[18];

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "device", p->lag.links[k]);
	rte_tel_data_add_dict_int(d, "ethdev_port", l->eth_port);
	rte_tel_data_add_dict_string(d, "carrier", l->carrier ? "up" : "down");
	rte_tel_data_add_dict_int(d, "bundled", l->bundled);
	rte_tel_data_add_dict_string(d, "why", l->why);
	rte_tel_data_add_dict_int(d, "actor_state", l->actor_state);
	rte_tel_data_add_dict_int(d, "partner_state", l->partner_state);
	rte_tel_data_add_dict_int(d, "actor_key", l->actor_key);
	rte_tel_data_add_dict_int(d, "partner_key", l->partner_key);
	mac_text(l->actor_system, mac, sizeof(mac));
	rte_tel_data_add_dict_string(d, "actor_system", mac);
	mac_text(l->partner_system, mac, sizeof(mac));
	rte_tel_data_add_dict_string(d, "partner_system", mac);
	rte_tel_data_add_dict_u64(d, "bundle_changes", l->bundle_changes);
	memset(&st, 0, sizeof(st));
	if (rte_eth_stats_get(l->eth_port, &st) == 0) {
		rte_tel_data_add_dict_u64(d, "rx_packets", st.ipackets);
		rte_tel_data_add_dict_u64(d, "tx_packets", st.opackets);
		rte_tel_data_add_dict_u64(d, "rx_bytes", st.ibytes);
		rte_tel_data_add_dict_u64(d, "tx_bytes", st.obytes);
		rte_tel_data_add_dict_u64(d, "rx_errors", st.ierrors + st.imissed);
		rte_tel_data_add_dict_u64(d, "tx_errors", st.oerrors);
	}
	return d;
}

static int lag(const struct dp *dp, const char *params, struct rte_tel_data *d)
{
	int port = port_lookup(dp, params);
	const struct dp_port *p;

	if (port < 0 || dp->ports[port].lag.nlinks == 0)
		return -EINVAL;
	p = &dp->ports[port];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_string(d, "lacp", fab_lacp_mode_name(p->lag.lacp));
	rte_tel_data_add_dict_string(d, "rate", fab_lacp_rate_name(p->lag.rate));
	rte_tel_data_add_dict_string(d, "hash", fab_lag_hash_name(p->lag.hash));
	rte_tel_data_add_dict_int(d, "min_links", p->lag.min_links);
	rte_tel_data_add_dict_int(d, "links_bundled", p->nbundled);
	rte_tel_data_add_dict_string(d, "oper", dp_oper_name(dp->oper[port]));
	for (uint8_t k = 0; k < p->lag.nlinks; k++) {
		struct rte_tel_data *l = lag_link(p, k);
		char key[16];

		if (l == NULL)
			return -ENOMEM;
		snprintf(key, sizeof(key), "link%u", k);
		rte_tel_data_add_dict_container(d, key, l, 0);
	}
	return 0;
}

static int tel_lag(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_dp(lag, params, d);
}

static int tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_dp(status, params, d);
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_dp(ports, params, d);
}

static int tel_port(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_dp(port, params, d);
}

/*
 * The traffic matrix's switch, a diagnostic knob (docs/dataplane.md): the
 * benchmark measures the matrix's cost in one process by turning it off and
 * on. Only the dataplane's own user reaches the telemetry socket (the EAL's
 * runtime directory is 0700).
 */
static int matrix(const char *params, struct rte_tel_data *d)
{
	int rc = 0, state;

	pthread_mutex_lock(&tel_lock);
	if (tel_dp == NULL) {
		pthread_mutex_unlock(&tel_lock);
		return -ENODEV;
	}
	if (params != NULL && strcmp(params, "on") == 0)
		rc = dp_matrix_set(tel_dp, true);
	else if (params != NULL && strcmp(params, "off") == 0)
		rc = dp_matrix_set(tel_dp, false);
	else if (params != NULL && *params != '\0')
		rc = -EINVAL;
	state = dp_matrix_state(tel_dp);
	pthread_mutex_unlock(&tel_lock);
	if (rc == -EINVAL)
		return rc;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "state",
				     state > 0    ? "on"
				     : state == 0 ? "off"
						  : "not started");
	return 0;
}

static int tel_matrix(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return matrix(params, d);
}

static int tel_sflow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_dp(dp_sflow_telemetry, params, d);
}

int dp_telemetry_init(struct dp *dp)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	tel_dp = dp;
	pthread_mutex_unlock(&tel_lock);
	rc = rte_telemetry_register_cmd(
	    "/peerlan/status", tel_status,
	    "Dataplane status: version, generation, uptime. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/peerlan/ports", tel_ports,
						"Fabric port names, by index. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		    "/peerlan/port", tel_port,
		    "A port's state, counters and drops by reason. Parameter: name or index.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		    "/peerlan/lag", tel_lag,
		    "A LAG's links: LACP state, partner, counters. Parameter: name or index.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		    "/peerlan/sflow", tel_sflow,
		    "sFlow export: settings, samples and datagrams sent. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		    "/peerlan/matrix", tel_matrix,
		    "Traffic matrix: whether it counts. Parameter: none, on or off (started "
		    "with --matrix).");
	return rc;
}

void dp_telemetry_fini(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_dp = NULL;
	pthread_mutex_unlock(&tel_lock);
}
