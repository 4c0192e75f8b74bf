# Sourced by the level-C check scripts (busybox sh). Results go to the serial console as
#   VTEST <check> PASS|FAIL|SKIP <detail>
# which the harness (GuestResult) turns into JUnit assertions; VTEST-<WORD> lines carry data for the host.

result() { echo "VTEST $1 $2 $3"; }

# arg NAME DEFAULT: the value of vtest.NAME= on the kernel command line.
arg() {
  for a in $(cat /proc/cmdline); do
    case "$a" in "vtest.$1="*) echo "${a#vtest.$1=}"; return ;; esac
  done
  echo "$2"
}

# wait_for TEST PATH SECONDS: waits for a device node to appear.
wait_for() {
  n=0
  while [ ! -e "$2" ] && [ $n -lt $(($3 * 5)) ]; do sleep 0.2; n=$((n + 1)); done
  [ -e "$2" ]
}

virtio_devices() {
  for d in /sys/bus/virtio/devices/*; do
    [ -e "$d/device" ] && printf '%s:%s ' "${d##*/}" "$(cat $d/device)"
  done
}

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# io_errors: block-layer errors the kernel logged so far (empty when none).
io_errors() { dmesg | grep -iE 'I/O error|blk_update_request|Buffer I/O|EXT4-fs error' | head -3 | tr '\n' ' '; }
