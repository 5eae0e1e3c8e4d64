#include "cdpdk.h"

#include <rte_malloc.h>
#include <rte_mempool.h>

void *cdpdk_zmalloc_socket(size_t size, int socket) {
    return rte_zmalloc_socket("vmswitch", size, RTE_CACHE_LINE_SIZE, socket);
}

void cdpdk_free(void *ptr) { rte_free(ptr); }

struct rte_mempool *cdpdk_pktmbuf_pool_create(const char *name, unsigned count, unsigned cache,
                                              uint16_t data_room, int socket) {
    return rte_pktmbuf_pool_create(name, count, cache, 0, data_room, socket);
}

unsigned cdpdk_mempool_in_use(const struct rte_mempool *pool) { return rte_mempool_in_use_count(pool); }
unsigned cdpdk_mempool_size(const struct rte_mempool *pool) { return pool->size; }
void cdpdk_mempool_free(struct rte_mempool *pool) { rte_mempool_free(pool); }

#include <rte_ring.h>

struct rte_ring *cdpdk_ring_create(const char *name, unsigned count, int socket) {
    return rte_ring_create(name, count, socket, RING_F_SC_DEQ);
}

void cdpdk_ring_free(struct rte_ring *ring) { rte_ring_free(ring); }
