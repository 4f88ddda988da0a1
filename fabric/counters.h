/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every per-port counter and every drop reason, declared once.
 *
 * The dataplane counts with the enums, the CLI prints the names, and the
 * exporters (Prometheus, telemetry, sFlow) publish them with the help texts;
 * adding a reason here adds it everywhere. Names are stable: they appear in
 * exported metric labels that NOC graphs depend on, so rename nothing.
 *
 * Accounting invariant (DESIGN.md, invariant 5), per port on ingress:
 *   rx_packets = forwarded + steered + answered + decapsulated + sum(drop reasons)
 * where decapsulated is 0 but on the underlay port: a VXLAN frame it
 * decapsulates is counted again, as its inner frame, on the VTEP port of
 * the node that sent it.
 * and for the copies the pipeline makes for the control process, once none
 * is on its way (in a punt ring or the control socket's output queue):
 *   punted = punt_delivered + punt_policed + punt_no_buffer + punt_ring_full
 *            + punt_no_control + punt_socket_busy + punt_disconnected
 * rx_missed counts frames that never became rx_packets: what reached the
 * port is rx_packets + rx_missed. New counters go last, so that the wire
 * format's older readers, which ignore counters past their own, still
 * decode the ones they know.
 */
#ifndef PEERLAN_FABRIC_COUNTERS_H
#define PEERLAN_FABRIC_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

/* X(name, help) */
#define FAB_PORT_COUNTERS(X)                                                                     \
	X(rx_packets, "Frames received on the port")                                             \
	X(rx_octets, "Octets received on the port, without FCS")                                 \
	X(rx_unicast, "Unicast frames received")                                                 \
	X(rx_multicast, "Multicast frames received (IPv6 ND and anything dropped)")              \
	X(rx_broadcast, "Broadcast frames received (ARP and anything dropped)")                  \
	X(rx_discards, "Frames received and dropped, all reasons together")                      \
	X(rx_errors, "Frames received that were malformed (runt, truncated header)")             \
	X(forwarded, "Received frames forwarded to their destination port")                      \
	X(steered, "ARP/ND requests sent only to the owner of the address")                      \
	X(answered, "ARP/ND requests the fabric answered itself (proxy or sponge)")              \
	X(punted, "Copies for the control process (not part of the accounting sum)")             \
	X(tx_packets, "Frames transmitted on the port")                                          \
	X(tx_octets, "Octets transmitted on the port, without FCS")                              \
	X(tx_unicast, "Unicast frames transmitted")                                              \
	X(tx_multicast, "Multicast frames transmitted")                                          \
	X(tx_broadcast, "Broadcast frames transmitted")                                          \
	X(tx_discards, "Frames for this port dropped because its transmit queue was full")       \
	X(rx_missed, "Frames lost before the dataplane read them: device or kernel ring full "   \
		     "(not part of the accounting sum)")                                         \
	X(punt_delivered, "Punted copies written to the control process's socket")               \
	X(punt_policed, "Punted copies over the punt policer's rate (policy.punt)")              \
	X(punt_no_buffer, "Punted copies lost for want of a buffer")                             \
	X(punt_ring_full, "Punted copies lost because the punt ring was full")                   \
	X(punt_no_control, "Punted copies lost because no control process was connected")        \
	X(punt_socket_busy, "Punted copies lost because control read too slowly")                \
	X(punt_disconnected, "Punted copies queued for control when its connection closed")      \
	X(decapsulated, "VXLAN frames the underlay port decapsulated and passed on as received " \
			"on their remote VTEP's port")

/*
 * X(name, class, help): one reason per rule. The list's order is the
 * reasons' numbering, which indexes the XDP pre-filter's map; it is not
 * the order the rules are checked in, which the header of
 * fabric/pipeline.c gives (edp, say, is checked before link_local, and
 * truncated with the protocol rules). The class says what else a drop
 * counts for:
 *   OFFENCE  a source-MAC or protocol violation of the sender: the port's
 *            last offender, port security's violation actions;
 *   ERROR    a frame broken rather than forbidden: rx_errors too;
 *   OTHER    neither: the frame's state or the fabric's (a port down, an
 *            unknown destination, storm control, quarantine).
 */
#define FAB_DROP_REASONS(X)                                                                        \
	X(port_down, OTHER, "Ingress port is administratively down or err-disabled")               \
	X(runt, ERROR, "Frame shorter than the 60-byte Ethernet minimum")                          \
	X(oversize, OTHER, "Frame longer than the port's or its LAN's MTU allows")                 \
	X(truncated, ERROR, "Header cut short: the frame ends inside a header the policy reads")   \
	X(vlan_tagged_on_access, OFFENCE, "802.1Q tagged frame on an access port")                 \
	X(vlan_untagged_on_trunk, OFFENCE, "Untagged frame on a trunk port")                       \
	X(vlan_not_allowed, OFFENCE, "VLAN tag not allowed on this port")                          \
	X(vlan_double_tag, OFFENCE, "Second VLAN tag (QinQ or double tagging)")                    \
	X(src_mac_violation, OFFENCE, "Source MAC not provisioned on this port and LAN")           \
	X(link_local, OFFENCE,                                                                     \
	  "IEEE link-local destination 01:80:c2:00:00:0x (STP, LACP, 802.1X, LLDP)")               \
	X(cisco_discovery, OFFENCE, "Cisco CDP/VTP/DTP/PVST+ destination 01:00:0c:cc:cc:cc/cd")    \
	X(edp, OFFENCE, "Extreme Discovery Protocol destination 00:e0:2b:00:00:00")                \
	X(lldp, OFFENCE, "LLDP EtherType 0x88cc")                                                  \
	X(vendor_discovery, OFFENCE, "Vendor discovery EtherType (0x88bf, 0x9998, 0x999a)")        \
	X(llc_snap, OFFENCE, "802.3 length field instead of an EtherType (LLC/SNAP)")              \
	X(ethertype, OFFENCE, "EtherType outside the allow-list")                                  \
	X(ipv4_dhcp, OFFENCE, "DHCP/BOOTP (UDP 67/68)")                                            \
	X(ipv4_igmp, OFFENCE, "IGMP")                                                              \
	X(ipv4_pim, OFFENCE, "PIM over IPv4")                                                      \
	X(ipv4_ospf, OFFENCE, "OSPF")                                                              \
	X(ipv4_vrrp, OFFENCE, "VRRP over IPv4")                                                    \
	X(ipv4_icmp_redirect, OFFENCE, "ICMP redirect")                                            \
	X(ipv4_multicast, OFFENCE, "IPv4 to a multicast destination")                              \
	X(ipv6_ext_chain, OFFENCE, "IPv6 extension header chain longer than the policy walks")     \
	X(ipv6_ra, OFFENCE, "IPv6 router advertisement")                                           \
	X(ipv6_rs, OFFENCE, "IPv6 router solicitation")                                            \
	X(ipv6_redirect, OFFENCE, "IPv6 redirect")                                                 \
	X(ipv6_mld, OFFENCE, "IPv6 multicast listener discovery")                                  \
	X(ipv6_ospf, OFFENCE, "OSPFv3")                                                            \
	X(ipv6_pim, OFFENCE, "PIM over IPv6")                                                      \
	X(ipv6_dhcp, OFFENCE, "DHCPv6 (UDP 546/547)")                                              \
	X(ipv6_vrrp, OFFENCE, "VRRP over IPv6")                                                    \
	X(ipv6_multicast, OFFENCE, "IPv6 multicast other than neighbour discovery")                \
	X(arp_malformed, ERROR, "ARP that is not Ethernet/IPv4 request or reply")                  \
	X(arp_spoof, OFFENCE,                                                                      \
	  "ARP whose sender MAC or address does not belong to the sending member")                 \
	X(arp_unknown_target, OTHER, "ARP request for an address no member owns")                  \
	X(arp_owner_down, OTHER, "ARP request for an address whose owner's port is down")          \
	X(arp_dad, OTHER, "ARP probe (sender 0.0.0.0) for its own address or one nobody owns")     \
	X(arp_gratuitous, OTHER, "Gratuitous ARP from the address owner (punted)")                 \
	X(nd_malformed, ERROR, "Neighbour discovery message that fails its checks")                \
	X(nd_spoof, OFFENCE, "Neighbour discovery with an address or MAC the member does not own") \
	X(nd_unknown_target, OTHER, "Neighbour solicitation for an address no member owns")        \
	X(nd_owner_down, OTHER,                                                                    \
	  "Neighbour solicitation for an address whose owner's port is down")                      \
	X(nd_dad, OTHER, "DAD solicitation (from ::) for its own address or one nobody owns")      \
	X(nd_unsolicited, OTHER, "Unsolicited neighbour advertisement to multicast (punted)")      \
	X(broadcast, OFFENCE, "Broadcast other than ARP")                                          \
	X(multicast, OFFENCE, "Multicast other than IPv6 neighbour discovery")                     \
	X(unknown_unicast, OTHER, "Destination MAC not provisioned on this LAN")                   \
	X(sponge_mac, OTHER,                                                                       \
	  "Frame to the sponge's MAC (punted so control can correct the sender)")                  \
	X(hairpin, OTHER, "Destination MAC is on the ingress port")                                \
	X(dst_port_down, OTHER, "Destination port is down or err-disabled")                        \
	X(dst_mtu, OTHER, "Frame larger than the destination port's MTU")                          \
	X(storm, OTHER, "ARP/ND storm control: over the port's rate")                              \
	X(quarantine, OTHER, "Port is in quarantine: nothing reaches production")                  \
	X(no_buffer, OTHER, "No buffer to build a reply or a copy")                                \
	X(blackhole, OTHER, "Frame to the LAN's blackhole MAC (RFC 7999 blackholing)")             \
	X(rate_limit, OTHER, "Over the sub-rate port's policed rate (ports rate-limit)")           \
	X(vxlan_src_mac, OFFENCE,                                                                  \
	  "Frame from a remote VTEP whose source MAC the member database does not place there")    \
	X(vxlan_unknown_vtep, OTHER, "VXLAN frame from an address that is no configured VTEP")     \
	X(vxlan_unknown_vni, OTHER, "VXLAN frame with a VNI that no LAN of its VTEP uses")         \
	X(vxlan_malformed, ERROR,                                                                  \
	  "VXLAN frame with outer headers cut short, IPv4 options or fragments, or no VNI flag")   \
	X(vxlan_transit, OTHER,                                                                    \
	  "Frame from a remote VTEP for a member behind another one: nodes do not relay")          \
	X(underlay_other, OTHER,                                                                   \
	  "Frame on the underlay port that is neither VXLAN nor ARP for this node's VTEP")     \
	X(scattered, OTHER,                                                                        \
	  "Frame in several buffers whose headers or ARP/ND message run past the first")

#define FAB_X_ENUM_CTR(name, help)          FAB_CTR_##name,
#define FAB_X_ENUM_DROP(name, class, help)  FAB_DROP_##name,
#define FAB_X_DROP_CLASS(name, class, help) FAB_DROP_CLASS_##class,

enum fab_counter { FAB_PORT_COUNTERS(FAB_X_ENUM_CTR) FAB_CTR__COUNT };
enum fab_drop_reason { FAB_DROP_REASONS(FAB_X_ENUM_DROP) FAB_DROP__COUNT };
enum fab_drop_class { FAB_DROP_CLASS_OTHER, FAB_DROP_CLASS_OFFENCE, FAB_DROP_CLASS_ERROR };

/*
 * One port's counters as one worker keeps them. Each worker has its own
 * array, so no two cores write one cache line; readers sum over workers.
 */
struct fab_port_stats {
	uint64_t ctr[FAB_CTR__COUNT];
	uint64_t drop[FAB_DROP__COUNT];
	/* The last frame dropped for a source-MAC or protocol violation. */
	uint64_t last_offender_mac;  /* fab_mac_t */
	uint64_t last_offender_time; /* caller's clock, see fab_pipeline_ctx.now */
	uint16_t last_offender_ethertype;
	uint16_t last_offender_reason; /* enum fab_drop_reason */
} __attribute__((aligned(64)));

const char *fab_counter_name(enum fab_counter c);
const char *fab_counter_help(enum fab_counter c);
const char *fab_drop_name(enum fab_drop_reason r);
const char *fab_drop_help(enum fab_drop_reason r);
/* FAB_DROP_CLASS_OTHER for a reason out of range. */
enum fab_drop_class fab_drop_class(enum fab_drop_reason r);
/* Whether a drop reason is an offence of the sender, the reasons that set the last offender. */
bool fab_drop_is_offence(unsigned reason);
/* Reason by name, or -1. */
int fab_drop_by_name(const char *name);

/* dst += src, for summing per-worker copies on read. */
void fab_port_stats_add(struct fab_port_stats *dst, const struct fab_port_stats *src);
/* Punted copies lost, every reason together (punt_policed ... punt_disconnected). */
uint64_t fab_punt_lost(const struct fab_port_stats *s);

#endif
