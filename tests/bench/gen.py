#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark traffic and the matching peerlan configuration.

The fabric has M members on one peering LAN and two core ports. Members with
an even index sit behind core-a, those with an odd index behind core-b. Every
frame in a pcap enters on core-a (the one receive port the worker polls), so
every known unicast frame goes from a core-a member to a core-b member and is
forwarded to core-b; see docs/performance.md for why this layout lets peerlan
and dpdk-testpmd run on exactly the same ports.

Addresses are documentation space only. The LAN is 192.0.2.0/24 and
2001:db8:100::/64; the first 200 members get 192.0.2.1-200 (a /24 holds no
more, and 192.0.2.201-254 stay free as dead addresses), every member gets
2001:db8:100::<index+1>. Transit traffic inside the unicast frames uses
198.51.100.0/24 and 2001:db8:200::/48.

For each mix the generator writes the pcap and a JSON file with the outcome
peerlan must report for one pass over it (forwarded, steered, and each drop
reason), so that the benchmark can prove every frame was handled for the
right reason. Frames are built byte by byte (no scapy) so that 100,000 of them
take a second, not a minute.

    gen.py --members 10 --frames 16384 --out DIR           pcaps + expectations
    gen.py --members 10 --config FILE --rx-device D --tx-device D --run-dir R
