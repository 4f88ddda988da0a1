/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds fab_model instances in C for the unit tests, without the YAML
 * loader, so table and pipeline tests depend on nothing but the model.
 * Allocation failures abort: a test cannot continue without its fixture.
 */
#ifndef PEERLAN_TESTS_FIXTURE_H
#define PEERLAN_TESTS_FIXTURE_H

#include <stdbool.h>

#include "fabric/model.h"

/* An empty model with the policy defaults. */
struct fab_model *fx_model(void);
/* Each returns the new object's index. */
uint16_t fx_lan(struct fab_model *m, const char *name, uint16_t vlan, enum fab_neigh_policy neigh);
uint16_t fx_port(struct fab_model *m, const char *name, enum fab_port_kind kind,
		 enum fab_port_mode mode, uint16_t mtu, size_t nlans, const uint16_t *lans);
int fx_member(struct fab_model *m, uint32_t asn, const char *name);
/* The binding of member on port for lan, created (with its connection) if new. */
struct fab_binding *fx_bind(struct fab_model *m, int member, uint16_t port, uint16_t lan);
void fx_mac(struct fab_binding *b, fab_mac_t mac);
void fx_ip4(struct fab_binding *b, const char *addr);
void fx_ip6(struct fab_binding *b, const char *addr);
/*
 * DESIGN.md invariant 5 on each of the n ports of stats: rx_packets is
 * forwarded + steered + answered + decapsulated + every drop, and
 * rx_discards every drop.
 */
struct fab_port_stats;
bool fx_accounts(const struct fab_port_stats *stats, size_t n);
/* Parses or aborts; for literals in tests. */
uint32_t fx_parse4(const char *s);
struct fab_ip6 fx_parse6(const char *s);

/*
 * The exchange most pipeline tests run on. Two LANs: FX_LAN_STEER (VLAN 100,
 * steering) and FX_LAN_PROXY (VLAN 200, proxy answers). Ports, in order:
 *   FX_P_A    edge, access, LAN 100, MTU 1500: member A
 *   FX_P_B    edge, access, LAN 100, MTU 1500: member B
 *   FX_P_C    edge, trunk 100+200, MTU 9000:   member C on both LANs
 *   FX_P_CORE core, trunk 100+200, MTU 9000:   member D (100), member E (200)
 *   FX_P_F    edge, access, LAN 200, MTU 1500: member F (tests set it down)
 *   FX_P_G    edge, access, LAN 100, MTU 1280: member G
 * Member X on LAN 100 has MAC 02:00:00:00:00:0x, 192.0.2.x, 2001:db8::x and
 * on LAN 200 MAC 02:00:00:00:01:0x, 198.51.100.x, 2001:db8:1::x, where x is
 * the hex digit in the FX_MAC_* names below (A=0xa ... G=0x7).
 */
enum { FX_LAN_STEER, FX_LAN_PROXY };
enum { FX_P_A, FX_P_B, FX_P_C, FX_P_CORE, FX_P_F, FX_P_G, FX_NPORTS };
#define FX_MAC_A  0x02000000000aULL
#define FX_MAC_B  0x02000000000bULL
#define FX_MAC_C  0x02000000000cULL
#define FX_MAC_D  0x02000000000dULL
#define FX_MAC_G  0x020000000007ULL
#define FX_MAC_C2 0x02000000010cULL /* C on the proxy LAN */
#define FX_MAC_E2 0x02000000010eULL
#define FX_MAC_F2 0x02000000010fULL
struct fab_model *fx_exchange(void);

#endif
