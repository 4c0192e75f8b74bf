#!/usr/bin/env bash
# Level-C blk benchmark: in the QEMU TCG guest of org.virtio.linuxtest, fio 4 KiB random read/write and
# 128 KiB sequential read/write (O_DIRECT, libaio) against a vhost-user-blk disk served by ours
# (bin/virtio-vmm vhost-user-backend --device blk) and by qemu-storage-daemon, same image, one run.
# Prints IOPS, MiB/s, the ratio ours / qemu-storage-daemon and each backend's CPU time per request
# (utime+stime from /proc/PID/stat over the job / requests completed).
#   org.virtio.linuxtest/bench/run-blk-bench.sh [RUNTIME_SECONDS_PER_JOB [IODEPTH]]
#   BACKENDS=qemu-storage-daemon,virtio-vmm ...   the order the backends run in (default ours first)
#   PROFILE=1 ...   ours only, under a JFR recording; prints the hottest frames of its threads
# Installs fio, qemu-system-x86 and qemu-system-common with apt-get when missing (as root).
# Writes the table to org.virtio.linuxtest/target/level-c/bench/results.md too.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../bin/java25-env.sh
. "$root/bin/java25-env.sh"
# shellcheck source=../../bin/ensure-packages.sh
. "$root/bin/ensure-packages.sh"
ensure_packages fio:fio qemu-system-x86_64:qemu-system-x86 qemu-storage-daemon:qemu-system-common
runtime=${1:-10}
depth=${2:-16}
module="$root/org.virtio.linuxtest"
# The launcher (bin/virtio-vmm) and the test-jar with LinuxImage must be installed; build them if not.
if [ ! -f "$root/org.virtio.launcher/target/classpath.txt" ]; then
    mvn -q -B -o -f "$root/pom.xml" install -pl org.virtio.launcher -am -DskipTests
fi
backends=${BACKENDS:-virtio-vmm,qemu-storage-daemon}
jfr=
if [ "${PROFILE:-0}" = 1 ]; then
    backends=virtio-vmm
    jfr="$module/target/level-c/bench/ours.jfr"
    rm -f "$jfr"
fi
rm -f "$module/target/level-c/bench/results.md"
mvn -q -B -o -f "$module/pom.xml" verify -Dtest=BlkBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dlevel-c.bench=true -Dlevel-c.bench.runtime="$runtime" -Dlevel-c.bench.depth="$depth" \
    -Dlevel-c.bench.backends="$backends" -Dlevel-c.bench.jfr="$jfr" \
    | grep -E '^level-C bench|^\||^Measured|not measured' || true
results="$module/target/level-c/bench/results.md"
if [ ! -s "$results" ]; then
    echo "run-blk-bench: no results; see $module/target/surefire-reports and $module/target/level-c/logs" >&2
    exit 1
fi
echo
cat "$results"
if [ -n "$jfr" ] && [ -s "$jfr" ]; then
    # Top frames of the execution samples (JFR "profile": every 10 ms per running thread).
    echo
    for ev in jdk.ExecutionSample jdk.NativeMethodSample; do
        echo "Hottest frames of our backend, $ev (top frame, then its caller; $jfr):"
        jfr print --events "$ev" --stack-depth 2 "$jfr" \
            | grep -A2 'stackTrace = \[' | grep -v -e 'stackTrace' -e '^--' | sed 's/line:.*//; s/^ *//' \
            | paste -d' ' - - | sort | uniq -c | sort -rn | head -12
        echo "samples: $(jfr print --events "$ev" "$jfr" | grep -c "$ev")"
        echo
    done
fi
