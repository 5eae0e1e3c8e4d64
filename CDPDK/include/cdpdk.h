/*
 * cdpdk.h: the C shim between vmswitch's Swift code and DPDK 22.11.
 *
 * This is the only place that includes DPDK headers. Swift calls nothing named rte_*: every
 * DPDK call goes through a cdpdk_* function declared here, each with the reason it exists.
 * Most reasons are one of:
 *   - the DPDK call is a static inline function or a macro, which Swift cannot import or cannot
 *     inline (the fast path must be inlined into the Swift worker loop);
 *   - struct rte_mbuf and other cache-aligned structs are opaque to Swift, so their fields are
 *     reached through accessors;
 *   - a setup sequence (port configuration, vhost callbacks) is simpler and safer in C.
 */
#ifndef CDPDK_H
#define CDPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "cdpdk_fastpath.h"

/* ---- Rule policers and flood limits (cdpdk_meter.c): rte_meter srTCM or trTCM ---- */

/* Bytes of a profile and of a meter of either kind, for Swift to allocate. */
size_t cdpdk_police_profile_size(void);
size_t cdpdk_police_meter_size(void);
/* A trTCM (`two_rate`: committed rate and burst, peak rate and burst) or srTCM (committed rate
 * and burst, `peak_burst` as the excess burst) profile; rates per second, in bytes (or frames,
 * when each frame is metered as length 1). 0 or -errno (e.g. peak below rate). */
int cdpdk_police_profile_config(void *profile, bool two_rate, uint64_t rate, uint64_t burst, uint64_t peak,
                                uint64_t peak_burst);
/* rte_meter_{sr,tr}tcm_config: a meter starting with full buckets. 0 or -errno. */
int cdpdk_police_meter_init(void *meter, void *profile, bool two_rate);

/* ---- Egress shaping (cdpdk_sched.c): rte_sched, one subport and one pipe per shaped port ---- */

struct rte_sched_port;
/* A scheduler shaping to `rate` bytes per second (Ethernet's 24 bytes of overhead per frame
 * counted) below a line of `line_rate`: traffic classes 0-11 strict priority, each capped at
 * tc_rates[tc] (0: `rate`), class 12 best effort over 4 queues weighted by wrr_weights; every
 * queue holds `qsize` frames. `count_frames`: rates are frames per second (each frame weighs 1,
 * no overhead; `mtu` 1). NULL with `error` filled on failure. */
struct rte_sched_port *cdpdk_sched_create(const char *name, int socket, uint64_t line_rate, uint64_t rate, uint32_t mtu,
                                          uint16_t qsize,
                                          const uint64_t *tc_rates, const uint8_t *wrr_weights, bool count_frames,
                                          char *error, size_t error_size);
void cdpdk_sched_free(struct rte_sched_port *port);
/* Frames queue `queue` (0-11: its class; 12-15: the best-effort queues) sent and dropped since
 * the last call (rte_sched_queue_read_stats resets them). Only the port's owner calls it. */
void cdpdk_sched_queue_stats(struct rte_sched_port *port, uint32_t queue, uint64_t *sent, uint64_t *dropped);
/* Writes each frame's class and queue (class_of_tag[the DSCP in its handoff tag]: class << 8 |
 * queue) and enqueues them; the scheduler frees what its queues cannot take. Returns how many
 * it took. rte_sched_port_pkt_write is static inline: a loop in C. */
int cdpdk_sched_enqueue(struct rte_sched_port *port, struct rte_mbuf **pkts, uint32_t n, const uint16_t *class_of_tag,
                        bool count_frames);
/* rte_sched_port_dequeue; counting frames, it gives each frame its real length back. */
int cdpdk_sched_dequeue(struct rte_sched_port *port, struct rte_mbuf **pkts, uint32_t n, bool count_frames);

/* ---- The service manager (cdpdk_service.c) ---- */

/* sd_notify(0, state), e.g. "READY=1\nSTATUS=...": > 0 sent, 0 not under systemd, < 0 -errno.
 * Not DPDK, but the C side of vmswitch lives here. */
int cdpdk_notify(const char *state);

/* ---- EAL and lcores (cdpdk_eal.c) ---- */

