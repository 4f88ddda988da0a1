/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The drop to an unprivileged user once the ports are up and the workers
 * run (--user). What is kept depends on the drivers of the configured
 * ports, because only some of them make privileged calls after start:
 * docs/deployment.md has the table, this is its code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "privdrop.h"

struct driver_caps {
	const char *driver; /* rte_eth_dev_info.driver_name, prefix */
	cap_value_t caps[4];
	size_t n;
};

/*
 * Capabilities each driver still uses after start. tap sets its interface
 * down when stopped, an ioctl that needs CAP_NET_ADMIN; af_xdp detaches its
 * XDP program at stop (CAP_NET_ADMIN), and the pre-filter's maps are
 * updated on every reload through bpf(), which Debian's
 * kernel.unprivileged_bpf_disabled refuses without CAP_BPF; mlx5 programs
 * flows and registers memory through the kernel's verbs at run time
 * (DPDK's mlx5 guide). af_packet (its sockets are open and the interface promiscuous
 * from the start), pcap, null, ring and the PCI drivers bound to vfio-pci
 * make no privileged call after start.
 */
static const struct driver_caps drivers[] = {
    {"net_tap", {CAP_NET_ADMIN}, 1},
    {"net_af_xdp", {CAP_NET_ADMIN, CAP_BPF}, 2},
    {"mlx5", {CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK}, 3},
};

static void add_cap(cap_value_t *keep, size_t *n, cap_value_t c)
{
	for (size_t i = 0; i < *n; i++)
		if (keep[i] == c)
			return;
	keep[(*n)++] = c;
}

int dp_drop_privileges(struct dp *dp, const char *user)
{
	cap_value_t keep[16] = {0};
	char names[128] = "";
	size_t n = 0, used = 0;
	int rc;

	for (uint16_t p = 0; p < dp->nports; p++) {
		struct rte_eth_dev_info info;

		if (dp->ports[p].vtep)
			continue;
		if (rte_eth_dev_info_get(dp->ports[p].eth_port, &info) != 0)
			return -ENODEV;
		for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
			if (strncmp(info.driver_name, drivers[d].driver,
				    strlen(drivers[d].driver)) == 0)
				for (size_t k = 0; k < drivers[d].n; k++)
					add_cap(keep, &n, drivers[d].caps[k]);
	}
	rc = dp_privdrop(user, keep, n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && used < sizeof(names); i++) {
		char *s = cap_to_name(keep[i]);

		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? " " : "",
					 s ? s : "?");
		cap_free(s);
	}
	dp_log("running as user %s with capabilities: %s", user, n ? names : "none");
	return 0;
}
