#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""peerlan benchmark: frames per second and instructions per frame, beside
dpdk-testpmd on the same ports and pcaps, in one run.

    tests/bench/run.py --build build            the full benchmark (10 to 15 minutes)
    tests/bench/run.py --build build --smoke    a short check of the harness (seconds)
    tests/bench/run.py --report results.json    the tables of an earlier --json run

Every program runs with one worker lcore (-l 0,1: lcore 0 is the main lcore,
lcore 1 forwards), once with hugepages (which the benchmark reserves, mounts
on a private hugetlbfs directory and returns at the end, needing root) and
once with --no-huge, on two ports: net_pcap0 replays a pcap forever
(infinite_rx=1, no TX: frames sent there are dropped by the driver) and
net_null0 (no-rx=1) takes everything transmitted. peerlan, testpmd io and
testpmd macswap alternate, round after round. A program's rate is the number
of frames net_pcap0 delivered (ethdev ipackets, read over DPDK telemetry)
between two readings taken after a warm-up, divided by the CPU time the
worker thread ran between them (a shared machine gives it only part of the
wall time), so start-up, shutdown and neighbours never count. After every
peerlan run its own
counters must account for every frame with the outcome the generator wrote
down for it, or the benchmark fails.

--vxlan-cost adds peerlan-encap (the receiving members behind a remote VTEP:
every frame leaves encapsulated by an underlay port on net_null0) and
peerlan-decap (the sending members behind it: the same frames, each inside
VXLAN from that VTEP, arrive on an underlay port on net_pcap0) to every
round and to callgrind, beside peerlan on the plain ports.

--matrix-cost runs peerlan with its traffic matrix (--matrix), and measures
what the matrix costs in one process: in every round one more peerlan
switches it off and on over DPDK telemetry (/peerlan/matrix,on|off), in
short phases (--matrix-phase) in the order on off off on on off ..., and
takes the ratio of the rates of each adjacent on and off phase
(--matrix-pairs of them a round). Neighbours, page layout and caches
weigh on both phases of a pair alike; the median ratio and its quartiles
are the cost. Under callgrind it runs peerlan --no-matrix beside peerlan.
--matrix-probe does that alone, for a dataplane built to do only a part of
the counting (-DPEERLAN_MATRIX_PROBE=N, docs/performance.md).

--services-cost adds peerlan with its receiving port a sub-rate port (a
rate no mix reaches: every frame is metered, none dropped) and peerlan with
the LAN's RFC 7999 blackhole configured, to every round and under callgrind.

--capture-cost (with --hugepages on) adds peerlan --no-capture and peerlan
with dpdk-dumpcap capturing net_pcap0 (every frame, or only tcp port 179)
to every round: what being ready for a capture costs, and what one costs.

Instructions per frame come from callgrind on the same setup: counters are
zeroed once the program is forwarding, dumped after a fixed number of frames,
and only the worker thread's profile is read; its frame count is the number
of calls to the pcap driver's receive function times the burst size. See
docs/performance.md for the reasons.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gen  # noqa: E402
from hugepages import HugePages, HugePagesError  # noqa: E402

PROGRAMS = ("peerlan", "testpmd-io", "testpmd-macswap")
RX_DEVICE = "net_pcap0"
TX_DEVICE = "net_null0,no-rx=1"
# --lag-cost: the sending core port as a LAG of two null links on DPDK's
# bonding driver. The receiving one stays plain: the bonding driver sets
# its links' MAC addresses, which net_pcap cannot do.
LAG_TX_DEVICES = [TX_DEVICE, "net_null1,no-rx=1"]
TESTPMD_BURST = 32
VXLAN_KINDS = ("peerlan-encap", "peerlan-decap")
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class BenchError(Exception):
    pass


def log(*args):
    print(*args, flush=True)


# ---- DPDK telemetry ---------------------------------------------------------


def runtime_dir(prefix):
    """Where the EAL of a primary process with this --file-prefix keeps its files."""
    if os.getuid() == 0:
        base = "/var/run"
    else:
        base = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


class Telemetry:
    def __init__(self, prefix):
        self.path = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
        self.sock = None

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def query(self, cmd):
        if self.sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(self.path)
                s.recv(16384)  # the greeting: version, pid, max_output_len
            except OSError:
                s.close()
                raise
            self.sock = s
        try:
            self.sock.send(cmd.encode())
            reply = self.sock.recv(1 << 20)
        except OSError:
            self.close()
            raise
        if not reply:
            self.close()
            raise ConnectionError("telemetry closed")
        return json.loads(reply)[cmd.split(",")[0]]


# ---- one program on the benchmark ports -------------------------------------


def short_path(opts, path):
    """With --capture-cost, path through a symlink in a short directory: the
    pcap driver keeps 64 bytes of its arguments for a secondary process
    (dpdk-dumpcap), which fails to open a longer path cut there."""
    if not opts.capture_cost:
        return path
    if opts.short_dir is None:
        opts.short_dir = tempfile.mkdtemp(prefix="plbc")
    link = os.path.join(opts.short_dir, os.path.basename(path))
    if not os.path.lexists(link):
        os.symlink(path, link)
    return link


