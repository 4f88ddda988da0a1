#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Dataplane tests: the real peerlan-dataplane on net_pcap virtual ports.

Each scenario writes a configuration and input pcaps, runs the dataplane
with --no-huge on its own --file-prefix, and checks the exact frames every
port transmitted and the counters it reports, including the accounting
invariant rx_packets = forwarded + steered + answered + sum(drops).

    dptest.py DATAPLANE SCENARIO      SCENARIO: policy, reload, bad-device, vxlan, ...

Exit status: 0 passed, 1 failed, 77 cannot run here (the reason is printed).
"""

import fcntl
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

try:
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.dhcp6 import DHCP6_Solicit
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6MLReport2, ICMPv6ND_NA,
                                    ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_Redirect,
                                    ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                                    ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
                                    IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, RouterAlert)
    from scapy.layers.l2 import ARP, LLC, SNAP, STP, Dot1Q, Dot3, Ether
    from scapy.layers.vxlan import VXLAN
    from scapy.packet import Raw
except ImportError as e:
    print(f"SKIP: scapy is not available to {sys.executable}: {e}")
    sys.exit(77)

SKIP = 77
EAL = ["--no-huge", "-m", "512", "--no-pci", "-l", "0,1", "--log-level=*:warning"]
RUN_TIMEOUT = 60
BURST = 32  # the dataplane's RX burst size

# Members, one MAC (and IPv4/IPv6 host number) each, on the ports of the test fabric.
A1, A2 = "02:00:5e:10:00:11", "02:00:5e:10:00:21"  # member A, port1 (access)
B = "02:00:5e:10:00:12"  # member B, port2 (access)
C = "02:00:5e:10:00:13"  # member C, port3 (trunk, VLAN 100)
D = "02:00:5e:10:00:14"  # member D, port4 (access, admin down)
NOBODY = "02:00:5e:10:00:99"
BH = "02:00:5e:00:06:66"  # the LAN's blackhole MAC (RFC 7999), next hops host 0x66
BCAST = "ff:ff:ff:ff:ff:ff"
VLAN = 100


def ip4(n):
    return f"192.0.2.{n}"


def ip6(n):
    return f"2001:db8:100::{n:x}"


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


# ---------------------------------------------------------------- pcap files

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def pcap_record(frame):
    return struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for fr in frames:
            f.write(pcap_record(fr))


def read_pcap(path):
    """The frames of a classic little-endian pcap file; checks its framing."""
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) >= 24, f"{path}: no pcap header")
    magic, = struct.unpack_from("<I", data, 0)
    check(magic in (0xA1B2C3D4, 0xA1B23C4D), f"{path}: not a pcap file")
    off, frames = 24, []
    while off < len(data):
        check(off + 16 <= len(data), f"{path}: truncated record header")
        _, _, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        off += 16
        check(off + caplen <= len(data) and caplen == wirelen, f"{path}: truncated frame")
        frames.append(data[off:off + caplen])
        off += caplen
    return frames


# ---------------------------------------------------------------- configuration

def config_yaml(ports, members, lans=None, blackhole=False):
    """ports: [(name, device, mode, admin)], members: [(asn, port, [macs], [n])];
    blackhole: the first LAN's blackhole is BH with next hops ip4(0x66), ip6(0x66)."""
    lans = lans or [("peering", VLAN, "192.0.2.0/24", "2001:db8:100::/64")]
    out = ["fabric: {name: test-ix}", "lans:"]
    for name, vlan, v4, v6 in lans:
        bh = (f", blackhole: {{mac: \"{BH}\", ipv4: {ip4(0x66)}, ipv6: \"{ip6(0x66)}\"}}"
              if blackhole and name == lans[0][0] else "")
        out.append(f"  - {{name: {name}, vlan: {vlan}, kind: peering, ipv4: {v4}, "
                   f"ipv6: \"{v6}\"{bh}}}")
    out.append("ports:")
    for name, device, mode, admin in ports:
        out.append(f"  - {{name: {name}, device: \"{device}\", mode: {mode}, "
                   f"lans: [peering], admin: {admin}, mtu: 1500}}")
    out.append("members:")
    for asn, port, macs, hosts in members:
        mac_list = ", ".join(f"\"{m}\"" for m in macs)
        v4 = ", ".join(ip4(h) for h in hosts)
        v6 = ", ".join(f"\"{ip6(h)}\"" for h in hosts)
        out += [f"  - asn: {asn}", f"    name: Member {asn}", "    connections:",
                f"      - port: {port}", "        lans:",
                f"          - {{lan: peering, macs: [{mac_list}], ipv4: [{v4}], "
                f"ipv6: [{v6}]}}"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- running it

def runtime_dir(prefix):
    base = "/var/run" if os.geteuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def remove_runtime_dir(prefix):
    """DPDK leaves its runtime directory behind; remove ours by its exact name."""
    shutil.rmtree(runtime_dir(prefix), ignore_errors=True)


class Dataplane:
    """One peerlan-dataplane process; its stderr is collected line by line."""

    def __init__(self, exe, workdir, config, extra=(), eal=None):
        self.prefix = f"peerlan-dpt-{os.getpid()}-{os.path.basename(workdir)}"
        self.stats = os.path.join(workdir, "stats.json")
        args = [exe] + (eal or EAL) + ["--file-prefix", self.prefix, "--", "-c", config,
                              "--stats-json", self.stats] + list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.lines = queue.Queue()
        self.log = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, pattern, timeout=10):
        """Waits for a stderr line matching pattern; returns the lines up to it."""
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.log.append(line)
            seen.append(line)
            if re.search(pattern, line):
                return seen
        raise Failed(f"no line matching /{pattern}/ from the dataplane; it said:\n  " +
                     "\n  ".join(self.log))

    def wait(self, timeout=RUN_TIMEOUT):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failed(f"the dataplane did not exit within {timeout} s")
        time.sleep(0.05)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        remove_runtime_dir(self.prefix)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        remove_runtime_dir(self.prefix)

    def telemetry(self, cmd):
        """One DPDK telemetry command, as dpdk-telemetry.py sends it."""
        path = os.path.join(runtime_dir(self.prefix), "dpdk_telemetry.v2")
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(5)
            s.connect(path)
            json.loads(s.recv(16384).decode())
            s.send(cmd.encode())
            reply = json.loads(s.recv(1 << 16).decode())
        return reply[cmd.split(",")[0]]

    def read_stats(self):
        with open(self.stats) as f:
            return json.load(f)


def eal_unusable(dp):
    for line in dp.log:
        if "cannot initialise the EAL" in line:
            return line
    return None


def run_to_idle(exe, work, cfg, eal=None):
    """Runs the dataplane on cfg until its ports fall idle and returns it, or
    None (after saying why) when the EAL cannot start here."""
    dp = Dataplane(exe, work, cfg, ["--idle-exit", "500"], eal=eal)
    rc = dp.wait()
    if eal_unusable(dp):
        print("SKIP: " + eal_unusable(dp))
        return None
    check(rc == 0, f"dataplane exited with {rc}:\n  " + "\n  ".join(dp.log))
    return dp


# ---------------------------------------------------------------- frames

def pad(p):
    """Bytes of a frame, zero-padded to the 60-byte Ethernet minimum."""
    b = bytes(p)
    return b + bytes(max(0, 60 - len(b)))


def of_len(p, length):
    """A frame of exactly length bytes: the payload of p's last layer grows."""
    b = bytes(p)
    check(len(b) <= length, "frame template longer than wanted")
    return bytes(p / Raw(b"\x00" * (length - len(b))))


def push_tag(frame, vlan=VLAN):
    return frame[:12] + struct.pack(">HH", 0x8100, vlan) + frame[12:]


def pop_tag(frame):
    return frame[:12] + frame[16:]


def with_dst(frame, mac):
    return bytes.fromhex(mac.replace(":", "")) + frame[6:]


def udp4(src, dst, sport=40000, dport=53, size=80):
    return of_len(Ether(src=src, dst=dst) / IP(src=ip4(int(src[-2:], 16)), dst=ip4(
        int(dst[-2:], 16))) / UDP(sport=sport, dport=dport), size)


