// Japan Standard Time, the zone of every date people read in rfs (log lines, deadlines, fiscal
// years). Pure; safe from any thread.
#pragma once

#include "absl/time/time.h"

namespace rfs {

// Japan Standard Time (UTC+9, no daylight saving).
absl::TimeZone JapanTimeZone();

}  // namespace rfs
