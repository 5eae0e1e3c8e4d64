#!/usr/bin/env bash
# The Debian package as an operator meets it, in a throw-away Debian 12 root made by mmdebstrap
# (the host's apt sources) and booted with systemd as PID 1 in systemd-nspawn:
#   apt install ./vmswitch_*.deb; the installed binary runs the demo; systemd-analyze verify on the
#   installed units; edit the configuration; systemctl enable --now vmswitch (ready through the
#   notify protocol); systemctl reload (live, and refused for a broken file); journalctl -p warning;
#   the exporter unit; systemctl stop leaves no hugepage files; apt purge leaves nothing.
# Usage: run-package-service.sh DEB WORKDIR. Exit: 0 pass, 1 fail, 77 skipped (tools missing).
set -euo pipefail
DEB=$(realpath "$1")
mkdir -p "$2"
WORK=$(cd "$2" && pwd)
ROOT=$WORK/root
PAGES=$WORK/hugepages
SUITE=${PACKAGE_SUITE:-bookworm}
# The exporter's port: unique per run, so a host exporter or another run cannot answer instead.
EXPORTER_PORT=$((30000 + $$ % 10000))

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mmdebstrap, systemd-nspawn, hugetlbfs)"; exit 77; }
for tool in mmdebstrap systemd-nspawn nsenter systemd-analyze curl; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

