#include "cdpdk.h"

#include <errno.h>

/* Rule policers and flood limits: srTCM (RFC 2697) or trTCM (RFC 2698). A profile and a meter
 * have room for either kind; `two_rate` says which one they hold. Swift allocates their bytes (on
 * the right NUMA node) with these sizes and hands them back as opaque pointers. */
size_t cdpdk_police_profile_size(void) {
    return RTE_MAX(sizeof(struct rte_meter_srtcm_profile), sizeof(struct rte_meter_trtcm_profile));
}

size_t cdpdk_police_meter_size(void) {
    return RTE_MAX(sizeof(struct rte_meter_srtcm), sizeof(struct rte_meter_trtcm));
}

int cdpdk_police_profile_config(void *profile, bool two_rate, uint64_t rate, uint64_t burst, uint64_t peak,
                                uint64_t peak_burst) {
    if (two_rate) {
        struct rte_meter_trtcm_params params = {.cir = rate, .pir = peak, .cbs = burst, .pbs = peak_burst};
        return rte_meter_trtcm_profile_config(profile, &params);
    }
    struct rte_meter_srtcm_params params = {.cir = rate, .cbs = burst, .ebs = peak_burst};
    return rte_meter_srtcm_profile_config(profile, &params);
}

int cdpdk_police_meter_init(void *meter, void *profile, bool two_rate) {
    return two_rate ? rte_meter_trtcm_config(meter, profile) : rte_meter_srtcm_config(meter, profile);
}
