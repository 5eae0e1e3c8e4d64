#!/usr/bin/env bash
# Proves NUMA-local service on a real two-node kernel: boots a QEMU (TCG) guest with two NUMA
# nodes that runs vmswitch (statically linked Swift runtime) and two stand-in VMs bound to one
# node each (see numa-init.sh), then checks vmswitch's own placement report and counters.
# Usage: run-numa-guest.sh VMSWITCH_STATIC_BINARY WORKDIR.  Exit: 0 pass, 1 fail, 77 skipped.
set -euo pipefail
BIN=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE=${GUEST_IMAGE:-$HERE/../../.build-guest}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
mkdir -p "$WORK/data"
WORK=$(cd "$WORK" && pwd)

cat > "$WORK/data/numa.yaml" <<'YAML'
ports:
  - name: vm-a
    vhost: /tmp/a.sock
    mac: ["52:54:00:00:0a:01"]
  - name: vm-b
    vhost: /tmp/b.sock
    mac: ["52:54:00:00:0b:01"]
qos:
  rules:
    - name: a-voice
      match: {from: vm-a, proto: udp, dport: 5060}
      dscp: EF
    - name: b-bulk
      match: {from: vm-b}
      dscp: CS1
workers: [1, 3]
dataplane: {rx-descriptors: 256, tx-descriptors: 256, mbufs: 4095}
YAML
python3 - "$WORK/data" <<'PY'
import struct, sys
def frame(src, dst, dport, tos):
    udp = struct.pack('!HHHH', 40000, dport, 8 + 18, 0) + bytes(18)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + len(udp), 1, 0, 64, 17, 0, bytes([10, 0, 0, src]), bytes([10, 0, 0, dst]))
    s = sum(struct.unpack('!10H', ip)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack('!H', ~s & 0xffff) + ip[12:]
    return bytes.fromhex('5254000000' + '%02x' % (0xb0 + dst) + '5254000000' + '%02x' % (0xa0 + src))[:0] + \
        (bytes.fromhex('525400000b01525400000a01') if src == 1 else bytes.fromhex('525400000a01525400000b01')) + b'\x08\x00' + ip + udp
def pcap(path, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames): f.write(struct.pack('<IIII', 1, i, len(fr), len(fr)) + fr)
pcap(sys.argv[1] + '/a-send.pcap', [frame(1, 2, 5060, 0)] * 4)     # A -> B voice, unmarked: EF
pcap(sys.argv[1] + '/b-send.pcap', [frame(2, 1, 9000, 0x28)] * 4)  # B -> A, AF11: CS1
PY
"$HERE/build-numa-image.sh" "$IMAGE" "$BIN" "$WORK/data"
started=$(date +%s)
timeout 900 qemu-system-x86_64 -name numa -accel tcg -machine pc -cpu max -smp 4,sockets=2,cores=2,threads=1 -m 2048 \
    -object memory-backend-ram,id=m0,size=1024M -object memory-backend-ram,id=m1,size=1024M \
    -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1 \
    -nodefaults -no-user-config -display none -monitor none -no-reboot -serial "file:$WORK/serial.log" \
    -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/numa-initramfs.cpio.gz" \
    -append "console=ttyS0 loglevel=3 panic=-1 mitigations=off" > "$WORK/qemu.log" 2>&1 || true
echo "numa guest: $(( $(date +%s) - started )) s"
grep -a "NUMA_GUEST" "$WORK/serial.log" || true
python3 - "$WORK/serial.log" <<'PY'
import json, re, sys
log = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
def phase(name):
    stats = re.search(r'=== %s STATS\s*(\{.*?\})\s*=== %s LOG(.*?)=== %s END' % (name, name, name), log, re.S)
    if not stats: return None, ''
    return json.loads(stats.group(1)), stats.group(2)
ok = True
def check(label, condition):
    global ok
    print(('ok   ' if condition else 'FAIL ') + label)
    ok = ok and bool(condition)
for name in ('PLACED', 'MOVED', 'DENIED'):
    stats, lines = phase(name)
    print('--- %s: vmswitch placement and log' % name)
    print('\n'.join(l for l in lines.strip().split('\n') if 'lcore' in l or 'node' in l or 'link' in l))
    if stats is None:
        check('%s phase reported' % name, False); continue
    ports = stats['ports']
    for port in ('vm-a', 'vm-b'):
        p = ports[port]
        print('    %s: numa %s lcore %s rx %d tx %d rx_cross_node %d tx_cross_node %d dscp_out EF %d CS1 %d' % (
            port, p.get('numa'), p.get('lcore'), p['rx'], p['tx'], p['rx_cross_node'], p['tx_cross_node'], p['dscp_out'][46], p['dscp_out'][8]))
    a, b = ports['vm-a'], ports['vm-b']
    if name == 'PLACED':
        check('vm-a follows its guest memory to node 1, polled by lcore 3', a.get('numa') == 1 and a.get('lcore') == 3)
        check('vm-b follows its guest memory to node 0, polled by lcore 1', b.get('numa') == 0 and b.get('lcore') == 1)
        check('frames cross per policy: A voice -> EF at B, B -> CS1 at A', b['dscp_out'][46] > 0 and a['dscp_out'][8] > 0)
        check('and count as cross-node', b['tx_cross_node'] > 0 and a['tx_cross_node'] > 0)
        check('the moves were logged', 'port vm-a: guest memory on node 1: polled by lcore 3, rx mbufs from node 1' in lines)
    elif name == 'MOVED':
        check('vm-a moved with its reconnected guest to node 0, lcore 1', a.get('numa') == 0 and a.get('lcore') == 1)
        check('the move was logged', 'port vm-a: guest memory on node 0: polled by lcore 1, rx mbufs from node 0' in lines)
        check('traffic still crosses', b['dscp_out'][46] > 0)
    else:
        check('negative control: without memory on node 1, vm-b stays on node 0', b.get('numa') == 0 and b.get('lcore') == 1)
        check("negative control: so the PLACED check (port on its guest's node 1) fails here", b.get('numa') != 1)
        check('negative control: the report says why', "guest's memory is on node 1 but the vhost device stayed on node 0" in lines)
print('PASS' if ok else 'FAIL')
sys.exit(0 if ok else 1)
PY
