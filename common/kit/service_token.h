// The bearer token a service presents when it calls another rfs service (role `service`).
// Either read from a file the deployment provides (--service_token_file; looked at once a second
// and read again when its inode, size or modification time changed, so a rotated Kubernetes
// secret is picked up without a restart; while it cannot be read the last good token is used), or, with an HS256
// key, minted here for one hour and renewed when half of that has passed. The token is never
// logged. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kit/auth.h"
#include "common/kit/config.h"

namespace rfs {

class ServiceToken {
 public:
  // Fails when neither a token file nor an HS256 key is available (an RS256 deployment must
  // provide the token file).
  static absl::StatusOr<std::unique_ptr<ServiceToken>> Create(const ServerConfig& config);

  // The current token. Falls back to the last good one when the file cannot be read.
  std::string Get();

 private:
  ServiceToken() = default;
  absl::Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::string subject_;
  std::string file_;
  VerificationKey key_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The token file's inode, size and modification time when it was last read.
  std::string file_identity_ ABSL_GUARDED_BY(mu_);
  absl::Time next_warning_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace rfs
