#include "services/notification/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/domain/plan_access.h"

namespace rfs::notification {

absl::Status Authorize(const Principal& who, Action action) {
  switch (action) {
    case Action::kRead:
    case Action::kSubscribe:
      return absl::OkStatus();
    case Action::kPublish:
      if (who.role == Role::kService) return absl::OkStatus();
      return Bilingual(absl::StatusCode::kPermissionDenied,
                       absl::StrCat(DescribeCallerJa(who),
                                    "はイベントを発行できません。発行するのは rfs の各サービス"
                                    "（サービスロール）です"),
                       absl::StrCat(DescribeCaller(who),
                                    " may not publish events: the rfs services (service role) "
                                    "do"));
  }
  return absl::PermissionDeniedError("unknown action");
}

bool CanManageSubscription(const Principal& who, absl::string_view owner) {
  return who.role == Role::kSecretariat || (!who.subject.empty() && who.subject == owner);
}

bool CanKeepContact(const Principal& who, absl::string_view body_code, absl::string_view block) {
  switch (who.role) {
    case Role::kSecretariat:
      return true;
    case Role::kPrefecture:
    case Role::kMunicipality:
      return !body_code.empty() && body_code == who.body_code;
    case Role::kBureau:
      return body_code.empty() && !block.empty() && block == who.block;
    default:
      return false;
  }
}

}  // namespace rfs::notification
