/*
 * core_support.h: the two CPU instructions the DPDK-free core wants and Swift does not spell.
 * No DPDK here: the core stays testable and fuzzable without it. Static inline, so the Swift
 * callers inline them into their loops.
 */
#ifndef CORE_SUPPORT_H
#define CORE_SUPPORT_H

#include <stdint.h>

/* A prefetch into all cache levels: the burst stages fetch the next frames' table slots while
 * they work on the current ones. A hint only: it never faults, whatever the address. */
static inline __attribute__((always_inline)) void core_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/* One step of CRC32-C over a 64-bit word (SSE4.2's crc32 instruction, 3 cycles of latency);
 * a multiply-xorshift where the CPU has no SSE4.2. The flow key's hash. */
static inline __attribute__((always_inline)) uint64_t core_crc32_u64(uint64_t crc, uint64_t word) {
#if defined(__SSE4_2__)
    return __builtin_ia32_crc32di(crc, word);
#else
    uint64_t mixed = (crc ^ word) * 0x9E3779B97F4A7C15ull;
    return mixed ^ (mixed >> 29);
#endif
}

#endif