def tagged(frame, vlan=VLAN):
    return push_tag(frame, vlan)


def arp_req(src_mac, sender, target, dst=BCAST):
    return pad(Ether(src=src_mac, dst=dst) / ARP(op=1, hwsrc=src_mac, psrc=ip4(sender),
                                                  hwdst="00:00:00:00:00:00",
                                                  pdst=ip4(target)))


def ns(src_mac, sender, target):
    snm = f"33:33:ff:00:00:{target:02x}"
    return pad(Ether(src=src_mac, dst=snm) /
               IPv6(src=ip6(sender), dst=f"ff02::1:ff00:{target:x}", hlim=255) /
               ICMPv6ND_NS(tgt=ip6(target)) / ICMPv6NDOptSrcLLAddr(lladdr=src_mac))


def mcast4(group, proto, payload, ttl=1):
    last = int(group.split(".")[-1])
    return pad(Ether(src=A1, dst=f"01:00:5e:00:00:{last:02x}") /
               IP(src=ip4(0x11), dst=group, ttl=ttl, proto=proto) / Raw(payload))


def all_nodes6(payload, dst="ff02::1", dst_mac="33:33:00:00:00:01"):
    return pad(Ether(src=A1, dst=dst_mac) / IPv6(src="fe80::11", dst=dst, hlim=255) / payload)


# ---------------------------------------------------------------- policy scenario

PORTS = ["port1", "port2", "port3", "port4"]


def policy_cases():
    """(name, ingress port, frame, expectation); expectation is
    ("fwd", port, bytes), ("steer", port, bytes), ("answer", port, bytes) or
    ("drop", reason)."""
    cases = []

    def fwd(name, port, frame, out_port, out=None):
        cases.append((name, port, frame, ("fwd", out_port, frame if out is None else out)))

    def drop(name, port, frame, reason):
        cases.append((name, port, frame, ("drop", reason)))

    def steer(name, port, frame, out_port, out):
        cases.append((name, port, frame, ("steer", out_port, out)))

    def answer(name, port, frame, out):
        cases.append((name, port, frame, ("answer", port, out)))

    # Unicast between provisioned MACs, and the ways it must not go.
    fwd("unicast A->B", "port1", udp4(A1, B), "port2")
    fwd("unicast B->A", "port2", udp4(B, A1), "port1")
    fwd("unicast B->A's second MAC", "port2", udp4(B, A2), "port1")
    fwd("BGP over IPv6", "port1", pad(Ether(src=A1, dst=B) / IPv6(src=ip6(0x11), dst=ip6(
        0x12)) / TCP(sport=40000, dport=179, flags="S")), "port2")
    fwd("ICMP echo", "port1", pad(Ether(src=A1, dst=B) / IP(src=ip4(0x11), dst=ip4(0x12)) /
                                  ICMP(type=8)), "port2")
    fwd("ICMPv6 echo", "port1", pad(Ether(src=A1, dst=B) / IPv6(src=ip6(0x11), dst=ip6(
        0x12)) / ICMPv6EchoRequest()), "port2")
    drop("unknown unicast", "port1", udp4(A1, NOBODY), "unknown_unicast")
    drop("hairpin", "port1", udp4(A1, A2), "hairpin")
    drop("destination port admin down", "port1", udp4(A1, D), "dst_port_down")
    drop("ingress port admin down", "port4", udp4(D, A1), "port_down")
    drop("spoofed source MAC", "port1", udp4(B, A1), "src_mac_violation")

    # Sizes: the Ethernet minimum and port1/port2's MTU of 1500.
    fwd("exactly 60 bytes", "port1", udp4(A1, B, size=60), "port2")
    drop("runt (59 bytes)", "port1", udp4(A1, B, size=59), "runt")
    fwd("full-size frame (1514 bytes)", "port2", udp4(B, A1, size=1514), "port1")
    drop("oversize (1515 bytes)", "port2", udp4(B, A1, size=1515), "oversize")

    # VLANs: port1 is access, port3 a trunk carrying VLAN 100.
    frame = udp4(A1, C)
    fwd("tag pushed towards a trunk", "port1", frame, "port3", push_tag(frame))
    frame = udp4(C, A1)
    fwd("tag popped towards an access port", "port3", tagged(frame), "port1", frame)
    frame = udp4(C, B)
    fwd("trunk to access", "port3", tagged(frame), "port2", frame)
    drop("tagged on access", "port1", tagged(udp4(A1, B)), "vlan_tagged_on_access")
    drop("untagged on trunk", "port3", udp4(C, A1), "vlan_untagged_on_trunk")
    drop("wrong tag on trunk", "port3", tagged(udp4(C, A1), 200), "vlan_not_allowed")
    drop("double tag", "port3", tagged(tagged(udp4(C, A1))), "vlan_double_tag")

    # Link-local and vendor protocols.
    drop("BPDU", "port1", pad(Dot3(src=A1, dst="01:80:c2:00:00:00") / LLC() / STP()),
         "link_local")
    drop("LACP", "port1", pad(Ether(src=A1, dst="01:80:c2:00:00:02", type=0x8809) /
                              Raw(b"\x01\x01" + bytes(50))), "link_local")
    drop("LLDP", "port1", pad(Ether(src=A1, dst="01:80:c2:00:00:0e", type=0x88CC) /
                              Raw(bytes(40))), "link_local")
    drop("LLDP EtherType to a member", "port1",
         pad(Ether(src=A1, dst=B, type=0x88CC) / Raw(bytes(40))), "lldp")
    drop("CDP", "port1", pad(Dot3(src=A1, dst="01:00:0c:cc:cc:cc") /
                             LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0x0C, code=0x2000) /
                             Raw(bytes(30))), "cisco_discovery")
    drop("PVST+", "port1", pad(Dot3(src=A1, dst="01:00:0c:cc:cc:cd") /
                               LLC(dsap=0xAA, ssap=0xAA, ctrl=3) /
                               SNAP(OUI=0x0C, code=0x010B) / Raw(bytes(40))),
         "cisco_discovery")
    drop("EDP", "port1", pad(Dot3(src=A1, dst="00:e0:2b:00:00:00") /
                             LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0xE02B, code=0x00BB) /
                             Raw(bytes(30))), "edp")
    for et in (0x88BF, 0x9998, 0x999A):
        drop(f"vendor EtherType {et:#06x}", "port1",
             pad(Ether(src=A1, dst=B, type=et) / Raw(bytes(40))), "vendor_discovery")
    drop("LLC/SNAP to a member", "port1", pad(Dot3(src=A1, dst=B) /
                                              LLC(dsap=0xAA, ssap=0xAA, ctrl=3) /
                                              SNAP(OUI=0, code=0x0800) / Raw(bytes(30))),
         "llc_snap")
    drop("EtherType not allowed", "port1", pad(Ether(src=A1, dst=B, type=0x88B5) /
                                               Raw(bytes(40))), "ethertype")

    # IPv4 protocols of the rules.
    drop("DHCP discover", "port1",
         pad(Ether(src=A1, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=68, dport=67) / BOOTP(chaddr=bytes.fromhex("02005e100011")) /
             DHCP(options=[("message-type", "discover"), "end"])), "ipv4_dhcp")
    fwd("UDP 53 is not DHCP", "port1", udp4(A1, B, sport=53, dport=53), "port2")
    drop("IGMP report", "port1", mcast4("224.0.0.22", 2, b"\x22\x00\xf9\x02" + bytes(4)),
         "ipv4_igmp")
    drop("OSPF hello", "port1", mcast4("224.0.0.5", 89, b"\x02\x01" + bytes(42)), "ipv4_ospf")
    drop("PIM hello", "port1", mcast4("224.0.0.13", 103, b"\x20\x00" + bytes(10)), "ipv4_pim")
    drop("VRRP", "port1", mcast4("224.0.0.18", 112, b"\x21\x01\x64\x01" + bytes(12), ttl=255),
         "ipv4_vrrp")
    drop("ICMP redirect", "port1", pad(Ether(src=A1, dst=B) / IP(src=ip4(0x11), dst=ip4(0x12)) /
                                       ICMP(type=5, code=1, gw=ip4(0x99)) / Raw(bytes(28))),
         "ipv4_icmp_redirect")
    drop("IPv4 multicast", "port1", pad(Ether(src=A1, dst="01:00:5e:01:01:01") /
                                        IP(src=ip4(0x11), dst="239.1.1.1") /
                                        UDP(sport=5000, dport=5000)), "ipv4_multicast")
    drop("IPv4 broadcast", "port1", pad(Ether(src=A1, dst=BCAST) /
                                        IP(src=ip4(0x11), dst="192.0.2.255") /
                                        UDP(sport=9, dport=9)), "broadcast")

    # IPv6 protocols of the rules, also behind extension headers.
    drop("RA", "port1", all_nodes6(ICMPv6ND_RA()), "ipv6_ra")
    drop("RA behind hop-by-hop", "port1", all_nodes6(IPv6ExtHdrHopByHop() / ICMPv6ND_RA()),
         "ipv6_ra")
    drop("RA behind destination options", "port1",
         all_nodes6(IPv6ExtHdrDestOpt() / ICMPv6ND_RA()), "ipv6_ra")
    drop("RA in an atomic fragment", "port1",
         all_nodes6(IPv6ExtHdrFragment(id=7) / ICMPv6ND_RA()), "ipv6_ra")
    drop("RS", "port1", all_nodes6(ICMPv6ND_RS(), "ff02::2", "33:33:00:00:00:02"), "ipv6_rs")
    drop("IPv6 redirect", "port1", pad(Ether(src=A1, dst=B) / IPv6(src="fe80::11", dst=ip6(
        0x12), hlim=255) / ICMPv6ND_Redirect(tgt="fe80::99", dst=ip6(0x99))), "ipv6_redirect")
    drop("MLDv2 report", "port1",
         pad(Ether(src=A1, dst="33:33:00:00:00:16") /
             IPv6(src="fe80::11", dst="ff02::16", hlim=1) /
             IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLReport2()), "ipv6_mld")
    drop("DHCPv6 solicit", "port1",
         pad(Ether(src=A1, dst="33:33:00:01:00:02") / IPv6(src="fe80::11", dst="ff02::1:2") /
             UDP(sport=546, dport=547) / DHCP6_Solicit()), "ipv6_dhcp")
    drop("IPv6 multicast", "port1",
         pad(Ether(src=A1, dst="33:33:00:00:01:01") / IPv6(src=ip6(0x11), dst="ff0e::101") /
             UDP(sport=5000, dport=5000)), "ipv6_multicast")

    # ARP and neighbour discovery: steered to the owner only, never flooded.
    frame = arp_req(A1, 0x11, 0x12)
    steer("ARP request steered to its owner", "port1", frame, "port2", with_dst(frame, B))
    frame = arp_req(A1, 0x11, 0x13)
    steer("ARP request steered onto a trunk", "port1", frame, "port3",
          push_tag(with_dst(frame, C)))
    drop("ARP for an address nobody owns", "port1", arp_req(A1, 0x11, 0x99),
         "arp_unknown_target")
    drop("ARP for an owner whose port is down", "port1", arp_req(A1, 0x11, 0x14),
         "arp_owner_down")
    drop("ARP spoof (sender address of another member)", "port1", arp_req(A1, 0x12, 0x13),
         "arp_spoof")
    fwd("ARP reply to its asker", "port1",
        pad(Ether(src=A1, dst=B) / ARP(op=2, hwsrc=A1, psrc=ip4(0x11), hwdst=B,
                                       pdst=ip4(0x12))), "port2")
    frame = ns(A1, 0x11, 0x12)
    steer("NS steered to its owner", "port1", frame, "port2", with_dst(frame, B))
    drop("NS for an address nobody owns", "port1", ns(A1, 0x11, 0x99), "nd_unknown_target")
    fwd("NA to its asker", "port1",
        pad(Ether(src=A1, dst=B) / IPv6(src=ip6(0x11), dst=ip6(0x12), hlim=255) /
            ICMPv6ND_NA(tgt=ip6(0x11), R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=A1)),
        "port2")

    # RFC 7999 blackholing: the fabric answers for the LAN's next hops with
    # the blackhole MAC, and drops what is sent there from any port.
    answer("ARP for the blackhole next hop", "port1", arp_req(A1, 0x11, 0x66),
           pad(Ether(src=BH, dst=A1) / ARP(op=2, hwsrc=BH, psrc=ip4(0x66), hwdst=A1,
                                           pdst=ip4(0x11))))
    answer("NS for the blackhole next hop", "port2", ns(B, 0x12, 0x66),
           bytes(Ether(src=BH, dst=B) / IPv6(src=ip6(0x66), dst=ip6(0x12), hlim=255) /
                 ICMPv6ND_NA(tgt=ip6(0x66), R=0, S=1, O=1) /
                 ICMPv6NDOptDstLLAddr(lladdr=BH)))
    drop("UDP to the blackhole MAC", "port1", udp4(A1, BH), "blackhole")
    drop("IPv6 to the blackhole MAC", "port2",
         pad(Ether(src=B, dst=BH) / IPv6(src=ip6(0x12), dst="2001:db8:5::1") /
             TCP(sport=40000, dport=443)), "blackhole")
    drop("tagged UDP to the blackhole MAC", "port3", tagged(udp4(C, BH)), "blackhole")
    return cases