/* rte_eal_init, with the EAL's log output kept; returns the number of arguments consumed or -1. */
int cdpdk_eal_init(int argc, char **argv);
/* rte_eal_cleanup: releases hugepages and the runtime directory. */
int cdpdk_eal_cleanup(void);
/* rte_errno is a per-lcore thread-local macro: Swift cannot read it. */
int cdpdk_errno(void);
/* rte_strerror of the current rte_errno (or of `err`). */
const char *cdpdk_strerror(int err);
/* The runtime directory (telemetry socket, config): for reports. */
const char *cdpdk_runtime_dir(void);

/* Packet capture for dpdk-dumpcap (rte_pdump_init/uninit). */
int cdpdk_capture_init(void);
int cdpdk_capture_uninit(void);

/* Lcore enumeration: RTE_LCORE_FOREACH_WORKER is a macro. Returns RTE_MAX_LCORE at the end. */
unsigned cdpdk_next_worker_lcore(unsigned after);
unsigned cdpdk_main_lcore(void);
unsigned cdpdk_lcore_count(void);
/* The NUMA node of an lcore, for placing workers next to their ports. */
unsigned cdpdk_lcore_socket(unsigned lcore);
unsigned cdpdk_max_lcore(void);
/* Runs `entry(arg)` on a worker lcore; rte_eal_remote_launch takes a lcore_function_t. */
int cdpdk_launch(int (*entry)(void *), void *arg, unsigned lcore);
/* Waits for a worker lcore to return from its entry function. */
int cdpdk_wait_lcore(unsigned lcore);

/* ---- Memory (cdpdk_memory.c) ---- */

/* Zeroed, cache-aligned memory on a NUMA node (SOCKET_ID_ANY = -1 for any): tables and worker
 * state live next to the lcores that read them. */
void *cdpdk_zmalloc_socket(size_t size, int socket);
void cdpdk_free(void *ptr);

/* A packet mbuf pool on a NUMA node. */
struct rte_mempool *cdpdk_pktmbuf_pool_create(const char *name, unsigned count, unsigned cache,
                                              uint16_t data_room, int socket);
/* Mbufs taken from the pool (in use by ports, workers or queues): for leak checks. */
unsigned cdpdk_mempool_in_use(const struct rte_mempool *pool);
unsigned cdpdk_mempool_size(const struct rte_mempool *pool);
void cdpdk_mempool_free(struct rte_mempool *pool);

/* ---- Ports (cdpdk_port.c) ---- */

/* Probes a device from devargs ("net_pcap0,rx_pcap=..", "0000:3b:00.0") unless it is already
 * probed, and returns its first ethdev port in *port. Writes a message to err on failure. */
int cdpdk_port_attach(const char *devargs, uint16_t *port, char *err, size_t errlen);
/* Removes the device of a (stopped, closed) port: used to undo a partial start. */
int cdpdk_port_detach(uint16_t port);

struct cdpdk_port_setup {
    uint16_t rx_queues;
    uint16_t tx_queues;
    uint16_t rx_descriptors;
    uint16_t tx_descriptors;
    uint32_t mtu; /* 0 = leave the driver's default */
};

/* Configures queues, MTU, scatter/multi-segment offloads where the driver has them, and sets up
 * every queue. rx queue i takes mbufs from pools[i]. rte_eth_conf is a large union/bitfield
 * struct: zeroing and filling it is simpler in C. */
int cdpdk_port_configure(uint16_t port, const struct cdpdk_port_setup *setup,
                         struct rte_mempool *const *pools, char *err, size_t errlen);
int cdpdk_port_start(uint16_t port, char *err, size_t errlen);
int cdpdk_port_stop(uint16_t port);
int cdpdk_port_close(uint16_t port);
/* The NUMA node DPDK reports for a port (-1 when unknown, e.g. a vdev). */
int cdpdk_port_socket(uint16_t port);
bool cdpdk_port_link_up(uint16_t port);
int cdpdk_port_mac(uint16_t port, uint8_t mac[6]);
int cdpdk_port_name(uint16_t port, char *name, size_t len);
/* The largest rx/tx queue counts the driver accepts. */
int cdpdk_port_max_queues(uint16_t port, uint16_t *rx, uint16_t *tx);

