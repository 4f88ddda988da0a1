#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sends every attack vector of test_attacks.sh from the attacker member's
namespace and measures, for each, the attacker port's drop counters before
and after from the dataplane's telemetry socket.

Run inside the attacker's namespace:
    attack.py TELEMETRY_SOCK OUT_FILE [VECTOR...]
Each vector writes one line to OUT_FILE:
    name|sent|expected reasons (comma list)|their rise|frames the port's
    device missed|rx_packets rise|
    rise of every other reason|tcpdump filter that matches a leaked frame
The frames go out through a raw AF_PACKET socket on ixp0; runts use
PACKET_QDISC_BYPASS, which skips the lab's egress padding program (a tc
clsact hook that pads short frames to 60 bytes, as a NIC would), so the
fabric sees them as the short frames a broken NIC would put on a wire.
"""
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

from scapy.all import (ARP, DHCP, BOOTP, Dot1Q, Dot3, Ether, ICMP, IP, IPv6, LLC,
                       SNAP, STP, UDP, Raw, conf)
from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                                ICMPv6ND_Redirect, ICMPv6ND_RS,
                                ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                                ICMPv6MLReport, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                RouterAlert)
from scapy.layers.dhcp6 import DHCP6_Solicit

conf.verb = 0
SOL_PACKET = 263  # not exported by Python's socket module
PACKET_QDISC_BYPASS = 20
IFACE = "ixp0"
A_MAC = os.environ["ATK_MAC"]          # the attacker's provisioned MAC
A_IP4 = os.environ["ATK_IP4"]
A_IP6 = os.environ["ATK_IP6"]
V_MAC = os.environ["VICTIM_MAC"]       # an honest member's MAC ...
V_IP4 = os.environ["VICTIM_IP4"]       # ... and addresses
V_IP6 = os.environ["VICTIM_IP6"]
V2_IP4 = os.environ["VICTIM2_IP4"]
V2_MAC = os.environ["VICTIM2_MAC"]
BH_IP4 = os.environ.get("BLACKHOLE_IP4", "")  # the LAN's blackhole next hop, if any
FLOOD = int(os.environ.get("ATK_FLOOD", "100000"))
FLOOD_PPS = int(os.environ.get("ATK_FLOOD_PPS", "10000"))
PROBE = os.environ.get("ATK_PROBE", "")
BCAST = "ff:ff:ff:ff:ff:ff"
MARK = b"peerlan-attack"                 # payload of every IP vector
rnd = random.Random(9)


def rmac():
    """A random locally administered unicast MAC (02:xx)."""
    return "02:" + ":".join("%02x" % rnd.randrange(256) for _ in range(5))


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(5)
        self.s.connect(path)
        self.size = int(json.loads(self.s.recv(65536)).get("max_output_len", 65536))

    def ask(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(self.size))[cmd.split(",")[0]]

    def port(self, name):
        return self.ask("/peerlan/port," + name)

    def missed(self, name):
        """Frames the port lost before the dataplane read them (its
        receive ring was full): the port's rx_missed."""
        return self.port(name)["rx_missed"]


