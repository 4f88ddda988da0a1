/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protocol constants the exchange's rules are written in.
 *
 * This header is shared by the pipeline (pipeline.c) and the XDP pre-filter
 * (BPF C, compiled with clang -target bpf), so the two can never disagree on
 * what a rule matches. It therefore holds only macros and must stay free of
 * includes and of anything the BPF target cannot compile.
 */
#ifndef PEERLAN_FABRIC_PROTO_H
#define PEERLAN_FABRIC_PROTO_H

#define FAB_ETH_HLEN      14
#define FAB_VLAN_HLEN     4
#define FAB_ETH_MIN_LEN   60 /* without FCS */
#define FAB_ETH_ADDR_LEN  6
#define FAB_ETHERTYPE_MIN 0x0600 /* below: an 802.3 length field (LLC/SNAP) */
#define FAB_ETH_OFF_DST   0
#define FAB_ETH_OFF_SRC   6
#define FAB_ETH_OFF_TYPE  12     /* EtherType, or the tag's TPID */
#define FAB_VLAN_VID_MASK 0x0fff /* of the tag control word after the TPID */

#define FAB_ETH_P_IPV4    0x0800
#define FAB_ETH_P_ARP     0x0806
#define FAB_ETH_P_8021Q   0x8100
#define FAB_ETH_P_8021AD  0x88a8
#define FAB_ETH_P_QINQ1   0x9100 /* pre-standard QinQ tags */
#define FAB_ETH_P_IPV6    0x86dd
#define FAB_ETH_P_LLDP    0x88cc
#define FAB_ETH_P_SLOW    0x8809 /* LACP, marker */
#define FAB_ETH_P_PAE     0x888e /* 802.1X */
#define FAB_ETH_P_MNDP    0x88bf /* MikroTik neighbour discovery */
#define FAB_ETH_P_HUAWEI1 0x9998 /* Huawei/H3C discovery (HGMP/NDP) */
#define FAB_ETH_P_HUAWEI2 0x999a

/* Destination MAC ranges, as 48-bit numbers (see fab_mac_t). */
#define FAB_MAC_BROADCAST       0xffffffffffffULL
#define FAB_MAC_IEEE_LL_BASE    0x0180c2000000ULL /* ..00 to ..0f: STP, LACP, 802.1X, LLDP */
#define FAB_MAC_IEEE_LL_MASK    0xfffffffffff0ULL
#define FAB_MAC_CISCO_CDP       0x01000cccccccULL
#define FAB_MAC_CISCO_PVST      0x01000ccccccdULL
#define FAB_MAC_EDP             0x00e02b000000ULL
#define FAB_MAC_IPV6_MCAST_BASE 0x333300000000ULL /* 33:33:xx:xx:xx:xx */
#define FAB_MAC_IPV6_MCAST_MASK 0xffff00000000ULL
#define FAB_MAC_IPV6_ALL_NODES  0x333300000001ULL /* ff02::1's */
#define FAB_MAC_IPV6_SNMC_BASE  0x3333ff000000ULL /* solicited-node multicast */
#define FAB_MAC_IPV6_SNMC_MASK  0xffffff000000ULL
#define FAB_MAC_IPV4_MCAST_BASE 0x01005e000000ULL
#define FAB_MAC_IPV4_MCAST_MASK 0xffffff800000ULL

/* IPv4 */
#define FAB_IPV4_HLEN_MIN  20
#define FAB_IPV4_VERSION   4
#define FAB_IPV4_ADDR_LEN  4
#define FAB_IPV4_OFF_LEN   2 /* total length */
#define FAB_IPV4_OFF_FRAG  6 /* flags and fragment offset */
#define FAB_IPV4_OFF_PROTO 9
#define FAB_IPV4_OFF_SRC   12
#define FAB_IPV4_OFF_DST   16
#define FAB_IPPROTO_ICMP   1
#define FAB_IPPROTO_IGMP   2
#define FAB_IPPROTO_TCP    6
#define FAB_IPPROTO_UDP    17
#define FAB_IPPROTO_OSPF   89
#define FAB_IPPROTO_PIM    103
#define FAB_IPPROTO_VRRP   112
#define FAB_ICMP_REDIRECT  5
#define FAB_UDP_BOOTPS     67
#define FAB_UDP_BOOTPC     68