def check_cases(work, dp, cases, ports):
    """What the dataplane dp did with cases (policy_cases()'s form) on ports:
    every frame transmitted where expected and nothing else, the counters of
    every port as the cases say, every copy for control accounted for."""
    stats = dp.read_stats()["ports"]

    errors = []
    for port in ports:
        got = read_pcap(os.path.join(work, f"out-{port}.pcap"))
        want = [e[2] for _, _, _, e in cases
                if e[0] in ("fwd", "steer", "answer") and e[1] == port]
        missing = [f for f in want if f not in got]
        extra = list(got)
        for f in want:
            if f in extra:
                extra.remove(f)
        for f in missing:
            name = next(n for n, _, _, e in cases if e[0] != "drop" and e[2] == f)
            errors.append(f"{port} did not transmit the frame of '{name}'")
        for f in extra:
            names = [n for n, _, fr, _ in cases if fr == f or bytes(fr) == pop_tag(f)]
            errors.append(f"{port} transmitted an unexpected frame ({len(f)} bytes, "
                          f"{f[:20].hex()}...; input of {names or 'no case'})")
        s = stats[port]
        if s["tx_packets"] != len(got):
            errors.append(f"{port}: tx_packets {s['tx_packets']}, pcap has {len(got)}")
        if s["tx_octets"] != sum(len(f) for f in got):
            errors.append(f"{port}: tx_octets {s['tx_octets']} != {sum(len(f) for f in got)}")
        # Each class as the frames on the wire say (the dataplane counts what
        # the pipeline sends as unicast without looking again).
        for cls, want in (("tx_unicast", sum(1 for f in got if not f[0] & 1)),
                          ("tx_broadcast", sum(1 for f in got if f[:6] == b"\xff" * 6)),
                          ("tx_multicast",
                           sum(1 for f in got if f[0] & 1 and f[:6] != b"\xff" * 6))):
            if s[cls] != want:
                errors.append(f"{port}: {cls} {s[cls]}, pcap has {want}")

        mine = [c for c in cases if c[1] == port]
        want_ctr = {
            "rx_packets": len(mine),
            "rx_octets": sum(len(c[2]) for c in mine),
            "forwarded": sum(1 for c in mine if c[3][0] == "fwd"),
            "steered": sum(1 for c in mine if c[3][0] == "steer"),
            "answered": sum(1 for c in mine if c[3][0] == "answer"),
            "rx_discards": sum(1 for c in mine if c[3][0] == "drop"),
        }
        for k, v in want_ctr.items():
            if s[k] != v:
                errors.append(f"{port}: {k} is {s[k]}, expected {v}")
        want_drops = {}
        for n, _, _, e in mine:
            if e[0] == "drop":
                want_drops.setdefault(e[1], []).append(n)
        for reason, n in s["drops"].items():
            if n != len(want_drops.get(reason, [])):
                errors.append(f"{port}: drops.{reason} is {n}, expected "
                              f"{len(want_drops.get(reason, []))} "
                              f"({', '.join(want_drops.get(reason, [])) or 'none'})")
        for reason in want_drops:
            if reason not in s["drops"]:
                errors.append(f"{port}: no drop reason named {reason}")
        total = s["forwarded"] + s["steered"] + s["answered"] + sum(s["drops"].values())
        if s["rx_packets"] != total:
            errors.append(f"{port}: accounting broken: rx_packets {s['rx_packets']} != "
                          f"forwarded + steered + answered + drops = {total}")
    # Every copy is delivered or counted under one reason; with no control
    # process here, those the main lcore took off the rings are no_control.
    outcomes = ("punt_delivered", "punt_policed", "punt_no_buffer", "punt_ring_full",
                "punt_no_control", "punt_socket_busy", "punt_disconnected")
    for p in ports:
        s = stats[p]
        if s["punted"] != sum(s[k] for k in outcomes):
            errors.append(f"{p}: {s['punted']} copies punted but " +
                          ", ".join(f"{k} {s[k]}" for k in outcomes))
    punted = sum(stats[p]["punted"] for p in ports)
    in_worker = sum(stats[p][k] for p in ports
                    for k in ("punt_policed", "punt_no_buffer", "punt_ring_full"))
    consumed = dp.read_stats()["punt_consumed"]
    if punted != consumed + in_worker:
        errors.append(f"{punted} copies punted but {consumed} taken off the punt rings "
                      f"and {in_worker} lost before them")
    check(not errors, f"{len(errors)} problem(s) in {len(cases)} cases:\n  " +
          "\n  ".join(errors))


