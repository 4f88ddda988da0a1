#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sFlow export and DPDK telemetry of the real peerlan-dataplane on net_pcap ports.

    sflow_test.py DATAPLANE sflow       sample 1 in N, collect the datagrams on
                                        127.0.0.1, decode them with tshark
    sflow_test.py DATAPLANE telemetry   read /peerlan/ with DPDK's dpdk-telemetry.py

Exit status: 0 passed, 1 failed, 77 cannot run here (the reason is printed).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# dptest exits 77 itself when scapy is missing.
import dptest  # noqa: E402
from dptest import (A1, B, NOBODY, SKIP, Dataplane, Failed, check, config_yaml,  # noqa: E402
                    eal_unusable, udp4, write_pcap)

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.utils import wrpcap  # noqa: E402

FRAMES = 20000   # offered on port1: half to B (forwarded), half to nobody (dropped)
RATE = 100       # sample 1 in RATE
FRAME_LEN = 200  # bytes without FCS, so 128 header bytes are a true cut
HEADER = 128
AGENT = "192.0.2.250"


def two_ports(work, rx_frames, extra_yaml=""):
    """A fabric of port1 (member A) and port2 (member B) on pcap files."""
    rx1, rx2 = os.path.join(work, "in-port1.pcap"), os.path.join(work, "in-port2.pcap")
    write_pcap(rx1, rx_frames)
    write_pcap(rx2, [])
    ports = [(f"port{i}", f"net_pcap{i - 1},rx_pcap={rx},tx_pcap={work}/out-port{i}.pcap",
              "access", "up") for i, rx in ((1, rx1), (2, rx2))]
    cfg = os.path.join(work, "fabric.yaml")
    with open(cfg, "w") as f:
        f.write(config_yaml(ports, [(64501, "port1", [A1], [0x11]),
                                    (64502, "port2", [B], [0x12])]))
        f.write("management:\n"
                f"  control-socket: {work}/dp.sock\n" + extra_yaml)
    return cfg


