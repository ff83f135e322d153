#!/bin/bash
# Boot the real Xen 4.17 + Debian dom0 under QEMU TCG, once per configuration, run the agent inside dom0 and
# bring its outputs back. Usage (from the project root, as root):
#   bash test/xenlab/run.sh [CONFIG...]     default: q35-intel-iommu-max pc-noiommu-max q35-amd-iommu-epyc q35-intel-iommu-skylake
# Environment: XENLAB_CACHE (image cache, default /var/cache/virtcap-xenlab), XENLAB_OUT (results, default
# $XENLAB_CACHE/out), XENLAB_TIMEOUT (seconds per boot, default 1200), XENLAB_COPY_FIXTURES=1 (also copy the
# small text results into test/fixtures/xenlab/<cfg>/). Configurations boot one at a time: TCG uses both cores.
# Adapted from ../shared/xenlab/run.sh and collect.sh.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=${XENLAB_CACHE:-/var/cache/virtcap-xenlab}
OUT=${XENLAB_OUT:-$C/out}
TMO=${XENLAB_TIMEOUT:-1200}
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(q35-intel-iommu-max pc-noiommu-max q35-amd-iommu-epyc q35-intel-iommu-skylake)

bash "$ROOT/test/xenlab/build-image.sh"
AGENT=$ROOT/dist/agent/virtcap-agent.cjs
[ -f "$AGENT" ] || (cd "$ROOT" && node tools/build-agent.mjs)
mkdir -p "$OUT"

NVME=(-drive file=$C/nvme.img,if=none,id=nvm,format=raw
  -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
  -device nvme-subsys,id=subsys0,nqn=xenlab
  -device nvme,serial=deadbeef,subsys=subsys0,bus=rp1,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=4
  -device nvme-ns,drive=nvm,nsid=1,shared=false)

overall=0
for cfg in "${CONFIGS[@]}"; do
  case $cfg in
    q35-intel-iommu-max)     M=(-machine q35 -cpu max -device intel-iommu,intremap=on "${NVME[@]}" -device e1000e);;
    q35-amd-iommu-epyc)      M=(-machine q35 -cpu EPYC,+svm,+npt,-monitor -device amd-iommu,intremap=on "${NVME[@]}" -device e1000e);;
    q35-intel-iommu-skylake) M=(-machine q35 -cpu Skylake-Server,-monitor -device intel-iommu,intremap=on "${NVME[@]}" -device e1000e);;
    pc-noiommu-max)          M=(-machine pc -cpu max -device e1000);;
    *) echo "unknown configuration $cfg" >&2; exit 2;;
  esac
  R=$C/runs/$cfg; D=$OUT/$cfg
  rm -rf "$R" "$D"; mkdir -p "$R" "$D"
  cp --sparse=always "$C/root.img" "$R/root.img"
  # the agent bundle and PID 1 go into this run's copy only (debugfs keeps the source file's mode)
  install -m 0755 "$ROOT/test/xenlab/dom0-init.sh" "$R/init"
  printf 'cd /opt/virtcap\nwrite %s virtcap-agent.cjs\nwrite %s init\n' "$AGENT" "$R/init" | debugfs -w -f - "$R/root.img" >/dev/null 2>&1
  debugfs -R "stat /opt/virtcap/init" "$R/root.img" 2>/dev/null | grep -q 'Mode:  *0755' || { echo "could not write /opt/virtcap/init into the image" >&2; exit 1; }
  XENARGS="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all conring_size=2M dom0_mem=1536M,max:1536M dom0_max_vcpus=2 iommu=verbose smap=0"
  DOM0ARGS="root=/dev/vda rw console=hvc0 earlyprintk=xen init=/opt/virtcap/init loglevel=7 virtcap_cfg=$cfg"
  BASE=(-accel tcg,thread=multi -m 3072 -smp 2 -display none -monitor none -nic none -no-reboot -serial file:$R/serial.raw
    -drive file=$R/root.img,if=none,id=root,format=raw,cache=unsafe -device virtio-blk-pci,drive=root
    -kernel $C/boot/xen -initrd "$C/boot/vmlinuz $DOM0ARGS,$C/boot/initrd.img" -append "$XENARGS")
  { printf '%q ' qemu-system-x86_64 "${M[@]}" "${BASE[@]}"; echo; } > "$D/qemu-cmdline.txt"
  echo "xenlab: booting $cfg (timeout ${TMO}s) ..."
  start=$(date +%s)
  set +e
  timeout "$TMO" qemu-system-x86_64 "${M[@]}" "${BASE[@]}" > "$R/qemu-stderr.log" 2>&1
  rc=$?
  set -e
  end=$(date +%s)
  echo "rc=$rc wall=$((end-start))s" > "$D/qemu-result.txt"
  sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' "$R/serial.raw" | tr -d '\000' > "$D/serial.log"
  mkdir -p "$R/files"
  debugfs -R "rdump /xenlab-out $R/files" "$R/root.img" >/dev/null 2>&1 || true
  if [ -d "$R/files/xenlab-out" ]; then cp -r "$R/files/xenlab-out/." "$D/"; fi
  rm -f "$R/root.img"   # 3 GB sparse; the results are in $D
  echo "xenlab: $cfg qemu rc=$rc wall=$((end-start))s; $(grep -c . "$D/timing.txt" 2>/dev/null || echo 0) timing lines"
  if [ -f "$D/collect-text.out" ]; then sed 's/^/  /' "$D/collect-text.out"; else echo "  no report came back (see $D/serial.log)"; overall=1; fi
  if [ "${XENLAB_COPY_FIXTURES:-0}" = 1 ] && [ -f "$D/collect-json.out" ]; then
    F=$ROOT/test/fixtures/xenlab/$cfg; rm -rf "$F"; mkdir -p "$F"
    cp -r "$D/evidence" "$F/evidence"
    cp "$D/collect-json.out" "$F/snapshot.json"; cp "$D/collect-text.out" "$F/report.txt"
    cp "$D/node-version.txt" "$D/timing.txt" "$D/qemu-result.txt" "$D/qemu-cmdline.txt" "$D/sriov.txt" "$F/" 2>/dev/null || true
  fi
done
exit $overall
