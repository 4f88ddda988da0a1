#!/usr/bin/env python3
"""Reads snmpbulkwalk output (-On -Oq -Ot -Oe) and peerlanctl --json answers
for snmp_test.sh.

  snmp_check.py ifmap WALK             "NAME IFINDEX" lines, from ifName
  snmp_check.py compare BEFORE WALK AFTER
        every port of show ports is in ifTable/ifXTable, its values are
        the CLI's and its counters lie between the two CLI reads
  snmp_check.py get WALK OID           the value at OID (exit 1 if none)
"""
import json
import sys

IF = ".1.3.6.1.2.1.2.2.1."
IFX = ".1.3.6.1.2.1.31.1.1.1."
DROP = ".1.3.6.1.4.1.32473.1.1.1."

# ifXTable HC columns and ifTable Counter32 columns: (column, counter(s)).
HC = {6: ["rx_octets"], 7: ["rx_unicast"], 8: ["rx_multicast"], 9: ["rx_broadcast"],
      10: ["tx_octets"], 11: ["tx_unicast"], 12: ["tx_multicast"], 13: ["tx_broadcast"]}
C32 = {10: ["rx_octets"], 11: ["rx_unicast"], 12: ["rx_multicast", "rx_broadcast"],
       13: ["rx_discards", "rx_missed"], 14: ["rx_errors"], 16: ["tx_octets"],
       17: ["tx_unicast"], 18: ["tx_multicast", "tx_broadcast"], 19: ["tx_discards"]}
DROP_REASONS = None


def walk(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("."):
                continue
            oid, _, val = line.partition(" ")
            if val.startswith("No more variables") or val.startswith("No Such"):
                continue
            if val.startswith('"') and val.endswith('"') and len(val) >= 2:
                val = val[1:-1]
            out[oid] = val
    return out


def ifmap(w):
    return {v: int(k[len(IFX) + 2:]) for k, v in w.items() if k.startswith(IFX + "1.")}


def ports(path):
    with open(path) as f:
        return {p["name"]: p for p in json.load(f)["ports"]}


def fail(msg):
    print("compare: " + msg, file=sys.stderr)
    sys.exit(1)


def compare(before, w, after):
    names = ifmap(w)
    for name, b in before.items():
        a = after[name]
        if name not in names:
            fail("port %s has no ifName row" % name)
        i = names[name]
        alias = b["description"] or ", ".join(
            "AS%d %s" % (m["asn"], m["name"]) for m in b["members"])
        want = {IF + "2.%d" % i: name, IF + "3.%d" % i: "6", IF + "4.%d" % i: str(b["mtu"]),
                IF + "7.%d" % i: "1" if b["admin"] == "up" else "2",
                IF + "8.%d" % i: {"up": "1", "unknown": "4"}.get(b["oper"], "2"),
                IFX + "18.%d" % i: alias, IFX + "15.%d" % i: str(b["speed_mbps"])}
        for oid, v in want.items():
            if w.get(oid) != v:
                fail("%s: %s is %r, the CLI says %r" % (name, oid, w.get(oid), v))
        checks = [(IFX + "%d.%d" % (c, i), ks, 1 << 64) for c, ks in HC.items()]
        checks += [(IF + "%d.%d" % (c, i), ks, 1 << 32) for c, ks in C32.items()]
        for oid, ks, mod in checks:
            lo = sum(b["counters"][k] for k in ks)
            hi = sum(a["counters"][k] for k in ks)
            got = int(w.get(oid, "-1"))
            if mod == 1 << 32 and hi >= mod:
                continue  # wrapped: the 64-bit column is checked
            if not lo <= got <= hi:
                fail("%s: %s = %d, the CLI read %d before and %d after" %
                     (name, oid, got, lo, hi))
        for r, reason in enumerate(b["drop_reasons"].keys(), 1):
            if w.get(DROP + "2.%d.%d" % (i, r)) != reason:
                fail("%s: reason %d is %r, not %s" % (name, r, w.get(DROP + "2.%d.%d" % (i, r)),
                                                    reason))
            got = int(w.get(DROP + "3.%d.%d" % (i, r), "-1"))
            if not b["drop_reasons"][reason] <= got <= a["drop_reasons"][reason]:
                fail("%s: drops %s = %d, the CLI read %d and %d" %
                     (name, reason, got, b["drop_reasons"][reason], a["drop_reasons"][reason]))
    if len(names) != len(before):
        fail("%d ifName rows for %d ports" % (len(names), len(before)))


def main():
    cmd = sys.argv[1]
    if cmd == "ifmap":
        for name, i in sorted(ifmap(walk(sys.argv[2])).items()):
            print(name, i)
    elif cmd == "compare":
        compare(ports(sys.argv[2]), walk(sys.argv[3]), ports(sys.argv[4]))
    elif cmd == "get":
        w = walk(sys.argv[2])
        if sys.argv[3] not in w:
            sys.exit(1)
        print(w[sys.argv[3]])


main()