def scenario_policy(exe, work):
    ports = [("port1", "access", "up"), ("port2", "access", "up"), ("port3", "trunk", "up"),
             ("port4", "access", "down")]
    cases = policy_cases()
    inputs = {p: [] for p in PORTS}
    for _, port, frame, _ in cases:
        inputs[port].append(frame)
    devices = []
    for i, (name, mode, admin) in enumerate(ports):
        rx, tx = os.path.join(work, f"in-{name}.pcap"), os.path.join(work, f"out-{name}.pcap")
        write_pcap(rx, inputs[name])
        devices.append((name, f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}", mode, admin))
    members = [(64501, "port1", [A1, A2], [0x11]), (64502, "port2", [B], [0x12]),
               (64503, "port3", [C], [0x13]), (64504, "port4", [D], [0x14])]
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(devices, members, blackhole=True))

    dp = run_to_idle(exe, work, cfg)
    if dp is None:
        return SKIP
    check_cases(work, dp, cases, PORTS)
    print(f"policy: {len(cases)} cases on {len(PORTS)} ports as expected")
    return 0


# ---------------------------------------------------------------- jumbo-frame LAN

JUMBO_VLAN = 200


def jumbo_config(devices):
    """peering (VLAN 100, MTU 1500) and jumbo (VLAN 200, MTU 9000): A on port1
    and B on port2 on jumbo, C on port3 trunking both, D on port4 on peering.
    No port sets an MTU: each takes the largest of its LANs'."""
    lans = {"port1": "[jumbo]", "port2": "[jumbo]", "port3": "[peering, jumbo]",
            "port4": "[peering]"}
    out = ["fabric: {name: test-ix}", "lans:",
           "  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24, ipv6: \"2001:db8:100::/64\"}",
           f"  - {{name: jumbo, vlan: {JUMBO_VLAN}, mtu: 9000, ipv4: 198.51.100.0/24, "
           "ipv6: \"2001:db8:200::/64\"}", "ports:"]
    for name, device, mode in devices:
        out.append(f"  - {{name: {name}, device: \"{device}\", mode: {mode}, "
                   f"lans: {lans[name]}}}")
    out.append("members:")
    for asn, port, mac, n, on in ((64501, "port1", A1, 0x11, ["jumbo"]),
                                  (64502, "port2", B, 0x12, ["jumbo"]),
                                  (64503, "port3", C, 0x13, ["peering", "jumbo"]),
                                  (64504, "port4", D, 0x14, ["peering"])):
        out += [f"  - {{asn: {asn}, name: M{asn}, connections: [{{port: {port}, lans: ["]
        out[-1] += ", ".join(
            f"{{lan: {lan}, macs: [\"{mac}\"], ipv4: [{j4(n) if lan == 'jumbo' else ip4(n)}]}}"
            for lan in on) + "]}]}"
    return "\n".join(out) + "\n"


def j4(n):
    return f"198.51.100.{n}"


def j6(n):
    return f"2001:db8:200::{n:x}"


def jumbo_cases():
    """Frames longer than one 2048-byte buffer, which net_pcap hands over as a
    chain: forwarded whole, tag pushed and popped in the first buffer only,
    checked against their LAN's MTU (not the port's) by their whole length."""
    cases = []

    def fwd(name, port, frame, out_port, out=None):
        cases.append((name, port, frame, ("fwd", out_port, frame if out is None else out)))

    def drop(name, port, frame, reason):
        cases.append((name, port, frame, ("drop", reason)))

    def v4(src, dst, sn, dn, ip_len, vlan=None):
        eth = Ether(src=src, dst=dst) / Dot1Q(vlan=vlan) if vlan else Ether(src=src, dst=dst)
        return of_len(eth / IP(src=sn, dst=dn, flags="DF") / ICMP(), ip_len + 14 +
                      (4 if vlan else 0))

    def v6(src, dst, sn, dn, ip_len):
        return of_len(Ether(src=src, dst=dst) / IPv6(src=sn, dst=dn) / ICMPv6EchoRequest(),
                      ip_len + 14)

    big = v4(A1, B, j4(0x11), j4(0x12), 9000)
    fwd("9000 bytes of IPv4 on the jumbo LAN", "port1", big, "port2")
    fwd("9000 bytes of IPv6 on the jumbo LAN", "port2", v6(B, A1, j6(0x12), j6(0x11), 9000),
        "port1")
    drop("9001 bytes of IPv4 on the jumbo LAN", "port1", v4(A1, B, j4(0x11), j4(0x12), 9001),
         "oversize")
    drop("9001 bytes of IPv6 on the jumbo LAN", "port2", v6(B, A1, j6(0x12), j6(0x11), 9001),
         "oversize")
    frame = v4(A1, C, j4(0x11), j4(0x13), 9000)
    fwd("9000 bytes to a trunk: tag pushed", "port1", frame, "port3",
        push_tag(frame, JUMBO_VLAN))
    frame = v4(C, B, j4(0x13), j4(0x12), 9000, vlan=JUMBO_VLAN)
    fwd("9000 bytes from a trunk: tag popped", "port3", frame, "port2", pop_tag(frame))
    fwd("1500 bytes tagged for the 1500 LAN", "port3",
        v4(C, D, ip4(0x13), ip4(0x14), 1500, vlan=VLAN), "port4",
        pop_tag(v4(C, D, ip4(0x13), ip4(0x14), 1500, vlan=VLAN)))
    drop("1501 bytes tagged for the 1500 LAN on the 9000 trunk", "port3",
         v4(C, D, ip4(0x13), ip4(0x14), 1501, vlan=VLAN), "oversize")
    drop("1501 bytes on the 1500 LAN", "port4", v4(D, C, ip4(0x14), ip4(0x13), 1501),
         "oversize")
    drop("ARP request of 3000 bytes, past its first buffer", "port1",
         of_len(Ether(src=A1, dst=BCAST) / ARP(op=1, hwsrc=A1, psrc=j4(0x11),
                                                pdst=j4(0x12)), 3000), "scattered")
    return cases


