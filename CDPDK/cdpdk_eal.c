#include "cdpdk.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>

int cdpdk_eal_init(int argc, char **argv) { return rte_eal_init(argc, argv); }
int cdpdk_eal_cleanup(void) { return rte_eal_cleanup(); }
int cdpdk_errno(void) { return rte_errno; }
const char *cdpdk_strerror(int err) { return rte_strerror(err); }
const char *cdpdk_runtime_dir(void) { return rte_eal_get_runtime_dir(); }

unsigned cdpdk_next_worker_lcore(unsigned after) { return rte_get_next_lcore(after, 1, 0); }
unsigned cdpdk_main_lcore(void) { return rte_get_main_lcore(); }
unsigned cdpdk_lcore_count(void) { return rte_lcore_count(); }
unsigned cdpdk_lcore_socket(unsigned lcore) { return rte_lcore_to_socket_id(lcore); }
unsigned cdpdk_max_lcore(void) { return RTE_MAX_LCORE; }

int cdpdk_launch(int (*entry)(void *), void *arg, unsigned lcore) {
    return rte_eal_remote_launch(entry, arg, lcore);
}

int cdpdk_wait_lcore(unsigned lcore) { return rte_eal_wait_lcore(lcore); }

#include <rte_pdump.h>

/* Lets dpdk-dumpcap (a secondary process) capture any port: the primary must serve pdump
 * requests. Needs the hugepage files to stay, so vmswitch does not unlink them while running. */
int cdpdk_capture_init(void) { return rte_pdump_init(); }
int cdpdk_capture_uninit(void) { return rte_pdump_uninit(); }
