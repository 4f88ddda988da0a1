/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's state, in one place.
 *
 * Everything the main lcore, the workers, the telemetry thread and the
 * control-socket server share lives in struct dp. Ownership is simple: the
 * main lcore owns struct dp and is the only writer of everything except the
 * per-worker counters (each written by its worker only) and the punt rings
 * (one producer: the worker; one consumer: the main lcore). Workers read the
 * table set through an RCU-protected pointer and the per-port oper states as
 * plain bytes.
 */
#ifndef PEERLAN_DATAPLANE_DP_H
#define PEERLAN_DATAPLANE_DP_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "fabric/bucket.h"
#include "fabric/bytes.h"
#include "fabric/counters.h"
#include "fabric/matrix.h"
#include "fabric/model.h"
#include "fabric/pipeline.h"
#include "fabric/tables.h"

#define DP_BURST       32   /* frames per RX burst and per TX buffer */
#define DP_RXQ_MAX     64   /* (port, queue) pairs one worker polls */
#define DP_RX_DESC     1024 /* descriptors per RX queue, before driver limits */
#define DP_TX_DESC     1024
#define DP_PUNT_RING   1024 /* copies one worker may queue towards the main lcore */
#define DP_INJECT_RING 256  /* frames the main lcore may queue for a worker to send */
#define DP_RECLAIM_MAX 8    /* retired table sets awaiting their RCU grace period */

/* One RX queue a worker polls. */
struct dp_rxq {
	uint16_t eth_port;
	uint16_t queue;
	uint16_t fab_port; /* index in the model and the tables */
	bool scatter;      /* its port's frames may come in several buffers (dp_port.scatter) */
};

/* A sub-rate port's ingress policer, one per port per worker (dp_worker.c). */
struct dp_police {
	struct rte_meter_srtcm meter;
	struct rte_meter_srtcm_profile profile;
	bool on;
};

/*
 * A worker's frames for one port's TX queue, sent when it is full and at the
 * end of every poll loop. The pipeline's frames are all unicast; those the
 * main lcore injects may not be, and are counted by class as they come.
 */
/* A transmitted frame's class when not unicast: fabric/bytes.h's, less one. */
enum {
	DP_TXC_MULTICAST = FAB_MAC_MULTICAST - 1,
	DP_TXC_BROADCAST = FAB_MAC_BROADCAST_CLASS - 1,
	DP_TXC_NONE = FAB_MAC_NO_CLASS - 1,
	DP_TXC__COUNT
};
struct dp_txbuf {
	uint16_t n;
	bool listed;                  /* in the worker's txdirty */
	uint16_t ncls[DP_TXC__COUNT]; /* frames of n that are not unicast */
	uint64_t octets;              /* of the n frames */
	struct rte_mbuf *pkts[DP_BURST];
};

/*
 * A worker lcore. It owns its RX queues, TX queue number `index` on every
 * port, its counters and its punt ring. Aligned so that the fields a worker
 * writes never share a cache line with another worker's.
 */
