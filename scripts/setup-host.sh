#!/usr/bin/env bash
# Prepares a Debian 12 host for vmswitch: DPDK 22.11 from Debian, and 2 MiB hugepages.
# Idempotent: installs only what is missing, reserves pages only when fewer are reserved.
set -euo pipefail

PACKAGES=(dpdk dpdk-dev libdpdk-dev libnuma-dev libsystemd-dev pkg-config)
HUGEPAGES=${VMSWITCH_HUGEPAGES:-1024}
PAGES_FILE=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "setup: '$*' needs root (run as root or install sudo)" >&2; exit 1
    fi
}

missing=()
for package in "${PACKAGES[@]}" ${EXTRA_PACKAGES:-}; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # Package scripts must not start services (libvirtd, prometheus): the tests start their own.
    # A policy-rc.d that refuses is put in place for the install only, unless one exists.
    policy=/usr/sbin/policy-rc.d
    added_policy=
    if [ ! -e "$policy" ]; then
        # Removed however this script ends (a failed update, Ctrl-C): left behind, it would keep
        # every later package from starting its service.
        trap '[ -z "$added_policy" ] || as_root rm -f "$policy"' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        added_policy=1
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod 755 "$policy"
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -z "$added_policy" ] || as_root rm -f "$policy"
    added_policy=
fi

if [ -w "$PAGES_FILE" ] || [ "$(id -u)" -ne 0 ]; then
    current=$(cat "$PAGES_FILE")
    if [ "$current" -lt "$HUGEPAGES" ]; then
        echo "setup: reserving $HUGEPAGES hugepages of 2 MiB (had $current)"
        echo "$HUGEPAGES" | as_root tee "$PAGES_FILE" >/dev/null
        current=$(cat "$PAGES_FILE")
        [ "$current" -ge "$HUGEPAGES" ] || echo "setup: warning: only $current hugepages could be reserved" >&2
    fi
else
    echo "setup: cannot write $PAGES_FILE (a container without /sys access?)" >&2
    exit 1
fi
if ! grep -q "^[^ ]* /dev/hugepages hugetlbfs" /proc/mounts; then
    echo "setup: mounting hugetlbfs at /dev/hugepages"
    as_root mkdir -p /dev/hugepages
    as_root mount -t hugetlbfs nodev /dev/hugepages
fi

command -v swift >/dev/null 2>&1 || { echo "setup: swift is not installed (Swift 6.x toolchain needed)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null 2>&1 || { echo "setup: dpdk-testpmd missing after install" >&2; exit 1; }
