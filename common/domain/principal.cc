#include "common/domain/principal.h"

namespace rfs {
namespace {

constexpr struct {
  Role role;
  const char* name;
} kRoles[] = {
    {Role::kSecretariat, "secretariat"}, {Role::kBureau, "bureau"},
    {Role::kPrefecture, "prefecture"},   {Role::kMunicipality, "municipality"},
    {Role::kViewer, "viewer"},           {Role::kService, "service"},
};

}  // namespace

const char* RoleName(Role role) {
  for (const auto& r : kRoles) {
    if (r.role == role) return r.name;
  }
  return "unknown";
}

bool ParseRole(absl::string_view name, Role* role) {
  for (const auto& r : kRoles) {
    if (name == r.name) {
      *role = r.role;
      return true;
    }
  }
  return false;
}

}  // namespace rfs
