/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fabric's domain model: LANs, ports, members and what each member may
 * send on each LAN. It is plain data built by the configuration loader
 * (config.h) and compiled into lookup tables (tables.h) for the pipeline.
 *
 * Nothing here depends on DPDK. The model is owned by whoever created it and
 * is never shared between threads while it is being changed; the dataplane
 * only ever reads the immutable tables compiled from it.
 */
#ifndef PEERLAN_FABRIC_MODEL_H
#define PEERLAN_FABRIC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAB_NAME_MAX      64  /* LAN, port and member names, with the NUL */
#define FAB_DESC_MAX      128 /* free-text descriptions, with the NUL */
#define FAB_DEVICE_MAX    256 /* DPDK device strings, with the NUL */
#define FAB_PATH_MAX      256 /* file system paths, with the NUL */
#define FAB_ETHERTYPE_MAX 16  /* entries in the EtherType allow-list */
#define FAB_VLAN_MAX      4095
#define FAB_MTU_MIN       576
#define FAB_MTU_MAX       9216
#define FAB_MTU_DEFAULT   1500
#define FAB_PORTS_MAX     1024 /* fabric port indexes fit in uint16_t with room */
#define FAB_LANS_MAX      256

/* A MAC address as a 48-bit number, first octet in bits 47..40. */
typedef uint64_t fab_mac_t;

/* Where a definition came from in its source file, for error messages. */
struct fab_pos {
	uint32_t line;
	uint32_t col;
};

enum fab_lan_kind {
	FAB_LAN_PEERING,
	FAB_LAN_QUARANTINE,
};

enum fab_neigh_policy {
	FAB_NEIGH_STEER, /* requests go only to the owner's port */
	FAB_NEIGH_PROXY, /* the fabric answers for owners whose port is up */
};

enum fab_port_kind {
	FAB_PORT_EDGE,     /* one member's router */
	FAB_PORT_CORE,     /* a link to another switch; members behind it */
	FAB_PORT_UNDERLAY, /* this node's VXLAN underlay link: carries no LAN itself */
	FAB_PORT_VTEP,     /* another node's VTEP, reached over the underlay; members behind it */
};

enum fab_port_mode {
	FAB_PORT_ACCESS, /* untagged, exactly one LAN */
	FAB_PORT_TRUNK,  /* 802.1Q tagged, one or more LANs */
};

enum fab_violation {
	FAB_VIOLATION_PROTECT,  /* drop and count */
	FAB_VIOLATION_RESTRICT, /* drop, count, log an event */
	FAB_VIOLATION_SHUTDOWN, /* err-disable the port */
};

enum fab_sponge_state {
	FAB_SPONGE_ALIVE,
	FAB_SPONGE_PENDING,
	FAB_SPONGE_DEAD,
	FAB_SPONGE_STATIC,
};

struct fab_prefix4 {
	bool set;
	uint8_t len;
	uint32_t addr; /* host byte order */
};

struct fab_prefix6 {
	bool set;
	uint8_t len;
	uint8_t addr[16];
};

struct fab_ip6 {
	uint8_t b[16];
};

/*
 * RFC 7999 blackholing on one LAN: the route servers rewrite the next hop
 * of a route tagged BLACKHOLE (65535:666) to one of these addresses; the
 * fabric answers ARP/ND for them with mac and drops every frame sent to
 * mac, counted per sender. Off while mac is 0.
 */
struct fab_blackhole {
	fab_mac_t mac;
	uint32_t ipv4; /* host byte order; 0: none */
	bool has_ipv6;
	struct fab_ip6 ipv6;
};

struct fab_lan {
	char name[FAB_NAME_MAX];
	uint16_t vlan; /* 802.1Q id on trunk ports, 1..4094 */
	enum fab_lan_kind kind;
	struct fab_prefix4 ipv4;
	struct fab_prefix6 ipv6;
	enum fab_neigh_policy neigh; /* copied from the policy unless set */
	struct fab_blackhole blackhole;
	uint32_t vni; /* VXLAN network identifier, 1..2^24-1; 0: not carried over VXLAN */
	/* Largest IP packet on the LAN (1500; 9000 on a jumbo-frame LAN): a
	 * longer frame on it is dropped at ingress as oversize, whatever the
	 * port's own MTU. */
	uint16_t mtu;
	struct fab_pos pos;
};

