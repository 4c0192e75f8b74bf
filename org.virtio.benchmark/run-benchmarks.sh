#!/usr/bin/env bash
# Runs the virtqueue benchmarks: the JMH benchmark (with -prof gc) and the C reference
# (src/main/c/ring_bench.c, gcc -O2) over the same parameter grid, one after the other in one run,
# and writes the Markdown table to RESULTS.md (Java chains/s, C chains/s, ratio, Java B/op).
# Also runs RawSplitRingBenchmark, a diagnostic floor (the C loop ported to plain FFM Java), as the
# table's last column. Not part of the normal build or test run. Takes about 4 minutes on 2 cores.
#
# Environment overrides: JMH_ARGS (default "-f 1 -wi 3 -w 1s -i 5 -r 1s"),
#                        C_ARGS   (warm-up iterations, seconds per iteration, iterations; default "3 1 5"),
#                        RESULTS  (output file, default RESULTS.md beside this script),
#                        RESULTS_NOTES (a Markdown file appended to the results; default NOTES.md beside this script).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=../bin/java25-env.sh
. "$root/bin/java25-env.sh"

for tool in gcc jq; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done

JMH_ARGS=${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}
C_ARGS=${C_ARGS:-3 1 5}
RESULTS=${RESULTS:-$here/RESULTS.md}
RESULTS_NOTES=${RESULTS_NOTES:-$here/NOTES.md}
out="$here/target/bench"
mkdir -p "$out"

echo "== building (mvn -q -pl org.virtio.benchmark -am package -DskipTests)"
(cd "$root" && mvn -q -pl org.virtio.benchmark -am package -DskipTests)

echo "== compiling the C reference (gcc -O2)"
gcc -O2 -Wall -o "$out/ring_bench" "$here/src/main/c/ring_bench.c" -lm

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

jmh_cmd="java --sun-misc-unsafe-memory-access=allow -jar org.virtio.benchmark/target/benchmarks.jar 'VirtQueueBenchmark|RawSplitRingBenchmark' $JMH_ARGS -prof gc -rf json -rff org.virtio.benchmark/target/bench/jmh.json"
c_cmd="gcc -O2 -Wall -o org.virtio.benchmark/target/bench/ring_bench org.virtio.benchmark/src/main/c/ring_bench.c -lm && org.virtio.benchmark/target/bench/ring_bench $C_ARGS"
echo "== JMH: $jmh_cmd"
# shellcheck disable=SC2086
java --sun-misc-unsafe-memory-access=allow -jar "$here/target/benchmarks.jar" 'VirtQueueBenchmark|RawSplitRingBenchmark' $JMH_ARGS -prof gc \
    -rf json -rff "$out/jmh.json" | tee "$out/jmh.log"

