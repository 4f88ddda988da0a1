#!/usr/bin/env bash
# The Prometheus exporter of peerlan-control against the fake dataplane:
# promtool accepts the real output, every counter and drop reason of
# fabric/counters.h is there with its labels, label values are escaped,
# `clear counters` does not reach the exporter, and a counter never goes
# backwards across a restart of control, and a Prometheus server set up
# with the scrape configuration of docs/monitoring.md stores every port's
# counters with their labels. Usage:
# metrics_test.sh CONTROL CTL FAKE_DP COUNTERS_H MONITORING_MD
# (docs/monitoring.md is checked to name every metric and drop reason).
set -euo pipefail
for tool in promtool curl jq; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3 counters_h=$4 doc=$5
# A port of our own on loopback, so parallel runs do not collide.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metrics_listen="127.0.0.1:$port"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: test-ix}
$(management_yaml)
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: net_null0, lans: [peering]}
  - {name: p2, device: net_null1, lans: [peering]}
  - {name: core1, device: net_null2, kind: core, mode: trunk, lans: [peering]}
members:
  - asn: 64501
    name: "Back\\\\slash \"quoted\" member"
    connections:
      - port: p1
        lans:
          - {lan: peering, macs: [02:00:00:00:00:01], ipv4: [192.0.2.1]}
  - asn: 64502
    name: Plain Member
    connections:
      - port: p2
        lans:
          - {lan: peering, macs: [02:00:00:00:00:02], ipv4: [192.0.2.2]}
YAML

scrape() { curl -sf --max-time 5 "http://$metrics_listen/metrics"; }
# value METRIC_WITH_LABELS: the sample's value from the last scrape
# (through the environment: awk -v would undo the label's backslash escapes)
value() { K="$1 " awk 'index($0, ENVIRON["K"]) == 1 { print $NF }' "$tmp/metrics.txt"; }
wait_up() {
	for _ in $(seq 100); do
		if scrape >"$tmp/metrics.txt" 2>/dev/null && grep -qx 'peerlan_dataplane_up 1' "$tmp/metrics.txt"; then
			return 0
		fi
		sleep 0.1
	done
	fail "exporter did not report the dataplane up"
}

echo "== start ($SECONDS s)"
"$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" &
dp_pid=$!
"$control" -c "$tmp/peerlan.yaml" 2>"$tmp/control.log" &
ctl_pid=$!
wait_up
kill -USR1 "$dp_pid"
sleep 0.3
scrape >"$tmp/metrics.txt" || fail "scrape"

echo "== promtool check metrics ($SECONDS s)"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.log" 2>&1 ||
	fail "promtool refused the output: $(cat "$tmp/promtool.log")"
curl -sfI "http://$metrics_listen/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' ||
	fail "content type"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$metrics_listen/nothing")
[[ $code == 404 ]] || fail "unknown path answered $code"

echo "== every counter and drop reason ($SECONDS s)"
p1='port="p1",member="Back\\slash \"quoted\" member",asn="64501"'
grep -qF "peerlan_port_forwarded_total{$p1} 1000" "$tmp/metrics.txt" ||
	fail "p1 forwarded with escaped labels missing"
grep -qF 'peerlan_port_rx_packets_total{port="core1"} ' "$tmp/metrics.txt" ||
	fail "core port without member labels missing"
# shellcheck disable=SC2016
counters=$(sed -n '/define FAB_PORT_COUNTERS/,/^$/p' "$counters_h" | grep -o 'X([a-z0-9_]*' | cut -c3-)
reasons=$(sed -n '/define FAB_DROP_REASONS/,/^$/p' "$counters_h" | grep -o 'X([a-z0-9_]*' | cut -c3-)
[[ $(wc -w <<<"$counters") -ge 10 && $(wc -w <<<"$reasons") -ge 40 ]] ||
	fail "could not read the lists from $counters_h"
for k in $counters; do
	name="peerlan_port_${k/octets/bytes}_total"
	grep -q "^# HELP $name " "$tmp/metrics.txt" || fail "no HELP for $name"
	[[ $(grep -c "^$name{" "$tmp/metrics.txt") -eq 3 ]] || fail "$name: not one sample per port"
done
for r in $reasons; do
	[[ $(grep -c "^peerlan_port_drops_total{.*reason=\"$r\"}" "$tmp/metrics.txt") -eq 3 ]] ||
		fail "drop reason $r: not one sample per port"
done
# Every metric family the exporter writes is documented, and every reason.
for name in $(awk '/^# TYPE/ { print $3 }' "$tmp/metrics.txt"); do
	grep -qF "\`$name" "$doc" || fail "$name is not in $(basename "$doc")"
