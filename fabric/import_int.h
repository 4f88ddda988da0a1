/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What import.c shares with the two format readers (import_ixpm.c,
 * import_ixf.c): the parsed import map, the model being built, and the
 * checks every record goes through. Not for other modules: they use
 * import.h.
 */
#ifndef PEERLAN_FABRIC_IMPORT_INT_H
#define PEERLAN_FABRIC_IMPORT_INT_H

#include <yaml.h>

#include "import.h"

/* A record's label in messages: "interface port3 (virtualinterfaceid 13)". */
#define IMP_REC_MAX 128
/* Interface names in exports; longer than peerlan's own names on purpose. */
#define IMP_IFACE_MAX FAB_DESC_MAX

/* One parsed YAML or JSON file; the document stays alive for error positions. */
struct imp_file {
	const char *path;
	yaml_document_t doc;
	yaml_node_t *root; /* NULL if the file could not be read */
	/* The record imp_get last looked in: where a missing value is reported. */
	yaml_node_t *asked;
};

/* A port of the map: a DPDK device and what the exports do not say about it. */
struct imap_port {
	char name[FAB_NAME_MAX];
	char iface[IMP_IFACE_MAX]; /* IXP Manager's interface name; defaults to name */
	char device[FAB_DEVICE_MAX];
	char description[FAB_DESC_MAX];
	bool has_description;
	int kind, mode, violation; /* -1 where the map does not say */
	uint16_t mtu;              /* 0 where the map does not say */
	uint16_t *lans;            /* LANs the map gives it (IX-F), indexes into the model */
	size_t nlans;
	uint32_t line;
	bool used;
};

/* An IX-F connection in the map: the port or ports it is on. */
struct imap_conn {
	char (*ports)[FAB_NAME_MAX];
	size_t nports;
	bool lag; /* written as a list, even of one port: a LAG */
	uint32_t line;
};

/* Which LAN an IX-F VLAN id is: the export's id is not the 802.1Q tag. */
struct imap_ixf_vlan {
	uint32_t id;
	uint16_t lan;
	uint32_t line;
};

struct imap_member {
	uint32_t asn;
	char name[FAB_NAME_MAX];
	bool has_name;
	char (*ifaces)[IMP_IFACE_MAX]; /* IXP Manager interfaces of this member */
	size_t nifaces;
	struct imap_conn *conns; /* IX-F connections, in the export's order */
	size_t nconns;
	uint32_t line;
};

struct imap_exclude {
	char name[IMP_IFACE_MAX]; /* an interface name, "AS64503" or "AS64503/1" */
	uint32_t line;
	bool used;
};

struct imap {
	struct imap_port *ports;
	size_t nports;
	struct imap_member *members;
	size_t nmembers;
	struct imap_exclude *exclude;
	size_t nexclude;
	struct imap_ixf_vlan *ixf_vlans;
	size_t nixf_vlans;
	uint32_t ixp_id; /* IX-F: which exchange of ixp_list; 0 if the map does not say */
};

/* A MAC or address already given, to name both records of a duplicate. */
struct imp_seen {
	struct fab_ip6 key; /* an address (IPv4 as ::ffff:a.b.c.d) or a MAC in the last 6 bytes */
	bool mac;
	uint32_t asn;
	uint16_t port, lan;
	char rec[IMP_REC_MAX];
	const char *file;
	uint32_t line;
};

struct imp {
	const struct fab_import_files *files;
	struct fab_config_errors *errs;
	struct fab_config_errors *notes;
	const char *map_path;
	struct fab_model *m; /* fabric, policy, management and LANs from the map */
	struct imap map;
	struct imp_file ixf; /* the IX-F export, if given */
	struct imp_seen *seen;
	size_t nseen, capseen;
	bool ixf_macs; /* some IX-F connection gave a MAC */
	bool nomem;
};

/* Where a binding being filled sits, and the record it came from. */
struct imp_place {
	struct imp_file *f;
	const char *rec;
	size_t member, conn, binding; /* indexes into the model */
};