def raw_socket(bypass=False):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((IFACE, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    if bypass:
        s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    return s


def send_paced(frames, pps=20000, bypass=False):
    """Sends raw frames at most pps a second, so that the dataplane's
    AF_PACKET receive ring never overflows and every frame is counted."""
    s = raw_socket(bypass)
    t0 = time.monotonic()
    for i, f in enumerate(frames):
        while True:
            try:
                s.send(f)
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:
                if e.errno != 105:  # ENOBUFS: the veth's queue is full
                    raise
                time.sleep(0.001)
        if i % 200 == 199:
            ahead = (i + 1) / pps - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    s.close()
    return len(frames)


def eth_ipv4(dst_ip, payload, proto_layer, dst_mac=None):
    return bytes(Ether(src=A_MAC, dst=dst_mac or V_MAC) /
                 IP(src=A_IP4, dst=dst_ip) / proto_layer / Raw(payload))


def mcast_mac4(ip):
    b = [int(x) for x in ip.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7F, b[2], b[3])


def mcast_mac6(ip):
    raw = socket.inet_pton(socket.AF_INET6, ip)
    return "33:33:" + ":".join("%02x" % x for x in raw[-4:])


def v4(dst, layer, proto=None):
    """An IPv4 frame from the attacker to a multicast group."""
    ip = IP(src=A_IP4, dst=dst, ttl=1)
    if proto is not None:
        ip.proto = proto
    return bytes(Ether(src=A_MAC, dst=mcast_mac4(dst)) / ip / layer / Raw(MARK))


def v6(dst, layer, nh=None, exts=None, src=None, hlim=255, mark=True):
    ip = IPv6(src=src or A_IP6, dst=dst, hlim=hlim)
    if nh is not None:
        ip.nh = nh
    pkt = ip
    for e in exts or []:
        pkt = pkt / e
    dmac = mcast_mac6(dst) if dst.startswith("ff") else V_MAC
    return bytes(Ether(src=A_MAC, dst=dmac) / pkt / layer / (Raw(MARK) if mark else b""))


def ext(kind):
    return {"plain": [], "hbh": [IPv6ExtHdrHopByHop()], "dst": [IPv6ExtHdrDestOpt()],
            "frag": [IPv6ExtHdrFragment(id=rnd.randrange(1 << 32))]}[kind]


def ip6_ext_filter():
    return "ip6 and (ip6[6] == 0 or ip6[6] == 60 or ip6[6] == 44)"


VECTORS = []


def vector(name, reasons, leak, count=20):
    def wrap(fn):
        VECTORS.append((name, reasons, leak, count, fn))
        return fn
    return wrap


def l2(dst, llc, payload=b"\0" * 46):
    """An 802.3 frame: a length field, then LLC (scapy's Ether would put
    its own LLC type number there instead)."""
    return bytes(Dot3(src=A_MAC, dst=dst) / llc / Raw(payload))


# --- source MAC -------------------------------------------------------------

def spoof_frame(src):
    return bytes(Ether(src=src, dst=V2_MAC) / IP(src=V_IP4, dst=V2_IP4) /
                 UDP(sport=9, dport=9) / Raw(MARK))


vector("srcmac_member", ["src_mac_violation"], "udp port 9")(
    lambda n: send_paced([spoof_frame(V_MAC)] * n))
vector("srcmac_random", ["src_mac_violation"], "udp port 9")(
    lambda n: send_paced([spoof_frame(rmac()) for _ in range(n)]))


@vector("srcmac_flood", ["src_mac_violation"], "udp port 9", count=FLOOD)
def srcmac_flood(n):
    """100,000 random source MACs, written to a pcap and replayed by
    tcpreplay at a bounded rate (a Python loop cannot keep up)."""
    path = os.environ["ATK_PCAP"]
    base = bytearray(spoof_frame(A_MAC))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for _ in range(n):
            base[6:12] = bytes([0x02]) + rnd.randbytes(5)
            f.write(struct.pack("<IIII", 0, 0, len(base), len(base)))
            f.write(base)
    out = subprocess.run(["tcpreplay", "-q", "-i", IFACE, "--pps=%d" % FLOOD_PPS, path],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("tcpreplay: " + out.stderr)
    os.unlink(path)
    return n


# --- layer 2 control protocols ----------------------------------------------

def snap(oui, code):
    return LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=oui, code=code)


vector("stp_bpdu", ["link_local"], "stp or ether dst 01:80:c2:00:00:00")(
    lambda n: send_paced([bytes(Dot3(src=A_MAC, dst="01:80:c2:00:00:00") / LLC() / STP())] * n))
vector("lacp", ["link_local"], "ether proto 0x8809")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst="01:80:c2:00:00:02", type=0x8809) /
                                Raw(b"\x01\x01" + b"\0" * 44))] * n))
vector("dot1x", ["link_local"], "ether proto 0x888e")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst="01:80:c2:00:00:03", type=0x888E) /
                                Raw(b"\x02\x01\x00\x00" + b"\0" * 42))] * n))
vector("lldp", ["link_local"], "ether proto 0x88cc")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst="01:80:c2:00:00:0e", type=0x88CC) /
                                Raw(b"\x02\x07\x04" + bytes.fromhex(A_MAC.replace(":", "")) + b"\0" * 37))] * n))
