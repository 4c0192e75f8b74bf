# Verify workload on the raw region of /dev/vda beyond the filesystem (vtest.off= MiB, 32 MiB long):
# 64 writes of 4..128 KiB of random data at scattered 4 KiB-aligned offsets with O_DIRECT, then, after
# dropping the caches, every extent read back and compared with its sha256; finally the whole region's
# sha256 (VTEST-REGION), which the host compares with the image file.
. /vtest/lib.sh
C=blk-verify
off=$(arg off 48)
if ! wait_for $C /dev/vda 20; then result $C FAIL "no /dev/vda; virtio devices: $(virtio_devices)"; exit 0; fi
base=$((off * 256))   # in 4 KiB blocks
: > /tmp/map
i=0
while [ $i -lt 64 ]; do
  pos=$((base + i * 128 + (i * 37) % 64))
  n=$(((i * 13) % 32 + 1))
  dd if=/dev/urandom of=/tmp/c bs=4096 count=$n 2>/dev/null
  h=$(sha256sum /tmp/c | cut -d' ' -f1)
  if ! out=$(dd if=/tmp/c of=/dev/vda bs=4096 seek=$pos count=$n oflag=direct conv=notrunc 2>&1); then
    result $C FAIL "write of $n blocks at block $pos: $out"; exit 0
  fi
  echo "$pos $n $h" >> /tmp/map
  i=$((i + 1))
done
drop_caches
bad=0
while read pos n h; do
  g=$(dd if=/dev/vda bs=4096 skip=$pos count=$n iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$g" != "$h" ]; then bad=$((bad + 1)); echo "VTEST-MISMATCH block $pos count $n wrote $h read $g"; fi
done < /tmp/map
echo "VTEST-REGION $off 32 $(dd if=/dev/vda bs=1048576 skip=$off count=32 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
e=$(io_errors)
if [ $bad -ne 0 ]; then result $C FAIL "$bad of 64 extents read back differently"; exit 0; fi
if [ -n "$e" ]; then result $C FAIL "kernel logged I/O errors: $e"; exit 0; fi
result $C PASS "64 extents (4..128 KiB, O_DIRECT) at scattered offsets read back intact"
