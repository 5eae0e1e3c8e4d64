#!/usr/bin/env bash
# Two real Linux guests run by Debian's libvirtd (QEMU, software emulation) on vmswitch's
# vhost-user ports ping each other with the policy's DSCP, then each guest in turn is
# `virsh destroy`ed and `virsh start`ed and the traffic resumes.
#   vm1: vmswitch serves the socket (server mode, group kvm so QEMU's user may connect);
#        libvirt <source mode='client'>. vm1 pings vm2 in rounds (guest.role=repeater).
#   vm2: QEMU serves the socket (libvirt <source mode='server'>), vmswitch connects and
#        reconnects (vhost-client: true). vm2 answers.
# The policy marks ICMP from vm1 EF and from vm2 AF21 (Linux copies a request's TOS into its
# reply, so vm2's replies reach the switch as EF and leave towards vm1 as AF21).
# Uses a running libvirtd, or starts virtlogd and libvirtd itself and stops them at the end.
# Usage: run-libvirt-guests.sh VMSWITCH_BINARY WORKDIR
# Exit: 0 pass, 1 fail, 77 skipped (not root, or libvirtd/QEMU cannot run here).
set -euo pipefail
BIN=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE=${GUEST_IMAGE:-$HERE/../../.build-guest}
COUNT=5
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
PREFIX="vmswitch-libvirt-$$"
DOMAIN="vmswitch-test-$$"           # domains $DOMAIN-vm1 and $DOMAIN-vm2
VIRSH=(virsh -q -c qemu:///system)
QEMU=/usr/bin/qemu-system-x86_64
QEMU_USER=libvirt-qemu              # Debian's default `user` in /etc/libvirt/qemu.conf

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(now)
# Every wait below also ends at this deadline, so a caller's kill -9 (a test timeout) never has
# to cut the cleanup short.
LIMIT=${SCENARIO_LIMIT:-360}
END=$(( $(date +%s) + LIMIT ))
expired() {  # [deadline]: past it, or past the scenario's
    local t; t=$(date +%s)
    [ "$t" -ge "${1:-$END}" ] || [ "$t" -ge "$END" ]
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (system libvirtd, hugepages)"; exit 77; }
for tool in virsh libvirtd virtlogd "$QEMU"; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
# A QEMU that cannot start a machine at all here is a skip, not a failure.
if ! probe=$(echo quit | timeout 30 "$QEMU" -accel tcg -machine pc -nodefaults -no-user-config -display none \
                 -m 64 -S -monitor stdio 2>&1); then
    echo "SKIP: QEMU cannot start a machine here:"; echo "$probe"; exit 77
fi
if id "$QEMU_USER" >/dev/null 2>&1 && ! runuser -u "$QEMU_USER" -- test -x "$WORK"; then
    echo "FAIL: $WORK is not searchable by QEMU's user $QEMU_USER (give it o+x on the path)"; exit 1
fi
"$HERE/../RealGuests/build-guest-image.sh" "$IMAGE"

# --- cleanup: exactly what this script started or defined --------------------------------------
watchdog=
started_virtlogd=
started_libvirtd=
daemon_made=()
switch=
starters=()
cleaned=
cleanup() {
    [ -n "$cleaned" ] && return
    cleaned=1
    trap '' INT TERM
    set +e
    pkill -P "$watchdog" 2>/dev/null; kill "$watchdog" 2>/dev/null
    for pid in "${starters[@]}"; do kill "$pid" 2>/dev/null; done
    if [ -n "$started_libvirtd$started_virtlogd" ] || "${VIRSH[@]}" version >/dev/null 2>&1; then
        for vm in vm1 vm2; do
            "${VIRSH[@]}" domstate "$DOMAIN-$vm" >/dev/null 2>&1 || continue
            timeout 30 "${VIRSH[@]}" destroy "$DOMAIN-$vm" >/dev/null 2>&1
            timeout 30 "${VIRSH[@]}" undefine "$DOMAIN-$vm" >/dev/null 2>&1
        done
    fi
    for vm in vm1 vm2; do  # libvirt keeps a domain's QEMU log after undefine: keep a copy here
        for log in /var/log/libvirt/qemu/"$DOMAIN-$vm".log*; do
            [ -f "$log" ] && cat "$log" >> "$WORK/$vm.libvirt-qemu.log" && rm -f "$log"
        done
    done
    if [ -n "$switch" ] && kill -0 "$switch" 2>/dev/null; then
        kill -INT "$switch"
        for _ in $(seq 50); do kill -0 "$switch" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$switch" 2>/dev/null
    fi
    rm -f /dev/hugepages/"$PREFIX"map_* 2>/dev/null
    rm -rf /var/run/dpdk/"$PREFIX"
    stop_daemon libvirtd "$started_libvirtd"
    stop_daemon virtlogd "$started_virtlogd"
    # What the daemons we started created at run time (they leave it when stopped); their
    # persistent state (/var/lib, /var/cache capability cache, /etc/libvirt) stays.
    for path in "${daemon_made[@]}"; do
        case "$path" in
            *.log) [ -f "$path" ] && cp "$path" "$WORK/$(basename "$path")" ;;
        esac
        rm -rf "$path"
    done
    rm -rf "$WORK/run"
}
stop_daemon() {  # name pid
    [ -n "$2" ] || return 0
    kill -TERM "$2" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$2" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "interrupted: cleaning up"; exit 130' INT
trap 'echo "terminated: cleaning up"; exit 143' TERM
# A watchdog past the deadline: ends whatever the script waits on (a hung virsh) and the script,
# so the cleanup runs long before a caller's timeout (LibvirtTests: 600 s) kills it outright.
( sleep $((LIMIT + 60)); echo "watchdog: ${LIMIT} s + 60 s passed"; kill -TERM $$; pkill -TERM -P $$ -x virsh ) 2>/dev/null &
watchdog=$!
disown "$watchdog"  # (no job report when the cleanup ends it)
fail() { echo "FAIL: $*"; exit 1; }

# --- libvirt: the running daemons, or our own ---------------------------------------------------
t=$(now)
daemon_pid() { local pid; pid=$(cat "/run/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "$pid"; }
made_by() {  # the paths a daemon we start will create: they do not exist yet
    local path; for path in "$@"; do [ -e "$path" ] || daemon_made+=("$path"); done
}
need_virtlogd=; need_libvirtd=
daemon_pid virtlogd >/dev/null || need_virtlogd=1
"${VIRSH[@]}" version >/dev/null 2>&1 || need_libvirtd=1
[ -n "$need_virtlogd" ] && made_by /var/log/libvirt/virtlogd.log
[ -n "$need_libvirtd" ] && made_by /dev/hugepages/libvirt /var/log/libvirt/libvirtd.log
[ "$need_virtlogd$need_libvirtd" = 11 ] && made_by /run/libvirt  # virtlogd's and libvirtd's sockets
if [ -n "$need_virtlogd" ]; then
    virtlogd -d || { echo "SKIP: virtlogd does not start here"; exit 77; }
    for _ in $(seq 50); do started_virtlogd=$(daemon_pid virtlogd) && break; sleep 0.1; done
    [ -n "$started_virtlogd" ] || { echo "SKIP: virtlogd did not start here"; exit 77; }
    echo "libvirt: started virtlogd (pid $started_virtlogd)"
fi
if [ -n "$need_libvirtd" ]; then
    libvirtd -d || { echo "SKIP: libvirtd does not start here"; exit 77; }
    for _ in $(seq 50); do started_libvirtd=$(daemon_pid libvirtd) && break; sleep 0.1; done
    [ -n "$started_libvirtd" ] || { echo "SKIP: libvirtd did not start here"; exit 77; }
    for _ in $(seq 600); do "${VIRSH[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
    "${VIRSH[@]}" version >/dev/null 2>&1 || { echo "SKIP: libvirtd does not answer on qemu:///system"; exit 77; }
    echo "libvirt: started libvirtd (pid $started_libvirtd)"
else
    echo "libvirt: using the running libvirtd"
fi
# libvirt probes QEMU's capabilities on first use (seconds, then cached): do it before timing guests.
"${VIRSH[@]}" domcapabilities --virttype qemu --arch x86_64 --machine pc >/dev/null \
    || { echo "SKIP: libvirtd cannot use QEMU here"; exit 77; }
echo "TIMING libvirt ready in $(since "$t") s ($("${VIRSH[@]}" version | sed -n 's/^Running hypervisor: //p'))"

# --- guest files, sockets, vmswitch -------------------------------------------------------------
# libvirt relabels (chowns) a domain's kernel and initrd while it runs: give it copies. The
# repeater role is newer than a cached image may be, so this guest-init.sh rides in a second
# initramfs archive appended to the image's (the kernel unpacks both; the later /init wins).
mkdir -p "$WORK/guest" "$WORK/run"
cp "$IMAGE/vmlinuz" "$WORK/guest/vmlinuz"
overlay=$(mktemp -d)
cp "$HERE/../RealGuests/guest-init.sh" "$overlay/init"
chmod 755 "$overlay/init"
{ cat "$IMAGE/initramfs.cpio.gz"; (cd "$overlay" && echo init | cpio -o -H newc --quiet | gzip -1); } \
    > "$WORK/guest/initramfs.cpio.gz"
rm -rf "$overlay"
# The socket directory: QEMU (user libvirt-qemu, group kvm) creates vm2's socket in it.
chgrp kvm "$WORK/run"
chmod 2770 "$WORK/run"
rm -f "$WORK"/vm1.serial "$WORK"/vm2.serial "$WORK"/*.libvirt-qemu.log "$WORK/stats.json"

cat > "$WORK/vmswitch.yaml" <<YAML
ports:
  - name: vm1
    vhost: $WORK/run/vm1.sock
    vhost-group: kvm
    mac: ["52:54:00:00:01:01"]
  - name: vm2
    vhost: $WORK/run/vm2.sock
    vhost-client: true
    mac: ["52:54:00:00:01:02"]
qos:
  rules:
    - name: vm1-icmp
      match: {from: vm1, proto: icmp}
      dscp: EF
    - name: vm2-icmp
      match: {from: vm2, proto: icmp}
      dscp: AF21
YAML

domain_xml() {  # vm mac ip peer role socket-mode(libvirt's: client = QEMU connects)
    local vm=$1 mac=$2 ip=$3 peer=$4 role=$5 mode=$6 reconnect=""
    [ "$mode" = client ] && reconnect="<reconnect enabled='yes' timeout='1'/>"
    cat <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$DOMAIN-$vm</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$WORK/guest/vmlinuz</kernel>
    <initrd>$WORK/guest/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off guest.ip=$ip/24 guest.peer=$peer guest.role=$role guest.count=$COUNT guest.tos=0x00 guest.wait=300</cmdline>
  </os>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$QEMU</emulator>
    <interface type='vhostuser'>
      <mac address='$mac'/>
      <source type='unix' path='$WORK/run/$vm.sock' mode='$mode'>$reconnect</source>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <serial type='file'><source path='$WORK/$vm.serial' append='on'/><target port='0'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:override>
    <qemu:device alias='net0'>
      <qemu:frontend><qemu:property name='vectors' type='unsigned' value='0'/></qemu:frontend>
    </qemu:device>
  </qemu:override>
</domain>
XML
}
domain_xml vm1 52:54:00:00:01:01 10.0.1.1 10.0.1.2 repeater client > "$WORK/vm1.xml"
domain_xml vm2 52:54:00:00:01:02 10.0.1.2 10.0.1.1 responder server > "$WORK/vm2.xml"

t=$(now)
"$BIN" run --config "$WORK/vmswitch.yaml" --stats-interval 1 --stats-json "$WORK/stats.json" --duration 400 -- \
    --file-prefix "$PREFIX" -m 256 --lcores 0@1,1@1 > "$WORK/vmswitch.log" 2>&1 &
switch=$!
for _ in $(seq 200); do [ -S "$WORK/run/vm1.sock" ] && break; kill -0 "$switch" 2>/dev/null || break; sleep 0.1; done
[ -S "$WORK/run/vm1.sock" ] || { tail -20 "$WORK/vmswitch.log"; fail "vmswitch did not create its vm1 socket"; }
echo "TIMING vmswitch ready in $(since "$t") s: $(stat -c '%A %U:%G' "$WORK/run/vm1.sock") $WORK/run/vm1.sock"

# --- helpers ---------------------------------------------------------------------------------
cat > "$WORK/check.py" <<'PY'
# check.py MODE STATS COUNT [BASE]: the DSCP counters of this scenario; exit 0 when all hold.
#   first: since vmswitch started; vm2 / vm1: grown since BASE (a copy taken after that VM's
#   destroy), so only the restarted guest can have made them grow.
import json, sys
quiet = "-q" in sys.argv
args = [a for a in sys.argv if a != "-q"]
mode, count = args[1], int(args[3])
now = json.load(open(args[2]))
base = json.load(open(args[4])) if len(args) > 4 else None
def grew(get):
    return get(now) - (get(base) if base else 0)
P = lambda port, key, i: (lambda s: s["ports"][port][key][i])
R = lambda rule: (lambda s: s["rules"][rule]["rewritten"])
checks = {}
if mode == "first":
    checks = {
        "echo requests from vm1 arrived unmarked (DSCP 0)": grew(P("vm1", "dscp_in", 0)) >= count,
        "and left towards vm2 as EF": grew(P("vm2", "dscp_out", 46)) >= count,
        "vm2 replied with the TOS it received: EF": grew(P("vm2", "dscp_in", 46)) >= count,
        "the replies left towards vm1 as AF21": grew(P("vm1", "dscp_out", 18)) >= count,
        "rule vm1-icmp rewrote the requests": grew(R("vm1-icmp")) >= count,
        "rule vm2-icmp rewrote the replies": grew(R("vm2-icmp")) >= count,
    }
elif mode == "vm2":
    checks = {
        "after vm2's restart: requests left towards the new vm2 as EF": grew(P("vm2", "dscp_out", 46)) >= count,
        "the new vm2 replied, EF as received": grew(P("vm2", "dscp_in", 46)) >= count,
        "its replies left towards vm1 as AF21": grew(P("vm1", "dscp_out", 18)) >= count,
        "rule vm2-icmp rewrote them": grew(R("vm2-icmp")) >= count,
    }
elif mode == "vm1":
    checks = {
        "after vm1's restart: requests from the new vm1 arrived unmarked": grew(P("vm1", "dscp_in", 0)) >= count,
        "and left towards vm2 as EF": grew(P("vm2", "dscp_out", 46)) >= count,
        "the replies left towards the new vm1 as AF21": grew(P("vm1", "dscp_out", 18)) >= count,
        "rule vm1-icmp rewrote the requests": grew(R("vm1-icmp")) >= count,
    }
if not quiet:
    for name, ok in checks.items(): print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if checks and all(checks.values()) else 1)
PY
check() {  # MODE [BASE] [-q]
    local mode=$1; shift
    [ -f "$WORK/stats.json" ] || return 1
    python3 "$WORK/check.py" "$mode" "$WORK/stats.json" "$COUNT" "$@"
}
wait_check() {  # MODE SECONDS [BASE]: until the counters hold, then print them
    local mode=$1 seconds=$2; shift 2
    local deadline=$(( $(date +%s) + seconds ))
    until check "$mode" "$@" -q 2>/dev/null; do
        expired "$deadline" && break
        kill -0 "$switch" 2>/dev/null || fail "vmswitch exited: $(tail -5 "$WORK/vmswitch.log")"
        sleep 0.5
    done
    check "$mode" "$@"
}
readies() { grep -ac GUEST_READY "$WORK/$1.serial" 2>/dev/null || true; }
after_boot() {  # vm N: the serial lines after the N-th GUEST_READY (the N-th boot's output)
    awk -v n="$2" '/GUEST_READY/ { seen++ } seen >= n' "$WORK/$1.serial" 2>/dev/null | tr -d '\r'
}
running() { [ "$("${VIRSH[@]}" domstate "$DOMAIN-$1" 2>/dev/null)" = running ]; }
start_domain() {  # vm: virsh start in the background (mode='server' blocks until vmswitch connects)
    timeout 60 "${VIRSH[@]}" start "$DOMAIN-$1" > "$WORK/$1.start.log" 2>&1 &
    starters+=($!)
}
wait_started() {  # vm
    local pid=${starters[-1]}
    wait "$pid" || { cat "$WORK/$1.start.log"; tail -5 /var/log/libvirt/qemu/"$DOMAIN-$1".log 2>/dev/null
                     fail "virsh start $DOMAIN-$1 failed"; }
    starters=("${starters[@]:0:${#starters[@]}-1}")
}
wait_serial() {  # vm boot pattern seconds: until the boot's output has pattern
    local deadline=$(( $(date +%s) + $4 ))
    until after_boot "$1" "$2" | grep "$3" >/dev/null; do
        expired "$deadline" && return 1
        running "$1" || { sleep 1; after_boot "$1" "$2" | grep "$3" >/dev/null; return; }
        sleep 0.5
    done
}
show_links() { grep -aE "port vm[12]: link" "$WORK/vmswitch.log" | tr '\n' ';' | sed 's/;$/\n/; s/vmswitch: //g; s/;/; /g'; }

# --- phase 1: define, start, ping --------------------------------------------------------------
"${VIRSH[@]}" define "$WORK/vm1.xml" >/dev/null || fail "virsh define vm1"
"${VIRSH[@]}" define "$WORK/vm2.xml" >/dev/null || fail "virsh define vm2"
echo "defined $DOMAIN-vm1 (socket mode='client': vmswitch serves) and $DOMAIN-vm2 (mode='server': QEMU serves)"
t=$(now)
start_domain vm2
"${VIRSH[@]}" start "$DOMAIN-vm1" > "$WORK/vm1.start.log" 2>&1 \
    || { cat "$WORK/vm1.start.log"; tail -5 /var/log/libvirt/qemu/"$DOMAIN-vm1".log 2>/dev/null; fail "virsh start vm1"; }
wait_started vm2
echo "TIMING both domains running $(since "$t") s after virsh start"
qemu=$(cat /run/libvirt/qemu/"$DOMAIN-vm1".pid 2>/dev/null || true)
[ -n "$qemu" ] && echo "QEMU of vm1 runs as $(ps -o user= -p "$qemu"): $(tr '\0' '\n' < /proc/"$qemu"/cmdline | grep -a virtio-net-pci || true)"
wait_serial vm1 1 GUEST_PING_OK 90 || { after_boot vm1 1; fail "no GUEST_PING_OK from vm1"; }
echo "TIMING first GUEST_PING_OK $(since "$t") s after virsh start"
wait_check first 20 || fail "the policy's DSCP did not show"
echo "--- vm1 (repeater) serial, first boot:"; after_boot vm1 1 | sed -n 1,3p
echo "--- vm2 (responder) serial, first boot:"; after_boot vm2 1 | sed -n 1,2p
echo "--- vmswitch: $(show_links)"

# --- phase 2: destroy and start vm2 (QEMU serves the socket: vmswitch must reconnect) ---------
restart() {  # vm
    local vm=$1 boots
    boots=$(readies "$vm")
    vm1_lines=$(wc -l < "$WORK/vm1.serial")
    cp "$WORK/stats.json" "$WORK/before-$vm.json"
    "${VIRSH[@]}" destroy "$DOMAIN-$vm" >/dev/null || fail "virsh destroy $vm"
    echo "virsh destroy $DOMAIN-$vm: $("${VIRSH[@]}" domstate "$DOMAIN-$vm")"
    sleep 1.5  # one stats interval: the copy below has every frame the old guest sent
    cp "$WORK/stats.json" "$WORK/base-$vm.json"
    local size; size=$(stat -c %s "$WORK/$vm.serial")
    restart_t=$(now)
    start_domain "$vm"
    wait_started "$vm"
    echo "TIMING virsh start $DOMAIN-$vm returned after $(since "$restart_t") s"
    # The serial file: appended (append='on') or truncated? Count this boot either way.
    local base=$boots
    if [ "$(stat -c %s "$WORK/$vm.serial")" -lt "$size" ]; then
        echo "note: $vm's serial file was truncated on start"; base=0
    fi
    wait_serial "$vm" $((base + 1)) GUEST_READY 60 || fail "$vm did not boot again"
    vm1_lines_up=$(wc -l < "$WORK/vm1.serial")
    if [ "$base" = 0 ]; then echo "$vm's serial file: truncated by virsh start, holds the new boot only"
    else echo "$vm's serial file: appended by virsh start (append='on'), holds $(readies "$vm") boots"; fi
    echo "TIMING $vm booted again $(since "$restart_t") s after virsh start: $(after_boot "$vm" $((base + 1)) | sed -n 1p)"
    restarted_boot=$((base + 1))
}
restart vm2
# vm1 kept pinging: its rounds since vm2's destroy show the outage, and a round that succeeds
# after vm2's new boot its end.
wait_check vm2 45 "$WORK/base-vm2.json" || fail "traffic did not resume after vm2's restart"
rounds() { tail -n +$(($1 + 1)) "$WORK/vm1.serial" | tr -d '\r' | grep -a GUEST_PING_ || true; }
deadline=$(( $(date +%s) + 20 ))
until rounds "$vm1_lines_up" | grep GUEST_PING_OK >/dev/null; do
    expired "$deadline" && fail "vm1 printed no GUEST_PING_OK after vm2's new boot"
    sleep 0.5
done
echo "--- vm1: $(rounds "$vm1_lines" | grep -c GUEST_PING_FAIL || true) failed rounds since vm2's destroy; after its new boot:"
rounds "$vm1_lines_up" | grep -a GUEST_PING_OK | sed -n 1p
echo "TIMING traffic resumed $(since "$restart_t") s after virsh start vm2"
echo "--- vmswitch: $(show_links)"
python3 - "$WORK/before-vm2.json" "$WORK/stats.json" <<'PY'
import json, sys
before, now = (json.load(open(f))["ports"]["vm2"]["drops"].get("link_down", 0) for f in sys.argv[1:])
print("frames for vm2 dropped as link_down while it was away: %d" % (now - before))
PY

# --- phase 3: destroy and start vm1 (vmswitch serves the socket: QEMU connects again) ---------
restart vm1
wait_serial vm1 "$restarted_boot" GUEST_PING_OK 60 || { after_boot vm1 "$restarted_boot"; fail "no GUEST_PING_OK after vm1's restart"; }
wait_check vm1 30 "$WORK/base-vm1.json" || fail "traffic did not resume after vm1's restart"
echo "--- vm1 serial, boot $restarted_boot:"; after_boot vm1 "$restarted_boot" | grep -aE "GUEST_READY|GUEST_PING_OK" | sed -n 1,2p
echo "TIMING traffic resumed $(since "$restart_t") s after virsh start vm1"
echo "--- vmswitch: $(show_links)"

kill -INT "$switch"
wait "$switch" || { tail -20 "$WORK/vmswitch.log"; switch=; fail "vmswitch exited non-zero"; }
switch=
sed -n '/^port /,$p' "$WORK/vmswitch.log" | tail -12
cleanup
echo "TIMING total $(since "$T0") s (cleanup included)"
echo "PASS: two libvirt guests through vmswitch, DSCP per policy, traffic resumed after virsh destroy/start of each"