vector("lldp_unicast", ["lldp"], "ether proto 0x88cc")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC, type=0x88CC) /
                                Raw(b"\x02\x07\x04" + bytes.fromhex(A_MAC.replace(":", "")) + b"\0" * 37))] * n))
vector("cdp", ["cisco_discovery"], "ether dst 01:00:0c:cc:cc:cc")(
    lambda n: send_paced([l2("01:00:0c:cc:cc:cc", snap(0x00000C, 0x2000))] * n))
vector("vtp", ["cisco_discovery"], "ether dst 01:00:0c:cc:cc:cc")(
    lambda n: send_paced([l2("01:00:0c:cc:cc:cc", snap(0x00000C, 0x2003))] * n))
vector("dtp", ["cisco_discovery"], "ether dst 01:00:0c:cc:cc:cc")(
    lambda n: send_paced([l2("01:00:0c:cc:cc:cc", snap(0x00000C, 0x2004))] * n))
vector("pvst", ["cisco_discovery"], "ether dst 01:00:0c:cc:cc:cd")(
    lambda n: send_paced([l2("01:00:0c:cc:cc:cd", snap(0x00000C, 0x010B) / STP())] * n))
vector("edp", ["edp"], "ether dst 00:e0:2b:00:00:00")(
    lambda n: send_paced([l2("00:e0:2b:00:00:00", snap(0x00E02B, 0x00BB))] * n))
vector("mikrotik_romon", ["vendor_discovery"], "ether proto 0x88bf")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST, type=0x88BF) / Raw(b"\0" * 46))] * n))
vector("huawei_9998", ["vendor_discovery"], "ether proto 0x9998")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST, type=0x9998) / Raw(b"\0" * 46))] * n))
vector("huawei_999a", ["vendor_discovery"], "ether proto 0x999a")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST, type=0x999A) / Raw(b"\0" * 46))] * n))
vector("llc_snap", ["llc_snap"], "ether[12:2] <= 1500")(
    lambda n: send_paced([l2(V_MAC, snap(0, 0x0800))] * n))
vector("ethertype_other", ["ethertype"], "ether proto 0x88b5")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC, type=0x88B5) / Raw(b"\0" * 46))] * n))

# --- IP control protocols -----------------------------------------------------

vector("dhcp_discover", ["ipv4_dhcp"], "udp port 67 or udp port 68")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
                                UDP(sport=68, dport=67) / BOOTP(chaddr=bytes.fromhex(A_MAC.replace(":", ""))) /
                                DHCP(options=[("message-type", "discover"), "end"]))] * n))
vector("dhcpv6_solicit", ["ipv6_dhcp"], "udp port 546 or udp port 547")(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst="33:33:00:01:00:02") /
                                IPv6(src=A_IP6, dst="ff02::1:2") / UDP(sport=546, dport=547) /
                                DHCP6_Solicit())] * n))
vector("ospf_hello", ["ipv4_ospf"], "ip proto 89")(
    lambda n: send_paced([v4("224.0.0.5", Raw(b"\x02\x01\x00\x2c" + b"\0" * 40), proto=89)] * n))
vector("ospfv3_hello", ["ipv6_ospf"], "ip6 proto 89")(
    lambda n: send_paced([v6("ff02::5", Raw(b"\x03\x01\x00\x24" + b"\0" * 32), nh=89, hlim=1)] * n))
vector("pim4_hello", ["ipv4_pim"], "ip proto 103")(
    lambda n: send_paced([v4("224.0.0.13", Raw(b"\x20\x00\x00\x00"), proto=103)] * n))
vector("pim6_hello", ["ipv6_pim"], "ip6 proto 103")(
    lambda n: send_paced([v6("ff02::d", Raw(b"\x20\x00\x00\x00"), nh=103, hlim=1)] * n))
vector("igmp_report", ["ipv4_igmp"], "igmp")(
    lambda n: send_paced([v4("224.0.0.22", Raw(b"\x22\x00\x00\x00\x00\x00\x00\x00"), proto=2)] * n))
vector("mld_report", ["ipv6_mld"], "icmp6 or " + ip6_ext_filter())(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst="33:33:00:00:00:16") /
                                IPv6(src="fe80::70:6cff:fe00:4", dst="ff02::16", hlim=1) /
                                IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
                                ICMPv6MLReport())] * n))
