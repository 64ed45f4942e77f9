#include "common/service_token.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"

namespace rfs {
namespace {

constexpr absl::Duration kMintedLifetime = absl::Hours(1);
// How often a token file is read again (rotation without restart).
constexpr absl::Duration kFileRecheck = absl::Minutes(1);

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceToken>> ServiceToken::Create(const ServerConfig& config) {
  std::unique_ptr<ServiceToken> t(new ServiceToken());
  t->subject_ = config.service_name;
  t->file_ = config.service_token_file;
  if (t->file_.empty()) {
    ASSIGN_OR_RETURN(t->key_, LoadAuthKey(config));
    if (t->key_.algorithm != VerificationKey::Algorithm::kHs256) {
      return absl::InvalidArgumentError(
          "--service_token_file is required with an RS256 --auth_key_file: this service calls "
          "other rfs services and cannot mint its own token");
    }
  }
  absl::MutexLock lock(&t->mu_);
  RETURN_IF_ERROR(t->RefreshLocked());
  return t;
}

absl::Status ServiceToken::RefreshLocked() {
  if (!file_.empty()) {
    std::ifstream in(file_);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(buffer.str()));
    if (!in || token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--service_token_file: cannot read a token from ", file_));
    }
    token_ = std::move(token);
    renew_at_ = absl::Now() + kFileRecheck;
    return absl::OkStatus();
  }
  TokenClaims claims;
  claims.subject = subject_;
  claims.role = Role::kService;
  claims.ttl = kMintedLifetime;
  ASSIGN_OR_RETURN(token_, MintToken(key_, claims));
  renew_at_ = absl::Now() + kMintedLifetime / 2;
  return absl::OkStatus();
}

std::string ServiceToken::Get() {
  absl::MutexLock lock(&mu_);
  if (absl::Now() >= renew_at_) {
    if (absl::Status s = RefreshLocked(); !s.ok()) {
      RFS_LOG(kWarning, "service token not renewed; using the previous one")
          .Field("error", s.message());
      renew_at_ = absl::Now() + absl::Seconds(10);
    }
  }
  return token_;
}

}  // namespace rfs
