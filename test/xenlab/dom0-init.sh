#!/bin/sh
# PID 1 of the xenlab dom0 (written into a per-run copy of the image by run.sh as /opt/virtcap/init).
# Brings up the Xen toolstack the way a minimal dom0 does, enables the SR-IOV VFs of every PF that offers
# them, runs the real agent bundle (Debian's node 18) and writes everything to /xenlab-out, which run.sh
# reads back from the disk image with debugfs. Progress goes to hvc0 (the serial log) as "XENLAB:" lines.
# Adapted from ../shared/xenlab/xenlab-init and xenlab-extra.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw / 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
# the kernel passes unknown "name=value" boot parameters to init as environment variables
CFG=${virtcap_cfg:-unknown}
O=/xenlab-out; rm -rf $O; mkdir -p $O
echo "XENLAB: dom0 init start cfg=$CFG uptime=$(up)"
echo "init_start=$(up)" > $O/timing.txt
mkdir -p /run/xen /var/run/xen /var/log/xen /var/lib/xen /var/lib/xenstored /var/lib/virtcap
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-pciback xen-acpi-processor; do modprobe $m 2>&1; done
mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen
/lib/systemd/systemd-udevd --daemon 2>/dev/null && udevadm trigger --action=add && udevadm settle -t 60
/usr/sbin/xenstored --pid-file /run/xen/xenstored.pid 2>&1
sleep 1
/usr/lib/xen-4.17/bin/xen-init-dom0 2>&1
echo "toolstack_ready=$(up)" >> $O/timing.txt
echo "XENLAB: xen toolstack ready uptime=$(up)"
dmesg -n 1
# SR-IOV: enable 2 VFs on every PF that offers VFs (QEMU's NVMe offers 2), before the agent looks.
for d in /sys/bus/pci/devices/*; do
  [ -r $d/sriov_totalvfs ] || continue
  echo 2 > $d/sriov_numvfs 2>>$O/sriov.txt
  echo "$(basename $d) totalvfs=$(cat $d/sriov_totalvfs) numvfs=$(cat $d/sriov_numvfs)" >> $O/sriov.txt
done
sleep 3
echo "XENLAB: sriov $(cat $O/sriov.txt 2>/dev/null | tr '\n' ' ')"
node --version > $O/node-version.txt 2>&1
echo "XENLAB: node $(cat $O/node-version.txt)"
A="node /opt/virtcap/virtcap-agent.cjs"
ID="--hostname xenlab-$CFG --machine-id xenlab-$CFG --labels lab=xenlab,config=$CFG --state-dir /var/lib/virtcap"
step() { # name, command: stdout/stderr to $O/NAME.{out,err}, exit code and uptimes to timing.txt
  n=$1; shift
  echo "XENLAB: $n start uptime=$(up)"
  s=$(up); sh -c "$*" > $O/$n.out 2> $O/$n.err; r=$?
  echo "$n rc=$r start=$s end=$(up)" >> $O/timing.txt
  echo "XENLAB: $n rc=$r uptime=$(up)"
}
step capture "$A capture --out $O/evidence $ID"
step collect-json "$A collect --dry-run $ID"
step collect-text "$A collect --dry-run --format text $ID"
echo "XENLAB: ===== report ($CFG) ====="; cat $O/collect-text.out; echo "XENLAB: ===== end report ====="
echo "done=$(up)" >> $O/timing.txt
echo "XENLAB: done uptime=$(up)"
sync
echo o > /proc/sysrq-trigger
sleep 30
poweroff -f