vector("vrrp4", ["ipv4_vrrp"], "ip proto 112")(
    lambda n: send_paced([v4("224.0.0.18", Raw(b"\x21\x01\x64\x01\x00\x01\x00\x00" + bytes(4)), proto=112)] * n))
vector("vrrp6", ["ipv6_vrrp"], "ip6 proto 112")(
    lambda n: send_paced([v6("ff02::12", Raw(b"\x31\x01\x64\x00\x00\x01\x00\x00" + bytes(16)), nh=112)] * n))

# --- IPv6 router messages, plain and behind extension headers -----------------

ND_LEAK = "icmp6 and (ip6[40] == 133 or ip6[40] == 134 or ip6[40] == 137) or " + ip6_ext_filter()
for kind in ("plain", "hbh", "dst", "frag"):
    vector("ra_" + kind, ["ipv6_ra"], ND_LEAK)(
        lambda n, k=kind: send_paced([v6("ff02::1", ICMPv6ND_RA() / ICMPv6NDOptSrcLLAddr(lladdr=A_MAC),
                                          exts=ext(k), src="fe80::70:6cff:fe00:4")] * n))
    vector("rs_" + kind, ["ipv6_rs"], ND_LEAK)(
        lambda n, k=kind: send_paced([v6("ff02::2", ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=A_MAC),
                                          exts=ext(k), src="fe80::70:6cff:fe00:4")] * n))
    vector("redirect6_" + kind, ["ipv6_redirect"], ND_LEAK)(
        lambda n, k=kind: send_paced([v6(V_IP6, ICMPv6ND_Redirect(tgt="fe80::1", dst="2001:db8:2::1"),
                                          exts=ext(k), src="fe80::70:6cff:fe00:4")] * n))


def thc(flag):
    """What flood_router6 sends: it floods as fast as it can, faster than
    an AF_PACKET port can take, so 2,000 of its frames are recorded on a
    spare veth in the attacker's namespace and replayed on ixp0 by
    tcpreplay at a bounded rate; the count is the recording's."""
    def run(n):
        pcap = os.environ["ATK_PCAP"] + ".thc"
        dummy = "atk6rec0"  # a veth: the kernel here has no dummy interfaces
        subprocess.run(["ip", "link", "add", dummy, "type", "veth", "peer", "name", dummy + "p"],
                       check=True)
        try:
            subprocess.run(["ip", "link", "set", dummy + "p", "up"], check=True)
            subprocess.run(["ip", "link", "set", dummy, "address", A_MAC, "up"], check=True)
            time.sleep(0.5)
            # The kernel's own MLD report for the new interface is not
            # flood_router6's.
            cap = subprocess.Popen(["tcpdump", "-i", dummy, "-nn", "-U", "-c", str(n), "-w", pcap,
                                    "ip6 and not (ip6[6] == 0 and ip6[48] == 143)"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            cap.stderr.readline()
            flood = subprocess.Popen(["timeout", "10", "atk6-flood_router6"] + ([flag] if flag else []) +
                                     [dummy], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cap.wait(timeout=15)
            flood.terminate()
            flood.wait()
        finally:
            subprocess.run(["ip", "link", "del", dummy], check=True)
        out = subprocess.run(["tcpreplay", "-q", "-i", IFACE, "--pps=10000", pcap],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("tcpreplay: " + out.stderr)
        got = subprocess.run(["tcpdump", "-nn", "-r", pcap], capture_output=True, text=True)
        os.unlink(pcap)
        return len(got.stdout.splitlines())
    return run


# flood_router6 spoofs the source MAC of most of its frames; with -D it puts
# the advertisement behind a destination-options header so long that the
# policy stops reading before the ICMPv6 header (truncated) or sees only an
# IPv6 multicast frame, which is dropped all the same.
THC_REASONS = ["src_mac_violation", "ipv6_ra", "ipv6_ext_chain", "truncated", "ipv6_multicast"]
for flag, name in (("", "thc_ra_flood"), ("-H", "thc_ra_flood_hbh"),
                   ("-D", "thc_ra_flood_dst"), ("-F", "thc_ra_flood_frag")):
    vector(name, THC_REASONS, ND_LEAK, count=2000)(thc(flag))

# --- redirects, multicast, broadcast, unknown unicast ---------------------------

vector("icmp4_redirect", ["ipv4_icmp_redirect"], "icmp[icmptype] == icmp-redirect")(
    lambda n: send_paced([eth_ipv4(V_IP4, MARK, ICMP(type=5, code=1, gw=A_IP4) /
                                   IP(src=V_IP4, dst="198.51.100.2") / UDP())] * n))
vector("mcast4_group", ["ipv4_multicast"], "ip multicast")(
    lambda n: send_paced([v4("239.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 256)),
                             UDP(sport=9, dport=9)) for _ in range(n)]))
vector("mcast6_group", ["ipv6_multicast"], "ip6 multicast and not icmp6")(
    lambda n: send_paced([v6("ff0e::%x:%x" % (rnd.randrange(65536), rnd.randrange(1, 65536)),
                             UDP(sport=9, dport=9)) for _ in range(n)]))
vector("bcast_udp", ["broadcast"], "ether broadcast and not arp")(
    lambda n: send_paced([eth_ipv4("192.0.2.255", MARK, UDP(sport=9, dport=9), dst_mac=BCAST)] * n))
vector("unknown_unicast", ["unknown_unicast"], "udp port 9")(
    lambda n: send_paced([eth_ipv4("192.0.2.99", MARK, UDP(sport=9, dport=9),
                                   dst_mac="02:70:6c:00:00:99")] * n))

# --- ARP and ND spoofing ----------------------------------------------------------

# An honest member never receives ARP whose sender MAC is the attacker's and
# whose sender address is not the attacker's.
ARP_LEAK = "arp and arp[8:2] == 0x%s and arp[10:4] == 0x%s and not arp[14:4] == 0x%s" % (
    A_MAC.replace(":", "")[:4], A_MAC.replace(":", "")[4:],
    "".join("%02x" % int(x) for x in A_IP4.split(".")))
vector("arp_gratuitous_spoof", ["arp_spoof"], ARP_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST) /
                                ARP(op=1, hwsrc=A_MAC, psrc=V_IP4, hwdst="00:00:00:00:00:00", pdst=V_IP4))] * n))
