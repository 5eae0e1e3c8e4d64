#include "cdpdk.h"

#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>

/* The device name is the devargs up to the first comma ("net_pcap0", "0000:3b:00.0"). */
static void device_name(const char *devargs, char *name, size_t len) {
    size_t n = strcspn(devargs, ",");
    if (n >= len)
        n = len - 1;
    memcpy(name, devargs, n);
    name[n] = '\0';
}

static int first_port_of(const char *name, uint16_t *port) {
    uint16_t id;
    RTE_ETH_FOREACH_DEV(id) {
        struct rte_eth_dev_info info;
        if (rte_eth_dev_info_get(id, &info) != 0 || info.device == NULL)
            continue;
        if (strcmp(rte_dev_name(info.device), name) == 0) {
            *port = id;
            return 0;
        }
    }
    return -ENODEV;
}

int cdpdk_port_attach(const char *devargs, uint16_t *port, char *err, size_t errlen) {
    char name[RTE_DEV_NAME_MAX_LEN];
    device_name(devargs, name, sizeof(name));
    if (first_port_of(name, port) == 0)
        return 0; /* probed at EAL init (an allow-listed PCI device) */
    int rc = rte_dev_probe(devargs);
    if (rc != 0) {
        snprintf(err, errlen, "DPDK could not probe device \"%s\": %s", devargs, rte_strerror(-rc));
        return rc;
    }
    if (first_port_of(name, port) != 0) {
        snprintf(err, errlen, "device \"%s\" was probed but is not an ethernet port", devargs);
        return -ENODEV;
    }
    return 0;
}

int cdpdk_port_detach(uint16_t port) {
    struct rte_eth_dev_info info;
    if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
        return -ENODEV;
    return rte_dev_remove(info.device);
}

