/* CoreSupport is header-only (static inline helpers); SwiftPM wants one source file a C target. */
#include "core_support.h"