/* How a LAG negotiates its links (IEEE 802.1AX). */
enum fab_lacp_mode {
	FAB_LACP_ACTIVE,  /* sends LACPDUs unasked */
	FAB_LACP_PASSIVE, /* answers a partner that sends them */
	FAB_LACP_ON,      /* static: no LACP, every link with carrier carries */
};

enum fab_lacp_rate {
	FAB_LACP_FAST, /* LACPDUs every second, 3 s timeout */
	FAB_LACP_SLOW, /* every 30 s, 90 s timeout */
};

/* Which headers choose the link a frame leaves on: one flow, one link. */
enum fab_lag_hash {
	FAB_LAG_HASH_L2,
	FAB_LAG_HASH_L23,
	FAB_LAG_HASH_L34,
};

#define FAB_LAG_LINKS_MAX 8

/*
 * A port made of several links. The fabric sees the LAG as one port; its
 * links exist only for the driver that bundles them. nlinks 0: a plain port.
 */
struct fab_lag {
	char links[FAB_LAG_LINKS_MAX][FAB_DEVICE_MAX]; /* DPDK device strings */
	uint8_t nlinks;
	uint8_t min_links; /* fewer links distributing: the LAG is down */
	enum fab_lacp_mode lacp;
	enum fab_lacp_rate rate;
	enum fab_lag_hash hash;
};

#define FAB_VNI_MAX 0xffffff

/*
 * VXLAN (RFC 7348, IPv4 underlay). On the underlay port: this node's VTEP,
 * its address and MAC (the outer source, and what the port answers ARP
 * for) and the next hop's MAC (the outer destination of every frame it
 * encapsulates). On a VTEP port: the remote node's VTEP address alone.
 */
struct fab_vxlan_port {
	uint32_t address; /* host byte order; 0 on other ports */
	fab_mac_t mac;
	fab_mac_t next_hop_mac;
	/* A VTEP port whose members are reachable only while BGP EVPN carries
	 * a type-2 route for them from that VTEP (control/ctl_evpn.c). */
	bool evpn;
};

#define FAB_EVPN_NEIGHBORS_MAX 8

/*
 * BGP EVPN (RFC 7432, 8365, 9161) through the BGP speaker beside the node
 * (gobgpd, driven by peerlan-evpn). Off while asn is 0. Route distinguishers
 * are ROUTER-ID:VNI and route targets ASN:VNI, one EVI per LAN with a VNI.
 */
struct fab_evpn {
	uint32_t asn;
	uint32_t router_id;                         /* host order */
	uint32_t neighbors[FAB_EVPN_NEIGHBORS_MAX]; /* host order: reflectors or peers */
	size_t nneighbors;
	uint32_t neighbor_asn; /* the neighbours' AS: asn itself (iBGP) unless set */
};

struct fab_port {
	char name[FAB_NAME_MAX];
	char device[FAB_DEVICE_MAX]; /* PCI address or vdev string; "" for a LAG */
	struct fab_lag lag;
	char description[FAB_DESC_MAX];
	enum fab_port_kind kind;
	enum fab_port_mode mode;
	uint16_t *lans; /* indexes into fab_model.lans; access ports have 1 */
	size_t nlans;
	bool admin_up;
	uint16_t mtu;        /* largest IP packet, as on a router interface */
	uint32_t speed_mbps; /* informational; 0 if unknown */
	/* A sub-rate port: ingress policed to rate_bps (0: not policed) with a
	 * burst of rate_burst bytes. */
	uint64_t rate_bps;
	uint32_t rate_burst;
	enum fab_violation violation;
	struct fab_vxlan_port vxlan; /* FAB_PORT_UNDERLAY and FAB_PORT_VTEP only */
	struct fab_pos pos;
};

/* What one member may send on one LAN through one connection. */
struct fab_binding {
	uint16_t lan; /* index into fab_model.lans */
	fab_mac_t *macs;
	size_t nmacs;
	uint32_t *ipv4; /* host byte order */
	size_t nipv4;
	struct fab_ip6 *ipv6;
	size_t nipv6;
	struct fab_pos pos;
};

struct fab_connection {
	uint16_t port; /* index into fab_model.ports */
	struct fab_binding *bindings;
	size_t nbindings;
	struct fab_pos pos;
};

struct fab_member {
	uint32_t asn;
	char name[FAB_NAME_MAX];
	struct fab_connection *conns;
	size_t nconns;
	struct fab_pos pos;
};

