#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""peerlanctl's interactive shell through a pseudo-terminal, against
peerlan-control and the fake dataplane: the prompt names the fabric, Tab
completes a port name, a member's AS number and a file path, `?` lists what
may follow, Ctrl-C drops the line and leaves the shell running, history
survives into a second run, `watch` redraws in place, and a `| include`
filter keeps only the matching lines.

Usage: shell_test.py CONTROL PEERLANCTL FAKE_DP
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DEADLINE = 30.0


def fail(msg, tmp=None):
    print(f"FAIL: {msg}", file=sys.stderr)
    if tmp:
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".log"):
                with open(os.path.join(tmp, name), errors="replace") as f:
                    for line in f:
                        print(f"  {name}: {line.rstrip()}", file=sys.stderr)
    sys.exit(1)


class Shell:
    """peerlanctl on a pty; expect() reads until a pattern shows up."""

    def __init__(self, ctl, sock, env, tmp):
        self.tmp = tmp
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(ctl, [ctl, "-s", sock], env)
        self.buf = b""

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        self.buf += chunk
        return True

    def expect(self, pattern, what):
        """Waits for pattern (a regex on bytes) in the output; consumes up to it."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        end = time.monotonic() + DEADLINE
        while True:
            m = rx.search(self.buf)
            if m:
                seen = self.buf[: m.end()]
                self.buf = self.buf[m.end():]
                return seen
            if time.monotonic() > end or not self.read_some(end - time.monotonic()):
                if time.monotonic() <= end and self.alive():
                    continue
                fail(f"{what}: never saw {pattern!r}; got {self.buf[-800:]!r}", self.tmp)

    def alive(self):
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        return pid == 0

    def close(self):
        try:
            self.send("quit\r")
        except OSError:
            pass
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.read_some(0.1)
        os.kill(self.pid, signal.SIGKILL)
        fail("peerlanctl did not leave on quit", self.tmp)


def main():
    control, ctl, fakedp = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="pl-shelltest-")
    procs = []
    try:
        run(control, ctl, fakedp, tmp, procs)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def run(control, ctl, fakedp, tmp, procs):
    cfg = os.path.join(tmp, "peerlan.yaml")
    with open(cfg, "w") as f:
        f.write(f"""fabric: {{name: shell-ix}}
management:
  control-socket: {tmp}/dp.sock
  cli-socket: {tmp}/cli.sock
  cli-readonly-socket: {tmp}/cli-ro.sock
  state-dir: {tmp}/state
  metrics: off
lans:
  - {{name: peering, vlan: 100, ipv4: 192.0.2.0/24}}
ports:
  - {{name: ams-r1, device: net_null0, lans: [peering], description: "Amsterdam router 1"}}
  - {{name: fra-r2, device: net_null1, lans: [peering]}}
members:
  - asn: 64501
    name: First Member
    connections:
      - port: ams-r1
        lans:
          - {{lan: peering, macs: [02:00:00:00:00:01], ipv4: [192.0.2.1]}}
  - asn: 65530
    name: Second Member
    connections:
      - port: fra-r2
        lans:
          - {{lan: peering, macs: [02:00:00:00:00:02], ipv4: [192.0.2.2]}}