nspawn=
container=
watchdog=
cleanup() {
    trap '' INT TERM
    set +e  # every step of the cleanup runs, whatever failed before it
    if [ -n "$watchdog" ]; then pkill -P "$watchdog" 2>/dev/null; kill "$watchdog" 2>/dev/null; fi
    if [ -n "$container" ] && kill -0 "$container" 2>/dev/null; then
        timeout 10 nsenter -t "$container" -a systemctl poweroff >/dev/null 2>&1 || true
        for _ in $(seq 150); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
        # The container's PID 1 (as the host sees it): SIGKILL to it ends every process in the
        # container; killing systemd-nspawn alone would leave the container running.
        kill -9 "$container" 2>/dev/null || true
    fi
    [ -z "$nspawn" ] || kill -9 "$nspawn" 2>/dev/null || true
    [ -z "$nspawn" ] || wait "$nspawn" 2>/dev/null || true
    if mountpoint -q "$PAGES"; then
        rm -f "$PAGES"/* 2>/dev/null || true
        umount "$PAGES"
    fi
    rm -rf "$ROOT" "$PAGES"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A watchdog: after LIMIT seconds it ends what the script waits on (mmdebstrap, a command in the
# container) and the script, so the cleanup runs before a caller's timeout (PackageTests: 600 s).
LIMIT=${SCENARIO_LIMIT:-420}
( sleep "$LIMIT"; echo "watchdog: $LIMIT s passed"; kill -TERM $$; pkill -TERM -P $$ ) 2>/dev/null &
watchdog=$!
disown "$watchdog"  # (no job report when the cleanup ends it)

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "--- $*"; }
elapsed() { echo "$SECONDS s"; }

step "a $SUITE root with systemd; apt install ./$(basename "$DEB") in it"
rm -rf "$ROOT"
mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,dbus,curl,man-db \
    --customize-hook="copy-in $DEB /tmp" \
    --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/$(basename "$DEB")" \
    --customize-hook='rm -f "$1"/tmp/*.deb' \
    "$SUITE" "$ROOT" > "$WORK/mmdebstrap.log" 2>&1 || { tail -30 "$WORK/mmdebstrap.log"; fail "mmdebstrap"; }
grep -E "^(Setting up vmswitch|Unpacking vmswitch)" "$WORK/mmdebstrap.log" || true
echo "root ready after $(elapsed)"

for file in /usr/bin/vmswitch /etc/vmswitch/vmswitch.yaml /etc/default/vmswitch /lib/systemd/system/vmswitch.service \
            /lib/systemd/system/vmswitch-exporter.service /usr/share/man/man1/vmswitch.1.gz /usr/lib/sysusers.d/vmswitch.conf; do
    [ -e "$ROOT$file" ] || fail "$file is not installed"
done
chroot "$ROOT" dpkg-query -W -f='${Conffiles}\n' vmswitch | grep -q /etc/vmswitch/vmswitch.yaml || fail "vmswitch.yaml is not a conffile"
chroot "$ROOT" getent group vmswitch || fail "no vmswitch group"
for unit in vmswitch vmswitch-exporter; do
    state=$(systemctl --root="$ROOT" is-enabled "$unit" 2>/dev/null || true)
    [ "$state" = disabled ] || fail "$unit is '$state' after install (the operator enables it)"
done
echo "units installed, disabled"
systemd-analyze verify --root="$ROOT" --man=no vmswitch.service vmswitch-exporter.service || fail "systemd-analyze verify"
man -l "$ROOT/usr/share/man/man1/vmswitch.1.gz" 2>/dev/null | grep -q "exporter" || fail "the man page does not render"
sections=$(zcat "$ROOT/usr/share/man/man1/vmswitch.1.gz" | awk '/^\.SS [a-z]/ { print $2 }' | tr '\n' ' ')
[ "$sections" = "run check stats macs audit reload exporter demo " ] || fail "the man page's commands: $sections"
echo "man page commands: $sections"
echo "systemd-analyze verify: ok (and the units' Documentation=man:vmswitch(1) renders)"

step "boot: systemd as PID 1 in systemd-nspawn, a hugetlbfs of its own at /dev/hugepages"
mkdir -p "$PAGES"
mount -t hugetlbfs -o pagesize=2M nodev "$PAGES"
systemd-nspawn --register=no --keep-unit --console=passive -b -D "$ROOT" --bind="$PAGES":/dev/hugepages \
    > "$WORK/nspawn.log" 2>&1 &
nspawn=$!
for _ in $(seq 100); do
    container=$(pgrep -P "$nspawn" | head -1 || true)
    [ -n "$container" ] && [ "$(cat /proc/"$container"/comm 2>/dev/null)" = systemd ] && break
    container=
    sleep 0.1
done
[ -n "$container" ] || { cat "$WORK/nspawn.log"; fail "the container did not boot"; }
inside() { nsenter -t "$container" -a "$@"; }
for _ in $(seq 100); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case $state in running|degraded) break ;; esac
    sleep 0.2
done
echo "container's systemd: $state after $(elapsed) ($(inside systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' '))"

# (Swift reads its arguments from /proc: the binary runs in the booted container, not a chroot.)
version=$(dpkg-deb -f "$DEB" Version)
installed=$(inside vmswitch --version)
[ "$installed" = "$version" ] || fail "vmswitch --version says $installed, the package $version"
echo "vmswitch --version: $installed (the package's version)"
inside vmswitch check --config /etc/vmswitch/vmswitch.yaml > "$WORK/check.log" || { cat "$WORK/check.log"; fail "vmswitch check on the shipped configuration"; }

step "the installed binary runs the demo"
inside sh -c 'cd /tmp && vmswitch demo' > "$WORK/demo.log" 2>&1 || { tail -20 "$WORK/demo.log"; fail "vmswitch demo"; }
grep -A4 "what each port sent" "$WORK/demo.log"
[ -z "$(ls -A "$PAGES")" ] || fail "the demo left hugepage files: $(ls "$PAGES")"

step "the operator edits the configuration and enables the switch"
# vm2 is placed on NUMA node 1, which this machine lacks: a warning for the journal.
sed -i 's|    vhost: /run/vmswitch/vm2.sock|    vhost: /run/vmswitch/vm2.sock\n    numa: 1|' "$ROOT/etc/vmswitch/vmswitch.yaml"
sed -i "s|^VMSWITCH_EXPORTER_LISTEN=.*|VMSWITCH_EXPORTER_LISTEN=\"127.0.0.1:$EXPORTER_PORT\"|" "$ROOT/etc/default/vmswitch"
inside systemctl enable --now vmswitch 2>&1 || { inside journalctl -u vmswitch --no-pager | tail -20; fail "systemctl enable --now vmswitch"; }
[ "$(inside systemctl is-active vmswitch)" = active ] || fail "vmswitch is not active"
status=$(inside systemctl show -P StatusText vmswitch)
echo "active; status from sd_notify: \"$status\""
case $status in "running policy version 1"*) ;; *) fail "no READY status from the switch: '$status'" ;; esac
inside stat -c '%A %U:%G %n' /run/vmswitch/vm1.sock /run/vmswitch/vm2.sock
[ "$(inside stat -c %G /run/vmswitch/vm1.sock)" = vmswitch ] || fail "vm1.sock is not the vmswitch group's"

step "systemctl reload: a changed rule goes live, a broken file is refused"
sed -i 's|      dscp: EF|      dscp: AF41|' "$ROOT/etc/vmswitch/vmswitch.yaml"
inside systemctl reload vmswitch || fail "systemctl reload"
inside vmswitch stats > "$WORK/stats.log" || fail "vmswitch stats"
head -1 "$WORK/stats.log"
grep -q "policy version 2" "$WORK/stats.log" || fail "the reload did not take"
inside vmswitch check --config /etc/vmswitch/vmswitch.yaml | grep -q "AF41" || fail "vmswitch check does not show AF41"
cp "$ROOT/etc/vmswitch/vmswitch.yaml" "$WORK/good.yaml"
echo "ports: [" > "$ROOT/etc/vmswitch/vmswitch.yaml"
if inside systemctl reload vmswitch 2>/dev/null; then fail "a broken configuration was reloaded"; fi
[ "$(inside systemctl is-active vmswitch)" = active ] || fail "a refused reload stopped the switch"
echo "broken file: reload refused, the switch still active on $(inside vmswitch stats | head -1 | sed 's/.*: //')"
cp "$WORK/good.yaml" "$ROOT/etc/vmswitch/vmswitch.yaml"

step "journalctl -p warning: the switch's warnings and errors, not its informational lines"
inside journalctl -u vmswitch -p warning --no-pager -o cat > "$WORK/warnings.log"
grep -E "^vmswitch: (warning|error|reload)" "$WORK/warnings.log" || true
grep -q "warning: no worker lcore on NUMA node 1" "$WORK/warnings.log" || fail "the placement warning is not at warning priority"
grep -q "vmswitch: reload of" "$WORK/warnings.log" || fail "the refused reload is not at error priority"
if grep -q "vmswitch: running" "$WORK/warnings.log"; then fail "informational lines show as warnings"; fi
inside journalctl -u vmswitch -p info --no-pager -o cat | grep -q "vmswitch: running" || fail "no informational lines at all"

step "the exporter unit serves the switch's counters"
inside systemctl enable --now vmswitch-exporter
metrics=
for _ in $(seq 50); do
    metrics=$(curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" || true)
    [ -n "$metrics" ] && break
    sleep 0.2
done
echo "$metrics" | grep -E '^vmswitch_(up|policy_version) ' || true
echo "$metrics" | grep -q '^vmswitch_up 1' || fail "the exporter does not see the switch"
echo "$metrics" | grep -q '^vmswitch_policy_version 2' || fail "the exporter does not show policy version 2"

step "an upgrade (reinstall) replaces the files and leaves the running switch alone"
pid=$(inside systemctl show -P MainPID vmswitch)
cp "$DEB" "$ROOT/var/tmp/"  # (the container's /tmp is a tmpfs of its own)
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "/var/tmp/$(basename "$DEB")" > "$WORK/upgrade.log" 2>&1 \
    || { cat "$WORK/upgrade.log"; fail "apt reinstall"; }
rm -f "$ROOT/var/tmp/$(basename "$DEB")"
[ "$(inside systemctl is-active vmswitch)" = active ] && [ "$(inside systemctl show -P MainPID vmswitch)" = "$pid" ] \
    || fail "the upgrade stopped or restarted the switch"
echo "still active, same process ($pid); NeedDaemonReload=$(inside systemctl show -P NeedDaemonReload vmswitch)"
[ "$(inside systemctl show -P NeedDaemonReload vmswitch)" = no ] || fail "systemd was not told about the new unit files"

step "systemctl stop: nothing left in hugetlbfs or DPDK's runtime directory"
inside systemctl stop vmswitch
[ "$(inside systemctl is-active vmswitch || true)" = inactive ] || fail "vmswitch did not stop"
inside journalctl -u vmswitch --no-pager -o cat | grep -E "^vmswitch: (stopp|exit)" | tail -2 || true
[ -z "$(ls -A "$PAGES")" ] || fail "hugepage files left after stop: $(ls "$PAGES")"
[ ! -e "$ROOT/var/run/dpdk/vmswitch" ] && [ ! -e "$ROOT/run/dpdk/vmswitch" ] || fail "DPDK's runtime directory left after stop"
curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" | grep -q '^vmswitch_up 0' || fail "the exporter does not say the switch is down"
echo "no hugepage files, no runtime directory; the exporter says vmswitch_up 0"

step "apt purge while both units run: they stop, and nothing of the package is left"
inside systemctl start vmswitch
[ "$(inside systemctl is-active vmswitch vmswitch-exporter | sort -u)" = active ] || fail "the units did not start again"
inside env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vmswitch > "$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "apt purge"; }
for unit in vmswitch vmswitch-exporter; do
    state=$(inside systemctl is-active "$unit" || true)
    [ "$state" != active ] || fail "$unit still runs after purge"
done
[ -z "$(ls -A "$PAGES")" ] || fail "hugepage files left after purge: $(ls "$PAGES")"
for file in /usr/bin/vmswitch /etc/vmswitch /etc/default/vmswitch /lib/systemd/system/vmswitch.service \
            /lib/systemd/system/vmswitch-exporter.service /usr/share/man/man1/vmswitch.1.gz \
            /etc/systemd/system/multi-user.target.wants/vmswitch.service; do
    [ ! -e "$ROOT$file" ] || fail "$file is left after purge"
done
! inside dpkg-query -W vmswitch >/dev/null 2>&1 || [ -z "$(inside dpkg-query -W -f='${db:Status-Status}' vmswitch | grep -v not-installed)" ] \
    || fail "dpkg still knows vmswitch"
echo "purged: units stopped; no files, no conffiles, no enablement left"

echo "PASS: the Debian package installs, runs under systemd (notify, reload, journal priorities, stop, exporter) and purges in $(elapsed)"