class Program:
    """One DPDK primary process with its own --file-prefix and log."""

    seq = 0
    running = set()  # killed on the way out, whatever way that is

    def __init__(self, kind, opts, case, wrapper=()):
        Program.seq += 1
        self.kind = kind
        self.prefix = "plbench-%d-%d" % (os.getpid(), Program.seq)
        workdir = opts.out
        self.log_path = os.path.join(workdir, "%s.log" % self.prefix)
        self.stats_path = None
        if case.get("huge_dir"):
            mem = ["--huge-dir", case["huge_dir"], "-m", str(opts.mem)]
        else:
            mem = ["--no-huge", "-m", str(opts.mem)]
        eal = ["-l", opts.lcores] + mem + ["--no-pci", "--file-prefix", self.prefix]
        pcap = case["vxlan_pcap"] if kind == "peerlan-decap" else case["pcap"]
        rx = "%s,rx_pcap=%s,infinite_rx=1" % (RX_DEVICE, short_path(opts, pcap))
        if kind.startswith("peerlan"):
            run_dir = os.path.join(workdir, self.prefix)
            os.makedirs(os.path.join(run_dir, "state"), exist_ok=True)
            self.run_dir = run_dir
            cfg = os.path.join(run_dir, "peerlan.yaml")
            if kind == "peerlan-lag":
                gen.write_config(cfg, case["members"], rx, LAG_TX_DEVICES, run_dir,
                                 lag=opts.lag_cost)
            elif kind in VXLAN_KINDS:
                gen.write_config(cfg, case["members"], rx, TX_DEVICE, run_dir,
                                 vxlan=kind.split("-")[1])
            else:
                service = {"peerlan-ratelimit": "rate-limit",
                           "peerlan-blackhole": "blackhole"}.get(kind)
                gen.write_config(cfg, case["members"], rx, TX_DEVICE, run_dir, service=service)
            self.stats_path = os.path.join(run_dir, "stats.json")
            cmd = [opts.dataplane] + eal + ["--", "-c", cfg, "--stats-json", self.stats_path]
            # The matrix is off by default, and so in "peerlan" unless
            # --matrix-cost turns it on (peerlan, peerlan-switch), where
            # callgrind compares it with off (peerlan-nomatrix).
            if kind == "peerlan-nomatrix":
                cmd.append("--no-matrix")
            elif kind == "peerlan-nocapture":
                cmd.append("--no-capture")
            elif opts.matrix_cost:
                cmd.append("--matrix")
        else:
            self.run_dir = None
            mode = kind.split("-", 1)[1]
            cmd = [opts.testpmd] + eal + ["--vdev", rx, "--vdev", TX_DEVICE, "--",
                                          "--forward-mode=" + mode, "--nb-cores=1",
                                          "--burst=%d" % TESTPMD_BURST,
                                          "--rxd=1024", "--txd=1024",
                                          "--mbcache=256",
                                          "--total-num-mbufs=%d" % (opts.frames + 4096)]
        self.cmd = list(wrapper) + cmd
        self.proc = None
        self.tel = Telemetry(self.prefix)
        self.port = None
        self.worker_stat = None

    def start(self):
        self.logf = open(self.log_path, "w")
        self.logf.write("# " + " ".join(self.cmd) + "\n")
        self.logf.flush()
        # testpmd without -i forwards until a line arrives on its stdin.
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        Program.running.add(self)

    def log_tail(self, n=15):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def fail(self, why):
        self.kill()
        raise BenchError("%s (%s): %s\n--- last lines of %s:\n%s" %
                         (self.kind, self.prefix, why, self.log_path, self.log_tail()))

    def rx_packets(self):
        return self.tel.query("/ethdev/stats,%d" % self.port)["ipackets"]

    def find_worker(self):
        """The thread of the one worker lcore; the EAL names it rte-worker-N."""
        task = "/proc/%d/task" % self.proc.pid
        for tid in os.listdir(task):
            try:
                with open(os.path.join(task, tid, "comm")) as f:
                    if f.read().startswith("rte-worker-"):
                        self.worker_stat = os.path.join(task, tid, "schedstat")
                        return
            except OSError:
                pass
        self.fail("no rte-worker thread")

    def worker_cpu(self):
        """Seconds the worker thread has spent running on a CPU (ns resolution)."""
        with open(self.worker_stat) as f:
            return int(f.read().split()[0]) / 1e9

    def sample(self, cpu=True):
        """(time, frames received on net_pcap0, worker CPU seconds), taken mid-query."""
        t0 = time.monotonic()
        c0 = self.worker_cpu() if cpu else 0.0
        n = self.rx_packets()
        c1 = self.worker_cpu() if cpu else 0.0
        return (t0 + time.monotonic()) / 2, n, (c0 + c1) / 2

    def wait_forwarding(self, timeout):
        """Waits until frames flow on net_pcap0; finds its ethdev port id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail("exited with status %d before forwarding" % self.proc.returncode)
            try:
                if self.port is None:
                    for pid in self.tel.query("/ethdev/list"):
                        info = self.tel.query("/ethdev/info,%d" % pid)
                        if info and info.get("name") == RX_DEVICE:
                            self.port = pid
                if self.port is not None and self.rx_packets() > 0:
                    return
            except (OSError, ValueError, TypeError, KeyError):
                pass
            time.sleep(0.05)
        self.fail("no frame received within %.0f s" % timeout)

    def wait_frames(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail("exited with status %d while forwarding" % self.proc.returncode)
            if self.rx_packets() >= n:
                return
            time.sleep(0.05)
        self.fail("fewer than %d frames within %.0f s" % (n, timeout))

    def stop(self, timeout=60):
        self.tel.close()
        if self.proc.poll() is None:
            if self.kind.startswith("peerlan"):
                self.proc.send_signal(signal.SIGINT)
            else:
                try:
                    self.proc.stdin.write(b"\n")
                    self.proc.stdin.flush()
                except OSError:
                    pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("did not stop within %d s" % timeout)
        self.logf.close()
        Program.running.discard(self)
        if self.proc.returncode != 0:
            raise BenchError("%s (%s) exited with status %d\n--- last lines of %s:\n%s" %
                             (self.kind, self.prefix, self.proc.returncode, self.log_path,
                              self.log_tail()))
        self.cleanup()

    def kill(self):
        self.tel.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        Program.running.discard(self)
        self.cleanup()

    def cleanup(self):
        # The EAL leaves its runtime files behind; they are ours, by exact name.
        shutil.rmtree(runtime_dir(self.prefix), ignore_errors=True)

    def stats(self):
        if self.stats_path is None:
            return None
        with open(self.stats_path) as f:
            return json.load(f)


# ---- accounting -------------------------------------------------------------


def expected_counts(expect, received):
    """Outcome counts for the first `received` frames of an endless replay."""
    seq, names, total = expect["sequence"], expect["outcomes"], expect["frames"]
    loops, rest = divmod(received, total)
    counts = dict.fromkeys(names, 0)
    for i, name in enumerate(names):
        code = str(i)
        counts[name] = loops * seq.count(code) + seq[:rest].count(code)
    return counts


def kind_expect(kind, expect):
    """What peerlan of this kind counts for the case's frames, and where:
    encapsulated, they leave by the underlay port; decapsulated, they are
    counted on the VTEP port they came from, where a source MAC the database
    does not place behind that VTEP is vxlan_src_mac."""
    if kind == "peerlan-encap":
        return dict(expect, egress="underlay")
    if kind == "peerlan-decap":
        rename = {"src_mac_violation": "vxlan_src_mac"}
        return dict(expect, ingress="node-a", outcomes=[rename.get(n, n)
                                                        for n in expect["outcomes"]])
    return expect


def check_accounting(stats, expect):
    """Every frame peerlan received is forwarded, steered or dropped exactly as
    the generator says; returns a one-line summary or raises BenchError."""
    ports = stats["ports"]
    a, b = ports[expect["ingress"]], ports[expect["egress"]]
    rx = a["rx_packets"]
    problems = []
    if rx == 0:
        raise BenchError("peerlan received nothing on %s: a benchmark that forwards "
                         "nothing is wrong, not fast" % expect["ingress"])
    want = expected_counts(expect, rx)
    got = {"forwarded": a["forwarded"], "steered": a["steered"], "answered": a["answered"]}
    for reason, n in a["drops"].items():
        if n or reason in want:
            got[reason] = n
    for name in sorted(set(want) | set(got)):
        if want.get(name, 0) != got.get(name, 0):
            problems.append("%s: expected %d, counted %d" %
                            (name, want.get(name, 0), got.get(name, 0)))
    handled = a["forwarded"] + a["steered"] + a["answered"] + sum(a["drops"].values())
    if handled != rx:
        problems.append("rx_packets %d != forwarded + steered + answered + drops %d" %
                        (rx, handled))
    if a["rx_discards"] != sum(a["drops"].values()):
        problems.append("rx_discards %d != sum of drop reasons %d" %
                        (a["rx_discards"], sum(a["drops"].values())))
    sent = a["forwarded"] + a["steered"]
    if b["tx_packets"] != sent or b["tx_discards"] != 0:
        problems.append("%s transmitted %d (discarded %d), expected %d" %
                        (expect["egress"], b["tx_packets"], b["tx_discards"], sent))
    if b["rx_packets"] != 0 or a["tx_packets"] != a["answered"]:
        problems.append("unexpected traffic: %s rx %d, %s tx %d" %
                        (expect["egress"], b["rx_packets"], expect["ingress"], a["tx_packets"]))
    if problems:
        raise BenchError("peerlan's counters do not account for the frames of m%d-%s:\n  " %
                         (expect["members"], expect["mix"]) + "\n  ".join(problems))
    drops = ", ".join("%s %d" % (k, v) for k, v in sorted(got.items())
                      if k not in ("forwarded", "steered", "answered") and v)
    return "%d frames: forwarded %d, steered %d%s" % (rx, a["forwarded"], a["steered"],
                                                      ", dropped: " + drops if drops else "")


# ---- throughput -------------------------------------------------------------


class Dumpcap:
    """dpdk-dumpcap capturing the RX port of a running peerlan (--capture-cost),
    as a secondary process, into /dev/null: what the worker pays to run the
    filter on every frame and copy those it takes into dumpcap's ring, not a
    disk's speed. Every frame, or with filter only BGP (none of the
    benchmark's frames: the filter runs on each, nothing is copied)."""

    def __init__(self, prog, opts, bpf=None):
        self.path = os.path.join(opts.out, "%s-dumpcap.log" % prog.prefix)
        self.logf = open(self.path, "w")
        self.proc = subprocess.Popen(
            [opts.dumpcap, "--file-prefix=%s" % prog.prefix, "-i", str(prog.port),
             "-w", "/dev/null"] + (["-f", bpf] if bpf else []),
            stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + opts.start_timeout
        # "Packets captured:" on stderr once its callbacks are in place.
        while not self.said("Packets captured:"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                said = self.said("")
                self.stop()
                prog.fail("dpdk-dumpcap did not attach:\n" + said)
            time.sleep(0.05)

    def said(self, what):
        with open(self.path) as f:
            text = f.read()
        return text if what in text else ""

    def stop(self):
        """Stops it (as Ctrl-C does); returns its count of frames received and dropped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        m = re.search(r"Packets received/dropped on interface '[^']*': (\d+)/(\d+)",
                      self.said(""))
        os.remove(self.path)
        return "dumpcap %s/%s received/dropped" % m.groups() if m else "dumpcap: no count"


def check_matrix(stats, expect, switched):
    """The traffic matrix of a run with --matrix: on from the start, its
    pairs add up to exactly the frames forwarded; switched off and on, to
    fewer, and more than none. Returns a note for the run's line."""
    mx = stats.get("matrix")
    if not isinstance(mx, dict):
        raise BenchError("peerlan ran with --matrix but --stats-json has no matrix")
    frames = sum(p[a]["frames"] for p in mx["pairs"] for a in ("ipv4", "ipv6", "other"))
    forwarded = stats["ports"][expect["ingress"]]["forwarded"]
    if mx["lost_frames"] != 0:
        raise BenchError("the traffic matrix lost %d frames" % mx["lost_frames"])
    if switched and not 0 < frames < forwarded:
        raise BenchError("switched off and on, the traffic matrix counted %d of %d frames "
                         "forwarded" % (frames, forwarded))
    if not switched and frames != forwarded:
        raise BenchError("the traffic matrix counted %d frames, %d were forwarded" %
                         (frames, forwarded))
    return "matrix: %d pairs, %d frames%s" % (len(mx["pairs"]), frames,
                                              " (switched)" if switched else " = forwarded")


def peerlan_checks(p, kind, opts, case, n_seen):
    """After a peerlan run: its accounting, its matrix; returns its note."""
    stats = p.stats()
    expect = kind_expect(kind, case["expect"])
    note = check_accounting(stats, expect)
    if stats["ports"][expect["ingress"]]["rx_packets"] < n_seen:
        raise BenchError("peerlan counted fewer frames than net_pcap0 delivered")
    probe = (stats.get("matrix") or {}).get("probe")
    if opts.matrix_probe:
        if probe is None:
            raise BenchError("--matrix-probe needs a dataplane built with "
                             "-DPEERLAN_MATRIX_PROBE=N (docs/performance.md)")
        return note + "; matrix probe %d (counts nothing)" % probe
    if probe is not None:
        raise BenchError("%s is a measurement build (PEERLAN_MATRIX_PROBE=%d), whose matrix "
                         "counts nothing: run it with --matrix-probe" % (opts.dataplane, probe))
    if opts.matrix_cost and kind in ("peerlan", "peerlan-switch"):
        note += "; " + check_matrix(stats, expect, kind == "peerlan-switch")
    return note


def switch_run(kind, opts, case):
    """--matrix-cost: one peerlan with --matrix, the matrix switched off
    and on over telemetry in phases of opts.matrix_phase seconds, in the
    order on off, off on, on off, ... so that a drift of the machine's
    speed tilts half the pairs one way and half the other. Each phase's
    rate is frames per worker CPU second, as in timed_run."""
    p = Program(kind, opts, case)
    p.start()
    phases = []
    try:
        p.wait_forwarding(opts.start_timeout)
        p.find_worker()
        time.sleep(opts.warmup)
        for k in range(opts.matrix_pairs):
            for mode in (("on", "off"), ("off", "on"))[k % 2]:
                state = p.tel.query("/peerlan/matrix,%s" % mode)
                if not isinstance(state, dict) or state.get("state") != mode:
                    p.fail("/peerlan/matrix,%s answered %r" % (mode, state))
                t0, n0, c0 = p.sample()
                time.sleep(opts.matrix_phase)
                t1, n1, c1 = p.sample()
                if c1 - c0 < 0.05 * (t1 - t0):
                    raise BenchError("%s ran for only %.3f s of %.2f s; the machine is too "
                                     "busy to measure" % (kind, c1 - c0, t1 - t0))
                phases.append((mode, (n1 - n0) / (c1 - c0), (n1 - n0) / (t1 - t0),
                               (c1 - c0) / (t1 - t0), n1))
    except BaseException:
        p.kill()
        raise
    p.stop()
    note = peerlan_checks(p, kind, opts, case, phases[-1][4])
    shutil.rmtree(p.run_dir, ignore_errors=True)
    os.remove(p.log_path)
    on = [x for x in phases if x[0] == "on"]
    off = [x for x in phases if x[0] == "off"]
    ratios = []
    for k in range(0, len(phases), 2):
        a, b = phases[k], phases[k + 1]
        ratios.append(a[1] / b[1] if a[0] == "on" else b[1] / a[1])
    rate = {"cpu": median([x[1] for x in on]), "wall": median([x[2] for x in on]),
            "share": median([x[3] for x in on]), "off_cpu": median([x[1] for x in off]),
            "ratios": ratios}
    note = "on/off median %.3f of %d pairs; %s" % (median(ratios), len(ratios), note)
    return rate, note


def timed_run(kind, opts, case):
    if kind == "peerlan-switch":
        return switch_run(kind, opts, case)
    p = Program(kind, opts, case)
    p.start()
    cap, captured = None, ""
    try:
        p.wait_forwarding(opts.start_timeout)
        p.find_worker()
        if kind in ("peerlan-capture", "peerlan-capture-bgp"):
            cap = Dumpcap(p, opts, "tcp port 179" if kind.endswith("-bgp") else None)
        time.sleep(opts.warmup)
        t0, n0, c0 = p.sample()
        time.sleep(opts.duration)
        t1, n1, c1 = p.sample()
        if cap is not None:
            captured = cap.stop()
    except BaseException:
        if cap is not None:
            cap.stop()
        p.kill()
        raise
    p.stop()
    if c1 - c0 < 0.05 * (t1 - t0):
        raise BenchError("%s ran for only %.3f s of %.1f s; the machine is too busy to measure" %
                         (kind, c1 - c0, t1 - t0))
    rate = {"cpu": (n1 - n0) / (c1 - c0), "wall": (n1 - n0) / (t1 - t0),
            "share": (c1 - c0) / (t1 - t0)}
    note = ""
    if kind.startswith("peerlan"):
        # Capture runs too: dumpcap has left by now, and the ports must
        # have forwarded through its leaving.
        note = peerlan_checks(p, kind, opts, case, n1)
        shutil.rmtree(p.run_dir, ignore_errors=True)
        os.remove(p.log_path)
        note = "%s; %s" % (note, captured) if captured else note
    else:
        os.remove(p.log_path)
    return rate, note


def median(v):
    return statistics.median(v) if v else float("nan")


# ---- instructions per frame ---------------------------------------------------


def parse_callgrind(path):
    """Total Ir, self Ir per function and per source line, and call counts per
    callee, of one profile written with --compress-strings=no --compress-pos=no."""
    total, self_ir, lines, calls = 0, {}, {}, {}
    ob = fn = cob = cfn = fl = src = None
    after_calls = False
    with open(path) as f:
        for line in f:
            if line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith("ob="):
                ob = line[3:].strip()
            elif line.startswith("fl="):
                fl = src = os.path.normpath(line[3:].strip())
            elif line.startswith(("fi=", "fe=")):
                # Code inlined from another file, until the next fi/fe/fn.
                src = os.path.normpath(line[3:].strip())
            elif line.startswith("fn="):
                fn = (ob, line[3:].strip())
                src = fl
                cob = None
            elif line.startswith("cob="):
                cob = line[4:].strip()
            elif line.startswith("cfn="):
                cfn = (cob or ob, line[4:].strip())
            elif line.startswith("calls="):
                n = int(line[6:].split()[0])
                calls[cfn] = calls.get(cfn, 0) + n
                after_calls = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_calls:
                    after_calls = False
                    cob = None
                elif fn is not None:
                    pos, ir = line.split()[:2]
                    self_ir[fn] = self_ir.get(fn, 0) + int(ir)
                    if pos.isdigit():
                        key = (src, int(pos))
                        lines[key] = lines.get(key, 0) + int(ir)
    return total, self_ir, lines, calls


def burst_size(kind):
    """Frames per receive call: testpmd's is ours to set, peerlan's is DP_BURST."""
    if not kind.startswith("peerlan"):
        return TESTPMD_BURST
    with open(os.path.join(SOURCE_ROOT, "dataplane", "dp.h")) as f:
        mt = re.search(r"^#define\s+DP_BURST\s+(\d+)", f.read(), re.M)
    if mt is None:
        raise BenchError("no DP_BURST in dataplane/dp.h")
    return int(mt.group(1))


def source_line(path, n):
    try:
        with open(path) as f:
            for i, text in enumerate(f, 1):
                if i == n:
                    return text.strip()
    except OSError:
        pass
    return ""


def function_label(key):
    ob, fn = key
    name = re.sub(r"^0x0*", "0x", fn)
    return "%s [%s]" % (name, os.path.basename(ob)) if name.startswith("0x") else name


def callgrind_run(kind, opts, case):
    outbase = os.path.join(opts.out, "callgrind-%s-m%d-%s" %
                           (kind, case["members"], case["mix"]))
    for old in os.listdir(opts.out):
        if os.path.join(opts.out, old).startswith(outbase + "."):
            os.remove(os.path.join(opts.out, old))
    wrapper = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
               "--compress-strings=no", "--compress-pos=no",
               "--callgrind-out-file=%s.%%p" % outbase]
    p = Program(kind, opts, case, wrapper)
    p.start()
    try:
        p.wait_forwarding(opts.start_timeout * 6)
        # Warm up over the whole pcap twice, so that every table entry and
        # every code path of the mix has been seen before counting.
        p.wait_frames(max(2 * opts.frames, 20000), 300)
        _, before_zero, _ = p.sample(cpu=False)
        subprocess.run(["callgrind_control", "--zero", str(p.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, after_zero, _ = p.sample(cpu=False)
        p.wait_frames(after_zero + opts.callgrind_frames, 600)
        _, before_dump, _ = p.sample(cpu=False)
        subprocess.run(["callgrind_control", "--dump", str(p.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, after_dump, _ = p.sample(cpu=False)
    except BaseException:
        p.kill()
        raise
    p.stop(timeout=300)
    if kind.startswith("peerlan"):
        check_accounting(p.stats(), kind_expect(kind, case["expect"]))
        shutil.rmtree(p.run_dir, ignore_errors=True)
    dumps = [os.path.join(opts.out, f) for f in os.listdir(opts.out)
             if f.startswith(os.path.basename(outbase) + ".%d.1-" % p.proc.pid)]
    best = None
    for path in dumps:
        total, self_ir, lines, calls = parse_callgrind(path)
        rx = [(n, k) for k, n in calls.items() if "librte_net_pcap" in (k[0] or "")]
        if rx and (best is None or max(rx)[0] > best[4][0]):
            best = (path, total, self_ir, lines, max(rx))
    if best is None:
        raise BenchError("%s: no thread of %s received from the pcap driver" %
                         (kind, outbase))
    path, total, self_ir, lines, (rx_calls, rx_fn) = best
    # The receive function returns a full burst on every call (the replay ring
    # always holds more frames than a burst), so frames = calls * burst; the
    # telemetry readings around the zero and the dump must bracket that.
    burst = burst_size(kind)
    lo, hi = before_dump - after_zero, after_dump - before_zero
    frames = rx_calls * burst
    if not lo <= frames <= hi:
        raise BenchError("%s: %d receive calls of %d frames are %d frames, not between the "
                         "%d and %d counted by the driver" % (kind, rx_calls, burst, frames,
                                                              lo, hi))
    top = sorted(self_ir.items(), key=lambda kv: -kv[1])[:opts.profile_lines]
    own = [(k, v) for k, v in lines.items() if (k[0] or "").startswith(SOURCE_ROOT + os.sep)]
    top_lines = sorted(own, key=lambda kv: -kv[1])[:opts.profile_lines]
    os.remove(p.log_path)
    return {
        "program": kind,
        "members": case["members"],
        "mix": case["mix"],
        "frames": frames,
        "burst": burst,
        "instructions": total,
        "per_frame": total / frames,
        "profile_file": path,
        "profile": [(function_label(k), v / frames) for k, v in top],
        "lines": [("%s:%d" % (os.path.relpath(f, SOURCE_ROOT), n), v / frames,
                   source_line(f, n)) for (f, n), v in top_lines],
    }


# ---- hugepages ----------------------------------------------------------------


class BenchHugePages(HugePages):
    """The run's hugepages on OUT/hugepages: one program runs at a time, and
    EAL -m is what it takes, plus slack (dpdk-dumpcap's pool with
    --capture-cost). release() runs on every way out (main's finally,
    SIGTERM included)."""

    def __init__(self, opts):
        super().__init__(os.path.join(opts.out, "hugepages"), opts.mem // 2 + 64)

    def reserve(self):
        try:
            d = super().reserve()
        except HugePagesError as e:
            raise BenchError("hugepages: %s (or --hugepages off)" % e)
        log("hugepages: %d reserved (nr_hugepages %d -> %d), hugetlbfs on %s" %
            (self.pages, self.prev, self.prev + self.pages, self.dir))
        return d

    def release(self):
        prev = self.prev
        super().release()
        if prev is not None:
            log("hugepages: nr_hugepages back to %d" % prev)


# ---- the benchmark ----------------------------------------------------------


def make_cases(opts):
    cases = {}
    pcap_dir = os.path.join(opts.out, "pcap")
    os.makedirs(pcap_dir, exist_ok=True)
    for m in opts.members:
        for mix in opts.mixes:
            e = gen.generate(m, mix, opts.frames, opts.seed, pcap_dir)
            cases[(m, mix)] = {"members": m, "mix": mix, "expect": e,
                               "pcap": os.path.join(pcap_dir, "m%d-%s.pcap" % (m, mix))}
            if opts.vxlan_cost:
                c = cases[(m, mix)]
                c["vxlan_pcap"] = os.path.join(pcap_dir, "m%d-%s-vxlan.pcap" % (m, mix))
                gen.write_vxlan_pcap(c["pcap"], c["vxlan_pcap"])
    return cases


def setting_cases(cases, setting, huge_dir):
    """The cases under one memory setting: 'huge' runs them on huge_dir."""
    return {k: dict(c, huge_dir=huge_dir if setting == "huge" else None)
            for k, c in cases.items()}


def fmt_rate(v):
    return "%.2f" % (v / 1e6)


SETTING_NAMES = {"huge": "hugepages (2 MB, --huge-dir)", "nohuge": "--no-huge"}


def rate_report(opts, rates, setting="nohuge"):
    """The throughput tables; returns them and the medians per case and program."""
    out = []
    w = out.append
    w("")
    w("Throughput of one worker lcore, %s, Mpps per second of the worker's CPU time" %
      SETTING_NAMES[setting])
    w("(median of %d runs of %.1f s; min-max); peerlan with the traffic matrix %s" %
      (opts.rounds, opts.duration,
       "on (--matrix)" if opts.matrix_cost else "off (its default)"))
    w("%-5s %-3s %-21s %-21s %-21s %-6s %-9s" %
      ("M", "mix", "peerlan", "testpmd io", "testpmd macswap", "R_io", "R_macswap"))
    summary = {}
    for (m, mix), r in sorted(rates.items()):
        cpu = {k: [x["cpu"] for x in v] for k, v in r.items()}
        med = {k: median(v) for k, v in cpu.items()}
        summary[(m, mix)] = med
        cells = ["%s (%s-%s)" % (fmt_rate(med[k]), fmt_rate(min(cpu[k])), fmt_rate(max(cpu[k])))
                 for k in PROGRAMS]
        w("%-5d %-3s %-21s %-21s %-21s %-6.3f %-9.3f" %
          (m, mix, cells[0], cells[1], cells[2], med["peerlan"] / med["testpmd-io"],
           med["peerlan"] / med["testpmd-macswap"]))
    w("")
    w("Wall-clock rates, Mpps, and the share of the wall time the worker ran (medians)")
    w("%-5s %-3s %-17s %-17s %-17s" % ("M", "mix", "peerlan", "testpmd io", "testpmd macswap"))
    for (m, mix), r in sorted(rates.items()):
        w("%-5d %-3s %s" % (m, mix, " ".join(
            "%-17s" % ("%s (%3.0f%%)" % (fmt_rate(median([x["wall"] for x in r[k]])),
                                        100 * median([x["share"] for x in r[k]])))
            for k in PROGRAMS)))
    return out, summary


def pair_report(opts, rates, setting, title, pair, heads):
    """Two builds or setups of peerlan, run in the same rounds, side by side:
    their medians and the ratio of the first to the second."""
    out = ["", "%s, %s: Mpps per worker CPU second (median of %d; min-max)" %
           (title, SETTING_NAMES[setting], opts.rounds),
           "%-5s %-3s %-21s %-21s %-8s" % ("M", "mix", heads[0], heads[1], "ratio")]
    for (m, mix), r in sorted(rates.items()):
        cpu = {k: [x["cpu"] for x in r[k]] for k in pair}
        med = {k: median(v) for k, v in cpu.items()}
        out.append("%-5d %-3s %-21s %-21s %-8.3f" % (
            m, mix, *["%s (%s-%s)" % (fmt_rate(med[k]), fmt_rate(min(cpu[k])),
                                     fmt_rate(max(cpu[k])))
                      for k in pair],
            med[pair[0]] / med[pair[1]]))
    return out


def quartiles(v):
    """The first and third quartiles of v, interpolated between its values."""
    if len(v) < 2:
        return (v[0], v[0]) if v else (float("nan"), float("nan"))
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def matrix_ratios(rates):
    """Every on/off ratio of a case's switched runs, in order."""
    return [x for run in rates.get("peerlan-switch", []) for x in run["ratios"]]


def matrix_report(opts, rates, setting):
    """The traffic matrix on against off in one process: the ratios of
    adjacent phases, pooled over the rounds, and each round's median."""
    out = ["", "Traffic matrix cost in one process, %s: the matrix switched off and on in "
           "phases of %.2f s, ratio on/off of each adjacent pair of phases (Mpps per worker "
           "CPU second)" % (SETTING_NAMES[setting], opts.matrix_phase),
           "%-5s %-3s %-6s %-8s %-17s %-17s %-10s %-10s %s" %
           ("M", "mix", "pairs", "median", "quartiles", "min-max", "on", "off",
            "median of each round")]
    for (m, mix), r in sorted(rates.items()):
        runs = r.get("peerlan-switch", [])
        v = matrix_ratios(r)
        if not v:
            continue
        q1, q3 = quartiles(v)
        out.append("%-5d %-3s %-6d %-8.3f %-17s %-17s %-10s %-10s %s" % (
            m, mix, len(v), median(v), "%.3f-%.3f" % (q1, q3),
            "%.3f-%.3f" % (min(v), max(v)), fmt_rate(median([x["cpu"] for x in runs])),
            fmt_rate(median([x["off_cpu"] for x in runs])),
            " ".join("%.3f" % median(x["ratios"]) for x in runs)))
    return out


def lag_report(opts, rates, setting):
    """peerlan sending on a LAG against the same port plain."""
    return pair_report(opts, rates, setting,
                       "LAG cost, the sending core port a LAG of two links, lacp %s "
                       "(ratio: LAG/plain)" %
                       opts.lag_cost, ("peerlan-lag", "peerlan"), ("LAG ports", "plain ports"))


def services_report(opts, rates, setting):
    """peerlan with a sub-rate port, and with a blackhole, against plain."""
    return (pair_report(opts, rates, setting,
                        "Sub-rate port cost, the receiving port policed at %d bit/s "
                        "(ratio: policed/plain)" % gen.RATE_LIMIT_BPS,
                        ("peerlan-ratelimit", "peerlan"), ("sub-rate port", "plain")) +
            pair_report(opts, rates, setting,
                        "Blackhole cost, the LAN's blackhole configured, no frame to it "
                        "(ratio: blackhole/plain)",
                        ("peerlan-blackhole", "peerlan"), ("blackhole", "plain")))


def vxlan_report(opts, rates, setting):
    """peerlan encapsulating every frame, and decapsulating every frame,
    against the same frames between plain ports, in the same rounds."""
    kinds = ("peerlan", "peerlan-encap", "peerlan-decap")
    out = ["", "VXLAN cost, %s: Mpps per worker CPU second (median of %d; min-max)" %
           (SETTING_NAMES[setting], opts.rounds),
           "%-5s %-3s %-21s %-21s %-21s %-11s %-11s" %
           ("M", "mix", "plain ports", "encap (to a VTEP)", "decap (from a VTEP)",
            "encap/plain", "decap/plain")]
    for (m, mix), r in sorted(rates.items()):
        cpu = {k: [x["cpu"] for x in r[k]] for k in kinds}
        med = {k: median(v) for k, v in cpu.items()}
        out.append("%-5d %-3s %-21s %-21s %-21s %-11.3f %-11.3f" % (
            m, mix, *["%s (%s-%s)" % (fmt_rate(med[k]), fmt_rate(min(cpu[k])),
                                     fmt_rate(max(cpu[k]))) for k in kinds],
            med["peerlan-encap"] / med["peerlan"], med["peerlan-decap"] / med["peerlan"]))
    return out


def capture_report(opts, rates, setting):
    """peerlan ready to be captured but not captured, against --no-capture
    (the cost of being ready) and against one port captured (dpdk-dumpcap
    taking every frame of the receiving port)."""
    kinds = ("peerlan-nocapture", "peerlan", "peerlan-capture-bgp", "peerlan-capture")
    out = ["", "Capture cost, %s: Mpps per worker CPU second (median of %d; min-max)" %
           (SETTING_NAMES[setting], opts.rounds),
           "%-5s %-3s %-19s %-19s %-19s %-19s %-8s %-8s %-8s" %
           ("M", "mix", "--no-capture", "ready, idle", "capt. tcp port 179", "capt. all",
            "idle/off", "bgp/idle", "all/idle")]
    for (m, mix), r in sorted(rates.items()):
        cpu = {k: [x["cpu"] for x in r[k]] for k in kinds}
        med = {k: median(v) for k, v in cpu.items()}
        out.append("%-5d %-3s %-19s %-19s %-19s %-19s %-8.3f %-8.3f %-8.3f" % (
            m, mix, *["%s (%s-%s)" % (fmt_rate(med[k]), fmt_rate(min(cpu[k])),
                                     fmt_rate(max(cpu[k]))) for k in kinds],
            med["peerlan"] / med["peerlan-nocapture"],
            med["peerlan-capture-bgp"] / med["peerlan"],
            med["peerlan-capture"] / med["peerlan"]))
    return out


def final_report(opts, summary, ipf, setting="nohuge", rates=None):
    """The instruction tables and profiles, and every target; returns both.
    The rate targets are judged on summary, the medians under setting, and
    the matrix's on rates, with --matrix-cost, on the ratios in rates."""
    out = []
    w = out.append
    targets = []

    def target(text, value, limit, at_most=False):
        if not at_most:
            text = "%s (%s)" % (text, setting)
        targets.append((text, value, value <= limit if at_most else value >= limit))

    for (m, mix), med in sorted(summary.items()):
        if mix == "a":
            target("M=%d mix a: R_macswap >= 1.0" % m, med["peerlan"] / med["testpmd-macswap"],
                   1.0)
            target("M=%d mix a: R_io >= 0.8" % m, med["peerlan"] / med["testpmd-io"], 0.8)
            v = matrix_ratios((rates or {}).get((m, mix), {}))
            if v:
                target("M=%d mix a: matrix on/off, one process (median) >= 0.97" % m,
                       median(v), 0.97)
    # Cases are compared on peerlan's own rate per CPU second: every round
    # runs every case, so the machine's load weighs on all of them alike.
    ms = sorted({m for m, _ in summary})
    for mix in opts.mixes:
        if len(ms) > 1 and (ms[0], mix) in summary and (ms[-1], mix) in summary:
            target("mix %s: peerlan at M=%d / at M=%d >= 0.95" % (mix, ms[-1], ms[0]),
                   summary[(ms[-1], mix)]["peerlan"] / summary[(ms[0], mix)]["peerlan"], 0.95)
    for m in ms:
        if (m, "a") in summary and (m, "d") in summary:
            target("M=%d: peerlan on mix d / on mix a >= 0.95" % m,
                   summary[(m, "d")]["peerlan"] / summary[(m, "a")]["peerlan"], 0.95)
    if ipf:
        w("")
        w("Instructions per frame (callgrind, worker thread only)")
        w("%-18s %-5s %-3s %12s %8s %6s" % ("program", "M", "mix", "frames", "Ir/frame",
                                            "burst"))
        for r in ipf:
            w("%-18s %-5d %-3s %12d %8.1f %6d" % (r["program"], r["members"], r["mix"],
                                                  r["frames"], r["per_frame"], r["burst"]))
        base = [r for r in ipf if r["program"] == "testpmd-io"]
        own = {(r["members"], r["mix"]): r["per_frame"] for r in ipf if r["program"] == "peerlan"}
        for (m, mix), v in sorted(own.items()):
            if base:
                d = v - base[0]["per_frame"]
                w("peerlan M=%d mix %s - testpmd io: %+.1f instructions per frame" % (m, mix, d))
                target("M=%d mix %s: instructions per frame over testpmd io <= 60" % (m, mix),
                       d, 60, at_most=True)
        first = min(k[0] for k in own) if own else 0
        for (m, mix), v in sorted(own.items()):
            ref = (first if mix == "a" else m, "a")
            if ref != (m, mix) and ref in own:
                target("peerlan instructions per frame, M=%d mix %s / M=%d mix a <= 1.05" %
                       (m, mix, ref[0]), v / own[ref], 1.05, at_most=True)
        for r in ipf:
            w("")
            w("%s M=%d mix %s: self instructions per frame by function (%s)" %
              (r["program"], r["members"], r["mix"], os.path.basename(r["profile_file"])))
            for name, v in r["profile"]:
                w("  %8.1f  %s" % (v, name))
            if r["lines"]:
                w("  by source line (peerlan's own code):")
                for where, v, text in r["lines"]:
                    w("  %8.1f  %-28s %s" % (v, where, text[:70]))
    if targets:
        w("")
        w("Targets")
        for text, value, met in targets:
            w("  %-66s %8.3f  %s" % (text, value, "met" if met else "MISSED"))
    return out, targets


def save(opts, rates, summary, ipf, targets):
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({
                "command": shlex.join(sys.argv),
                "machine": machine_summary(),
                "rates": {"%s/m%d-%s" % (st, *k): v
                          for st, r in rates.items() for k, v in r.items()},
                "medians": {"%s/m%d-%s" % (st, *k): v
                            for st, r in summary.items() for k, v in r.items()},
                "instructions": ipf,
                "targets": [{"target": t, "value": v, "met": met} for t, v, met in targets],
            }, f, indent=1)


def machine_summary():
    try:
        txt = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return ""
    keep = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "CPU max MHz", "L1d cache", "L2 cache", "L3 cache", "Hypervisor vendor")
    return "\n".join(line for line in txt.splitlines() if line.split(":")[0].strip() in keep)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="meson build directory")
    p.add_argument("--dataplane", help="peerlan-dataplane (default BUILD/dataplane/...)")
    p.add_argument("--testpmd", default="dpdk-testpmd")
    p.add_argument("--out", help="work directory (default BUILD/bench)")
    p.add_argument("--members", default="10,2000")
    p.add_argument("--mixes", default="abcd")
    p.add_argument("--frames", type=int, default=4096, help="distinct frames per pcap")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5,
                   help="rounds of throughput runs (0: none, callgrind only)")
    p.add_argument("--warmup", type=float, default=0.5, help="seconds before measuring")
    p.add_argument("--duration", type=float, default=2.0, help="seconds measured per run")
    p.add_argument("--lcores", default="0,1", help="EAL -l: main lcore, then one worker")
    p.add_argument("--mem", type=int, default=512, help="EAL -m, MB")
    p.add_argument("--hugepages", choices=("both", "on", "off"),
                   help="run every case with hugepages (reserved and returned by the "
                        "benchmark, needs root), with --no-huge, or both (the default; "
                        "the hugepage figures are the headline; --smoke: off)")
    p.add_argument("--start-timeout", type=float, default=30.0)
    p.add_argument("--matrix-cost", action="store_true",
                   help="run peerlan with --matrix, and in every round one more peerlan that "
                        "switches the matrix off and on in phases (ratio on/off of adjacent "
                        "phases); under callgrind also peerlan --no-matrix (without this, "
                        "peerlan runs with its default: no matrix)")
    p.add_argument("--matrix-probe", action="store_true",
                   help="--matrix-cost for a dataplane built with -DPEERLAN_MATRIX_PROBE=N, "
                        "whose matrix does only a part of the counting: runs only the "
                        "switched peerlan and reports its ratios (docs/performance.md)")
    p.add_argument("--matrix-pairs", type=int, default=40,
                   help="--matrix-cost: pairs of on and off phases per round")
    p.add_argument("--matrix-phase", type=float, default=0.25,
                   help="--matrix-cost: seconds measured per phase")
    p.add_argument("--lag-cost", choices=("on",), metavar="on",
                   help="also run peerlan with its sending core port a LAG of two null "
                        "links on net_bonding (lacp 'on': a static bundle, as LACP needs a "
                        "partner that a null link cannot be), in every round and under "
                        "callgrind")
    p.add_argument("--services-cost", action="store_true",
                   help="also run peerlan with its receiving port a sub-rate port (a rate "
                        "no mix reaches) and with the LAN's blackhole configured, in every "
                        "round and under callgrind")
    p.add_argument("--capture-cost", action="store_true",
                   help="also run peerlan --no-capture, and peerlan with dpdk-dumpcap "
                        "capturing its receiving port, in every round (needs --hugepages on: "
                        "capture tools attach to a dataplane with hugepages only)")
    p.add_argument("--vxlan-cost", action="store_true",
                   help="also run peerlan encapsulating every frame to a remote VTEP, and "
                        "decapsulating every frame from one, in every round and under "
                        "callgrind")
    p.add_argument("--dumpcap", default="dpdk-dumpcap")
    p.add_argument("--callgrind", default="10a,2000a,10d",
                   help="peerlan cases to run under callgrind, e.g. 10a,2000d ('' for none); "
                        "testpmd io runs once on the first")
    p.add_argument("--callgrind-frames", type=int, default=300000)
    p.add_argument("--profile-lines", type=int, default=12)
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--report", metavar="JSON",
                   help="print the tables and targets of an earlier --json file and exit")
    p.add_argument("--smoke", action="store_true",
                   help="one short round on small pcaps of mixes b and c for M=10, no "
                        "callgrind: checks the harness and peerlan's accounting")
    opts = p.parse_args(argv)
    if opts.smoke:
        opts.members, opts.mixes, opts.frames = "10", "bc", 1024
        opts.rounds, opts.warmup, opts.duration, opts.callgrind = 1, 0.2, 0.5, ""
        opts.matrix_pairs, opts.matrix_phase = 2, 0.1
    if opts.hugepages is None:
        opts.hugepages = "off" if opts.smoke else "both"
    opts.settings = {"both": ["huge", "nohuge"], "on": ["huge"], "off": ["nohuge"]}[
        opts.hugepages]
    if opts.capture_cost and opts.hugepages != "on":
        p.error("--capture-cost needs --hugepages on")
    opts.huge = None
    opts.short_dir = None
    opts.members = [int(x) for x in opts.members.split(",") if x]
    if opts.matrix_probe:
        if opts.lag_cost or opts.capture_cost or opts.vxlan_cost or opts.services_cost:
            p.error("--matrix-probe measures the matrix alone")
        if opts.callgrind:
            p.error("--matrix-probe runs nothing under callgrind: give --callgrind ''")
        opts.matrix_cost = True
    opts.dataplane = opts.dataplane or os.path.join(opts.build, "dataplane", "peerlan-dataplane")
    # Absolute: the configuration's socket paths and the device strings need it.
    opts.out = os.path.abspath(opts.out or os.path.join(opts.build,
                                                        "bench-smoke" if opts.smoke else "bench"))
    opts.cg_cases = []
    for c in opts.callgrind.split(","):
        if c:
            mt = re.fullmatch(r"(\d+)([abcd])", c)
            if mt is None:
                p.error("--callgrind takes cases like 10a,2000d")
            opts.cg_cases.append((int(mt.group(1)), mt.group(2)))
    return opts


def rereport(path):
    """Prints the tables and targets of a --json file again, measuring nothing."""
    with open(path) as f:
        saved = json.load(f)
    opts = parse_args(shlex.split(saved["command"])[1:])
    rates = {}
    for key, v in saved["rates"].items():
        mt = re.fullmatch(r"(?:(huge|nohuge)/)?m(\d+)-([abcd])", key)
        rates.setdefault(mt.group(1) or "nohuge", {})[(int(mt.group(2)), mt.group(3))] = v
    log("bench: results of: %s" % saved["command"])
    log(saved["machine"])
    summary = {}
    if opts.matrix_probe:
        for st in [x for x in ("huge", "nohuge") if x in rates]:
            log("\n".join(matrix_report(opts, rates[st], st)))
        return 0
    for st in [x for x in ("huge", "nohuge") if x in rates]:
        lines, summary[st] = rate_report(opts, rates[st], st)
        log("\n".join(lines))
        if opts.matrix_cost:
            log("\n".join(matrix_report(opts, rates[st], st)))
    head = "huge" if "huge" in summary else "nohuge"
    log("\n".join(final_report(opts, summary[head], saved["instructions"], head,
                               rates[head])[0]))
    return 0


def on_term(sig, frame):
    raise SystemExit(128 + sig)


def main(argv=None):
    opts = parse_args(argv)
    if opts.report:
        return rereport(opts.report)
    # A busy-polling child left behind would eat a core: on SIGTERM (from
    # timeout or meson) unwind, and kill whatever is still running.
    signal.signal(signal.SIGTERM, on_term)
    try:
        return bench(opts)
    finally:
        for p in list(Program.running):
            p.kill()
        # Only once nothing maps them: the pages go back on every way out.
        if opts.huge is not None:
            opts.huge.release()
        if opts.short_dir is not None:
            shutil.rmtree(opts.short_dir, ignore_errors=True)


def bench(opts):
    missing = [x for x in (opts.dataplane, opts.testpmd) +
               ((opts.dumpcap,) if opts.capture_cost else ()) if shutil.which(x) is None]
    if opts.cg_cases:
        missing += [x for x in ("valgrind", "callgrind_control") if shutil.which(x) is None]
    if missing:
        log("bench: cannot run without %s" % ", ".join(missing))
        return 77
    os.makedirs(opts.out, exist_ok=True)
    started = time.monotonic()
    log("bench: %s" % " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]))
    log(machine_summary())
    cases = make_cases(opts)
    for (m, mix), c in sorted(cases.items()):
        e = c["expect"]
        log("m%d-%s: %d frames (%s): forwarded %d, steered %d, drops %s" %
            (m, mix, e["frames"], e["description"], e["forwarded"], e["steered"],
             json.dumps(e["drops"], sort_keys=True)))
    # --matrix-cost: the matrix switched off and on in one process, every round.
    programs = (() if opts.matrix_probe else PROGRAMS) + (
        ("peerlan-switch",) if opts.matrix_cost else ()) + (
        ("peerlan-lag",) if opts.lag_cost else ())
    programs += (("peerlan-nocapture", "peerlan-capture-bgp", "peerlan-capture")
                 if opts.capture_cost else ())
    programs += ("peerlan-ratelimit", "peerlan-blackhole") if opts.services_cost else ()
    programs += VXLAN_KINDS if opts.vxlan_cost else ()
    rates = {st: {key: {k: [] for k in programs} for key in cases} for st in opts.settings}
    summary = {}
    ipf, failed = [], None
    try:
        huge_dir = None
        if "huge" in opts.settings:
            opts.huge = BenchHugePages(opts)
            huge_dir = opts.huge.reserve()
        per = {st: setting_cases(cases, st, huge_dir) for st in opts.settings}
        # Rounds outermost: a slow phase of a shared machine then hits every
        # case, setting and program, not one case's runs.
        for rnd in range(opts.rounds):
            for key in sorted(cases):
                for st in opts.settings:
                    for kind in programs:
                        rate, note = timed_run(kind, opts, per[st][key])
                        rates[st][key][kind].append(rate)
                        log("m%d-%s round %d %-6s %-16s %7s Mpps per worker CPU second, "
                            "%7s Mpps wall (%3.0f%% CPU)  %s" %
                            (key[0], key[1], rnd + 1, st, kind, fmt_rate(rate["cpu"]),
                             fmt_rate(rate["wall"]), 100 * rate["share"], note))
        if opts.matrix_probe:
            # A part of the counting, on against off: nothing else to report.
            for st in opts.settings:
                log("\n".join(matrix_report(opts, rates[st], st)))
            save(opts, rates, summary, ipf, [])
            log("\nbench: finished in %.0f s" % (time.monotonic() - started))
            return 0
        # Printed and saved now, so that a run stopped under callgrind keeps them.
        for st in opts.settings:
            if opts.rounds == 0:
                summary[st] = {}
                continue
            lines, summary[st] = rate_report(opts, rates[st], st)
            log("\n".join(lines))
            if opts.matrix_cost:
                log("\n".join(matrix_report(opts, rates[st], st)))
            if opts.lag_cost:
                log("\n".join(lag_report(opts, rates[st], st)))
            if opts.capture_cost:
                log("\n".join(capture_report(opts, rates[st], st)))
            if opts.vxlan_cost:
                log("\n".join(vxlan_report(opts, rates[st], st)))
            if opts.services_cost:
                log("\n".join(services_report(opts, rates[st], st)))
        save(opts, rates, summary, ipf, [])
        # Instructions do not depend on the page size: callgrind runs --no-huge.
        for i, key in enumerate(opts.cg_cases):
            if key not in cases:
                raise BenchError("callgrind case %d%s is not among the cases run" % key)
            if i == 0:
                ipf.append(callgrind_run("testpmd-io", opts, cases[key]))
                log("callgrind testpmd-io m%d-%s: %.1f instructions per frame" %
                    (key[0], key[1], ipf[-1]["per_frame"]))
            ipf.append(callgrind_run("peerlan", opts, cases[key]))
            log("callgrind peerlan m%d-%s: %.1f instructions per frame" %
                (key[0], key[1], ipf[-1]["per_frame"]))
            if opts.matrix_cost:
                ipf.append(callgrind_run("peerlan-nomatrix", opts, cases[key]))
                log("callgrind peerlan-nomatrix m%d-%s: %.1f instructions per frame; the "
                    "matrix adds %.1f" % (key[0], key[1], ipf[-1]["per_frame"],
                                         ipf[-2]["per_frame"] - ipf[-1]["per_frame"]))
            plain = ipf[-2 if opts.matrix_cost else -1]["per_frame"]
            extra = ((("peerlan-ratelimit", "peerlan-blackhole") if opts.services_cost else ()) +
                     (VXLAN_KINDS if opts.vxlan_cost else ()))
            for kind in extra:
                ipf.append(callgrind_run(kind, opts, cases[key]))
                log("callgrind %s m%d-%s: %.1f instructions per frame; %+.1f against "
                    "plain" % (kind, key[0], key[1], ipf[-1]["per_frame"],
                               ipf[-1]["per_frame"] - plain))
            if opts.lag_cost:
                ipf.append(callgrind_run("peerlan-lag", opts, cases[key]))
                log("callgrind peerlan-lag m%d-%s: %.1f instructions per frame; the LAGs "
                    "add %.1f" % (key[0], key[1], ipf[-1]["per_frame"],
                                  ipf[-1]["per_frame"] - plain))
    except BenchError as e:
        failed = e
        if not all(len(v) == opts.rounds for st in rates.values() for r in st.values()
                   for v in r.values()):
            log("bench: FAILED: %s" % e)
            return 1
    # A failure under callgrind still leaves complete throughput figures.
    head = opts.settings[0]
    lines, targets = final_report(opts, summary[head], ipf, head, rates[head])
    if lines:
        log("\n".join(lines))
    save(opts, rates, summary, ipf, targets)
    log("\nbench: finished in %.0f s" % (time.monotonic() - started))
    if failed is not None:
        log("bench: FAILED: %s" % failed)
    return 0 if failed is None else 1


if __name__ == "__main__":
    sys.exit(main())
