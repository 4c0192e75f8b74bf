# Write + verify loop on /dev/vda while the host kills and restarts the vhost-user backend. Each round
# makes 1 MiB of random data (4 extents of 256 KiB, hashed first), prints VTEST-PROGRESS restart <round>
# and at once writes the 4 extents with 4 concurrent O_DIRECT dd of 4 KiB blocks (several requests in
# flight, so a kill right after the marker lands in the middle of I/O), then reads each extent back and
# compares. A background writer rewrites one known MiB at 48 MiB all along. At the end every extent is read again after dropping the caches and the region's sha256
# goes to the host (VTEST-REGION), which compares it with the image.
. /vtest/lib.sh
C=blk-restart
rounds=$(arg rounds 40)
if ! wait_for $C /dev/vda 20; then result $C FAIL "no /dev/vda; virtio devices: $(virtio_devices)"; exit 0; fi
: > /tmp/map
# A background writer keeps 4 KiB O_DIRECT writes of one known MiB going at 48 MiB the whole time, so
# whenever the host kills the backend some request is in flight.
dd if=/dev/urandom of=/tmp/bg bs=65536 count=16 2>/dev/null
bgsum=$(sha256sum /tmp/bg | cut -d' ' -f1)
echo "VTEST-BGSUM $bgsum"
( while [ ! -e /tmp/stop ]; do
    dd if=/tmp/bg of=/dev/vda bs=4096 seek=12288 count=256 oflag=direct conv=notrunc 2>>/tmp/bgerr || echo x >> /tmp/bgfail
  done ) &
bgpid=$!
i=0
bad=0
while [ $i -lt $rounds ]; do
  for j in 0 1 2 3; do
    dd if=/dev/urandom of=/tmp/c$j bs=65536 count=4 2>/dev/null
    echo "$((i * 256 + j * 64)) $(sha256sum /tmp/c$j | cut -d' ' -f1)" >> /tmp/map
  done
  echo "VTEST-PROGRESS restart $i"
  pids=
  for j in 0 1 2 3; do
    dd if=/tmp/c$j of=/dev/vda bs=4096 seek=$((i * 256 + j * 64)) count=64 oflag=direct conv=notrunc 2>/tmp/err$j &
    pids="$pids $!"
  done
  w=0
  for p in $pids; do wait $p || w=$((w + 1)); done
  if [ $w -ne 0 ]; then result $C FAIL "round $i: $w of 4 writes failed: $(cat /tmp/err* | tr '\n' ' ') $(io_errors)"; exit 0; fi
  for j in 0 1 2 3; do
    g=$(dd if=/dev/vda bs=4096 skip=$((i * 256 + j * 64)) count=64 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$g" = "$(sha256sum /tmp/c$j | cut -d' ' -f1)" ] || { bad=$((bad + 1)); echo "VTEST-MISMATCH round $i extent $j"; }
  done
  i=$((i + 1))
done
touch /tmp/stop
wait $bgpid
if [ -s /tmp/bgfail ]; then result $C FAIL "$(wc -l < /tmp/bgfail) background writes failed: $(tail -2 /tmp/bgerr | tr '\n' ' ') $(io_errors)"; exit 0; fi
drop_caches
g=$(dd if=/dev/vda bs=4096 skip=12288 count=256 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$g" = "$bgsum" ] || { bad=$((bad + 1)); echo "VTEST-MISMATCH background MiB at 48 MiB wrote $bgsum read $g"; }
while read blk h; do
  g=$(dd if=/dev/vda bs=4096 skip=$blk count=64 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$g" = "$h" ] || { bad=$((bad + 1)); echo "VTEST-MISMATCH extent at block $blk wrote $h read $g"; }
done < /tmp/map
echo "VTEST-REGION 0 $rounds $(dd if=/dev/vda bs=1048576 count=$rounds iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
e=$(io_errors)
if [ $bad -ne 0 ]; then result $C FAIL "$bad of $((rounds * 4)) extents of 256 KiB differ"; exit 0; fi
if [ -n "$e" ]; then result $C FAIL "kernel logged I/O errors: $e"; exit 0; fi
result $C PASS "$rounds rounds of 4 concurrent 256 KiB O_DIRECT writes intact across the backend restarts"