struct cdpdk_port_stats {
    uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
};
/* rte_eth_stats_get, copied into a struct Swift can import (rte_eth_stats has arrays sized by a
 * build-time constant). */
int cdpdk_port_stats(uint16_t port, struct cdpdk_port_stats *stats);

/* Stops the port, sets up its rx queues again on other mbuf pools (one per queue), and starts
 * it: how a vhost port's rx moves to the NUMA node of its guest's memory. */
int cdpdk_port_move_rx(uint16_t port, uint16_t rx_queues, uint16_t rx_descriptors,
                       struct rte_mempool *const *pools, int socket, char *err, size_t errlen);

/* Calls `callback(port, arg)` from the EAL interrupt thread whenever the port's link changes
 * (a vhost port: a VM connects or goes). */
int cdpdk_port_on_link_change(uint16_t port, void (*callback)(uint16_t port, void *arg), void *arg);
int cdpdk_port_forget_link_change(uint16_t port, void (*callback)(uint16_t port, void *arg), void *arg);

/* ---- Hardware DSCP rewrite (cdpdk_flow.c) ---- */

/* One rte_flow rule: match (family, VLAN, prefixes, protocol, L4 port value/mask), set DSCP. */
struct cdpdk_flow {
    uint8_t ipv6;
    int32_t vlan;      /* -1: any */
    int32_t proto;     /* -1: any */
    uint8_t has_src, has_dst, has_sport, has_dport;
    uint8_t src[16], src_mask[16], dst[16], dst_mask[16]; /* IPv4 in the last 4 bytes */
    uint16_t sport, sport_mask, dport, dport_mask;
    uint8_t dscp;
    uint32_t priority; /* the rule's index: lower wins */
};
/* Validates, then creates the flow; on failure writes the driver's reason to err. */
int cdpdk_flow_install(uint16_t port, const struct cdpdk_flow *flow, uint16_t rx_queues, char *err, size_t errlen);
/* Removes every flow from the port. */
int cdpdk_flow_flush(uint16_t port);

/* ---- vhost-user (cdpdk_vhost.c) ---- */

/* The NUMA node of a connected guest's memory (rte_vhost_get_numa_node), -1 when unknown or not
 * connected. */
int cdpdk_vhost_numa_node(uint16_t port);
/* The node of the guest's memory itself (its first region, via get_mempolicy): differs from the
 * above when the vhost library could not move its structures there (no memory on that node). */
int cdpdk_vhost_guest_memory_node(uint16_t port);

/* ---- Telemetry (cdpdk_telemetry.c) ---- */

/* rte_telemetry's data builder takes `struct rte_tel_data *`, opaque here; the callback type
 * is spelled out so Swift can hand a @convention(c) function. */
struct rte_tel_data;
typedef int (*cdpdk_telemetry_handler)(const char *command, const char *params, struct rte_tel_data *d);
/* Registers `command` (e.g. "/vmswitch/ports") with the EAL's telemetry socket. */
int cdpdk_telemetry_register(const char *command, cdpdk_telemetry_handler handler, const char *help);
void cdpdk_tel_start_dict(struct rte_tel_data *d);
void cdpdk_tel_start_u64_array(struct rte_tel_data *d);
void cdpdk_tel_start_string_array(struct rte_tel_data *d);
int cdpdk_tel_string(struct rte_tel_data *d, const char *value);
int cdpdk_tel_dict_u64(struct rte_tel_data *d, const char *name, uint64_t value);
int cdpdk_tel_dict_int(struct rte_tel_data *d, const char *name, int value);
int cdpdk_tel_dict_string(struct rte_tel_data *d, const char *name, const char *value);
int cdpdk_tel_array_u64(struct rte_tel_data *d, uint64_t value);
int cdpdk_tel_array_string(struct rte_tel_data *d, const char *value);
/* A nested container; added with cdpdk_tel_dict_container, which frees it on failure. */
struct rte_tel_data *cdpdk_tel_alloc(void);
int cdpdk_tel_dict_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *child);

/* ---- Rings (cdpdk_memory.c) ---- */

/* A multi-producer, single-consumer ring of mbufs on a node: TX handoff to a port's owner. */
struct rte_ring *cdpdk_ring_create(const char *name, unsigned count, int socket);
void cdpdk_ring_free(struct rte_ring *ring);

#endif