int cdpdk_port_configure(uint16_t port, const struct cdpdk_port_setup *setup,
                         struct rte_mempool *const *pools, char *err, size_t errlen) {
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read device info: %s", rte_strerror(-rc));
        return rc;
    }
    if (setup->rx_queues > info.max_rx_queues || setup->tx_queues > info.max_tx_queues) {
        snprintf(err, errlen, "needs %u rx / %u tx queues, the driver has %u / %u",
                 setup->rx_queues, setup->tx_queues, info.max_rx_queues, info.max_tx_queues);
        return -EINVAL;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    rc = rte_eth_dev_configure(port, setup->rx_queues, setup->tx_queues, &conf);
    if (rc != 0) {
        snprintf(err, errlen, "configure failed: %s", rte_strerror(-rc));
        return rc;
    }
    if (setup->mtu != 0) {
        uint32_t mtu = setup->mtu;
        if (info.max_mtu != 0 && mtu > info.max_mtu)
            mtu = info.max_mtu;
        (void)rte_eth_dev_set_mtu(port, (uint16_t)mtu); /* not every vdev supports it */
    }
    uint16_t nb_rx = setup->rx_descriptors, nb_tx = setup->tx_descriptors;
    (void)rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
    int socket = rte_eth_dev_socket_id(port);
    for (uint16_t q = 0; q < setup->rx_queues; q++) {
        struct rte_eth_rxconf rxconf = info.default_rxconf;
        rxconf.offloads = conf.rxmode.offloads;
        rc = rte_eth_rx_queue_setup(port, q, nb_rx, socket < 0 ? SOCKET_ID_ANY : socket, &rxconf, pools[q]);
        if (rc != 0) {
            snprintf(err, errlen, "rx queue %u setup failed: %s", q, rte_strerror(-rc));
            return rc;
        }
    }
    for (uint16_t q = 0; q < setup->tx_queues; q++) {
        struct rte_eth_txconf txconf = info.default_txconf;
        txconf.offloads = conf.txmode.offloads;
        rc = rte_eth_tx_queue_setup(port, q, nb_tx, socket < 0 ? SOCKET_ID_ANY : socket, &txconf);
        if (rc != 0) {
            snprintf(err, errlen, "tx queue %u setup failed: %s", q, rte_strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int cdpdk_port_start(uint16_t port, char *err, size_t errlen) {
    int rc = rte_eth_dev_start(port);
    if (rc != 0)
        snprintf(err, errlen, "start failed: %s", rte_strerror(-rc));
    else
        (void)rte_eth_promiscuous_enable(port); /* a switch port accepts every destination */
    return rc;
}

int cdpdk_port_stop(uint16_t port) { return rte_eth_dev_stop(port); }
int cdpdk_port_close(uint16_t port) { return rte_eth_dev_close(port); }
int cdpdk_port_socket(uint16_t port) { return rte_eth_dev_socket_id(port); }

bool cdpdk_port_link_up(uint16_t port) {
    struct rte_eth_link link;
    memset(&link, 0, sizeof(link));
    if (rte_eth_link_get_nowait(port, &link) != 0)
        return false;
    return link.link_status == RTE_ETH_LINK_UP;
}

int cdpdk_port_mac(uint16_t port, uint8_t mac[6]) {
    struct rte_ether_addr addr;
    int rc = rte_eth_macaddr_get(port, &addr);
    if (rc == 0)
        memcpy(mac, addr.addr_bytes, 6);
    return rc;
}

int cdpdk_port_name(uint16_t port, char *name, size_t len) {
    char buffer[RTE_ETH_NAME_MAX_LEN];
    int rc = rte_eth_dev_get_name_by_port(port, buffer);
    if (rc == 0)
        snprintf(name, len, "%s", buffer);
    return rc;
}

int cdpdk_port_max_queues(uint16_t port, uint16_t *rx, uint16_t *tx) {
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc == 0) {
        *rx = info.max_rx_queues;
        *tx = info.max_tx_queues;
    }
    return rc;
}

int cdpdk_port_stats(uint16_t port, struct cdpdk_port_stats *out) {
    struct rte_eth_stats stats;
    int rc = rte_eth_stats_get(port, &stats);
    if (rc != 0)
        return rc;
    out->ipackets = stats.ipackets;
    out->opackets = stats.opackets;
    out->ibytes = stats.ibytes;
    out->obytes = stats.obytes;
    out->imissed = stats.imissed;
    out->ierrors = stats.ierrors;
    out->oerrors = stats.oerrors;
    out->rx_nombuf = stats.rx_nombuf;
    return 0;
}

int cdpdk_port_move_rx(uint16_t port, uint16_t rx_queues, uint16_t rx_descriptors,
                       struct rte_mempool *const *pools, int socket, char *err, size_t errlen) {
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read device info: %s", rte_strerror(-rc));
        return rc;
    }
    rc = rte_eth_dev_stop(port);
    if (rc != 0) {
        snprintf(err, errlen, "stop failed: %s", rte_strerror(-rc));
        return rc;
    }
    for (uint16_t q = 0; q < rx_queues; q++) {
        struct rte_eth_rxconf rxconf = info.default_rxconf;
        rc = rte_eth_rx_queue_setup(port, q, rx_descriptors, socket, &rxconf, pools[q]);
        if (rc != 0) {
            snprintf(err, errlen, "rx queue %u setup on node %d failed: %s", q, socket, rte_strerror(-rc));
            break;
        }
    }
    int start = rte_eth_dev_start(port);
    if (rc == 0 && start != 0) {
        snprintf(err, errlen, "restart failed: %s", rte_strerror(-start));
        rc = start;
    }
    return rc;
}

struct link_watch {
    void (*callback)(uint16_t, void *);
    void *arg;
};

static int on_lsc(uint16_t port, enum rte_eth_event_type type, void *param, void *ret) {
    (void)type;
    (void)ret;
    struct link_watch *watch = param;
    watch->callback(port, watch->arg);
    return 0;
}

static struct link_watch watches[RTE_MAX_ETHPORTS];

int cdpdk_port_on_link_change(uint16_t port, void (*callback)(uint16_t, void *), void *arg) {
    if (port >= RTE_MAX_ETHPORTS)
        return -EINVAL;
    watches[port].callback = callback;
    watches[port].arg = arg;
    return rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, on_lsc, &watches[port]);
}

int cdpdk_port_forget_link_change(uint16_t port, void (*callback)(uint16_t, void *), void *arg) {
    (void)callback;
    (void)arg;
    if (port >= RTE_MAX_ETHPORTS)
        return -EINVAL;
    return rte_eth_dev_callback_unregister(port, RTE_ETH_EVENT_INTR_LSC, on_lsc, &watches[port]);
}
