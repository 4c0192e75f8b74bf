# virtio-input: finds the event device the virtio driver created, tells the host it is listening
# (VTEST-INPUT-READY), then reports every EV_KEY press/release it reads (VTEST-KEY <code> <value>) until it
# has vtest.keys= of them (check "input"). Then the LED path: it writes EV_LED LED_CAPSL 1 to the event
# device (the virtio_input driver sends it on the statusq), says VTEST-LED-SENT, and waits for the host's
# acknowledgement, one more key press and release (VTEST-ACK lines, check "input-led"); the host checks
# that the backend saw the LED before it sends that key.
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
# One descriptor open all along: evdev queues events only for open clients.
exec 3<"$ev"
echo "VTEST-INPUT-READY $ev $name"

# keys N SECONDS TAG: prints "TAG <code> <value>" for each of the next N key presses/releases read from fd 3
# (one 24-byte struct input_event per read: 16 bytes of time, u16 type, u16 code, s32 value); fails when
# they did not all come within SECONDS. Value 2 is an autorepeat the guest's input core may add on a slow
# guest; only presses and releases count. One event per dd so that nothing sits in a pipe buffer.
keys() {
  kn=$1; kt=$3; got=0
  end=$(($(date +%s) + $2))
  while [ $got -lt $kn ]; do
    left=$((end - $(date +%s)))
    [ $left -gt 0 ] || return 1
    set -- $(timeout $left dd bs=24 count=1 <&3 2>/dev/null | od -An -v -tu2 -w24)
    [ $# -eq 12 ] || continue
    if [ "$9" = 1 ] && [ "${11}" != 2 ]; then echo "$kt ${10} ${11}"; got=$((got + 1)); fi
  done
}

if keys "$want" 30 VTEST-KEY; then result $C PASS "$want key events from '$name' on $ev"
else result $C FAIL "only $got of $want key events from '$name' on $ev within 30 s"; exit 0; fi

# EV_LED (17) LED_CAPSL (1) value 1, then EV_SYN SYN_REPORT: 2 x 24 bytes in one write.
z8='\000\000\000\000\000\000\000\000'
if ! printf "$z8$z8\021\000\001\000\001\000\000\000$z8$z8$z8" > "$ev"; then result input-led FAIL "cannot write EV_LED to $ev"; exit 0; fi
echo "VTEST-LED-SENT"
if keys 2 60 VTEST-ACK; then result input-led PASS "the host acknowledged CapsLock on after EV_LED"
else result input-led FAIL "no acknowledgement key from the host within 60 s of EV_LED"; fi
