# Sourced by the tests that follow IXP Manager over HTTPS (sync_test.sh,
# sync_dataplane_test.sh), after they set $ctl and $control: lib.sh, a CA
# and certificates made with openssl, a loopback HTTPS server (Python's
# http.server) serving the provisioner's documents from $web, the export
# and map generators, the sync section of the start configuration, and the
# checks of a sync's outcome. Exits 77 if a tool is missing.
py=/usr/bin/python3
[[ -x $py ]] || py=python3
for tool in jq openssl "$py" curl; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
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
# sync_map: the import map, its ports (YAML list entries) read from stdin;
# members AS64501..AS64505 on port1..port5.
sync_map() {
	{
		fabric_lans
		echo "ports:"
		cat
		echo "members:"
		for n in 1 2 3 4 5; do
			printf '  - {asn: 6450%s, name: Member %s, interfaces: [port%s]}\n' "$n" "$n" "$n"
		done
	} >"$tmp/map.yaml"
}
printf 'test-api-key-0123\n' >"$tmp/api.key"
chmod 600 "$tmp/api.key"

metrics_port=$(free_port)
# sync_management INTERVAL MAX_REMOVAL: the management section, with the sync.
sync_management() {
	metrics_listen=127.0.0.1:$metrics_port management_yaml
	cat <<YAML
  sync:
    vlans: https://localhost:$port/vlans.yaml
    interfaces: https://localhost:$port/layer2interfaces.yaml
    map: $tmp/map.yaml
    api-key-file: $tmp/api.key
    ca-file: $pki/ca.pem
    interval: $1
    timeout: 3
    max-removal: $2
YAML
}

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

# refused REASON WHAT: the last sync changed nothing (the running configuration
# still sums to $good, the dataplane still has generation $gen), for REASON,
# reported everywhere.
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
	pl show sync >"$tmp/sync.txt"
	grep -q "reason: *$1" "$tmp/sync.txt" && grep -qF "${why:0:40}" "$tmp/sync.txt" ||
		fail "$2: show sync text: $(cat "$tmp/sync.txt")"
}

