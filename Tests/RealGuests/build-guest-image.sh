#!/usr/bin/env bash
# Builds a tiny Linux guest for the real-VM test: Debian's cloud kernel (unpacked from its .deb),
# its virtio modules, and a busybox initramfs with iputils ping. Cached in $1 (default
# .build-guest/); rebuilt only when missing.
set -euo pipefail
OUT=${1:-.build-guest}
[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initramfs.cpio.gz" ] && exit 0
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$package" ] || { echo "guest image: no linux-image-*-cloud-amd64 package known to apt" >&2; exit 1; }
# A machine whose package lists were never fetched needs an update before the download.
(cd "$WORK" && { apt-get download -qq "$package" >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq "$package" >/dev/null; }; })
dpkg-deb -x "$WORK"/linux-image-*.deb "$WORK/kernel"
release=$(ls "$WORK/kernel/lib/modules")
cp "$WORK/kernel/boot/vmlinuz-$release" "$OUT/vmlinuz"

root="$WORK/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,lib/modules,usr/bin}
cp /bin/busybox "$root/bin/busybox"
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)
for module in "${modules[@]}"; do
    file=$(find "$WORK/kernel/lib/modules/$release" -name "$module.ko*" | head -1)
    [ -n "$file" ] || { echo "guest image: module $module not in the kernel package" >&2; exit 1; }
    case "$file" in
        *.xz) xz -dc "$file" > "$root/lib/modules/$module.ko" ;;
        *.zst) zstd -qdc "$file" > "$root/lib/modules/$module.ko" ;;
        *) cp "$file" "$root/lib/modules/$module.ko" ;;
    esac
done
echo "${modules[*]}" > "$root/etc/modules-order"
# iputils ping (busybox's has no -Q) and the libraries it needs.
cp /usr/bin/ping "$root/usr/bin/ping"
for library in $(ldd /usr/bin/ping | awk '/=>/{print $3} /ld-linux/{print $1}'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
cp "$HERE/guest-init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$OUT/initramfs.cpio.gz")
echo "guest image: kernel $release, $(du -h "$OUT/initramfs.cpio.gz" | cut -f1) initramfs in $OUT"