echo "== C reference: ring_bench $C_ARGS"
# shellcheck disable=SC2086
"$out/ring_bench" $C_ARGS 2> "$out/c-iterations.log" | tee "$out/c.txt"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# One line per configuration: format descs batch score error alloc_norm
jq -r '.[] | select(.benchmark | endswith("VirtQueueBenchmark.chains"))
             | [.params.format, .params.descriptors, .params.batch, .primaryMetric.score,
                .primaryMetric.scoreError, (.secondaryMetrics["gc.alloc.rate.norm"].score // "NaN")] | @tsv' \
    "$out/jmh.json" | sort -t $'\t' -k1,1r -k2,2n -k3,3n > "$out/java.tsv"
# The diagnostic floor (split only): descs batch score
jq -r '.[] | select(.benchmark | endswith("RawSplitRingBenchmark.chains"))
             | [.params.descriptors, .params.batch, .primaryMetric.score] | @tsv' "$out/jmh.json" > "$out/floor.tsv"
awk '$1 == "RESULT" { print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 }' "$out/c.txt" > "$out/c.tsv"

java_version=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n '2p')
gcc_version=$(gcc --version | head -n 1)
cpu=$(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //')
cpus=$(nproc)

{
    echo "# Virtqueue benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- JDK: $java_version (JAVA_HOME=$JAVA_HOME)"
    echo "- gcc: $gcc_version, \`gcc -O2\`"
    echo "- CPU: $cpu ($cpus CPUs); load average before/after: $load_before / $load_after"
    echo "- Command: \`org.virtio.benchmark/run-benchmarks.sh\` (JMH_ARGS=\"$JMH_ARGS\", C_ARGS=\"$C_ARGS\"), which runs, from the repository root:"
    echo "  1. \`mvn -q -pl org.virtio.benchmark -am package -DskipTests\`"
    echo "  2. \`$jmh_cmd\`"
    echo "  3. \`$c_cmd\` (arguments: warm-up iterations, seconds per iteration, measured iterations)"
    echo
    echo "One operation = one descriptor chain popped by the device, validated (ring index, head/next in"
    echo "range, loop bound, no indirect, no zero length, readable before writable, every buffer"
    echo "bounds-checked against guest RAM), added to the used ring; per batch of B chains the in-process"
    echo "driver adds B chains, the device pops B, adds B used and flushes once (one publish, one fence,"
    echo "one notification check), then the driver reaps B — the driver's work is inside the measured loop"
    echo "on both sides. Chains: 1 descriptor = one device-writable 4 KiB buffer; 3 descriptors = one"
    echo "device-readable 4 KiB buffer + two device-writable 4 KiB buffers. **The device touches no payload"
    echo "byte** (it only reports the writable length as written). Queue size 256, features VERSION_1"
    echo "(+ RING_PACKED), no EVENT_IDX / INDIRECT_DESC; Java: \`GuestRam\` anonymous memory,"
    echo "\`VirtQueues.open\`, the core's \`SplitQueueDriver\`/\`PackedQueueDriver\`, no-op notifier, a failure"
    echo "handler that throws; C: an aligned malloc'd block, the same ring layout and the same steps."
    echo "Java error = JMH 99.9% confidence half-width; C error computed the same way over its iterations."
    echo "The last column is a diagnostic floor, \`RawSplitRingBenchmark\`: the C loop ported line by line to"
    echo "Java over one \`MemorySegment\` with none of the core's abstractions (split only)."
    echo
    echo "| format | descs | batch | Java chains/s | C chains/s | ratio Java/C | Java B/op | raw FFM port chains/s (ratio to C) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r fmt descs batch score err norm; do
        c_line=$(awk -F'\t' -v f="$fmt" -v d="$descs" -v b="$batch" '$1 == f && $2 == d && $3 == b' "$out/c.tsv")
        c_score=$(echo "$c_line" | cut -f4)
        c_err=$(echo "$c_line" | cut -f5)
        floor=""
        if [ "$fmt" = SPLIT ]; then
            floor=$(awk -F'\t' -v d="$descs" -v b="$batch" '$1 == d && $2 == b { print $3 }' "$out/floor.tsv")
        fi
        awk -v f="$fmt" -v d="$descs" -v b="$batch" -v s="$score" -v e="$err" -v cs="$c_score" \
            -v ce="$c_err" -v n="$norm" -v fl="$floor" 'BEGIN {
                ratio = (cs > 0) ? sprintf("%.2f", s / cs) : "n/a";
                bop = (n == "NaN") ? "n/a" : sprintf("%.3f", n);
                fcol = (fl != "" && cs > 0) ? sprintf("%.2fM (%.2f)", fl / 1e6, fl / cs) : "—";
                printf "| %s | %d | %d | %.2fM ± %.2fM | %.2fM ± %.2fM | %s | %s | %s |\n",
                       f, d, b, s / 1e6, e / 1e6, cs / 1e6, ce / 1e6, ratio, bop, fcol }'
    done < "$out/java.tsv"
    echo
    echo "Raw outputs: \`org.virtio.benchmark/target/bench/\` (jmh.log, jmh.json, c.txt, c-iterations.log)."
} > "$RESULTS.tmp"

if [ -n "${RESULTS_NOTES:-}" ] && [ -f "$RESULTS_NOTES" ]; then
    { echo; cat "$RESULTS_NOTES"; } >> "$RESULTS.tmp"
fi
mv "$RESULTS.tmp" "$RESULTS"
echo
cat "$RESULTS"
