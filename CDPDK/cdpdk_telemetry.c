#include "cdpdk.h"

#include <rte_telemetry.h>

int cdpdk_telemetry_register(const char *command, cdpdk_telemetry_handler handler, const char *help) {
    return rte_telemetry_register_cmd(command, (telemetry_cb)handler, help);
}

void cdpdk_tel_start_dict(struct rte_tel_data *d) { rte_tel_data_start_dict(d); }
void cdpdk_tel_start_u64_array(struct rte_tel_data *d) { rte_tel_data_start_array(d, RTE_TEL_U64_VAL); }
void cdpdk_tel_start_string_array(struct rte_tel_data *d) { rte_tel_data_start_array(d, RTE_TEL_STRING_VAL); }
int cdpdk_tel_string(struct rte_tel_data *d, const char *value) { return rte_tel_data_string(d, value); }
int cdpdk_tel_dict_u64(struct rte_tel_data *d, const char *name, uint64_t value) {
    return rte_tel_data_add_dict_u64(d, name, value);
}
int cdpdk_tel_dict_int(struct rte_tel_data *d, const char *name, int value) {
    return rte_tel_data_add_dict_int(d, name, value);
}
int cdpdk_tel_dict_string(struct rte_tel_data *d, const char *name, const char *value) {
    return rte_tel_data_add_dict_string(d, name, value);
}
int cdpdk_tel_array_u64(struct rte_tel_data *d, uint64_t value) { return rte_tel_data_add_array_u64(d, value); }
int cdpdk_tel_array_string(struct rte_tel_data *d, const char *value) { return rte_tel_data_add_array_string(d, value); }
struct rte_tel_data *cdpdk_tel_alloc(void) { return rte_tel_data_alloc(); }
int cdpdk_tel_dict_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *child) {
    int rc = rte_tel_data_add_dict_container(d, name, child, 0);
    if (rc != 0)
        rte_tel_data_free(child);
    return rc;
}
