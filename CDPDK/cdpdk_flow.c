#include "cdpdk.h"

#include <stdio.h>
#include <string.h>

#include <rte_flow.h>

/* Builds the rte_flow pattern and actions for one hardware DSCP rewrite: rte_flow's item and
 * action structs are unions of protocol headers, far easier to fill in C. */
int cdpdk_flow_install(uint16_t port, const struct cdpdk_flow *flow, uint16_t rx_queues, char *err, size_t errlen) {
    struct rte_flow_attr attr = {.ingress = 1, .priority = flow->priority};
    struct rte_flow_item pattern[5];
    int n = 0;
    memset(pattern, 0, sizeof(pattern));

    struct rte_flow_item_eth eth_spec = {0}, eth_mask = {0};
    if (flow->vlan >= 0) {
        eth_spec.has_vlan = 1;
        eth_mask.has_vlan = 1;
    }
    pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &eth_spec, .mask = &eth_mask};

    struct rte_flow_item_vlan vlan_spec = {0}, vlan_mask = {0};
    if (flow->vlan >= 0) {
        vlan_spec.hdr.vlan_tci = rte_cpu_to_be_16((uint16_t)flow->vlan);
        vlan_mask.hdr.vlan_tci = rte_cpu_to_be_16(0x0fff);
        pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_VLAN, .spec = &vlan_spec, .mask = &vlan_mask};
    }

    struct rte_flow_item_ipv4 v4_spec = {0}, v4_mask = {0};
    struct rte_flow_item_ipv6 v6_spec = {0}, v6_mask = {0};
    if (flow->ipv6) {
        if (flow->has_src) {
            memcpy(v6_spec.hdr.src_addr, flow->src, 16);
            memcpy(v6_mask.hdr.src_addr, flow->src_mask, 16);
        }
        if (flow->has_dst) {
            memcpy(v6_spec.hdr.dst_addr, flow->dst, 16);
            memcpy(v6_mask.hdr.dst_addr, flow->dst_mask, 16);
        }
        if (flow->proto >= 0) {
            v6_spec.hdr.proto = (uint8_t)flow->proto;
            v6_mask.hdr.proto = 0xff;
        }
        pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_IPV6, .spec = &v6_spec, .mask = &v6_mask};
    } else {
        if (flow->has_src) {
            memcpy(&v4_spec.hdr.src_addr, flow->src + 12, 4);
            memcpy(&v4_mask.hdr.src_addr, flow->src_mask + 12, 4);
        }
        if (flow->has_dst) {
            memcpy(&v4_spec.hdr.dst_addr, flow->dst + 12, 4);
            memcpy(&v4_mask.hdr.dst_addr, flow->dst_mask + 12, 4);
        }
        if (flow->proto >= 0) {
            v4_spec.hdr.next_proto_id = (uint8_t)flow->proto;
            v4_mask.hdr.next_proto_id = 0xff;
        }
        pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &v4_spec, .mask = &v4_mask};
    }

    struct rte_flow_item_tcp tcp_spec = {0}, tcp_mask = {0};
    struct rte_flow_item_udp udp_spec = {0}, udp_mask = {0};
    struct rte_flow_item_sctp sctp_spec = {0}, sctp_mask = {0};
    if (flow->has_sport || flow->has_dport) {
        rte_be16_t sport = rte_cpu_to_be_16(flow->sport), sport_mask = rte_cpu_to_be_16(flow->has_sport ? flow->sport_mask : 0);
        rte_be16_t dport = rte_cpu_to_be_16(flow->dport), dport_mask = rte_cpu_to_be_16(flow->has_dport ? flow->dport_mask : 0);
        if (flow->proto == 6) {
            tcp_spec.hdr.src_port = sport; tcp_mask.hdr.src_port = sport_mask;
            tcp_spec.hdr.dst_port = dport; tcp_mask.hdr.dst_port = dport_mask;
            pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_TCP, .spec = &tcp_spec, .mask = &tcp_mask};
        } else if (flow->proto == 17) {
            udp_spec.hdr.src_port = sport; udp_mask.hdr.src_port = sport_mask;
            udp_spec.hdr.dst_port = dport; udp_mask.hdr.dst_port = dport_mask;
            pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask};
        } else {
            sctp_spec.hdr.src_port = sport; sctp_mask.hdr.src_port = sport_mask;
            sctp_spec.hdr.dst_port = dport; sctp_mask.hdr.dst_port = dport_mask;
            pattern[n++] = (struct rte_flow_item){.type = RTE_FLOW_ITEM_TYPE_SCTP, .spec = &sctp_spec, .mask = &sctp_mask};
        }
    }
    pattern[n].type = RTE_FLOW_ITEM_TYPE_END;

    struct rte_flow_action_set_dscp dscp = {.dscp = flow->dscp};
    uint16_t queues[16];
    for (uint16_t q = 0; q < rx_queues && q < 16; q++)
        queues[q] = q;
    struct rte_flow_action_rss rss = {.level = 0, .types = RTE_ETH_RSS_IP, .queue_num = rx_queues, .queue = queues};
    struct rte_flow_action_queue queue = {.index = 0};
    struct rte_flow_action actions[3] = {
        {.type = flow->ipv6 ? RTE_FLOW_ACTION_TYPE_SET_IPV6_DSCP : RTE_FLOW_ACTION_TYPE_SET_IPV4_DSCP, .conf = &dscp},
        rx_queues > 1 ? (struct rte_flow_action){.type = RTE_FLOW_ACTION_TYPE_RSS, .conf = &rss}
                      : (struct rte_flow_action){.type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue},
        {.type = RTE_FLOW_ACTION_TYPE_END},
    };

    struct rte_flow_error error;
    memset(&error, 0, sizeof(error));
    int rc = rte_flow_validate(port, &attr, pattern, actions, &error);
    if (rc == 0 && rte_flow_create(port, &attr, pattern, actions, &error) == NULL)
        rc = -rte_errno;
    if (rc != 0)
        snprintf(err, errlen, "%s", error.message ? error.message : rte_strerror(-rc));
    return rc;
}

int cdpdk_flow_flush(uint16_t port) {
    struct rte_flow_error error;
    return rte_flow_flush(port, &error);
}