struct fab_sponge_policy {
	uint32_t queue_depth;       /* queries remembered per address */
	uint32_t rate_per_min;      /* queries/min over which a full queue goes PENDING */
	uint32_t flood_ms;          /* same-source queries closer than this are ignored */
	uint32_t probes;            /* probes sent while PENDING */
	uint32_t probe_interval_ms; /* between probes */
	uint32_t learning_s;        /* quiet period after start */
	enum fab_sponge_state init_state;
	fab_mac_t mac;   /* MAC the fabric answers with for dead addresses */
	bool gratuitous; /* announce a newly sponged address */
	bool enabled;
};

struct fab_rate {
	uint32_t pps;   /* tokens per second; 0 means no limit */
	uint32_t burst; /* bucket size */
};

struct fab_policy {
	uint16_t ethertypes[FAB_ETHERTYPE_MAX];
	size_t nethertypes;
	enum fab_neigh_policy neigh;
	struct fab_sponge_policy sponge;
	struct fab_rate storm_arp;   /* per port */
	struct fab_rate storm_nd;    /* per port */
	uint32_t storm_errdisable_s; /* over a storm rate this long err-disables; 0: never */
	struct fab_rate punt_port;   /* frames copied to control, per port */
	struct fab_rate punt_total;
	enum fab_violation violation;
	uint32_t errdisable_recovery_s; /* 0: no automatic recovery */
	uint32_t flap_changes;          /* more than this many link changes ... */
	uint32_t flap_window_s;         /* ... within this window ... */
	uint32_t flap_hold_s;           /* ... err-disable the port this long */
};

#define FAB_SFLOW_COLLECTORS_MAX 4
#define FAB_SFLOW_HEADER_MIN     64
#define FAB_SFLOW_HEADER_MAX     256

/* sFlow version 5 export from the dataplane; off while no collector is set. */
struct fab_sflow {
	char collectors[FAB_SFLOW_COLLECTORS_MAX][FAB_NAME_MAX]; /* ADDRESS:PORT */
	size_t ncollectors;
	char agent[FAB_NAME_MAX];    /* agent address (IPv4 or IPv6), required with collectors */
	uint32_t sampling_rate;      /* one in N ingress frames per port */
	uint32_t polling_interval_s; /* counter samples; 0: none */
	uint32_t header_bytes;       /* of each sampled frame */
};

/*
 * Following IXP Manager (management.sync): control fetches the provisioner's
 * vlans and layer2interfaces documents over HTTPS, imports them through the
 * map and applies the result like `config apply`. Off while vlans_url is "".
 */
#define FAB_URL_MAX 512
struct fab_sync {
	char vlans_url[FAB_URL_MAX];
	char interfaces_url[FAB_URL_MAX];
	char map[FAB_PATH_MAX];          /* the import map */
	char api_key_file[FAB_PATH_MAX]; /* the API key, alone in a file; "" none */
	char ca_file[FAB_PATH_MAX];      /* CAs to trust instead of the system's; "" system */
	uint32_t interval_s;             /* 0: only on `config sync now` */
	uint32_t timeout_s;              /* one whole fetch */
	uint32_t max_removal_pct;        /* of members or ports one sync may remove */
};

struct fab_management {
	char control_socket[FAB_PATH_MAX]; /* dataplane <-> control */
	char cli_socket[FAB_PATH_MAX];     /* peerlanctl, read-write */
	char cli_ro_socket[FAB_PATH_MAX];  /* show commands only */
	char metrics_listen[FAB_NAME_MAX]; /* ADDRESS:PORT, "" disables */
	char state_dir[FAB_PATH_MAX];
	char cli_group[FAB_NAME_MAX];
	/* The traffic matrix's file (JSON lines, one record per pair and
	 * interval): "" for STATE_DIR/p2p.jsonl, written every p2p_interval_s
	 * seconds; 0: not written. */
	char p2p_file[FAB_PATH_MAX];
	uint32_t p2p_interval_s;
	struct fab_sflow sflow;
	struct fab_sync sync;
};

/* The processes that read a management setting, once, when they start. */
#define FAB_MGMT_CONTROL   1u
#define FAB_MGMT_DATAPLANE 2u

/*
 * One management setting that differs between two models: its key as the
 * file spells it ("control-socket"), its value in each (pointing into the
 * models; "off" for an empty one; NULL for sflow, a mapping), and which
 * processes read it (FAB_MGMT_*).
 */
struct fab_mgmt_change {
	const char *key;
	const char *from;
	const char *to;
	unsigned readers;
};

/*
 * The management settings that differ from a to b, in the file's order:
 * writes at most max of them to out (which may be NULL if max is 0) and
 * returns how many there are.
 */