struct dp_worker {
	struct dp *dp;
	unsigned int lcore;
	uint16_t index; /* also its TX queue id and its RCU thread id */
	uint16_t nrxq;
	struct dp_rxq rxq[DP_RXQ_MAX];
	/* Indexed by fabric port. */
	struct dp_txbuf *txb;         /* frames waiting for the port's TX queue */
	struct fab_port_stats *stats; /* what the pipeline and TX count */
	uint16_t *txdirty;            /* the ports whose txb was used this loop */
	uint16_t ndirty;
	struct rte_ring *punt;   /* copies for the control process */
	struct rte_ring *inject; /* frames from the main lcore to send, mbuf->port = fabric port */
	/* The punt policer (dp_worker.c): per port, and this worker's share of the
	 * total; set again from each new table set's policy. */
	struct fab_bucket *punt_port;
	struct fab_bucket punt_total;
	const struct fab_tables *punt_tables;
	struct fab_bucket *storm;      /* FAB_STORM__COUNT per port, the pipeline's */
	struct dp_sflow_worker *sflow; /* sampling state (dp_sflow.h) */
	/* LAG ports whose bonding device must see a TX burst every 100 ms for
	 * its LACPDUs to leave (dp_lag.c), idle or not: the first worker's. */
	uint16_t *lag_eth;
	uint16_t nlag;
	uint64_t lag_next; /* TSC of the next empty burst */
	/* The frames this worker forwards between members (dp_matrix.c), and
	 * whether it counts them: read once per burst, written (atomically) by
	 * dp_matrix_set on another thread. */
	struct fab_mxw mx;
	bool mx_on;
	/* Sub-rate ports' policers, per port, set again from each new table set. */
	struct dp_police *police;
	const struct fab_tables *police_tables;
	/* Per rxq: bursts that came back short, so the queue was empty then
	 * (dp_missed.c), and what the main lcore saw of it at its last poll. */
	uint64_t rx_empty[DP_RXQ_MAX] __rte_cache_aligned;
	uint64_t rx_empty_seen[DP_RXQ_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

/* One link of a LAG port (dp_lag.c): written by the main lcore only. */
struct dp_link {
	uint16_t eth_port;
	bool hotplugged;
	char ifname[IF_NAMESIZE]; /* as dp_port's: a driver that always says link up */
	int if_err;
	bool carrier;
	bool in_bond;     /* a slave of the bond now (dp_lag.c takes it out without carrier) */
	bool mismatch;    /* taken out: its partner is not the bundle's (dp_lag.c) */
	uint64_t out_tsc; /* when it was taken out for that */
	char mismatch_why[128];
	bool suspended;     /* taken out: the LAG is below min-links (dp_lag.c) */
	uint64_t since_tsc; /* last bundled, or last without carrier, or taken back */
	bool bundled;       /* collecting and distributing on both sides */
	bool selected;      /* the driver's LACP selection */
	uint8_t actor_state, partner_state; /* 802.1AX state bits */
	uint16_t actor_key, partner_key;
	uint8_t actor_system[6], partner_system[6];
	uint16_t agg_port;
	uint32_t bundle_changes; /* joins and leaves seen */
	char why[128];           /* why not bundled; "" when it is */
};

/* A port of the fabric, fixed for the life of the process. */
struct dp_port {
	char name[FAB_NAME_MAX];
	char device[FAB_DEVICE_MAX]; /* for a LAG, its bonding device's name */
	/* A LAG (lag.nlinks > 0): eth_port is its bonding device. */
	struct fab_lag lag;
	struct dp_link links[FAB_LAG_LINKS_MAX];
	bool bonded;      /* the bonding device exists: free it on stop */
	uint8_t nbundled; /* links in the bundle at the last poll */
	bool polled;      /* nbundled has been read once */
	uint16_t eth_port;
	/* A remote node's VTEP (fabric/vxlan.h): no device of its own, its frames
	 * leave by the underlay port, whose link is its link. */
	bool vtep;
	uint16_t underlay; /* the underlay's port index, for a VTEP port */
	bool hotplugged;   /* we probed it, so we remove it on exit */
	bool started;
	uint16_t nrxq;
	uint16_t ntxq;
	uint16_t nic_mtu; /* MTU the NIC was configured with */
	/* Frames longer than one standard buffer arrive as a chain (RX scatter,
	 * or a driver that chains them on its own); else its buffers are big. */
	bool scatter;
	bool inject; /* TX queue nworkers is the main lcore's (dp_inject.c) */
	/* The kernel interface (iface=) of a driver that reports link up
	 * whatever that interface does (dp_port.c); "" for other drivers. */
	char ifname[IF_NAMESIZE];
	int if_err; /* the last error reading its flags, logged once */
	/* net_pcap: its link is up from start to stop, read as such, not from
	 * the device's shared state, which a capture tool's exit sets down. */
	bool link_is_started;
	/* rx_missed (dp_missed.c): main lcore only, but missed, which readers load. */
	uint64_t missed;   /* what rx_missed shows; never goes down */
	uint64_t imissed0; /* the device's imissed at start */
	uint64_t pmd_rx0;  /* the device's ipackets at start */
	/* net_af_packet: frames lost at the kernel's ring, estimated from the
	 * interface's rx_packets. ring_ifindex 0: not estimated. */
	unsigned int ring_ifindex;
	int ring_err;            /* the last error reading its counters, logged once */
	uint64_t if_rx0;         /* its rx_packets at start */
	uint64_t if_rx[2];       /* at the poll before last and the last poll */
	unsigned int ring_polls; /* polls since if_rx has been read without error */
	uint64_t ring_lost;
};

struct dp_reclaim {
	struct fab_tables *tables;
	uint64_t token; /* rte_rcu_qsbr_start() when it was retired */
};

struct dp {
	/* Configuration. */
	char config_path[FAB_PATH_MAX];
	struct fab_model *model;   /* the model the current tables came from */
	struct fab_tables *tables; /* RCU: workers load it once per burst */
	uint64_t generation;       /* of the current tables; read atomically */
	struct dp_reclaim reclaim[DP_RECLAIM_MAX];
	unsigned int nreclaim;
	struct rte_rcu_qsbr *rcu;

	/* Ports, indexed by fabric port. */
	struct dp_port *ports;
	uint16_t nports;
	uint16_t mtu_max;     /* largest MTU the buffers and NICs were set up for */
	uint8_t *admin_up;    /* from the model, or set by the control process */
	uint8_t *errdisabled; /* set by the control process */
	uint8_t *link_up;     /* polled by the main lcore */
	/* Link state changes seen by the poll, per port, for flap dampening. */
	uint32_t *link_changes;
	uint8_t *oper;            /* enum fab_port_oper, what the pipeline reads */
	int ifflags_fd;           /* a socket for SIOCGIFFLAGS on ports with an ifname; -1: none */
	struct dp_missed *missed; /* rtnetlink for rx_missed (dp_missed.c); NULL: none */

	/* Workers. */
	struct dp_worker *workers;
	uint16_t nworkers;

	struct rte_mempool *pool; /* RX buffers, of the standard size */
	/* RX buffers for ports that can neither scatter nor take a jumbo frame in
	 * a standard buffer, made when the first such port starts; nb_mbuf each. */
	struct rte_mempool *pool_big;
	unsigned int nb_mbuf_big;
	struct rte_mempool *punt_pool; /* copies to control; separate so punts cannot starve RX */
	uint64_t punt_consumed;        /* copies taken off the punt rings by the main lcore */
	/* Per fabric port, what the main lcore counts: the fate of each punted
	 * copy it takes off a ring (dp_ctl.c). Read by telemetry beside it. */
	struct fab_port_stats *main_stats;

	struct dp_ctl *ctl;     /* the control-socket server; NULL when it could not start */
	struct dp_sflow *sflow; /* sFlow export (dp_sflow.h); NULL when off */
	/* The traffic matrix (dp_matrix.c): slots per worker table, 0 when
	 * off; the workers' tables summed on the main lcore when read. */
	uint32_t mx_slots;
	struct fab_matrix mx;
	void *mx_mem;
	/* Its members' ids, given to each table set before it is published. */
	struct fab_mx_ids mx_ids;

	/* The XDP pre-filter of net_af_xdp ports (dp_xdpport.c), indexed by fabric port. */
	struct dp_xdp **xdp;      /* NULL where a port has none */
	uint8_t *xdp_errdisabled; /* errdisabled as last written to the filter */
	uint8_t *xdp_admin_up;    /* admin state as last written to the filter */
	bool xdp_off;             /* --no-xdp-filter */

	/* The sponged set from control (dp_inject.c), kept across reloads. */
	uint8_t (*sponged)[16];
	uint32_t nsponged;
	uint64_t injected; /* frames control had the main lcore send */

	/* Live capture by DPDK's tools as secondary processes (rte_pdump). */
	bool pdump_on;         /* rte_pdump_init() done */
	bool capture_ready;    /* a capture tool can attach */
	char capture_why[256]; /* why not; "" when it can */
	uint32_t capture_uid;  /* who the tool must run as (--user; 0: root) */
	uint32_t capture_gid;

	uint64_t start_tsc;  /* for uptime */
	uint64_t start_time; /* seconds since the epoch at start */
	uint64_t tsc_hz;
	uint64_t ns_mult; /* TSC cycles to nanoseconds: (cycles * ns_mult) >> 32 */
	volatile bool stop;
	bool hold;      /* workers wait out of their bursts (dp_workers_hold) */
	uint32_t holds; /* nested dp_workers_hold calls; main lcore only */
};

/* Sets oper[port] from admin, errdisabled and link. Main lcore only. */
void dp_port_oper_update(struct dp *dp, uint16_t port);

/*
 * Makes m the running configuration: checks that it keeps the ports fixed at
 * start, builds its tables, publishes them with one pointer swap and retires
 * the old set for freeing after every worker has passed a quiescent state.
 * On success takes ownership of m and returns 0; on error logs why, writes
 * the same reasons to why (if not NULL) for control to relay, changes
 * nothing, leaves m to the caller and returns a negative errno. Main lcore
 * only.
 */
int dp_apply_model(struct dp *dp, struct fab_model *m, char *why, size_t whylen);
/* Loads the configuration file again and applies it; errors are logged. */
int dp_reload(struct dp *dp);
/* Frees retired table sets whose grace period has passed. */
void dp_reclaim_poll(struct dp *dp);

/* The most bytes one frame received on p may need in one buffer (dp_port.c). */
uint32_t dp_port_frame(const struct dp *dp, const struct dp_port *p);
/* Brings up every port of m; on error logs which and stops them all. */
int dp_ports_start(struct dp *dp, const struct fab_model *m);
/* Stops, closes and (if hotplugged) removes every port. Safe on partial starts. */
void dp_ports_stop(struct dp *dp);
/* Refreshes link_up and oper of every port, and rx_missed. */
void dp_ports_poll_link(struct dp *dp);
/*
 * rx_missed (dp_missed.c), main lcore only. start: baselines of a started
 * port (what fails is logged, and the port then counts imissed only); poll: refreshes every port's
 * missed, from dp_ports_poll_link; fini: closes what start opened.
 */
void dp_missed_start(struct dp *dp, uint16_t port);
void dp_missed_poll(struct dp *dp);
void dp_missed_fini(struct dp *dp);
/* The ethdev name of a device string (its first field, PCI names canonical). */
void dp_device_name(const char *device, char *name, size_t len);
/* Notes the kernel interfaces of a port, or of each link of a LAG, to follow their carrier. */
int dp_port_kernel_link(struct dp *dp, struct dp_port *p);
/* Whether kernel interface ifname is up with carrier; *err: last error, logged once. */
bool dp_kernel_running(struct dp *dp, const char *ifname, int *err);
/*
 * LAG ports (dp_lag.c), main lcore only. attach: probes the links and creates
 * the bonding device in p->eth_port (configured and started like any port
 * afterwards); detach: frees it and removes the links it probed. poll:
 * refreshes each link's LACP state, logs links joining and leaving the
 * bundle, and returns whether at least min-links are in it.
 */
int dp_lag_attach(struct dp *dp, struct dp_port *p);
void dp_lag_detach(struct dp_port *p);
bool dp_lag_poll(struct dp *dp, uint16_t port);
/*
 * Makes a running LAG's links those of lag: links taken out are removed from
 * the bond (and their devices, if probed here); new ones are probed and
 * added. On an error (written to why) the links done so far stay.
 */
int dp_lag_relink(struct dp *dp, uint16_t port, const struct fab_lag *lag, char *why,
		  size_t whylen);
struct fab_wire_buf;
struct fab_wire_hdr;
/* The LAG_GET reply to req, into out: every LAG's links as last polled. */
int dp_lag_msg(struct dp *dp, struct fab_wire_buf *out, const struct fab_wire_hdr *req);
/* The value of devarg `key` (",key=value") in device, into buf; 0, -ENOENT or -ENAMETOOLONG. */
int dp_devarg(const char *device, const char *key, char *buf, size_t len);

/* Allocates the workers' queues, buffers, counters and punt rings. */
/* Builds tables for m with the sponged set and publishes them (RCU); 0 or -errno. */
int dp_tables_publish(struct dp *dp, const struct fab_model *m, uint64_t gen);
/* Replaces the sponged set (copied) and publishes it; 0 or -errno. */
int dp_sponge_set(struct dp *dp, const uint8_t (*addrs)[16], uint32_t n);
/*
 * Sends one frame on a fabric port from the main lcore, through the TX queue
 * that lcore owns on the port (queue index nworkers), or where the device has
 * no queue to spare through the first worker's inject ring. 0, -EINVAL for a
 * bad port or length, -ENETDOWN for a port not up, -ENOBUFS, -EAGAIN.
 */
int dp_inject(struct dp *dp, uint16_t port, const uint8_t *frame, uint16_t len);
/* The INJECT and SPONGE_SET requests' payloads: 0, -EBADMSG or as above. */
int dp_inject_msg(struct dp *dp, const uint8_t *p, size_t len);
int dp_sponge_msg(struct dp *dp, const uint8_t *p, size_t len);

int dp_workers_init(struct dp *dp);
void dp_workers_free(struct dp *dp);
/* The worker lcore's loop; arg is its struct dp_worker. */
int dp_worker_main(void *arg);
/*
 * Keeps every worker out of its RX and TX bursts until dp_workers_resume:
 * returns once each has finished the bursts it was in. For what a burst
 * reads without a lock, such as a bond's links (dp_lag.c). Main lcore only;
 * calls nest. Workers forward nothing meanwhile, so hold for as little as
 * the change takes.
 */
void dp_workers_hold(struct dp *dp);
void dp_workers_resume(struct dp *dp);
/*
 * Takes every copy off the punt rings, the only place that does: each goes
 * to the control process's output queue or is counted under the reason it
 * could not (punt_no_control, punt_socket_busy). Main lcore only; works
 * without a control socket too.
 */
void dp_punt_poll(struct dp *dp);

/* Sums every worker's counters, and the main lcore's, for one port. */
void dp_port_stats(const struct dp *dp, uint16_t port, struct fab_port_stats *out);
/* Writes every port's summed counters as JSON; 0 or a negative errno. */
int dp_stats_write_json(struct dp *dp, const char *path);

/*
 * The control socket (management.control-socket), served by the main lcore:
 * init listens, poll does whatever is ready without waiting (accept, read,
 * serve, forward punted frames, write), fini closes it. Forwarding never
 * depends on it: init failing only means no control process can connect.
 */
int dp_ctl_init(struct dp *dp);
void dp_ctl_poll(struct dp *dp);
/* At stop, once the workers have returned: takes the last copies off the
 * punt rings, writes what the socket takes at once and closes the
 * connection, counting what it did not take as punt_disconnected. */
void dp_ctl_stop(struct dp *dp);
void dp_ctl_fini(struct dp *dp);

/* Registers the /peerlan/ telemetry commands; 0 or a negative errno. */
int dp_telemetry_init(struct dp *dp);
/* Makes the telemetry commands answer "not running" before dp goes away. */
void dp_telemetry_fini(void);

/*
 * The XDP pre-filter on net_af_xdp ports (docs/xdp.md). Main lcore only,
 * except add_stats (any reader). init/free: the per-port arrays.
 * devargs: the device string to probe with, xdp_prog= added where the
 * filter is wanted. start: takes over the port's XDP program after its RX
 * queues exist, filled from m; 0 or a negative errno (logged), and the
 * dataplane must not start. stop: detaches it. update_begin/update_end:
 * around a table swap to m (begin failing changes nothing: refuse m).
 * sync_down: follows admin and err-disabled changes. add_stats: adds the
 * XDP drops into the port's counters; xdp_dropped: their total, or -1 on a
 * port without the filter.
 */
int dp_xdpport_init(struct dp *dp);
void dp_xdpport_free(struct dp *dp);
int dp_xdpport_devargs(const struct dp *dp, const struct dp_port *p, char *buf, size_t len);
int dp_xdpport_start(struct dp *dp, const struct fab_model *m, uint16_t port);
void dp_xdpport_stop(struct dp *dp, uint16_t port);
int dp_xdpport_update_begin(struct dp *dp, const struct fab_model *m);
void dp_xdpport_update_end(struct dp *dp, const struct fab_model *m);
void dp_xdpport_sync_down(struct dp *dp, uint16_t port);
void dp_xdpport_add_stats(const struct dp *dp, uint16_t port, struct fab_port_stats *s);
int64_t dp_xdpport_dropped(const struct dp *dp, uint16_t port);

/* Monotonic nanoseconds from the TSC: no system call, so workers may call it. */
static inline uint64_t dp_now_ns(const struct dp *dp)
{
	return (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() * dp->ns_mult) >> 32);
}
uint64_t dp_uptime_s(const struct dp *dp);
/* "up", "down" or "err-disabled". */
const char *dp_oper_name(uint8_t oper);

/* Messages of the main lcore (never of workers), to stderr. */
void dp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Switches to user, keeping only the capabilities the ports' drivers use
 * after start (dp_privs.c). Main lcore, after the workers are launched.
 * 0 or a negative errno; the caller stops on an error.
 */
int dp_drop_privileges(struct dp *dp, const char *user);

/* Answers to capture tools wait for the workers' quiescent states in rcu
 * (dp_pdump.c); call once rte_pdump_init() is done and rcu is set up. */
void dp_pdump_sync_workers(struct rte_rcu_qsbr *rcu);

/* The traffic matrix (dp_matrix.c). Allocates each worker's table and the
 * main lcore's sum, nothing when mx_slots is 0; 0 or -ENOMEM (logged). */
int dp_matrix_init(struct dp *dp);
void dp_matrix_free(struct dp *dp);
/* Appends the reply to MATRIX_GET request h for the page at cursor (the
 * workers' tables are summed at cursor 0). 0 or a negative errno
 * (-ENOTSUP when the matrix is off, -EINVAL for a cursor past the end). */
struct fab_wire_buf;
struct fab_wire_hdr;
int dp_matrix_page(struct dp *dp, struct fab_wire_buf *b, const struct fab_wire_hdr *h,
		   uint32_t cursor);
/* Whether the workers count: 1 or 0, -ENOTSUP without --matrix. */
int dp_matrix_state(const struct dp *dp);
/* Switches every worker's counting on or off, from the next burst on; the
 * tables keep what they hold. 0, or -ENOTSUP without --matrix. */
int dp_matrix_set(struct dp *dp, bool on);
/* Every pair, summed, for --stats-json; JSON null when the matrix is off. */
json_t *dp_matrix_json(struct dp *dp);

#endif
