#include "cdpdk.h"

#include <rte_eth_vhost.h>
#include <rte_vhost.h>

int cdpdk_vhost_numa_node(uint16_t port) {
    int vid = rte_eth_vhost_get_vid_from_port_id(port);
    if (vid < 0)
        return -1;
    return rte_vhost_get_numa_node(vid);
}
