#!/usr/bin/env bash
# PEERLAN-MIB through libsmi's smilint (level 6, no message at all) and
# net-snmp's snmptranslate, and its OIDs against what peerlan-snmp serves
# (SNMP_PEERLAN_ENTERPRISE in snmp_mib.h).
#
# Both tools need the IETF modules it imports (SNMPv2-SMI, SNMPv2-TC,
# SNMPv2-CONF, IF-MIB). Debian ships them only in non-free
# snmp-mibs-downloader (in /var/lib/mibs/ietf); PEERLAN_BASE_MIBS may name
# another directory that holds them. Without them the test is skipped.
#
#   mib_test.sh MIBFILE SNMP_MIB_H
set -euo pipefail

mib=$1 header=$2
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
if [[ -z $base ]]; then
	echo "the IETF base MIB modules (SNMPv2-SMI, IF-MIB) are not installed" \
		"(Debian non-free snmp-mibs-downloader, or PEERLAN_BASE_MIBS=DIR): skipped"
	exit 77
fi
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
