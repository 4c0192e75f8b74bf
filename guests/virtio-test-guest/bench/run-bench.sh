#!/usr/bin/env bash
# Exit-cost and blk benchmark: the virtio-test-guest in bench mode (vtg.bench=1) under our VMM
# (bin/virtio-vmm) and under QEMU (-M microvm, PVH -kernel, its own virtio-mmio blk), both on this
# host's /dev/kvm, alternating, RUNS runs each; prints a Markdown table of the medians and writes it
# to RESULTS.md beside this script (OUT=path to write elsewhere, OUT=- not at all).
#
# Environment: RUNS (default 3), N_EXITS (default 20000), N_BLK (default 2000), QEMU_CACHE
# (default writeback: QEMU's blk does pread/pwrite through the page cache, no O_DIRECT, like our
# FileChannel-based device).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
guest="$(cd "$here/.." && pwd)"
root="$(cd "$guest/../.." && pwd)"
RUNS="${RUNS:-3}"; N_EXITS="${N_EXITS:-20000}"; N_BLK="${N_BLK:-2000}"; QEMU_CACHE="${QEMU_CACHE:-writeback}"
OUT="${OUT:-$here/RESULTS.md}"

tmp="$(mktemp -d /tmp/vtg-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

make -s -C "$guest" BUILD_DIR="$tmp/guest" >/dev/null
elf="$tmp/guest/virtio-test-guest.elf"
command -v qemu-system-x86_64 >/dev/null || { echo "run-bench: qemu-system-x86_64 not found" >&2; exit 1; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "run-bench: /dev/kvm not usable" >&2; exit 1; }

# Host TSC frequency (the guests read the host TSC: same KVM, no TSC scaling requested by either VMM)
cat > "$tmp/tschz.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double w0 = now(); unsigned long long c0 = __rdtsc();
        struct timespec s = { 0, 300000000 }; nanosleep(&s, 0);
        double w1 = now(); unsigned long long c1 = __rdtsc();
        double hz = (c1 - c0) / (w1 - w0);
        if (k == 0 || hz < best) best = hz;
    }
    printf("%.0f\n", best);
    return 0;
}
C
gcc -O2 -o "$tmp/tschz" "$tmp/tschz.c"
TSC_HZ="$("$tmp/tschz")"

load_before="$(cut -d" " -f1-3 /proc/loadavg)"
args="console=ttyS0 vtg.bench=1 vtg.irq=0 vtg.bench_exits=$N_EXITS vtg.bench_blk=$N_BLK"
# timestamp every serial line with the host's monotonic clock (for the TSC cross-check)
stamp() { perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -ne '$|=1; s/\r//g; printf "%.6f %s", clock_gettime(CLOCK_MONOTONIC), $_'; }

run_ours() { # $1 = output file
    truncate -s 0 "$tmp/disk.img"; truncate -s 64M "$tmp/disk.img"
    cat > "$tmp/vm.json" <<J
{ "boot-source": { "kernel_image_path": "$elf", "boot_args": "$args" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 64 },
  "drives": [ { "drive_id": "bench0", "path_on_host": "$tmp/disk.img", "is_read_only": false } ] }
J
    timeout 120 "$root/bin/virtio-vmm" --config-file "$tmp/vm.json" < /dev/null 2> "$1.err" | stamp > "$1"
}
run_qemu() {
    truncate -s 0 "$tmp/disk.img"; truncate -s 64M "$tmp/disk.img"
    timeout 120 qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu max,arch-capabilities=off \
        -m 64 -smp 1 -nodefaults -no-user-config -nographic -no-reboot -serial stdio \
        -kernel "$elf" -append "$args" -global virtio-mmio.force-legacy=false \
        -drive id=d0,file="$tmp/disk.img",format=raw,if=none,cache="$QEMU_CACHE",aio=threads \
        -device virtio-blk-device,drive=d0 < /dev/null 2> "$1.err" | stamp > "$1" || true
}

for i in $(seq 1 "$RUNS"); do
    for vmm in ours qemu; do
        f="$tmp/$vmm.$i.out"
        "run_$vmm" "$f"
        if ! grep -q 'bench: done' "$f"; then
            echo "run-bench: $vmm run $i failed:" >&2; cat "$f" "$f.err" >&2; exit 1
        fi
        echo "run-bench: $vmm run $i ok" >&2
    done
done

jdk="$(. "$root/bin/java25-env.sh" >/dev/null 2>&1; java -version 2>&1 | head -n 1)"
python3 - "$tmp" "$RUNS" "$TSC_HZ" "$N_EXITS" "$N_BLK" "$QEMU_CACHE" "$jdk" "$(uname -r)" \
    "$(qemu-system-x86_64 --version | head -n 1)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" <<'PY' > "$tmp/table.md"
import sys, statistics, re
tmp, runs, tsc_hz, n_exits, n_blk, cache, jdk, kernel, qemu, cpu, ncpu = sys.argv[1:]
n_blk = int(n_blk)
runs = int(runs); tsc_hz = float(tsc_hz)
metrics = ["pio_exit", "mmio_exit", "mmio_exit_cpl3", "blk_write_4k", "blk_read_4k"]
data = {v: {m: [] for m in metrics} for v in ("ours", "qemu")}
calib = {v: [] for v in data}
for v in data:
    for i in range(1, runs + 1):
        begin = end = None
        for line in open(f"{tmp}/{v}.{i}.out"):
            parts = line.split()
            if len(parts) < 3 or parts[1] != "bench:": continue
            if parts[2] in ("begin", "end"):
                val = (float(parts[0]), int(parts[4]))
                if parts[2] == "begin": begin = val
                else: end = val
            elif parts[2] in metrics:
                ticks, n = int(parts[4]), int(parts[6])
                data[v][parts[2]].append(ticks / n / tsc_hz * 1e9)   # ns per op
        if begin and end:
            calib[v].append((end[1] - begin[1]) / (end[0] - begin[0]))