/* Messages: "FILE:LINE:COL: REC: text"; n may be NULL (then no position). */
__attribute__((format(printf, 5, 6))) void imp_err(struct imp *im, const struct imp_file *f,
						   const yaml_node_t *n, const char *rec,
						   const char *fmt, ...);
__attribute__((format(printf, 5, 6))) void imp_note(struct imp *im, const struct imp_file *f,
						    const yaml_node_t *n, const char *rec,
						    const char *fmt, ...);

/*
 * Reads and parses a YAML or JSON file; false (reported) if it cannot. A
 * key given twice in one mapping is an error: which value is meant is a
 * guess. With complete set, a block-style YAML document must end with the
 * end marker `...`, so a download cut short is refused, not half imported.
 */
bool imp_file_open(struct imp *im, struct imp_file *f, const char *path, bool complete);
void imp_file_close(struct imp_file *f);

/*
 * Lenient readers for export records, which carry many keys peerlan does
 * not use: a key's value (NULL if absent or null), and typed values that
 * report a wrong type against the record.
 */
yaml_node_t *imp_get(struct imp_file *f, yaml_node_t *map, const char *key);
yaml_node_t *imp_item(struct imp_file *f, yaml_node_item_t *it, size_t i);
yaml_node_item_t *imp_list(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec,
			   const char *what, size_t *cnt);
const char *imp_str(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec,
		    const char *what);
bool imp_u32(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec, const char *what,
	     uint32_t max, uint32_t *out);
bool imp_bool(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec, const char *what,
	      bool *out);

/* The LAN the map's 'ixf-vlans' gives an IX-F VLAN id, or -1. */
int imp_ixf_lan(const struct imp *im, uint32_t id);

/* The map's port for an interface name (or port name), or NULL. */
struct imap_port *imp_map_port(struct imp *im, const char *iface, bool by_port_name);
/* True (and marked used) if the map excludes this interface or member. */
bool imp_excluded(struct imp *im, const char *name);

/* Adds a port to the model from the map's entry; its index or -1. */
int imp_add_port(struct imp *im, struct imap_port *mp, enum fab_port_kind kind,
		 enum fab_port_mode mode, uint32_t speed_mbps, const char *description);
/* Adds a LAN to a port unless it carries it already. */
void imp_spare_ports(struct imp *im);
void imp_port_add_lan(struct imp *im, int port, uint16_t lan);
/* The member with this ASN, created with name if new; its index or -1. */
int imp_member(struct imp *im, uint32_t asn, const char *name);
/* Starts the binding of member on port and LAN (creating the connection); false on no memory. */
bool imp_binding(struct imp *im, struct imp_place *pl, int port, uint16_t lan);
/* Adds a MAC or an address, given as text, to the binding at pl, checking it. */
void imp_add_mac(struct imp *im, struct imp_place *pl, yaml_node_t *n, const char *text);
void imp_add_ip(struct imp *im, struct imp_place *pl, yaml_node_t *n, const char *text, bool v6);

/* The readers: fill im->m with ports and members. */
void imp_ixpm(struct imp *im);
void imp_ixf(struct imp *im);
/*
 * IX-F as a directory for IXP Manager: the member (ASN and name) whose
 * connection in the export uses any of these MACs or addresses; 0 if none,
 * -1 (reported against rec) if they belong to several members.
 */
long imp_ixf_owner(struct imp *im, const fab_mac_t *macs, size_t nmacs, const char *const *ips,
		   size_t nips, const char **name, struct imp_file *f, yaml_node_t *n,
		   const char *rec);
/* The member's name in the IX-F export, or NULL; *listed says whether the ASN is there. */
const char *imp_ixf_name(struct imp *im, uint32_t asn, bool *listed);
/*
 * Checks the IX-F export's header (version, the exchange) and takes its LAN
 * prefixes for the map's LANs that give none, checking those that do.
 * False (reported) if the header is wrong: then nothing else of the export
 * is read, so one wrong version does not become an error per member.
 */
bool imp_ixf_prefixes(struct imp *im);

#endif
