#!/usr/bin/env bash
# Builds virtio-test-guest and boots it under QEMU's microvm machine (PVH -kernel, virtio-mmio
# blk + rng + console, devices announced with virtio_mmio.device= on the command line).
# Exits 0 only if the serial output has "virtio-test-guest: done N/N" with every test passed and
# the console device received the guest's message.
#
# Environment:
#   ACCEL=kvm|tcg     accelerator (default: kvm if /dev/kvm is usable, falling back to tcg)
#   VTG_HOSTILE=mask  hostile cases to run (1 looping chain, 2 buffer outside RAM, 4 chain longer
#                     than the queue). Default 5: QEMU answers the looping and the long chain with
#                     NEEDS_RESET + config interrupt like our devices, but completes a buffer outside
#                     RAM through its MMIO bounce buffer instead, so case 2 is for our VMM only.
#   VTG_EXTRA         extra guest command-line words (e.g. "vtg.irq=0 vtg.user=0")
#   VTG_MODE=blkstress  run the blk write+verify load instead of the checks (QEMU's virtio-blk as the
#                     reference device) for VTG_SECONDS (default 5) guest seconds; passes when the
#                     "VTG blkstress" line reports no lost, duplicated or corrupted request
#   QEMU_TIMEOUT      seconds (default 120)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

make -s BUILD_DIR="$here/build" >/dev/null || { echo "run-under-qemu: build failed" >&2; exit 1; }
elf="$here/build/virtio-test-guest.elf"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null 2>&1
    fi
    command -v qemu-system-x86_64 >/dev/null 2>&1 || {
        echo "run-under-qemu: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2; exit 1; }
fi

tmp="$(mktemp -d /tmp/vtg-qemu.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/disk.img"

run_qemu() { # $1 = accel
    local cpu="max"
    [ "$1" = kvm ] && cpu="max,arch-capabilities=off"   # -cpu max/host abort on some KVM hosts (MSR 0x10a)
    : > "$tmp/console.out"
    timeout "${QEMU_TIMEOUT:-120}" qemu-system-x86_64 \
        -M microvm,acpi=off -accel "$1" -cpu "$cpu" -m 64 -smp 1 \
        -nodefaults -no-user-config -nographic -no-reboot -serial stdio \
        -kernel "$elf" -append "console=ttyS0 vtg.hostile=${VTG_HOSTILE:-5} ${mode_args} ${VTG_EXTRA:-}" \
        -global virtio-mmio.force-legacy=false \
        -drive id=d0,file="$tmp/disk.img",format=raw,if=none -device virtio-blk-device,drive=d0 \
        -device virtio-rng-device \
        -device virtio-serial-device -device virtconsole,chardev=c0 \
        -chardev file,id=c0,path="$tmp/console.out" \
        > "$tmp/serial.out" 2> "$tmp/qemu.err" < /dev/null
    echo "run-under-qemu: qemu -accel $1 exited with $?" >&2
}

mode_args=""
[ "${VTG_MODE:-}" = blkstress ] && mode_args="vtg.mode=blkstress vtg.seconds=${VTG_SECONDS:-5}"

accel="${ACCEL:-}"
if [ -z "$accel" ]; then
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; else accel=tcg; fi
fi
run_qemu "$accel"
if [ "$accel" = kvm ] && [ -z "${ACCEL:-}" ] && ! grep -q 'virtio-test-guest: long mode' "$tmp/serial.out"; then
    echo "run-under-qemu: no output under KVM ($(head -c 300 "$tmp/qemu.err")), retrying with TCG" >&2
    accel=tcg
    run_qemu tcg
fi

tr -d '\r' < "$tmp/serial.out"
[ -s "$tmp/qemu.err" ] && sed 's/^/qemu: /' "$tmp/qemu.err" >&2

ok=1
line="$(tr -d '\r' < "$tmp/serial.out" | grep -E '^virtio-test-guest: done [0-9]+/[0-9]+' | tail -n 1)"
if [[ "$line" =~ done\ ([0-9]+)/([0-9]+) ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
    echo "run-under-qemu: PASS ($line, accel $accel)"
else
    echo "run-under-qemu: FAIL (done line: '${line:-missing}', accel $accel)"; ok=0
fi
if [ "${VTG_MODE:-}" = blkstress ]; then
    tr -d '\r' < "$tmp/serial.out" | grep -qE '^VTG blkstress requests=[1-9][0-9]* .*lost=0 dup=0 corrupt=0 ioerr=0 badlen=0 ' \
        || { echo "run-under-qemu: FAIL blkstress summary missing or not clean"; ok=0; }
elif grep -q 'console: hello from the guest' "$tmp/console.out"; then
    echo "run-under-qemu: virtio-console received: $(cat "$tmp/console.out")"
else
    echo "run-under-qemu: FAIL virtio-console output missing"; ok=0
fi
[ "$ok" = 1 ]