""")
    sock = os.path.join(tmp, "cli.sock")
    procs.append(subprocess.Popen([fakedp, f"{tmp}/dp.sock", cfg],
                                  stdout=open(f"{tmp}/dp.log", "w"), stderr=subprocess.STDOUT))
    procs.append(subprocess.Popen([control, "-c", cfg],
                                  stdout=open(f"{tmp}/control.log", "w"),
                                  stderr=subprocess.STDOUT))
    end = time.monotonic() + DEADLINE
    while True:
        out = subprocess.run([ctl, "-s", sock, "--json", "show", "status"],
                             capture_output=True, text=True)
        if '"connected": true' in out.stdout:
            break
        if time.monotonic() > end:
            fail("control did not connect to the fake dataplane", tmp)
        time.sleep(0.1)

    home = os.path.join(tmp, "home")
    os.mkdir(home)
    env = {"HOME": home, "TERM": "vt100", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    print("== prompt, completion of a port name")
    sh = Shell(ctl, sock, env, tmp)
    sh.expect(r"peerlan shell-ix> ", "prompt with the fabric's name")
    # The line editor redraws only what changed, so the completion is seen
    # in what the completed command prints.
    sh.send("show port am\t")
    sh.expect(r"s-r1 ", "Tab completes the port name")
    sh.send("\r")
    sh.expect(r"ams-r1[\s\S]*peerlan shell-ix> ", "show port after completion")

    print("== completion of a member's AS number and of a file name")
    sh.send("show member 655\t")
    sh.expect(r"30 ", "Tab completes the AS number")
    sh.send("\r")
    sh.expect(r"Second Member[\s\S]*peerlan shell-ix> ", "show member after completion")
    sh.send(f"config check {tmp}/peerl\t")
    sh.expect(r"an\.yaml ", "Tab completes the file name")
    sh.send("\r")
    sh.expect(r"configuration OK[\s\S]*peerlan shell-ix> ", "config check after completion")

    print("== completion of a LAN and of an address the sponge tracks")
    names = subprocess.run([ctl, "-s", sock, "show", "names"], capture_output=True, text=True)
    if "lans: peering" not in names.stdout or "192.0.2.2" not in names.stdout:
        fail(f"show names: {names.stdout!r} {names.stderr!r}", tmp)
    sh.send("show mac-table pe\t")
    sh.expect(r"ering ", "Tab completes the LAN name")
    sh.send("\r")
    sh.expect(r"02:00:00:00:00:02[\s\S]*peerlan shell-ix> ", "show mac-table after completion")
    sh.send("set neighbor 192.0.2.\t")
    sh.expect(r"192\.0\.2\.1\s[\s\S]*192\.0\.2\.2\s", "Tab lists the tracked addresses")
    sh.send("\x15")

    print("== ? help")
    sh.send("show ?")
    seen = sh.expect(r"port-security\s+Violation actions[\s\S]*peerlan shell-ix> show ",
                     "? lists what may follow show")
    if b"mac-table" not in seen:
        fail(f"? help misses mac-table: {seen!r}", tmp)
    sh.send("\x15")  # Ctrl-U: the line is emptied

    print("== Ctrl-C drops the line, not the shell")
    sh.send("show por")
    sh.send("\x03")
    sh.expect(r"peerlan shell-ix> ", "a new prompt after Ctrl-C")
    if not sh.alive():
        fail("Ctrl-C ended peerlanctl", tmp)
    sh.send("show members\r")
    out = sh.expect(r"peerlan shell-ix> ", "a command after Ctrl-C")
    if b"First Member" not in out or b"show porshow" in out:
        fail(f"the line after Ctrl-C is not a fresh one: {out!r}", tmp)

    print("== a pipe filter")
    sh.send("show ports | include fra\r")
    out = sh.expect(r"peerlan shell-ix> ", "show ports | include")
    if b"fra-r2" not in out or b"ams-r1" in out:
        fail(f"| include fra kept other lines: {out!r}", tmp)
    sh.send("show ports | count\r")
    sh.expect(r"\r\n3\r\npeerlan shell-ix> ", "| count (header and two ports)")
    sh.send("--json show members | include asn\r")
    out = sh.expect(r"peerlan shell-ix> ", "--json inside the shell")
    if b'"asn": 64501' not in out:
        fail(f"--json in the shell: {out!r}", tmp)

    print("== watch redraws in place until Ctrl-C")
    sh.send("watch show ports\r")
    sh.expect(r"\x1b\[H[\s\S]*Every 1 s: show ports[\s\S]*ams-r1", "first frame")
    sh.expect(r"\x1b\[H[\s\S]*Every 1 s: show ports[\s\S]*ams-r1", "second frame")
    sh.send("\x03")
    sh.expect(r"peerlan shell-ix> ", "prompt after watch")
    if sh.close() != 0:
        fail("peerlanctl exited non-zero on quit", tmp)

    print("== history across two runs")
    hist = os.path.join(home, ".peerlanctl_history")
    # libedit keeps blanks as \\040 in its history file.
    if not os.path.exists(hist) or "show\\040members" not in open(hist, errors="replace").read():
        fail("no history file with the commands of the first run", tmp)
    if os.stat(hist).st_mode & 0o077:
        fail(f"history file mode {oct(os.stat(hist).st_mode)} is readable by others", tmp)
    sh = Shell(ctl, sock, env, tmp)
    sh.expect(r"peerlan shell-ix> ", "prompt, second run")
    # The first run ended with `--json show members | include asn`,
    # `watch show ports` and `quit`: three lines up, then Enter.
    sh.send("\x1b[A\x1b[A\x1b[A\r")
    sh.expect(r'"asn": 65530', "the recalled line runs")
    sh.close()
    print("PASS")


if __name__ == "__main__":
    main()