vector("arp_reply_spoof", ["arp_spoof"], ARP_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V2_MAC) /
                                ARP(op=2, hwsrc=A_MAC, psrc=V_IP4, hwdst=V2_MAC, pdst=V2_IP4))] * n))
vector("arp_gratuitous_reply_spoof", ["arp_spoof"], ARP_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=BCAST) /
                                ARP(op=2, hwsrc=A_MAC, psrc=V_IP4, hwdst=BCAST, pdst=V_IP4))] * n))
vector("proxy_arp_reply", ["arp_spoof"], ARP_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V2_MAC) /
                                ARP(op=2, hwsrc=A_MAC, psrc="192.0.2.77", hwdst=V2_MAC, pdst=V2_IP4))] * n))
# An advertisement from the attacker's MAC for the victim's address; the
# attacker's own kernel answers solicitations for its own addresses.
NA_LEAK = "icmp6 and ip6[40] == 136 and ether src %s and ip6[48:4] == 0x%s and ip6[52:4] == 0x%s " \
    "and ip6[56:4] == 0x%s and ip6[60:4] == 0x%s" % ((A_MAC,) + tuple(
        socket.inet_pton(socket.AF_INET6, V_IP6)[i:i + 4].hex() for i in (0, 4, 8, 12)))
vector("na_spoof_multicast", ["nd_spoof"], NA_LEAK)(
    lambda n: send_paced([v6("ff02::1", ICMPv6ND_NA(tgt=V_IP6, R=1, S=0, O=1) /
                             ICMPv6NDOptDstLLAddr(lladdr=A_MAC), mark=False)] * n))
vector("na_spoof_unicast", ["nd_spoof"], NA_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V2_MAC) / IPv6(src=V_IP6, dst="2001:db8:100::2") /
                                ICMPv6ND_NA(tgt=V_IP6, R=1, S=1, O=1) /
                                ICMPv6NDOptDstLLAddr(lladdr=A_MAC))] * n))

