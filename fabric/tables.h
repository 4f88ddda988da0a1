/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookup tables compiled from a model for the per-frame pipeline.
 *
 * A table set is immutable once built: the dataplane builds a new one beside
 * the one in use and publishes it with a single pointer swap (RCU), so a
 * worker always sees one whole configuration. The tables are laid out for
 * lookup speed on a static set (open addressing sized for a low load
 * factor, keys that fit one word), not for updates.
 */
#ifndef PEERLAN_FABRIC_TABLES_H
#define PEERLAN_FABRIC_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct fab_tables;
struct fab_mx_ids;

/*
 * Compiles a validated model. The result does not refer to the model, which
 * may be freed afterwards. Returns NULL and sets errno (ENOMEM, or EINVAL for
 * a model that breaks an invariant the loader should have caught).
 */
struct fab_tables *fab_tables_build(const struct fab_model *m, uint64_t generation);
/*
 * Gives each binding of t the traffic matrix's id of its member on its LAN
 * (matrix.h), new ones from ids for members it has not seen; before t is
 * published, by the one thread that owns ids.
 */
void fab_tables_mx_ids(struct fab_tables *t, struct fab_mx_ids *ids);
/* Frees a table set. Accepts NULL. Only after no reader can still hold it. */
void fab_tables_destroy(struct fab_tables *t);

uint64_t fab_tables_generation(const struct fab_tables *t);
uint16_t fab_tables_nports(const struct fab_tables *t);

/* Who a MAC or an address belongs to on one LAN, as the pipeline sees it. */
struct fab_owner {
	fab_mac_t mac;    /* for an address: the first MAC of its binding */
	uint16_t port;    /* fabric port index (a core port for members behind it) */
	uint16_t lan;     /* LAN index */
	uint32_t member;  /* index into the model's members */
	uint32_t binding; /* dense number of the (member, connection, LAN) binding */
};

/*
 * Lookups for the control process, the CLI and tests; the pipeline uses its
 * own inlined bulk versions. Each returns 0 and fills *out, or -ENOENT.
 */
int fab_tables_lookup_mac(const struct fab_tables *t, uint16_t lan, fab_mac_t mac,
			  struct fab_owner *out);
int fab_tables_lookup_ip4(const struct fab_tables *t, uint16_t lan, uint32_t addr,
			  struct fab_owner *out);
int fab_tables_lookup_ip6(const struct fab_tables *t, uint16_t lan, const struct fab_ip6 *addr,
			  struct fab_owner *out);
/*
 * Sets the addresses the sponge answers for (tables_sponge.c), each 16 bytes
 * with IPv4 mapped (::ffff:a.b.c.d); replaces any earlier set, and is empty
 * whatever addrs holds while the model's policy disables the sponge. Only on
 * tables no reader holds yet, before they are published. 0 or -ENOMEM.
 */
int fab_tables_set_sponged(struct fab_tables *t, const uint8_t (*addrs)[16], size_t n);
size_t fab_tables_nsponged(const struct fab_tables *t);
/* The policy's punt policer rates, per port and in total. */
void fab_tables_punt_rates(const struct fab_tables *t, struct fab_rate *port,
			   struct fab_rate *total);

/*
 * A sub-rate port's ingress policer: its rate in bit/s (0: not policed,
 * also for a port the tables do not know) and burst in bytes.
 */
uint64_t fab_tables_port_rate(const struct fab_tables *t, uint16_t port, uint32_t *burst);

/* The LAN a frame with this 802.1Q id (0: untagged) belongs to on port, or -1. */
int fab_tables_lan_of(const struct fab_tables *t, uint16_t port, uint16_t vlan);

#endif
