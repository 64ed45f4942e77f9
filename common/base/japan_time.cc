#include "common/base/japan_time.h"

namespace rfs {

absl::TimeZone JapanTimeZone() { return absl::FixedTimeZone(9 * 60 * 60); }

}  // namespace rfs
