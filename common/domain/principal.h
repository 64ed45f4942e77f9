// Who calls rfs: the roles of DESIGN.md and the principal a verified token becomes
// (common/kit/auth.h verifies tokens; the read and write rules of plans decide on principals).
// Plain data; safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rfs {

// Roles of DESIGN.md.
enum class Role {
  kSecretariat,   // national secretariat: everything; alone publishes nationally
  kBureau,        // regional bureau: its block
  kPrefecture,    // a prefecture: plans it authors or co-authors
  kMunicipality,  // a municipality: plans it authors or co-authors
  kViewer,        // read only
  kService,       // calls between rfs services
};

const char* RoleName(Role role);
bool ParseRole(absl::string_view name, Role* role);

// Who is calling, from a verified token.
struct Principal {
  std::string subject;    // `sub`
  Role role = Role::kViewer;
  std::string body_code;  // 6-digit local government code (prefecture and municipality roles)
  std::string block;      // block id (bureau role)
  absl::Time expires;
};

}  // namespace rfs
