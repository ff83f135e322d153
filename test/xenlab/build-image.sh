#!/bin/bash
# Build the xenlab dom0 image once: Debian bookworm (minbase) with Debian's Xen 4.17, kernel 6.1, nodejs 18,
# pciutils, acpica-tools, dmidecode. Cached in $XENLAB_CACHE (default /var/cache/virtcap-xenlab); a second run
# returns at once. Adapted from the recipe in ../shared/xenlab/setup.sh. Needs root on Debian 12 (apt, debootstrap,
# chroot, mkfs.ext4). The agent and the init script are NOT baked in: run.sh writes them into a per-run copy.
set -eu
C=${XENLAB_CACHE:-/var/cache/virtcap-xenlab}
MIRROR=${XENLAB_MIRROR:-http://deb.debian.org/debian}
need_host() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v debugfs >/dev/null || missing+=(e2fsprogs)
  command -v zstd >/dev/null || missing+=(zstd)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" qemu-utils cpio xz-utils
  fi
}
need_host
mkdir -p "$C"
if [ -f "$C/.image-done" ] && [ -f "$C/root.img" ] && [ -f "$C/boot/xen" ]; then
  echo "xenlab image cached in $C ($(cat "$C/.image-done"))"; exit 0
fi
cd "$C"
start=$(date +%s)
rm -rf rootfs boot root.img .image-done
debootstrap --variant=minbase \
  --include=linux-image-amd64,xen-hypervisor-4.17-amd64,xen-utils-4.17,xen-utils-common,pciutils,acpica-tools,dmidecode,kmod,udev,busybox,procps,iproute2,nodejs,initramfs-tools,zstd \
  bookworm rootfs "$MIRROR"
cat > rootfs/etc/apt/sources.list <<'EOS'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOS
# a small initramfs (only what mounts /dev/vda), set before the dist-upgrade so the kernel update builds that one
sed -i 's/^MODULES=.*/MODULES=list/' rootfs/etc/initramfs-tools/initramfs.conf
printf 'virtio_pci\nvirtio_blk\next4\ncrc32c_generic\nahci\nsd_mod\n' >> rootfs/etc/initramfs-tools/modules
mount -t proc proc rootfs/proc
trap 'umount rootfs/proc 2>/dev/null || true' EXIT
chroot rootfs sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get -y -q dist-upgrade && apt-get clean'
old=$(chroot rootfs sh -c "dpkg -l 'linux-image-[0-9]*' | awk '/^ii/{print \$2}' | sort -V | head -n -1")
[ -n "$old" ] && chroot rootfs sh -c "DEBIAN_FRONTEND=noninteractive apt-get -y -q purge $old"
chroot rootfs update-initramfs -u -k all
umount rootfs/proc; trap - EXIT
mkdir -p boot
cp rootfs/boot/vmlinuz-*-amd64 boot/vmlinuz
cp rootfs/boot/initrd.img-*-amd64 boot/initrd.img
zcat rootfs/boot/xen-4.17-amd64.gz > boot/xen
chroot rootfs dpkg-query -W xen-hypervisor-4.17-amd64 nodejs linux-image-amd64 pciutils > versions.txt 2>&1 || true
mkdir -p rootfs/opt/virtcap rootfs/xenlab-out
truncate -s 3G root.img; mkfs.ext4 -q -F -L xenlabroot -d rootfs root.img
truncate -s 64M nvme.img
end=$(date +%s)
echo "built $(date -u +%FT%TZ) in $((end-start))s" > .image-done
echo "xenlab image built in $C in $((end-start))s"; cat versions.txt
