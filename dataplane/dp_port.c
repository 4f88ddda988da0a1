/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bringing ports up and down. A configured port either comes up completely
 * or the dataplane does not start: half an exchange forwarding is worse than
 * none, because members would see some peers and not others.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_pci.h>

#include "dp.h"

void dp_port_oper_update(struct dp *dp, uint16_t port)
{
	uint8_t oper;

	if (dp->errdisabled[port])
		oper = FAB_OPER_ERRDISABLED;
	else if (dp->admin_up[port] && dp->link_up[port])
		oper = FAB_OPER_UP;
	else
		oper = FAB_OPER_DOWN;
	__atomic_store_n(&dp->oper[port], oper, __ATOMIC_RELEASE);
	dp_xdpport_sync_down(dp, port);
}

int dp_devarg(const char *device, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *s = strchr(device, ','); s != NULL; s = strchr(s + 1, ',')) {
		size_t n;

		if (strncmp(s + 1, key, klen) != 0 || s[1 + klen] != '=')
			continue;
		n = strcspn(s + 2 + klen, ",");
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(buf, s + 2 + klen, n);
		buf[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/*
 * The ethdev name of a device string: its first comma-separated field, with
 * a PCI address written the way the PCI bus names devices (0000:03:00.0).
 */
void dp_device_name(const char *device, char *name, size_t len)
{
	struct rte_pci_addr addr;
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
	if (rte_pci_addr_parse(name, &addr) == 0)
		rte_pci_device_name(&addr, name, len);
}

/* Finds the port's ethdev, probing the device if no one has yet. */
static int port_attach(struct dp *dp, struct dp_port *p)
{
	char name[FAB_DEVICE_MAX], args[FAB_DEVICE_MAX + PATH_MAX];
	uint16_t id;
	int rc;

	if (p->lag.nlinks > 0)
		return dp_lag_attach(dp, p);
	dp_device_name(p->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &id) != 0) {
		rc = dp_xdpport_devargs(dp, p, args, sizeof(args));
		if (rc == 0)
			rc = rte_dev_probe(args);
		if (rc < 0) {
			dp_log("port %s (%s): the device cannot be probed (%s); the driver's "
			       "reason, if it gave one, is logged above",
			       p->name, p->device, strerror(-rc));
			return rc;
		}
		p->hotplugged = true;
		if (rte_eth_dev_get_port_by_name(name, &id) != 0) {
			dp_log("port %s (%s): device probed but no ethdev port is named '%s'",
			       p->name, p->device, name);
			return -ENODEV;
		}
	}
	for (const struct dp_port *q = dp->ports; q < p; q++) {
		if (q->eth_port == id) {
			dp_log("port %s (%s): ethdev port %u is already port %s", p->name,
			       p->device, id, q->name);
			return -EEXIST;
		}
	}
	p->eth_port = id;
	return 0;
}

/* Ethernet header, two tags (a double-tagged frame must still arrive whole
 * to be counted) and the FCS some NICs keep: a frame beside its MTU. */
#define FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 8 + 4)

/* Drivers that chain a frame longer than the buffer on their own without
 * offering RX scatter (DPDK 22.11's net_pcap). */
static const char *const chaining_drivers[] = {"net_pcap"};

/*
 * Bytes one received frame of this device may need in one buffer: the
 * fabric's largest frame, except for net_af_packet, which receives at most
 * its kernel ring's frame size (framesz=, 2048 by default, less the ring's
 * own 32-byte header) and wants a buffer to hold that much: a 1500 port
 * keeps standard buffers in a fabric with a jumbo LAN, a jumbo one is given
 * framesz= (docs/dataplane.md).
 */
static uint32_t device_frame(const struct dp *dp, const char *device)
{
	uint32_t fs = 2048;
	char v[16];

	if (strncmp(device, "net_af_packet", 13) != 0)
		return dp->mtu_max + FRAME_OVERHEAD;
	if (dp_devarg(device, "framesz", v, sizeof(v)) == 0)
		fs = (uint32_t)strtoul(v, NULL, 0);
	return fs > 32 ? fs - 32 : 0;
}

uint32_t dp_port_frame(const struct dp *dp, const struct dp_port *p)
{
	uint32_t need = device_frame(dp, p->device);

	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		need = RTE_MAX(need, device_frame(dp, p->lag.links[k]));
	return need;
}

/* The big buffers: for the largest need of any port. */
static struct rte_mempool *pool_big(struct dp *dp)
{
	uint32_t room = 0;

	if (dp->pool_big != NULL)
		return dp->pool_big;
	for (uint16_t i = 0; i < dp->nports; i++)
		room = RTE_MAX(room, dp_port_frame(dp, &dp->ports[i]));
	room += RTE_PKTMBUF_HEADROOM;
	dp->pool_big = rte_pktmbuf_pool_create("dp_rx_big", dp->nb_mbuf_big, 256, 0,
					       (uint16_t)RTE_MIN(room, (uint32_t)UINT16_MAX),
					       (int)rte_socket_id());
	if (dp->pool_big == NULL)
		dp_log("cannot create the pool of big buffers (%u buffers of %u bytes): %s",
		       dp->nb_mbuf_big, room, rte_strerror(rte_errno));
	return dp->pool_big;
}

/*
 * The RX buffers of a port, and the offloads that go with them. A jumbo
 * frame is received as a chain of standard buffers where the device can
 * scatter: the pipeline reads only the first (fabric/pipeline.h), and a
 * 1500 LAN costs nothing more. A device that cannot gets buffers big
 * enough for its largest frame. Where frames longer than a standard buffer
 * exist at all, every device that offers it sends chains (MULTI_SEGS);
 * without jumbo frames no offload is asked for, so each driver keeps its
 * fastest paths.
 */
static struct rte_mempool *port_pool(struct dp *dp, struct dp_port *p,
				     const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	uint32_t buf = (uint32_t)(rte_pktmbuf_data_room_size(dp->pool) - RTE_PKTMBUF_HEADROOM);
	uint32_t need = dp_port_frame(dp, p);
	bool chains = false;

	p->scatter = false;
	if ((uint32_t)dp->mtu_max + FRAME_OVERHEAD <= buf)
		return dp->pool;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	else
		dp_log("port %s (%s): the device does not offer multi-segment TX; jumbo frames "
		       "received in several buffers may not leave by it",
		       p->name, p->device);
	if (need <= buf)
		return dp->pool;
	for (size_t i = 0; i < RTE_DIM(chaining_drivers); i++)
		chains |= info->driver_name != NULL &&
			  strcmp(info->driver_name, chaining_drivers[i]) == 0;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		p->scatter = true;
	} else if (chains) {
		p->scatter = true;
	}
	return p->scatter ? dp->pool : pool_big(dp);
}