class Collector:
    """A UDP socket on loopback that keeps every datagram it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                self.datagrams.append(self.sock.recv(65535))
            except socket.timeout:
                continue

    def close(self):
        time.sleep(0.3)  # whatever is still in flight on loopback
        self.stop = True
        self.thread.join()
        self.sock.close()


FIELDS = ["sflow_245.version", "sflow_245.agent", "sflow_245.sequence_number",
          "sflow.flow_sample.sampling_rate", "sflow.flow_sample.sample_pool",
          "sflow.flow_sample.dropped_packets", "sflow.flow_sample.input_interface",
          "sflow.flow_sample.output_interface_format", "sflow.flow_sample.output_interface_value",
          "sflow_245.header.frame_length", "sflow_245.header.sampled_header_length",
          "sflow_245.header", "sflow_245.ifindex", "sflow_245.ifinoct"]


def tshark_decode(pcap, port):
    """Every datagram as tshark decodes it: one dict of field -> list of values."""
    args = ["tshark", "-r", pcap, "-d", f"udp.port=={port},sflow", "-T", "fields",
            "-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=\t"]
    for f in FIELDS:
        args += ["-e", f]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"tshark failed: {r.stderr}")
    out = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        check(len(cols) == len(FIELDS), f"tshark line with {len(cols)} columns")
        out.append({f: (c.split("|") if c else []) for f, c in zip(FIELDS, cols)})
    return out


def all_of(decoded, field):
    return [v for d in decoded for v in d[field]]


def scenario_sflow(exe, work):
    if shutil.which("tshark") is None:
        print("SKIP: tshark is not installed")
        return SKIP
    # Two templates, each frame made distinct by its UDP source port (bytes 34-35;
    # nothing on the way reads the UDP checksum), as building 20000 with scapy is slow.
    templates = [udp4(A1, B, size=FRAME_LEN), udp4(A1, NOBODY, size=FRAME_LEN)]
    frames = [t[:34] + (1024 + i).to_bytes(2, "big") + t[36:]
              for i, t in ((i, templates[i % 2]) for i in range(FRAMES))]
    coll = Collector()
    cfg = two_ports(work, frames, "  sflow:\n"
                    f"    collectors: [\"127.0.0.1:{coll.port}\"]\n"
                    f"    agent-address: {AGENT}\n"
                    f"    sampling-rate: {RATE}\n"
                    "    polling-interval: 1\n"
                    f"    header-bytes: {HEADER}\n")
    # --idle-exit longer than the polling interval, so counter samples go out too.
    dp = Dataplane(exe, work, cfg, ["--idle-exit", "2500"])
    tel, deadline = None, time.time() + 10
    while time.time() < deadline and dp.proc.poll() is None:
        try:
            tel = dp.telemetry("/peerlan/sflow")
            if tel and tel.get("datagrams_sent", 0) > 0:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    rc = dp.wait()
    coll.close()
    if eal_unusable(dp):
        print("SKIP: " + eal_unusable(dp))
        return SKIP
    check(rc == 0, f"dataplane exited with {rc}:\n  " + "\n  ".join(dp.log))
    check(any("sFlow: sampling 1 in" in line for line in dp.log), "no sFlow start line")
    check(tel is not None and tel.get("state") == "on" and tel["sampling_rate"] == RATE and
          tel["collectors"] == 1 and tel["agent_address"] == AGENT and
          tel["datagrams_sent"] > 0 and tel["send_errors"] == 0,
          f"/peerlan/sflow while running: {tel}")
    stats = dp.read_stats()["ports"]["port1"]
    check(stats["rx_packets"] == FRAMES, f"port1 received {stats['rx_packets']}")
    check(coll.datagrams, "no datagram reached the collector")

    pcap = os.path.join(work, "sflow.pcap")
    wrpcap(pcap, [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                  IP(src="127.0.0.1", dst="127.0.0.1") / UDP(sport=40000, dport=coll.port) / d
                  for d in coll.datagrams])
    decoded = tshark_decode(pcap, coll.port)
    check(len(decoded) == len(coll.datagrams), "tshark did not decode every datagram")
    check(all(d["sflow_245.version"] == ["5"] for d in decoded), "datagram version")
    check(all(d["sflow_245.agent"] == [AGENT] for d in decoded), "agent address")
    seqs = [int(d["sflow_245.sequence_number"][0]) for d in decoded]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs),
          "datagram sequence numbers do not increase")

    # Flow samples, field by field, each matched to the frame it was taken from.
    sent_headers = {f[:HEADER] for f in frames}
    rates = all_of(decoded, "sflow.flow_sample.sampling_rate")
    n = len(rates)
    check(n > 0, "no flow sample decoded")
    inputs = all_of(decoded, "sflow.flow_sample.input_interface")
    out_fmts = all_of(decoded, "sflow.flow_sample.output_interface_format")
    out_vals = all_of(decoded, "sflow.flow_sample.output_interface_value")
    pools = [int(p) for p in all_of(decoded, "sflow.flow_sample.sample_pool")]
    drops = [int(p) for p in all_of(decoded, "sflow.flow_sample.dropped_packets")]
    lens = all_of(decoded, "sflow_245.header.frame_length")
    hlens = all_of(decoded, "sflow_245.header.sampled_header_length")
    headers = all_of(decoded, "sflow_245.header")
    for name, got in (("inputs", inputs), ("outputs", out_vals), ("pools", pools),
                      ("frame lengths", lens), ("header lengths", hlens), ("headers", headers)):
        check(len(got) == n, f"{len(got)} {name} for {n} flow samples")
    check(set(rates) == {str(RATE)}, f"sampling rates {set(rates)}")
    check(set(inputs) == {"1"}, f"input ifIndex {set(inputs)}")
    check(set(lens) == {str(FRAME_LEN + 4)}, f"frame lengths {set(lens)}")
    check(set(hlens) == {str(HEADER)}, f"header lengths {set(hlens)}")
    # Each sample carries the pool as it was when it was taken: strictly growing.
    check(all(a < b for a, b in zip(pools, pools[1:])) and 0 < pools[-1] <= FRAMES,
          f"sample pools {pools[:8]}...")
    lost = drops[-1] if drops else 0
    forwarded = dropped = 0
    for k, h in enumerate(headers):
        raw = bytes.fromhex(h.replace(":", ""))
        check(raw in sent_headers, f"sample {k}: header is not the first {HEADER} bytes "
              "of a frame that was sent")
        out = (out_fmts[k], out_vals[k])
        if raw[:6] == bytes.fromhex(B.replace(":", "")):
            forwarded += 1
            check(out == ("0", "2"), f"sample {k} to B: output {out}, not ifIndex 2")
        else:
            dropped += 1
            check(out == ("1", "258"), f"sample {k} to nobody: output {out}, not discarded")
    check(forwarded > 0 and dropped > 0, "samples of both kinds of frame")

    # The rate, statistically: skips are uniform on 1..2N-1, so over FRAMES
    # frames the count has a standard deviation of about sqrt(FRAMES/(3N)),
    # 8 here; +-30% of the 200 expected is more than 7 deviations.
    want = FRAMES / RATE
    check(abs(n + lost - want) <= 0.3 * want,
          f"{n} samples (+{lost} lost) for {FRAMES} frames at 1 in {RATE}; want about {want}")

    # Counter samples: both ports, octets no more than what was sent.
    ifidx = all_of(decoded, "sflow_245.ifindex")
    check({"1", "2"} <= set(ifidx), f"counter samples for ifIndex {set(ifidx)}")
    inoct = [int(x) for x in all_of(decoded, "sflow_245.ifinoct")]
    check(max(inoct) <= FRAMES * FRAME_LEN and max(inoct) > 0, f"ifInOctets {inoct}")
    print(f"sflow: {len(coll.datagrams)} datagrams, {n} flow samples for {FRAMES} frames "
          f"at 1 in {RATE} (want ~{want:.0f}), {forwarded} forwarded, {dropped} dropped, "
          f"{len(inoct)} counter samples")
    return 0


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scenario_sfacctd(exe, work):
    """pmacct's sfacctd, configured as docs/monitoring.md says, builds the
    member-to-member matrix from what the dataplane sends it; the exact
    matrix of the same traffic is printed beside it, as in docs/lab.md."""
    sfacctd = shutil.which("sfacctd") or shutil.which("sfacctd", path="/usr/sbin")
    if sfacctd is None:
        print("SKIP: sfacctd (Debian's pmacct) is not installed")
        return SKIP
    port = free_udp_port()
    csv = os.path.join(work, "matrix.csv")
    conf = os.path.join(work, "sfacctd.conf")
    with open(conf, "w") as f:
        f.write(f"sfacctd_ip: 127.0.0.1\nsfacctd_port: {port}\nsfacctd_renormalize: true\n"
                "aggregate: src_mac, dst_mac, in_iface, out_iface\nplugins: print\n"
                f"print_output: csv\nprint_output_file: {csv}\nprint_refresh_time: 1\n"
                f"pidfile: {work}/sfacctd.pid\n")
    coll = subprocess.Popen([sfacctd, "-f", conf], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    frames = [udp4(A1, B, size=FRAME_LEN)] * (FRAMES // 2)
    cfg = two_ports(work, frames, "  sflow:\n"
                    f"    collectors: [\"127.0.0.1:{port}\"]\n"
                    f"    agent-address: {AGENT}\n"
                    f"    sampling-rate: {RATE}\n")
    time.sleep(0.5)  # sfacctd binds its socket
    dp = Dataplane(exe, work, cfg, ["--idle-exit", "500", "--matrix"])
    rc = dp.wait()
    time.sleep(2.5)  # two refreshes of the print plugin
    coll.send_signal(signal.SIGINT)
    try:
        out, _ = coll.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        coll.kill()
        out, _ = coll.communicate()
    if eal_unusable(dp):
        print("SKIP: " + eal_unusable(dp))
        return SKIP
    check(rc == 0, f"dataplane exited with {rc}:\n  " + "\n  ".join(dp.log))
    check(os.path.exists(csv), f"sfacctd wrote no {csv}; it said:\n{out}")
    with open(csv) as f:
        rows = [line.strip().split(",") for line in f if line.strip()]
    check(rows and rows[0][:2] == ["SRC_MAC", "DST_MAC"], f"sfacctd's CSV: {rows[:2]}")
    head = rows[0]
    total, total_bytes = {}, {}
    for r in rows[1:]:
        key = (r[head.index("SRC_MAC")], r[head.index("DST_MAC")],
               r[head.index("IN_IFACE")], r[head.index("OUT_IFACE")])
        total[key] = total.get(key, 0) + int(r[head.index("PACKETS")])
        total_bytes[key] = total_bytes.get(key, 0) + int(r[head.index("BYTES")])
    pkts = total.get((A1, B, "1", "2"), 0)
    check(set(total) == {(A1, B, "1", "2")}, f"sfacctd's matrix: {total}")
    # Renormalised by the sampling rate: about the frames sent, within 30%.
    want = FRAMES // 2
    check(abs(pkts - want) <= 0.3 * want, f"sfacctd counted {pkts} packets A->B, want ~{want}")
    print(f"sfacctd: {pkts} packets from {A1} on ifIndex 1 to {B} on ifIndex 2 "
          f"(sent {want})")
    # The exact matrix of the same traffic: every frame, to the byte.
    mx = dp.read_stats().get("matrix")
    check(isinstance(mx, dict), f"no matrix in --stats-json: {mx!r}")
    exact = {(p["src_asn"], p["dst_asn"]): p["ipv4"] for p in mx["pairs"]}
    check(exact == {(64501, 64502): {"frames": want, "bytes": want * FRAME_LEN}},
          f"exact matrix {exact}, want {want} frames of {FRAME_LEN} bytes AS64501 -> AS64502")
    est_b = total_bytes.get((A1, B, "1", "2"), 0)
    print(f"{'AS64501 -> AS64502':20} {'frames':>8} {'bytes':>10}\n"
          f"{'exact matrix':20} {want:8d} {want * FRAME_LEN:10d}\n"
          f"{'sFlow 1 in %d' % RATE:20} {pkts:8d} {est_b:10d}"
          f" ({100.0 * (pkts - want) / want:+.1f}% frames)")
    return 0


def scenario_telemetry(exe, work):
    tool = shutil.which("dpdk-telemetry.py")
    if tool is None:
        print("SKIP: dpdk-telemetry.py (Debian's dpdk-dev) is not installed")
        return SKIP
    frames = [udp4(A1, B, size=100)] * 50 + [udp4(A1, NOBODY, size=100)] * 14
    cfg = two_ports(work, frames)
    dp = Dataplane(exe, work, cfg)
    try:
        try:
            dp.wait_line(r"forwarding on 2 port")
        except Failed:
            dp.wait(5)
            if eal_unusable(dp):
                print("SKIP: " + eal_unusable(dp))
                return SKIP
            raise
        answers = {}
        deadline = time.time() + 10
        while time.time() < deadline:
            cmds = ["/peerlan/status", "/peerlan/ports", "/peerlan/port,port1",
                    "/peerlan/port,1", "/peerlan/sflow"]
            r = subprocess.run([sys.executable, tool, "-f", dp.prefix],
                               input="\n".join(cmds) + "\n", capture_output=True, text=True,
                               timeout=30)
            check(r.returncode == 0, f"dpdk-telemetry.py failed: {r.stderr}")
            answers = {}
            for line in r.stdout.splitlines():
                answers.update(json.loads(line))
            p1 = answers.get("/peerlan/port", {})
            if p1.get("rx_packets") == len(frames):
                break
            time.sleep(0.1)
        check(len(r.stdout.splitlines()) == 5, f"five answers wanted, got:\n{r.stdout}")
        check(answers["/peerlan/sflow"] == {"state": "off"}, f"sflow {answers['/peerlan/sflow']}")
        status = answers["/peerlan/status"]
        check(status["generation"] == 1 and status["ports"] == 2 and status["workers"] == 1,
              f"/peerlan/status {status}")
        check(answers["/peerlan/ports"] == ["port1", "port2"], "/peerlan/ports")
        # dpdk-telemetry.py printed the answers in order; the last is port 1 = port2.
        outs = [json.loads(line) for line in r.stdout.splitlines()]
        p1, p2 = outs[2]["/peerlan/port"], outs[3]["/peerlan/port"]
        check(p1["name"] == "port1" and p2["name"] == "port2", "ports by name and index")
        check(p1["rx_packets"] == 64 and p1["forwarded"] == 50, f"port1 counters {p1}")
        check(p1["drops"]["unknown_unicast"] == 14, f"port1 drops {p1['drops']}")
        check(p2["tx_packets"] == 50, f"port2 tx {p2['tx_packets']}")
        for k in ("admin", "link", "oper", "device", "punt_dropped"):
            check(k in p1, f"/peerlan/port has no {k}")
        names = [line.split("X(")[1].split(",")[0] for line in
                 open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                   "fabric", "counters.h"))
                 if line.lstrip().startswith("X(")]
        missing = [k for k in names if k not in p1 and k not in p1["drops"]]
        check(not missing, f"telemetry lacks {missing}")
        check(p1["rx_packets"] == p1["forwarded"] + p1["steered"] + p1["answered"] +
              sum(p1["drops"].values()), "accounting invariant over telemetry")
    finally:
        if dp.proc.poll() is None:
            dp.proc.send_signal(signal.SIGTERM)
        dp.wait(20)
    print(f"telemetry: dpdk-telemetry.py read {len(names)} counters and reasons of each port")
    return 0


if __name__ == "__main__":
    # dptest's runner, with these scenarios.
    dptest.SCENARIOS = {"sflow": scenario_sflow, "sfacctd": scenario_sfacctd,
                        "telemetry": scenario_telemetry}
    sys.exit(dptest.main())
