#!/bin/busybox sh
# /init of the two-node guest (node 0 = CPUs 0-1, node 1 = CPUs 2-3). Runs vmswitch with a worker
# on each node (lcores 1 and 3) and two stand-in VMs (dpdk-testpmd with virtio-user), each bound
# to one node with numactl, and prints vmswitch's counters and log between markers on the serial
# console for the host to check:
#   PLACED: VM A's memory on node 1, VM B's on node 0 (the reverse of where vmswitch first put
#           their ports), traffic A <-> B;
#   MOVED:  A reconnects from node 0;
#   DENIED: vmswitch restarted without hugepages on node 1; B's memory on node 1.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/hugepages /var/run/dpdk
mount -t hugetlbfs nodev /dev/hugepages
for node in 0 1; do echo 320 > /sys/devices/system/node/node$node/hugepages/hugepages-2048kB/nr_hugepages; done
echo "NUMA_GUEST nodes=$(ls -d /sys/devices/system/node/node* | wc -l) pages0=$(cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages) pages1=$(cat /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)"
trap '' PIPE

standin() {  # name node socket send-pcap: a stand-in VM whose CPUs and memory are on one node
    local name=$1 node=$2 socket=$3 send=$4 cpus mem
    if [ "$node" = 0 ]; then cpus=0,1; mem=128,0; else cpus=2,3; mem=0,128; fi
    numactl --membind="$node" --cpunodebind="$node" dpdk-testpmd -l "$cpus" --socket-mem "$mem" --file-prefix "$name" \
        --no-pci --single-file-segments --log-level='pmd.net.virtio.*:warning' \
        --vdev "net_virtio_user0,path=$socket,queues=1" --vdev "net_pcap0,rx_pcap=$send,infinite_rx=1,tx_pcap=/dev/null" \
        -- --forward-mode=io --no-flush-rx --stats-period 5 --total-num-mbufs=2048 > "/tmp/$name.log" 2>&1 &
    echo $!
}
stop() { kill -INT "$1" 2>/dev/null; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done; kill -9 "$1" 2>/dev/null; }
wait_for() {  # file text count seconds
    for _ in $(seq $(($4 * 10))); do [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0; sleep 0.1; done
    echo "NUMA_GUEST timeout waiting for '$2' x$3 in $1"; return 1
}
report() {  # phase
    sleep 3  # a few stats intervals after the last change
    echo "=== $1 STATS"; cat /tmp/stats.json; echo; echo "=== $1 LOG"; grep "vmswitch:" /tmp/sw.log; echo "=== $1 END"
    for log in /tmp/a*.log /tmp/b*.log; do echo "--- $log"; grep -v "^ \|^$\|###" "$log" | tail -8; done
}
switch() {  # socket-mem options...
    rm -f /tmp/stats.json
    vmswitch run --config /test/numa.yaml --stats-interval 1 --stats-json /tmp/stats.json -- \
        --lcores 0,1,2,3 --file-prefix sw "$@" > /tmp/sw.log 2>&1 &
    echo $!
}

sw=$(switch --socket-mem 256,256)
if ! wait_for /tmp/sw.log "running" 1 60; then
    echo "=== vmswitch did not start:"; cat /tmp/sw.log; echo "NUMA_GUEST_DONE"; poweroff -f
fi
a=$(standin a 1 /tmp/a.sock /test/a-send.pcap)
b=$(standin b 0 /tmp/b.sock /test/b-send.pcap)
wait_for /tmp/sw.log "port vm-a: guest memory on node 1" 1 90
wait_for /tmp/sw.log "port vm-b: guest memory on node 0" 1 90
sleep 4
report PLACED
stop "$a"; rm -f /dev/hugepages/amap_*
wait_for /tmp/sw.log "port vm-a: link down" 1 30
a=$(standin a2 0 /tmp/a.sock /test/a-send.pcap)
wait_for /tmp/sw.log "port vm-a: guest memory on node 0" 1 90
sleep 3
report MOVED
stop "$a"; stop "$b"; stop "$sw"; rm -f /dev/hugepages/*

sw=$(switch --socket-mem 256,0 --socket-limit 256,1)
wait_for /tmp/sw.log "running" 1 60
b=$(standin b2 1 /tmp/b.sock /test/b-send.pcap)
wait_for /tmp/sw.log "port vm-b: link up" 1 90
sleep 2
report DENIED
stop "$b"; stop "$sw"
echo "NUMA_GUEST_DONE"
poweroff -f
