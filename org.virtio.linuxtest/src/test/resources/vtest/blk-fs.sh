# blk filesystem round trip on /dev/vda, which the host formatted with mkfs.ext4: mount, write files of
# many sizes and a directory of small files, sync, unmount, drop the caches, mount again read-only and
# check every checksum. The sums also go to the host (VTEST-SUM), which reads the same files out of
# the image with debugfs after e2fsck -fn.
. /vtest/lib.sh
C=blk-fs
if ! wait_for $C /dev/vda 20; then result $C FAIL "no /dev/vda; virtio devices: $(virtio_devices)"; exit 0; fi
mkdir -p /mnt
if ! out=$(mount -t ext4 /dev/vda /mnt 2>&1); then result $C FAIL "mount -t ext4 /dev/vda: $out $(dmesg | tail -3 | tr '\n' ' ')"; exit 0; fi
i=0
for kib in 1 3 4 17 64 129 512 1024 3000 4096; do
  i=$((i + 1))
  dd if=/dev/urandom of=/mnt/f$i bs=1024 count=$kib 2>/dev/null
done
mkdir /mnt/small
n=0
while [ $n -lt 200 ]; do echo "small file $n $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /mnt/small/s$n; n=$((n + 1)); done
(cd /mnt && sha256sum f* small/* > /tmp/sums)
cp /tmp/sums /mnt/SUMS
sync
if ! out=$(umount /mnt 2>&1); then result $C FAIL "umount: $out"; exit 0; fi
drop_caches
if ! out=$(mount -t ext4 -o ro /dev/vda /mnt 2>&1); then result $C FAIL "remount: $out"; exit 0; fi
if ! out=$(cd /mnt && sha256sum -c /tmp/sums 2>&1); then
  result $C FAIL "checksums differ after remount: $(echo "$out" | grep -v ': OK' | head -3 | tr '\n' ' ')"
  umount /mnt; exit 0
fi
umount /mnt
grep -E ' f[0-9]+$' /tmp/sums | while read h f; do echo "VTEST-SUM $f $h"; done
e=$(io_errors)
if [ -n "$e" ]; then result $C FAIL "kernel logged I/O errors: $e"; exit 0; fi
result $C PASS "$(wc -l < /tmp/sums) files written, checksums match after umount + drop_caches + remount"