/* IPv6 */
#define FAB_IPV6_HLEN         40
#define FAB_IPV6_VERSION      6
#define FAB_IPV6_VFC          0x60000000 /* first word: version 6, traffic class and flow 0 */
#define FAB_IPV6_ADDR_LEN     16
#define FAB_IPV6_OFF_PLEN     4 /* payload length */
#define FAB_IPV6_OFF_NH       6
#define FAB_IPV6_OFF_HLIM     7
#define FAB_IPV6_OFF_SRC      8
#define FAB_IPV6_OFF_DST      24
#define FAB_IPV6_MCAST        0xff   /* first byte of a multicast address */
#define FAB_IPV6_LL_PREFIX    0xfe80 /* fe80::/10, link-local: first 16 bits masked */
#define FAB_IPV6_LL_MASK      0xffc0
#define FAB_IPPROTO_HOPOPTS   0
#define FAB_IPPROTO_ROUTING   43
#define FAB_IPPROTO_FRAGMENT  44
#define FAB_IPPROTO_ICMPV6    58
#define FAB_IPPROTO_NONE      59
#define FAB_IPPROTO_DSTOPTS   60
#define FAB_IPV6_EXT_MAX      8 /* extension headers walked before giving up */
#define FAB_ICMP6_MLD_QUERY   130
#define FAB_ICMP6_MLD_REPORT  131
#define FAB_ICMP6_MLD_DONE    132
#define FAB_ICMP6_RS          133
#define FAB_ICMP6_RA          134
#define FAB_ICMP6_NS          135
#define FAB_ICMP6_NA          136
#define FAB_ICMP6_REDIRECT    137
#define FAB_ICMP6_MLD2_REPORT 143
#define FAB_UDP_DHCP6_CLIENT  546
#define FAB_UDP_DHCP6_SERVER  547

/* ARP, Ethernet/IPv4 only */
#define FAB_ARP_LEN        28
#define FAB_ARP_HTYPE_ETH  1
#define FAB_ARP_OP_REQUEST 1
#define FAB_ARP_OP_REPLY   2
#define FAB_ARP_PLEN_IPV4  4
/* ARP fields, as offsets from the start of the ARP header */
#define FAB_ARP_OFF_HTYPE 0
#define FAB_ARP_OFF_PTYPE 2
#define FAB_ARP_OFF_HLEN  4
#define FAB_ARP_OFF_PLEN  5
#define FAB_ARP_OFF_OP    6
#define FAB_ARP_OFF_SHA   8
#define FAB_ARP_OFF_SPA   14
#define FAB_ARP_OFF_THA   18
#define FAB_ARP_OFF_TPA   24

/* Header sizes, bit fields and ranges the pipeline's rules read. */
#define FAB_IPV4_FRAG_OFF     0x1fff     /* fragment offset bits of the flags word */
#define FAB_IPV4_MCAST_NET    0xe0000000 /* 224.0.0.0/4 */
#define FAB_IPV4_MCAST_MASK   0xf0000000
#define FAB_UDP_HLEN          8
#define FAB_ICMP_HLEN         8
#define FAB_IPPROTO_AH        51 /* walked like an IPv6 extension header, length in 4-byte units */
#define FAB_IPV6_FRAG_HLEN    8
#define FAB_IPV6_EXT_HLEN_MIN 8      /* an extension header: next header, length, 6 more */
#define FAB_IPV6_FRAG_OFF     0xfff8 /* fragment offset bits of the fragment header */
#define FAB_ICMP6_HLEN        4
#define FAB_ARP_PTYPE_IPV4    0x0800

/* Neighbour discovery (RFC 4861) */
#define FAB_ND_HOP_LIMIT    255
#define FAB_ND_MSG_LEN      24 /* NS/NA: ICMPv6 header, flags or reserved, target */
#define FAB_ICMP6_OFF_TYPE  0
#define FAB_ICMP6_OFF_CODE  1
#define FAB_ICMP6_OFF_CSUM  2
#define FAB_ND_OFF_FLAGS    4 /* NA: R, S, O; NS: reserved */
#define FAB_ND_OFF_TARGET   8
#define FAB_ND_OFF_OPTS     FAB_ND_MSG_LEN
#define FAB_ND_OPT_UNIT     8 /* an option's length field counts 8-byte units */
#define FAB_ND_OPT_LLA_LEN  8 /* a link-layer address option on Ethernet: type, 1, MAC */
#define FAB_ND_OPT_SLLA     1
#define FAB_ND_OPT_TLLA     2
#define FAB_ND_NA_ROUTER    0x80 /* first byte of the NA flags word */
#define FAB_ND_NA_SOLICITED 0x40
#define FAB_ND_NA_OVERRIDE  0x20

/* VXLAN (RFC 7348) over IPv4: outer Ethernet, IPv4 without options, UDP, VXLAN. */
#define FAB_VXLAN_PORT      4789
#define FAB_VXLAN_HLEN      8
#define FAB_VXLAN_FLAG_I    0x08 /* first byte: the VNI is valid */
#define FAB_VXLAN_OUTER_LEN (FAB_ETH_HLEN + FAB_IPV4_HLEN_MIN + FAB_UDP_HLEN + FAB_VXLAN_HLEN)
/* What the underlay's IP MTU needs beside a LAN's: outer IPv4, UDP, VXLAN, inner Ethernet. */
#define FAB_VXLAN_OVERHEAD  (FAB_IPV4_HLEN_MIN + FAB_UDP_HLEN + FAB_VXLAN_HLEN + FAB_ETH_HLEN)
#define FAB_VXLAN_SPORT_MIN 49152 /* entropy source ports: 49152..65535 (RFC 7348 5) */

#endif
