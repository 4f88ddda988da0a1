#!/usr/bin/env bash
# Following IXP Manager: a loopback HTTPS server (Python's http.server, a
# CA and certificates made here with openssl) serves a changing provisioner
# export to a running peerlan-control (with the fake dataplane). A member
# added appears, one removed goes; a truncated document, HTTP 500, a slow
# server (the CLI answers meanwhile), a document failing the checks, a mass
# removal and an untrusted certificate each change nothing and are reported
# in `show sync`, events and metrics; `config sync accept` lets the
# held-back removal through; the configured interval syncs on its own.
# Usage: sync_test.sh CONTROL CTL FAKE_DP. Needs jq, openssl, python3, curl.
set -euo pipefail
py=/usr/bin/python3
[[ -x $py ]] || py=python3
for tool in jq openssl "$py" curl; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
srv_pid=
cleanup_sync() { stop_pid "$srv_pid"; cleanup; }
trap cleanup_sync EXIT

status() { pl --json show status | jq -r "$1"; }
sync_json() { pl --json show sync | jq -r "$1"; }
config_sum() { pl show config | md5sum; }

free_port() {
	"$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== a CA, a server certificate from it, and one from nobody ($SECONDS s)"
pki=$tmp/pki
mkdir "$pki"
(
	cd "$pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=peerlan sync test CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" \
		2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
		-days 2 -extfile ext 2>/dev/null
	# The same name, but signed by no CA control trusts.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 \
		-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
) || fail "openssl could not make the certificates"

echo "== the provisioner, on loopback ($SECONDS s)"
web=$tmp/web
mkdir "$web"
echo ok >"$web/mode"
cat >"$tmp/server.py" <<'PY'
# The provisioner's two documents from DIR; DIR/mode says how to answer:
# ok, 500, slow (answers after 10 s) or untrusted (the rogue certificate).
import http.server, os, ssl, sys, time

port, pki, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
KEY = "test-api-key-0123"

def context(name):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(os.path.join(pki, name + ".pem"), os.path.join(pki, name + ".key"))
    return c

good, rogue = context("srv"), context("rogue")

def mode():
    with open(os.path.join(root, "mode")) as f:
        return f.read().strip()

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def get_request(self):
        sock, addr = self.socket.accept()
        ctx = rogue if mode() == "untrusted" else good
        return ctx.wrap_socket(sock, server_side=True), addr

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(root, "requests"), "a") as f:
            f.write(self.path + "\n")
        m = mode()
        if self.headers.get("X-IXP-Manager-API-Key") != KEY:
            self.send_error(403, "bad API key")
            return
        if m == "500":
            self.send_error(500, "database unavailable")
            return
        if m == "slow":
            time.sleep(10)
        name = os.path.basename(self.path)
        try:
            with open(os.path.join(root, name), "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        pass

Server(("127.0.0.1", port), Handler).serve_forever()
PY
port=$(free_port)
"$py" "$tmp/server.py" "$port" "$pki" "$web" 2>>"$tmp/server.log" &
srv_pid=$!
wait_for 30 "the HTTPS server did not start" \
	curl -sf --cacert "$pki/ca.pem" -H "X-IXP-Manager-API-Key: test-api-key-0123" \
	-o /dev/null "https://localhost:$port/mode"

# The provisioner's documents: vlans once, layer2interfaces for the members given.
cat >"$web/vlans.yaml" <<'YAML'
vlans:
- name: Peering LAN
  tag: 100
  private: false
...
YAML
# export N...: layer-2 interfaces portN with member AS6450N, MAC and addresses from N.
export_members() {
	local out=$web/layer2interfaces.yaml.new n
	echo "layer2interfaces:" >"$out"
	for n in "$@"; do
		cat >>"$out" <<YAML
- type: edge
  description: Member $n
  dot1q: false
  virtualinterfaceid: 1$n
  lagframing: false
  vlans:
  - number: 100
    macaddresses:
    - 02:00:5e:10:00:0$n
    ipaddresses:
      ipv4: 192.0.2.1$n
      ipv6: 2001:db8:100::1$n
  shutdown: false
  status: connected
  name: port$n
  speed: 10000
YAML
	done
	echo "..." >>"$out"
	mv "$out" "$web/layer2interfaces.yaml"
}

# The fabric and its LAN, in the map and in the start configuration alike.
fabric_lans() {
	cat <<'YAML'
fabric:
  name: sync-test
lans:
  - name: peering
    vlan: 100
    ipv4: 192.0.2.0/24
    ipv6: 2001:db8:100::/64
YAML
}
{ fabric_lans; echo "ports:"; } >"$tmp/map.yaml"
for n in 1 2 3 4 5; do
	printf '  - name: port%s\n    device: net_null%s\n' "$n" "$n" >>"$tmp/map.yaml"
done
echo "members:" >>"$tmp/map.yaml"
for n in 1 2 3 4 5; do
	printf '  - {asn: 6450%s, name: Member %s, interfaces: [port%s]}\n' "$n" "$n" "$n" \
		>>"$tmp/map.yaml"
done
printf 'test-api-key-0123\n' >"$tmp/api.key"
chmod 600 "$tmp/api.key"

metrics_port=$(free_port)
# The start configuration: the map's fabric and LAN, no ports yet, and the sync.
sync_yaml() { # sync_yaml INTERVAL
	fabric_lans
	cat <<YAML
ports: []
members: []
management:
  control-socket: $tmp/dp.sock
  cli-socket: $tmp/cli.sock
  cli-readonly-socket: $tmp/cli-ro.sock
  state-dir: $tmp/state
  metrics: 127.0.0.1:$metrics_port
  sync:
    vlans: https://localhost:$port/vlans.yaml
    interfaces: https://localhost:$port/layer2interfaces.yaml
    map: $tmp/map.yaml
    api-key-file: $tmp/api.key
    ca-file: $pki/ca.pem
    interval: $1
    timeout: 3
    max-removal: 30
YAML
}
sync_yaml 0 >"$tmp/peerlan.yaml"
[[ $("$control" --check "$tmp/peerlan.yaml") == "configuration OK" ]] ||
	fail "start configuration: $("$control" --check "$tmp/peerlan.yaml" 2>&1)"

FAKE_DP_PORTS_CHANGE=1 "$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" 2>>"$tmp/dp.log" &
dp_pid=$!
start_control
wait_synced

# sync_now: `config sync now`, then waits for that attempt's outcome.
sync_now() {
	local before
	before=$(sync_json .attempts)
	pl config sync now >/dev/null || fail "config sync now"
	wait_for 30 "sync attempt $((before + 1)) did not finish" \
		test_sync_done "$((before + 1))"
}
test_sync_done() { [[ $(sync_json '.attempts') == "$1" && $(sync_json '.state') == idle ]]; }
metric() { curl -sf "http://127.0.0.1:$metrics_port/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
macs() { pl --json show mac-table | jq -r '[.macs[] | "\(.asn) \(.port) \(.mac)"] | sort | join(",")'; }
events_of() { pl --json show events | jq "[.events[] | select(.type == \"$1\")] | length"; }

echo "== first sync: four members appear ($SECONDS s)"
export_members 1 2 3 4
sync_now
[[ $(sync_json .result) == applied ]] || fail "first sync: $(pl show sync)"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02,64503 port3 02:00:5e:10:00:03,64504 port4 02:00:5e:10:00:04" ]] ||
	fail "first sync MACs: $(macs)"
wait_synced
gen=$(status '.dataplane.generation')
[[ $gen -ge 2 ]] || fail "the dataplane did not get the synced configuration"
grep -q "^/layer2interfaces.yaml$" "$web/requests" || fail "no request for layer2interfaces"
[[ $(events_of sync) == 1 ]] || fail "no sync event: $(pl show events)"
pl --json show events | jq -r '.events[] | select(.type == "sync") | .text' |
	grep -q "members +4 -0, ports +4 -0" || fail "sync event text: $(pl show events)"
last_ok=$(metric peerlan_sync_last_success_timestamp_seconds)
[[ -n $last_ok && $last_ok -gt 0 ]] || fail "peerlan_sync_last_success_timestamp_seconds: $last_ok"
[[ -s $tmp/state/committed.yaml ]] && grep -q 'name: "port4"' "$tmp/state/committed.yaml" ||
	fail "the synced configuration was not committed"

echo "== the same document again: unchanged ($SECONDS s)"
sync_now
[[ $(sync_json .result) == unchanged ]] || fail "resync: $(pl show sync)"
[[ $(status '.dataplane.generation') == "$gen" ]] || fail "an unchanged sync pushed"

echo "== a member added, one removed ($SECONDS s)"
export_members 1 3 4 5
sync_now
[[ $(sync_json .result) == applied ]] || fail "add/remove: $(pl show sync)"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64503 port3 02:00:5e:10:00:03,64504 port4 02:00:5e:10:00:04,64505 port5 02:00:5e:10:00:05" ]] ||
	fail "after add/remove: $(macs)"
pl show ports | grep -q port2 && fail "port2 still configured"
pl --json show sync | jq -r '.last_diff[]' | grep -q '^+.*02:00:5e:10:00:05' ||
	fail "last diff lacks the new MAC"
wait_synced
gen=$(status '.dataplane.generation')
good=$(config_sum)

# refused REASON WHAT: the last sync changed nothing, for REASON, reported everywhere.
refused() {
	local why
	[[ $(sync_json .result) == refused ]] || fail "$2: not refused: $(pl show sync)"
	[[ $(sync_json .reason) == "$1" ]] || fail "$2: reason $(sync_json .reason), not $1"
	why=$(sync_json .why)
	[[ -n $why ]] || fail "$2: no reason text"
	[[ $(config_sum) == "$good" ]] || fail "$2 changed the running configuration"
	[[ $(status '.dataplane.generation') == "$gen" ]] || fail "$2 pushed a configuration"
	[[ $(metric "peerlan_sync_failures_total{reason=\"$1\"}") -ge 1 ]] ||
		fail "$2: peerlan_sync_failures_total{reason=\"$1\"} not counted"
	pl --json show events | jq -r '.events[] | select(.type == "sync-refused") | .text' |
		grep -qF "${why:0:40}" || fail "$2: no event"
	pl show sync | grep -q "reason: *$1" || fail "$2: show sync text: $(pl show sync)"
}

echo "== a truncated document ($SECONDS s)"
export_members 1 3 4 5
head -n 20 "$web/layer2interfaces.yaml" >"$web/cut" && mv "$web/cut" "$web/layer2interfaces.yaml"
sync_now
refused incomplete "a truncated document"

echo "== a document that fails the checks ($SECONDS s)"
export_members 1 3 4 5
sed -i 's/02:00:5e:10:00:05/02:00:5e:10:00:01/' "$web/layer2interfaces.yaml"
sync_now
refused check "a duplicate MAC"
pl --json show sync | jq -r '.errors[] | "\(.file):\(.line): \(.message)"' |
	grep -q "sync-layer2interfaces.yaml:[0-9]*: interface port5 .*MAC 02:00:5e:10:00:01 is already given to AS64501" ||
	fail "check errors: $(pl show sync)"

echo "== HTTP 500 ($SECONDS s)"
export_members 1 3 4 5
echo 500 >"$web/mode"
sync_now
refused http "HTTP 500"
sync_json .why | grep -q "HTTP status 500" || fail "500 not named: $(sync_json .why)"

echo "== a slow server: the CLI answers meanwhile ($SECONDS s)"
echo slow >"$web/mode"
before=$(sync_json .attempts)
pl config sync now >/dev/null || fail "sync now (slow)"
fetching() { [[ $(sync_json .state) == fetching ]]; }
wait_for 10 "the slow fetch did not start" fetching
for _ in 1 2 3; do
	t0=$(date +%s%N)
	pl show ports >/dev/null || fail "the CLI did not answer during a slow fetch"
	t1=$(date +%s%N)
	(((t1 - t0) / 1000000 < 2000)) || fail "the CLI took $(((t1 - t0) / 1000000)) ms during a fetch"
	[[ $(sync_json .state) == fetching ]] || break
done
if pl config sync now 2>"$tmp/err"; then fail "a second sync started during one"; fi
grep -q "under way" "$tmp/err" || fail "busy: $(cat "$tmp/err")"
wait_for 30 "the slow sync did not end" test_sync_done "$((before + 1))"
refused timeout "a slow server"
echo ok >"$web/mode"

echo "== an untrusted certificate ($SECONDS s)"
echo untrusted >"$web/mode"
sync_now
refused tls "an untrusted certificate"
echo ok >"$web/mode"

echo "== a mass removal waits for config sync accept ($SECONDS s)"
export_members 1
sync_now
refused guard "a mass removal"
sync_json .pending | grep -q "would remove 3 of 4 members" || fail "pending: $(sync_json .pending)"
pl --json config sync accept >"$tmp/accept.json" || fail "accept: $(cat "$tmp/accept.json")"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01" ]] || fail "after accept: $(macs)"
[[ $(sync_json .result) == applied ]] || fail "accept result: $(pl show sync)"
if pl config sync accept 2>"$tmp/err"; then fail "accepted twice"; fi
grep -q "no sync is waiting" "$tmp/err" || fail "second accept: $(cat "$tmp/err")"

echo "== a human change keeps the sync settings ($SECONDS s)"
pl show config >"$tmp/running.yaml"
awk '/^  sync:/ {skip = 1; next} skip && /^    / {next} {skip = 0; print}' \
	"$tmp/running.yaml" >"$tmp/nosync.yaml"
grep -q "^  sync:" "$tmp/nosync.yaml" && fail "the sync section was not removed"
if pl config apply "$tmp/nosync.yaml" 2>"$tmp/err"; then fail "a file without sync applied"; fi
grep -q "management.sync cannot change while peerlan runs" "$tmp/err" ||
	fail "no sync: $(cat "$tmp/err")"

echo "== the interval syncs on its own ($SECONDS s)"
stop_pid "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
rm -f "$tmp/state/committed.yaml"
sync_yaml 1 >"$tmp/peerlan.yaml"
export_members 1 2
start_control
wait_synced
synced_thrice() { (($(sync_json .attempts 2>/dev/null || echo 0) >= 3)); }
wait_for 30 "the interval did not sync" synced_thrice
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02" ]] ||
	fail "interval sync: $(macs)"
echo "all sync tests passed"
