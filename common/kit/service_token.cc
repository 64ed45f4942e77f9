#include "common/kit/service_token.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status.h"

namespace rfs {
namespace {

constexpr absl::Duration kMintedLifetime = absl::Hours(1);
// How often the token file's identity (inode, size, modification time) is looked at; the file
// is read again when it changed (a rotated secret, without a restart).
constexpr absl::Duration kFileRecheck = absl::Seconds(1);
// A file that cannot be read is warned about at most this often.
constexpr absl::Duration kWarnEvery = absl::Seconds(30);

// What identifies one content of a file without reading it.
std::string FileIdentity(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

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
    renew_at_ = absl::Now() + kFileRecheck;
    const std::string identity = FileIdentity(file_);
    if (!token_.empty() && !identity.empty() && identity == file_identity_) {
      return absl::OkStatus();  // unchanged
    }
    std::ifstream in(file_);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(buffer.str()));
    if (!in || token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--service_token_file: cannot read a token from ", file_));
    }
    token_ = std::move(token);
    file_identity_ = identity;
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
      if (absl::Now() >= next_warning_) {
        RFS_LOG(kWarning, "service token not renewed; using the previous one")
            .Field("error", s.message());
        next_warning_ = absl::Now() + kWarnEvery;
      }
      renew_at_ = absl::Now() + (file_.empty() ? absl::Seconds(10) : kFileRecheck);
    }
  }
  return token_;
}

}  // namespace rfs
