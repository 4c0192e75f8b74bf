# blk benchmark (bench/run-blk-bench.sh): fio from the read-only tools disk (ext4 labelled vtools, fio and
# its shared libraries copied from the host) against the other disk, the vhost-user one. Each job is
# framed by VTEST-BENCH-START <job> and VTEST-BENCH-DONE <job> <fields> lines, so the host can sample the
# backend's CPU time around it. Fields: read KiB, read KiB/s, read IOPS, read ms, write KiB, write KiB/s,
# write IOPS, write ms (fio's terse format v3, fields 6-9 and 47-50). Without fio: dd, sequential only.
. /vtest/lib.sh
C=bench
rt=$(arg runtime 10)
depth=$(arg depth 16)
wait_for $C /dev/vda 20; wait_for $C /dev/vdb 20
tools=; data=
# busybox-static has no blkid: read the ext4 volume name (superblock at 1024, s_volume_name at 120).
for d in vda vdb; do
  if [ "$(dd if=/dev/$d bs=1 skip=1144 count=6 2>/dev/null)" = vtools ]; then tools=/dev/$d; else data=/dev/$d; fi
done
echo "VTEST-BENCH-DISKS data=$data tools=$tools"
if [ -z "$data" ]; then result $C FAIL "no data disk; virtio devices: $(virtio_devices)"; exit 0; fi
mkdir -p /tools
if [ -n "$tools" ] && mount -t ext4 -o ro $tools /tools && [ -x /tools/bin/fio ]; then
  fio="/tools/lib64/ld-linux-x86-64.so.2 --library-path /tools/lib /tools/bin/fio"
  echo "VTEST-BENCH-TOOL $($fio --version)"
  for job in randread:4k randwrite:4k read:128k write:128k; do
    rw=${job%%:*}; bs=${job#*:}
    echo "VTEST-BENCH-START $rw-$bs"
    if ! $fio --name=$rw-$bs --filename=$data --direct=1 --ioengine=libaio --iodepth=$depth --rw=$rw --bs=$bs \
        --size=192M --runtime=$rt --time_based --thread --randrepeat=0 --minimal > /tmp/fio.out 2>/tmp/fio.err; then
      result $C FAIL "fio $rw $bs: $(tail -3 /tmp/fio.err | tr '\n' ' ')"; exit 0
    fi
    echo "VTEST-BENCH-DONE $rw-$bs $(awk -F';' '{print $6, $7, $8, $9, $47, $48, $49, $50}' /tmp/fio.out)"
  done
  result $C PASS "fio: 4 jobs of $rt s, iodepth $depth, O_DIRECT, libaio"
else
  echo "VTEST-BENCH-TOOL dd (no fio on a vtools disk)"
  ticks() { cut -d' ' -f1 /proc/uptime | tr -d .; }
  for rw in read write; do
    echo "VTEST-BENCH-START $rw-128k"
    t0=$(ticks)
    if [ $rw = read ]; then out=$(dd if=$data of=/dev/null bs=131072 count=1536 iflag=direct 2>&1)
    else out=$(dd if=/dev/zero of=$data bs=131072 count=1536 oflag=direct conv=notrunc 2>&1); fi || {
      result $C FAIL "dd $rw on $data: $out"; exit 0; }
    ms=$((($(ticks) - t0) * 10)); [ $ms -gt 0 ] || ms=1
    kib=196608; bw=$((kib * 1000 / ms)); iops=$((1536 * 1000 / ms))
    if [ $rw = read ]; then echo "VTEST-BENCH-DONE $rw-128k $kib $bw $iops $ms 0 0 0 0"
    else echo "VTEST-BENCH-DONE $rw-128k 0 0 0 0 $kib $bw $iops $ms"; fi
  done
  result $C PASS "dd fallback: sequential 128 KiB only (random 4 KiB needs fio)"
fi
