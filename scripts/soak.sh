#!/usr/bin/env bash
# Soak: vmswitch forwarding the demo's traffic mix at full speed (pcap replayed forever into
# three ports: the uplink's frames to both VMs, null outputs) for MINUTES (default 10), sampling
# its resident memory and mbuf pool every 30 s. Not part of CI; prints a table and the verdict.
# Usage: scripts/soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
BIN=.build/release/vmswitch
WORK=$(mktemp -d)
trap 'kill -INT $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN" demo --dir "$WORK/demo" -- --file-prefix soak-demo -m 256 > /dev/null 2>&1
cat > "$WORK/soak.yaml" <<YAML
ports:
  - name: uplink
    device: "net_pcap0,rx_pcap=$WORK/demo/uplink-in.pcap,infinite_rx=1"
    mac: ["02:00:00:00:00:fe"]
  - name: vm1
    device: "net_pcap1,rx_pcap=$WORK/demo/vm1-in.pcap,infinite_rx=1"
    mac: ["52:54:00:00:00:01"]
  - name: vm2
    device: "net_null0,no-rx=1"
    mac: ["52:54:00:00:00:02"]
$(sed -n '/^qos:/,$p' "$WORK/demo/vmswitch-demo.yaml")
YAML
"$BIN" run --config "$WORK/soak.yaml" --stats-interval 5 --stats-json "$WORK/stats.json" \
    --duration $((MINUTES * 60 + 5)) -- --file-prefix soak -m 512 > "$WORK/run.log" 2>&1 &
pid=$!
printf "%8s %14s %12s %12s %10s\n" minute "frames rx" "Mpps" "RSS MiB" "pool in use"
last=0
for ((sample = 1; sample <= MINUTES * 2; sample++)); do
    sleep 30
    kill -0 $pid 2>/dev/null || { echo "soak: vmswitch stopped:"; tail -20 "$WORK/run.log"; exit 1; }
    rss=$(awk '/VmRSS/{printf "%.1f", $2/1024}' /proc/$pid/status)
    read -r rx pool < <(python3 -c "
import json; s = json.load(open('$WORK/stats.json'))
print(sum(p['rx'] for p in s['ports'].values()), sum(p['in_use'] for p in s['pools'].values()))")
    printf "%8.1f %14d %12.2f %12s %10d\n" "$(echo "$sample / 2" | bc -l)" "$rx" "$(echo "($rx - $last) / 30000000" | bc -l)" "$rss" "$pool"
    last=$rx
done
wait $pid || { echo "soak: vmswitch failed:"; tail -20 "$WORK/run.log"; exit 1; }
echo "soak: vmswitch ran $MINUTES minutes and exited with status $?"
