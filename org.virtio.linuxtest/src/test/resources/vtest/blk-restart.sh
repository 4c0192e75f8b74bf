# Many O_DIRECT writes in flight on /dev/vda while the host kills and restarts the vhost-user backend.
# W writers (vtest.writers, 16) run at once, each over its own area of K chunks of 256 KiB: write i of
# writer j puts slice (5j + i) mod 17 of a random 17-slice pool at chunk i mod K of its area (one dd of
# 256 KiB with conv=fsync, so each write is followed by a FLUSH). Consecutive passes over a chunk use
# different slices, so a write lost in a kill leaves data that does not match. Writers stop once the host
# writes VTEST-STOP into the control block after the areas (checked every second), but not before each
# has written its whole area once, and at the latest after vtest.passes passes. Then every chunk is read
# back after dropping the caches and compared with the slice last written there; VTEST-CHUNK lines
# (chunk, expected sha256, read sha256) and VTEST-REGION (sha256 of all areas) go to the host.
. /vtest/lib.sh
C=blk-restart
W=$(arg writers 16)
K=8
maxpass=$(arg passes 200)
CHUNK=262144
CTL=$((W * K * 64))   # the control block, in 4 KiB blocks, right after the areas
if ! wait_for $C /dev/vda 20; then result $C FAIL "no /dev/vda; virtio devices: $(virtio_devices)"; exit 0; fi
dd if=/dev/urandom of=/tmp/pool bs=$CHUNK count=17 2>/dev/null
s=0
while [ $s -lt 17 ]; do
  dd if=/tmp/pool bs=$CHUNK skip=$s count=1 2>/dev/null | sha256sum | cut -d' ' -f1 > /tmp/h$s
  s=$((s + 1))
done
rm -f /tmp/stop /tmp/fail

writer() {
  j=$1
  i=0
  while [ $i -lt $((maxpass * K)) ]; do
    [ $i -ge $K ] && [ -e /tmp/stop ] && break
    dd if=/tmp/pool of=/dev/vda bs=$CHUNK skip=$(((j * 5 + i) % 17)) seek=$((j * K + i % K)) count=1 \
      oflag=direct conv=notrunc,fsync 2>>/tmp/err$j || echo "writer $j write $i" >> /tmp/fail
    i=$((i + 1))
    echo $i > /tmp/n$j
  done
}

pids=
j=0
while [ $j -lt $W ]; do
  writer $j &
  pids="$pids $!"
  j=$((j + 1))
done
echo "VTEST-PROGRESS restart writing $W"
stopped=no
while :; do
  alive=0
  for p in $pids; do kill -0 $p 2>/dev/null && alive=$((alive + 1)); done
  [ $alive -eq 0 ] && break
  if [ $stopped = no ] && [ "$(dd if=/dev/vda bs=4096 skip=$CTL count=1 iflag=direct 2>/dev/null | head -c 10)" = VTEST-STOP ]; then
    stopped=yes
    touch /tmp/stop
  fi
  sleep 1
done
for p in $pids; do wait $p; done
total=0
j=0
while [ $j -lt $W ]; do total=$((total + $(cat /tmp/n$j 2>/dev/null || echo 0))); j=$((j + 1)); done
echo "VTEST-PROGRESS restart writers-done $total writes, stopped by host: $stopped"
if [ -s /tmp/fail ]; then
  result $C FAIL "$(wc -l < /tmp/fail) of $total writes failed: $(cat /tmp/err* | tail -2 | tr '\n' ' ') $(io_errors)"
  exit 0
fi

drop_caches
bad=0
j=0
while [ $j -lt $W ]; do
  n=$(cat /tmp/n$j)
  k=0
  while [ $k -lt $K ]; do
    # The last write to chunk k was write i = k + K * floor((n - 1 - k) / K).
    i=$((k + K * ((n - 1 - k) / K)))
    want=$(cat /tmp/h$(((j * 5 + i) % 17)))
    got=$(dd if=/dev/vda bs=$CHUNK skip=$((j * K + k)) count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    echo "VTEST-CHUNK $((j * K + k)) $want $got"
    [ "$got" = "$want" ] || bad=$((bad + 1))
    k=$((k + 1))
  done
  j=$((j + 1))
done
echo "VTEST-REGION 0 $((W * K)) $(dd if=/dev/vda bs=$CHUNK count=$((W * K)) iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
e=$(io_errors)
if [ $bad -ne 0 ]; then result $C FAIL "$bad of $((W * K)) chunks of 256 KiB differ from what was last written there"; exit 0; fi
if [ -n "$e" ]; then result $C FAIL "kernel logged I/O errors: $e"; exit 0; fi
result $C PASS "$W writers, $total O_DIRECT+fsync writes of 256 KiB, all $((W * K)) chunks read back intact"
