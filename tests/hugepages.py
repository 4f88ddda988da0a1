# SPDX-License-Identifier: BSD-3-Clause
"""2 MB hugepages for a test or the benchmark, reserved and given back.

A DPDK primary process with hugepages is what its secondary processes
(dpdk-dumpcap, dpdk-pdump) attach to. HugePages raises nr_hugepages by the
pages asked for and mounts hugetlbfs on a private directory, as
docs/deployment.md does for a server; release() unmounts that directory and
puts nr_hugepages back to what it was. It needs root, and the caller holds
the lab lock, so that no other run changes nr_hugepages meanwhile.
"""

import os
import subprocess
import time

NR = "/proc/sys/vm/nr_hugepages"


class HugePagesError(Exception):
    pass


def free_pages():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


class HugePages:
    def __init__(self, directory, pages):
        self.dir = directory
        self.pages = pages
        self.prev = None
        self.mounted = False

    def reserve(self):
        """Returns the hugetlbfs directory (for EAL --huge-dir)."""
        if os.getuid() != 0:
            raise HugePagesError("root is needed to reserve hugepages")
        if not os.path.exists(NR):
            raise HugePagesError("the kernel has no hugepages (%s is missing)" % NR)
        with open(NR) as f:
            self.prev = int(f.read())
        with open(NR, "w") as f:
            f.write(str(self.prev + self.pages))
        if free_pages() < self.pages:
            self.release()
            raise HugePagesError("the kernel gave fewer than %d free 2 MB pages" % self.pages)
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.dir],
                       check=True)
        self.mounted = True
        return self.dir

    def release(self):
        """Safe to call twice, and on every way out; only once nothing maps the pages."""
        if self.mounted:
            # A process killed a moment ago may still hold its mappings.
            for _ in range(100):
                if subprocess.run(["umount", self.dir], stderr=subprocess.DEVNULL).returncode == 0:
                    break
                time.sleep(0.1)
            else:
                subprocess.run(["umount", "--lazy", self.dir])
            self.mounted = False
            try:
                os.rmdir(self.dir)
            except OSError:
                pass
        if self.prev is not None:
            with open(NR, "w") as f:
                f.write(str(self.prev))
            self.prev = None
