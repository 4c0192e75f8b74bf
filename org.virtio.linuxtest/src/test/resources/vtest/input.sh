# virtio-input: finds the event device the virtio driver created, tells the host it is listening
# (VTEST-INPUT-READY), then reports every EV_KEY event it reads (VTEST-KEY <code> <value>) until it has
# vtest.keys= of them or 30 s passed. The host compares the codes with the ones it injected.
. /vtest/lib.sh
C=input
want=$(arg keys 4)
n=0
ev=
while [ -z "$ev" ] && [ $n -lt 100 ]; do
  for d in /sys/class/input/event*; do
    [ -e "$d" ] || continue
    case "$(readlink -f $d/device)" in */virtio*) ev=/dev/input/${d##*/} ;; esac
  done
  [ -n "$ev" ] || { sleep 0.2; n=$((n + 1)); }
done
if [ -z "$ev" ] || ! wait_for $C "$ev" 5; then result $C FAIL "no virtio input event device; virtio devices: $(virtio_devices); input: $(ls /sys/class/input | tr '\n' ' ')"; exit 0; fi
name=$(cat /sys/class/input/${ev##*/}/device/name 2>/dev/null)
echo "VTEST-INPUT-READY $ev $name"
# struct input_event on x86-64: 16 bytes of time, u16 type, u16 code, s32 value (24 bytes).
timeout 30 cat "$ev" | od -An -v -tu2 -w24 | {
  k=0
  while [ $k -lt "$want" ] && read s0 s1 s2 s3 s4 s5 s6 s7 type code vlo vhi; do
    # value 2 is an autorepeat the guest input core may add on a slow guest; only presses and releases count
    if [ "$type" = 1 ] && [ "$vlo" != 2 ]; then echo "VTEST-KEY $code $vlo"; k=$((k + 1)); fi
  done
  if [ $k -ge "$want" ]; then result $C PASS "$k key events from '$name' on $ev"; else result $C FAIL "only $k of $want key events from '$name' on $ev within 30 s"; fi
  kill $(pidof timeout) 2>/dev/null
}
