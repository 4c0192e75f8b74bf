# Write + verify loop on /dev/vda while the host kills and restarts the vhost-user backend: each round
# writes 1 MiB of random data with O_DIRECT, reads it back and compares. VTEST-PROGRESS restart <round>
# tells the host how far the loop is. At the end every round's extent is read again after dropping the
# caches and the region's sha256 goes to the host (VTEST-REGION), which compares it with the image.
. /vtest/lib.sh
C=blk-restart
rounds=$(arg rounds 40)
if ! wait_for $C /dev/vda 20; then result $C FAIL "no /dev/vda; virtio devices: $(virtio_devices)"; exit 0; fi
: > /tmp/map
i=0
bad=0
while [ $i -lt $rounds ]; do
  dd if=/dev/urandom of=/tmp/c bs=65536 count=16 2>/dev/null
  h=$(sha256sum /tmp/c | cut -d' ' -f1)
  if ! out=$(dd if=/tmp/c of=/dev/vda bs=65536 seek=$((i * 16)) count=16 oflag=direct conv=notrunc 2>&1); then
    result $C FAIL "round $i: write failed: $out $(io_errors)"; exit 0
  fi
  g=$(dd if=/dev/vda bs=65536 skip=$((i * 16)) count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$g" = "$h" ] || { bad=$((bad + 1)); echo "VTEST-MISMATCH round $i wrote $h read $g"; }
  echo "$i $h" >> /tmp/map
  echo "VTEST-PROGRESS restart $i"
  i=$((i + 1))
done
drop_caches
while read r h; do
  g=$(dd if=/dev/vda bs=65536 skip=$((r * 16)) count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$g" = "$h" ] || { bad=$((bad + 1)); echo "VTEST-MISMATCH final round $r wrote $h read $g"; }
done < /tmp/map
echo "VTEST-REGION 0 $rounds $(dd if=/dev/vda bs=1048576 count=$rounds iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
e=$(io_errors)
if [ $bad -ne 0 ]; then result $C FAIL "$bad mismatches over $rounds rounds of 1 MiB"; exit 0; fi
if [ -n "$e" ]; then result $C FAIL "kernel logged I/O errors: $e"; exit 0; fi
result $C PASS "$rounds rounds of 1 MiB written and read back intact across the backend restart"
