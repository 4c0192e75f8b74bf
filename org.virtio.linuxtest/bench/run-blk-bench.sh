#!/usr/bin/env bash
# Level-C blk benchmark: in the QEMU TCG guest of org.virtio.linuxtest, fio 4 KiB random read/write and
# 128 KiB sequential read/write (O_DIRECT, libaio) against a vhost-user-blk disk served by ours
# (bin/virtio-vmm vhost-user-backend --device blk) and by qemu-storage-daemon, same image, one run.
# Prints IOPS, MiB/s, the ratio ours / qemu-storage-daemon and each backend's CPU time per request
# (utime+stime from /proc/PID/stat over the job / requests completed).
#   org.virtio.linuxtest/bench/run-blk-bench.sh [RUNTIME_SECONDS_PER_JOB [IODEPTH]]
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
rm -f "$module/target/level-c/bench/results.md"
mvn -q -B -o -f "$module/pom.xml" verify -Dtest=BlkBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dlevel-c.bench=true -Dlevel-c.bench.runtime="$runtime" -Dlevel-c.bench.depth="$depth" \
    | grep -E '^level-C bench|^\||^Measured|not measured' || true
results="$module/target/level-c/bench/results.md"
if [ ! -s "$results" ]; then
    echo "run-blk-bench: no results; see $module/target/surefire-reports and $module/target/level-c/logs" >&2
    exit 1
fi
echo
cat "$results"