def scenario_jumbo(exe, work):
    ports = [("port1", "access"), ("port2", "access"), ("port3", "trunk"), ("port4", "access")]
    cases = jumbo_cases()
    devices = []
    for i, (name, mode) in enumerate(ports):
        rx, tx = os.path.join(work, f"in-{name}.pcap"), os.path.join(work, f"out-{name}.pcap")
        write_pcap(rx, [c[2] for c in cases if c[1] == name])
        devices.append((name, f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}", mode))
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(jumbo_config(devices))
    dp = run_to_idle(exe, work, cfg)
    if dp is None:
        return SKIP
    check_cases(work, dp, cases, [p for p, _ in ports])
    print(f"jumbo: {len(cases)} cases on {len(ports)} ports as expected")
    return 0


# ---------------------------------------------------------------- reload scenario

class FifoWriter:
    """The writing end of a named pipe that net_pcap reads as its rx_pcap, so
    frames can be sent after the dataplane has started (a file is read at once)."""

    def __init__(self, path, proc, timeout=10):
        deadline = time.time() + timeout
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                check(proc.poll() is None, "dataplane exited before opening its input")
                check(time.time() < deadline, "dataplane never opened its input pipe")
                time.sleep(0.02)
        fcntl.fcntl(fd, fcntl.F_SETFL, 0)
        self.f = os.fdopen(fd, "wb", buffering=0)
        self.f.write(PCAP_HEADER)

    def send_burst(self, frames, filler):
        """net_pcap returns a burst only when it is full (or at the end of the
        file), so frames go in whole bursts of BURST, completed with filler."""
        check(len(frames) <= BURST, "too many frames for one burst")
        for fr in frames + [filler] * (BURST - len(frames)):
            self.f.write(pcap_record(fr))

    def close(self):
        self.f.close()


def open_pipe(dp, fifo):
    """The FifoWriter of dp's input pipe; None (after saying why) if the EAL cannot run here."""
    try:
        return FifoWriter(fifo, dp.proc)
    except Failed:
        dp.wait(5)
        if eal_unusable(dp):
            print("SKIP: " + eal_unusable(dp))
            return None
        raise


def wait_telemetry(dp, cmd, key, want, timeout=10):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = dp.telemetry(cmd)
            if last is not None and last.get(key) == want:
                return last
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise Failed(f"telemetry {cmd}: {key} never became {want} (last answer: {last})")


def scenario_reload(exe, work):
    fifo = os.path.join(work, "in-port1.pipe")
    os.mkfifo(fifo)
    empty = os.path.join(work, "in-port2.pcap")
    write_pcap(empty, [])
    out1, out2 = os.path.join(work, "out-port1.pcap"), os.path.join(work, "out-port2.pcap")
    ports = [("port1", f"net_pcap0,rx_pcap={fifo},tx_pcap={out1}", "access", "up"),
             ("port2", f"net_pcap1,rx_pcap={empty},tx_pcap={out2}", "access", "up")]
    B_NEW = "02:00:5e:10:00:22"
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(ports, [(64501, "port1", [A1], [0x11]),
                                    (64502, "port2", [B], [0x12])]))
    to_b, to_b_new = udp4(A1, B), udp4(A1, B_NEW)
    runt = udp4(A1, B, size=59)

    dp = Dataplane(exe, work, cfg)
    try:
        pipe = open_pipe(dp, fifo)
        if pipe is None:
            return SKIP
        dp.wait_line(r"forwarding on 2 port")
        status = wait_telemetry(dp, "/peerlan/status", "generation", 1)
        check(status.get("version"), f"/peerlan/status has no version: {status}")
        check(dp.telemetry("/peerlan/ports") == ["port1", "port2"], "/peerlan/ports")

        # Generation 1: B's MAC is provisioned, the new one is not.
        pipe.send_burst([to_b, to_b_new], runt)
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", BURST)

        # Generation 2: B moved to a new MAC.
        with open(cfg, "w") as f:
            f.write(config_yaml(ports, [(64501, "port1", [A1], [0x11]),
                                        (64502, "port2", [B_NEW], [0x12])]))
        dp.proc.send_signal(signal.SIGHUP)
        dp.wait_line(r"generation 2 applied")
        wait_telemetry(dp, "/peerlan/status", "generation", 2)
        pipe.send_burst([to_b, to_b_new], runt)
        wait_telemetry(dp, "/peerlan/port,0", "rx_packets", 2 * BURST)

        # A file with errors changes nothing and every error is logged with its place.
        with open(cfg, "w") as f:
            f.write(config_yaml(ports, [(64501, "port1", ["02:00:5e:zz:00:11"], [0x11]),
                                        (64502, "port9", [B], [0x12])]))
        dp.proc.send_signal(signal.SIGHUP)
        seen = dp.wait_line(r"keeping generation 2")
        time.sleep(0.3)
        while not dp.lines.empty():
            seen.append(dp.lines.get())
            dp.log.append(seen[-1])
        located = [ln for ln in seen if re.match(re.escape(cfg) + r":\d+:\d+: ", ln)]
        check(len(located) >= 2, "expected both errors as FILE:LINE:COL lines, got:\n  " +
              "\n  ".join(seen))
        check(any("port9" in ln for ln in located), "the unknown port is not named")
        check(dp.telemetry("/peerlan/status")["generation"] == 2, "generation changed")
        pipe.send_burst([to_b, to_b_new], runt)
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", 3 * BURST)
        pipe.close()

        # A port added by a reload is refused: ports are fixed at start.
        with open(cfg, "w") as f:
            f.write(config_yaml(ports + [("port3", "net_null0", "access", "up")],
                                [(64501, "port1", [A1], [0x11]),
                                 (64502, "port2", [B_NEW], [0x12])]))
        dp.proc.send_signal(signal.SIGHUP)
        dp.wait_line(r"ports are fixed at start")
        dp.wait_line(r"keeping generation 2")

        dp.proc.send_signal(signal.SIGTERM)
        rc = dp.wait()
    finally:
        dp.kill()
    check(rc == 0, f"dataplane exited with {rc}")
    got = read_pcap(out2)
    want = [to_b, to_b_new, to_b_new]
    check(sorted(got) == sorted(want),
          f"port2 transmitted {len(got)} frames, expected {len(want)}: one to B's old MAC "
          f"under generation 1, one to the new MAC under each of generations 2 and 2-kept")
    s = dp.read_stats()
    check(s["generation"] == 2, f"generation {s['generation']}, expected 2")
    p1 = s["ports"]["port1"]
    want = {"rx_packets": 3 * BURST, "forwarded": 3, "unknown_unicast": 3,
            "runt": 3 * (BURST - 2)}
    got = {k: p1["drops"][k] if k in p1["drops"] else p1[k] for k in want}
    check(got == want, f"port1 counters {got}, expected {want}")
    print("reload: new configuration applied, invalid one and port change refused")
    return 0


# ---------------------------------------------------------------- sub-rate port

RATE = 2_000_000  # bit/s of port1's policer
RATE_FRAME = 500  # bytes per frame
RATE_SECONDS = 4


