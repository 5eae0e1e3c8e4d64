/*
 * cdpdk_fastpath.h: the per-frame calls of the worker loop. All static inline, so that Swift's
 * clang importer emits them into the Swift module and LLVM inlines them into the loop: the release
 * build's worker function calls none of these, only the PMDs' burst functions.
 */
#ifndef CDPDK_FASTPATH_H
#define CDPDK_FASTPATH_H

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_meter.h>

#define CDPDK_INLINE static inline __attribute__((always_inline))

/* rte_eth_rx_burst and rte_eth_tx_burst are static inline. */
CDPDK_INLINE uint16_t cdpdk_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_rx_burst(port, queue, pkts, n);
}

CDPDK_INLINE uint16_t cdpdk_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_tx_burst(port, queue, pkts, n);
}

/* rte_pktmbuf_mtod is a macro, and struct rte_mbuf is opaque to Swift. */
CDPDK_INLINE void *cdpdk_mbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }
/* Bytes in this (first) segment: what the parser may read. */
CDPDK_INLINE uint16_t cdpdk_mbuf_data_len(const struct rte_mbuf *m) { return m->data_len; }
/* Bytes in the whole frame, over all segments. */
CDPDK_INLINE uint32_t cdpdk_mbuf_pkt_len(const struct rte_mbuf *m) { return m->pkt_len; }

/* A flooded frame goes out of several ports as the same mbuf: every segment gets `extra` more
 * references, which each port's transmit (or free) gives back. */
CDPDK_INLINE void cdpdk_mbuf_add_refs(struct rte_mbuf *m, uint16_t extra) {
    for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next)
        rte_mbuf_refcnt_update(seg, (int16_t)extra);
}

/* A flooded frame for a shaped port gets its own header (an indirect mbuf sharing the data, from
 * the frame's pool): the scheduler writes its queue into the header, which the other ports'
 * copies must not see. rte_pktmbuf_clone is static inline. NULL when the pool is empty. */
CDPDK_INLINE struct rte_mbuf *cdpdk_mbuf_clone(struct rte_mbuf *m) { return rte_pktmbuf_clone(m, m->pool); }

/* rte_pktmbuf_free_bulk handles chains and shared (refcounted) mbufs. */
CDPDK_INLINE void cdpdk_mbuf_free_bulk(struct rte_mbuf **pkts, unsigned n) {
    if (n > 0)
        rte_pktmbuf_free_bulk(pkts, n);
}

/* A frame handed to another worker for TX carries its final DSCP in the mbuf's user hash field
 * (free once vmswitch owns the mbuf), so the sending worker can count what it really sent. */
CDPDK_INLINE void cdpdk_mbuf_set_tag(struct rte_mbuf *m, uint32_t tag) { m->hash.usr = tag; }
CDPDK_INLINE uint32_t cdpdk_mbuf_tag(const struct rte_mbuf *m) { return m->hash.usr; }
/* A frame out of an egress scheduler: its final DSCP (0xFF: not IP), kept by cdpdk_sched_enqueue
 * in the scheduler field's spare bits. */
CDPDK_INLINE uint8_t cdpdk_mbuf_sched_dscp(const struct rte_mbuf *m) { return (uint8_t)m->hash.sched.reserved; }

/* TX handoff rings (multi-producer, single consumer): the rte_ring burst calls are static inline.
 * Lock-free: producers claim slots with a compare-and-swap. */
CDPDK_INLINE unsigned cdpdk_ring_enqueue_burst(struct rte_ring *r, struct rte_mbuf **pkts, unsigned n) {
    return rte_ring_mp_enqueue_burst(r, (void **)pkts, n, NULL);
}

CDPDK_INLINE unsigned cdpdk_ring_dequeue_burst(struct rte_ring *r, struct rte_mbuf **pkts, unsigned n) {
    return rte_ring_sc_dequeue_burst(r, (void **)pkts, n, NULL);
}

CDPDK_INLINE void cdpdk_prefetch(const void *p) { rte_prefetch0(p); }

/* Rule policers and flood limits: the colour-blind checks are static inline. Returns the
 * rte_color (0 green, 1 yellow, 2 red) of a frame of `length` (bytes, or 1 for a meter counting
 * frames). */
CDPDK_INLINE uint8_t cdpdk_police_colour(void *meter, void *profile, bool two_rate, uint64_t tsc, uint32_t length) {
    return two_rate ? (uint8_t)rte_meter_trtcm_color_blind_check(meter, profile, tsc, length)
                    : (uint8_t)rte_meter_srtcm_color_blind_check(meter, profile, tsc, length);
}
CDPDK_INLINE uint64_t cdpdk_tsc(void) { return rte_rdtsc(); }
CDPDK_INLINE uint64_t cdpdk_tsc_hz(void) { return rte_get_tsc_hz(); }
/* rte_lcore_id reads a per-lcore thread-local variable through a macro. */
CDPDK_INLINE unsigned cdpdk_lcore_id(void) { return rte_lcore_id(); }

#endif
