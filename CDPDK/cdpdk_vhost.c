#include "cdpdk.h"

#include <rte_eth_vhost.h>
#include <rte_vhost.h>

int cdpdk_vhost_numa_node(uint16_t port) {
    int vid = rte_eth_vhost_get_vid_from_port_id(port);
    if (vid < 0)
        return -1;
    return rte_vhost_get_numa_node(vid);
}

#include <numaif.h>
#include <stdlib.h>

int cdpdk_vhost_guest_memory_node(uint16_t port) {
    int vid = rte_eth_vhost_get_vid_from_port_id(port);
    struct rte_vhost_memory *memory = NULL;
    if (vid < 0 || rte_vhost_get_mem_table(vid, &memory) != 0 || memory == NULL)
        return -1;
    int node = -1;
    if (memory->nregions > 0) {
        void *address = (void *)(uintptr_t)memory->regions[0].host_user_addr;
        if (get_mempolicy(&node, NULL, 0, address, MPOL_F_NODE | MPOL_F_ADDR) != 0)
            node = -1;
    }
    free(memory);
    return node;
}