def scenario_rate_limit(exe, work):
    """port1 is a 2 Mb/s sub-rate port; A sends to B at twice that for a few
    seconds, in bursts through a pipe. What reaches port2 is within 5% of the
    rate over that time, and the rest is counted under rate_limit."""
    fifo = os.path.join(work, "in-port1.pipe")
    os.mkfifo(fifo)
    empty = os.path.join(work, "in-port2.pcap")
    write_pcap(empty, [])
    out2 = os.path.join(work, "out-port2.pcap")
    ports = [("port1", f"net_pcap0,rx_pcap={fifo},tx_pcap={os.path.join(work, 'o1.pcap')}",
              "access", "up"),
             ("port2", f"net_pcap1,rx_pcap={empty},tx_pcap={out2}", "access", "up")]
    cfg = os.path.join(work, "fabric.yaml")
    text = config_yaml(ports, [(64501, "port1", [A1], [0x11]), (64502, "port2", [B], [0x12])])
    with open(cfg, "w") as f:
        f.write(text.replace("mtu: 1500}", f"mtu: 1500, rate-limit: {{rate: {RATE}}}}}", 1))
    frame = udp4(A1, B, size=RATE_FRAME)
    bursts_per_s = 2 * RATE / 8 / RATE_FRAME / BURST
    nbursts = int(bursts_per_s * RATE_SECONDS)

    dp = Dataplane(exe, work, cfg)
    try:
        pipe = open_pipe(dp, fifo)
        if pipe is None:
            return SKIP
        dp.wait_line(r"forwarding on 2 port")
        t0 = time.monotonic()
        for i in range(nbursts):
            delay = t0 + i / bursts_per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t_last = time.monotonic()
            pipe.send_burst([], frame)
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", nbursts * BURST)
        p1 = dp.telemetry("/peerlan/port,port1")
        p2 = dp.telemetry("/peerlan/port,port2")
        pipe.close()
    finally:
        dp.kill()
    sent = nbursts * BURST
    fwd, policed = p1["forwarded"], p1["drops"].get("rate_limit", 0)
    # From the first burst to the last; the meter starts full (its burst).
    span = t_last - t0
    burst = max(RATE // 8 // 100, 9216 + 26)
    offered = 8 * (sent - BURST) * RATE_FRAME / span
    got = 8 * (fwd * RATE_FRAME - burst) / span
    print(f"rate-limit: offered {offered / 1e6:.3f} Mb/s over {span:.2f} s, forwarded "
          f"{fwd} of {sent} frames = {got / 1e6:.3f} Mb/s against {RATE / 1e6:.3f} configured, "
          f"{policed} under rate_limit")
    check(offered > 1.8 * RATE, f"offered only {offered:.0f} bit/s, not twice the rate")
    check(abs(got - RATE) <= 0.05 * RATE, f"forwarded {got:.0f} bit/s, not within 5% of {RATE}")
    check(fwd + policed == sent == p1["rx_packets"],
          f"forwarded {fwd} + rate_limit {policed} != received {p1['rx_packets']} (sent {sent})")
    check(sum(p1["drops"].values()) == policed and p1["rx_discards"] == policed,
          f"other drops on port1: {p1['drops']}")
    check(p2["tx_packets"] == fwd, f"port2 sent {p2['tx_packets']}, port1 forwarded {fwd}")
    return 0


# ---------------------------------------------------------------- live capture

CAPTURE_MEM = 256  # EAL -m of the dataplane under capture, MB


def capture_pages(work):
    """Hugepages for the capture scenario: the dataplane's -m and room for
    dpdk-dumpcap's pool, on a private hugetlbfs under work. Returns the
    HugePages (release() it) or None after saying why they cannot be had."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from hugepages import HugePages, HugePagesError
    huge = HugePages(os.path.join(work, "hugepages"), CAPTURE_MEM // 2 + 64)
    try:
        huge.reserve()
    except (HugePagesError, OSError, subprocess.CalledProcessError) as e:
        print(f"SKIP: DPDK's capture needs a dataplane with hugepages: {e}")
        return None
    return huge


def start_dumpcap(dumpcap, dp, args):
    """dpdk-dumpcap attached to dp; returns it and what it said once its
    callbacks are in place, or raises Failed with what it said. It then
    writes "Packets captured: N" on stderr (N updated in place, no newline);
    its "Capturing on" goes to stdout, which a pipe holds back until it exits."""
    cap = subprocess.Popen([dumpcap, f"--file-prefix={dp.prefix}"] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    said = []

    def read():
        while True:
            chunk = os.read(cap.stdout.fileno(), 4096)
            if not chunk:
                return
            said.append(chunk.decode(errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.time() + 30
    while time.time() < deadline and cap.poll() is None:
        if "Packets captured:" in "".join(said):
            return cap, reader, said
        time.sleep(0.1)
    cap.kill()
    cap.wait()
    reader.join(5)
    raise Failed("dpdk-dumpcap did not attach to the dataplane within 30 s; it said:\n  " +
                 "".join(said).replace("\n", "\n  "))


def capture_scenario(exe, work, kind):
    """dpdk-dumpcap, as a secondary process of the running dataplane (with
    hugepages), captures port1's frames in both directions through a BPF
    filter into pcapng, and nothing of port2's traffic to port3 nor what the
    filter leaves out, while every frame is still forwarded, and after it
    has left. kind: the ports' driver, "af_packet" (as in the lab) or "pcap"
    (as in the benchmark)."""
    dumpcap = shutil.which("dpdk-dumpcap")
    if dumpcap is None or shutil.which("tshark") is None:
        print("SKIP: dpdk-dumpcap (Debian's dpdk) or tshark is not installed")
        return SKIP
    huge = capture_pages(work)
    if huge is None:
        return SKIP
    try:
        return capture_run(exe, work, dumpcap, huge.dir, kind)
    finally:
        huge.release()


def scenario_capture(exe, work):
    return capture_scenario(exe, work, "af_packet")


def scenario_capture_pcap(exe, work):
    """On net_pcap ports, whose driver, in the capture tool's process, sets
    the link down in the device's shared state as the tool exits: the
    dataplane must go on forwarding all the same."""
    return capture_scenario(exe, work, "pcap")


class VethPort:
    """A veth pair: a port (net_af_packet or net_pcap) on end a, and what the test sends on
    end b with an AF_PACKET socket, the port receives. No addresses, no ARP,
    no IPv6: the kernel sends nothing of its own."""

    def __init__(self, name):
        self.name, self.peer = name + "a", name + "b"
        subprocess.run(["ip", "link", "add", self.name, "type", "veth", "peer", "name",
                        self.peer], check=True)
        for end in (self.name, self.peer):
            with open(f"/proc/sys/net/ipv6/conf/{end}/disable_ipv6", "w") as f:
                f.write("1")
            subprocess.run(["ip", "link", "set", end, "arp", "off", "up"], check=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((self.peer, 0))

    def send(self, frames):
        for fr in frames:
            self.sock.send(fr)

    def remove(self):
        self.sock.close()
        subprocess.run(["ip", "link", "del", self.name], stderr=subprocess.DEVNULL)


def capture_run(exe, work, dumpcap, huge_dir, kind):
    tag = f"pdc{os.getpid() % 100000}"
    veths = []
    try:
        for i in (1, 2, 3):
            veths.append(VethPort(f"{tag}p{i}"))
    except (OSError, subprocess.CalledProcessError) as e:
        for d in veths:
            d.remove()
        print(f"SKIP: cannot make a veth pair for the ports: {e}")
        return SKIP
    # net_pcap: short device strings (the driver keeps 64 bytes of them for
    # a secondary process, which opens them too); what the ports send is
    # counted, not kept.
    devices = {"af_packet": "net_af_packet{i},iface={v}",
               "pcap": "net_pcap{i},rx_iface={v},tx_pcap=/dev/null"}
    ports = [(f"port{i + 1}", devices[kind].format(i=i, v=v.name), "access", "up")
             for i, v in enumerate(veths)]
    C3 = "02:00:5e:10:00:33"
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(ports, [(64501, "port1", [A1], [0x11]), (64502, "port2", [B], [0x12]),
                                    (64503, "port3", [C3], [0x33])]))
    # Captured: DNS between A and B. Not captured: port1's NTP (the filter),
    # and B's DNS to C (another port).
    a_to_b, b_to_a = udp4(A1, B), udp4(B, A1, sport=41000)
    a_ntp, b_to_c = udp4(A1, B, dport=123), udp4(B, C3, sport=42000)
    out = os.path.join(work, "port1.pcapng")
    eal = ["--huge-dir", huge_dir, "-m", str(CAPTURE_MEM), "--no-pci", "-l", "0,1",
           "--log-level=*:warning"]

    dp = Dataplane(exe, work, cfg, eal=eal)
    cap = None
    try:
        dp.wait_line(r"forwarding on 3 port", timeout=30)
        port1 = dp.telemetry("/ethdev/list")[0]
        check(dp.telemetry(f"/ethdev/info,{port1}")["name"] == f"net_{kind}0",
              f"DPDK port 0 is not port1's net_{kind}0")
        cap, reader, said = start_dumpcap(dumpcap, dp, ["-i", str(port1), "-f", "udp port 53",
                                                       "-w", out, "-a", "duration:60",
                                                       "-c", str(2 * BURST)])
        # First what the capture must not take, so that any of it would be
        # among the 2 * BURST frames dumpcap stops after.
        veths[1].send([b_to_c] * BURST)
        wait_telemetry(dp, "/peerlan/port,port3", "tx_packets", BURST, timeout=30)
        veths[0].send([a_ntp] * BURST)
        veths[0].send([a_to_b] * BURST)  # port1 receives
        veths[1].send([b_to_a] * BURST)  # port1 transmits
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", 2 * BURST, timeout=30)
        wait_telemetry(dp, "/peerlan/port,port1", "tx_packets", BURST, timeout=30)
        wait_telemetry(dp, "/peerlan/port,port2", "tx_packets", 2 * BURST, timeout=30)
        cap.wait(timeout=60)
        reader.join(10)
        rest = "".join(said)
        # Forwarding went on during the capture, every frame accounted for.
        for name in ("port1", "port2"):
            st = dp.telemetry(f"/peerlan/port,{name}")
            check(st["rx_packets"] == 2 * BURST and st["forwarded"] == 2 * BURST,
                  f"{name} during the capture: {st}")
        # And goes on once dumpcap has left (its process detaching from the
        # ports must not stop them): port1 still up once the dataplane has
        # looked at the links again (every 100 ms; its uptime moving on by
        # two seconds is many looks later), and a burst forwarded.
        up_since = dp.telemetry("/peerlan/status")["uptime_s"]
        deadline = time.time() + 30
        while dp.telemetry("/peerlan/status")["uptime_s"] < up_since + 2:
            check(time.time() < deadline, "the dataplane's uptime does not move")
            time.sleep(0.1)
        st = dp.telemetry("/peerlan/port,port1")
        check(st["link"] == "up" and st["oper"] == "up",
              f"port1 after the capture: link {st['link']}, oper {st['oper']}")
        veths[0].send([a_to_b] * BURST)
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", 3 * BURST, timeout=30)
        st = dp.telemetry("/peerlan/port,port1")
        check(st["forwarded"] == 3 * BURST and sum(st["drops"].values()) == 0,
              f"port1 after the capture: {st}")
    finally:
        if cap is not None and cap.poll() is None:
            cap.kill()
            cap.wait()
        dp.kill()
        for d in veths:
            d.remove()
    check(cap.returncode == 0, f"dpdk-dumpcap exited with {cap.returncode}: {rest}")
    with open(out, "rb") as f:
        check(f.read(4) == b"\x0a\x0d\x0d\x0a", f"{out} is not pcapng")
    got = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "eth.src", "-e", "eth.dst",
                          "-e", "udp.dstport", "-e", "frame.packet_flags_direction"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    # tshark prints the direction flags in hex (0x00000001).
    rows = [tuple(x.split("\t")[:3]) + (str(int(x.split("\t")[3], 0)),) for x in got if x]
    seen = {k: rows.count(k) for k in set(rows)}
    # pcapng's direction flag: 1 inbound (received on port1), 2 outbound.
    want = {(A1, B, "53", "1"): BURST, (B, A1, "53", "2"): BURST}
    check(seen == want, f"captured {seen}, expected port1's {BURST} in and {BURST} out only")
    print(f"capture on net_{kind}: dpdk-dumpcap with 'udp port 53' took port1's {BURST} "
          f"received and {BURST} sent frames, not its NTP nor port2 to port3, while all were "
          f"forwarded, and after it left")
    return 0


# ---------------------------------------------------------------- bad device

def scenario_bad_device(exe, work):
    good_rx = os.path.join(work, "in-port1.pcap")
    write_pcap(good_rx, [udp4(A1, B)])
    good = f"net_pcap0,rx_pcap={good_rx},tx_pcap={os.path.join(work, 'out-port1.pcap')}"
    bad_devices = [
        f"net_pcap1,rx_pcap={os.path.join(work, 'missing.pcap')},tx_pcap=/dev/null",
        "net_nosuchdriver0",
        "0000:7f:1f.7",
    ]
    for i, bad in enumerate(bad_devices):
        sub = os.path.join(work, f"run{i}")
        os.mkdir(sub)
        cfg = os.path.join(sub, "fabric.yaml")
        with open(cfg, "w") as f:
            f.write(config_yaml([("port1", good, "access", "up"),
                                 ("port2", bad, "access", "up")],
                                [(64501, "port1", [A1], [0x11]),
                                 (64502, "port2", [B], [0x12])]))
        dp = Dataplane(exe, sub, cfg, ["--idle-exit", "200"])
        rc = dp.wait(30)
        if eal_unusable(dp):
            print("SKIP: " + eal_unusable(dp))
            return SKIP
        log = "\n  ".join(dp.log)
        check(rc != 0, f"dataplane started with port2 on '{bad}':\n  {log}")
        check(any(f"port port2 ({bad})" in ln for ln in dp.log),
              f"no message naming port2 and its device '{bad}':\n  {log}")
        check(not any("forwarding on" in ln for ln in dp.log),
              f"dataplane forwarded with a port missing:\n  {log}")
        check(not os.path.exists(dp.stats), "stats written by a dataplane that never ran")
    # Without a worker lcore there is nothing to forward with: a clear error too.
    sub = os.path.join(work, "noworker")
    os.mkdir(sub)
    cfg = os.path.join(sub, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml([("port1", good, "access", "up")], [(64501, "port1", [A1], [0x11])]))
    prefix = f"peerlan-dpt-{os.getpid()}-nw"
    args = [exe] + [a if a != "0,1" else "0" for a in EAL] + [
        "--file-prefix", prefix, "--", "-c", cfg]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    remove_runtime_dir(prefix)
    check(r.returncode != 0 and "no worker lcore" in r.stderr,
          f"one lcore: exit {r.returncode}, stderr:\n{r.stderr}")
    print(f"bad-device: {len(bad_devices)} bad devices and a missing worker refused cleanly")
    return 0


def scenario_workers(exe, work):
    """Two workers, each polling one port and sending on its own TX queue of
    the other: every frame forwarded or steered in the order it came, on the
    sending worker's queue, and the counters of both workers added up."""
    n = 3000
    ports = ["port1", "port2"]
    # Worker k is lcore k + 1 and sends on TX queue k; queue 2 is the main lcore's.
    queues = 3
    inputs = {
        "port1": [udp4(A1, B, sport=1000 + i) if i % 4 else
                  bytes(of_len(Ether(src=A1, dst=B) / IPv6(src=ip6(0x11), dst=ip6(0x12)) /
                               UDP(sport=1000 + i, dport=53), 80))
                  for i in range(n)],
        "port2": [udp4(B, A1, sport=5000 + i) for i in range(n)],
    }
    # Requests steered to the owner, and spoofed sources dropped, among them.
    for i in range(0, n, 100):
        inputs["port1"][i] = arp_req(A1, 0x11, 0x12)
        inputs["port2"][i + 1] = udp4(NOBODY, A1, sport=9)
    devices = []
    for i, name in enumerate(ports):
        rx = os.path.join(work, f"in-{name}.pcap")
        write_pcap(rx, inputs[name])
        txs = ",".join(f"tx_pcap={os.path.join(work, f'out-{name}-q{q}.pcap')}"
                       for q in range(queues))
        devices.append((name, f"net_pcap{i},rx_pcap={rx},{txs}", "access", "up"))
    members = [(64501, "port1", [A1], [0x11]), (64502, "port2", [B], [0x12])]
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(devices, members))

    # Two workers on a two-core machine: lcores 1 and 2 share CPU 1.
    eal = [a for a in EAL if a not in ("-l", "0,1")] + ["--lcores", "0@0,1@1,2@1"]
    dp = run_to_idle(exe, work, cfg, eal=eal)
    if dp is None:
        return SKIP
    stats = dp.read_stats()["ports"]
    out = {(p, q): read_pcap(os.path.join(work, f"out-{p}-q{q}.pcap"))
           for p in ports for q in range(queues)}

    steered = with_dst(arp_req(A1, 0x11, 0x12), B)
    want2 = [steered if f[12:14] == b"\x08\x06" else f for f in inputs["port1"]]
    want1 = [f for f in inputs["port2"] if f[6:12] != bytes.fromhex(NOBODY.replace(":", ""))]
    # Worker 0 polls port1 and sends on queue 0; worker 1 polls port2, queue 1.
    check(out[("port2", 0)] == want2,
          f"port2 queue 0: {len(out[('port2', 0)])} frames, want port1's {len(want2)} in order")
    check(out[("port1", 1)] == want1,
          f"port1 queue 1: {len(out[('port1', 1)])} frames, want port2's {len(want1)} in order")
    for key in (("port1", 0), ("port2", 1), ("port1", 2), ("port2", 2)):
        check(out[key] == [], f"{key[0]} queue {key[1]}: {len(out[key])} unexpected frames")
    nsteer = n // 100
    s1, s2 = stats["port1"], stats["port2"]
    for name, got, want in (("port1 rx_packets", s1["rx_packets"], n),
                            ("port1 forwarded", s1["forwarded"], n - nsteer),
                            ("port1 steered", s1["steered"], nsteer),
                            ("port2 rx_packets", s2["rx_packets"], n),
                            ("port2 forwarded", s2["forwarded"], len(want1)),
                            ("port2 src_mac_violation", s2["drops"]["src_mac_violation"],
                             n - len(want1)),
                            ("port2 tx_packets", s2["tx_packets"], len(want2)),
                            ("port2 tx_unicast", s2["tx_unicast"], len(want2)),
                            ("port2 tx_octets", s2["tx_octets"], sum(map(len, want2))),
                            ("port1 tx_packets", s1["tx_packets"], len(want1)),
                            ("port1 tx_unicast", s1["tx_unicast"], len(want1))):
        check(got == want, f"{name}: {got}, want {want}")
    print(f"workers: 2 workers, {len(want2)} + {len(want1)} frames in order on their own "
          "TX queues, counters added up")
    return 0