size_t fab_mgmt_changes(const struct fab_management *a, const struct fab_management *b,
			struct fab_mgmt_change *out, size_t max);

struct fab_model {
	char name[FAB_NAME_MAX];
	struct fab_policy policy;
	struct fab_management mgmt;
	struct fab_evpn evpn;
	struct fab_lan *lans;
	size_t nlans;
	struct fab_port *ports;
	size_t nports;
	struct fab_member *members;
	size_t nmembers;
};

/* Ethernet header, one tag and FCS: what a frame has beside its MTU's worth. */
#define FAB_RATE_L2_MAX 26

/* A policer's burst in bytes when none is given: 10 ms at the rate, at least a jumbo frame. */
static inline uint32_t fab_rate_burst_default(uint64_t rate_bps)
{
	uint64_t b = rate_bps / 8 / 100;

	return b < FAB_MTU_MAX + FAB_RATE_L2_MAX ? FAB_MTU_MAX + FAB_RATE_L2_MAX
	       : b > (1u << 30)                  ? 1u << 30
						 : (uint32_t)b;
}

/* Returns an empty model with every policy default set; NULL and errno. */
struct fab_model *fab_model_create(void);
/* Frees a model and all it owns. Accepts NULL. */
void fab_model_destroy(struct fab_model *m);
/* Sets the documented defaults of policy and management. */
void fab_model_defaults(struct fab_model *m);
/* A deep copy; NULL and errno on failure. The caller owns the result. */
struct fab_model *fab_model_clone(const struct fab_model *m);
/* True if both describe the same fabric (source positions ignored). */
bool fab_model_equal(const struct fab_model *a, const struct fab_model *b);

/* Index of the named object, or -1. */
int fab_model_lan_by_name(const struct fab_model *m, const char *name);
int fab_model_lan_by_vlan(const struct fab_model *m, uint16_t vlan);
int fab_model_port_by_name(const struct fab_model *m, const char *name);
int fab_model_member_by_asn(const struct fab_model *m, uint32_t asn);
/* A port's MTU when none is given: the largest of its LANs' (1500 without LANs). */
uint16_t fab_model_port_mtu_default(const struct fab_model *m, const struct fab_port *p);
/* The member connected to an edge port, or -1 (also for core ports). */
int fab_model_member_by_port(const struct fab_model *m, uint16_t port);

/* Text forms. Each parser returns 0 or -EINVAL and leaves *out alone on error. */
int fab_mac_parse(const char *s, fab_mac_t *out);
void fab_mac_format(fab_mac_t mac, char *buf, size_t len); /* needs 18 bytes */
static inline bool fab_mac_is_multicast(fab_mac_t mac)
{
	return (mac >> 40) & 1;
}
int fab_ip4_parse(const char *s, uint32_t *out);
void fab_ip4_format(uint32_t addr, char *buf, size_t len); /* needs 16 bytes */
int fab_ip6_parse(const char *s, struct fab_ip6 *out);
void fab_ip6_format(const struct fab_ip6 *a, char *buf, size_t len); /* needs 46 */
int fab_prefix4_parse(const char *s, struct fab_prefix4 *out);
int fab_prefix6_parse(const char *s, struct fab_prefix6 *out);
bool fab_prefix4_contains(const struct fab_prefix4 *p, uint32_t addr);
bool fab_prefix6_contains(const struct fab_prefix6 *p, const struct fab_ip6 *addr);

const char *fab_lan_kind_name(enum fab_lan_kind k);
const char *fab_neigh_policy_name(enum fab_neigh_policy p);
const char *fab_port_kind_name(enum fab_port_kind k);
const char *fab_port_mode_name(enum fab_port_mode m);
const char *fab_violation_name(enum fab_violation v);
const char *fab_sponge_state_name(enum fab_sponge_state s);
const char *fab_lacp_mode_name(enum fab_lacp_mode m);
const char *fab_lacp_rate_name(enum fab_lacp_rate r);
const char *fab_lag_hash_name(enum fab_lag_hash h);
/* True if the port is a LAG. */
static inline bool fab_port_is_lag(const struct fab_port *p)
{
	return p->lag.nlinks > 0;
}
/* The port's device, or "lag(LINK+LINK...)" for a LAG, into buf; returns buf. */
const char *fab_port_devices(const struct fab_port *p, char *buf, size_t len);
/* Whether the two ports' LAG settings (links included) are the same. */
bool fab_lag_equal(const struct fab_lag *a, const struct fab_lag *b);

#endif
