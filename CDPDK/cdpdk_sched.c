#include "cdpdk.h"

#include <errno.h>
#include <stdio.h>
#include <rte_sched.h>

/* One rte_sched port for a shaped egress port: one subport, one pipe, the pipe's traffic classes
 * 0-11 strict priority (0 highest) and class 12 best effort over 4 WRR queues. A setup sequence
 * of five calls and three parameter structs: simpler and safer in C.
 *
 * rte_sched's port rate is the line it assumes it drains into: its clock advances with every byte
 * it sends, so it cannot itself hold a port to less than what the caller takes from it. The
 * shaping is done by the subport and pipe token buckets (`rate`), which are measured against that
 * clock and so against real time while the line rate (`line_rate`, well above `rate`) is not
 * reached. */
struct rte_sched_port *cdpdk_sched_create(const char *name, int socket, uint64_t line_rate, uint64_t rate, uint32_t mtu,
                                          uint16_t qsize,
                                          const uint64_t *tc_rates, const uint8_t *wrr_weights, bool count_frames,
                                          char *error, size_t error_size) {
    /* 40 ms of the rate (at least two frames), like the class period: a worker that loses its
     * core for a few milliseconds catches up instead of losing the time. */
    uint64_t tb_size = rate / 25 > 2 * (uint64_t)mtu ? rate / 25 : 2 * (uint64_t)mtu;
    struct rte_sched_subport_profile_params subport_profile = {.tb_rate = rate, .tb_size = tb_size, .tc_period = 40};
    struct rte_sched_pipe_params pipe = {.tb_rate = rate, .tb_size = tb_size, .tc_period = 40, .tc_ov_weight = 1};
    for (int tc = 0; tc < RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE; tc++) {
        subport_profile.tc_rate[tc] = rate;
        pipe.tc_rate[tc] = tc_rates[tc] == 0 || tc_rates[tc] > rate ? rate : tc_rates[tc];
    }
    for (int queue = 0; queue < RTE_SCHED_BE_QUEUES_PER_PIPE; queue++)
        pipe.wrr_weights[queue] = wrr_weights[queue] == 0 ? 1 : wrr_weights[queue];
    struct rte_sched_subport_params subport = {
        .n_pipes_per_subport_enabled = 1, .pipe_profiles = &pipe, .n_pipe_profiles = 1, .n_max_pipe_profiles = 1,
    };
    for (int tc = 0; tc < RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE; tc++)
        subport.qsize[tc] = qsize;
    struct rte_sched_port_params params = {
        .name = name, .socket = socket, .rate = line_rate, .mtu = mtu,
        .frame_overhead = count_frames ? 0 : RTE_SCHED_FRAME_OVERHEAD_DEFAULT,
        .n_subports_per_port = 1, .subport_profiles = &subport_profile, .n_subport_profiles = 1,
        .n_max_subport_profiles = 1, .n_pipes_per_subport = 1,
    };
    struct rte_sched_port *port = rte_sched_port_config(&params);
    if (port == NULL) {
        snprintf(error, error_size, "rte_sched_port_config failed");
        return NULL;
    }
    int result = rte_sched_subport_config(port, 0, &subport, 0);
    if (result == 0)
        result = rte_sched_pipe_config(port, 0, 0, 0);
    if (result != 0) {
        snprintf(error, error_size, "rte_sched subport/pipe configuration failed (%d)", result);
        rte_sched_port_free(port);
        return NULL;
    }
    return port;
}

/* Frees the port and the frames still queued in it. */
void cdpdk_sched_free(struct rte_sched_port *port) { rte_sched_port_free(port); }

/* rte_sched_queue_read_stats reads and resets a queue's counters; its port's owner calls it. */
void cdpdk_sched_queue_stats(struct rte_sched_port *port, uint32_t queue, uint64_t *sent, uint64_t *dropped) {
    struct rte_sched_queue_stats stats;
    uint16_t length;
    if (rte_sched_queue_read_stats(port, queue, &stats, &length) == 0) {
        *sent = stats.n_pkts;
        *dropped = stats.n_pkts_dropped;
    } else {
        *sent = 0;
        *dropped = 0;
    }
}

int cdpdk_sched_enqueue(struct rte_sched_port *port, struct rte_mbuf **pkts, uint32_t n, const uint16_t *class_of_tag,
                        bool count_frames) {
    for (uint32_t i = 0; i < n; i++) {
        uint8_t dscp = pkts[i]->hash.usr & 0xFF;
        uint16_t class = class_of_tag[dscp];
        rte_sched_port_pkt_write(port, pkts[i], 0, 0, class >> 8, class & 0xFF, RTE_COLOR_GREEN);
        /* The scheduler's path overwrites the handoff tag; the DSCP rides in its spare field. */
        pkts[i]->hash.sched.reserved = dscp;
        /* Counting frames: rte_sched charges pkt_len (+ overhead, 0 here) for a frame, so every
         * frame weighs 1 while it is queued; dequeue gives the real length back. */
        if (count_frames)
            pkts[i]->pkt_len = 1;
    }
    return rte_sched_port_enqueue(port, pkts, n);
}

int cdpdk_sched_dequeue(struct rte_sched_port *port, struct rte_mbuf **pkts, uint32_t n, bool count_frames) {
    int count = rte_sched_port_dequeue(port, pkts, n);
    if (count_frames) {
        for (int i = 0; i < count; i++) {
            uint32_t length = 0;
            for (struct rte_mbuf *segment = pkts[i]; segment != NULL; segment = segment->next)
                length += segment->data_len;
            pkts[i]->pkt_len = length;
        }
    }
    return count;
}