done
for r in $reasons; do
	grep -qF "| \`$r\` |" "$doc" || fail "reason $r is not in $(basename "$doc")"
done
for g in peerlan_config_generation peerlan_control_uptime_seconds peerlan_dataplane_uptime_seconds \
	peerlan_config_last_change_success; do
	grep -q "^$g " "$tmp/metrics.txt" || fail "$g missing"
done
[[ $(value peerlan_config_generation) == 1 ]] || fail "generation is not 1"
# Gauges are whole numbers or seconds to the millisecond, never 17 digits.
grep -Eq '^peerlan_control_uptime_seconds [0-9]+(\.[0-9]{3})?$' "$tmp/metrics.txt" ||
	fail "uptime: $(grep '^peerlan_control_uptime_seconds ' "$tmp/metrics.txt")"

echo "== clear counters is display only ($SECONDS s)"
before=$(value "peerlan_port_rx_packets_total{$p1}")
[[ $before -ge 1000 ]] || fail "rx_packets $before before clear"
pl clear counters p1 >/dev/null
scrape >"$tmp/metrics.txt"
[[ $(value "peerlan_port_rx_packets_total{$p1}") -ge $before ]] || fail "clear counters reached the exporter"

echo "== restart of control: counters never go backwards ($SECONDS s)"
kill "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
if scrape >/dev/null 2>&1; then fail "exporter still answers after control stopped"; fi
kill -USR1 "$dp_pid"
"$control" -c "$tmp/peerlan.yaml" 2>>"$tmp/control.log" &
ctl_pid=$!
wait_up
after=$(value "peerlan_port_rx_packets_total{$p1}")
[[ $after -ge $((before + 1000)) ]] || fail "rx_packets went from $before to $after over a restart"

echo "== apply: generation and labels follow ($SECONDS s)"
printf 'fabric: {name: x}\nports:\n  - {name: p1, mtu: 99999}\n' >"$tmp/bad.yaml"
if pl config apply "$tmp/bad.yaml" 2>/dev/null; then fail "bad apply exited 0"; fi
sed 's/name: Plain Member/name: Renamed Member/' "$tmp/peerlan.yaml" >"$tmp/new.yaml"
pl config apply "$tmp/new.yaml" >/dev/null || fail "apply"
scrape >"$tmp/metrics.txt"
[[ $(value peerlan_config_generation) == 2 ]] || fail "generation after apply"
[[ $(value peerlan_config_last_change_success) == 1 ]] || fail "last change success"
grep -qF 'member="Renamed Member"' "$tmp/metrics.txt" || fail "labels not from the new configuration"

echo "== a Prometheus server set up from monitoring.md scrapes every port ($SECONDS s)"
# The scrape configuration of the guide, with this test's address and a
# 1 s interval instead of 15 s so that the test does not wait.
awk '/^### A scrape configuration/ { s = 1 } s && /^```yaml/ { y = 1; next }
	y && /^```/ { exit } y' "$doc" |
	sed -e "s/127\.0\.0\.1:9712/$metrics_listen/" -e 's/scrape_interval: 15s/scrape_interval: 1s/' \
		-e 's/scrape_timeout: 10s/scrape_timeout: 1s/' >"$tmp/prometheus.yml"
grep -q "$metrics_listen" "$tmp/prometheus.yml" || fail "no scrape configuration in $(basename "$doc")"
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "promtool rejects the guide's configuration"
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom" \
	--web.listen-address="127.0.0.1:$pport" 2>"$tmp/prometheus.log" &
prom_pid=$!
remove_on_exit+=("$tmp/prom")
query() { curl -sf --max-time 5 "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
series=
for _ in $(seq 150); do
	query 'peerlan_port_rx_packets_total' >"$tmp/query.json" 2>/dev/null || true
	series=$(jq -r '.data.result | length' "$tmp/query.json" 2>/dev/null) || true
	[[ $series == 3 ]] && break
	sleep 0.2
done
stop_pid "$prom_pid"
[[ $series == 3 ]] || fail "Prometheus holds $series of 3 ports' rx_packets: $(tail -5 "$tmp/prometheus.log")"
# The labels arrive as the exporter wrote them, with the guide's own.
jq -e '[.data.result[].metric | select(.switch == "sw1.example-ix")] | length == 3' \
	"$tmp/query.json" >/dev/null || fail "the guide's switch label is missing: $(cat "$tmp/query.json")"
jq -e '.data.result[].metric | select(.port == "p2") | .member == "Renamed Member" and .asn == "64502"' \
	"$tmp/query.json" >/dev/null || fail "port p2's labels: $(cat "$tmp/query.json")"
echo "all metrics tests passed"