"""

import argparse
import json
import os
import random
import struct
import sys

LAN_VLAN = 100
LAN_V4 = (192 << 24) | (0 << 16) | (2 << 8)  # 192.0.2.0/24
V4_MEMBERS_MAX = 200  # members 0..199 get 192.0.2.1..200
V4_DEAD = range(201, 255)  # host parts no member holds
LAN_V6 = bytes.fromhex("20010db8010000000000000000000000")  # 2001:db8:100::/64
TRANSIT_V4 = (198 << 24) | (51 << 16) | (100 << 8)  # 198.51.100.0/24
TRANSIT_V6 = bytes.fromhex("20010db80200")  # 2001:db8:200::/48
MAC_BASE = 0x02005E100000  # member i has MAC_BASE + i + 1
SPOOF_BASE = 0x02005E200000  # never provisioned
SPONGE_MAC = 0x02005E0000FE  # the configuration's default, kept away from members
ETH_MIN = 60  # 64 bytes on the wire with the FCS, which pcaps do not hold
# VXLAN (run.py --vxlan-cost): this node's VTEP and the remote one that half
# of the members sit behind, the underlay's next hop, and the LAN's VNI.
VTEP_LOCAL = (198 << 24) | (18 << 16) | 1  # 198.18.0.1
VTEP_REMOTE = (198 << 24) | (18 << 16) | 2  # 198.18.0.2
VTEP_MAC = 0x02AA00000001
NH_MAC = 0x02BB00000001
VNI = 10100
UNDERLAY_MTU = 1600

MIXES = {
    # kind: share of the frames; the rest is known unicast.
    "a": {},
    "b": {"arp_member": 0.05, "nd_member": 0.05},
    "c": {"spoof": 0.034, "bpdu": 0.033, "ra": 0.033},
    "d": {"arp_dead": 0.0025, "arp_random": 0.0025, "nd_dead": 0.0025, "nd_random": 0.0025},
}

MIX_TEXT = {
    "a": "known unicast between random member pairs",
    "b": "(a) with 10% ARP/ND requests for members' addresses",
    "c": "(a) with 10% forbidden frames (spoofed source MACs, BPDUs, RAs)",
    "d": "(a) with 1% ARP/ND requests towards dead and random addresses",
}


class Member:
    def __init__(self, idx):
        self.idx = idx
        self.asn = 4200000000 + idx  # private 32-bit ASNs
        self.name = "member-%04d" % (idx + 1)
        self.mac = MAC_BASE + idx + 1
        self.ipv4 = LAN_V4 + idx + 1 if idx < V4_MEMBERS_MAX else None
        self.ipv6 = LAN_V6[:14] + struct.pack("!H", idx + 1)
        self.port = "core-a" if idx % 2 == 0 else "core-b"


def members(m):
    if m < 2:
        raise ValueError("a fabric needs at least 2 members")
    return [Member(i) for i in range(m)]


# ---- byte-level frame building ----------------------------------------------


def mac_bytes(mac):
    return mac.to_bytes(6, "big")


def mac_text(mac):
    return ":".join("%02x" % b for b in mac_bytes(mac))


def ip4_text(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def ip6_text(b):
    words = struct.unpack("!8H", b)
    # Longest run of zero words becomes "::" (RFC 5952).
    best, run, start = (0, -1), 0, 0
    for i, w in enumerate(words + (1,)):
        if w == 0:
            if run == 0:
                start = i
            run += 1
        else:
            if run > best[0]:
                best = (run, start)
            run = 0
    if best[0] >= 2:
        head = ":".join("%x" % w for w in words[: best[1]])
        tail = ":".join("%x" % w for w in words[best[1] + best[0] :])
        return head + "::" + tail
    return ":".join("%x" % w for w in words)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, etype_or_len, payload):
    f = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", etype_or_len) + payload
    return f + b"\0" * (ETH_MIN - len(f)) if len(f) < ETH_MIN else f


def ipv4_udp(src, dst, sport, dport, payload_len):
    udp = struct.pack("!HHHH", sport, dport, 8 + payload_len, 0) + b"\0" * payload_len
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                      src.to_bytes(4, "big"), dst.to_bytes(4, "big"))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def ipv6(src, dst, nh, hlim, payload):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + src + dst + payload


def l4_csum6(src, dst, nh, body):
    return csum(src + dst + struct.pack("!IxxxB", len(body), nh) + body)


def ipv6_udp(src, dst, sport, dport):
    udp = struct.pack("!HHHH", sport, dport, 8, 0)
    c = l4_csum6(src, dst, 17, udp) or 0xFFFF
    return ipv6(src, dst, 17, 64, udp[:6] + struct.pack("!H", c))


def icmp6(src, dst, body):
    """body starts with type and code; the checksum goes after them."""
    raw = body[:2] + b"\0\0" + body[2:]
    c = l4_csum6(src, dst, 58, raw)
    return ipv6(src, dst, 58, 255, raw[:2] + struct.pack("!H", c) + raw[4:])


def arp_request(src_mac, spa, tpa):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac_bytes(src_mac)
    body += spa.to_bytes(4, "big") + b"\0" * 6 + tpa.to_bytes(4, "big")
    return eth(0xFFFFFFFFFFFF, src_mac, 0x0806, body)


def nd_solicit(src_mac, src_ip, target):
    snm = bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    dst_mac = int.from_bytes(b"\x33\x33" + snm[12:], "big")
    body = struct.pack("!BBI", 135, 0, 0) + target + struct.pack("!BB", 1, 1)
    body += mac_bytes(src_mac)
    return eth(dst_mac, src_mac, 0x86DD, icmp6(src_ip, snm, body))


def link_local6(mac):
    b = bytearray(mac_bytes(mac))
    b[0] ^= 0x02
    return bytes.fromhex("fe80000000000000") + bytes(b[:3]) + b"\xff\xfe" + bytes(b[3:])


def router_advert(src_mac):
    body = struct.pack("!BBBBHII", 134, 0, 64, 0, 1800, 0, 0)
    body += struct.pack("!BB", 1, 1) + mac_bytes(src_mac)
    dst = bytes.fromhex("ff020000000000000000000000000001")
    return eth(0x333300000001, src_mac, 0x86DD, icmp6(link_local6(src_mac), dst, body))


def bpdu(src_mac):
    # 802.1D configuration BPDU behind LLC 42 42 03, with an 802.3 length.
    bridge = struct.pack("!H", 0x8000) + mac_bytes(src_mac)
    stp = struct.pack("!HBBB", 0, 0, 0, 0) + bridge + struct.pack("!I", 0) + bridge
    stp += struct.pack("!HHHHH", 0x8001, 0, 20 << 8, 2 << 8, 15 << 8)
    llc = b"\x42\x42\x03" + stp
    return eth(0x0180C2000000, src_mac, len(llc), llc)


# ---- traffic mixes ----------------------------------------------------------


class Traffic:
    def __init__(self, mem, rng):
        self.rng = rng
        self.a = [m for m in mem if m.port == "core-a"]
        self.b = [m for m in mem if m.port == "core-b"]
        self.a4 = [m for m in self.a if m.ipv4 is not None]
        self.b4 = [m for m in self.b if m.ipv4 is not None]
        if not self.a4 or not self.b4:
            raise ValueError("need IPv4 members on both core ports")
        self.owned6 = {m.ipv6 for m in mem}
        self.dead4 = [LAN_V4 + h for h in V4_DEAD] + [
            LAN_V4 + 1 + i for i in range(len(mem), V4_MEMBERS_MAX)
        ]

    def unicast(self):
        r = self.rng
        s, d = r.choice(self.a), r.choice(self.b)
        sport, dport = r.randrange(1024, 65536), r.randrange(1024, 65536)
        if r.random() < 0.75:
            pkt = ipv4_udp(TRANSIT_V4 + r.randrange(1, 255), LAN_V4 + r.randrange(1, 255),
                           sport, dport, 18)
            return eth(d.mac, s.mac, 0x0800, pkt)
        src = TRANSIT_V6 + r.randbytes(10)
        dst = TRANSIT_V6 + r.randbytes(10)
        return eth(d.mac, s.mac, 0x86DD, ipv6_udp(src, dst, sport, dport))

    def frame(self, kind):
        """Returns (bytes, outcome); outcome is forwarded, steered or a drop reason."""
        r = self.rng
        if kind == "unicast":
            return self.unicast(), "forwarded"
        if kind == "arp_member":
            s, t = r.choice(self.a4), r.choice(self.b4)
            return arp_request(s.mac, s.ipv4, t.ipv4), "steered"
        if kind == "nd_member":
            s, t = r.choice(self.a), r.choice(self.b)
            return nd_solicit(s.mac, s.ipv6, t.ipv6), "steered"
        if kind == "spoof":
            f = bytearray(self.unicast())
            # Half never provisioned, half a core-b member's MAC arriving on core-a.
            bad = SPOOF_BASE + r.randrange(1, 1 << 16) if r.random() < 0.5 else r.choice(self.b).mac
            f[6:12] = mac_bytes(bad)
            return bytes(f), "src_mac_violation"
        if kind == "bpdu":
            return bpdu(r.choice(self.a).mac), "link_local"
        if kind == "ra":
            return router_advert(r.choice(self.a).mac), "ipv6_ra"
        if kind in ("arp_dead", "arp_random"):
            s = r.choice(self.a4)
            if kind == "arp_dead":
                t = r.choice(self.dead4)
            else:
                t = TRANSIT_V4 + r.randrange(1, 255)
            return arp_request(s.mac, s.ipv4, t), "arp_unknown_target"
        if kind in ("nd_dead", "nd_random"):
            s = r.choice(self.a)
            if kind == "nd_dead":
                t = LAN_V6[:12] + struct.pack("!I", 0x10000 + r.randrange(1 << 16))
            else:
                t = LAN_V6[:8] + r.randbytes(8)
                while t in self.owned6:
                    t = LAN_V6[:8] + r.randbytes(8)
            return nd_solicit(s.mac, s.ipv6, t), "nd_unknown_target"
        raise ValueError("unknown frame kind " + kind)


def mix_kinds(mix, n, rng):
    """Exactly round(share * n) frames of each kind, in random order."""
    kinds = []
    for kind, share in MIXES[mix].items():
        kinds += [kind] * max(1, round(share * n))
    if len(kinds) >= n:
        raise ValueError("too few frames for mix " + mix)
    kinds += ["unicast"] * (n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    frames, off = [], 24
    while off + 16 <= len(data):
        n = struct.unpack_from("<I", data, off + 8)[0]
        frames.append(data[off + 16:off + 16 + n])
        off += 16 + n
    return frames


def vxlan_of(frame):
    """frame as the remote VTEP sends it to this node: inside outer Ethernet
    (next hop to this VTEP), IPv4 (DF, TTL 64), UDP to 4789 from a source
    port of the inner flow (checksum 0, as RFC 7348 allows) and VXLAN."""
    sport = 49152 + (sum(frame[:34]) * 2654435761 & 0x3FFF)
    udp = struct.pack("!HHHH", sport, 4789, 16 + len(frame), 0) + \
        struct.pack("!II", 0x08000000, VNI << 8) + frame
    hdr = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                      VTEP_REMOTE, VTEP_LOCAL)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return eth(VTEP_MAC, NH_MAC, 0x0800, hdr + udp)


def write_vxlan_pcap(src, dst):
    """The frames of pcap src, each inside VXLAN from the remote VTEP, to dst."""
    write_pcap(dst, [vxlan_of(f) for f in read_pcap(src)])


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def generate(m, mix, n, seed, out_dir):
    """Writes m<M>-<mix>.pcap and .json in out_dir; returns the expectation."""
    rng = random.Random("%d-%s-%d-%d" % (m, mix, n, seed))
    traffic = Traffic(members(m), rng)
    frames, outcome, octets, names, seq = [], {}, 0, [], []
    for kind in mix_kinds(mix, n, rng):
        fr, out = traffic.frame(kind)
        frames.append(fr)
        outcome[out] = outcome.get(out, 0) + 1
        octets += len(fr)
        if out not in names:
            names.append(out)
        seq.append(str(names.index(out)))
    base = os.path.join(out_dir, "m%d-%s" % (m, mix))
    write_pcap(base + ".pcap", frames)
    expect = {
        "members": m,
        "mix": mix,
        "description": MIX_TEXT[mix],
        "frames": n,
        "octets": octets,
        "ingress": "core-a",
        "egress": "core-b",
        "forwarded": outcome.pop("forwarded", 0),
        "steered": outcome.pop("steered", 0),
        "answered": 0,
        "drops": outcome,
        # Frame i's outcome is outcomes[int(sequence[i])]: a replay stopped
        # anywhere can then be checked exactly, not only in proportion.
        "outcomes": names,
        "sequence": "".join(seq),
    }
    with open(base + ".json", "w") as f:
        json.dump(expect, f, indent=1)
        f.write("\n")
    return expect


# ---- configuration ----------------------------------------------------------


def port_device(dev, lag):
    """A port's device lines: one device, or if dev is a list a LAG of those
    devices with LACP mode lag."""
    if not isinstance(dev, list):
        return ['    device: "%s"' % dev]
    return (["    lag:", "      links:"] + ['        - "%s"' % d for d in dev] +
            ["      lacp: %s" % lag, "      hash: l23"])


# The exchange services the benchmark can switch on (run.py --services-cost):
# the receiving port as a sub-rate port whose rate no mix reaches (every
# frame passes its policer, none is dropped by it), and the LAN's RFC 7999
# blackhole, which no frame of the mixes is sent to.
RATE_LIMIT_BPS = 400000000000
BLACKHOLE_MAC = 0x02005E000666


def config_text(m, rx_device, tx_device, run_dir, lag=None, service=None, vxlan=None):
    """The peerlan configuration for M members, in the documented YAML; a
    device given as a list makes its port a LAG with LACP mode lag; service
    "rate-limit" or "blackhole" switches that service on. vxlan "encap":
    core-b's members sit behind a remote VTEP instead, and what is sent to
    them leaves by an underlay port on tx_device; "decap": core-a's members
    do, and what they send arrives in VXLAN on an underlay port on rx_device
    (write_vxlan_pcap)."""
    out = [
        "# Benchmark fabric: %d members behind two core ports (tests/bench/gen.py)." % m,
        "fabric:",
        "  name: bench-m%d" % m,
        "policy:",
        "  neighbor-policy: steer",
        "  # No storm control: every ARP/ND request takes the full lookup path,",
        "  # and the outcome of each frame does not depend on timing.",
        "  storm-control:",
        "    arp: {pps: 0, burst: 1}",
        "    nd: {pps: 0, burst: 1}",
        "  sponge:",
        "    mac: %s" % mac_text(SPONGE_MAC),
        "management:",
        "  control-socket: %s/dataplane.sock" % run_dir,
        "  cli-socket: %s/cli.sock" % run_dir,
        "  cli-readonly-socket: %s/cli-ro.sock" % run_dir,
        "  metrics: off",
        "  state-dir: %s/state" % run_dir,
        "lans:",
        "  - name: peering",
        "    vlan: %d" % LAN_VLAN,
        "    ipv4: %s/24" % ip4_text(LAN_V4),
        "    ipv6: %s/64" % ip6_text(LAN_V6),
    ]
    if service == "blackhole":
        out.append('    blackhole: {mac: %s, ipv4: %s, ipv6: "%s"}' %
                   (mac_text(BLACKHOLE_MAC), ip4_text(LAN_V4 + 254),
                    ip6_text(LAN_V6[:12] + bytes.fromhex("00010666"))))
    if vxlan:
        out.append("    vni: %d" % VNI)
    out.append("ports:")
    remote = {"encap": "core-b", "decap": "core-a"}.get(vxlan)
    for name, dev, desc in (("core-a", rx_device, "all received traffic"),
                            ("core-b", tx_device, "all forwarded traffic")):
        if name == remote:
            out += ["  - name: underlay"] + port_device(dev, lag) + [
                '    description: "%s, in VXLAN"' % desc,
                "    kind: underlay",
                "    mtu: %d" % UNDERLAY_MTU,
                "    vtep-address: %s" % ip4_text(VTEP_LOCAL),
                '    vtep-mac: "%s"' % mac_text(VTEP_MAC),
                '    next-hop-mac: "%s"' % mac_text(NH_MAC),
                "  - name: node-%s" % name[-1],
                "    kind: vtep",
                "    remote: %s" % ip4_text(VTEP_REMOTE),
                "    lans: [peering]",
            ]
            continue
        out += ["  - name: %s" % name] + port_device(dev, lag) + [
            '    description: "%s"' % desc,
            "    kind: core",
            "    lans: [peering]",
        ]
        if service == "rate-limit" and name == "core-a":
            out.append("    rate-limit: {rate: %d}" % RATE_LIMIT_BPS)
    out.append("members:")
    for mb in members(m):
        out += [
            "  - asn: %d" % mb.asn,
            "    name: %s" % mb.name,
            "    connections:",
            "      - port: %s" % ("node-" + mb.port[-1] if mb.port == remote else mb.port),
            "        lans:",
            "          - lan: peering",
            "            macs: [%s]" % mac_text(mb.mac),
        ]
        if mb.ipv4 is not None:
            out.append("            ipv4: [%s]" % ip4_text(mb.ipv4))
        out.append("            ipv6: [%s]" % ip6_text(mb.ipv6))
    return "\n".join(out) + "\n"


def write_config(path, m, rx_device, tx_device, run_dir, lag=None, service=None, vxlan=None):
    with open(path, "w") as f:
        f.write(config_text(m, rx_device, tx_device, run_dir, lag, service, vxlan))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", "-m", type=int, required=True)
    p.add_argument("--frames", "-n", type=int, default=16384)
    p.add_argument("--mixes", default="abcd")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", help="directory for pcaps and expectations")
    p.add_argument("--config", help="write the peerlan configuration here")
    p.add_argument("--rx-device", default="net_pcap0,rx_pcap=m10-a.pcap,infinite_rx=1")
    p.add_argument("--tx-device", default="net_null0,no-rx=1")
    p.add_argument("--run-dir", default="/run/peerlan-bench")
    a = p.parse_args(argv)
    if a.out is None and a.config is None:
        p.error("give --out, --config or both")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        for mix in a.mixes:
            if mix not in MIXES:
                p.error("unknown mix '%s' (use a, b, c, d)" % mix)
            e = generate(a.members, mix, a.frames, a.seed, a.out)
            print("m%d-%s: %d frames, forwarded %d, steered %d, drops %s" %
                  (a.members, mix, e["frames"], e["forwarded"], e["steered"],
                   json.dumps(e["drops"], sort_keys=True)))
    if a.config:
        write_config(a.config, a.members, a.rx_device, a.tx_device, a.run_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