# --- storms and sweeps -------------------------------------------------------------


def arp_req(target):
    return bytes(Ether(src=A_MAC, dst=BCAST) /
                 ARP(op=1, hwsrc=A_MAC, psrc=A_IP4, pdst=target))


def ns_req(target):
    raw = socket.inet_pton(socket.AF_INET6, target)
    sn = "ff02::1:ff%02x:%02x%02x" % (raw[13], raw[14], raw[15])
    return bytes(Ether(src=A_MAC, dst=mcast_mac6(sn)) / IPv6(src=A_IP6, dst=sn) /
                 ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=A_MAC))


def probed(frames):
    """Sends a storm while the honest members resolve each other afresh;
    the probe's result is recorded next to the storm's."""
    def run(_n):
        probe = subprocess.Popen(["bash", PROBE]) if PROBE else None
        sent = send_paced(frames(), pps=2000)
        if probe is not None and probe.wait() != 0:
            raise RuntimeError("honest members could not resolve each other during the storm")
        return sent
    return run


# Requests for the storms' targets, which nobody owns: a member would see
# them as who-has from the attacker. The targets (192.0.2.20-249 and
# 2001:db8:100::99, ::x:y, ::1:x) lie outside the lab's addresses (.1-.15 and
# .254), so the attacker's own kernel resolving its BGP peers, which is
# rightly steered to them, does not match.
ARP_STORM_LEAK = ("arp and arp[6:2] == 1 and arp[14:4] == 0x%s"
                  " and arp[24:4] >= 0xc0000214 and arp[24:4] <= 0xc00002f9") % "".join(
    "%02x" % int(x) for x in A_IP4.split("."))
ND_STORM_LEAK = ("icmp6 and ip6[40] == 135 and ip6 src %s"
                 " and (ip6[60:4] == 0x99 or ip6[60:4] > 0x254)") % A_IP6
vector("arp_storm_dead", ["arp_unknown_target", "storm"], ARP_STORM_LEAK, count=4000)(
    probed(lambda: [arp_req("192.0.2.99")] * 4000))
# The fabric answers for the LAN's blackhole address itself: not an unknown target.
STORM_TARGETS4 = [a for a in ("192.0.2.%d" % i for i in range(20, 250)) if a != BH_IP4]
vector("arp_storm_random", ["arp_unknown_target", "storm"], ARP_STORM_LEAK, count=4000)(
    probed(lambda: [arp_req(rnd.choice(STORM_TARGETS4)) for _ in range(4000)]))
vector("nd_storm_dead", ["nd_unknown_target", "storm"], ND_STORM_LEAK, count=4000)(
    probed(lambda: [ns_req("2001:db8:100::99")] * 4000))
vector("nd_storm_random", ["nd_unknown_target", "storm"], ND_STORM_LEAK, count=4000)(
    probed(lambda: [ns_req("2001:db8:100::%x:%x" % (rnd.randrange(1, 65536), rnd.randrange(1, 65536)))
                    for _ in range(4000)]))
vector("nd_sweep", ["nd_unknown_target", "storm"], ND_STORM_LEAK, count=2000)(
    lambda n: send_paced([ns_req("2001:db8:100::1:%x" % i) for i in range(n)], pps=4000))

# --- VLAN tricks and malformed frames ------------------------------------------------

VLAN_LEAK = "vlan or ether proto 0x88a8"
vector("vlan_tag_on_access", ["vlan_tagged_on_access"], VLAN_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC) / Dot1Q(vlan=100) /
                                IP(src=A_IP4, dst=V_IP4) / UDP(sport=9, dport=9) / Raw(MARK))] * n))
vector("vlan_wrong_tag", ["vlan_tagged_on_access"], VLAN_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC) / Dot1Q(vlan=200) /
                                IP(src=A_IP4, dst=V_IP4) / UDP(sport=9, dport=9) / Raw(MARK))] * n))
vector("vlan_double_tag", ["vlan_tagged_on_access", "vlan_double_tag"], VLAN_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC) / Dot1Q(vlan=100) / Dot1Q(vlan=200) /
                                IP(src=A_IP4, dst=V_IP4) / UDP(sport=9, dport=9) / Raw(MARK))] * n))