def med(xs): return statistics.median(xs) if xs else float("nan")
desc = {
    "pio_exit": "`outb` to the 16550 scratch register 0x3ff, CPL0 (PIO exit to the VMM's user space)",
    "mmio_exit": "32-bit read of the blk device's virtio-mmio MagicValue, CPL0 (MMIO exit to user space)",
    "mmio_exit_cpl3": "the same MMIO read from a loop at CPL3",
    "blk_write_4k": "one 4 KiB virtio-blk OUT request (3 descriptors), notify, poll the used ring",
    "blk_read_4k": "one 4 KiB virtio-blk IN request, notify, poll the used ring",
}
print("| metric | ours (µs/op) | QEMU (µs/op) | QEMU/ours (>1: ours faster) | ours ops/s | QEMU ops/s | what one op is |")
print("|---|---:|---:|---:|---:|---:|---|")
for m in metrics:
    o, q = med(data["ours"][m]), med(data["qemu"][m])
    print(f"| {m} | {o/1000:.2f} | {q/1000:.2f} | {q/o:.2f} | {1e9/o:,.0f} | {1e9/q:,.0f} | {desc[m]} |")
print()
spread = "; ".join(f"{m}: ours " + "/".join(f"{x/1000:.1f}" for x in data['ours'][m]) + ", QEMU " + "/".join(f"{x/1000:.1f}" for x in data['qemu'][m]) for m in metrics)
print("Notes:")
print(f"- Convention: times are medians of {runs} runs per VMM (runs alternate ours, QEMU); ratio = QEMU time / our time, so **> 1 means our VMM is faster**, < 1 slower. ops/s = 1 / median time.")
print(f"- Per-run µs/op: {spread}.")
print(f"- Timing: the guest counts TSC ticks around each loop ({n_exits} PIO and MMIO ops, {n_blk} blk writes then {n_blk} blk reads) and prints ticks and op count; the script converts with the host TSC rate measured against CLOCK_MONOTONIC ({tsc_hz/1e9:.4f} GHz). Cross-check: the host timestamps the guest's `bench: begin/end tsc` serial lines; TSC ticks per wall second between them were " + ", ".join(f"{v} " + "/".join(f"{c/1e9:.3f}" for c in calib[v]) + " GHz" for v in calib) + " (includes serial output latency, so slightly off but it confirms the guest TSC runs at the host rate in both VMMs).")
print("- Guest: guests/virtio-test-guest with `vtg.bench=1 vtg.irq=0` (used rings polled, no interrupts: this measures the device path, not interrupt delivery), 1 vCPU, 64 MiB RAM; loops run at CPL0 except `mmio_exit_cpl3`; each time includes its loop overhead (the same guest code under both VMMs). On this PVM KVM guest code at CPL0 is emulated, so the absolute numbers are dominated by KVM itself; the VMM's share is the difference between the columns.")
print(f"- blk: a fresh sparse 64 MiB raw image per run; requests sequential over the first {n_blk*4} KiB, writes first, then reads of the same blocks (page-cache hits on the host). Ours: FileChannel positional I/O through the page cache, no fsync; QEMU: `-drive format=raw,cache={cache},aio=threads` (page cache, no O_DIRECT; the guest sends no FLUSH). QEMU notifies through its ioeventfd on virtio-mmio QueueNotify as we do.")
print("- QEMU: `-M microvm,acpi=off -accel kvm -cpu max,arch-capabilities=off -global virtio-mmio.force-legacy=false -device virtio-blk-device` (QEMU can use this KVM, so no TCG / plain-C floor comparison was needed).")
print(f"- Host: {cpu}, {ncpu} CPUs, kernel {kernel}, /dev/kvm is PVM (software, nested); {qemu}; {jdk}.")
PY
cp_file="$root/org.virtio.launcher/target/classpath.txt"
if [ -f "$cp_file" ]; then
    kvm_jar="$(tr ':' '\n' < "$cp_file" | grep -m1 'org.virtio.kvm' || true)"
    echo "- Ours: \`bin/virtio-vmm\` as built at run time; its class path takes the other modules from the local Maven repository (org.virtio.kvm jar dated $(date -u -r "$kvm_jar" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo unknown))." >> "$tmp/table.md"
fi
echo "- Noise: the host is shared (load average $load_before before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after, on $(nproc) CPUs); single runs of the same VMM vary by up to several times (most of all blk_write), and a median of 3 can change from one invocation to the next: read the ratios as the same order as QEMU unless they repeat, and look at the per-run values." >> "$tmp/table.md"
cat "$tmp/table.md"
if [ "$OUT" != "-" ]; then
    { echo "# virtio-test-guest benchmark: our VMM vs QEMU microvm on the same KVM"; echo
      echo "Produced by \`guests/virtio-test-guest/bench/run-bench.sh\` on $(date -u +%Y-%m-%d)."; echo
      cat "$tmp/table.md"; } > "$OUT"
    echo "run-bench: wrote $OUT" >&2
fi
