#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/.

The pipeline seeds are real frames of every kind the exchange's rules cover,
built with scapy for the test exchange of tests/unit/fixture.h, in the input
format of fuzz_pipeline.c: ingress port byte, port-down mask byte, context
byte (quarantine, sponge, storm control), then frames as a 2-byte
big-endian length and the bytes. The other corpora are
the repository's sample files, a few broken ones, and encoded control
messages and CLI lines. Run it again after changing the fixture or the wire
format, and commit the result:  /usr/bin/python3 tests/fuzz/gen_corpus.py
A failing input a fuzzer found is kept as tests/fuzz/corpus/TARGET/regress-*,
which this script leaves in place.
"""
import os
import re
import struct
import sys

from scapy.all import (ARP, BOOTP, DHCP, GRE, ICMP, IP, LLC, SNAP, STP, TCP, UDP, Dot1Q, Dot3,
                       Ether, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6MLQuery,
                       ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                       ICMPv6ND_Redirect, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw, raw)
from scapy.layers.vxlan import VXLAN
from scapy.contrib.igmp import IGMP
from scapy.contrib.ospf import OSPF_Hdr
from scapy.layers.dhcp6 import DHCP6_Solicit
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.contrib.pim import PIMv2Hdr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, 'corpus')

# The test exchange (tests/unit/fixture.h).
P_A, P_B, P_C, P_CORE, P_F, P_G = range(6)
# The VXLAN ports fuzz_pipeline.c adds: the underlay, member R's remote VTEP; then none.
P_U, P_V, P_NONE = 6, 7, 8
R = 0x21
VTEP_MAC, NH_MAC, VTEP_IP, V_IP = '02:aa:00:00:00:01', '02:bb:00:00:00:01', '198.18.0.1', '198.18.0.2'
CTX_ROOMY = 0x20
STEER, PROXY = 100, 200
# The context byte of fuzz_pipeline.c.
CTX_QUARANTINE_STEER, CTX_QUARANTINE_PROXY, CTX_SPONGED, CTX_SPONGE_OFF, CTX_STORM = \
    0x01, 0x02, 0x04, 0x08, 0x10
STORM_BURST = 3
VNI = {STEER: 10100, PROXY: 10200}


def mac(x, lan=STEER):
    return '02:00:00:00:%02x:%02x' % (1 if lan == PROXY else 0, x)


def ip4(x, lan=STEER):
    return ('198.51.100.%d' if lan == PROXY else '192.0.2.%d') % x


def ip6(x, lan=STEER):
    return ('2001:db8:1::%x' if lan == PROXY else '2001:db8::%x') % x


A, B, C, D, E, F, G = 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x7
BCAST = 'ff:ff:ff:ff:ff:ff'


def snm(addr):
    """Solicited-node group and its MAC for an IPv6 address."""
    import ipaddress
    low = ipaddress.IPv6Address(addr).packed[13:]
    group = ipaddress.IPv6Address(b'\xff\x02' + b'\0' * 9 + b'\x01\xff' + low)
    return str(group), '33:33:ff:%02x:%02x:%02x' % tuple(low)


def pad(p):
    b = raw(p)
    return b + b'\0' * max(0, 60 - len(b))


def seed(port, frames, down=0, ctx=0):
    out = bytes([port, down, ctx])
    for f in frames:
        b = f if isinstance(f, bytes) else pad(f)
        out += struct.pack('>H', len(b)) + b
    return out


def eth(src, dst, lan=STEER, tag=None):
    e = Ether(src=src, dst=dst)
    return e / Dot1Q(vlan=tag) if tag is not None else e


def pipeline_seeds():
    s = {}
    a, b, g = mac(A), mac(B), mac(G)
    c, c2, e2, f2 = mac(C), mac(C, PROXY), mac(E, PROXY), mac(F, PROXY)
    tcp = IP(src=ip4(A), dst=ip4(B)) / TCP(sport=179, dport=40000, flags='PA') / Raw(b'bgp')

    # Forwarding: access to access, to a trunk, trunk to core, IPv6, jumbo.
    s['fwd-ipv4-a-b'] = seed(P_A, [Ether(src=a, dst=b) / tcp])
    s['fwd-ipv4-a-c'] = seed(P_A, [Ether(src=a, dst=c) / IP(src=ip4(A), dst=ip4(C)) / TCP()])
    s['fwd-ipv4-c-d-tagged'] = seed(P_C, [eth(c, mac(D), tag=STEER) / IP(src=ip4(C), dst=ip4(D))
                                          / TCP()])
    s['fwd-ipv4-c2-e2-tagged'] = seed(P_C, [eth(c2, e2, tag=PROXY) /
                                            IP(src=ip4(C, PROXY), dst=ip4(E, PROXY)) / UDP()])
    s['fwd-ipv4-core-a'] = seed(P_CORE, [eth(mac(D), a, tag=STEER) / IP(src=ip4(D), dst=ip4(A))
                                         / TCP()])
    s['fwd-ipv6-a-b'] = seed(P_A, [Ether(src=a, dst=b) / IPv6(src=ip6(A), dst=ip6(B)) / TCP()])
    s['fwd-ipv6-echo'] = seed(P_B, [Ether(src=b, dst=a) / IPv6(src=ip6(B), dst=ip6(A)) /
                                    ICMPv6EchoRequest()])
    s['fwd-ipv6-frag-later'] = seed(P_A, [Ether(src=a, dst=b) / IPv6(src=ip6(A), dst=ip6(B)) /
                                          IPv6ExtHdrFragment(offset=100, nh=6) / Raw(b'x' * 32)])
    s['fwd-ipv4-frag-later'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B),
                                                                   frag=20, proto=17) /
                                          Raw(b'y' * 30)])
    s['fwd-ipv4-gre'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)) / GRE()])
    s['fwd-jumbo-c-core'] = seed(P_C, [eth(c, mac(D), tag=STEER) /
                                       IP(src=ip4(C), dst=ip4(D)) / UDP() / Raw(b'j' * 8900)])
    s['drop-dst-mtu-c-g'] = seed(P_C, [eth(c, g, tag=STEER) / IP(src=ip4(C), dst=ip4(G)) /
                                       UDP() / Raw(b'j' * 1400)])
    s['fwd-icmp-unreach'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)) /
                                       ICMP(type=3, code=1) / IP() / UDP()])

    # Size and VLAN checks.
    s['runt'] = seed(P_A, [bytes(Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)))[:40]])
    s['runt-tiny'] = seed(P_A, [b'\x02\x00\x00', b''])
    s['oversize'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)) / UDP() /
                               Raw(b'o' * 1600)])
    s['truncated-ipv4'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B), len=400) /
                                     UDP()])
    s['truncated-ipv6'] = seed(P_A, [Ether(src=a, dst=b) / IPv6(src=ip6(A), dst=ip6(B), plen=300)])
    s['truncated-ipv4-ihl'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B), ihl=15,
                                                                  len=46)])
    s['vlan-tagged-on-access'] = seed(P_A, [eth(a, b, tag=STEER) / tcp])
    s['vlan-untagged-on-trunk'] = seed(P_C, [Ether(src=c, dst=a) / IP(src=ip4(C), dst=ip4(A))])
    s['vlan-not-allowed'] = seed(P_C, [eth(c, a, tag=300) / IP(src=ip4(C), dst=ip4(A))])
    s['vlan-double-tag'] = seed(P_C, [Ether(src=c, dst=a) / Dot1Q(vlan=STEER) / Dot1Q(vlan=5) /
                                      IP()])
    s['vlan-qinq-88a8'] = seed(P_A, [Ether(src=a, dst=b, type=0x88a8) / Dot1Q(vlan=STEER) / IP()])
    s['vlan-wrong-lan-c'] = seed(P_C, [eth(c, e2, tag=STEER) / IP(src=ip4(C), dst=ip4(E, PROXY))])

    # Sources.
    s['src-spoof-member'] = seed(P_A, [Ether(src=b, dst=c) / IP(src=ip4(B), dst=ip4(C))])
    s['src-spoof-random'] = seed(P_A, [Ether(src='02:12:34:56:78:9a', dst=b) / IP()])
    s['src-other-lan'] = seed(P_C, [eth(c2, a, tag=STEER) / IP()])

    # Link-local and vendor protocols.
    s['stp-bpdu'] = seed(P_A, [Dot3(src=a, dst='01:80:c2:00:00:00') / LLC() / STP()])
    s['lacp'] = seed(P_A, [Ether(src=a, dst='01:80:c2:00:00:02', type=0x8809) /
                           Raw(b'\x01\x01' + b'\0' * 50)])
    s['dot1x'] = seed(P_A, [Ether(src=a, dst='01:80:c2:00:00:03', type=0x888e) /
                            Raw(b'\x01\x01\x00\x00')])
    s['lldp-mac'] = seed(P_A, [Ether(src=a, dst='01:80:c2:00:00:0e', type=0x88cc) /
                               Raw(b'\x02\x07\x04' + b'\x02' * 6)])
    s['lldp-ethertype'] = seed(P_A, [Ether(src=a, dst=b, type=0x88cc) / Raw(b'\0' * 46)])
    s['cdp'] = seed(P_A, [Dot3(src=a, dst='01:00:0c:cc:cc:cc') /
                          LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(OUI=0x0c, code=0x2000) /
                          Raw(b'\x02\xb4')])
    s['pvst'] = seed(P_A, [Dot3(src=a, dst='01:00:0c:cc:cc:cd') /
                           LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(OUI=0x0c, code=0x010b) /
                           STP()])
    s['edp'] = seed(P_A, [Dot3(src=a, dst='00:e0:2b:00:00:00') /
                          LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(OUI=0xe02b, code=0x00bb)])
    for name, et in (('mikrotik', 0x88bf), ('huawei1', 0x9998), ('huawei2', 0x999a),
                     ('ethertype-other', 0x8847), ('ethertype-ipx', 0x8137)):
        s[name] = seed(P_A, [Ether(src=a, dst=b, type=et) / Raw(b'\0' * 46)])
    s['llc-snap'] = seed(P_A, [Dot3(src=a, dst=b) / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) /
                               SNAP(OUI=0, code=0x0800) / IP()])

    # IPv4 protocols the exchange forbids.
    bc4 = Ether(src=a, dst=BCAST)
    s['dhcp-discover'] = seed(P_A, [bc4 / IP(src='0.0.0.0', dst='255.255.255.255') /
                                    UDP(sport=68, dport=67) / BOOTP(chaddr=b'\x02' * 6) /
                                    DHCP(options=[('message-type', 'discover'), 'end'])])
    s['dhcp-unicast'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)) /
                                   UDP(sport=67, dport=68) / BOOTP()])
    s['igmp'] = seed(P_A, [Ether(src=a, dst='01:00:5e:00:00:16') /
                           IP(src=ip4(A), dst='224.0.0.22') / IGMP()])
    s['pim4'] = seed(P_A, [Ether(src=a, dst='01:00:5e:00:00:0d') /
                           IP(src=ip4(A), dst='224.0.0.13', proto=103) / PIMv2Hdr()])
    s['ospf4'] = seed(P_A, [Ether(src=a, dst='01:00:5e:00:00:05') /
                            IP(src=ip4(A), dst='224.0.0.5') / OSPF_Hdr()])
    s['vrrp4'] = seed(P_A, [Ether(src=a, dst='01:00:5e:00:00:12') /
                            IP(src=ip4(A), dst='224.0.0.18') / VRRP()])
    s['icmp-redirect'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst=ip4(B)) /
                                    ICMP(type=5, code=1, gw=ip4(A)) / IP() / UDP()])
    s['ipv4-mcast'] = seed(P_A, [Ether(src=a, dst='01:00:5e:01:02:03') /
                                 IP(src=ip4(A), dst='239.1.2.3') / UDP()])
    s['ipv4-mcast-unicast-mac'] = seed(P_A, [Ether(src=a, dst=b) / IP(src=ip4(A), dst='239.1.2.3')
                                             / UDP()])
    s['udp-broadcast'] = seed(P_A, [bc4 / IP(src=ip4(A), dst='192.0.2.255') / UDP(dport=137)])
    s['unknown-unicast'] = seed(P_A, [Ether(src=a, dst='02:99:99:99:99:99') / tcp])
    s['hairpin'] = seed(P_A, [Ether(src=a, dst=a) / tcp])
    s['multicast-other'] = seed(P_A, [Ether(src=a, dst='03:00:00:00:00:01') / IP()])
    s['dst-port-down'] = seed(P_A, [Ether(src=a, dst=b) / tcp], down=1 << P_B)
    s['port-down'] = seed(P_A, [Ether(src=a, dst=b) / tcp], down=1 << P_A)
    s['unknown-port'] = seed(P_NONE, [Ether(src=a, dst=b) / tcp])

    # IPv6 control protocols, plain and behind extension headers.
    all_nodes, all_routers = 'ff02::1', 'ff02::2'
    ll = 'fe80::a'

    def v6(dst, dmac, *layers, src=ll):
        p = Ether(src=a, dst=dmac) / IPv6(src=src, dst=dst, hlim=255)
        for layer in layers:
            p = p / layer
        return p
    ra = ICMPv6ND_RA() / ICMPv6NDOptSrcLLAddr(lladdr=a)
    s['ipv6-ra'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01', ra)])
    s['ipv6-ra-hbh'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01', IPv6ExtHdrHopByHop(), ra)])
    s['ipv6-ra-dstopt'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01', IPv6ExtHdrDestOpt(), ra)])
    s['ipv6-ra-frag'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01', IPv6ExtHdrFragment(m=1),
                                      ra)])
    s['ipv6-ra-chain'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01',
                                       *([IPv6ExtHdrDestOpt()] * 9), ra)])
    s['ipv6-rs'] = seed(P_A, [v6(all_routers, '33:33:00:00:00:02', ICMPv6ND_RS())])
    s['ipv6-redirect'] = seed(P_A, [v6(ip6(B), b, ICMPv6ND_Redirect(tgt=ip6(C), dst=ip6(D)))])
    s['ipv6-mld-query'] = seed(P_A, [v6(all_nodes, '33:33:00:00:00:01',
                                        IPv6ExtHdrHopByHop(), ICMPv6MLQuery())])
    s['ipv6-mld2-report'] = seed(P_A, [v6('ff02::16', '33:33:00:00:00:16',
                                          IPv6ExtHdrHopByHop(), ICMPv6MLReport2())])
    s['ipv6-ospf'] = seed(P_A, [Ether(src=a, dst='33:33:00:00:00:05') /
                                IPv6(src=ll, dst='ff02::5', nh=89) / Raw(b'\x03\x01' + b'\0' * 22)])
    s['ipv6-pim'] = seed(P_A, [Ether(src=a, dst='33:33:00:00:00:0d') /
                               IPv6(src=ll, dst='ff02::d', nh=103) / Raw(b'\x20\0\0\0')])
    s['ipv6-vrrp'] = seed(P_A, [Ether(src=a, dst='33:33:00:00:00:12') /
                                IPv6(src=ll, dst='ff02::12') / VRRPv3()])
    s['ipv6-dhcp'] = seed(P_A, [Ether(src=a, dst='33:33:00:01:00:02') /
                                IPv6(src=ll, dst='ff02::1:2') / UDP(sport=546, dport=547) /
                                DHCP6_Solicit()])
    s['ipv6-mcast'] = seed(P_A, [Ether(src=a, dst='33:33:00:00:12:34') /
                                 IPv6(src=ip6(A), dst='ff0e::1234') / UDP()])
    s['ipv6-mcast-unicast-mac'] = seed(P_A, [Ether(src=a, dst=b) /
                                             IPv6(src=ip6(A), dst='ff0e::1234') / UDP()])
    s['ipv6-unreach'] = seed(P_A, [Ether(src=a, dst=b) / IPv6(src=ip6(A), dst=ip6(B)) /
                                   ICMPv6DestUnreach() / IPv6() / UDP()])

    # ARP: steered, answered by proxy, replies, announcements, probes, spoofs.
    def arp(src, op, psrc, pdst, dst=BCAST, hwsrc=None, tag=None, lan=STEER, hwdst=None):
        return eth(src, dst, lan, tag) / ARP(op=op, hwsrc=hwsrc or src, psrc=psrc, pdst=pdst,
                                             hwdst=hwdst or '00:00:00:00:00:00')
    s['arp-request-steer'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B))])
    s['arp-request-core'] = seed(P_A, [arp(a, 1, ip4(A), ip4(D))])
    s['arp-request-trunk'] = seed(P_C, [arp(c, 1, ip4(C), ip4(A), tag=STEER)])
    s['arp-request-proxy'] = seed(P_F, [arp(f2, 1, ip4(F, PROXY), ip4(C, PROXY))])
    s['arp-request-proxy-trunk'] = seed(P_C, [arp(c2, 1, ip4(C, PROXY), ip4(E, PROXY),
                                                  tag=PROXY)])
    s['arp-request-proxy-down'] = seed(P_F, [arp(f2, 1, ip4(F, PROXY), ip4(C, PROXY))],
                                       down=1 << P_C)
    s['arp-request-unicast'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B), dst=b)])
    s['arp-reply'] = seed(P_B, [arp(b, 2, ip4(B), ip4(A), dst=a, hwdst=a)])
    s['arp-gratuitous'] = seed(P_A, [arp(a, 1, ip4(A), ip4(A))])
    s['arp-gratuitous-reply'] = seed(P_A, [arp(a, 2, ip4(A), ip4(A))])
    s['arp-probe-own'] = seed(P_A, [arp(a, 1, '0.0.0.0', ip4(A))])
    s['arp-probe-other'] = seed(P_A, [arp(a, 1, '0.0.0.0', ip4(B))])
    s['arp-probe-nobody'] = seed(P_A, [arp(a, 1, '0.0.0.0', ip4(99))])
    s['arp-spoof-ip'] = seed(P_A, [arp(a, 1, ip4(B), ip4(C))])
    s['arp-spoof-reply'] = seed(P_A, [arp(a, 2, ip4(B), ip4(C), dst=c)])
    s['arp-spoof-sha'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B), hwsrc=b)])
    s['arp-unknown-target'] = seed(P_A, [arp(a, 1, ip4(A), ip4(99))])
    s['arp-owner-down'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B))], down=1 << P_B)
    s['arp-own-address'] = seed(P_A, [arp(a, 1, ip4(A), ip4(A), dst=b)])
    s['arp-malformed'] = seed(P_A, [Ether(src=a, dst=BCAST) / ARP(hwlen=8, op=1)])
    s['arp-opcode-3'] = seed(P_A, [arp(a, 3, ip4(A), ip4(B))])
    s['arp-multicast'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B), dst='01:00:5e:00:00:01')])

    # Neighbour discovery.
    def ns(src_mac, src, target, port_lan=STEER, tag=None, dad=False, group=True, sll=True):
        g, gmac = snm(target)
        if not group:
            g, gmac = target, None
        p = eth(src_mac, gmac or b, port_lan, tag) / IPv6(src='::' if dad else src, dst=g,
                                                           hlim=255) / ICMPv6ND_NS(tgt=target)
        if sll and not dad:
            p = p / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
        return p

    def na(src_mac, src, target, dst, dmac, flags=(0, 1, 1), tag=None, lan=STEER):
        r, sol, o = flags
        return (eth(src_mac, dmac, lan, tag) / IPv6(src=src, dst=dst, hlim=255) /
                ICMPv6ND_NA(tgt=target, R=r, S=sol, O=o) / ICMPv6NDOptDstLLAddr(lladdr=src_mac))
    s['nd-ns-steer'] = seed(P_A, [ns(a, ip6(A), ip6(B))])
    s['nd-ns-link-local-src'] = seed(P_A, [ns(a, 'fe80::a', ip6(B))])
    s['nd-ns-core'] = seed(P_A, [ns(a, ip6(A), ip6(D))])
    s['nd-ns-trunk'] = seed(P_C, [ns(c, ip6(C), ip6(A), tag=STEER)])
    s['nd-ns-proxy'] = seed(P_F, [ns(f2, ip6(F, PROXY), ip6(C, PROXY))])
    s['nd-ns-proxy-trunk'] = seed(P_C, [ns(c2, ip6(C, PROXY), ip6(E, PROXY), port_lan=PROXY,
                                           tag=PROXY)])
    s['nd-ns-proxy-no-sll'] = seed(P_F, [ns(f2, ip6(F, PROXY), ip6(C, PROXY), sll=False)])
    s['nd-ns-proxy-down'] = seed(P_F, [ns(f2, ip6(F, PROXY), ip6(C, PROXY))], down=1 << P_C)
    s['nd-ns-unicast'] = seed(P_A, [ns(a, ip6(A), ip6(B), group=False)])
    s['nd-ns-dad'] = seed(P_A, [ns(a, ip6(A), ip6(A), dad=True)])
    s['nd-ns-dad-other'] = seed(P_A, [ns(a, ip6(A), ip6(B), dad=True)])
    s['nd-ns-unknown'] = seed(P_A, [ns(a, ip6(A), ip6(0x99))])
    s['nd-ns-spoof-src'] = seed(P_A, [ns(a, ip6(B), ip6(C))])
    s['nd-ns-owner-down'] = seed(P_A, [ns(a, ip6(A), ip6(B))], down=1 << P_B)
    s['nd-na-solicited'] = seed(P_B, [na(b, ip6(B), ip6(B), ip6(A), a)])
    s['nd-na-link-local'] = seed(P_B, [na(b, 'fe80::b', 'fe80::b', 'fe80::a', a)])
    s['nd-na-unsolicited'] = seed(P_B, [na(b, ip6(B), ip6(B), 'ff02::1', '33:33:00:00:00:01',
                                           flags=(0, 0, 1))])
    s['nd-na-solicited-mcast'] = seed(P_B, [na(b, ip6(B), ip6(B), 'ff02::1', '33:33:00:00:00:01')])
    s['nd-na-spoof'] = seed(P_B, [na(b, ip6(B), ip6(C), ip6(A), a)])
    bad = raw(ns(a, ip6(A), ip6(B)))
    s['nd-ns-bad-checksum'] = seed(P_A, [bad[:56] + bytes([bad[56] ^ 0xff]) + bad[57:]])
    s['nd-ns-hop-limit'] = seed(P_A, [Ether(src=a, dst=snm(ip6(B))[1]) /
                                      IPv6(src=ip6(A), dst=snm(ip6(B))[0], hlim=64) /
                                      ICMPv6ND_NS(tgt=ip6(B))])
    s['nd-ns-fragmented'] = seed(P_A, [Ether(src=a, dst=snm(ip6(B))[1]) /
                                       IPv6(src=ip6(A), dst=snm(ip6(B))[0], hlim=255) /
                                       IPv6ExtHdrFragment() / ICMPv6ND_NS(tgt=ip6(B))])
    s['nd-ns-wrong-group'] = seed(P_A, [Ether(src=a, dst='33:33:00:00:00:01') /
                                        IPv6(src=ip6(A), dst='ff02::1', hlim=255) /
                                        ICMPv6ND_NS(tgt=ip6(B))])

    # Bursts: a mix larger than one burst, so chunks and counters add up across them.
    mix = [Ether(src=a, dst=b) / tcp, arp(a, 1, ip4(A), ip4(B)), ns(a, ip6(A), ip6(B)),
           Ether(src=b, dst=c) / IP(), Dot3(src=a, dst='01:80:c2:00:00:00') / LLC() / STP(),
           v6(all_nodes, '33:33:00:00:00:01', ra), b'\x02\x00']
    s['burst-mixed-140'] = seed(P_A, [mix[i % len(mix)] for i in range(140)])
    s['burst-proxy-mixed'] = seed(P_F, [arp(f2, 1, ip4(F, PROXY), ip4(C, PROXY)),
                                        ns(f2, ip6(F, PROXY), ip6(E, PROXY)),
                                        Ether(src=f2, dst=c2) / IP(src=ip4(F, PROXY),
                                                                   dst=ip4(C, PROXY))] * 3)
    s['burst-trunk-mixed'] = seed(P_C, [eth(c, a, tag=STEER) / IP(src=ip4(C), dst=ip4(A)),
                                        eth(c2, f2, tag=PROXY) / IP(),
                                        arp(c, 1, ip4(C), ip4(B), tag=STEER),
                                        Ether(src=c, dst=a) / IP()] * 5)

    # Storm control, after the rules that steer (a tag pushed or popped) or answer a
    # request: one burst more than the bucket holds, then a frame that must still pass.
    over = STORM_BURST + 2
    s['storm-arp-trunk-steer'] = seed(P_C, [arp(c, 1, ip4(C), ip4(A), tag=STEER)] * over +
                                      [eth(c, a, tag=STEER) / IP(src=ip4(C), dst=ip4(A))],
                                      ctx=CTX_STORM)
    s['storm-arp-core-steer'] = seed(P_A, [arp(a, 1, ip4(A), ip4(D))] * over, ctx=CTX_STORM)
    s['storm-nd-core-steer'] = seed(P_A, [ns(a, ip6(A), ip6(D))] * over, ctx=CTX_STORM)
    s['storm-arp-proxy'] = seed(P_C, [arp(c2, 1, ip4(C, PROXY), ip4(E, PROXY), tag=PROXY)] * over,
                                ctx=CTX_STORM)
    s['storm-nd-proxy-grow'] = seed(P_F, [ns(f2, ip6(F, PROXY), ip6(C, PROXY), sll=False)] * over,
                                    ctx=CTX_STORM)
    s['storm-sponge-mixed'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B)), arp(a, 1, ip4(A), ip4(99)),
                                         ns(a, ip6(A), ip6(B)), ns(a, ip6(A), ip6(0x99))] * 3,
                                   ctx=CTX_STORM | CTX_SPONGED)
    # Quarantine: every frame decided in full, then dropped with a copy as received.
    q = CTX_QUARANTINE_STEER | CTX_QUARANTINE_PROXY
    s['quarantine-steer'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B)), arp(a, 1, ip4(A), ip4(D)),
                                       ns(a, ip6(A), ip6(D)), Ether(src=a, dst=c) / IP()],
                                 ctx=CTX_QUARANTINE_STEER)
    s['quarantine-trunk'] = seed(P_C, [arp(c, 1, ip4(C), ip4(A), tag=STEER),
                                       eth(c, a, tag=STEER) / IP(src=ip4(C), dst=ip4(A)) /
                                       UDP() / Raw(b'q' * 80),
                                       arp(c2, 1, ip4(C, PROXY), ip4(E, PROXY), tag=PROXY),
                                       ns(c2, ip6(C, PROXY), ip6(E, PROXY), port_lan=PROXY,
                                          tag=PROXY, sll=False)], ctx=q)
    s['quarantine-proxy-only'] = seed(P_C, [arp(c2, 1, ip4(C, PROXY), ip4(E, PROXY), tag=PROXY),
                                            arp(c, 1, ip4(C), ip4(A), tag=STEER)],
                                      ctx=CTX_QUARANTINE_PROXY)
    # The sponge: answers for its set on any LAN, off in the policy, and storm control.
    s['sponge-answers'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B)), arp(a, 1, ip4(A), ip4(99)),
                                     ns(a, ip6(A), ip6(B)), ns(a, ip6(A), ip6(0x99), sll=False),
                                     arp(a, 1, '0.0.0.0', ip4(99))], ctx=CTX_SPONGED)
    s['sponge-answers-proxy'] = seed(P_F, [arp(f2, 1, ip4(F, PROXY), ip4(F, PROXY)),
                                           ns(f2, ip6(F, PROXY), ip6(E, PROXY)),
                                           arp(f2, 1, ip4(F, PROXY), ip4(E, PROXY))],
                                     ctx=CTX_SPONGED)
    s['sponge-off'] = seed(P_A, [arp(a, 1, ip4(A), ip4(B)), arp(a, 1, ip4(A), ip4(99)),
                                 Ether(src=a, dst='00:00:00:00:00:00') / tcp,
                                 Ether(src=a, dst='02:00:5e:00:00:fe') / tcp],
                           ctx=CTX_SPONGE_OFF | CTX_SPONGED)
    s['sponge-mac'] = seed(P_B, [arp(b, 2, ip4(B), ip4(A), dst='02:00:5e:00:00:fe')],
                           ctx=CTX_SPONGED)

    # VXLAN: frames for R leave the underlay encapsulated (with room for it, and without).
    r, r2 = mac(R), mac(R, PROXY)
    to_r = [Ether(src=a, dst=r) / IP(src=ip4(A), dst=ip4(R)) / UDP(sport=1, dport=2),
            arp(a, 1, ip4(A), ip4(R)), ns(a, ip6(A), ip6(R)),
            eth(c2, r2, PROXY, PROXY) / IPv6(src=ip6(C, PROXY), dst=ip6(R, PROXY)) / UDP()]
    s['vxlan-encap'] = seed(P_A, to_r[:3], ctx=CTX_ROOMY)
    s['vxlan-encap-trunk'] = seed(P_C, to_r[3:], ctx=CTX_ROOMY)
    s['vxlan-encap-no-room'] = seed(P_A, to_r[:1])

    def vx(inner, src=V_IP, vni=VNI[STEER], dst_mac=VTEP_MAC, dport=4789, flags=0x08):
        return raw(Ether(src=NH_MAC, dst=dst_mac) / IP(src=src, dst=VTEP_IP, flags='DF') /
                   UDP(sport=50000, dport=dport) / VXLAN(flags=flags, vni=vni) / Raw(raw(inner)))

    from_r = Ether(src=r, dst=a) / IP(src=ip4(R), dst=ip4(A)) / UDP(sport=2, dport=1)
    s['vxlan-decap'] = seed(P_U, [
        vx(from_r), vx(arp(r, 1, ip4(R), ip4(A))), vx(ns(r, ip6(R), ip6(C))),
        vx(Ether(src=r2, dst=c2) / IPv6(src=ip6(R, PROXY), dst=ip6(C, PROXY)) / UDP(),
           vni=VNI[PROXY]),
        vx(raw(Ether(src=r, dst=a) / ARP(op=2, hwsrc=r, psrc=ip4(R), hwdst=a, pdst=ip4(A))))])
    s['vxlan-decap-refused'] = seed(P_U, [
        vx(Ether(src=b, dst=a) / IP(src=ip4(B), dst=ip4(A)) / UDP()),
        vx(from_r, src='198.18.0.9'), vx(from_r, vni=4242), vx(from_r, flags=0),
        vx(from_r, dport=4790), vx(from_r, dst_mac=NH_MAC), pad(from_r),
        vx(Ether(src=r, dst=mac(D)) / IP(src=ip4(R), dst=ip4(D)) / UDP())])
    s['vxlan-underlay-arp'] = seed(P_U, [
        pad(Ether(src=NH_MAC, dst=BCAST) / ARP(op=1, hwsrc=NH_MAC, psrc='198.18.0.254',
                                               pdst=VTEP_IP)),
        pad(Ether(src=NH_MAC, dst=BCAST) / ARP(op=1, hwsrc=NH_MAC, psrc='198.18.0.254',
                                               pdst='198.18.0.7'))])
    s['vxlan-vtep-down'] = seed(P_U, [vx(from_r)], down=1 << P_V)
    return s


def wire_seeds():
    """Control messages as peerlan-control and peerlan-dataplane send them (fabric/wire.h)."""
    hdr = struct.Struct('>IBBHIIi')
    MAGIC = 0x504c414e

    def msg(typ, payload, flags=0, mid=1, status=0):
        return hdr.pack(MAGIC, 1, typ, flags, len(payload), mid, status) + payload

    def s16(t):
        b = t.encode()
        return struct.pack('>H', len(b)) + b

    def blob(b):
        return struct.pack('>I', len(b)) + b
    counters_h = open(os.path.join(ROOT, 'fabric', 'counters.h')).read()
    nctr = len(re.findall(r'^\s*X\((\w+),', counters_h.split('FAB_DROP_REASONS(X)')[0], re.M))
    ndrop = len(re.findall(r'^\s*X\((\w+),', counters_h.split('FAB_DROP_REASONS(X)')[1], re.M))
    REP, ASYNC = 1, 2
    hello_rep = s16('peerlan-dataplane 0.1.0') + struct.pack('>QQH', 3, 0x1234567890abcdef, 2)
    port = b'\x01\x00\x00\x00\x00\x02' + struct.pack('>%dQ' % (nctr + ndrop), *range(nctr + ndrop)) + \
        struct.pack('>QQHH', 0x02000000000a, 99, 0x88cc, 9)
    frame = bytes(Ether(src=mac(A), dst=BCAST) / ARP(psrc=ip4(A), pdst=ip4(99)))
    cli = struct.pack('>H', 3) + s16('config') + s16('apply') + s16('new.yaml') + b'\x01' + \
        blob(b'fabric: {name: x}\n')
    s = {
        'hello-req': msg(1, s16('peerlan-control 0.1.0') + struct.pack('>I', 4242)),
        'hello-rep': msg(1, hello_rep, REP),
        'status-req': msg(2, b''),
        'status-rep': msg(2, hello_rep + struct.pack('>QQH', 10**9, 0, 2) +
                          b'\x01\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x07',
                          REP),
        'port-info-req': msg(13, b''),
        'port-info-rep': msg(13, struct.pack('>H', 2) + bytes.fromhex('0270636170000270636170ff'), REP),
        'counters-req': msg(3, b''),
        'counters-rep': msg(3, struct.pack('>QHHH', 77, 1, nctr, ndrop) + port, REP),
        'counters-rep-short-lists': msg(3, struct.pack('>QHHH', 77, 1, 2, 1) +
                                        b'\x01\x00\x00\x00\x00\x00' +
                                        struct.pack('>QQQ', 1, 2, 3) +
                                        struct.pack('>QQHH', 0, 0, 0, 0), REP),
        'config-set': msg(4, blob(open(os.path.join(ROOT, 'docs', 'example.yaml'), 'rb').read())),
        'config-rep': msg(4, hello_rep, REP),
        'port-admin': msg(5, struct.pack('>HB', 3, 0)),
        'port-admin-rep': msg(5, b'', REP),
        'port-errdisable': msg(9, struct.pack('>HB', 3, 1)),
        'port-errdisable-rep': msg(9, b'', REP),
        'punt': msg(6, struct.pack('>HQH', 0, 123456789, len(frame)) + frame, ASYNC),
        'inject': msg(7, struct.pack('>HQH', 1, 0, len(frame)) + frame),
        'cli-req': msg(8, cli),
        'cli-show': msg(8, struct.pack('>H', 2) + s16('show') + s16('ports') + b'\x00'),
        'cli-rep': msg(8, blob(b'{"ports": []}'), REP),
        'error-rep': msg(4, s16('peerlan.yaml:3:1: unknown key'), REP, status=-22),
        'refusal-version': msg(9, b'', 0)[:4] + b'\x02' + msg(9, b'')[5:],
        'bad-magic': b'HTTP/1.1 200 OK\r\n\r\n',
        'too-long': hdr.pack(MAGIC, 1, 4, 0, 5 << 20, 1, 0),
    }
    s['stream'] = s['hello-req'] + s['status-req'] + s['counters-req'] + s['port-admin'] + \
        s['cli-show']
    return s


def cli_seeds():
    lines = ['show ports', 'show port a', 'sh po a', 'show members', 'show member 64501',
             'show mac-table', 'show mac-table peering', 'show neighbors', 'show neighbors ipv4',
             'show neighbors ipv6', 'show drops', 'show status', 'show config',
             'clear counters', 'clear counters port1', 'port port1 shutdown',
             'port port1 no shutdown', 'config check /etc/peerlan/peerlan.yaml',
             'config diff "new config.yaml"', 'config apply new.yaml',
             'config apply new.yaml confirm 300', 'config confirm', 'config rollback',
             'show', 's', 'show member 4294967296', 'port "a b" shutdown', "show port 'x",
             'config apply f confirm 86401', 'show neighbors ipv5', '',
             'show port-security', 'show port-security port1', 'show events',
             'show quarantine port1', 'port port1 promote', 'port port1 promote lock-mac',
             'port port1 allow-mac 02:00:00:00:00:11 for 4h', 'port p allow-mac 02:00:00:00:00:11 for 8d',
             'config import ixp-manager vlans v.yaml interfaces l.yaml map m.yaml ixf x.json '
             'output o.yaml overwrite',
             'co im ixf ex x.json m m.yaml o out']
    return {'line-%02d' % i: (l + '\n').encode() for i, l in enumerate(lines)}


def write(target, seeds):
    """Replaces a target's generated seeds; inputs a fuzzer once found
    failing, kept as regress-*, stay."""
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if not name.startswith('regress-'):
            os.remove(os.path.join(d, name))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)


def copy(target, files, extra):
    seeds = {}
    for path in files:
        with open(os.path.join(ROOT, path), 'rb') as f:
            seeds[os.path.basename(path)] = f.read()
    seeds.update(extra)
    write(target, seeds)


def main():
    write('fuzz_pipeline', pipeline_seeds())
    write('fuzz_wire', wire_seeds())
    write('fuzz_cli', cli_seeds())
    copy('fuzz_config', ['docs/example.yaml', 'tests/unit/configs/full.yaml',
                         'tests/unit/import/ixpm-config.yaml'], {
        'broken-syntax.yaml': b'lans:\n  - name: [peering\n',
        'broken-types.yaml': b'fabric: {name: 7}\nlans: {vlan: x}\nports: 3\n',
        'broken-refs.yaml': (b'fabric: {name: ix}\nlans:\n  - {name: p, vlan: 100}\n'
                             b'ports:\n  - {name: a, device: net_null0, lans: [q]}\n'
                             b'members:\n  - asn: 64501\n    name: A\n    connections:\n'
                             b'      - port: b\n        lans:\n          - lan: p\n'
                             b'            macs: [02:00:00:00:00:0a, 01:00:5e:00:00:01]\n'
                             b'            ipv4: [203.0.113.1]\n'),
        'anchors.yaml': b'a: &x [*x]\nb: !!binary AAAA\n',
        # Once printed so that it did not load back (an address ending in '::' in a flow list).
        'ipv6-ending-in-colons.yaml': (b'fabric: {name: x}\n'
                                       b'lans: [{name: p, vlan: 100, ipv6: 2001:db8::/48}]\n'
                                       b'ports: [{name: a, device: net_null0, lans: [p]}]\n'
                                       b'members:\n  - asn: 64501\n    name: A\n'
                                       b'    connections:\n      - port: a\n        lans:\n'
                                       b'          - lan: p\n            macs: [02:00:00:00:00:0a]\n'
                                       b'            ipv6: ["2001:db8:0:1::", 2001:db8::1]\n'),
        'empty.yaml': b'',
    })
    imp = {}
    samples = [('ixpmanager-vlans.yaml', 0), ('ixpmanager-layer2interfaces.yaml', 1),
               ('ixpm-map.yaml', 2), ('ixf-member-export.json', 3), ('ixf-map.yaml', 4),
               ('ixpmanager-layer2interfaces-changed.yaml', 1),
               ('ixpm-errors-layer2interfaces.yaml', 1), ('ixpm-errors-map.yaml', 2),
               ('ixf-errors.json', 3), ('ixf-errors-map.yaml', 4)]
    for name, which in samples:
        with open(os.path.join(ROOT, 'tests', 'unit', 'import', name), 'rb') as f:
            imp['%d-%s' % (which, name)] = bytes([which]) + f.read()
    write('fuzz_import', imp)
    n = sum(len(os.listdir(os.path.join(OUT, t))) for t in os.listdir(OUT))
    print('wrote %d seeds under %s' % (n, OUT), file=sys.stderr)


if __name__ == '__main__':
    main()
