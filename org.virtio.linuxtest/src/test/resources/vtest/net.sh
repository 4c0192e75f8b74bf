# virtio-net: brings up the first ethernet interface the virtio driver created with vtest.ip= and pings
# vtest.peer= (the host end of the backend's TAP device).
. /vtest/lib.sh
C=net
ip=$(arg ip 10.77.0.2/24)
peer=$(arg peer 10.77.0.1)
n=0
dev=
while [ -z "$dev" ] && [ $n -lt 100 ]; do
  for d in /sys/class/net/*; do
    case "$(readlink -f $d/device)" in */virtio*) dev=${d##*/} ;; esac
  done
  [ -n "$dev" ] || { sleep 0.2; n=$((n + 1)); }
done
if [ -z "$dev" ]; then result $C FAIL "no virtio network interface; virtio devices: $(virtio_devices)"; exit 0; fi
ip link set lo up
ip link set "$dev" up
ip addr add "$ip" dev "$dev"
mac=$(cat /sys/class/net/$dev/address)
if out=$(ping -c 3 -W 5 "$peer" 2>&1); then
  result $C PASS "$dev ($mac) $ip pinged $peer: $(echo "$out" | grep -E 'packets transmitted' | tr -d '\n')"
else
  result $C FAIL "$dev ($mac) $ip cannot ping $peer: $(echo "$out" | tail -2 | tr '\n' ' ')"
fi