vector("vlan_qinq_88a8", ["vlan_tagged_on_access", "vlan_double_tag", "ethertype"], VLAN_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC, type=0x88A8) / Dot1Q(vlan=100) /
                                IP(src=A_IP4, dst=V_IP4) / UDP(sport=9, dport=9) / Raw(MARK))] * n))
RUNT_LEAK = "less 59"
vector("runt", ["runt"], RUNT_LEAK)(
    lambda n: send_paced([bytes(Ether(src=A_MAC, dst=V_MAC) / IP(src=A_IP4, dst=V_IP4) /
                                UDP(sport=9, dport=9))[:14 + s] for s in range(0, 46)][:n], bypass=True))
vector("giant", ["oversize"], "greater 1515")(
    lambda n: send_paced([eth_ipv4(V_IP4, MARK + b"\0" * (1490 + 4 * i), UDP(sport=9, dport=9))
                          for i in range(n)]))


def truncated_frames():
    out = []
    base = bytes(Ether(src=A_MAC, dst=V_MAC))
    # IPv4 whose header length (60 bytes) runs past the frame's end.
    ip4 = bytearray(bytes(IP(src=A_IP4, dst=V_IP4) / UDP(sport=9, dport=9)))
    ip4[0] = 0x4F
    out.append((base[:12] + b"\x08\x00" + bytes(ip4)).ljust(60, b"\0"))
    # IPv6 whose hop-by-hop header claims 2,048 bytes.
    ip6 = bytes(IPv6(src=A_IP6, dst=V_IP6, nh=0, plen=8)) + b"\x3a\xff" + bytes(6)
    out.append((base[:12] + b"\x86\xdd" + ip6).ljust(60, b"\0"))
    # IPv6 header cut after 30 bytes, padded as a NIC would: the padding is
    # not a header, so the payload length points past the frame.
    ip6b = bytes(IPv6(src=A_IP6, dst=V_IP6, nh=17, plen=200))
    out.append(base[:12] + b"\x86\xdd" + ip6b + bytes(8))
    return out


vector("truncated", ["truncated"], "udp port 9 or " + ip6_ext_filter() + " or ip[0] == 0x4f")(
    lambda n: send_paced((truncated_frames() * n)[:n]))


def drops(tel, port):
    p = tel.port(port)
    return p["rx_packets"], p["drops"]


def settle(tel, port, reasons, want, t_max=5.0):
    """Reads the counters until the expected reasons hold what was sent,
    or the counters stop moving, or t_max passes."""
    t_end = time.monotonic() + t_max
    last = None
    while True:
        rx, d = drops(tel, port)
        got = sum(d.get(r, 0) for r in reasons)
        if (want is not None and got >= want and last == rx) or time.monotonic() > t_end:
            return rx, d
        last = rx
        time.sleep(0.2)


def main():
    sock, out, port = sys.argv[1], sys.argv[2], sys.argv[3]
    only = set(sys.argv[4:])
    tel = Telemetry(sock)
    with open(out, "w") as f:
        for name, reasons, leak, count, fn in VECTORS:
            if only and name not in only:
                continue
            rx0, d0 = drops(tel, port)
            m0 = tel.missed(port)
            err = ""
            try:
                sent = fn(count)
            except Exception as e:  # reported, and the test fails on it
                sent, err = 0, str(e).replace("|", "/").replace("\n", " ")
            rx1, d1 = settle(tel, port, reasons, sent)
            rise = sum(d1[r] - d0[r] for r in reasons)
            missed = tel.missed(port) - m0
            other = ",".join("%s=%d" % (r, d1[r] - d0[r]) for r in d1
                             if r not in reasons and d1[r] != d0[r])
            f.write("|".join([name, str(sent), ",".join(reasons), str(rise), str(missed), str(rx1 - rx0),
                              other or "-", leak, err or "-"]) + "\n")
            f.flush()
            print("# %-28s sent %6d  %s +%d  missed +%d  rx +%d  other %s %s" %
                  (name, sent, "+".join(reasons), rise, missed, rx1 - rx0, other or "-", err), flush=True)


if __name__ == "__main__":
    main()
