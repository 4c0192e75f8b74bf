# virtio-rng: the kernel picks virtio_rng as the current hwrng; reads of /dev/hwrng succeed, return
# what was asked and two reads differ.
. /vtest/lib.sh
C=rng
if ! wait_for $C /dev/hwrng 20; then result $C FAIL "no /dev/hwrng; virtio devices: $(virtio_devices)"; exit 0; fi
cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case "$cur" in virtio_rng*) ;; *) result $C FAIL "current hwrng is '$cur', not virtio_rng (available: $(cat /sys/class/misc/hw_random/rng_available 2>/dev/null))"; exit 0 ;; esac
# timeout: a device that never answers must give a FAIL line, not a guest that hangs.
a=$(timeout 20 dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
b=$(timeout 20 dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
big=$(timeout 30 dd if=/dev/hwrng bs=4096 count=16 iflag=fullblock 2>/dev/null | wc -c)
if [ ${#a} -ne 128 ] || [ ${#b} -ne 128 ]; then result $C FAIL "short reads: ${#a}/2 and ${#b}/2 bytes of 64"; exit 0; fi
if [ "$a" = "$b" ]; then result $C FAIL "two 64-byte reads are equal: $a"; exit 0; fi
if [ "$big" -ne 65536 ]; then result $C FAIL "a 64 KiB read returned $big bytes"; exit 0; fi
result $C PASS "$cur: two 64-byte reads differ ($(echo $a | cut -c1-16)... vs $(echo $b | cut -c1-16)...), 64 KiB read whole"