SCENARIOS = {"policy": scenario_policy, "reload": scenario_reload,
             "bad-device": scenario_bad_device, "workers": scenario_workers,
             "rate-limit": scenario_rate_limit, "capture": scenario_capture,
             "capture-pcap": scenario_capture_pcap,
             "jumbo": scenario_jumbo}


# ---------------------------------------------------------------- VXLAN

VTEP_MAC, NH_MAC = "02:aa:00:00:00:01", "02:bb:00:00:00:01"
VTEP_IP, R_VTEP = "198.18.0.1", "198.18.0.2"
VNI = 10100
R = "02:00:5e:10:00:31"  # member R, behind the remote VTEP


def vxlan(inner, src=R_VTEP, dst=VTEP_IP, smac=NH_MAC, dmac=VTEP_MAC, sport=50000):
    """inner inside the outer headers of RFC 7348, as a VTEP builds them."""
    return bytes(Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, flags="DF", ttl=64, id=0) /
                 UDP(sport=sport, dport=4789, chksum=0) / VXLAN(flags=0x08, vni=VNI) /
                 Raw(bytes(inner)))


def scenario_vxlan(exe, work):
    """port1 (member A) and the underlay port (this node's VTEP 198.18.0.1)
    on pcap, and VTEP port b for the node at 198.18.0.2 with member R behind
    it. Frames to R leave the underlay in VXLAN, exactly; VXLAN from b
    reaches A as R sent it; b may not send from a MAC that is not R's; the
    underlay answers ARP for its VTEP address and drops VXLAN from unknown
    VTEPs; every counter adds up."""
    to_r = udp4(A1, R)
    arp_r = arp_req(A1, 0x11, 0x31)
    from_r = udp4(R, A1)
    spoofed = udp4(B, A1)
    who_has = pad(Ether(src=NH_MAC, dst=BCAST) /
                  ARP(op=1, hwsrc=NH_MAC, psrc="198.18.0.254", pdst=VTEP_IP))
    inputs = {"port1": [to_r, arp_r],
              "under": [vxlan(from_r), vxlan(spoofed), who_has, vxlan(from_r, src="198.18.0.9")]}
    dev = {}
    for i, name in enumerate(inputs):
        rx, tx = os.path.join(work, f"in-{name}.pcap"), os.path.join(work, f"out-{name}.pcap")
        write_pcap(rx, inputs[name])
        dev[name] = f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}"
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(f"""fabric: {{name: test-ix}}
lans:
  - {{name: peering, vlan: {VLAN}, vni: {VNI}, ipv4: 192.0.2.0/24, ipv6: "2001:db8:100::/64"}}
ports:
  - {{name: port1, device: "{dev['port1']}", lans: [peering]}}
  - {{name: under, kind: underlay, device: "{dev['under']}", mtu: 1600,
     vtep-address: {VTEP_IP}, vtep-mac: "{VTEP_MAC}", next-hop-mac: "{NH_MAC}"}}
  - {{name: b, kind: vtep, remote: {R_VTEP}, lans: [peering]}}
members:
  - asn: 64501
    name: A
    connections:
      - port: port1
        lans: [{{lan: peering, macs: ["{A1}"], ipv4: [{ip4(0x11)}], ipv6: ["{ip6(0x11)}"]}}]
  - asn: 64531
    name: R
    connections:
      - port: b
        lans: [{{lan: peering, macs: ["{R}"], ipv4: [{ip4(0x31)}], ipv6: ["{ip6(0x31)}"]}}]
""")
    dp = run_to_idle(exe, work, cfg)
    if dp is None:
        return SKIP
    stats = dp.read_stats()["ports"]
    out1 = read_pcap(os.path.join(work, "out-port1.pcap"))
    under = read_pcap(os.path.join(work, "out-under.pcap"))
    check(out1 == [from_r], f"port1 sent {[f.hex() for f in out1]}, not R's frame as sent")
    reply = pad(Ether(src=VTEP_MAC, dst=NH_MAC) /
                ARP(op=2, hwsrc=VTEP_MAC, psrc=VTEP_IP, hwdst=NH_MAC, pdst="198.18.0.254"))
    check(len(under) == 3, f"the underlay sent {len(under)} frames, not 3")
    encap = [f for f in under if f != reply]
    check(reply in under, "the underlay did not answer ARP for its VTEP address")
    # The source port is the inner flow's hash: from the range, and the rest exact.
    for got, inner in zip(encap, (to_r, with_dst(arp_r, R))):
        sport = struct.unpack_from(">H", got, 34)[0]
        check(sport >= 49152, f"UDP source port {sport} is not an entropy port")
        want = vxlan(inner, src=VTEP_IP, dst=R_VTEP, smac=VTEP_MAC, dmac=NH_MAC, sport=sport)
        check(got == want, f"encapsulated frame\n  {got.hex()}\nis not\n  {want.hex()}")
    want = {"port1": {"rx_packets": 2, "forwarded": 1, "steered": 1, "tx_packets": 1},
            "under": {"rx_packets": 4, "decapsulated": 2, "answered": 1, "rx_discards": 1,
                      "tx_packets": 3},
            "b": {"rx_packets": 2, "forwarded": 1, "rx_discards": 1}}
    drops = {"under": {"vxlan_unknown_vtep": 1}, "b": {"vxlan_src_mac": 1}, "port1": {}}
    for port, ctrs in want.items():
        s = stats[port]
        for k, v in ctrs.items():
            check(s[k] == v, f"{port}: {k} is {s[k]}, expected {v}")
        got = {r: n for r, n in s["drops"].items() if n}
        check(got == drops[port], f"{port}: drops {got}, expected {drops[port]}")
        total = (s["forwarded"] + s["steered"] + s["answered"] + s["decapsulated"] +
                 sum(s["drops"].values()))
        check(s["rx_packets"] == total, f"{port}: rx_packets {s['rx_packets']} != {total}")
    print("vxlan: encapsulated, decapsulated, refused and answered as expected")
    return 0


SCENARIOS["vxlan"] = scenario_vxlan


def on_term(sig, frame):
    raise SystemExit(128 + sig)


def main():
    # meson's timeout sends SIGTERM: unwind, so that the dataplane is killed
    # and hugepages are given back.
    signal.signal(signal.SIGTERM, on_term)
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} DATAPLANE {{{','.join(SCENARIOS)}}}", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix=f"peerlan-dp-{sys.argv[2]}-")
    try:
        rc = SCENARIOS[sys.argv[2]](exe, work)
    except Failed as e:
        print(f"FAIL ({sys.argv[2]}): {e}")
        print(f"files kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
