#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The traffic matrix on the real peerlan-dataplane: known traffic in, every
pair's frames and bytes out exact.

Three members on three ports (B on an access port, A with two MACs on an
access port fed through a pipe, C on a trunk), IPv4, IPv6 and ARP replies (the "other"
family), two workers, and a table swap in the middle that gives B's port
and MAC to a new member N: B keeps what it had, N starts at zero. Then
the matrix is switched off over telemetry (/peerlan/matrix,off) for one
burst, which it must not count, and on again for one more, which it
must. The dataplane's --stats-json carries the workers' tables summed, as
control reads them; the sum over pairs must equal the frames forwarded
while it counted.

    matrix_test.py DATAPLANE

Exit status: 0 passed, 1 failed, 77 cannot run here (the reason is printed).
"""

import collections
import os
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dptest  # noqa: E402  (skips with 77 itself when scapy is missing)
from dptest import (A1, A2, B, C, BURST, EAL, VLAN, Dataplane, Failed, FifoWriter,  # noqa: E402
                    check, config_yaml, eal_unusable, ip4, ip6, of_len, push_tag, read_pcap,
                    udp4, wait_telemetry, write_pcap)
from scapy.layers.inet import UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402

ASN = {"A": 64501, "B": 64502, "C": 64503, "N": 64510}
AFI = {0x0800: "ipv4", 0x86DD: "ipv6"}


def udp6(src, dst, size):
    return of_len(Ether(src=src, dst=dst) / IPv6(src=ip6(int(src[-2:], 16)),
                                                 dst=ip6(int(dst[-2:], 16))) /
                  UDP(sport=4000, dport=179), size)


def arp_reply(src, dst, size=80):
    return of_len(Ether(src=src, dst=dst) /
                  ARP(op=2, hwsrc=src, psrc=ip4(int(src[-2:], 16)), hwdst=dst,
                      pdst=ip4(int(dst[-2:], 16))), size)


def etype(frame):
    t = int.from_bytes(frame[12:14], "big")
    if t == 0x8100:
        t = int.from_bytes(frame[16:18], "big")
    return t


def add(want, src, dst, frame):
    """Counts frame, as it leaves the fabric, under (src, dst) and its family."""
    key = (VLAN, ASN[src], ASN[dst])
    afi = AFI.get(etype(frame), "other")
    want[key][afi][0] += 1
    want[key][afi][1] += len(frame)


def new_want():
    return collections.defaultdict(
        lambda: {a: [0, 0] for a in ("ipv4", "ipv6", "other")})


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} DATAPLANE", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="peerlan-dp-matrix-")
    try:
        rc = run(exe, work)
    except Failed as e:
        print(f"FAIL (matrix): {e}")
        print(f"files kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return rc


def run(exe, work):
    queues = 3  # two workers and the main lcore's
    # The pipe's port is alone on its worker (ports go to workers in turn),
    # since net_pcap blocks on a pipe until frames come.
    fifo = os.path.join(work, "in-port2.pipe")
    os.mkfifo(fifo)
    want = new_want()

    # Before the swap, from files read at start: B to both of A's MACs and
    # to C (the tag pushed there), C (tagged) to A (the tag popped).
    in2 = [udp4(B, A1, size=100 + i) for i in range(40)] + \
          [udp6(B, A2, 120 + i) for i in range(25)] + \
          [arp_reply(B, A1)] + [udp4(B, C, size=90)] * 7
    in3 = [push_tag(udp6(C, A1, 200)) for _ in range(11)] + \
          [push_tag(udp4(C, B, size=300))] * 3
    for f in in2:
        dst = {A1: "A", A2: "A", C: "C"}[":".join(f"{b:02x}" for b in f[:6])]
        add(want, "B", dst, push_tag(f) if dst == "C" else f)
    for f in in3:
        dst = "A" if f[:6] == bytes.fromhex(A1.replace(":", "")) else "B"
        add(want, "C", dst, f[:12] + f[16:])
    paths = {}
    for name, frames in (("port1", in2), ("port3", in3)):
        paths[name] = os.path.join(work, f"in-{name}.pcap")
        write_pcap(paths[name], frames)
    devs = []
    for i, (name, rx, mode) in enumerate((("port1", paths["port1"], "access"),
                                           ("port2", fifo, "access"),
                                           ("port3", paths["port3"], "trunk"))):
        txs = ",".join(f"tx_pcap={os.path.join(work, f'out-{name}-q{q}.pcap')}"
                       for q in range(queues))
        devs.append((name, f"net_pcap{i},rx_pcap={rx},{txs}", mode, "up"))
    gen1 = [(ASN["A"], "port2", [A1, A2], [0x11, 0x21]), (ASN["B"], "port1", [B], [0x12]),
            (ASN["C"], "port3", [C], [0x13])]
    # After the swap N owns B's port and MAC, listed first so that every
    # binding moves; A and C stay.
    gen2 = [(ASN["N"], "port1", [B], [0x12]), (ASN["C"], "port3", [C], [0x13]),
            (ASN["A"], "port2", [A1, A2], [0x11, 0x21])]
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(devs, gen1))

    # A's traffic through the pipe, a burst per table set; runts fill the bursts.
    burst = [udp4(A1, B, size=80 + i) for i in range(10)] + \
            [udp6(A2, B, 150) for _ in range(6)] + [arp_reply(A1, B)] * 2 + \
            [udp4(A2, C, size=400)] * 4
    runt = udp4(A1, B, size=59)

    eal = [a for a in EAL if a not in ("-l", "0,1")] + ["--lcores", "0@0,1@1,2@1"]
    dp = Dataplane(exe, work, cfg, ["--matrix"], eal=eal)
    try:
        try:
            pipe = FifoWriter(fifo, dp.proc)
        except Failed:
            dp.wait(5)
            if eal_unusable(dp):
                print("SKIP: " + eal_unusable(dp))
                return dptest.SKIP
            raise
        dp.wait_line(r"forwarding on 3 port")
        wait_telemetry(dp, "/peerlan/port,port1", "rx_packets", len(in2))
        wait_telemetry(dp, "/peerlan/port,port3", "rx_packets", len(in3))
        pipe.send_burst(burst, runt)
        wait_telemetry(dp, "/peerlan/port,port2", "rx_packets", BURST)
        for f in burst:
            dst = "C" if f[:6] == bytes.fromhex(C.replace(":", "")) else "B"
            add(want, "A", dst, push_tag(f) if dst == "C" else f)

        with open(cfg, "w") as f:
            f.write(config_yaml(devs, gen2))
        dp.proc.send_signal(signal.SIGHUP)
        dp.wait_line(r"generation 2 applied")
        pipe.send_burst(burst, runt)
        wait_telemetry(dp, "/peerlan/port,port2", "rx_packets", 2 * BURST)
        for f in burst:
            dst = "C" if f[:6] == bytes.fromhex(C.replace(":", "")) else "N"
            add(want, "A", dst, push_tag(f) if dst == "C" else f)

        # Switched off, a whole burst goes uncounted; on again, the next counts.
        check(dp.telemetry("/peerlan/matrix") == {"state": "on"}, "matrix not on at start")
        check(dp.telemetry("/peerlan/matrix,maybe") is None, "a bad parameter was taken")
        check(dp.telemetry("/peerlan/matrix,off") == {"state": "off"}, "matrix not off")
        check(dp.telemetry("/peerlan/matrix") == {"state": "off"}, "matrix off did not stay")
        pipe.send_burst(burst, runt)
        wait_telemetry(dp, "/peerlan/port,port2", "rx_packets", 3 * BURST)
        uncounted = [push_tag(f) if f[:6] == bytes.fromhex(C.replace(":", "")) else f
                     for f in burst]
        check(dp.telemetry("/peerlan/matrix,on") == {"state": "on"}, "matrix not on again")
        pipe.send_burst(burst, runt)
        wait_telemetry(dp, "/peerlan/port,port2", "rx_packets", 4 * BURST)
        for f in burst:
            dst = "C" if f[:6] == bytes.fromhex(C.replace(":", "")) else "N"
            add(want, "A", dst, push_tag(f) if dst == "C" else f)
        pipe.close()
        dp.proc.send_signal(signal.SIGTERM)
        rc = dp.wait()
    finally:
        dp.kill()
    check(rc == 0, f"dataplane exited with {rc}:\n  " + "\n  ".join(dp.log))

    stats = dp.read_stats()
    mx = stats.get("matrix")
    check(isinstance(mx, dict), f"no matrix in --stats-json: {mx!r}")
    got = {}
    for p in mx["pairs"]:
        got[(p["vlan"], p["src_asn"], p["dst_asn"])] = {
            a: [p[a]["frames"], p[a]["bytes"]] for a in ("ipv4", "ipv6", "other")}
    wanted = {k: v for k, v in want.items()}
    check(set(got) == set(wanted),
          f"pairs {sorted(got)}, want {sorted(wanted)}")
    for k in sorted(wanted):
        check(got[k] == wanted[k], f"pair {k}: {got[k]}, want {wanted[k]}")
    check(mx["lost_frames"] == 0, f"lost frames: {mx['lost_frames']}")
    # B keeps what it had; N, on B's port and MAC, starts at zero.
    check((VLAN, ASN["A"], ASN["B"]) in got and (VLAN, ASN["A"], ASN["N"]) in got,
          "the swap did not keep B's pair and N's apart")

    # The sum over pairs is what was forwarded on the LAN while the matrix
    # counted, and what left but the uncounted burst.
    frames = sum(v[a][0] for v in got.values() for a in v)
    octets = sum(v[a][1] for v in got.values() for a in v)
    forwarded = sum(stats["ports"][p]["forwarded"] for p in ("port1", "port2", "port3"))
    check(frames == forwarded - len(uncounted),
          f"pairs sum to {frames} frames, forwarded {forwarded}, {len(uncounted)} uncounted")
    out = [f for p in ("port1", "port2", "port3") for q in range(queues)
           for f in read_pcap(os.path.join(work, f"out-{p}-q{q}.pcap"))]
    left = len(out) - len(uncounted)
    left_octets = sum(map(len, out)) - sum(map(len, uncounted))
    check(frames == left and octets == left_octets,
          f"pairs sum to {frames} frames / {octets} bytes, ports sent {left} / "
          f"{left_octets} while it counted")
    print(f"matrix: {len(got)} pairs exact over a table swap and off and on again, "
          f"{frames} frames = forwarded while counting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
