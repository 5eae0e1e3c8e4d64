#!/usr/bin/env bash
# Builds the two-node guest's initramfs: busybox, numactl, dpdk-testpmd (the stand-in VMs), the
# statically linked vmswitch, the DPDK libraries with Debian's symlink chains kept (a flat copy
# would load the vdev bus twice) and only the PMD plugins the test uses, and $3 (the test's data)
# under /test. The kernel comes from Tests/RealGuests/build-guest-image.sh.
# Usage: build-numa-image.sh OUT_DIR VMSWITCH_STATIC_BINARY TEST_DATA_DIR
set -euo pipefail
OUT=$1 VMSWITCH=$2 DATA=$3
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/../RealGuests/build-guest-image.sh" "$OUT" >/dev/null
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
root="$WORK/root"
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,run,test,usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,var/run}
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

# Copies a file, recreating every symlink on the way to it.
copy() {
    local path=$1
    while [ -L "$path" ]; do
        local target dir
        target=$(readlink "$path")
        dir=$(dirname "$path")
        mkdir -p "$root$dir"
        [ -e "$root$path" ] || [ -L "$root$path" ] || ln -s "$target" "$root$path"
        case "$target" in /*) path=$target ;; *) path="$dir/$target" ;; esac
        path=$(realpath -s "$path")
    done
    mkdir -p "$root$(dirname "$path")"
    [ -e "$root$path" ] || cp "$path" "$root$path"
}
libraries() { ldd "$1" | awk '/=>/ && $3 ~ /^\// {print $3} /^\t\/lib/ {print $1}'; }

package=$(cd "$WORK" && { apt-get download -qq numactl 2>/dev/null || { apt-get update -qq && apt-get download -qq numactl; }; } && ls numactl_*.deb)
dpkg-deb -x "$WORK/$package" "$WORK/numactl"
cp "$WORK/numactl/usr/bin/numactl" "$root/usr/bin/numactl"
cp /bin/busybox "$root/bin/busybox"
cp "$VMSWITCH" "$root/usr/bin/vmswitch"
cp /usr/bin/dpdk-testpmd "$root/usr/bin/dpdk-testpmd"
plugins=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
for name in net_vhost net_virtio net_pcap net_null bus_vdev mempool_ring; do
    for file in "$plugins"/librte_"$name".so*; do copy "$file"; done
done
for binary in "$root/usr/bin/numactl" "$VMSWITCH" /usr/bin/dpdk-testpmd "$plugins"/librte_{net_vhost,net_virtio,net_pcap,net_null,bus_vdev,mempool_ring}.so.23.0; do
    for library in $(libraries "$binary"); do copy "$library"; done
done
# Debian's top-level links to the plugins (librte_bus_dpaa.so.23 -> dpdk/pmds-23.0/...): the
# linker finds a plugin's dependencies through them.
for file in "$root$plugins"/*; do
    name=$(basename "$file")
    [ -e "/usr/lib/x86_64-linux-gnu/$name" ] && copy "/usr/lib/x86_64-linux-gnu/$name"
done
copy /usr/lib/x86_64-linux-gnu/libgcc_s.so.1   # dlopen()ed by glibc for pthread_cancel
cp -r "$DATA"/. "$root/test/"
cp "$HERE/numa-init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$OUT/numa-initramfs.cpio.gz")
echo "numa image: $(du -h "$OUT/numa-initramfs.cpio.gz" | cut -f1) initramfs in $OUT"
