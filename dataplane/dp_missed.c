/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rx_missed: frames that reached a port but were lost before the dataplane
 * read them, counted from the dataplane's start. Main lcore only.
 *
 * Every driver's own count comes first: DPDK's imissed (a NIC's missed
 * frames; on net_af_xdp the PMD's buffer shortages and the kernel's
 * XDP_STATISTICS rx_dropped).
 *
 * net_af_packet in DPDK 22.11 leaves imissed at 0, and the kernel counts the
 * frames its ring had no room for only in the socket's PACKET_STATISTICS,
 * which only the PMD's own descriptor can read (and reading resets it). So
 * they are estimated from what can be read: the kernel interface's
 * rx_packets (rtnetlink, IFLA_STATS64) against the frames the PMD handed to
 * the workers (ipackets). The difference is the frames lost plus those
 * still on their way (in the ring, or queued in the kernel before it).
 * Those on their way are excluded by timing: the interface's count is taken
 * two polls (some 200 ms) back, and is used only once every RX queue of the
 * port has been found empty by its worker after the poll in between (each
 * worker counts its bursts that came back short, rx_empty). Frames counted
 * then had a full poll to reach the ring, and an empty ring afterwards means
 * each was read or lost. What frames arrived in between and were read is
 * subtracted too, so each estimate is a lower bound; rx_missed keeps the
 * largest. It is exact once the port has been quiet for two polls, and it
 * does not move while the workers cannot keep up (the ring never empties):
 * the frames lost then are counted when the burst ends. Frames the kernel
 * itself sends out of the interface reach the PMD too but are no
 * rx_packets of the interface, so such traffic makes rx_missed count low.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp.h"

#define NL_BUF 32768 /* one RTM_NEWLINK answer, with room to spare */

struct dp_missed {
	int fd; /* rtnetlink */
	uint32_t seq;
	uint8_t buf[NL_BUF];
};

/* The interface's rx_packets; 0 or a negative errno. */
static int if_rx_packets(struct dp_missed *m, unsigned int ifindex, uint64_t *rx)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	uint32_t seq = ++m->seq;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = seq;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)ifindex;
	if (send(m->fd, &req, sizeof(req), 0) < 0)
		return -errno;
	/* The kernel answers a single-link request before send returns. */
	for (;;) {
		ssize_t n = recv(m->fd, m->buf, sizeof(m->buf), MSG_DONTWAIT);
		int len = (int)n;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)m->buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ifinfomsg *ifi = NLMSG_DATA(nh);
			int alen = (int)IFLA_PAYLOAD(nh);

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error < 0 ? e->error : -EIO;
			}
			if (nh->nlmsg_type != RTM_NEWLINK)
				continue;
			for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen);
			     a = RTA_NEXT(a, alen)) {
				struct rtnl_link_stats64 st;

				if (a->rta_type != IFLA_STATS64 || RTA_PAYLOAD(a) < sizeof(st))
					continue;
				memcpy(&st, RTA_DATA(a), sizeof(st));
				*rx = st.rx_packets;
				return 0;
			}
			return -ENODATA;
		}
	}
}

static uint64_t ethdev_ipackets(uint16_t eth_port, uint64_t *imissed)
{
	struct rte_eth_stats st;

	memset(&st, 0, sizeof(st));
	if (rte_eth_stats_get(eth_port, &st) != 0)
		memset(&st, 0, sizeof(st));
	if (imissed != NULL)
		*imissed = st.imissed;
	return st.ipackets;
}

/*
 * A counter is no reason to keep a port from forwarding: where the estimate
 * cannot start, it is logged and the port counts only imissed.
 */
