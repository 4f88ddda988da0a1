#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End to end: the real peerlan-dataplane with the XDP pre-filter on a net_af_xdp port.

A veth pair (peer end in a namespace this test creates) is the dataplane's
net_af_xdp port 'edge1'; a second veth pair is 'edge2' through net_af_packet.
From the namespace a spoofed-MAC flood and some legal frames go into edge1.
The test checks that the flood is dropped in XDP (the pinned drop counter
rises by the flood), that the dataplane's pipeline never saw it (its own
src_mac_violation count, the summed one minus XDP's, is zero), that the
legal frames are forwarded to edge2, and that the summed counters keep
rx_packets = forwarded + steered + answered + drops. A second run on the
same pins checks the counters neither restart nor double count.

    xdp_e2e.py DATAPLANE [--bench N RUNS]

Runs in a private mount namespace with its own bpffs, so its pins vanish
with it. Exit status: 0 passed, 1 failed, 77 cannot run here (reason printed).
"""

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
A = "02:00:5e:20:00:11"  # member A on edge1
B = "02:00:5e:20:00:12"  # member B on edge2
FLOOD = 10000
LEGAL = 200
SRC_MAC_VIOLATION = 8  # index of src_mac_violation in FAB_DROP_REASONS


class Failed(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def run(*args, ns=None, check_rc=True):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise Failed(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def ipv4_frame(src, dst, n):
    """An Ethernet/IPv4/UDP frame of 64 bytes from src to dst (documentation addresses)."""
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 46, n & 0xffff, 0, 64, 17, 0,
                     bytes([192, 0, 2, 11]), bytes([192, 0, 2, 12]))
    udp = struct.pack(">HHHH", 40000, 9, 26, 0) + bytes(18)
    return mac_bytes(dst) + mac_bytes(src) + b"\x08\x00" + ip + udp


SENDER = r"""
import socket, struct, sys
iface, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
frame = bytes.fromhex(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for i in range(n):
    if kind == "spoof":  # a new locally administered source MAC every frame
        f = frame[:6] + b"\x02\x00\x5e\x30" + struct.pack(">H", i & 0xffff) + frame[12:]
    else:
        f = frame
    while True:
        try:
            s.send(f)
            break
        except BlockingIOError:
            pass
"""


class Lab:
    """Namespace and veth pairs, named uniquely; removed by exact name."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.ns = f"plxdp-{tag}"
        self.host = [f"plx{tag}a", f"plx{tag}b"]
        self.peer = [f"plx{tag}c", f"plx{tag}d"]
        self.made_ns = False

    def up(self):
        run("ip", "netns", "add", self.ns)
        self.made_ns = True
        for h, p, mac in zip(self.host, self.peer, (A, B)):
            run("ip", "link", "add", h, "type", "veth", "peer", "name", p, "netns", self.ns)
            run("sysctl", "-qw", f"net.ipv4.conf.{h}.arp_ignore=8")
            run("sysctl", "-qw", f"net.ipv6.conf.{h}.disable_ipv6=1")
            run("sysctl", "-qw", f"net.ipv6.conf.{p}.disable_ipv6=1", ns=self.ns)
            run("ip", "link", "set", p, "address", mac, "arp", "off", "up", ns=self.ns)
            run("ip", "link", "set", h, "arp", "off", "up")

    def down(self):
        for h in self.host:
            run("ip", "link", "del", h, check_rc=False)
        if self.made_ns:
            run("ip", "netns", "del", self.ns, check_rc=False)

    def send(self, kind, n, src, dst):
        run("/usr/bin/python3", "-c", SENDER, self.peer[0], str(n), kind,
            ipv4_frame(src, dst, 1).hex(), ns=self.ns)


def config(lab, mac_a=A, admin="up"):
    return f"""fabric: {{name: test-ix}}
lans:
  - {{name: peering, vlan: 100, kind: peering, ipv4: 192.0.2.0/24, ipv6: "2001:db8:100::/64"}}
ports:
  - {{name: edge1, device: "net_af_xdp0,iface={lab.host[0]}", mode: access, lans: [peering], admin: {admin}, mtu: 1500}}
  - {{name: edge2, device: "net_af_packet0,iface={lab.host[1]}", mode: access, lans: [peering], admin: up, mtu: 1500}}
members:
  - asn: 64500
    name: Member A
    connections:
      - port: edge1
        lans:
          - {{lan: peering, macs: ["{mac_a}"], ipv4: [192.0.2.11], ipv6: ["2001:db8:100::11"]}}
  - asn: 64501
    name: Member B
    connections:
      - port: edge2
        lans:
          - {{lan: peering, macs: ["{B}"], ipv4: [192.0.2.12], ipv6: ["2001:db8:100::12"]}}
"""


def proc_cpu_ticks(pid):
    """(utime, stime) of a process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


class Dataplane:
    started = []  # every instance, so that a failure on any path stops them all

    def __init__(self, exe, work, run_id, extra=()):
        Dataplane.started.append(self)
        self.prefix = f"peerlan-xdp-{os.getpid()}-{run_id}"
        self.stats = os.path.join(work, f"stats-{run_id}.json")
        self.logpath = os.path.join(work, f"log-{run_id}.txt")
        self.log = open(self.logpath, "w")
        args = [exe, "--no-huge", "-m", "512", "--no-pci", "-l", "0,1",
                "--file-prefix", self.prefix, "--log-level=*:warning", "--",
                "-c", os.path.join(work, "fabric.yaml"), "--stats-json", self.stats]
        self.proc = subprocess.Popen(args + list(extra), stdout=subprocess.DEVNULL,
                                     stderr=self.log)

    def text(self):
        with open(self.logpath) as f:
            return f.read()

    def wait_started(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.text()
            if "configuration generation 1 applied" in t:
                return
            if self.proc.poll() is not None:
                raise Failed(f"the dataplane exited ({self.proc.returncode}):\n{t}")
            time.sleep(0.1)
        raise Failed(f"the dataplane did not start within {timeout} s:\n{self.text()}")

    def stop(self):
        if self.log.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        return self.proc.returncode

    def read_stats(self):
        with open(self.stats) as f:
            return json.load(f)


def pinned_drop(port, reason):
    """The pinned per-CPU drop counter, summed, as bpftool reads it."""
    r = run("bpftool", "-j", "map", "lookup", "pinned", f"/sys/fs/bpf/peerlan/{port}/drops",
            "key", *[str(b) for b in struct.pack("<I", reason)])
    v = json.loads(r.stdout)
    return sum(int.from_bytes(bytes(int(b, 16) for b in c["value"]), "little")
               for c in v["values"])


def invariant(p):
    return p["rx_packets"] == (p["forwarded"] + p["steered"] + p["answered"] +
                               sum(p["drops"].values()))


def skip_reason(text):
    """Why net_af_xdp could not run, from the driver's own words, or None."""
    for pat in ("AF_XDP", "xsk", "af_xdp", "cannot be probed", "XDP"):
        for line in text.splitlines():
            if pat in line and ("rror" in line or "ailed" in line or "cannot" in line):
                return line.strip()
    return None


def refuses_without_filter(exe, work, lab):
    """A filter that cannot load (an incompatible pinned map) stops the start."""
    pin = "/sys/fs/bpf/peerlan/edge1"
    os.makedirs(pin, exist_ok=True)
    run("bpftool", "map", "create", f"{pin}/cfg", "type", "array", "key", "4", "value", "4",
        "entries", "1", "name", "cfg")
    dp = Dataplane(exe, work, 0)
    try:
        rc = dp.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        dp.stop()
        raise Failed("the dataplane started with a pre-filter it could not load")
    dp.stop()
    text = dp.text()
    if "cannot load the XDP pre-filter" not in text:
        why = skip_reason(text)
        if why:
            raise Skip(f"net_af_xdp cannot run on a veth here: {why}")
    check(rc != 0 and "cannot load the XDP pre-filter" in text and "not started" in text,
          f"exit {rc} without the expected reason:\n{text}")
    link = run("ip", "-d", "link", "show", "dev", lab.host[0]).stdout
    check("prog/xdp" not in link, f"an XDP program stayed on {lab.host[0]}:\n{link}")
    os.unlink(f"{pin}/cfg")
    print("run 0: an incompatible pinned map stops the start, nothing left attached")


def scenario(exe, work, lab):
    refuses_without_filter(exe, work, lab)
    # Run 1: a flood with the pre-filter, then legal frames.
    dp = Dataplane(exe, work, 1)
    try:
        dp.wait_started()
    except Failed:
        dp.stop()
        why = skip_reason(dp.text())
        if why and "pre-filter" not in why:
            raise Skip(f"net_af_xdp cannot run on a veth here: {why}")
        raise
    lab.send("spoof", FLOOD, A, B)
    lab.send("legal", LEGAL, A, B)
    time.sleep(1)
    rc = dp.stop()
    check(rc == 0, f"the dataplane exited {rc}:\n{dp.text()}")
    s = dp.read_stats()["ports"]
    e1, e2 = s["edge1"], s["edge2"]
    xdp1 = pinned_drop("edge1", SRC_MAC_VIOLATION)
    print(f"run 1: XDP src_mac_violation {xdp1}, edge1 rx_packets {e1['rx_packets']}, "
          f"xdp_dropped {e1.get('xdp_dropped')}, forwarded {e1['forwarded']}, "
          f"edge2 tx_packets {e2['tx_packets']}")
    check(xdp1 == FLOOD, f"XDP counted {xdp1} spoofed frames, not {FLOOD}")
    check(e1.get("xdp_dropped") == FLOOD, f"xdp_dropped is {e1.get('xdp_dropped')}")
    check(e1["drops"]["src_mac_violation"] == xdp1,
          "the pipeline saw spoofed frames itself: "
          f"{e1['drops']['src_mac_violation'] - xdp1}")
    reached_dpdk = e1["rx_packets"] - e1["xdp_dropped"]
    check(reached_dpdk == LEGAL, f"{reached_dpdk} frames reached DPDK, not the {LEGAL} legal")
    check(e1["forwarded"] == LEGAL and e2["tx_packets"] == LEGAL,
          f"forwarded {e1['forwarded']}, edge2 sent {e2['tx_packets']}, not {LEGAL}")
    check(e1["rx_discards"] == sum(e1["drops"].values()), "rx_discards != sum of drops")
    for name, p in s.items():
        check(invariant(p), f"{name}: rx_packets != forwarded + steered + answered + drops")

    # Run 2 on the same pins: the counters go on from run 1, once.
    e1, text = flood_run(exe, work, lab, 2, 1000)
    print(f"run 2: xdp_dropped {e1['xdp_dropped']}, rx_packets {e1['rx_packets']}")
    check(e1["xdp_dropped"] == FLOOD + 1000,
          f"after a restart xdp_dropped is {e1['xdp_dropped']}, not {FLOOD + 1000}")
    check(e1["rx_packets"] == FLOOD + 1000 and invariant(e1), "run 2 counters")
    check("XDP pre-filter attached" in text, "no takeover logged")

    # Run 3 without the filter: the same flood now reaches the pipeline.
    e1, _ = flood_run(exe, work, lab, 3, 1000, ["--no-xdp-filter"])
    print(f"run 3 (--no-xdp-filter): src_mac_violation {e1['drops']['src_mac_violation']}")
    check("xdp_dropped" not in e1, "xdp_dropped reported without the filter")
    check(e1["drops"]["src_mac_violation"] == 1000 and e1["rx_packets"] == 1000,
          "without the filter the pipeline should drop the flood itself")
    check(pinned_drop("edge1", SRC_MAC_VIOLATION) == FLOOD + 1000,
          "XDP counted frames while detached")
    reloads(exe, work, lab)


def reloads(exe, work, lab):
    """Reloads move the filter: a MAC added passes, a port set admin down drops."""
    path = os.path.join(work, "fabric.yaml")
    shutil.rmtree("/sys/fs/bpf/peerlan/edge1", ignore_errors=True)
    with open(path, "w") as f:
        f.write(config(lab, mac_a="02:00:5e:20:00:99"))
    dp = Dataplane(exe, work, 4)
    try:
        dp.wait_started()
        lab.send("legal", 50, A, B)  # A's MAC is not provisioned yet
        for gen, text in ((2, config(lab)), (3, config(lab, admin="down"))):
            time.sleep(0.5)
            with open(path, "w") as f:
                f.write(text)
            dp.proc.send_signal(1)
            deadline = time.time() + 10
            while f"generation {gen} applied" not in dp.text():
                check(time.time() < deadline, f"reload {gen} not applied:\n{dp.text()}")
                time.sleep(0.1)
            lab.send("legal", 50, A, B)
        time.sleep(1)
    finally:
        rc = dp.stop()
        with open(path, "w") as f:
            f.write(config(lab))
    check(rc == 0, f"run 4 failed:\n{dp.text()}")
    e1 = dp.read_stats()["ports"]["edge1"]
    d = e1["drops"]
    print(f"run 4 (reloads): src_mac_violation {d['src_mac_violation']}, forwarded "
          f"{e1['forwarded']}, port_down {d['port_down']}, xdp_dropped {e1['xdp_dropped']}")
    check(d["src_mac_violation"] == 50 and e1["forwarded"] == 50 and d["port_down"] == 50,
          "the filter did not follow the reloads")
    check(e1["xdp_dropped"] == 100 and e1["rx_packets"] == 150 and invariant(e1),
          "the unprovisioned and admin-down frames were not all dropped in XDP")


def flood_run(exe, work, lab, run_id, n, extra=()):
    """Starts the dataplane, floods edge1 with n spoofed frames, stops it:
    edge1's counters and the dataplane's log."""
    dp = Dataplane(exe, work, run_id, extra)
    dp.wait_started()
    lab.send("spoof", n, A, B)
    time.sleep(1)
    check(dp.stop() == 0, f"run {run_id} failed:\n{dp.text()}")
    return dp.read_stats()["ports"]["edge1"], dp.text()


def perf_top(path, n=6):
    """The symbols with the most of the dataplane's cpu-clock samples, as perf reports them."""
    r = run("perf", "report", "-i", path, "--stdio", "--sort", "sym", "--no-children", "-q",
            check_rc=False)
    return "; ".join(" ".join(line.split()) for line in r.stdout.splitlines()[:n])


def bench(exe, work, lab, n, runs):
    """Per run and mode: the sender's time for an n-frame spoofed flood, the frames
    the port counted (received by DPDK or dropped in XDP), the dataplane's user
    and system CPU ticks over the flood, and where its time went (perf record)."""
    for r in range(runs):
        for mode, extra in (("xdp", []), ("noxdp", ["--no-xdp-filter"])):
            shutil.rmtree("/sys/fs/bpf/peerlan/edge1", ignore_errors=True)
            dp = Dataplane(exe, work, f"b{r}{mode}", extra)
            dp.wait_started()
            time.sleep(0.5)
            data = os.path.join(work, "perf.data")
            # perf (Debian: linux-perf) is optional: without it, no "top:" line.
            rec = shutil.which("perf") and subprocess.Popen(
                ["perf", "record", "-q", "-e", "cpu-clock", "-o", data, "-p",
                 str(dp.proc.pid), "--", "sleep", "600"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            u0, s0 = proc_cpu_ticks(dp.proc.pid)
            w0 = time.time()
            lab.send("spoof", n, A, B)
            w1 = time.time()
            time.sleep(0.5)
            u1, s1 = proc_cpu_ticks(dp.proc.pid)
            if rec:
                rec.send_signal(2)
                rec.wait()
            dp.stop()
            p = dp.read_stats()["ports"]["edge1"]
            print(f"BENCH mode={mode} run={r} frames={n} send_s={w1 - w0:.3f} "
                  f"counted={p['rx_packets']} reached_dpdk="
                  f"{p['rx_packets'] - p.get('xdp_dropped', 0)} utime={u1 - u0} "
                  f"stime={s1 - s0} window_s={w1 - w0 + 0.5:.3f}"
                  + (f"\n  top: {perf_top(data)}" if rec else ""),
                  flush=True)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 1
    exe = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("SKIP: needs root (veth pairs, a namespace, XDP)")
        return SKIP
    if os.environ.get("PLXDP_UNSHARED") != "1":
        # A private mount namespace with a fresh bpffs: the pins go with it.
        env = dict(os.environ, PLXDP_UNSHARED="1")
        r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                            sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                           env=env)
        return r.returncode
    r = subprocess.run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        print(f"SKIP: cannot mount a private bpffs: {r.stderr.strip()}")
        return SKIP
    if shutil.which("bpftool") is None and not os.path.exists("/usr/sbin/bpftool"):
        print("SKIP: bpftool is missing")
        return SKIP
    os.environ["PATH"] += ":/usr/sbin:/sbin"
    lab = Lab()
    work = tempfile.mkdtemp(prefix="peerlan-xdp-e2e-")
    try:
        lab.up()
        with open(os.path.join(work, "fabric.yaml"), "w") as f:
            f.write(config(lab))
        if len(sys.argv) >= 5 and sys.argv[2] == "--bench":
            bench(exe, work, lab, int(sys.argv[3]), int(sys.argv[4]))
        else:
            scenario(exe, work, lab)
        print("PASS")
        return 0
    except Skip as e:
        print(f"SKIP: {e}")
        return SKIP
    except Failed as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        for dp in Dataplane.started:
            dp.stop()
        lab.down()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
