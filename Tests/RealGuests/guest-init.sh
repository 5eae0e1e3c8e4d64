#!/bin/busybox sh
# The guest's /init: load virtio-net, take the address from the kernel command line, and either
# ping the peer with a TOS mark (guest.role=pinger), keep pinging it in rounds of guest.count
# pings, one GUEST_PING_OK/GUEST_PING_FAIL line per round, until guest.wait seconds of uptime
# (guest.role=repeater: shows an outage and its end), or answer pings until guest.wait seconds.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in $(cat /etc/modules-order); do insmod /lib/modules/$module.ko; done
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^guest\.$1=//p"; }
ip=$(arg ip); peer=$(arg peer); role=$(arg role); count=$(arg count); tos=$(arg tos); wait=$(arg wait)
ip link set lo up
ip link set eth0 up
ip addr add "$ip" dev eth0
echo "GUEST_READY $ip uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ "$role" = pinger ]; then
    tries=0
    until /usr/bin/ping -c1 -W1 -Q "$tos" "$peer" >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ $tries -ge "${wait:-60}" ] && break
    done
    if /usr/bin/ping -c "${count:-5}" -i 0.2 -W 2 -Q "$tos" "$peer"; then echo GUEST_PING_OK; else echo GUEST_PING_FAIL; fi
elif [ "$role" = repeater ]; then
    round=0
    while [ "$(cut -d. -f1 /proc/uptime)" -lt "${wait:-60}" ]; do
        round=$((round + 1))
        received=$(/usr/bin/ping -c "${count:-5}" -i 0.2 -W 1 -Q "$tos" "$peer" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
        if [ "${received:-0}" -gt 0 ]; then
            echo "GUEST_PING_OK round=$round received=$received/${count:-5} uptime=$(cut -d' ' -f1 /proc/uptime)"
        else
            echo "GUEST_PING_FAIL round=$round uptime=$(cut -d' ' -f1 /proc/uptime)"
            sleep 1
        fi
    done
else
    sleep "${wait:-60}"
fi
echo GUEST_DONE
poweroff -f