void dp_missed_start(struct dp *dp, uint16_t port)
{
	struct dp_port *p = &dp->ports[port];
	int rc = 0;

	p->imissed0 = 0;
	p->pmd_rx0 = ethdev_ipackets(p->eth_port, &p->imissed0);
	p->ring_polls = 0;
	p->ring_err = 0;
	if (p->ring_ifindex == 0)
		return;
	if (dp->missed == NULL) {
		dp->missed = calloc(1, sizeof(*dp->missed));
		if (dp->missed == NULL)
			rc = -ENOMEM;
		else
			dp->missed->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (rc == 0 && dp->missed->fd < 0)
			rc = -errno;
		if (rc < 0) {
			free(dp->missed);
			dp->missed = NULL;
		}
	}
	if (rc == 0)
		rc = if_rx_packets(dp->missed, p->ring_ifindex, &p->if_rx0);
	if (rc < 0) {
		dp_log("port %s: cannot read the counters of interface %s (%s): its rx_missed "
		       "will not count what the kernel's ring drops",
		       p->name, p->ifname, strerror(-rc));
		p->ring_ifindex = 0;
	}
}

void dp_missed_fini(struct dp *dp)
{
	if (dp->missed == NULL)
		return;
	close(dp->missed->fd);
	free(dp->missed);
	dp->missed = NULL;
}

/*
 * Whether every RX queue of the port came back empty from a burst that
 * began after the last poll; takes the new snapshot of rx_empty either way.
 */
static bool queues_drained(struct dp *dp, uint16_t port)
{
	unsigned int found = 0;
	bool drained = true;

	for (uint16_t i = 0; i < dp->nworkers; i++) {
		struct dp_worker *w = &dp->workers[i];

		for (uint16_t q = 0; q < w->nrxq; q++) {
			uint64_t e;

			if (w->rxq[q].fab_port != port)
				continue;
			e = __atomic_load_n(&w->rx_empty[q], __ATOMIC_ACQUIRE);
			/* Two more: the first may come from a burst begun before the last poll. */
			drained &= e >= w->rx_empty_seen[q] + 2;
			w->rx_empty_seen[q] = e;
			found++;
		}
	}
	return drained && found == dp->ports[port].nrxq;
}

/* The af_packet estimate of frames lost at the kernel's ring. */
static void ring_poll(struct dp *dp, uint16_t port, uint64_t ipackets, bool drained)
{
	struct dp_port *p = &dp->ports[port];
	uint64_t k;
	int rc = if_rx_packets(dp->missed, p->ring_ifindex, &k);

	if (rc < 0) {
		if (rc != p->ring_err)
			dp_log("port %s: cannot read the counters of interface %s: %s; rx_missed "
			       "not estimated until it can",
			       p->name, p->ifname, strerror(-rc));
		p->ring_err = rc;
		p->ring_polls = 0;
		return;
	}
	p->ring_err = 0;
	/* Counters that went back (an interface reset) give no estimate. */
	if (drained && p->ring_polls >= 2 && p->if_rx[0] >= p->if_rx0 && ipackets >= p->pmd_rx0 &&
	    p->if_rx[0] - p->if_rx0 > ipackets - p->pmd_rx0) {
		uint64_t lost = (p->if_rx[0] - p->if_rx0) - (ipackets - p->pmd_rx0);

		if (lost > p->ring_lost)
			p->ring_lost = lost;
	}
	p->if_rx[0] = p->if_rx[1];
	p->if_rx[1] = k;
	p->ring_polls++;
}

void dp_missed_poll(struct dp *dp)
{
	for (uint16_t i = 0; i < dp->nports; i++) {
		struct dp_port *p = &dp->ports[i];
		uint64_t imissed = 0, ipackets;
		bool drained;

		if (!p->started)
			continue;
		/* rx_empty first: ipackets then covers every frame read before. */
		drained = queues_drained(dp, i);
		ipackets = ethdev_ipackets(p->eth_port, &imissed);
		if (p->ring_ifindex != 0 && dp->missed != NULL)
			ring_poll(dp, i, ipackets, drained);
		imissed = imissed > p->imissed0 ? imissed - p->imissed0 : 0;
		if (imissed + p->ring_lost > p->missed)
			__atomic_store_n(&p->missed, imissed + p->ring_lost, __ATOMIC_RELAXED);
	}
}
