#include "cdpdk.h"

#include <systemd/sd-daemon.h>

/* systemd's notify protocol (Type=notify) through libsystemd's sd_notify: readiness, reloading
 * and stopping as the service manager expects them. 0 (nothing sent) when not run by systemd. */
int cdpdk_notify(const char *state) { return sd_notify(0, state); }