/*
 * The MTU to configure the device with: the largest of the fabric, where
 * the driver takes it. Some (net_af_packet in DPDK 22.11) say they take no
 * more than 1518-byte frames yet receive whatever their kernel ring holds:
 * the pipeline checks every frame's length against its port and LAN anyway.
 */
static uint16_t device_mtu(const struct dp_port *p, const struct rte_eth_dev_info *info)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	uint32_t mtu;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	mtu = info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : p->nic_mtu;
	if (mtu >= p->nic_mtu)
		return p->nic_mtu;
	dp_log("port %s (%s): the driver takes an MTU of at most %u; longer frames arrive as "
	       "far as it lets them",
	       p->name, p->device, mtu);
	return (uint16_t)RTE_MAX(mtu, (uint32_t)RTE_ETHER_MIN_MTU);
}

static int port_configure(struct dp *dp, struct dp_port *p, uint16_t mtu)
{
	struct rte_mempool *pool;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = DP_RX_DESC, nb_txd = DP_TX_DESC;
	int socket = rte_eth_dev_socket_id(p->eth_port);
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->eth_port, &info);
	if (rc < 0) {
		dp_log("port %s (%s): cannot read device info: %s", p->name, p->device,
		       strerror(-rc));
		return rc;
	}
	/* Every worker may transmit on every port and TX queues are not shared. */
	if (info.max_tx_queues < dp->nworkers) {
		dp_log("port %s (%s): the device has %u TX queue(s) but each of the %u worker "
		       "lcores needs its own; use fewer worker lcores",
		       p->name, p->device, info.max_tx_queues, dp->nworkers);
		return -ENOTSUP;
	}
	/* The main lcore gets one more, for frames control injects (dp_inject.c);
	 * on a device without it a worker sends them. */
	p->inject = info.max_tx_queues > dp->nworkers;
	p->ntxq = (uint16_t)(dp->nworkers + p->inject);
	p->nrxq = RTE_MIN(dp->nworkers, info.max_rx_queues);
	if (p->nrxq > 1) {
		uint64_t rss = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;

		if (rss == 0) {
			p->nrxq = 1;
		} else {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = rss;
		}
	}
	if (p->nrxq == 0) {
		dp_log("port %s (%s): the device has no RX queue", p->name, p->device);
		return -ENOTSUP;
	}
	/*
	 * Frames up to the largest MTU of any port reach the pipeline, which drops
	 * those over this port's own MTU under a counted reason; a reload may raise
	 * a port's MTU up to that size.
	 */
	if (info.max_mtu < mtu) {
		dp_log("port %s (%s): MTU %u is over the device's maximum %u", p->name, p->device,
		       mtu, info.max_mtu);
		return -EINVAL;
	}
	p->nic_mtu = RTE_MIN(dp->mtu_max, info.max_mtu);
	conf.rxmode.mtu = device_mtu(p, &info);
	pool = port_pool(dp, p, &info, &conf);
	if (pool == NULL)
		return -ENOMEM;

	rc = rte_eth_dev_configure(p->eth_port, p->nrxq, p->ntxq, &conf);
	/* Some drivers (net_tap) want as many TX queues as RX queues: injected
	 * frames then go through a worker's ring instead. */
	if (rc < 0 && p->inject) {
		p->inject = false;
		p->ntxq = dp->nworkers;
		rc = rte_eth_dev_configure(p->eth_port, p->nrxq, p->ntxq, &conf);
	}
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->eth_port, &nb_rxd, &nb_txd);
	if (rc < 0) {
		dp_log("port %s (%s): cannot configure %u RX and %u TX queues: %s", p->name,
		       p->device, p->nrxq, p->ntxq, strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < p->nrxq; q++) {
		rc = rte_eth_rx_queue_setup(p->eth_port, q, nb_rxd, socket, NULL, pool);
		if (rc < 0) {
			dp_log("port %s (%s): cannot set up RX queue %u: %s", p->name, p->device, q,
			       strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < p->ntxq; q++) {
		rc = rte_eth_tx_queue_setup(p->eth_port, q, nb_txd, socket, NULL);
		if (rc < 0) {
			dp_log("port %s (%s): cannot set up TX queue %u: %s", p->name, p->device, q,
			       strerror(-rc));
			return rc;
		}
	}
	/* Member MACs are not the NIC's own: the port must see every frame. */
	rc = rte_eth_promiscuous_enable(p->eth_port);
	if (rc < 0 && rc != -ENOTSUP) {
		dp_log("port %s (%s): cannot enable promiscuous mode: %s", p->name, p->device,
		       strerror(-rc));
		return rc;
	}
	return 0;
}

/*
 * Drivers on a kernel interface whose link state DPDK 22.11 does not follow:
 * they report link up from start to stop, so a member whose cable (or veth
 * peer) is down would stay oper up and the fabric would keep steering ARP to
 * it and sending its peers' frames into the void.
 */
static const char *const kernel_link_drivers[] = {"net_af_packet", "net_af_xdp"};

/*
 * The kernel interface of an ethdev whose driver is one of those, from its
 * device string's iface=, into ifname ("" for other drivers); *ring_ifindex
 * for net_af_packet, whose kernel ring's losses DPDK does not count.
 */
static int kernel_link(struct dp *dp, const char *who, uint16_t eth_port, const char *device,
		       char *ifname, unsigned int *ring_ifindex)
{
	struct rte_eth_dev_info info;
	bool listed = false;
	int rc;

	ifname[0] = '\0';
	*ring_ifindex = 0;
	rc = rte_eth_dev_info_get(eth_port, &info);
	if (rc < 0 || info.driver_name == NULL)
		return 0;
	for (size_t i = 0; i < RTE_DIM(kernel_link_drivers); i++)
		listed |= strcmp(info.driver_name, kernel_link_drivers[i]) == 0;
	if (!listed)
		return 0;
	rc = dp_devarg(device, "iface", ifname, IF_NAMESIZE);
	if (rc < 0) {
		ifname[0] = '\0';
		dp_log("port %s (%s): no usable iface= to follow the link of: %s", who, device,
		       strerror(-rc));
		return rc;
	}
	if (dp->ifflags_fd < 0) {
		dp->ifflags_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (dp->ifflags_fd < 0) {
			rc = -errno;
			dp_log("port %s: no socket to read interface flags with: %s", who,
			       strerror(-rc));
			return rc;
		}
	}
	if (strcmp(info.driver_name, "net_af_packet") == 0)
		*ring_ifindex = info.if_index;
	return 0;
}

/* Notes the kernel interfaces of the port, or of each link of a LAG. */
int dp_port_kernel_link(struct dp *dp, struct dp_port *p)
{
	unsigned int unused;
	int rc = 0;

	p->if_err = 0;
	p->link_is_started = false;
	if (p->lag.nlinks == 0) {
		struct rte_eth_dev_info info;

		/* net_pcap's link is only what its start and stop write into the
		 * device's data, which DPDK shares with secondary processes. A
		 * capture tool (dpdk-dumpcap) probes every device and, as it exits
		 * (rte_eal_cleanup), removes them, running net_pcap's stop on that
		 * shared data: the link would read down until the dataplane
		 * restarted, and every frame would be dropped under port_down. */
		p->link_is_started = rte_eth_dev_info_get(p->eth_port, &info) == 0 &&
				     info.driver_name != NULL &&
				     strcmp(info.driver_name, "net_pcap") == 0;
		return kernel_link(dp, p->name, p->eth_port, p->device, p->ifname,
				   &p->ring_ifindex);
	}
	/* The bond follows its links' carrier itself: the links are read here. */
	p->ifname[0] = '\0';
	p->ring_ifindex = 0;
	for (uint8_t k = 0; rc == 0 && k < p->lag.nlinks; k++) {
		p->links[k].if_err = 0;
		rc = kernel_link(dp, p->name, p->links[k].eth_port, p->lag.links[k],
				 p->links[k].ifname, &unused);
	}
	return rc;
}

/*
 * Whether a kernel interface is up and running: administratively up and
 * with its carrier (IFF_RUNNING is the kernel's operstate up). An interface
 * that is gone or renamed reads as down; the error is logged once.
 */
bool dp_kernel_running(struct dp *dp, const char *ifname, int *last_err)
{
	struct ifreq ifr;
	int err = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(dp->ifflags_fd, SIOCGIFFLAGS, &ifr) < 0)
		err = errno;
	if (err != 0 && err != *last_err)
		dp_log("cannot read the flags of interface %s: %s; link taken as down", ifname,
		       strerror(err));
	*last_err = err;
	return err == 0 && (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

/*
 * The bonding driver makes a LAG's links active on its own link poll
 * (every 10 ms for links without link interrupts), so right after the
 * start a LAG's device says link down with every link up. Waits for that,
 * at most 1 s, so that the first poll of the ports sees a static LAG up
 * and it forwards from the first frame, not from the next poll.
 */
static void lag_wait_bonds(struct dp *dp)
{
	for (int t = 0; t < 100; t++) {
		bool pending = false;

		for (uint16_t i = 0; i < dp->nports && !pending; i++) {
			const struct dp_port *p = &dp->ports[i];
			struct rte_eth_link link;

			if (p->lag.nlinks == 0 || !p->started)
				continue;
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(p->eth_port, &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_UP)
				continue;
			for (uint8_t k = 0; k < p->lag.nlinks && !pending; k++) {
				memset(&link, 0, sizeof(link));
				pending =
				    rte_eth_link_get_nowait(p->links[k].eth_port, &link) == 0 &&
				    link.link_status == RTE_ETH_LINK_UP;
			}
		}
		if (!pending)
			return;
		rte_delay_ms(10);
	}
}

int dp_ports_start(struct dp *dp, const struct fab_model *m)
{
	int rc;

	for (uint16_t i = 0; i < dp->nports; i++) {
		struct dp_port *p = &dp->ports[i];

		if (p->vtep)
			continue; /* no device: dp_ports_poll_link() gives it the underlay's link */
		rc = port_attach(dp, p);
		if (rc == 0)
			rc = port_configure(dp, p, m->ports[i].mtu);
		if (rc == 0) {
			rc = rte_eth_dev_start(p->eth_port);
			if (rc < 0)
				dp_log("port %s (%s): cannot start: %s", p->name, p->device,
				       strerror(-rc));
		}
		if (rc == 0)
			rc = dp_xdpport_start(dp, m, i);
		if (rc == 0)
			rc = dp_port_kernel_link(dp, p);
		if (rc == 0)
			dp_missed_start(dp, i);
		if (rc < 0) {
			dp_log("port %s (%s) did not come up; stopping every port", p->name,
			       p->device);
			dp_ports_stop(dp);
			return rc;
		}
		p->started = true;
	}
	lag_wait_bonds(dp);
	dp_ports_poll_link(dp);
	return 0;
}

void dp_ports_stop(struct dp *dp)
{
	for (uint16_t i = 0; i < dp->nports; i++) {
		struct dp_port *p = &dp->ports[i];
		struct rte_eth_dev_info info;
		struct rte_device *dev = NULL;

		if (p->lag.nlinks > 0 && !rte_eth_dev_is_valid_port(p->eth_port)) {
			dp_lag_detach(p); /* links probed before the bond failed */
			continue;
		}
		if (!rte_eth_dev_is_valid_port(p->eth_port) || (!p->started && !p->hotplugged))
			continue;
		if (rte_eth_dev_info_get(p->eth_port, &info) == 0)
			dev = info.device;
		dp_xdpport_stop(dp, i);
		if (p->started) {
			int rc = rte_eth_dev_stop(p->eth_port);

			if (rc < 0)
				dp_log("port %s: stop failed: %s", p->name, strerror(-rc));
		}
		if (p->lag.nlinks > 0) {
			dp_lag_detach(p);
		} else {
			rte_eth_dev_close(p->eth_port);
			if (p->hotplugged && dev != NULL)
				rte_dev_remove(dev);
		}
		p->started = false;
		p->hotplugged = false;
		p->eth_port = RTE_MAX_ETHPORTS;
		p->ifname[0] = '\0';
	}
	if (dp->ifflags_fd >= 0)
		close(dp->ifflags_fd);
	dp->ifflags_fd = -1;
	dp_missed_fini(dp);
}

void dp_ports_poll_link(struct dp *dp)
{
	for (uint16_t i = 0; i < dp->nports; i++) {
		struct rte_eth_link link;
		uint8_t up;

		if (!dp->ports[i].started)
			continue;
		memset(&link, 0, sizeof(link));
		up = dp->ports[i].link_is_started ||
		     (rte_eth_link_get_nowait(dp->ports[i].eth_port, &link) == 0 &&
		      link.link_status == RTE_ETH_LINK_UP);
		if (dp->ports[i].lag.nlinks > 0)
			up = dp_lag_poll(dp, i) && up;
		if (up && dp->ports[i].ifname[0] != '\0')
			up = dp_kernel_running(dp, dp->ports[i].ifname, &dp->ports[i].if_err);
		if (up != dp->link_up[i]) {
			dp_log("port %s: link %s", dp->ports[i].name, up ? "up" : "down");
			dp->link_changes[i]++;
		}
		dp->link_up[i] = up;
		dp_port_oper_update(dp, i);
	}
	/* A remote VTEP is reachable while the underlay port is up. */
	for (uint16_t i = 0; i < dp->nports; i++) {
		if (!dp->ports[i].vtep)
			continue;
		if (dp->link_up[dp->ports[i].underlay] != dp->link_up[i])
			dp->link_changes[i]++;
		dp->link_up[i] = dp->link_up[dp->ports[i].underlay];
		dp_port_oper_update(dp, i);
	}
	dp_missed_poll(dp);
}
